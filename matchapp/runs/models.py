from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.clock import utcnow
from ..extensions import Model


class Run(Model):
    """One run of the engine on a round: its exact input and output, replayable."""

    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="final")  # preview | final
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    seed: Mapped[int] = mapped_column(default=0)
    engine_version: Mapped[str] = mapped_column(String(16))
    input_sha256: Mapped[str] = mapped_column(String(64))
    instance_json: Mapped[str] = mapped_column(Text)
    result_json: Mapped[str] = mapped_column(Text)
    stable: Mapped[bool] = mapped_column(default=False)

    placements: Mapped[list[Placement]] = relationship(back_populates="run", cascade="all, delete-orphan")
    round = relationship("Round")


class Placement(Model):
    """Where a run sends one teacher: matched at the fair or assigned by the bureau."""

    __tablename__ = "placements"
    __audited__ = True
    __table_args__ = (UniqueConstraint("run_id", "teacher_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    teacher_id: Mapped[int] = mapped_column(ForeignKey("teachers.id"), index=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"))
    how: Mapped[str] = mapped_column(String(16))  # matched | assigned | unplaced
    preference_rank: Mapped[int] = mapped_column(default=0)
    reason: Mapped[str] = mapped_column(Text, default="")  # the bureau's reason for a manual change
    #: what the bureau overrode placing the teacher by hand: "refused" (the school's 不接受),
    #: "requirements" (the post's), comma-separated; empty when nothing
    overrides: Mapped[str] = mapped_column(String(32), default="", server_default="")

    run: Mapped[Run] = relationship(back_populates="placements")
    teacher = relationship("Teacher")
    school = relationship("School")
