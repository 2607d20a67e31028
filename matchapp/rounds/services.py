"""Rounds: creation and policy settings."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from ..extensions import db
from .models import Round
from .policy import BASE, preset


class RoundError(Exception):
    """A change the round's state or rules do not allow (message in words for the user)."""


def create_round(year: int, name: str, preset_name: str = "changzhou", seed: int | None = None) -> Round:
    if db.session.scalar(select(Round).where(Round.year == year)):
        raise RoundError(f"a round for {year} exists already")
    round_ = Round(
        year=year, name=name, policy=preset(preset_name), seed=seed if seed is not None else year * 10000 + 702
    )
    db.session.add(round_)
    db.session.flush()
    return round_


def update_policy(round_: Round, values: dict) -> Round:
    """Set the round's policy numbers; only while it is being prepared."""
    if round_.state != "preparing":
        raise RoundError("the policy is fixed once the fair has opened")
    policy = dict(round_.policy)
    for key in BASE:
        if key in values:
            value = values[key]
            policy[key] = float(value) if isinstance(value, Decimal) else value
    round_.policy = policy
    db.session.flush()
    return round_


def apply_preset(round_: Round, preset_name: str) -> Round:
    if round_.state != "preparing":
        raise RoundError("the policy is fixed once the fair has opened")
    round_.policy = preset(preset_name)
    db.session.flush()
    return round_
