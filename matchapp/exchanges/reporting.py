"""Taking up the post (报到), and not taking it up: the bureau confirms that a teacher reported,
one by one or a school at a time, and records a no-show or a refusal with its date and reason
and its decision on it (seeds: see :mod:`matchapp.exchanges.rules`).

"新学期开学前，参加本次交流的教师凭交流表、市教育局工作调动介绍信到流入学校报到" (seed 000 篇四);
"交流人员报到单上报市教育局备案" (seed 002 方案1).
"""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import select

from ..core.clock import local_today
from ..core.dates import day
from ..core.vocab import EXCHANGE_CONSEQUENCES
from ..extensions import db
from ..roster.models import ExchangeEvent, ExchangeRecord, School
from ..rounds.calendar import report_by
from ..rounds.models import Round
from ..rounds.states import require
from .records import ExchangeError, add_event, policy_of, require_reason, require_state, round_of
from .rules import bar_end, days_late, may_treat_as_leaving, may_warn, moves_relation


def _report_day(record: ExchangeRecord) -> dt.date:
    round_ = round_of(record)
    return report_by(round_) if round_ is not None else dt.date(record.year, 8, 31)


def confirm_reporting(
    record: ExchangeRecord,
    reported_on: dt.date,
    actor: str = "",
    today: dt.date | None = None,
    round_: Round | None = None,
) -> ExchangeRecord:
    """The teacher reported at the receiving school on ``reported_on``: the exchange is current.
    With 人走关系动 the teacher's school becomes the receiving school from that day; with
    人事关系保留 the teacher stays on the home school's roster and serves at the receiving one."""
    require_state(record, "placed")
    today = today or local_today()
    round_ = round_ if round_ is not None and round_.year == record.year else round_of(record)
    if round_ is not None and round_.published_at and reported_on < round_.published_at.date():
        raise ExchangeError(_("报到日期不能早于结果公示日期（%(d)s）。", d=day(round_.published_at)))
    if reported_on > today:
        raise ExchangeError(_("报到日期不能晚于今天（%(d)s）。", d=day(today)))
    if record.planned_return and reported_on > record.planned_return:
        raise ExchangeError(_("报到日期晚于交流期满日期（%(d)s）。", d=day(record.planned_return)))
    teacher = record.teacher
    policy = dict(round_.policy) if round_ is not None else {}
    record.reported_on, record.home_started_at, record.state = reported_on, teacher.started_at_school, "serving"
    if moves_relation(policy, record.kind):
        record.relation_moved = True
        teacher.school_id, teacher.started_at_school = record.to_school_id, reported_on
    late = days_late(report_by(round_) if round_ is not None else dt.date(record.year, 8, 31), reported_on)
    note = _("逾期%(n)s天报到", n=late) if late else _("按时报到")
    add_event(record, "reported", reported_on, note, actor)
    return record


def placed_at(round_: Round, school: School) -> list[ExchangeRecord]:
    """The round's exchanges to a school awaiting reporting."""
    return list(
        db.session.scalars(
            select(ExchangeRecord)
            .where(
                ExchangeRecord.year == round_.year,
                ExchangeRecord.to_school_id == school.id,
                ExchangeRecord.state == "placed",
            )
            .order_by(ExchangeRecord.id)
        )
    )


def confirm_school_reporting(
    round_: Round,
    school: School,
    reported_on: dt.date,
    record_ids: list[int] | None = None,
    actor: str = "",
    today: dt.date | None = None,
) -> list[ExchangeRecord]:
    """Confirm in bulk that the teachers placed at a school reported (all of them, or those
    named): one date for all, as the school's reporting-in slip says."""
    require(round_, "read_results")
    waiting = placed_at(round_, school)
    if record_ids is not None:
        chosen = set(record_ids)
        unknown = chosen - {r.id for r in waiting}
        if unknown:
            raise ExchangeError(_("所选教师不在本校待报到名单中。"))
        waiting = [r for r in waiting if r.id in chosen]
    if not waiting:
        raise ExchangeError(_("%(school)s没有待报到的交流教师。", school=school.name))
    return [confirm_reporting(r, reported_on, actor, today, round_) for r in waiting]


def record_no_show(
    record: ExchangeRecord, occurred_on: dt.date, reason: str, actor: str = "", today: dt.date | None = None
) -> ExchangeEvent:
    """The teacher did not report by the reporting day (未按时报到): recorded with the day it was
    found and the reason given, for the bureau to decide."""
    require_state(record, "placed")
    reason = require_reason(reason)
    deadline = _report_day(record)
    if occurred_on <= deadline:
        raise ExchangeError(_("报到期限（%(d)s）尚未过，不能记为未按时报到。", d=day(deadline)))
    if occurred_on > (today or local_today()):
        raise ExchangeError(_("记录日期不能晚于今天。"))
    return add_event(record, "no_show", occurred_on, reason, actor)


def record_refusal(
    record: ExchangeRecord, occurred_on: dt.date, reason: str, actor: str = "", today: dt.date | None = None
) -> ExchangeEvent:
    """The teacher refuses the exchange (拒不服从交流): recorded with its date and reason."""
    require_state(record, "placed")
    reason = require_reason(reason)
    if occurred_on > (today or local_today()):
        raise ExchangeError(_("记录日期不能晚于今天。"))
    return add_event(record, "refusal", occurred_on, reason, actor)


def decide(
    event: ExchangeEvent,
    decision: str,
    decided_on: dt.date,
    consequences: list[str] | None = None,
    note: str = "",
    actor: str = "",
) -> ExchangeEvent:
    """The bureau's decision on a no-show or a refusal, with the consequences the seeds give.

    A no-show: a warning after more than a week (the exchange stays, the teacher must report),
    treatment as leaving after more than half a month (自动离职), or the reason accepted (the
    exchange is cancelled). A refusal: the sanction (annual assessment 不合格, no promotion or
    honours for the policy's years, 高职低聘), or the reason accepted.
    """
    record = event.record
    require_state(record, "placed")
    if event.kind not in ("no_show", "refusal"):
        raise ExchangeError(_("只有未按时报到和拒不服从交流需要教育局处理。"))
    if event.decision and event.decision != "warning":
        raise ExchangeError(_("教育局已作出处理决定。"))
    policy = policy_of(record)
    consequences = [c for c in (consequences or []) if c in EXCHANGE_CONSEQUENCES]
    if decided_on < event.occurred_on:
        raise ExchangeError(_("处理日期不能早于记录日期。"))
    late = days_late(_report_day(record), decided_on)
    if event.kind == "no_show":
        if decision == "warning":
            if not may_warn(policy, late):
                raise ExchangeError(
                    _(
                        "逾期未到岗%(n)s天，未超过%(limit)s天，尚不需批评教育。",
                        n=late,
                        limit=policy.get("no_show_warning_days", 7),
                    )
                )
            consequences = []
        elif decision == "leaving":
            if not may_treat_as_leaving(policy, late):
                raise ExchangeError(
                    _(
                        "逾期未到岗%(n)s天，未超过半个月（%(limit)s天），不能按自动离职处理。",
                        n=late,
                        limit=policy.get("no_show_leaving_days", 15),
                    )
                )
            consequences = ["leaving"]
            record.state, record.ended_on = "left", decided_on
        elif decision == "excused":
            consequences = []
            record.state, record.ended_on = "cancelled", decided_on
        else:
            raise ExchangeError(_("未按时报到的处理只能是批评教育、按自动离职处理或理由成立。"))
    else:
        if decision == "sanction":
            if not consequences:
                raise ExchangeError(_("请选择处理后果。"))
            record.state, record.ended_on = "refused", decided_on
        elif decision == "excused":
            consequences = []
            record.state, record.ended_on = "cancelled", decided_on
        else:
            raise ExchangeError(_("拒不服从交流的处理只能是按规定处理或理由成立。"))
    event.decision, event.decided_on, event.consequences = decision, decided_on, consequences
    event.barred_until = bar_end(decided_on, policy) if {"no_promotion", "no_honours"} & set(consequences) else None
    if note.strip():
        event.reason = f"{event.reason}\n{_('处理意见')}：{note.strip()}"
    event.actor = actor or event.actor
    record.outcome_reason = event.reason
    db.session.flush()
    return event


def reporting_summary(round_: Round) -> list[dict]:
    """Per receiving school: placed, reported, not taken up."""
    rows: dict[int, dict] = {}
    for record in db.session.scalars(select(ExchangeRecord).where(ExchangeRecord.year == round_.year)):
        row = rows.setdefault(
            record.to_school_id, {"school": record.to_school, "placed": 0, "serving": 0, "other": 0, "total": 0}
        )
        row["total"] += 1
        key = (
            record.state
            if record.state == "placed"
            else ("serving" if record.state != "placed" and record.reported_on else "other")
        )
        row[key] += 1
    return sorted(rows.values(), key=lambda r: r["school"].code)
