from __future__ import annotations

from datetime import date

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

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
    title_date: Mapped[date | None]
    education: Mapped[str] = mapped_column(String(16), default="bachelor")  # 学历
    honours: Mapped[str] = mapped_column(String(256), default="")  # 专业称号, comma-separated
    backbone: Mapped[bool] = mapped_column(default=False)  # 骨干教师 (city-level honours or above)
    started_at_school: Mapped[date]  # 到本校任教时间
    started_work: Mapped[date | None]  # 参加工作时间 (跨校竞聘: 参加工作满3年); unknown: started_at_school
    leadership_role: Mapped[str] = mapped_column(String(64), default="")  # 校长、副校长…
    exemption: Mapped[str] = mapped_column(String(32), default="")  # a code of vocab.EXEMPTIONS
    exemption_reason: Mapped[str] = mapped_column(Text, default="")
    exemption_approved: Mapped[bool] = mapped_column(default=False)

    school: Mapped[School] = relationship(back_populates="teachers")
    history: Mapped[list[ExchangeRecord]] = relationship(back_populates="teacher", order_by="ExchangeRecord.year")

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
    document_prefix: Mapped[str] = mapped_column(String(64), default="")  # 文号, e.g. 教人〔2027〕
    teacher_usernames: Mapped[str] = mapped_column(String(16), default="staff_no")  # staff_no | id_number


class ExchangeRecord(Model):
    """One past or current exchange of a teacher (交流经历), kept in their file (档案)."""

    __tablename__ = "exchange_records"
    __audited__ = True
    __table_args__ = (UniqueConstraint("teacher_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    teacher_id: Mapped[int] = mapped_column(ForeignKey("teachers.id"), index=True)
    year: Mapped[int]
    from_school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    to_school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"))
    term_years: Mapped[int] = mapped_column(default=3)
    planned_return: Mapped[date | None]
    how: Mapped[str] = mapped_column(String(16), default="matched")  # matched | assigned

    teacher: Mapped[Teacher] = relationship(back_populates="history")
    from_school: Mapped[School] = relationship(foreign_keys=[from_school_id])
    to_school: Mapped[School] = relationship(foreign_keys=[to_school_id])
