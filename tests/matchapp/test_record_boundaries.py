"""The school leaders' track, the age-cap reasons, the teacher's record (issue 12) and the
notice period, at their exact boundaries, table-driven, each table quoting the seed passage it
implements (issue 10 item 9). Reasons are part of the product: each is compared in full.

Pure rules, no database and no application (dates are written 2027年8月31日 outside one, as
core/dates.py says): the mutation run of bench/README.md runs this file against them.
"""

from __future__ import annotations

import datetime as dt
from functools import partial

import pytest

from matchapp.exchanges.rules import (
    bar_end,
    excellent_cap,
    extension_allowed,
    may_treat_as_leaving,
    may_warn,
    moves_relation,
    normalise_certificate_number,
)
from matchapp.preparation.eligibility import assess, is_leader, over_age_cap, retirement_date
from matchapp.preparation.history import (
    Condition,
    ExemptionFact,
    TeacherHistory,
    deferral_limit,
    exemption_of_the_year,
    on_exchange,
    record_conditions,
    rural_service,
    school_years,
    served_at_schools,
    served_years,
    treated_as_leaving,
)
from matchapp.preparation.rules import in_quota_group, quota_numbers
from matchapp.rounds.calendar import NOTICE_WORKING_DAYS, notice_ends
from matchapp.rounds.policy import EXCHANGE_SETTINGS, preset
from tests.factories import TeacherRecord
from tests.matchapp.test_exchange_rules import _exchange

CUTOFF = dt.date(2027, 8, 31)


#: a man born in 1975, at the school since 2010
T = partial(TeacherRecord, gender="M", birth_date=dt.date(1975, 3, 1), started_at_school=dt.date(2010, 9, 1))


def _outcome(item):
    return (item.status, item.text, item.track, item.years_in_post)


# -- school leaders ---------------------------------------------------------------------------------
# Seed 000 篇三 (Dalian): "校长、副校长及其他校级干部在同一所学校连续任职满三届（每届三年）应交流轮岗，
# 距法定退休年龄不满一届的可不交流轮岗" — years in post (任现职), 满 includes the ninth anniversary;
# "不满一届" is fewer than 3 whole years, so exactly 3 years to retirement is still due. Its age caps
# ("男55周岁及以下，女50周岁及以下") are the teachers' condition, not the leaders'.
# A man born 1975-03-01 is 52 at the cutoff and retires at 60 on 2035-03-01 (7 years to go).
DALIAN_LEADERS = [
    (
        "the ninth anniversary in post falls on the cutoff",
        T(leadership_role="副校长", leader_since=dt.date(2018, 8, 31)),
        ("eligible", "校级领导（副校长）任现职9年，已满9年；距法定退休7年", "leader", 9),
    ),
    (
        "one day short of nine years in post",
        T(leadership_role="副校长", leader_since=dt.date(2018, 9, 1)),
        ("not_eligible", "校级领导（副校长）任现职8年，未满9年；距法定退休7年", "leader", 8),
    ),
    (
        "nine years and a day; the role is read without its spaces",
        T(leadership_role=" 校长 ", leader_since=dt.date(2018, 8, 30)),
        ("eligible", "校级领导（校长）任现职9年，已满9年；距法定退休7年", "leader", 9),
    ),
    (
        "exactly one term (3 years) to retirement: still due; 57 is over the teachers' cap of 55",
        T(leadership_role="校长", leader_since=dt.date(2010, 9, 1), birth_date=dt.date(1970, 8, 31)),
        ("eligible", "校级领导（校长）任现职16年，已满9年；距法定退休3年", "leader", 16),
    ),
    (
        "one day less than a term to retirement: not due",
        T(leadership_role="校长", leader_since=dt.date(2010, 9, 1), birth_date=dt.date(1970, 8, 30)),
        ("not_eligible", "校级领导（校长）任现职16年，已满9年；距法定退休2年，不足3年", "leader", 16),
    ),
    (
        "too few years in post and too close to retirement: both said",
        T(leadership_role="校长", leader_since=dt.date(2020, 9, 1), birth_date=dt.date(1970, 8, 30)),
        ("not_eligible", "校级领导（校长）任现职6年，未满9年；距法定退休2年，不足3年", "leader", 6),
    ),
    (
        "no date in post: the terms cannot be counted",
        T(leadership_role="校长", leader_since=None),
        ("not_eligible", "校级领导（校长）未填任现职时间，无法按任期判定", "leader", None),
    ),
]


@pytest.mark.parametrize(("case", "teacher", "outcome"), DALIAN_LEADERS, ids=[c[0] for c in DALIAN_LEADERS])
def test_dalian_leaders_rotate_after_three_terms_in_post(case, teacher, outcome):
    item = assess(teacher, preset("dalian"), CUTOFF)
    assert _outcome(item) == outcome
    assert item.retirement == retirement_date(teacher, preset("dalian"))


def test_a_leader_s_numbers_are_the_teacher_s():
    item = assess(T(leadership_role="校长", leader_since=dt.date(2018, 8, 31)), preset("dalian"), CUTOFF)
    assert (item.years_at_school, item.age, item.retirement, item.years_to_retirement) == (
        16,
        52,
        dt.date(2035, 3, 1),
        7,
    )


# Seed 002 方案1 (Datong): "凡男50周岁、女45周岁及以下,在同一所学校连续任职满6年及以上的校长(含其他校级
# 领导)…为应交流对象" — the age caps apply to leaders too (leader_age_caps), inclusive; no retirement rule.
DATONG_LEADERS = [
    (
        "a man of exactly 50, 6 years in post",
        T(leadership_role="校长", leader_since=dt.date(2021, 8, 31), birth_date=dt.date(1977, 8, 31)),
        ("eligible", "校级领导（校长）任现职6年，已满6年", "leader", 6),
    ),
    (
        "a man who turned 51 on the cutoff",
        T(leadership_role="校长", leader_since=dt.date(2021, 8, 31), birth_date=dt.date(1976, 8, 31)),
        ("not_eligible", "校级领导（校长）任现职6年，已满6年；年龄51岁，超过男教师50周岁的上限", "leader", 6),
    ),
    (
        "a man who turns 51 the day after the cutoff",
        T(leadership_role="校长", leader_since=dt.date(2021, 8, 31), birth_date=dt.date(1976, 9, 1)),
        ("eligible", "校级领导（校长）任现职6年，已满6年", "leader", 6),
    ),
    (
        "a woman of exactly 45",
        T(gender="F", leadership_role="副书记", leader_since=dt.date(2015, 9, 1), birth_date=dt.date(1982, 8, 31)),
        ("eligible", "校级领导（副书记）任现职11年，已满6年", "leader", 11),
    ),
    (
        "a woman of 46, one day short of 6 years in post",
        T(gender="F", leadership_role="副书记", leader_since=dt.date(2021, 9, 1), birth_date=dt.date(1981, 8, 31)),
        ("not_eligible", "校级领导（副书记）任现职5年，未满6年；年龄46岁，超过女教师45周岁的上限", "leader", 5),
    ),
]


@pytest.mark.parametrize(("case", "teacher", "outcome"), DATONG_LEADERS, ids=[c[0] for c in DATONG_LEADERS])
def test_datong_leaders_six_years_in_post_within_the_age_caps(case, teacher, outcome):
    assert _outcome(assess(teacher, preset("datong"), CUTOFF)) == outcome


def test_a_leader_age_cap_needs_a_cap():
    # leader_age_caps with no cap for the gender: no age rule (over_age_cap(…, None, …) is False)
    old = T(leadership_role="校长", leader_since=dt.date(2010, 9, 1), birth_date=dt.date(1970, 1, 1))
    policy = {**preset("datong"), "age_cap_male": None}
    assert _outcome(assess(old, policy, CUTOFF)) == ("eligible", "校级领导（校长）任现职16年，已满6年", "leader", 16)


# The 大观区海口中心学校 plan (seed 000) "年龄男55周岁以上…不作为轮岗交流对象", applied to leaders by a
# bureau's own policy: the same exclusive comparison and words as for teachers.
def test_a_leader_age_cap_in_the_exclusive_mode():
    policy = {**preset("dalian"), "leader_age_caps": True, "age_cap_mode": "exclusive"}
    leader = T(leadership_role="校长", leader_since=dt.date(2010, 9, 1), birth_date=dt.date(1972, 8, 31))  # 55
    assert _outcome(assess(leader, policy, CUTOFF)) == (
        "not_eligible",
        "校级领导（校长）任现职16年，已满9年；距法定退休5年；年龄55岁，已满男教师55周岁，不作为对象",
        "leader",
        16,
    )
    younger = T(leadership_role="校长", leader_since=dt.date(2010, 9, 1), birth_date=dt.date(1972, 9, 1))  # 54
    assert assess(younger, policy, CUTOFF).status == "eligible"


# Seed 000 篇一 "校长轮岗按照干部任用的规定"; Changzhou (000 篇四) speaks of 专任教师 only: a preset
# without a leader rule leaves the leaders to the bureau's cadre decisions.
@pytest.mark.parametrize("name", ["changzhou", "district", "haikou"])
def test_without_a_leader_rule_leaders_are_left_to_the_bureau(name):
    leader = T(leadership_role="副校长", leader_since=dt.date(2000, 9, 1), started_at_school=dt.date(2000, 9, 1))
    assert _outcome(assess(leader, preset(name), CUTOFF)) == (
        "not_eligible",
        "校级领导（副校长）按干部管理权限另行安排，不按教师条件判定",
        "leader",
        None,
    )


@pytest.mark.parametrize(
    ("role", "leader"),
    [("校长", True), (" 副校长", True), ("", False), ("   ", False)],
    ids=["a role", "a role with a space", "no role", "spaces only"],
)
def test_a_leader_is_a_teacher_with_a_leadership_role(role, leader):
    assert is_leader(T(leadership_role=role)) is leader
    item = assess(T(leadership_role=role, leader_since=dt.date(2018, 8, 31)), preset("dalian"), CUTOFF)
    assert (item.track, item.years_in_post) == (("leader", 9) if leader else ("teacher", None))


def test_a_leader_s_record_applies_on_the_leader_track():
    # Seed 000 篇三: leaders' exemptions are approved like the teachers' (一年一认定, 000 篇一).
    history = TeacherHistory(year=2027, exemptions=(ExemptionFact(2027, "illness", True),))
    leader = T(leadership_role="校长", leader_since=dt.date(2018, 8, 31))
    item = assess(leader, preset("dalian"), CUTOFF, history)
    assert _outcome(item) == (
        "exempt",
        "校级领导（校长）任现职9年，已满9年；距法定退休7年；暂不交流：患病不能正常工作（教育局已审核）",
        "leader",
        9,
    )


# -- the age-cap reasons ------------------------------------------------------------------------------
# "exclusive": the 大观区海口中心学校 plan (seed 000) "年龄男55周岁以上，女50周岁以上的专任教师" are not
# rotated, 以上 including the number (a man of exactly 55 is not due); "inclusive": seed 000 篇三
# (Dalian) "男55周岁及以下，女50周岁及以下" (a man of exactly 55 is due, 56 is not).
AGE_REASONS = [
    ("haikou: a man of exactly 55", "haikou", "M", dt.date(1972, 8, 31), "not_eligible",
     "在本校连续任教16年，已满3年；年龄55岁，已满男教师55周岁，不作为对象"),
    ("haikou: a man of 54 and 364 days", "haikou", "M", dt.date(1972, 9, 1), "eligible", "在本校连续任教16年，已满3年"),
    ("haikou: a woman of exactly 50", "haikou", "F", dt.date(1977, 8, 31), "not_eligible",
     "在本校连续任教16年，已满3年；年龄50岁，已满女教师50周岁，不作为对象"),
    ("haikou: a woman of 49", "haikou", "F", dt.date(1977, 9, 1), "eligible", "在本校连续任教16年，已满3年"),
    ("dalian: a man of exactly 55", "dalian", "M", dt.date(1972, 8, 31), "eligible", "在本校连续任教16年，已满9年"),
    ("dalian: a man of 56", "dalian", "M", dt.date(1971, 8, 31), "not_eligible",
     "在本校连续任教16年，已满9年；年龄56岁，超过男教师55周岁的上限"),
    ("dalian: a woman of exactly 50", "dalian", "F", dt.date(1977, 8, 31), "eligible", "在本校连续任教16年，已满9年"),
    ("dalian: a woman of 51", "dalian", "F", dt.date(1976, 8, 31), "not_eligible",
     "在本校连续任教16年，已满9年；年龄51岁，超过女教师50周岁的上限"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("case", "name", "gender", "born", "status", "text"), AGE_REASONS, ids=[c[0] for c in AGE_REASONS]
)
def test_age_cap_reasons_in_words(case, name, gender, born, status, text):
    item = assess(T(gender=gender, birth_date=born), preset(name), CUTOFF)
    assert (item.status, item.text, item.track, item.years_in_post) == (status, text, "teacher", None)


@pytest.mark.parametrize(
    ("age", "cap", "mode", "over"),
    [(55, 55, "exclusive", True), (54, 55, "exclusive", False), (55, 55, "inclusive", False), (56, 55, "inclusive", True),
     (90, None, "inclusive", False), (90, None, "exclusive", False)],
)  # fmt: skip
def test_over_the_age_cap(age, cap, mode, over):
    assert over_age_cap(age, cap, mode) is over


# -- this year's exemption ------------------------------------------------------------------------------
# Seed 000 篇一: "暂缓交流轮岗的教师一年一认定" — an exemption belongs to its year. Seed 000 篇三 / 002
# 方案1: "学校传统项目、特色课程的领衔教师…可暂不交流轮岗，但延长时间原则上不超过3年" — the deferral runs to
# its end date: it covers a year whose cutoff falls before that date, not the year whose cutoff is it.
YEAR = 2028
Y_CUTOFF = dt.date(2028, 8, 31)
SIGNATURE = "特色课程领衔教师（暂缓，最长3年）"
EXEMPTIONS = [
    ("this year's, approved", (ExemptionFact(2028, "illness", True),),
     Condition("exemption", "暂不交流：患病不能正常工作（教育局已审核）", "exempt", overrides=True)),
    ("this year's, pending", (ExemptionFact(2028, "illness", False),),
     Condition("exemption", "已申请暂不交流（患病不能正常工作），待教育局审核", pending=True)),
    ("this year's signature-course deferral with its end", (ExemptionFact(2028, "signature_course", True, dt.date(2031, 8, 31)),),
     Condition("exemption", f"暂不交流：{SIGNATURE}，至2031年8月31日（教育局已审核）", "exempt", overrides=True)),
    ("this year's signature-course deferral, pending, without an end", (ExemptionFact(2028, "signature_course", False),),
     Condition("exemption", f"已申请暂不交流（{SIGNATURE}），待教育局审核", pending=True)),
    ("this year's wins over a running deferral", (ExemptionFact(2027, "signature_course", True, dt.date(2030, 8, 31)), ExemptionFact(2028, "maternity", True)),
     Condition("exemption", "暂不交流：产假或哺乳期（教育局已审核）", "exempt", overrides=True)),
    ("last year's deferral ends the day after the cutoff: it covers this year", (ExemptionFact(2027, "signature_course", True, dt.date(2028, 9, 1)),),
     Condition("exemption", "特色课程领衔教师暂缓交流至2028年9月1日（2027年度批准）", "exempt", overrides=True)),
    ("last year's deferral ends on the cutoff: over, and last year's has expired", (ExemptionFact(2027, "signature_course", True, Y_CUTOFF),),
     Condition("exemption_expired", f"2027年度暂不交流（{SIGNATURE}）已到期：暂不交流一年一认定")),
    ("a deferral of two years ago still running", (ExemptionFact(2026, "signature_course", True, dt.date(2029, 8, 31)),),
     Condition("exemption", "特色课程领衔教师暂缓交流至2029年8月31日（2026年度批准）", "exempt", overrides=True)),
    ("two running deferrals: the latest year's", (ExemptionFact(2027, "signature_course", True, dt.date(2030, 8, 31)), ExemptionFact(2026, "signature_course", True, dt.date(2029, 8, 31))),
     Condition("exemption", "特色课程领衔教师暂缓交流至2030年8月31日（2027年度批准）", "exempt", overrides=True)),
    ("a deferral never approved", (ExemptionFact(2026, "signature_course", False, dt.date(2029, 8, 31)),), None),
    ("a deferral without an end date", (ExemptionFact(2026, "signature_course", True),), None),
    ("another exemption with an end date does not run on", (ExemptionFact(2026, "illness", True, dt.date(2029, 8, 31)),), None),
    ("a deferral approved for a later year", (ExemptionFact(2029, "signature_course", True, dt.date(2032, 8, 31)),), None),
    ("last year's, approved: expired, one year at a time", (ExemptionFact(2027, "pregnancy", True),),
     Condition("exemption_expired", "2027年度暂不交流（孕期）已到期：暂不交流一年一认定")),
    ("last year's, never approved: nothing to expire", (ExemptionFact(2027, "pregnancy", False),), None),
    ("two years ago: nothing said", (ExemptionFact(2026, "pregnancy", True),), None),
    ("next year's: nothing said", (ExemptionFact(2029, "pregnancy", True),), None),
    ("a code the vocabulary does not know, expired", (ExemptionFact(2027, "other", True),),
     Condition("exemption_expired", "2027年度暂不交流（other）已到期：暂不交流一年一认定")),
    ("none", (), None),
]  # fmt: skip


@pytest.mark.parametrize(("case", "exemptions", "condition"), EXEMPTIONS, ids=[c[0] for c in EXEMPTIONS])
def test_an_exemption_belongs_to_its_year(case, exemptions, condition):
    history = TeacherHistory(year=YEAR, exemptions=exemptions)
    assert exemption_of_the_year(history, preset("dalian"), Y_CUTOFF) == condition


def test_an_approved_exemption_holds_even_a_teacher_not_due():
    # An approved exemption is the bureau's decision for the year: it is said, and shown, whatever
    # else holds (Condition.overrides); a pending one changes nothing.
    history = TeacherHistory(year=2027, exemptions=(ExemptionFact(2027, "illness", True),))
    item = assess(T(started_at_school=dt.date(2024, 9, 1)), preset("dalian"), CUTOFF, history)
    assert (item.status, item.exemption_pending) == ("exempt", False)
    pending = TeacherHistory(year=2027, exemptions=(ExemptionFact(2027, "illness", False),))
    item = assess(T(started_at_school=dt.date(2024, 9, 1)), preset("dalian"), CUTOFF, pending)
    assert (item.status, item.exemption_pending) == ("not_eligible", True)


# Seed 000 篇三 "延长时间原则上不超过3年": a deferral first granted at a cutoff ends 3 years later at the latest.
@pytest.mark.parametrize(
    ("policy", "limit"),
    [({}, dt.date(2030, 8, 31)), ({"signature_deferral_years": None}, dt.date(2030, 8, 31)),
     ({"signature_deferral_years": 2}, dt.date(2029, 8, 31)), ({"signature_deferral_years": 1}, dt.date(2028, 8, 31))],
)  # fmt: skip
def test_the_deferral_limit_reads_the_policy_or_three_years(policy, limit):
    assert deferral_limit(CUTOFF, policy) == limit


# -- how a condition changes a status -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "status", "result"),
    [
        (Condition("x", "", None), "eligible", "eligible"),
        (Condition("x", "", None, final=True), "not_eligible", "not_eligible"),
        (Condition("x", "", "exempt"), "eligible", "exempt"),  # said of a due teacher
        (Condition("x", "", "exempt"), "not_eligible", "not_eligible"),  # not due anyway: stays
        (Condition("x", "", "exempt", overrides=True), "not_eligible", "exempt"),  # approved exemption
        (Condition("x", "", "not_eligible", final=True), "exempt", "not_eligible"),  # not at the school
    ],
)
def test_a_condition_applies_to_a_status(condition, status, result):
    assert condition.applied_to(status) == result


# -- earlier exchanges ----------------------------------------------------------------------------------
# Issue 12: a teacher placed or serving on an exchange of an earlier year is not at the school to be
# rotated. A term ending on or before the cutoff is over; seed 003 六.1 "其教育教学工作…年限连续计算"
# makes its years count at home (``exchange_counts_as_service``), the product's default restarts the count.


# A full-time exchange served at 乙校 from 2027-08-31 to 2030-08-31, as the exchange rules' tests make it.
_x = _exchange


HELD = "not_eligible"
ON_EXCHANGE = [
    ("serving, the term runs past the cutoff", (_x(),), {},
     Condition("on_exchange", "正在乙校交流（全职轮岗，2027年起，至2030年8月31日），不列入本年度交流对象", HELD, final=True)),
    ("serving, the term ends the day after the cutoff", (_x(ends_on=dt.date(2028, 9, 1)),), {},
     Condition("on_exchange", "正在乙校交流（全职轮岗，2027年起，至2028年9月1日），不列入本年度交流对象", HELD, final=True)),
    ("placed, not reported yet", (_x(state="placed", reported_on=None, kind="part_time"),), {},
     Condition("on_exchange", "2027年度已安排到乙校交流（兼职交流，待报到），不列入本年度交流对象", HELD, final=True)),
    ("placed without an end", (_x(state="placed", reported_on=None, ends_on=None),), {},
     Condition("on_exchange", "2027年度已安排到乙校交流（全职轮岗，待报到），不列入本年度交流对象", HELD, final=True)),
    ("a kind the vocabulary does not know is shown as it is", (_x(kind="exotic"),), {},
     Condition("on_exchange", "正在乙校交流（exotic，2027年起，至2030年8月31日），不列入本年度交流对象", HELD, final=True)),
    ("the term ends on the cutoff: over, the count restarts", (_x(ends_on=Y_CUTOFF),), {},
     Condition("term_over", "2028年8月31日交流期满回原单位，在本校任教年限自返回起重新计算", HELD, final=True)),
    ("the term ended on the cutoff and its years count, seed 003", (_x(ends_on=Y_CUTOFF),), {"exchange_counts_as_service": True}, None),
    ("returned: nothing to hold", (_x(state="returned", ends_on=dt.date(2027, 8, 31)),), {}, None),
    ("refused: nothing to hold", (_x(state="refused", reported_on=None),), {}, None),
    ("the latest exchange is read first", (_x(year=2025, ends_on=Y_CUTOFF), _x(state="placed", reported_on=None)), {},
     Condition("on_exchange", "2027年度已安排到乙校交流（全职轮岗，待报到），不列入本年度交流对象", HELD, final=True)),
    ("an earlier exchange over, a later one returned", (_x(year=2025, ends_on=dt.date(2027, 8, 31)), _x(state="returned")), {},
     Condition("term_over", "2027年8月31日交流期满回原单位，在本校任教年限自返回起重新计算", HELD, final=True)),
    ("none", (), {}, None),
]  # fmt: skip


@pytest.mark.parametrize(("case", "exchanges", "policy", "condition"), ON_EXCHANGE, ids=[c[0] for c in ON_EXCHANGE])
def test_a_current_exchange_holds_the_teacher(case, exchanges, policy, condition):
    history = TeacherHistory(year=YEAR, exchanges=exchanges)
    assert on_exchange(history, policy, Y_CUTOFF) == condition


def test_a_serving_exchange_without_an_end_holds_the_teacher():
    # An open term says nothing of its end (it used to read "2027年起，）").
    condition = on_exchange(TeacherHistory(year=YEAR, exchanges=(_x(ends_on=None),)), {}, Y_CUTOFF)
    assert condition == Condition(
        "on_exchange", "正在乙校交流（全职轮岗，2027年起），不列入本年度交流对象", HELD, final=True
    )


# Seed 000 大观区海口中心学校 (篇五 the same): "超过半个月时间拒不到岗的，按自动离职处理".
LEFT = [
    ("treated as leaving on a day", (_x(state="left", reported_on=None, ended_on=dt.date(2027, 9, 16)),),
     Condition("left", "已按自动离职处理（2027年9月16日，逾期未到岗）", HELD, final=True)),
    ("the latest of two", (_x(year=2025, state="left", reported_on=None, ended_on=dt.date(2025, 9, 20)),
                           _x(state="left", reported_on=None, ended_on=dt.date(2027, 9, 16))),
     Condition("left", "已按自动离职处理（2027年9月16日，逾期未到岗）", HELD, final=True)),
    ("no day recorded: the year", (_x(year=2026, state="left", reported_on=None),),
     Condition("left", "已按自动离职处理（2026，逾期未到岗）", HELD, final=True)),
    ("returned", (_x(state="returned"),), None),
    ("none", (), None),
]  # fmt: skip


@pytest.mark.parametrize(("case", "exchanges", "condition"), LEFT, ids=[c[0] for c in LEFT])
def test_treated_as_leaving(case, exchanges, condition):
    assert treated_as_leaving(TeacherHistory(year=YEAR, exchanges=exchanges), {}, Y_CUTOFF) == condition


# -- years served and years at each school ------------------------------------------------------------
# Ends are inclusive: a term ends 08-31 and the next begins 09-01 (history.last_day); 满 N 年 includes
# the N-th anniversary (full_years).
SERVED = [
    ("the day before the third anniversary of reporting", _x(reported_on=dt.date(2027, 9, 1), ends_on=None), dt.date(2030, 8, 31), 2),
    ("the third anniversary", _x(reported_on=dt.date(2027, 9, 1), ends_on=None), dt.date(2030, 9, 1), 3),
    ("the term's last day is over the day after it", _x(reported_on=dt.date(2027, 9, 1), ends_on=dt.date(2030, 8, 31)), dt.date(2031, 9, 1), 3),
    ("ended early", _x(reported_on=dt.date(2027, 9, 1), ends_on=dt.date(2029, 8, 31)), dt.date(2031, 9, 1), 2),
    ("returned", _x(state="returned", reported_on=dt.date(2027, 9, 1), ends_on=dt.date(2029, 8, 31)), dt.date(2031, 9, 1), 2),
    ("stayed on", _x(state="stayed", reported_on=dt.date(2027, 9, 1), ends_on=None), dt.date(2031, 9, 1), 4),
    ("placed: nothing served", _x(state="placed", reported_on=dt.date(2027, 9, 1), ends_on=None), dt.date(2031, 9, 1), 0),
    ("left: nothing served", _x(state="left", reported_on=dt.date(2027, 9, 1), ends_on=None), dt.date(2031, 9, 1), 0),
    ("reported after the day asked about", _x(reported_on=dt.date(2027, 9, 2), ends_on=None), dt.date(2027, 9, 1), 0),
    ("never reported", _x(reported_on=None), dt.date(2031, 9, 1), 0),
]  # fmt: skip


@pytest.mark.parametrize(("case", "fact", "as_of", "years"), SERVED, ids=[c[0] for c in SERVED])
def test_years_served_on_an_exchange(case, fact, as_of, years):
    assert served_years(fact, as_of) == years


NAMES = {1: "甲校", 2: "乙校", 3: "丙校"}
SCHOOL_YEARS = [
    ("one school: the 13th anniversary is the day after the cutoff", dt.date(2015, 9, 1), (), {1: 12}),
    (
        "kept at home: the time away is not the home school's",
        dt.date(2015, 9, 1),
        (_x(state="returned", reported_on=dt.date(2020, 9, 1), ends_on=dt.date(2023, 8, 31)),),
        {1: 5 + 4, 2: 3},
    ),
    (
        "moved: the home school before the exchange, from its own start",
        dt.date(2023, 9, 1),
        (_x(state="returned", reported_on=dt.date(2020, 9, 1), ends_on=dt.date(2023, 8, 31), home_started_at=dt.date(2012, 9, 1)),),
        {1: 8 + 4, 2: 3},
    ),
    (
        "the home start on the day of reporting adds nothing",
        dt.date(2023, 9, 1),
        (_x(state="returned", reported_on=dt.date(2020, 9, 1), ends_on=dt.date(2023, 8, 31), home_started_at=dt.date(2020, 9, 1)),),
        {1: 4, 2: 3},
    ),
    (
        "still serving: to the cutoff",
        dt.date(2015, 9, 1),
        (_x(reported_on=dt.date(2025, 8, 31), ends_on=None),),
        {1: 9, 2: 3},
    ),
    (
        "a term ending after the cutoff counts to the cutoff",
        dt.date(2015, 9, 1),
        (_x(reported_on=dt.date(2025, 8, 31), ends_on=dt.date(2030, 8, 31)),),
        {1: 9, 2: 3},
    ),
    (
        "reported on the cutoff: no stay yet",
        dt.date(2015, 9, 1),
        (_x(reported_on=Y_CUTOFF, ends_on=None),),
        {1: 12},
    ),
    (
        "a unit-keeping kind is no second school",
        dt.date(2015, 9, 1),
        (_x(kind="walking", state="returned", reported_on=dt.date(2020, 9, 1), ends_on=dt.date(2023, 8, 31)),),
        {1: 12},
    ),
    (
        "an exchange never served is no second school",
        dt.date(2015, 9, 1),
        (_x(state="placed", reported_on=dt.date(2020, 9, 1), ends_on=dt.date(2023, 8, 31)),),
        {1: 12},
    ),
    (
        "an exchange never reported is no second school",
        dt.date(2015, 9, 1),
        (_x(state="returned", reported_on=None, ends_on=dt.date(2023, 8, 31)),),
        {1: 12},
    ),
    (
        "an exchange that is no second school does not hide a later one",
        dt.date(2015, 9, 1),
        (
            _x(year=2018, kind="research", state="returned", reported_on=dt.date(2018, 9, 1), ends_on=dt.date(2019, 8, 31)),
            _x(year=2020, state="returned", reported_on=dt.date(2020, 9, 1), ends_on=dt.date(2023, 8, 31)),
        ),
        {1: 5 + 4, 2: 3},
    ),
    (
        "two stays away, in any order: each subtracted",
        dt.date(2012, 9, 1),
        (
            _x(year=2022, state="returned", to_school_id=3, reported_on=dt.date(2022, 9, 1), ends_on=dt.date(2024, 8, 31)),
            _x(year=2016, state="returned", reported_on=dt.date(2016, 9, 1), ends_on=dt.date(2019, 8, 31)),
        ),
        {1: 4 + 3 + 3, 2: 3, 3: 2},
    ),
    (
        "two exchanges from the same home stay count it once",
        dt.date(2024, 9, 1),
        (
            _x(year=2018, state="returned", reported_on=dt.date(2018, 9, 1), ends_on=dt.date(2021, 8, 31), home_started_at=dt.date(2010, 9, 1)),
            _x(year=2018, state="returned", kind="support", reported_on=dt.date(2018, 9, 1), ends_on=dt.date(2021, 8, 31), home_started_at=dt.date(2010, 9, 1)),
        ),
        {1: 8 + 3, 2: 3},
    ),
]  # fmt: skip


@pytest.mark.parametrize(("case", "started", "exchanges", "years"), SCHOOL_YEARS, ids=[c[0] for c in SCHOOL_YEARS])
def test_years_at_each_school(case, started, exchanges, years):
    history = TeacherHistory(year=YEAR, school_id=1, exchanges=exchanges, school_names=NAMES)
    assert school_years(started, history, Y_CUTOFF) == years


# Seed 001 (the district plan): "对于已有2所以上学校的工作经历，且每所学校工作时间均达到3年及以上的教师…
# 可暂不纳入交流范围": 2 schools or more (以上 includes 2), 3 whole years or more at each.
DISTRICT = EXCHANGE_SETTINGS["district"]
SERVED_AT = [
    ("two schools, exactly 3 years at the other, 2020-09-01 to 2023-08-31", DISTRICT, dt.date(2015, 9, 1),
     (_x(state="returned", reported_on=dt.date(2020, 9, 1), ends_on=dt.date(2023, 8, 31)),),
     Condition("served_at_schools", "已有2所学校工作经历且每所满3年（甲校9年、乙校3年），暂不纳入交流范围", "exempt")),
    ("the other school one day short of 3 years", DISTRICT, dt.date(2015, 9, 1),
     (_x(state="returned", reported_on=dt.date(2020, 9, 2), ends_on=dt.date(2023, 8, 31)),), None),
    ("three schools of 3 years or more", DISTRICT, dt.date(2012, 9, 1),
     (_x(year=2022, state="returned", to_school_id=3, reported_on=dt.date(2021, 8, 31), ends_on=dt.date(2024, 8, 31)),
      _x(year=2016, state="returned", reported_on=dt.date(2016, 9, 1), ends_on=dt.date(2019, 8, 31))),
     Condition("served_at_schools", "已有3所学校工作经历且每所满3年（甲校8年、乙校3年、丙校3年），暂不纳入交流范围", "exempt")),
    ("a school the names do not know is shown by its number", DISTRICT, dt.date(2015, 9, 1),
     (_x(state="returned", to_school_id=9, reported_on=dt.date(2020, 9, 1), ends_on=dt.date(2023, 8, 31)),),
     Condition("served_at_schools", "已有2所学校工作经历且每所满3年（甲校9年、93年），暂不纳入交流范围", "exempt")),
    ("a policy asking for 3 schools: 2 are not enough", {**DISTRICT, "exempt_after_schools": 3}, dt.date(2015, 9, 1),
     (_x(state="returned", reported_on=dt.date(2020, 9, 1), ends_on=dt.date(2023, 8, 31)),), None),
    ("no such rule", {"exempt_after_schools": None, "exempt_after_school_years": 3}, dt.date(2015, 9, 1),
     (_x(state="returned", reported_on=dt.date(2020, 8, 31), ends_on=dt.date(2023, 8, 31)),), None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("case", "policy", "started", "exchanges", "condition"), SERVED_AT, ids=[c[0] for c in SERVED_AT]
)
def test_schools_served_at(case, policy, started, exchanges, condition):
    history = TeacherHistory(year=YEAR, school_id=1, exchanges=exchanges, school_names=NAMES)
    assert served_at_schools(history, policy, Y_CUTOFF, started) == condition


# Seed 002 方案1: "在山区、丘陵地区农村学校任教满9年或在条件更为艰苦的边远农村学校、教学点任教满6年的
# 教师，自愿继续留校任教的，应尊重本人意愿，视为具有交流经历": 满 includes the number; a remote school is a
# rural school too (its own number if the policy has one, else the rural one).
DATONG_RURAL = {"rural_years_count_as_exchange": 9, "remote_years_count_as_exchange": 6}
RURAL = [
    ("rural, exactly 9", "rural", DATONG_RURAL, 9,
     Condition("rural_service", "在农村学校任教9年，已满9年，视为具有交流经历，尊重本人意愿可继续留校任教", "exempt")),
    ("rural, 8", "rural", DATONG_RURAL, 8, None),
    ("remote, exactly 6", "remote", DATONG_RURAL, 6,
     Condition("rural_service", "在山区海岛学校任教6年，已满6年，视为具有交流经历，尊重本人意愿可继续留校任教", "exempt")),
    ("remote, 5", "remote", DATONG_RURAL, 5, None),
    ("remote without its own number: the rural one, 9", "remote", {"rural_years_count_as_exchange": 9}, 9,
     Condition("rural_service", "在山区海岛学校任教9年，已满9年，视为具有交流经历，尊重本人意愿可继续留校任教", "exempt")),
    ("remote without its own number, 8", "remote", {"rural_years_count_as_exchange": 9}, 8, None),
    ("rural with only a remote number", "rural", {"remote_years_count_as_exchange": 6}, 20, None),
    ("a town school", "town", DATONG_RURAL, 20, None),
    ("an urban school", "urban", DATONG_RURAL, 20, None),
    ("no such rule", "remote", {}, 20, None),
]  # fmt: skip


@pytest.mark.parametrize(("case", "locality", "policy", "years", "condition"), RURAL, ids=[c[0] for c in RURAL])
def test_rural_years_count_as_exchange(case, locality, policy, years, condition):
    assert rural_service(TeacherHistory(year=YEAR, locality=locality), policy, years) == condition


def test_the_record_s_conditions_final_ones_last():
    history = TeacherHistory(
        year=YEAR,
        locality="rural",
        exemptions=(ExemptionFact(2027, "pregnancy", True),),
        exchanges=(_x(state="placed", reported_on=None),),
    )
    policy = {**DISTRICT, **DATONG_RURAL}
    due = record_conditions(dt.date(2015, 9, 1), history, policy, Y_CUTOFF, 13, True)
    assert [c.name for c in due] == ["exemption_expired", "rural_service", "on_exchange"]
    # the exemptions of the record are said only of a teacher otherwise due
    assert [c.name for c in record_conditions(dt.date(2015, 9, 1), history, policy, Y_CUTOFF, 13, False)] == [
        "exemption_expired",
        "on_exchange",
    ]
    assert record_conditions(dt.date(2015, 9, 1), None, policy, Y_CUTOFF, 13, True) == []


def test_a_teacher_held_elsewhere_is_not_listed_whatever_else_holds():
    history = TeacherHistory(
        year=YEAR,
        exemptions=(ExemptionFact(2028, "illness", False),),
        exchanges=(_x(state="left", reported_on=None, ended_on=dt.date(2027, 9, 16)),),
    )
    item = assess(T(), preset("changzhou"), Y_CUTOFF, history)
    assert (item.status, item.exemption_pending, item.held) == (
        "not_eligible",
        True,
        "已按自动离职处理（2027年9月16日，逾期未到岗）",
    )
    assert item.text.endswith(
        "；已申请暂不交流（患病不能正常工作），待教育局审核；已按自动离职处理（2027年9月16日，逾期未到岗）"
    )


# -- the exchange's rules, with the defaults of a policy written before they existed -----------------
# Seed 000 海口中心学校: "超过一周拒不到岗的…批评教育；超过半个月时间拒不到岗的，按自动离职处理" — 超过 is
# strict (7 and 15 days late are not yet over); 003 六.2 "优秀等次比例不超过15%"; 000 篇二 "三年内不得晋升
# 职称、不予评先评优"; 000 篇一 "延长时间不超过三年"; 000 篇四 "轮岗交流须同时调整人事关系".
@pytest.mark.parametrize(
    ("policy", "late", "warn", "leave"),
    [({}, 7, False, False), ({}, 8, True, False), ({}, 15, True, False), ({}, 16, True, True),
     ({"no_show_warning_days": 3, "no_show_leaving_days": 10}, 3, False, False),
     ({"no_show_warning_days": 3, "no_show_leaving_days": 10}, 4, True, False),
     ({"no_show_warning_days": 3, "no_show_leaving_days": 10}, 10, True, False),
     ({"no_show_warning_days": 3, "no_show_leaving_days": 10}, 11, True, True)],
)  # fmt: skip
def test_no_show_stages_by_default_and_by_policy(policy, late, warn, leave):
    assert (may_warn(policy, late), may_treat_as_leaving(policy, late)) == (warn, leave)


@pytest.mark.parametrize(("teachers", "cap"), [(6, 0), (7, 1), (19, 2), (20, 3)])
def test_the_excellent_cap_defaults_to_fifteen_percent(teachers, cap):
    assert excellent_cap({}, teachers) == cap


@pytest.mark.parametrize(
    ("policy", "decided", "last"),
    [({}, dt.date(2027, 8, 25), dt.date(2030, 8, 24)), ({"refusal_bar_years": 2}, dt.date(2027, 8, 25), dt.date(2029, 8, 24))],
)  # fmt: skip
def test_the_refusal_bar_defaults_to_three_years(policy, decided, last):
    assert bar_end(decided, policy) == last


@pytest.mark.parametrize(
    ("policy", "already", "more", "allowed"),
    [({}, 0, 3, True), ({}, 1, 3, False), ({}, 2, 1, True), ({}, 0, 1, True), ({}, 0, 0, False), ({}, 0, -1, False),
     ({"max_extension_years": 1}, 0, 1, True), ({"max_extension_years": 1}, 0, 2, False), ({"max_extension_years": 1}, 1, 1, False)],
)  # fmt: skip
def test_extensions_by_default_and_by_policy(policy, already, more, allowed):
    assert extension_allowed(policy, already, more) is allowed


@pytest.mark.parametrize(
    ("policy", "kind", "moves"),
    [({}, "full_time", True), ({}, "part_time", False), ({"personnel_relation": "stays"}, "full_time", False),
     ({"personnel_relation": "moves"}, "group", True)],
)  # fmt: skip
def test_the_personnel_relation_moves_by_default(policy, kind, moves):
    assert moves_relation(policy, kind) is moves


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("2030—00007—k3p9xw", "2030-00007-K3P9XW"), ("\t2030 - 00007 - K3P9XW\n", "2030-00007-K3P9XW"),
     ("a" * 40, "A" * 32), ("a" * 31 + " b", "A" * 31 + "B")],
    ids=["em dashes", "spaces, tabs and newlines", "at most 32 characters", "spaces do not count"],
)  # fmt: skip
def test_a_typed_certificate_number_as_stored(typed, stored):
    assert normalise_certificate_number(typed) == stored


# -- quotas: the defaults and the second group ---------------------------------------------------------
# Seed 000 篇一 (Ganzhou) "取得中级及以上专业技术资格" and 002 方案1 (Datong) "中高级教师": intermediate and up.
@pytest.mark.parametrize(
    ("backbone", "title", "kind", "counts"),
    [(False, "senior", "backbone_or_intermediate", True), (False, "intermediate", "backbone_or_intermediate", True),
     (False, "full_senior", "backbone_or_intermediate", True), (False, "junior", "backbone_or_intermediate", False),
     (True, "none", "backbone_or_intermediate", True), (False, "full_senior", "backbone", False), (True, "none", "backbone", True)],
)  # fmt: skip
def test_who_counts_in_the_second_group(backbone, title, kind, counts):
    assert in_quota_group(backbone, title, kind) is counts


# Seed 000 篇四 (Changzhou) "为本次应交流对象的15%" (half up); 000 篇三 (Dalian) "其中骨干教师交流轮岗应不低于
# 交流总数的20%" (a share of those going, rounded up). A policy written before a setting existed reads
# its default: rounding half up, the group measured against those going.
@pytest.mark.parametrize(
    ("policy", "rate", "eligible", "group", "numbers"),
    [
        ({"group_rate": 0.2}, 0.15, 30, 10, (5, 1)),  # 4.5 -> 5 (half up); 20% of 5 going = 1
        ({"group_rate": 0.2}, 0.15, 29, 10, (4, 1)),  # 4.35 -> 4; 0.8 -> 1 (rounded up)
        ({"group_rate": 0.2, "rounding": "ceil"}, 0.15, 29, 10, (5, 1)),  # 4.35 -> 5
        ({"group_rate": 0.2, "group_base": "going"}, 0.15, 30, 10, (5, 1)),
        ({"group_rate": 0.2, "group_base": "eligible_group"}, 0.15, 30, 10, (5, 2)),  # 20% of 10
        ({"group_rate": 0.25, "group_base": "eligible_group"}, 0.15, 30, 10, (5, 3)),  # 2.5 -> 3 (half up)
        ({"group_rate": 0.25, "group_base": "eligible_group", "rounding": "floor"}, 0.15, 30, 10, (4, 2)),
        ({"group_rate": 0.2, "group_base": "eligible"}, 0.15, 30, 10, (6, 6)),  # 20% of 30 = 6 > 5 going
        ({"group_rate": 0.21, "group_base": "eligible"}, 0.15, 30, 10, (7, 7)),  # 6.3 -> 7 (rounded up)
        ({"group_rate": 0.2, "group_base": "eligible"}, 0.15, 30, 4, (5, 4)),  # never more than the group has
        ({"group_rate": 0.2, "group_base": "eligible"}, None, 30, 10, (None, 6)),
        ({"group_rate": 0.2}, None, 30, 10, (None, 0)),  # a share of those going, and no number going
        ({"group_rate": 0}, 0.15, 30, 10, (5, 0)),
        ({}, 0.15, 30, 10, (5, 0)),
    ],
)
def test_quota_defaults_and_group_bases(policy, rate, eligible, group, numbers):
    assert quota_numbers(policy, rate, eligible, group) == numbers


# -- the notice period ----------------------------------------------------------------------------------
# rounds/calendar.py: "No seed names a length; five working days is the common practice of Chinese
# public notices" — the first day counts when it is a working day; weekends are skipped.
NOTICES = [
    ("Monday to Friday", dt.date(2027, 7, 5), None, dt.date(2027, 7, 9)),
    ("Wednesday to the next Tuesday", dt.date(2027, 7, 7), None, dt.date(2027, 7, 13)),
    ("Friday to the next Thursday", dt.date(2027, 7, 9), None, dt.date(2027, 7, 15)),
    ("Saturday: the first working day is Monday", dt.date(2027, 7, 10), None, dt.date(2027, 7, 16)),
    ("Sunday likewise", dt.date(2027, 7, 11), None, dt.date(2027, 7, 16)),
    ("one working day from a Friday: the Friday", dt.date(2027, 7, 9), 1, dt.date(2027, 7, 9)),
    ("one working day from a Saturday: the Monday", dt.date(2027, 7, 10), 1, dt.date(2027, 7, 12)),
    ("two working days from a Friday", dt.date(2027, 7, 9), 2, dt.date(2027, 7, 12)),
    ("ten working days from a Monday", dt.date(2027, 7, 5), 10, dt.date(2027, 7, 16)),
]


@pytest.mark.parametrize(("case", "starts", "days", "ends"), NOTICES, ids=[c[0] for c in NOTICES])
def test_a_notice_lasts_five_working_days(case, starts, days, ends):
    assert NOTICE_WORKING_DAYS == 5
    assert (notice_ends(starts) if days is None else notice_ends(starts, days)) == ends
