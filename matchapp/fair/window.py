"""When the fair is open: the bureau opens it with a closing time and closes it (early, or the
closing time passes); the server, never the browser, decides whether a save is on time."""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import select

from ..core.clock import utcnow
from ..core.errors import Refused
from ..extensions import db
from ..preparation.models import Outgoing, Post
from ..rounds.models import Round
from ..rounds.states import require


class FairError(Refused):
    """Something the round's state, the calendar or the rules of the fair do not allow."""


def fair_is_open(round_: Round, now: dt.datetime | None = None) -> bool:
    """Open means the state says so and the closing time, if set, has not passed (server time):
    a save at the closing time itself is late."""
    now = now or utcnow()
    return round_.state == "fair_open" and (round_.fair_closes_at is None or now < round_.fair_closes_at)


def require_open(round_: Round, now: dt.datetime | None = None) -> None:
    if round_.state == "fair_open" and not fair_is_open(round_, now):
        raise FairError(_("洽谈会已于截止时间关闭，不能再修改。"))
    require(round_, "take_part")


def open_fair(round_: Round, closes_at: dt.datetime | None, now: dt.datetime | None = None) -> Round:
    """Open the fair until ``closes_at`` (UTC; None: until the bureau closes it)."""
    now = now or utcnow()
    require(round_, "open_fair")
    if closes_at is not None and closes_at <= now:
        raise FairError(_("截止时间应晚于现在。"))
    competition = round_.procedure == "competition"
    if not competition and not db.session.scalar(
        select(Outgoing.id).where(Outgoing.round_id == round_.id, Outgoing.confirmed.is_(True))
    ):
        raise FairError(_("还没有确定的流出教师，不能开放洽谈会。"))
    if not db.session.scalar(select(Post.id).where(Post.round_id == round_.id, Post.seats > 0)):
        raise FairError(
            _("还没有缺编学校发布竞聘岗位，不能开放报名。") if competition else _("还没有接收名额，不能开放洽谈会。")
        )
    round_.state, round_.fair_opens_at, round_.fair_closes_at = "fair_open", now, closes_at
    db.session.flush()
    return round_


def close_fair(round_: Round, now: dt.datetime | None = None) -> Round:
    now = now or utcnow()
    require(round_, "close_fair")
    round_.state = "fair_closed"
    if round_.fair_closes_at is None or round_.fair_closes_at > now:
        round_.fair_closes_at = now
    db.session.flush()
    return round_


def sync_state(round_: Round, now: dt.datetime | None = None) -> Round:
    """A fair past its closing time is closed (checked whenever a page reads the round)."""
    if round_.state == "fair_open" and not fair_is_open(round_, now):
        round_.state = "fair_closed"
        db.session.flush()
    return round_


def round_for_page(round_id: int) -> Round:
    """The round a page asks for (404 if none), with a fair past its closing time closed first."""
    round_ = db.get_or_404(Round, round_id)
    sync_state(round_)
    return round_
