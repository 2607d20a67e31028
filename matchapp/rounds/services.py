"""Rounds: creation, the current one, and policy settings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

from flask_babel import gettext as _
from sqlalchemy import select

from ..core.errors import Refused
from ..extensions import db
from .models import Round
from .policy import EXCHANGE_DEFAULTS, SETTING, SETTINGS, check_policy, preset
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


def current_round(chosen_id: int | None = None, rounds: list[Round] | None = None) -> Round | None:
    """The round a person chose to look at (the year switcher), or else the latest year's round
    (the one in progress, or the last one published). ``rounds``: :func:`all_rounds` if the
    caller has it already (no further query)."""
    if rounds is not None:
        chosen = next((r for r in rounds if r.id == chosen_id), None) if chosen_id else None
        return chosen or (rounds[0] if rounds else None)
    if chosen_id:
        chosen = db.session.get(Round, chosen_id)
        if chosen is not None:
            return chosen
    return db.session.scalar(select(Round).order_by(Round.year.desc()).limit(1))


def all_rounds() -> list[Round]:
    return list(db.session.scalars(select(Round).order_by(Round.year.desc())))


def update_policy(round_: Round, values: dict, lists_due: dt.date | None | str = "keep") -> Round:
    """Set the round's policy settings (and, if given, the lists' deadline); only while it is
    being prepared. Every setting is checked again here, whatever page or command sent it: a
    refused change changes nothing. The round is audited, so the log keeps before and after."""
    require(round_, "edit_policy")
    policy = dict(round_.policy)
    for key, value in values.items():
        if key not in SETTING and key not in EXCHANGE_DEFAULTS:  # the exchange's settings: exchanges/forms.py
            continue
        if isinstance(value, (Decimal, Fraction)):
            value = float(value)
        if key in SETTING and SETTING[key].kind == "share" and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        policy[key] = value
    problems = check_policy(policy)
    if problems:
        labels = {s.key: s.label for s in SETTINGS}
        raise RoundError("；".join(f"{labels[k]}：{m}" for k, m in problems.items()))
    if lists_due != "keep":
        if lists_due is not None and not isinstance(lists_due, dt.date):
            raise RoundError(_("流出名单截止日期不是有效日期。"))
        if lists_due is not None and lists_due.year != round_.year:
            raise RoundError(_("流出名单截止日期应在%(year)s年内。", year=round_.year))
        round_.lists_due = lists_due
    round_.policy = policy
    db.session.flush()
    return round_


def apply_preset(round_: Round, preset_name: str) -> Round:
    require(round_, "edit_policy")
    round_.policy = preset(preset_name)
    db.session.flush()
    return round_
