"""What every exchange service shares: the refusal, the policy an exchange lives under, events."""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import select

from ..core.errors import Refused
from ..extensions import db
from ..roster.models import ExchangeEvent, ExchangeRecord
from ..rounds.models import Round


class ExchangeError(Refused):
    """A change of an exchange that the rules do not allow (the message says which)."""


def round_of(record: ExchangeRecord) -> Round | None:
    return db.session.scalar(select(Round).where(Round.year == record.year))


def policy_of(record: ExchangeRecord) -> dict:
    """The policy the exchange was placed under (its round's, frozen when the fair opened): the
    terms a teacher was sent on are the terms the exchange keeps."""
    round_ = round_of(record)
    return dict(round_.policy) if round_ is not None else {}


def year_policy(year: int) -> dict:
    """The policy of the round of ``year``, or of the latest round before it (the school year's
    rules: the share of 优秀 in school year 2027 is the 2027 round's)."""
    round_ = db.session.scalar(select(Round).where(Round.year <= year).order_by(Round.year.desc()).limit(1))
    return dict(round_.policy) if round_ is not None else {}


def add_event(
    record: ExchangeRecord, kind: str, on: dt.date, reason: str = "", actor: str = "", **values
) -> ExchangeEvent:
    event = ExchangeEvent(record_id=record.id, kind=kind, occurred_on=on, reason=reason, actor=actor, **values)
    db.session.add(event)
    db.session.flush()
    return event


def require_state(record: ExchangeRecord, *states: str) -> None:
    if record.state not in states:
        from ..core.vocab import EXCHANGE_STATES

        raise ExchangeError(
            _(
                "%(name)s的交流现为“%(state)s”，不能进行此项操作。",
                name=record.teacher.name,
                state=EXCHANGE_STATES.get(record.state, record.state),
            )
        )


def require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ExchangeError(_("请写明理由。"))
    return reason
