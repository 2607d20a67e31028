from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model


class Post(Model):
    """A school's incoming seats for one subject in a round (接收岗位)."""

    __tablename__ = "posts"
    __audited__ = True
    __table_args__ = (UniqueConstraint("round_id", "school_id", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    subject: Mapped[str] = mapped_column(String(32))
    seats: Mapped[int] = mapped_column(default=0)
    min_education: Mapped[str] = mapped_column(String(16), default="")
    min_title: Mapped[str] = mapped_column(String(16), default="")
    honours: Mapped[str] = mapped_column(String(128), default="")
    backbone_seats: Mapped[int] = mapped_column(default=0)
    confirmed: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str] = mapped_column(Text, default="")

    round = relationship("Round")
    school = relationship("School")


class Outgoing(Model):
    """A teacher on a school's outgoing list for the round (当年流出名单)."""

    __tablename__ = "outgoing"
    __audited__ = True
    __table_args__ = (UniqueConstraint("round_id", "teacher_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    teacher_id: Mapped[int] = mapped_column(ForeignKey("teachers.id"), index=True)
    how: Mapped[str] = mapped_column(String(16), default="volunteer")  # volunteer | vote | rule | bureau
    confirmed: Mapped[bool] = mapped_column(default=False)  # on the school's final list
    vote_members: Mapped[int | None]  # the recommendation panel's voting members (推荐小组)
    vote_yes: Mapped[int | None]
    note: Mapped[str] = mapped_column(Text, default="")
    # 交流方式 (vocab.EXCHANGE_KINDS): its term comes from the policy's ``kind_terms`` (seed 004)
    kind: Mapped[str] = mapped_column(String(16), default="full_time", server_default="full_time")

    round = relationship("Round")
    teacher = relationship("Teacher")


class SchoolRound(Model):
    """A school's progress through the round's preparation."""

    __tablename__ = "school_rounds"
    __audited__ = True
    __table_args__ = (UniqueConstraint("round_id", "school_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    eligibility_published_at: Mapped[datetime | None]  # 应交流对象名单公示
    outgoing_submitted_at: Mapped[datetime | None]  # 流出名单报送教育局
    posts_confirmed_at: Mapped[datetime | None]  # 接收数量确认


class SubjectQuota(Model):
    """How many of a school's teachers of one subject must go out this year (分学科交流指标):
    issued and edited by the bureau (seed 000 篇一 "分学科下达交流轮岗指标", 002 方案1 "下达各学校
    应交流的学科及交流名额指标")."""

    __tablename__ = "subject_quotas"
    __audited__ = True
    __table_args__ = (UniqueConstraint("round_id", "school_id", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    subject: Mapped[str] = mapped_column(String(32))
    count: Mapped[int] = mapped_column(default=0)

    round = relationship("Round")
    school = relationship("School")
