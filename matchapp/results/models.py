from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..core.clock import utcnow
from ..extensions import Model


class Publication(Model):
    """One published version of a round's results (公示): what the notice and the letters show,
    frozen at that moment. A correction after publication adds the next version, with its reason."""

    __tablename__ = "publications"
    __audited__ = True
    __table_args__ = (UniqueConstraint("round_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"))
    version: Mapped[int] = mapped_column(default=1)
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_by: Mapped[str] = mapped_column(String(64), default="")
    reason: Mapped[str] = mapped_column(Text, default="")  # why this version replaces the previous one
    # The notice's rows, as published: [{teacher_id, staff_no, name, subject, from_code, from_name,
    # to_code, to_name, how, preference_rank}], ordered as the notice prints them.
    rows: Mapped[list] = mapped_column(JSON, default=list)
    # The 公示 period: the public may object from the first to the last day (inclusive).
    notice_starts_on: Mapped[date | None]
    notice_ends_on: Mapped[date | None]
    # Who issues the notice and the letters, as the bureau had set it when publishing: {name,
    # department, phone, address, document_prefix}. None on versions published before it was kept.
    issuer: Mapped[dict | None] = mapped_column(JSON)
