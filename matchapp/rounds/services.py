"""Rounds: creation, the current one, and policy settings."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from ..core.errors import Refused
from ..extensions import db
from .models import Round
from .policy import BASE, preset
from .states import PROCEDURES, require


class RoundError(Refused):
    """A change the round's rules do not allow (message in words for the user)."""


def create_round(
    year: int, name: str, preset_name: str = "changzhou", seed: int | None = None, procedure: str = "fair"
) -> Round:
    if db.session.scalar(select(Round).where(Round.year == year)):
        raise RoundError(_("%(year)s年度已存在。", year=year))
    if procedure not in PROCEDURES:
        raise RoundError(_("没有这种交流方式。"))
    round_ = Round(
        year=year,
        name=name,
        policy=preset(preset_name),
        seed=seed if seed is not None else year * 10000 + 702,
        procedure=procedure,
    )
    db.session.add(round_)
    db.session.flush()
    return round_


def current_round(chosen_id: int | None = None) -> Round | None:
    """The round a person chose to look at (the year switcher), or else the latest year's round
    (the one in progress, or the last one published)."""
    if chosen_id:
        chosen = db.session.get(Round, chosen_id)
        if chosen is not None:
            return chosen
    return db.session.scalar(select(Round).order_by(Round.year.desc()).limit(1))


def all_rounds() -> list[Round]:
    return list(db.session.scalars(select(Round).order_by(Round.year.desc())))


def update_policy(round_: Round, values: dict) -> Round:
    """Set the round's policy numbers; only while it is being prepared."""
    require(round_, "edit_policy")
    policy = dict(round_.policy)
    for key in BASE:
        if key in values:
            value = values[key]
            policy[key] = float(value) if isinstance(value, Decimal) else value
    round_.policy = policy
    db.session.flush()
    return round_


def apply_preset(round_: Round, preset_name: str) -> Round:
    require(round_, "edit_policy")
    round_.policy = preset(preset_name)
    db.session.flush()
    return round_
