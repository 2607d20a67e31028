from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from ..core.clock import utcnow
from ..extensions import Model


class SlipBatch(Model):
    """The slips of one bulk creation or reset, kept encrypted for a day so that the person who
    made them can print them and download them as .xlsx; then deleted. Initial passwords are never
    stored in clear."""

    __tablename__ = "slip_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    title: Mapped[str] = mapped_column(String(128), default="")
    count: Mapped[int] = mapped_column(default=0)
    payload: Mapped[bytes] = mapped_column(LargeBinary)  # Fernet token of the slips as JSON
