from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.clock import utcnow
from ..extensions import Model


class School(Model):
    """A compulsory-education school of the district (学校)."""

    __tablename__ = "schools"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)  # the bureau's school code
    name: Mapped[str] = mapped_column(String(128), unique=True)
    stage: Mapped[str] = mapped_column(String(16), default="primary", server_default="primary")  # vocab.STAGES
    tier: Mapped[str] = mapped_column(String(16), default="ordinary")  # strong | ordinary | weak
    tier_rated_on: Mapped[date | None]  # 评定时间: tiers are rated every three years (seed 000 篇三)
    zone: Mapped[str] = mapped_column(String(64), default="")  # 片区 / 学区
    rural: Mapped[bool] = mapped_column(default=False)  # kept in step with locality (village or remote)
    locality: Mapped[str] = mapped_column(String(16), default="urban", server_default="urban")  # vocab.LOCALITIES
    alliance: Mapped[str] = mapped_column(String(64), default="")  # 学校联盟 / 教育集团
    alliance_core: Mapped[bool] = mapped_column(default=False, server_default=sa_false())  # 集团核心校
    paired_school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"))  # 对口支援
    leadership_size: Mapped[int] = mapped_column(default=0)  # 班子成员人数

    teachers: Mapped[list[Teacher]] = relationship(back_populates="school")
    paired_school: Mapped[School | None] = relationship(remote_side=[id])
    staffing: Mapped[list[Staffing]] = relationship(
        back_populates="school", cascade="all, delete-orphan", order_by="Staffing.subject"
    )

    def __repr__(self) -> str:
        return f"<School {self.code} {self.name}>"


class Teacher(Model):
    """A teacher on the roster (教师), whether or not they rotate this year."""

    __tablename__ = "teachers"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_no: Mapped[str] = mapped_column(String(32), unique=True)  # 工号
    id_number: Mapped[str | None] = mapped_column(String(18), unique=True)  # 身份证号 (optional)
    name: Mapped[str] = mapped_column(String(64))
    gender: Mapped[str] = mapped_column(String(1))  # M | F
    birth_date: Mapped[date]
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    subject: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(16), default="none")  # 职称
    title_date: Mapped[date | None]  # 取得资格时间: qualified for the title (职称取得资格)
    title_appointed_on: Mapped[date | None]  # 聘任时间: appointed to it (seed 000 篇一 "先评审取得资格并先聘任")
    education: Mapped[str] = mapped_column(String(16), default="bachelor")  # 学历
    honours: Mapped[str] = mapped_column(String(256), default="")  # 专业称号, comma-separated
    backbone: Mapped[bool] = mapped_column(default=False)  # 骨干教师 (city-level honours or above)
    started_at_school: Mapped[date]  # 到本校任教时间
    started_work: Mapped[date | None]  # 参加工作时间 (跨校竞聘: 参加工作满3年); unknown: started_at_school
    leadership_role: Mapped[str] = mapped_column(String(64), default="")  # 校长、副校长…
    leader_since: Mapped[date | None]  # 任现职时间: in the leadership post at this school since (terms of office)

    school: Mapped[School] = relationship(back_populates="teachers")
    history: Mapped[list[ExchangeRecord]] = relationship(back_populates="teacher", order_by="ExchangeRecord.year")
    exemptions: Mapped[list[TeacherExemption]] = relationship(
        back_populates="teacher", order_by="TeacherExemption.year", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Teacher {self.staff_no} {self.name}>"


class Staffing(Model):
    """A school's staffing in one subject: the establishment (编制数) and the teachers in post
    (在岗数); over it is 超编, under it 缺编 (seed 003 五(三): 跨校竞聘 from over- to under-staffed)."""

    __tablename__ = "staffing"
    __audited__ = True
    __table_args__ = (UniqueConstraint("school_id", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    subject: Mapped[str] = mapped_column(String(32))
    established: Mapped[int] = mapped_column(default=0)  # 编制数
    in_post: Mapped[int] = mapped_column(default=0)  # 在岗数

    school: Mapped[School] = relationship(back_populates="staffing")

    @property
    def balance(self) -> int:
        """In post minus established: above 0 over-staffed (超编), below 0 under-staffed (缺编)."""
        return self.in_post - self.established


class Bureau(Model):
    """The bureau itself (one row): what its documents say and how its accounts are named."""

    __tablename__ = "bureau"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128), default="教育局")
    department: Mapped[str] = mapped_column(String(64), default="人事处")
    phone: Mapped[str] = mapped_column(String(32), default="")
    address: Mapped[str] = mapped_column(String(128), default="", server_default="")  # where objections go
    document_prefix: Mapped[str] = mapped_column(String(64), default="")  # 文号, e.g. 教人〔2027〕
    teacher_usernames: Mapped[str] = mapped_column(String(16), default="staff_no")  # staff_no | id_number


class TeacherExemption(Model):
    """A teacher's exemption from one year's rotation (暂不交流), recorded by the school and
    approved by the bureau. It belongs to that year only: "暂缓交流轮岗的教师一年一认定" (seed 000
    篇一). A signature-course lead teacher's deferral (特色课程领衔教师, seed 000 篇三) carries its
    end date ``until`` instead, and lasts at most the policy's ``signature_deferral_years`` in all."""

    __tablename__ = "teacher_exemptions"
    __audited__ = True
    __table_args__ = (UniqueConstraint("teacher_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    teacher_id: Mapped[int] = mapped_column(ForeignKey("teachers.id"), index=True)
    year: Mapped[int]  # the rotation year (轮岗年度) it was decided for
    code: Mapped[str] = mapped_column(String(32))  # a code of vocab.EXEMPTIONS
    reason: Mapped[str] = mapped_column(Text, default="")
    approved: Mapped[bool] = mapped_column(default=False)
    until: Mapped[date | None]  # a signature-course deferral's last day
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]

    teacher: Mapped[Teacher] = relationship(back_populates="exemptions")


class ExchangeRecord(Model):
    """One exchange of a teacher (交流经历), from publication to its end, kept in their file (档案):
    "记录并保存轮岗交流的时间、学校、工作表现、年度考核结果等情况" (seed 000 篇四).

    Its ``state`` (vocab.EXCHANGE_STATES) goes placed → serving (报到) → returned | stayed, or
    placed → refused | left | cancelled when the teacher did not take up the post.
    """

    __tablename__ = "exchange_records"
    __audited__ = True
    __table_args__ = (UniqueConstraint("teacher_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    teacher_id: Mapped[int] = mapped_column(ForeignKey("teachers.id"), index=True)
    year: Mapped[int]
    from_school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)  # the home school
    to_school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="full_time", server_default="full_time")
    term_years: Mapped[int] = mapped_column(default=3)  # the term as placed, without extensions
    planned_return: Mapped[date | None]  # the last day of the term, extensions included
    how: Mapped[str] = mapped_column(String(16), default="matched")  # matched | assigned
    state: Mapped[str] = mapped_column(String(16), default="placed", server_default="placed", index=True)
    reported_on: Mapped[date | None]  # 报到: the first day at the receiving school
    relation_moved: Mapped[bool] = mapped_column(default=False, server_default=sa_false())  # 人走关系动
    home_started_at: Mapped[date | None]  # 到本校任教时间 at the home school before the exchange
    ended_on: Mapped[date | None]
    extended_years: Mapped[int] = mapped_column(default=0, server_default="0")
    outcome_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    certificate_no: Mapped[str | None] = mapped_column(String(32), unique=True)  # 《交流服务合格证书》
    certificate_issued_on: Mapped[date | None]
    # Two people changing one exchange at once (reporting it twice, a decision and a return): the
    # second is refused (409) rather than overwriting the first.
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}

    teacher: Mapped[Teacher] = relationship(back_populates="history")
    from_school: Mapped[School] = relationship(foreign_keys=[from_school_id])
    to_school: Mapped[School] = relationship(foreign_keys=[to_school_id])
    assessments: Mapped[list[ExchangeAssessment]] = relationship(
        back_populates="record", order_by="ExchangeAssessment.school_year", cascade="all, delete-orphan"
    )
    events: Mapped[list[ExchangeEvent]] = relationship(
        back_populates="record", order_by="ExchangeEvent.id", cascade="all, delete-orphan"
    )

    @property
    def last_school_year(self) -> int | None:
        """The last school year of the term (a term ending 2030-08-31 ends with school year 2029)."""
        end = self.ended_on or self.planned_return
        return None if end is None else (end.year - 1 if end.month < 9 else end.year)


class ExchangeAssessment(Model):
    """The receiving school's grade of an exchange teacher for one school year (学年度考核:
    优秀/合格/基本合格/不合格, seed 003 六.2), reviewed by the bureau (审核备案)."""

    __tablename__ = "exchange_assessments"
    __audited__ = True
    __table_args__ = (UniqueConstraint("record_id", "school_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("exchange_records.id"), index=True)
    school_year: Mapped[int]  # 2027 is the school year 2027–2028
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)  # the grading school
    grade: Mapped[str] = mapped_column(String(16))  # vocab.ASSESSMENT_GRADES
    note: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(16), default="submitted")  # submitted | approved | returned
    graded_at: Mapped[datetime] = mapped_column(default=utcnow)
    graded_by: Mapped[str] = mapped_column(String(64), default="")
    reviewed_at: Mapped[datetime | None]
    review_note: Mapped[str] = mapped_column(Text, default="")

    record: Mapped[ExchangeRecord] = relationship(back_populates="assessments")
    school: Mapped[School] = relationship()


class ExchangeEvent(Model):
    """What happened to an exchange, for the teacher's file: reporting, a no-show or a refusal
    with the bureau's decision and its consequences, an extension, the end of the term, the
    certificate (vocab.EXCHANGE_EVENTS)."""

    __tablename__ = "exchange_events"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("exchange_records.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    occurred_on: Mapped[date]
    reason: Mapped[str] = mapped_column(Text, default="")
    # A no-show or a refusal: the bureau's decision (vocab.EXCHANGE_DECISIONS), the consequences
    # it applies (vocab.EXCHANGE_CONSEQUENCES) and the day the bar on promotion and honours ends.
    decision: Mapped[str] = mapped_column(String(16), default="")
    decided_on: Mapped[date | None]
    consequences: Mapped[list] = mapped_column(JSON, default=list)
    barred_until: Mapped[date | None]
    actor: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    record: Mapped[ExchangeRecord] = relationship(back_populates="events")
