"""The end of the term: the bureau's list of exchanges ending in a year, the decision for each —
return to the home school (回原单位), extension, or staying (调入) — and the certificate.

"参加交流轮岗的教师三年期满后，原则上回原单位工作。根据工作需要和个人意愿，可适当申请延长交流任教
时间，但延长时间不超过三年" (seed 000 篇一); "交流服务期满考核合格，由市教育局统一颁发《XX市中小学
教师交流服务合格证书》" (seed 003 六.2).

What the return does to the roster is the policy's: with 人走关系动 the teacher's school becomes the
home school again; their years there either start again from the return (the default: a new
transfer) or continue from their first arrival when ``exchange_counts_as_service`` says the
exchange's years count (seed 003 六.1 "年限连续计算").
"""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import select

from ..core.clock import add_years, local_today
from ..core.dates import day
from ..extensions import db
from ..roster.models import ExchangeRecord
from .assessments import assessment_of
from .records import ExchangeError, add_event, policy_of, require_reason, require_state
from .rules import PASSING_GRADES, certificate_number, extension_allowed, normalise_certificate_number


def ending_in(year: int) -> list[ExchangeRecord]:
    """Exchanges whose term ends in ``year`` (or ended earlier) and still wait for a decision."""
    return list(
        db.session.scalars(
            select(ExchangeRecord)
            .where(
                ExchangeRecord.state == "serving",
                ExchangeRecord.planned_return.is_not(None),
                ExchangeRecord.planned_return <= dt.date(year, 12, 31),
            )
            .order_by(ExchangeRecord.to_school_id, ExchangeRecord.id)
        )
    )


def ended_in(year: int) -> list[ExchangeRecord]:
    """Exchanges whose term ended in ``year`` with a return or a stay (for certificates)."""
    return list(
        db.session.scalars(
            select(ExchangeRecord)
            .where(
                ExchangeRecord.state.in_(("returned", "stayed")),
                ExchangeRecord.ended_on >= dt.date(year, 1, 1),
                ExchangeRecord.ended_on <= dt.date(year, 12, 31),
            )
            .order_by(ExchangeRecord.to_school_id, ExchangeRecord.id)
        )
    )


def _end_day(record: ExchangeRecord, on: dt.date | None, today: dt.date | None = None) -> dt.date:
    end = on or record.planned_return
    if end is None or record.planned_return is None:
        raise ExchangeError(_("该交流没有期满日期。"))
    if record.planned_return.year > (today or local_today()).year:
        raise ExchangeError(
            _(
                "交流期限至%(d)s，%(y)s年期满时再作决定。",
                d=day(record.planned_return),
                y=record.planned_return.year,
            )
        )
    if record.reported_on and end < record.reported_on:
        raise ExchangeError(_("结束日期不能早于报到日期（%(d)s）。", d=day(record.reported_on)))
    return end


def return_home(
    record: ExchangeRecord, reason: str, actor: str = "", on: dt.date | None = None, today: dt.date | None = None
) -> ExchangeRecord:
    """The term is over (this year) and the teacher goes back to the home school (回原单位)."""
    require_state(record, "serving")
    reason = require_reason(reason)
    end = _end_day(record, on, today)
    policy, teacher = policy_of(record), record.teacher
    back = end + dt.timedelta(days=1)
    if record.relation_moved:
        teacher.school_id = record.from_school_id
    if policy.get("exchange_counts_as_service"):
        if record.relation_moved and record.home_started_at:
            teacher.started_at_school = record.home_started_at  # the years at home run on
    else:
        teacher.started_at_school = back  # the years at home start again from the return
    record.state, record.ended_on, record.outcome_reason = "returned", end, reason
    add_event(record, "returned", end, reason, actor)
    return record


def stay(
    record: ExchangeRecord, reason: str, actor: str = "", on: dt.date | None = None, today: dt.date | None = None
) -> ExchangeRecord:
    """The teacher stays at the receiving school (调入): their school is it, since they reported."""
    require_state(record, "serving")
    reason = require_reason(reason)
    end = _end_day(record, on, today)
    teacher = record.teacher
    teacher.school_id = record.to_school_id
    teacher.started_at_school = record.reported_on or end
    record.state, record.ended_on, record.outcome_reason = "stayed", end, reason
    add_event(record, "stayed", end, reason, actor)
    return record


def extend(
    record: ExchangeRecord, years: int, reason: str, actor: str = "", on: dt.date | None = None
) -> ExchangeRecord:
    """Extend the term (延长交流任教时间): all extensions together at most the policy's maximum."""
    require_state(record, "serving")
    reason = require_reason(reason)
    policy = policy_of(record)
    if not extension_allowed(policy, record.extended_years, years):
        limit = int(policy.get("max_extension_years", 3))
        raise ExchangeError(
            _(
                "延长交流时间累计不超过%(limit)s年：已延长%(done)s年，本次申请%(n)s年。",
                limit=limit,
                done=record.extended_years,
                n=years,
            )
        )
    if record.planned_return is None:
        raise ExchangeError(_("该交流没有期满日期。"))
    record.planned_return = add_years(record.planned_return, years)
    record.extended_years += years
    add_event(
        record,
        "extended",
        on or local_today(),
        _("延长%(n)s年，至%(d)s：%(reason)s", n=years, d=day(record.planned_return), reason=reason),
        actor,
    )
    return record


# -- the certificate (《交流服务合格证书》) ------------------------------------------------------


def certificate_problems(record: ExchangeRecord) -> list[str]:
    """Why the certificate cannot be issued (empty when it can)."""
    problems = []
    if record.certificate_no:
        problems.append(_("证书已颁发（%(no)s）。", no=record.certificate_no))
    if record.state not in ("returned", "stayed"):
        problems.append(_("交流服务期满并作出回原单位或调入决定后才能颁发证书。"))
    last = record.last_school_year
    final = assessment_of(record, last) if last is not None else None
    if final is None or final.state != "approved":
        problems.append(_("期满考核（%(y)s学年）尚未经教育局审核。", y=last))
    elif final.grade not in PASSING_GRADES:
        problems.append(_("期满考核不是合格以上，不能颁发证书。"))
    if any(a.state != "approved" for a in record.assessments):
        problems.append(_("还有考核结果待审核或已退回学校。"))
    return problems


def issue_certificate(record: ExchangeRecord, actor: str = "", on: dt.date | None = None) -> ExchangeRecord:
    """Issue the 《交流服务合格证书》 with a number (year, sequence, verification code)."""
    problems = certificate_problems(record)
    if problems:
        raise ExchangeError("".join(problems))
    on = on or local_today()
    # The exchange's own id keeps numbers unique without a counter two issuers could race for.
    record.certificate_no, record.certificate_issued_on = certificate_number(on.year, record.id), on
    add_event(record, "certificate", on, record.certificate_no, actor)
    return record


def find_certificate(number: str) -> ExchangeRecord | None:
    """The exchange a certificate number belongs to (the public verification page)."""
    number = normalise_certificate_number(number)
    if not number:
        return None
    return db.session.scalar(select(ExchangeRecord).where(ExchangeRecord.certificate_no == number))


def certificate_period(record: ExchangeRecord) -> str:
    """The period the certificate attests, in words."""
    start = record.reported_on
    end = record.ended_on or record.planned_return
    return _("%(start)s至%(end)s", start=day(start), end=day(end))
