from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model


class Round(Model):
    """One year's rotation (轮岗年度): state, dates and policy settings."""

    __tablename__ = "rounds"
    __audited__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(unique=True)
    name: Mapped[str] = mapped_column(String(128))
    state: Mapped[str] = mapped_column(String(16), default="preparing")  # see rounds.states
    #: how the round places teachers: fair (双向选择洽谈会) | competition (跨校竞聘) | arrangement
    #: (教育局统一安排); rounds.states gives each its steps
    procedure: Mapped[str] = mapped_column(String(16), default="fair", server_default="fair")
    lists_due: Mapped[date | None]  # outgoing lists to the bureau (e.g. 6-30)
    fair_opens_at: Mapped[datetime | None]  # 洽谈会
    fair_closes_at: Mapped[datetime | None]
    seed: Mapped[int] = mapped_column(default=0)  # the published lottery seed
    policy: Mapped[dict] = mapped_column(JSON, default=dict)
    published_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<Round {self.year} {self.state}>"
