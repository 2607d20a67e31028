"""Who must rotate this year (应交流对象), and why, in words: pure rules over a teacher's record,
the round's policy and its cutoff date. Nothing here reads the database.

Seed passages (docs/domain.md "The yearly cycle"):
- years at the school, seed 000 篇四 (Changzhou): "在同一学校连续任教满6年" — *满 N 年* includes N:
  a teacher whose N-th anniversary at the school falls on the cutoff date is due;
- years to retirement, seed 000 篇四: "距法定退休年龄5年以上" — at least 5 whole years left: a
  teacher with exactly 5 years to go is due, 4 years and 364 days is not;
- the age cap, compared as the policy's ``age_cap_mode`` says: "inclusive" — seed 000 篇三
  (Dalian) "男55周岁及以下，女50周岁及以下", seed 002 方案1 (Datong) "男50、女45周岁及以下": the cap
  is the oldest age still due (a man of exactly 55 is due in Dalian); "exclusive" — the 大观区海口
  中心学校 plan (seed 000) "年龄男55周岁以上…不作为轮岗交流对象": 以上 includes the number, so a man
  of exactly 55 is not due. The age is the whole years at the cutoff date;
- school leaders (a teacher with a 行政职务) follow their own track: seed 000 篇三 (Dalian)
  "校长、副校长及其他校级干部在同一所学校连续任职满三届（每届三年）应交流轮岗，距法定退休年龄
  不满一届的可不交流轮岗", 002 方案1 (Datong) "连续任职满6年及以上的校长(含其他校级领导)": years in
  post (from ``leader_since``), not years at the school; a preset without a leader rule leaves
  them to the bureau's cadre decisions (000 篇一 "校长轮岗按照干部任用的规定");
- the ordering rule, seed 000 篇一 (Ganzhou): "以同一所学校连续任教时间长短为序" — whole years of
  service, so that "以上条件相同者" can be the same; then "先评审取得资格并先聘任了相应职务的" —
  the earlier qualification for an intermediate-or-higher title, then the earlier appointment;
  then "距退休年限较短的".
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
    title_date: dt.date | None  # qualified for the title (取得资格)
    title_appointed_on: dt.date | None  # appointed to it (聘任)
    leader_since: dt.date | None  # in the leadership post at this school since (任现职时间)


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
    track: str = "teacher"  # teacher | leader (校级领导: terms of office, the bureau's appointment)
    years_in_post: int | None = None

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


def is_leader(teacher: TeacherRecord) -> bool:
    """A member of the school's leadership team (校级领导): the roster gives a 行政职务."""
    return bool((teacher.leadership_role or "").strip())


def over_age_cap(age: int, cap: int | None, mode: str) -> bool:
    """Past the age cap: "inclusive" (及以下) keeps the cap's age due, "exclusive" (以上不作为对象) does not."""
    if cap is None:
        return False
    return age >= cap if mode == "exclusive" else age > cap


def _age_reason(teacher: TeacherRecord, age: int, cap: int, mode: str) -> str:
    gender = GENDERS[teacher.gender]
    if mode == "exclusive":
        return _("年龄%(age)s岁，已满%(gender)s教师%(cap)s周岁，不作为对象", age=age, gender=gender, cap=cap)
    return _("年龄%(age)s岁，超过%(gender)s教师%(cap)s周岁的上限", age=age, gender=gender, cap=cap)


def assess(teacher: TeacherRecord, policy: dict, cutoff: dt.date, history: TeacherHistory | None = None) -> Eligibility:
    """Apply a round's policy to one teacher at the round's cutoff date; ``history`` is the
    teacher's record (this year's exemption, earlier exchanges: preparation/history.py)."""
    years = full_years(teacher.started_at_school, cutoff)
    age = full_years(teacher.birth_date, cutoff)
    retirement = retirement_date(teacher, policy)
    to_retirement = full_years(cutoff, retirement)  # 0 once retirement has passed
    mode = policy.get("age_cap_mode", "inclusive")
    cap = policy.get("age_cap_male") if teacher.gender == "M" else policy.get("age_cap_female")
    if is_leader(teacher):
        ok, leader_reasons, in_post = _assess_leader(teacher, policy, cutoff, age, to_retirement, cap, mode)
        return _with_record(
            Eligibility(
                teacher, "eligible" if ok else "not_eligible", leader_reasons, years, age, retirement, to_retirement
            ),
            history,
            policy,
            cutoff,
            ok,
            track="leader",
            years_in_post=in_post,
        )
    required = policy["years_at_school"]
    minimum = policy.get("min_years_to_retirement")
    enough_years = years >= required
    far_from_retirement = minimum is None or to_retirement >= minimum
    within_age = not over_age_cap(age, cap, mode)
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
        assert cap is not None
        reasons.append(_age_reason(teacher, age, cap, mode))
    ok = enough_years and far_from_retirement and within_age
    status = "eligible" if ok else "not_eligible"
    item = Eligibility(teacher, status, reasons, years, age, retirement, to_retirement)
    return _with_record(item, history, policy, cutoff, ok)


def _assess_leader(
    teacher: TeacherRecord, policy: dict, cutoff: dt.date, age: int, to_retirement: int, cap: int | None, mode: str
) -> tuple[bool, list[str], int | None]:
    """A school leader's own track: terms in post, the leader's retirement rule, the age caps if
    the policy applies them to leaders. Returns (due, reasons, years in post)."""
    role = teacher.leadership_role.strip()
    required = policy.get("leader_years_in_post")
    if required is None:
        return False, [_("校级领导（%(role)s）按干部管理权限另行安排，不按教师条件判定", role=role)], None
    if teacher.leader_since is None:
        return False, [_("校级领导（%(role)s）未填任现职时间，无法按任期判定", role=role)], None
    in_post = full_years(teacher.leader_since, cutoff)
    reasons = [
        _("校级领导（%(role)s）任现职%(years)s年，已满%(required)s年", role=role, years=in_post, required=required)
        if in_post >= required
        else _("校级领导（%(role)s）任现职%(years)s年，未满%(required)s年", role=role, years=in_post, required=required)
    ]
    minimum = policy.get("leader_min_years_to_retirement")
    far_from_retirement = minimum is None or to_retirement >= minimum
    if minimum is not None:
        if far_from_retirement:
            reasons.append(_("距法定退休%(years)s年", years=to_retirement))
        else:
            reasons.append(_("距法定退休%(years)s年，不足%(required)s年", years=to_retirement, required=minimum))
    within_age = not (policy.get("leader_age_caps") and over_age_cap(age, cap, mode))
    if not within_age:
        assert cap is not None
        reasons.append(_age_reason(teacher, age, cap, mode))
    return in_post >= required and far_from_retirement and within_age, reasons, in_post


def _with_record(
    item: Eligibility,
    history: TeacherHistory | None,
    policy: dict,
    cutoff: dt.date,
    due: bool,
    track: str = "teacher",
    years_in_post: int | None = None,
) -> Eligibility:
    """The teacher's record applied to an assessment (issue 12): this year's exemption, a current
    exchange, the schools served at (preparation/history.py); final conditions win."""
    item.track, item.years_in_post = track, years_in_post
    for condition in record_conditions(
        item.teacher.started_at_school, history, policy, cutoff, item.years_at_school, due
    ):
        item.reasons.append(condition.reason)
        item.status = condition.applied_to(item.status)
        item.exemption_pending = item.exemption_pending or condition.pending
        item.held = condition.reason if condition.final else item.held
    return item


# -- the ordering rule (seed 000 篇一) -----------------------------------------------------------


def _intermediate(teacher: TeacherRecord) -> bool:
    return TITLE_ORDER.index(teacher.title) >= TITLE_ORDER.index("intermediate")


def intermediate_title_date(teacher: TeacherRecord) -> dt.date:
    """When the teacher qualified for an intermediate-or-higher title (取得资格); after everyone
    who has one if never."""
    if teacher.title_date and _intermediate(teacher):
        return teacher.title_date
    return dt.date.max


def intermediate_appointment_date(teacher: TeacherRecord) -> dt.date:
    """When the teacher was appointed to that title (聘任); after everyone with a date if unknown."""
    appointed = getattr(teacher, "title_appointed_on", None)
    if appointed and _intermediate(teacher):
        return appointed
    return dt.date.max


def ordering_key(item: Eligibility):
    """Seed 000 篇一: the most whole years of continuous service at the school first
    ("以同一所学校连续任教时间长短为序"); among the same years ("以上条件相同者"), the earlier
    qualification for an intermediate-or-higher title, then the earlier appointment to it
    ("先评审取得资格并先聘任了相应职务的"); then the closest to retirement; the 工号 breaks a complete
    tie, visibly."""
    t = item.teacher
    return (
        -item.years_at_school,
        intermediate_title_date(t),
        intermediate_appointment_date(t),
        item.retirement,
        t.staff_no,
    )


def ordering_reason(item: Eligibility) -> str:
    qualified, appointed = intermediate_title_date(item.teacher), intermediate_appointment_date(item.teacher)
    if qualified == dt.date.max:
        title = _("无中级以上职称")
    elif appointed == dt.date.max:
        title = _("%(q)s取得资格，聘任时间未填", q=day(qualified))
    else:
        title = _("%(q)s取得资格，%(a)s聘任", q=day(qualified), a=day(appointed))
    return _(
        "在本校连续任教%(years)s年；中级以上职称：%(title)s；退休 %(retire)s",
        years=item.years_at_school,
        title=title,
        retire=day(item.retirement),
    )
