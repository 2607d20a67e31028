"""Who must rotate this year (应交流对象), and why, in words: pure rules over a teacher's record,
the round's policy and its cutoff date. Nothing here reads the database.

Seed passages (docs/domain.md "The yearly cycle"):
- years at the school, seed 000 篇四 (Changzhou): "在同一学校连续任教满6年" — *满 N 年* includes N:
  a teacher whose N-th anniversary at the school falls on the cutoff date is due;
- years to retirement, seed 000 篇四: "距法定退休年龄5年以上" — at least 5 whole years left: a
  teacher with exactly 5 years to go is due, 4 years and 364 days is not;
- the age cap, seed 000 篇三 (Dalian) "男55周岁及以下，女50周岁及以下" and seed 002 方案1 (Datong)
  "男50、女45周岁及以下": the cap is the oldest age still due (a man of exactly 55 is due in
  Dalian); ``age_cap_*`` holds that age. The age is the whole years at the cutoff date;
- the ordering rule, seed 000 篇一 (Ganzhou): longest continuous service at the school first,
  then the earliest intermediate-or-higher title, then the closest to retirement.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from flask_babel import gettext as _

from ..core.clock import add_years, full_years
from ..core.dates import day
from ..core.vocab import GENDERS, TITLE_ORDER
from .history import TeacherHistory, record_conditions


class TeacherRecord(Protocol):
    """What eligibility reads of a teacher (a :class:`~matchapp.roster.models.Teacher`)."""

    id: int
    staff_no: str
    name: str
    subject: str
    backbone: bool
    leadership_role: str
    gender: str
    birth_date: dt.date
    started_at_school: dt.date
    title: str
    title_date: dt.date | None


@dataclass
class Eligibility:
    """Whether a teacher must rotate this year (应交流对象), and why, in words."""

    teacher: TeacherRecord
    status: str  # eligible | not_eligible | exempt
    reasons: list[str]
    years_at_school: int
    age: int
    retirement: dt.date
    years_to_retirement: int
    exemption_pending: bool = False
    held: str = ""  # why the record holds the teacher elsewhere (on exchange, left): not listed at all

    @property
    def eligible(self) -> bool:
        return self.status == "eligible"

    @property
    def text(self) -> str:
        return "；".join(self.reasons)


def retirement_date(teacher: TeacherRecord, policy: dict) -> dt.date:
    """The statutory retirement day: the birthday at the policy's retirement age."""
    age = policy["retirement_age_male"] if teacher.gender == "M" else policy["retirement_age_female"]
    return add_years(teacher.birth_date, age)


def assess(teacher: TeacherRecord, policy: dict, cutoff: dt.date, history: TeacherHistory | None = None) -> Eligibility:
    """Apply a round's policy to one teacher at the round's cutoff date; ``history`` is the
    teacher's record (this year's exemption, earlier exchanges: preparation/history.py)."""
    years = full_years(teacher.started_at_school, cutoff)
    age = full_years(teacher.birth_date, cutoff)
    retirement = retirement_date(teacher, policy)
    to_retirement = full_years(cutoff, retirement)  # 0 once retirement has passed
    required = policy["years_at_school"]
    minimum = policy.get("min_years_to_retirement")
    cap = policy.get("age_cap_male") if teacher.gender == "M" else policy.get("age_cap_female")
    enough_years = years >= required
    far_from_retirement = minimum is None or to_retirement >= minimum
    within_age = cap is None or age <= cap
    reasons: list[str] = []
    if enough_years:
        reasons.append(_("在本校连续任教%(years)s年，已满%(required)s年", years=years, required=required))
    else:
        reasons.append(_("在本校连续任教%(years)s年，未满%(required)s年", years=years, required=required))
    if minimum is not None:
        if far_from_retirement:
            reasons.append(_("距法定退休%(years)s年", years=to_retirement))
        else:
            reasons.append(_("距法定退休%(years)s年，不足%(required)s年", years=to_retirement, required=minimum))
    if not within_age:
        reasons.append(
            _("年龄%(age)s岁，超过%(gender)s教师%(cap)s周岁的上限", age=age, gender=GENDERS[teacher.gender], cap=cap)
        )
    ok = enough_years and far_from_retirement and within_age
    status = "eligible" if ok else "not_eligible"
    pending, held = False, ""
    # The record (issue 12): this year's exemption, a current exchange, the schools served at.
    for condition in record_conditions(teacher.started_at_school, history, policy, cutoff, years, ok):
        reasons.append(condition.reason)
        status = condition.applied_to(status)
        pending = pending or condition.pending
        held = condition.reason if condition.final else held
    return Eligibility(teacher, status, reasons, years, age, retirement, to_retirement, pending, held)


# -- the ordering rule (seed 000 篇一) -----------------------------------------------------------


def intermediate_title_date(teacher: TeacherRecord) -> dt.date:
    """When the teacher obtained an intermediate-or-higher title (after everyone who has one if never)."""
    if teacher.title_date and TITLE_ORDER.index(teacher.title) >= TITLE_ORDER.index("intermediate"):
        return teacher.title_date
    return dt.date.max


def ordering_key(item: Eligibility):
    """Longest continuous service first, then the earliest intermediate-or-higher title, then the
    closest to retirement; the 工号 breaks a complete tie, visibly."""
    t = item.teacher
    return (t.started_at_school, intermediate_title_date(t), item.retirement, t.staff_no)


def ordering_reason(item: Eligibility) -> str:
    title_date = intermediate_title_date(item.teacher)
    title = day(title_date) if title_date != dt.date.max else _("无中级以上职称")
    return _(
        "到校 %(start)s；中级以上职称 %(title)s；退休 %(retire)s",
        start=day(item.teacher.started_at_school),
        title=title,
        retire=day(item.retirement),
    )
