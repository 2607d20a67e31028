"""What teachers and schools say at the fair, as rows: a teacher's list of posts in order, and a
post's ranking of its applicants in bands (ties) or marked unacceptable.

Each list and ranking keeps two stages side by side: the ``draft`` the person is editing and the
list last ``submitted`` (the only one a final run reads). The parent row carries a version
(optimistic locking): every save updates it, so a save that started from an older version is
refused instead of overwriting someone else's work.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.clock import utcnow
from ..extensions import Model

STAGES = ("draft", "submitted")


class PreferenceList(Model):
    """A teacher's list of schools for a round (志愿), with its submission receipt."""

    __tablename__ = "preference_lists"
    __audited__ = True
    # A save writes its own audit row (the schools or bands before and after, with the time it
    # was submitted and the version it made): the ORM's row for these columns would repeat it.
    __audit_exclude__ = {"submitted_at", "updated_at", "version"}
    __table_args__ = (UniqueConstraint("round_id", "teacher_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    teacher_id: Mapped[int] = mapped_column(ForeignKey("teachers.id"), index=True)
    submitted_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version}

    entries: Mapped[list[PreferenceEntry]] = relationship(
        back_populates="preference_list", cascade="all, delete-orphan", order_by="PreferenceEntry.rank"
    )

    def post_ids(self, stage: str = "draft") -> list[int]:
        """The posts of one stage, best first."""
        return [e.post_id for e in self.entries if e.stage == stage]


class PreferenceEntry(Model):
    """One post on a teacher's list: ``rank`` 1 is the school they most want."""

    __tablename__ = "preference_entries"
    __table_args__ = (
        UniqueConstraint("list_id", "stage", "rank", name="uq_preference_entries_rank"),
        UniqueConstraint("list_id", "stage", "post_id", name="uq_preference_entries_post"),
        CheckConstraint("stage IN ('draft', 'submitted')", name="stage"),
        CheckConstraint("rank >= 1", name="rank"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("preference_lists.id", ondelete="CASCADE"), index=True)
    stage: Mapped[str] = mapped_column(String(9))
    rank: Mapped[int]
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), index=True)

    preference_list: Mapped[PreferenceList] = relationship(back_populates="entries")
    post = relationship("Post")


class PostRanking(Model):
    """A post's ranking of its candidates (学校排序): bands of equals, best first."""

    __tablename__ = "post_rankings"
    __audited__ = True
    # A save writes its own audit row (the schools or bands before and after, with the time it
    # was submitted and the version it made): the ORM's row for these columns would repeat it.
    __audit_exclude__ = {"submitted_at", "updated_at", "version"}

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), unique=True)
    submitted_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version}

    post = relationship("Post")
    entries: Mapped[list[RankingEntry]] = relationship(
        back_populates="ranking", cascade="all, delete-orphan", order_by="RankingEntry.id"
    )

    def groups(self, stage: str = "draft") -> list[list[int]]:
        """The ranked teachers of one stage as bands of equals (teacher ids), best first."""
        bands: dict[int, list[int]] = {}
        for e in self.entries:
            if e.stage == stage and e.band is not None:
                bands.setdefault(e.band, []).append(e.teacher_id)
        return [sorted(bands[b]) for b in sorted(bands)]

    def unacceptable(self, stage: str = "draft") -> list[int]:
        """The teachers of one stage marked unacceptable (不接受), by id."""
        return sorted(e.teacher_id for e in self.entries if e.stage == stage and e.band is None)


class RankingEntry(Model):
    """One applicant in a post's ranking: ``band`` 1 is the best; equal bands are ties; no band
    means the school marked the teacher unacceptable (不接受)."""

    __tablename__ = "ranking_entries"
    __table_args__ = (
        UniqueConstraint("ranking_id", "stage", "teacher_id"),
        CheckConstraint("stage IN ('draft', 'submitted')", name="stage"),
        CheckConstraint("band IS NULL OR band >= 1", name="band"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ranking_id: Mapped[int] = mapped_column(ForeignKey("post_rankings.id", ondelete="CASCADE"), index=True)
    stage: Mapped[str] = mapped_column(String(9))
    teacher_id: Mapped[int] = mapped_column(ForeignKey("teachers.id"), index=True)
    band: Mapped[int | None]

    ranking: Mapped[PostRanking] = relationship(back_populates="entries")


class AssessmentScore(Model):
    """A receiving school's assessment of one applicant to a 跨校竞聘 post (seed 003 五(三):
    "缺编学校组织竞聘考核"): the teaching test (说课/试讲) and the interview (面试), each 0–100 in
    tenths, or a verdict that rules the applicant out (不合格, 缺考). The post's ranking follows
    the total (fair/scores.py)."""

    __tablename__ = "assessment_scores"
    __audited__ = True
    __table_args__ = (
        UniqueConstraint("post_id", "teacher_id"),
        CheckConstraint("verdict IN ('', 'fail', 'absent')", name="verdict"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    teacher_id: Mapped[int] = mapped_column(ForeignKey("teachers.id"), index=True)
    teaching: Mapped[int | None]  # tenths of a point (87.5 -> 875)
    interview: Mapped[int | None]
    verdict: Mapped[str] = mapped_column(String(8), default="", server_default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    teacher = relationship("Teacher")

    @property
    def total(self) -> int | None:
        """The total in tenths, or None when a score is missing or a verdict rules them out."""
        if self.verdict or self.teaching is None or self.interview is None:
            return None
        return self.teaching + self.interview


def saved_as(row: PreferenceList | PostRanking) -> dict:
    """What a save's audit row says of the list or ranking row itself (the ORM's audit leaves
    these columns to it): when it was submitted and the version the save made."""
    return {"submitted_at": row.submitted_at.isoformat() if row.submitted_at else None, "version": row.version}
