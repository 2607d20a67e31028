"""Kinds of exchange (交流方式, issue 13 item 12): each outgoing teacher and each exchange has one,
with its own term from the policy (``kind_terms``).

Seeds: 004 "全职轮岗…任期一般为2年", "兼职交流…任期一般为1年", "教研交流…不改变工作单位"; 002 方案1
"走教型交流", "支教"; 003 五(一) "对口支援学校，结对帮扶", "集团化学校的教师交流提倡优先保障集团内部
教学需要"; 003 五(三) "跨校竞聘…一聘三年". A paired exchange goes to the home school's paired
school, a group exchange stays in the school's alliance: otherwise the bureau is warned.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..core.clock import local_today
from ..core.vocab import EXCHANGE_KINDS
from ..extensions import db
from ..preparation.models import Outgoing
from ..roster.models import ExchangeRecord
from ..rounds.calendar import term_ends, term_years
from ..rounds.models import Round
from ..rounds.states import require
from .records import ExchangeError, add_event, require_reason, require_state, round_of


def _known(kind: str) -> str:
    if kind not in EXCHANGE_KINDS:
        raise ExchangeError(_("交流方式不在可选范围内。"))
    return kind


def set_outgoing_kind(round_: Round, entry: Outgoing, kind: str) -> Outgoing:
    """The kind of exchange an outgoing teacher goes on (while the lists are being prepared)."""
    require(round_, "edit_lists")
    entry.kind = _known(kind)
    db.session.flush()
    return entry


def change_kind(record: ExchangeRecord, kind: str, reason: str, actor: str = "") -> ExchangeRecord:
    """Change a published exchange's kind before the teacher reports: its term follows the kind."""
    require_state(record, "placed")
    reason = require_reason(reason)
    kind = _known(kind)
    if kind == record.kind:
        raise ExchangeError(_("交流方式没有变化。"))
    round_ = round_of(record)
    if round_ is None:
        raise ExchangeError(_("找不到该交流所属的年度。"))
    years = term_years(round_, kind)
    before = EXCHANGE_KINDS[record.kind]
    record.kind, record.term_years, record.planned_return = kind, years, term_ends(round_, years)
    add_event(
        record,
        "kind",
        local_today(),
        _("%(a)s改为%(b)s（期限%(n)s年）：%(reason)s", a=before, b=EXCHANGE_KINDS[kind], n=years, reason=reason),
        actor,
    )
    return record


def kind_warnings(record: ExchangeRecord) -> list[str]:
    """What a kind says of the destination, when the destination does not fit it."""
    home, to = record.from_school, record.to_school
    if record.kind == "paired" and home.paired_school_id != to.id and to.paired_school_id != home.id:
        return [_("对口支援：%(to)s不是%(home)s的结对学校。", to=to.name, home=home.name)]
    if record.kind == "group" and (not home.alliance or home.alliance != to.alliance):
        return [_("集团内交流：%(to)s不在%(home)s所在的教育集团或联盟内。", to=to.name, home=home.name)]
    return []


def counts_by_kind(year: int | None = None, states: tuple[str, ...] | None = None) -> dict[str, int]:
    """Exchanges by kind (of one round's year, in some states), every kind listed."""
    query = select(ExchangeRecord.kind, func.count(ExchangeRecord.id)).group_by(ExchangeRecord.kind)
    if year is not None:
        query = query.where(ExchangeRecord.year == year)
    if states:
        query = query.where(ExchangeRecord.state.in_(states))
    found = dict(db.session.execute(query).all())
    return {kind: found.get(kind, 0) for kind in EXCHANGE_KINDS}


def outgoing_counts_by_kind(round_: Round) -> dict[str, int]:
    found = dict(
        db.session.execute(
            select(Outgoing.kind, func.count(Outgoing.id))
            .where(Outgoing.round_id == round_.id, Outgoing.confirmed.is_(True))
            .group_by(Outgoing.kind)
        ).all()
    )
    return {kind: found.get(kind, 0) for kind in EXCHANGE_KINDS}
