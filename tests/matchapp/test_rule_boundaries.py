"""Every comparison of the rules at its exact boundary, table-driven, with the seed passage it
implements: exactly N years, exactly the age cap, exactly 5 years to retirement, one day before
and after a cutoff or a deadline, exactly the cap of a share, a post exactly full.

These are pure rules (no database): the mutation run of bench/README.md ("Mutation testing")
runs this file against them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction
from functools import partial

import pytest

from algorithms.flows import backbone_flow
from matchapp.core.clock import add_years, full_years, to_local, to_utc
from matchapp.fair.window import fair_is_open
from matchapp.preparation.eligibility import (
    assess,
    intermediate_title_date,
    ordering_key,
    ordering_reason,
    retirement_date,
)
from matchapp.preparation.history import ExemptionFact, TeacherHistory
from matchapp.preparation.rules import (
    deadline_passed,
    leadership_over_cap,
    post_is_full,
    quota_numbers,
    quota_rate,
    round_count,
    share,
    vote_chosen,
)
from matchapp.rounds.calendar import cutoff_date, report_by, term_ends, term_years
from matchapp.rounds.policy import preset
from tests.factories import TeacherRecord

CUTOFF = dt.date(2027, 8, 31)


#: a woman born in 1985, at the school since 2015, intermediate title since 2012
T = partial(TeacherRecord, title_date=dt.date(2012, 9, 1))


@dataclass
class R:
    year: int
    policy: dict


# -- years at the school ------------------------------------------------------------------------
# Seed 000 篇四 (Changzhou): "在同一学校连续任教满6年". 满 includes the sixth anniversary itself.
YEARS = [
    ("the sixth anniversary falls on the cutoff", dt.date(2021, 8, 31), True),
    ("one day short of six years at the cutoff", dt.date(2021, 9, 1), False),
    ("six years and a day", dt.date(2021, 8, 30), True),
    ("five years", dt.date(2022, 8, 31), False),
]


@pytest.mark.parametrize(("case", "started", "eligible"), YEARS, ids=[c[0] for c in YEARS])
def test_changzhou_six_years_at_the_school(case, started, eligible):
    item = assess(T(started_at_school=started), preset("changzhou"), CUTOFF)
    assert item.eligible is eligible
    assert ("已满6年" in item.text) is eligible


# -- years to retirement ------------------------------------------------------------------------
# Seed 000 篇四: "距法定退休年龄5年以上" (Changzhou); seed 000 篇一 (Ganzhou) exempts "距法定退休
# 年龄不足5年". A woman retires at 55: born 1977-08-31, she retires 2032-08-31, 5 years to the day.
RETIREMENT = [
    ("exactly 5 whole years to retirement", dt.date(1977, 8, 31), True, 5),
    ("one day less than 5 years", dt.date(1977, 8, 30), False, 4),
    ("5 years and a day", dt.date(1977, 9, 1), True, 5),
]


@pytest.mark.parametrize(("case", "born", "eligible", "years"), RETIREMENT, ids=[c[0] for c in RETIREMENT])
def test_five_years_to_retirement(case, born, eligible, years):
    item = assess(T(birth_date=born, started_at_school=dt.date(2000, 9, 1)), preset("changzhou"), CUTOFF)
    assert (item.eligible, item.years_to_retirement) == (eligible, years)
    assert retirement_date(T(birth_date=born), preset("changzhou")) == add_years(born, 55)


def test_retirement_ages_by_gender():
    policy = preset("changzhou")
    assert retirement_date(T(gender="M", birth_date=dt.date(1970, 5, 1)), policy) == dt.date(2030, 5, 1)
    assert retirement_date(T(gender="F", birth_date=dt.date(1970, 5, 1)), policy) == dt.date(2025, 5, 1)


def test_a_teacher_past_retirement_has_zero_years_left():
    item = assess(T(birth_date=dt.date(1960, 1, 1), started_at_school=dt.date(2000, 9, 1)), preset("changzhou"), CUTOFF)
    assert item.years_to_retirement == 0 and not item.eligible


# -- the age cap ----------------------------------------------------------------------------------
# Seed 002 方案1 (Datong): "男50、女45周岁及以下" at 6-30 — the cap's age is still due.
DATONG = [
    ("a man of exactly 50 at 6-30", "M", dt.date(1977, 6, 30), True),
    ("a man one day past 51", "M", dt.date(1976, 6, 29), False),
    ("a man who turns 51 the day after the cutoff", "M", dt.date(1976, 7, 1), True),
    ("a man who turns 51 on the cutoff", "M", dt.date(1976, 6, 30), False),
    ("a woman of exactly 45", "F", dt.date(1982, 6, 30), True),
    ("a woman of 46", "F", dt.date(1981, 6, 30), False),
]


@pytest.mark.parametrize(("case", "gender", "born", "eligible"), DATONG, ids=[c[0] for c in DATONG])
def test_datong_age_caps_include_the_cap(case, gender, born, eligible):
    policy = preset("datong")
    item = assess(
        T(gender=gender, birth_date=born, started_at_school=dt.date(2010, 9, 1)), policy, dt.date(2027, 6, 30)
    )
    assert item.eligible is eligible, item.text
    assert ("超过" in item.text) is (not eligible)


def test_no_age_cap_means_no_age_rule():
    man = T(gender="M", birth_date=dt.date(1975, 1, 1), started_at_school=dt.date(2000, 9, 1))  # 52, 8 years left
    assert not assess(man, preset("datong"), CUTOFF).eligible
    assert assess(man, {**preset("datong"), "age_cap_male": None}, CUTOFF).eligible


def test_a_policy_without_the_retirement_rule_does_not_apply_it():
    policy = {**preset("changzhou"), "min_years_to_retirement": None}
    near = T(birth_date=dt.date(1974, 1, 1), started_at_school=dt.date(2000, 9, 1))  # 1 year to retirement
    assert assess(near, policy, CUTOFF).eligible
    assert not assess(near, preset("changzhou"), CUTOFF).eligible


# -- exemptions ---------------------------------------------------------------------------------


def _exempt(code: str, approved: bool = False) -> TeacherHistory:
    """The record of a teacher with an exemption for the 2027 round (preparation/history.py)."""
    return TeacherHistory(year=2027, exemptions=(ExemptionFact(2027, code, approved),))


def test_an_exemption_counts_only_once_the_bureau_approved_it():
    policy = preset("changzhou")
    pending = assess(T(started_at_school=dt.date(2010, 9, 1)), policy, CUTOFF, _exempt("illness"))
    approved = assess(T(started_at_school=dt.date(2010, 9, 1)), policy, CUTOFF, _exempt("illness", True))
    assert (pending.status, pending.exemption_pending) == ("eligible", True)
    assert (approved.status, approved.exemption_pending) == ("exempt", False)


# -- the cutoff date ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("preset_name", "expected"),
    [
        ("changzhou", dt.date(2027, 8, 31)),  # seed silent: 8-31 for every silent seed
        ("datong", dt.date(2027, 8, 31)),  # seed silent (it was 6-30, a date no Datong text names)
        ("district", dt.date(2027, 6, 30)),  # 001: "年龄计算至当年6月30日"
        ("haikou", dt.date(2027, 8, 31)),  # 000: "计算时间按20xx年8月执行"
    ],
)
def test_cutoff_dates_of_the_presets(preset_name, expected):
    assert cutoff_date(R(2027, preset(preset_name))) == expected


def test_a_29_february_cutoff_in_a_common_year_is_the_28th():
    assert cutoff_date(R(2027, {"cutoff": "02-29"})) == dt.date(2027, 2, 28)
    assert cutoff_date(R(2028, {"cutoff": "02-29"})) == dt.date(2028, 2, 29)
    assert cutoff_date(R(2100, {"cutoff": "02-29"})) == dt.date(2100, 2, 28)


def test_term_and_return_dates():
    round_ = R(2027, preset("changzhou"))
    assert (term_years(round_), report_by(round_), term_ends(round_)) == (3, dt.date(2027, 8, 31), dt.date(2030, 8, 31))
    assert term_ends(round_, 1) == dt.date(2028, 8, 31)


def test_full_years_and_anniversaries():
    assert full_years(dt.date(2021, 9, 1), dt.date(2027, 8, 31)) == 5
    assert full_years(dt.date(2021, 8, 31), dt.date(2027, 8, 31)) == 6
    assert full_years(dt.date(2021, 8, 30), dt.date(2027, 8, 31)) == 6
    assert full_years(dt.date(2028, 1, 1), dt.date(2027, 8, 31)) == 0  # never negative
    assert full_years(dt.date(2020, 2, 29), dt.date(2021, 2, 28)) == 0
    assert full_years(dt.date(2020, 2, 29), dt.date(2021, 3, 1)) == 1


def test_local_time_conversions_use_the_configured_zone():
    stored = to_utc(dt.datetime(2027, 7, 2, 17, 0))
    assert stored == dt.datetime(2027, 7, 2, 9, 0)  # Asia/Shanghai is UTC+8 outside an app
    assert to_local(stored) == dt.datetime(2027, 7, 2, 17, 0)


# -- the ordering rule (seed 000 篇一) ------------------------------------------------------------


def _order(*teachers):
    policy = preset("changzhou")
    return [x.teacher.staff_no for x in sorted((assess(t, policy, CUTOFF) for t in teachers), key=ordering_key)]


def test_longest_service_first_then_earliest_title_then_closest_to_retirement_then_staff_number():
    longest = T(staff_no="A", started_at_school=dt.date(2005, 9, 1))
    early_title = T(staff_no="B", title_date=dt.date(2008, 9, 1))
    older = T(staff_no="C", birth_date=dt.date(1975, 1, 1))
    same = T(staff_no="D")
    same_again = T(staff_no="E")
    assert _order(same_again, same, older, early_title, longest) == ["A", "B", "C", "D", "E"]


# Seed 000 篇一: "1. 以同一所学校连续任教时间长短为序，时间长的参加交流轮岗；3. 以中级以上职称评聘为
# 序，先评审取得资格并先聘任了相应职务的参加交流轮岗。4. 以上条件相同者，以年龄为序，距退休年限较短
# 的参加交流轮岗。" Service counts in whole years, so that "以上条件相同者" can ever be the same.
ORDERING = [
    (
        "a day more service within the same whole years does not decide: the earlier title does",
        T(staff_no="A", started_at_school=dt.date(2015, 8, 1), title_date=dt.date(2014, 9, 1)),
        T(staff_no="B", started_at_school=dt.date(2015, 8, 20), title_date=dt.date(2012, 9, 1)),
        ["B", "A"],
    ),
    (
        "a whole year more of service decides before any title",
        T(staff_no="A", started_at_school=dt.date(2014, 8, 31), title_date=dt.date(2020, 9, 1)),
        T(staff_no="B", started_at_school=dt.date(2014, 9, 1), title_date=dt.date(2010, 9, 1)),
        ["A", "B"],
    ),
    (
        "the same qualification date: the earlier appointment first",
        T(staff_no="A", title_date=dt.date(2012, 9, 1), title_appointed_on=dt.date(2014, 1, 1)),
        T(staff_no="B", title_date=dt.date(2012, 9, 1), title_appointed_on=dt.date(2013, 1, 1)),
        ["B", "A"],
    ),
    (
        "an unknown appointment comes after a known one",
        T(staff_no="A", title_date=dt.date(2012, 9, 1), title_appointed_on=None),
        T(staff_no="B", title_date=dt.date(2012, 9, 1), title_appointed_on=dt.date(2019, 1, 1)),
        ["B", "A"],
    ),
    (
        "the earlier qualification decides before the appointment",
        T(staff_no="A", title_date=dt.date(2012, 9, 2), title_appointed_on=dt.date(2012, 9, 2)),
        T(staff_no="B", title_date=dt.date(2012, 9, 1), title_appointed_on=dt.date(2018, 1, 1)),
        ["B", "A"],
    ),
    (
        "all the same: the one closer to retirement first",
        T(staff_no="A", birth_date=dt.date(1985, 3, 1)),
        T(staff_no="B", birth_date=dt.date(1984, 3, 1)),
        ["B", "A"],
    ),
    (
        "a complete tie: the 工号, visibly",
        T(staff_no="B"),
        T(staff_no="A"),
        ["A", "B"],
    ),
]


@pytest.mark.parametrize(("case", "first", "second", "order"), ORDERING, ids=[c[0] for c in ORDERING])
def test_the_ordering_rule_compares_whole_years_then_qualification_then_appointment(case, first, second, order):
    assert _order(first, second) == order


def test_no_intermediate_title_comes_after_every_title():
    junior = T(staff_no="J", title="junior", title_date=dt.date(2001, 1, 1))
    untitled = T(staff_no="N", title="none", title_date=None)
    titled = T(staff_no="I", title="intermediate", title_date=dt.date(2020, 1, 1))
    assert intermediate_title_date(junior) == dt.date.max == intermediate_title_date(untitled)
    assert intermediate_title_date(T(title="senior", title_date=dt.date(2019, 1, 1))) == dt.date(2019, 1, 1)
    assert _order(junior, titled)[0] == "I"


# -- the panel vote (seed 000 篇四: "赞成票超过三分之二") ----------------------------------------------

VOTES = [
    ("6 of 9 is exactly two thirds", 6, 9, False),
    ("7 of 9", 7, 9, True),
    ("2 of 3", 2, 3, False),
    ("3 of 3", 3, 3, True),
]


@pytest.mark.parametrize(("case", "yes", "members", "chosen"), VOTES, ids=[v[0] for v in VOTES])
def test_a_nominee_needs_more_than_two_thirds(case, yes, members, chosen):
    assert vote_chosen(yes, members, 2 / 3) is chosen


# -- quotas ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "how", "expected"),
    [
        (4.5, "half_up", 5),
        (4.4999, "half_up", 4),
        (2.5, "half_up", 3),
        (3.0, "ceil", 3),
        (3.0001, "ceil", 4),
        (3.9999, "floor", 3),
        (4.0, "floor", 4),
        (0.0, "ceil", 0),
    ],
)
def test_rounding_of_quotas(value, how, expected):
    assert round_count(value, how) == expected


# Seed 000 篇三 (Dalian): "城镇学校或优质学校…不低于…15%，一般学校…10%" — urban OR strong.
DALIAN_RATES = [
    ("a strong school in a village", "strong", "rural", 0.15),
    ("an ordinary school in the city", "ordinary", "urban", 0.15),
    ("a weak school in a town", "weak", "town", 0.15),
    ("an ordinary village school", "ordinary", "rural", 0.10),
    ("a weak remote school", "weak", "remote", 0.10),
]


@pytest.mark.parametrize(("case", "tier", "locality", "rate"), DALIAN_RATES, ids=[c[0] for c in DALIAN_RATES])
def test_dalian_urban_or_strong_schools_have_their_own_rate(case, tier, locality, rate):
    assert quota_rate(preset("dalian"), tier, locality) == rate


def test_a_preset_without_a_second_rate_uses_its_own_everywhere():
    assert quota_rate(preset("changzhou"), "strong", "urban") == 0.15  # no separate rate: the common one
    assert quota_rate(preset("haikou"), "strong", "urban") is None  # no rate at all


def test_changzhou_quota_of_twenty_eligible_is_three_and_backbone_fifteen_percent():
    # 15% of 20 = 3; 15% of 14 backbone = 2.1 -> 2.
    assert quota_numbers(preset("changzhou"), 0.15, 20, 14) == (3, 2)
    assert quota_numbers(preset("changzhou"), 0.15, 30, 10) == (5, 2)  # 4.5 -> 5; 1.5 -> 2


def test_a_group_share_of_those_going_is_rounded_up_and_never_more_than_exist():
    policy = preset("ganzhou")  # ≥ 20% of those going
    assert quota_numbers(policy, 0.20, 30, 10) == (6, 2)  # ceil(0.2 × 6) = 2
    assert quota_numbers(policy, 0.20, 26, 10) == (6, 2)  # 5.2 -> ceil 6; 1.2 -> 2
    assert quota_numbers(policy, 0.20, 30, 1) == (6, 1)  # only one teacher of the group is due
    assert quota_numbers({**policy, "group_rate": None}, 0.20, 30, 10) == (6, 0)


# Seed 002 方案1 (Datong): "教师每年交流人数要达到应交流对象总数的10%以上，其中…中高级教师要达到
# 应交流对象总数的20%以上" — the group is measured against all who are due, so the whole number
# going can never be below it.
DATONG_QUOTAS = [
    ("20 due: 10% is 2, the group 20% is 4, so 4 go", 20, 15, (4, 4)),
    ("21 due: 2.1 -> 3; 4.2 -> 5", 21, 15, (5, 5)),
    ("only 2 of the group are due", 20, 2, (2, 2)),
    ("none due", 0, 0, (0, 0)),
]


@pytest.mark.parametrize(("case", "due", "group", "numbers"), DATONG_QUOTAS, ids=[c[0] for c in DATONG_QUOTAS])
def test_datong_group_counts_against_every_eligible_teacher(case, due, group, numbers):
    assert quota_numbers(preset("datong"), 0.10, due, group) == numbers


def test_the_quota_group_of_each_kind():
    from matchapp.preparation.rules import in_quota_group

    assert in_quota_group(True, "junior", "backbone")
    assert not in_quota_group(False, "senior", "backbone")  # Changzhou counts honours only
    assert in_quota_group(False, "intermediate", "backbone_or_intermediate")  # Ganzhou, Datong
    assert in_quota_group(False, "full_senior", "backbone_or_intermediate")
    assert not in_quota_group(False, "junior", "backbone_or_intermediate")
    assert not in_quota_group(False, "none", "backbone_or_intermediate")


# -- the leadership cap (seed 000 篇三: "不超过领导班子成员的30%") -----------------------------------

LEADERS = [
    ("3 of 10 is exactly 30%", 3, 10, False),
    ("4 of 10", 4, 10, True),
    ("1 of 3", 1, 3, True),
    ("0 of 5", 0, 5, False),
    ("the only leader of a team of 1", 1, 1, True),
]


@pytest.mark.parametrize(("case", "leaders", "team", "over"), LEADERS, ids=[c[0] for c in LEADERS])
def test_at_most_thirty_percent_of_a_leadership_team_at_once(case, leaders, team, over):
    assert leadership_over_cap(leaders, team, 0.30) is over


def test_a_school_without_a_recorded_team_size_is_not_flagged():
    assert not leadership_over_cap(2, 0, 0.30)


# -- deadlines -----------------------------------------------------------------------------------


@dataclass
class Fair:
    state: str
    fair_closes_at: dt.datetime | None
    lists_due: dt.date | None = None


def test_the_fair_closes_at_its_closing_time_not_a_second_later():
    closes = dt.datetime(2027, 7, 2, 9, 0)
    fair = Fair("fair_open", closes)
    assert fair_is_open(fair, closes - dt.timedelta(seconds=1))
    assert not fair_is_open(fair, closes)
    assert not fair_is_open(Fair("fair_closed", None), closes)
    assert fair_is_open(Fair("fair_open", None), closes)  # open until the bureau closes it


def test_lists_can_change_on_the_day_they_are_due_not_the_day_after():
    due = dt.date(2027, 6, 30)
    assert not deadline_passed(due, dt.date(2027, 6, 30))
    assert deadline_passed(due, dt.date(2027, 7, 1))
    assert not deadline_passed(None, dt.date(2099, 1, 1))


# -- seats ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("seats", "taken", "full"), [(2, 2, True), (2, 1, False), (0, 0, True), (3, 4, True)])
def test_a_post_is_full_when_its_seats_are_taken(seats, taken, full):
    assert post_is_full(seats, taken) is full


# -- the backbone reverse-flow rule (seed 000 篇三, seed 001) ----------------------------------------


@pytest.mark.parametrize(
    ("home_strong", "dest_strong", "counts", "ok"),
    [
        ([True, False], [False, False], (1, 1), False),  # equal is not enough: must exceed
        ([True, True, False], [False, False, False], (2, 1), True),
        ([True], [True], (0, 0), False),  # strong to strong counts for nothing
        ([], [], (0, 0), False),
        ([False, False], [True, False], (0, 2), False),  # leaving ordinary/weak counts wherever it goes
    ],
)
def test_backbone_teachers_from_strong_schools_must_outnumber_those_leaving_others(
    home_strong, dest_strong, counts, ok
):
    flow = backbone_flow(home_strong, dest_strong)
    assert (flow.strong_to_other, flow.from_other, flow.ok) == (*counts, ok)


# -- what each reason says, exactly (a teacher reads it) -------------------------------------------
TEXTS = [
    (
        "due: years and retirement",
        T(started_at_school=dt.date(2020, 8, 1), birth_date=dt.date(1984, 5, 1)),
        "changzhou",
        "eligible",
        "在本校连续任教7年，已满6年；距法定退休11年",
        (7, 43, dt.date(2039, 5, 1), 11),
    ),
    (
        "not due: too few years",
        T(started_at_school=dt.date(2022, 9, 1), birth_date=dt.date(1990, 1, 1)),
        "changzhou",
        "not_eligible",
        "在本校连续任教4年，未满6年；距法定退休17年",
        (4, 37, dt.date(2045, 1, 1), 17),
    ),
    (
        "not due: near retirement",
        T(started_at_school=dt.date(2000, 9, 1), birth_date=dt.date(1974, 1, 1)),
        "changzhou",
        "not_eligible",
        "在本校连续任教26年，已满6年；距法定退休1年，不足5年",
        (26, 53, dt.date(2029, 1, 1), 1),
    ),
    (
        "not due: above the age cap",
        T(gender="M", started_at_school=dt.date(2000, 9, 1), birth_date=dt.date(1975, 1, 1)),
        "datong",
        "not_eligible",
        # Datong has no years-to-retirement rule (it used to inherit Changzhou's)
        "在本校连续任教26年，已满6年；年龄52岁，超过男教师50周岁的上限",
        (26, 52, dt.date(2035, 1, 1), 7),
    ),
    (
        "exempt once approved",
        T(started_at_school=dt.date(2010, 9, 1), exemption="illness", exemption_approved=True),
        "changzhou",
        "exempt",
        "在本校连续任教16年，已满6年；距法定退休12年；暂不交流：患病不能正常工作（教育局已审核）",
        (16, 42, dt.date(2040, 3, 1), 12),
    ),
    (
        "pending exemption",
        T(started_at_school=dt.date(2010, 9, 1), exemption="maternity"),
        "changzhou",
        "eligible",
        "在本校连续任教16年，已满6年；距法定退休12年；已申请暂不交流（产假或哺乳期），待教育局审核",
        (16, 42, dt.date(2040, 3, 1), 12),
    ),
    (
        "an exemption code the vocabulary does not know is shown as it is",
        T(started_at_school=dt.date(2010, 9, 1), exemption="other", exemption_approved=True),
        "changzhou",
        "exempt",
        "在本校连续任教16年，已满6年；距法定退休12年；暂不交流：other（教育局已审核）",
        (16, 42, dt.date(2040, 3, 1), 12),
    ),
]


@pytest.mark.parametrize(
    ("case", "teacher", "preset_name", "status", "text", "numbers"), TEXTS, ids=[t[0] for t in TEXTS]
)
def test_each_reason_in_words(case, teacher, preset_name, status, text, numbers):
    cutoff = dt.date(2027, 6, 30) if preset_name == "datong" else CUTOFF
    history = _exempt(teacher.exemption, teacher.exemption_approved) if teacher.exemption else None
    item = assess(teacher, preset(preset_name), cutoff, history)
    assert (item.status, item.text) == (status, text)
    assert (item.years_at_school, item.age, item.retirement, item.years_to_retirement) == numbers


# -- defaults of rounds created before a setting existed ---------------------------------------------


def test_an_unknown_rounding_is_refused_not_guessed():
    with pytest.raises(ValueError, match="rounding"):
        round_count(2.5, "banker")


def test_a_policy_without_the_newer_settings_reads_their_defaults():
    old = R(2027, {})
    assert (cutoff_date(old), report_by(old), term_years(old), term_ends(old)) == (
        dt.date(2027, 8, 31),
        dt.date(2027, 8, 31),
        3,
        dt.date(2030, 8, 31),
    )
    assert quota_numbers({"quota_rate": 0.15}, 0.15, 30, 0) == (5, 0)  # rounding: half up by default


def test_a_policy_s_own_term_and_reporting_day():
    round_ = R(2027, {"term_years": 2, "report_by": "08-25"})
    assert (term_years(round_), report_by(round_), term_ends(round_)) == (2, dt.date(2027, 8, 25), dt.date(2029, 8, 25))


def test_an_app_without_a_zone_setting_reads_beijing_time():
    from flask import Flask

    from matchapp.core.clock import zone

    with Flask(__name__).app_context():
        assert str(zone()) == "Asia/Shanghai"


def test_leap_days():
    assert cutoff_date(R(2000, {"cutoff": "02-29"})) == dt.date(2000, 2, 29)
    assert cutoff_date(R(2027, {"cutoff": "03-29"})) == dt.date(2027, 3, 29)
    assert add_years(dt.date(2024, 2, 29), 1) == dt.date(2025, 2, 28)
    assert add_years(dt.date(2024, 2, 29), 4) == dt.date(2028, 2, 29)
    assert add_years(dt.date(2024, 3, 1), -1) == dt.date(2023, 3, 1)


def test_quotas_at_their_limits():
    # 20% of 5 going is exactly one backbone teacher, not two.
    assert quota_numbers(preset("ganzhou"), 0.20, 25, 10) == (5, 1)
    # Those of the group who go are among those going: the quota is never below the group's
    # (it used to cap the group at the quota, silently dropping the seed's requirement).
    assert quota_numbers({**preset("changzhou"), "group_rate": 0.5}, 0.15, 20, 10) == (5, 5)
    # Changzhou's group rate is of the eligible group, rounded as the policy says.
    assert quota_numbers({**preset("changzhou"), "rounding": "floor"}, 0.15, 30, 10) == (4, 1)
    # A share of those going, with the policy's rounding for the quota, then the share rounded up.
    assert quota_numbers({**preset("ganzhou"), "rounding": "floor"}, 0.20, 26, 10) == (5, 1)
    # No rate: no quota, and a share of those going has nothing to measure.
    assert quota_numbers(preset("haikou"), None, 30, 10) == (None, 0)


def test_zone_comes_from_the_configuration(monkeypatch):
    import time

    from flask import Flask

    from matchapp.core.clock import zone

    app = Flask(__name__)
    app.config["BABEL_DEFAULT_TIMEZONE"] = "Asia/Urumqi"
    with app.app_context():
        assert str(zone()) == "Asia/Urumqi"
        assert to_utc(dt.datetime(2027, 7, 2, 17, 0)) == dt.datetime(2027, 7, 2, 11, 0)
        assert to_local(dt.datetime(2027, 7, 2, 11, 0)) == dt.datetime(2027, 7, 2, 17, 0)
    assert str(zone()) == "Asia/Shanghai"
    # The machine's own zone plays no part.
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        assert to_utc(dt.datetime(2027, 7, 2, 17, 0)) == dt.datetime(2027, 7, 2, 9, 0)
        assert to_local(dt.datetime(2027, 7, 2, 9, 0)) == dt.datetime(2027, 7, 2, 17, 0)
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_backbone_flow_names_its_arrays_when_refused():
    with pytest.raises(ValueError, match="^home_strong and destination_strong must be 1-d arrays of the same length$"):
        backbone_flow([True, False], [True])
    with pytest.raises(ValueError):
        backbone_flow([[True]], [[True]])


def test_shares_are_exact_fractions():
    assert share(2 / 3) == share(0.6667) == Fraction(2, 3)
    assert share(0.3) * 10 == 3 and share(0.15) * 20 == 3
    assert vote_chosen(667, 1000, 0.6667) is True  # 2/3 of 1000 is 666.67: 667 exceeds it


def test_the_ordering_reason_in_words():
    teacher = T(started_at_school=dt.date(2008, 9, 1), title_date=dt.date(2015, 1, 1), birth_date=dt.date(1980, 1, 1))
    item = assess(teacher, preset("changzhou"), CUTOFF)
    assert (
        ordering_reason(item)
        == "在本校连续任教18年；中级以上职称：2015年1月1日取得资格，聘任时间未填；退休 2035年1月1日"
    )
    appointed = assess(
        T(
            started_at_school=dt.date(2008, 9, 1),
            title_appointed_on=dt.date(2016, 3, 1),
            birth_date=dt.date(1980, 1, 1),
        ),
        preset("changzhou"),
        CUTOFF,
    )
    assert ordering_reason(appointed) == (
        "在本校连续任教18年；中级以上职称：2012年9月1日取得资格，2016年3月1日聘任；退休 2035年1月1日"
    )
    untitled = assess(T(title="junior", birth_date=dt.date(1980, 1, 1)), preset("changzhou"), CUTOFF)
    assert ordering_reason(untitled) == "在本校连续任教11年；中级以上职称：无中级以上职称；退休 2035年1月1日"
