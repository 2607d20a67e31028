"""The teacher's record in eligibility (issue 12): this year's exemption, the exchanges of
earlier years, the schools served at. Pure facts and named conditions; nothing here reads the
database (:func:`matchapp.preparation.lists.teacher_histories` builds the facts).

Each condition names its seed:

- **exemption_of_the_year** — "暂缓交流轮岗的教师一年一认定" (seed 000 篇一): an exemption belongs
  to the year it was approved for and expires with it. The signature-course lead teacher's
  deferral (特色课程领衔教师, seed 000 篇三 / 002 方案1 "延长时间原则上不超过3年") runs to its end
  date instead: it covers a year whose cutoff falls before that date. A deferral first granted
  for the 2027 round (cutoff 2027-08-31) may end 2030-08-31 at the latest and so covers the
  rounds 2027, 2028 and 2029: three years.
- **on_exchange** — a teacher placed or serving on an exchange of an earlier year is not due
  again: they are not at the school to be rotated (issue 12). A term ending on or before the
  cutoff is over; whether its years count at the home school is the policy's
  ``exchange_counts_as_service`` (seed 003 六.1 "其教育教学工作…年限连续计算"; the other seeds are
  silent, and the product's default restarts the count at the return: see README).
- **treated_as_leaving** — "超过半个月时间拒不到岗的，按自动离职处理" (seed 000 海口中心学校, 篇五).
- **served_at_schools** — "对于已有2所以上学校的工作经历，且每所学校工作时间均达到3年及以上的
  教师…可暂不纳入交流范围" (seed 001, the district plan): policy ``exempt_after_schools`` ×
  ``exempt_after_school_years``. The schools are those of the record: the current school and
  every exchange served (full years of each stay; 3 years includes the third anniversary).
- **rural_service** — "在山区、丘陵地区农村学校任教满9年或在条件更为艰苦的边远农村学校、教学点
  任教满6年的教师，自愿继续留校任教的…视为具有交流经历" (seed 002 方案1): policy
  ``rural_years_count_as_exchange`` / ``remote_years_count_as_exchange``; 满 includes the number.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from flask_babel import gettext as _

from ..core.clock import add_years, full_years
from ..core.dates import day
from ..core.vocab import EXCHANGE_KINDS, EXEMPTIONS, LOCALITIES, UNIT_KEEPING_KINDS

#: states of an exchange that hold the teacher (a place at the receiving school)
CURRENT = ("placed", "serving")
#: states of an exchange that was served (its years count)
SERVED = ("serving", "returned", "stayed")


@dataclass(frozen=True)
class ExemptionFact:
    """One year's exemption of a teacher (a :class:`~matchapp.roster.models.TeacherExemption`)."""

    year: int
    code: str
    approved: bool
    until: dt.date | None = None


@dataclass(frozen=True)
class ExchangeFact:
    """One exchange of a teacher (an :class:`~matchapp.roster.models.ExchangeRecord`)."""

    year: int
    kind: str
    state: str
    from_school_id: int
    to_school_id: int
    to_school: str  # the receiving school's name
    reported_on: dt.date | None = None
    ends_on: dt.date | None = None  # the actual end, or the planned one
    home_started_at: dt.date | None = None
    ended_on: dt.date | None = None  # when the state says it ended (left, returned …)


@dataclass
class TeacherHistory:
    """What eligibility reads of a teacher's record for the round of ``year``."""

    year: int
    school_id: int = 0
    school_name: str = ""
    locality: str = "urban"
    exemptions: tuple[ExemptionFact, ...] = ()
    exchanges: tuple[ExchangeFact, ...] = ()  # earlier years only, oldest first
    school_names: dict[int, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Condition:
    """What one rule of the record says of a teacher this year."""

    name: str
    reason: str
    status: str | None = None  # the status it gives, if any
    final: bool = False  # not_eligible whatever else holds (not at the school to be rotated)
    overrides: bool = False  # exempt even when the teacher is not due anyway (an approved exemption)
    pending: bool = False

    def applied_to(self, status: str) -> str:
        if self.status is None:
            return status
        if self.final or self.overrides or status == "eligible":
            return self.status
        return status


# -- facts ----------------------------------------------------------------------------------------


def last_day(end: dt.date) -> dt.date:
    """The day after the last day of a stay (ends are inclusive: a term ends 08-31 and the next
    begins 09-01, so 2027-09-01 … 2030-08-31 is three whole years)."""
    return end + dt.timedelta(days=1)


def served_years(fact: ExchangeFact, as_of: dt.date) -> int:
    """Whole years served at the receiving school by ``as_of`` (0 if never reported; 0 if reported
    after ``as_of``: full_years is never negative)."""
    if fact.state not in SERVED or fact.reported_on is None:
        return 0
    end = min(last_day(fact.ends_on), as_of) if fact.ends_on else as_of
    return full_years(fact.reported_on, end)


def _minus(start: dt.date, end: dt.date, holes: Iterable[tuple[dt.date, dt.date]]) -> list[tuple[dt.date, dt.date]]:
    pieces = [(start, end)]
    for a, b in sorted(holes):
        pieces = [p for s, e in pieces for p in ((s, min(e, a)), (max(s, b), e)) if p[0] < p[1]]
    return pieces


def school_years(started_at_school: dt.date, history: TeacherHistory, cutoff: dt.date) -> dict[int, int]:
    """Whole years at each school by the cutoff, from the record: the current school since
    ``started_at_school``, each exchange served (full-time kinds: a teacher who kept their unit
    did not change school) and the home school before it."""
    stays: list[tuple[int, dt.date, dt.date]] = []
    away: list[tuple[dt.date, dt.date]] = []
    for x in history.exchanges:
        if x.kind in UNIT_KEEPING_KINDS or x.state not in SERVED or x.reported_on is None:
            continue
        end = min(last_day(x.ends_on), cutoff) if x.ends_on else cutoff
        if x.reported_on < end:
            stays.append((x.to_school_id, x.reported_on, end))
            away.append((x.reported_on, end))
        if x.home_started_at and x.home_started_at < x.reported_on:
            stays.append((x.from_school_id, x.home_started_at, x.reported_on))
    for start, end in _minus(started_at_school, cutoff, away):
        stays.append((history.school_id, start, end))
    years: dict[int, int] = {}
    seen: set[tuple[int, dt.date, dt.date]] = set()
    for stay in stays:
        if stay not in seen:
            seen.add(stay)
            years[stay[0]] = years.get(stay[0], 0) + full_years(stay[1], stay[2])
    return years


# -- the conditions -------------------------------------------------------------------------------


def exemption_of_the_year(history: TeacherHistory, policy: dict, cutoff: dt.date) -> Condition | None:
    """This year's exemption, a signature-course deferral still running, or last year's expired."""
    this_year = next((e for e in history.exemptions if e.year == history.year), None)
    if this_year is not None:
        label = EXEMPTIONS.get(this_year.code, this_year.code)
        if this_year.code == "signature_course" and this_year.until:
            label = _("%(label)s，至%(until)s", label=label, until=day(this_year.until))
        if this_year.approved:
            return Condition(
                "exemption", _("暂不交流：%(reason)s（教育局已审核）", reason=label), "exempt", overrides=True
            )
        return Condition("exemption", _("已申请暂不交流（%(reason)s），待教育局审核", reason=label), pending=True)
    running = [
        e
        for e in history.exemptions
        if e.year < history.year and e.approved and e.code == "signature_course" and e.until and e.until > cutoff
    ]
    if running:
        deferral = max(running, key=lambda e: e.year)
        return Condition(
            "exemption",
            _(
                "特色课程领衔教师暂缓交流至%(until)s（%(year)s年度批准）",
                until=day(deferral.until),
                year=deferral.year,
            ),
            "exempt",
            overrides=True,
        )
    last_year = next((e for e in history.exemptions if e.year == history.year - 1 and e.approved), None)
    if last_year is not None:
        return Condition(
            "exemption_expired",
            _(
                "%(year)s年度暂不交流（%(reason)s）已到期：暂不交流一年一认定",
                year=last_year.year,
                reason=EXEMPTIONS.get(last_year.code, last_year.code),
            ),
        )
    return None


def on_exchange(history: TeacherHistory, policy: dict, cutoff: dt.date) -> Condition | None:
    """A current exchange of an earlier year: not due again while it runs."""
    for x in reversed(history.exchanges):
        if x.state not in CURRENT:
            continue
        kind = EXCHANGE_KINDS.get(x.kind, x.kind)
        if x.ends_on is None or x.ends_on > cutoff:
            # no end date yet (an exchange whose term is open): nothing said of its end
            until = _("，至%(d)s", d=day(x.ends_on)) if x.ends_on else ""
            if x.state == "placed":
                text = _(
                    "%(year)s年度已安排到%(school)s交流（%(kind)s，待报到），不列入本年度交流对象",
                    year=x.year,
                    school=x.to_school,
                    kind=kind,
                )
            else:
                text = _(
                    "正在%(school)s交流（%(kind)s，%(year)s年起%(until)s），不列入本年度交流对象",
                    school=x.to_school,
                    kind=kind,
                    year=x.year,
                    until=until,
                )
            return Condition("on_exchange", text, "not_eligible", final=True)
        if not policy.get("exchange_counts_as_service"):
            return Condition(
                "term_over",
                _("%(date)s交流期满回原单位，在本校任教年限自返回起重新计算", date=day(x.ends_on)),
                "not_eligible",
                final=True,
            )
        return None
    return None


def treated_as_leaving(history: TeacherHistory, policy: dict, cutoff: dt.date) -> Condition | None:
    left = [x for x in history.exchanges if x.state == "left"]
    if not left:
        return None
    when = left[-1].ended_on
    return Condition(
        "left",
        _("已按自动离职处理（%(d)s，逾期未到岗）", d=day(when) if when else left[-1].year),
        "not_eligible",
        final=True,
    )


def served_at_schools(
    history: TeacherHistory, policy: dict, cutoff: dt.date, started_at_school: dt.date
) -> Condition | None:
    schools, years = policy.get("exempt_after_schools"), policy.get("exempt_after_school_years") or 0
    if not schools:
        return None
    served = {k: v for k, v in school_years(started_at_school, history, cutoff).items() if v >= years}
    if len(served) < schools:
        return None
    names = "、".join(
        _("%(school)s%(n)s年", school=history.school_names.get(k, str(k)), n=v) for k, v in sorted(served.items())
    )
    return Condition(
        "served_at_schools",
        _(
            "已有%(n)s所学校工作经历且每所满%(years)s年（%(list)s），暂不纳入交流范围",
            n=len(served),
            years=years,
            list=names,
        ),
        "exempt",
    )


def rural_service(history: TeacherHistory, policy: dict, years_at_school: int) -> Condition | None:
    if history.locality == "remote":
        needed = policy.get("remote_years_count_as_exchange") or policy.get("rural_years_count_as_exchange")
    elif history.locality == "rural":
        needed = policy.get("rural_years_count_as_exchange")
    else:
        return None
    if not needed or years_at_school < needed:
        return None
    return Condition(
        "rural_service",
        _(
            "在%(locality)s学校任教%(years)s年，已满%(needed)s年，视为具有交流经历，尊重本人意愿可继续留校任教",
            locality=LOCALITIES[history.locality],
            years=years_at_school,
            needed=needed,
        ),
        "exempt",
    )


def record_conditions(
    started_at_school: dt.date,
    history: TeacherHistory | None,
    policy: dict,
    cutoff: dt.date,
    years_at_school: int,
    due: bool,
) -> list[Condition]:
    """The record's conditions that hold for a teacher this year, final ones last (they win).
    ``due`` says whether the teacher is due by years, age and retirement: the history's
    exemptions are only said of a teacher who would otherwise be due."""
    if history is None:
        return []
    found = [exemption_of_the_year(history, policy, cutoff)]
    if due:
        found += [
            served_at_schools(history, policy, cutoff, started_at_school),
            rural_service(history, policy, years_at_school),
        ]
    found += [on_exchange(history, policy, cutoff), treated_as_leaving(history, policy, cutoff)]
    conditions = [c for c in found if c is not None]
    return sorted(conditions, key=lambda c: c.final)


# -- the signature-course deferral ----------------------------------------------------------------


def deferral_limit(first_cutoff: dt.date, policy: dict) -> dt.date:
    """The last allowed end of a signature-course deferral first granted at ``first_cutoff``."""
    return add_years(first_cutoff, int(policy.get("signature_deferral_years") or 3))
