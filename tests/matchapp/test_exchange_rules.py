"""The exchange's rules and the record's eligibility conditions at their exact boundaries,
table-driven, each table quoting the seed passage it implements (issue 12, issue 13 item 12).

Pure rules: no database (the mutation run of bench/README.md can run this file too).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from matchapp import create_app
from matchapp.exchanges.rules import (
    bar_end,
    certificate_number,
    days_late,
    excellent_cap,
    extension_allowed,
    may_treat_as_leaving,
    may_warn,
    moves_relation,
    normalise_certificate_number,
    school_year_of,
)
from matchapp.preparation.eligibility import assess
from matchapp.preparation.history import (
    ExchangeFact,
    ExemptionFact,
    TeacherHistory,
    deferral_limit,
    school_years,
    served_years,
)
from matchapp.rounds.calendar import term_ends, term_years
from matchapp.rounds.policy import EXCHANGE_SETTINGS, preset
from tests.factories import TeacherRecord

CUTOFF = dt.date(2028, 8, 31)


@pytest.fixture(scope="module")
def _app():
    return create_app({"MATCHAPP_ENV": "testing", "TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})


@pytest.fixture(autouse=True)
def _words(_app):
    """Reasons are written in words with the bureau's date format: an application, no database."""
    with _app.test_request_context():
        yield


@dataclass
class R:
    year: int
    policy: dict


# -- 优秀 at most 15% per school -------------------------------------------------------------------
# Seed 003 六.2: "交流教师学年度考核结果分为优秀、合格、基本合格、不合格四个等次，其中优秀等次比例不超过15%".
# "不超过" is a ceiling: the count is rounded down, in exact decimals (15% of 20 is exactly 3).


@pytest.mark.parametrize(
    ("share", "teachers", "cap"),
    [(0.15, 0, 0), (0.15, 6, 0), (0.15, 7, 1), (0.15, 13, 1), (0.15, 14, 2), (0.15, 19, 2), (0.15, 20, 3),
     (0.15, 100, 15), (0.2, 5, 1), (0.1, 9, 0), (0.1, 10, 1)],
)  # fmt: skip
def test_excellent_cap_rounds_down_exactly(share, teachers, cap):
    assert excellent_cap({"excellent_share": share}, teachers) == cap


# -- reporting late ---------------------------------------------------------------------------------
# Seed 000 大观区海口中心学校: "凡不服从组织调配，超过一周拒不到岗的…予以批评教育；超过半个月时间拒不到岗的，
# 按自动离职处理，上报教育局予以除名"; 篇五 the same with "予以告诫". 超过 is strict: 7 days late is not
# "超过一周", 15 days is not "超过半个月".


@pytest.mark.parametrize(
    ("decided_on", "late", "warn", "leave"),
    [
        (dt.date(2027, 8, 31), 0, False, False),  # the reporting day itself
        (dt.date(2027, 9, 7), 7, False, False),  # exactly a week
        (dt.date(2027, 9, 8), 8, True, False),
        (dt.date(2027, 9, 15), 15, True, False),  # exactly half a month
        (dt.date(2027, 9, 16), 16, True, True),
    ],
)
def test_no_show_stages(decided_on, late, warn, leave):
    policy = preset("changzhou")
    assert days_late(dt.date(2027, 8, 31), decided_on) == late
    assert (may_warn(policy, late), may_treat_as_leaving(policy, late)) == (warn, leave)


# -- refusal ----------------------------------------------------------------------------------------
# 000 篇二 "拒不服从者，三年内不得晋升职称、不予评先评优"; 003 六.5 "3年内不得参与评优评先": three years
# from the decision, the last day being the day before its third anniversary.


@pytest.mark.parametrize(
    ("decided", "years", "last_day"),
    [(dt.date(2027, 8, 25), 3, dt.date(2030, 8, 24)), (dt.date(2028, 2, 29), 3, dt.date(2031, 2, 27)),
     (dt.date(2027, 1, 1), 1, dt.date(2027, 12, 31))],
)  # fmt: skip
def test_refusal_bar_lasts_the_policys_years(decided, years, last_day):
    assert bar_end(decided, {"refusal_bar_years": years}) == last_day


# -- extension ---------------------------------------------------------------------------------------
# 000 篇一 "可适当申请延长交流任教时间，但延长时间不超过三年".


@pytest.mark.parametrize(
    ("already", "more", "allowed"),
    [(0, 1, True), (0, 3, True), (0, 4, False), (2, 1, True), (2, 2, False), (3, 1, False), (0, 0, False)],
)
def test_extensions_at_most_three_years_in_all(already, more, allowed):
    assert extension_allowed(preset("ganzhou"), already, more) is allowed


# -- the personnel relation and the kinds of exchange ---------------------------------------------------


@pytest.mark.parametrize(
    ("preset_name", "kind", "moves", "seed"),
    [
        ("changzhou", "full_time", True, "000 篇四 轮岗交流须同时调整人事关系"),
        ("ganzhou", "full_time", True, "000 篇一 人事关系随转"),
        ("dalian", "full_time", True, "000 篇三 人走关系动"),
        ("datong", "full_time", False, "002 方案1 is silent: kept at home (a choice)"),
        ("changzhou", "part_time", False, "004 兼职交流：在原任职学校保留部分教学任务"),
        ("changzhou", "research", False, "004 教研交流：不改变工作单位"),
        ("changzhou", "walking", False, "003 六.1 交流教师可兼课（走教）"),
        ("changzhou", "support", True, "支教: a full-time stay"),
    ],
)
def test_who_moves_the_personnel_relation(preset_name, kind, moves, seed):
    assert moves_relation(preset(preset_name), kind) is moves, seed


@pytest.mark.parametrize(
    ("kind", "years", "seed"),
    [
        ("full_time", 3, "000 篇一 时间每三年为一轮 (Changzhou's term_years)"),
        ("part_time", 1, "004 兼职交流…任期一般为1年"),
        ("research", 1, "004 教研交流 (no term given: one school year)"),
        ("walking", 1, "002 方案1 走教 (one school year, as 000 篇二 跨校兼课…原则上为一学年)"),
        ("support", 1, "支教 (one school year)"),
        ("paired", 3, "003 对口支援 (the round's term)"),
        ("group", 3, "000 篇三 教育集团内交流…期限不少于3年"),
        ("competition", 3, "003 五(三) 跨校竞聘一聘三年"),
    ],
)
def test_each_kind_has_its_term(kind, years, seed):
    round_ = R(2027, preset("changzhou"))
    assert term_years(round_, kind) == years, seed
    assert term_ends(round_, years) == dt.date(2027 + years, 8, 31)


def test_the_haikou_term_is_two_years():
    # 000 大观区海口中心学校 "到偏远地区学校轮岗交流任教时间为2年" (the preset once it exists: its settings here).
    assert EXCHANGE_SETTINGS["haikou"]["term_years"] == 2


@pytest.mark.parametrize(
    ("name", "key", "value", "seed"),
    [
        ("changzhou", "personnel_relation", "moves", "000 篇四 轮岗交流须同时调整人事关系"),
        ("ganzhou", "max_extension_years", 3, "000 篇一 延长时间不超过三年"),
        ("dalian", "signature_deferral_years", 3, "000 篇三 延长时间原则上不超过3年"),
        ("datong", "rural_years_count_as_exchange", 9, "002 方案1 农村学校任教满9年"),
        ("datong", "remote_years_count_as_exchange", 6, "002 方案1 边远农村学校、教学点任教满6年"),
        ("district", "personnel_relation", "stays", "001 交流任教期间不转人事关系"),
        ("district", "exempt_after_schools", 2, "001 已有2所以上学校的工作经历"),
        ("district", "exempt_after_school_years", 3, "001 每所学校工作时间均达到3年及以上"),
        ("district", "fail_voids_experience", True, "001 考核不合格的教师，其交流经历不予认定"),
        ("haikou", "no_show_leaving_days", 15, "000 海口 超过半个月时间拒不到岗的，按自动离职处理"),
    ],
)
def test_each_seed_sets_its_own_exchange_rules(name, key, value, seed):
    assert EXCHANGE_SETTINGS[name][key] == value, seed
    try:
        settings = preset(name)
    except KeyError:  # a preset another change adds: its exchange settings wait for it
        return
    assert settings[key] == value, seed


def test_a_preset_without_a_history_rule_does_not_apply_it():
    for name in ("changzhou", "ganzhou", "dalian"):
        settings = preset(name)
        assert settings["exempt_after_schools"] is None and settings["rural_years_count_as_exchange"] is None


# -- the record's conditions in eligibility ------------------------------------------------------------


def _exchange(**values) -> ExchangeFact:
    base = {
        "year": 2027,
        "kind": "full_time",
        "state": "serving",
        "from_school_id": 1,
        "to_school_id": 2,
        "to_school": "乙校",
        "reported_on": dt.date(2027, 8, 31),
        "ends_on": dt.date(2030, 8, 31),
    }
    return ExchangeFact(**{**base, **values})


def _history(**values) -> TeacherHistory:
    return TeacherHistory(**{"year": 2028, "school_id": 1, "school_names": {1: "甲校", 2: "乙校", 3: "丙校"}, **values})


@pytest.mark.parametrize(
    ("case", "exchange", "policy", "status"),
    [
        ("serving, the term runs past the cutoff", _exchange(), {}, "not_eligible"),
        ("placed, not reported yet", _exchange(state="placed", reported_on=None), {}, "not_eligible"),
        ("the term ends the day after the cutoff", _exchange(ends_on=CUTOFF + dt.timedelta(days=1)), {}, "not_eligible"),
        ("the term ends on the cutoff: over, count restarts", _exchange(ends_on=CUTOFF), {}, "not_eligible"),
        (
            "the term ends on the cutoff and its years count (003 六.1)",
            _exchange(ends_on=CUTOFF),
            {"exchange_counts_as_service": True},
            "eligible",
        ),
        ("returned earlier: the roster says the years", _exchange(state="returned", ends_on=dt.date(2027, 8, 31)), {}, "eligible"),
        ("refused: due again", _exchange(state="refused", reported_on=None), {}, "eligible"),
        ("treated as leaving", _exchange(state="left", reported_on=None, ended_on=dt.date(2027, 9, 16)), {}, "not_eligible"),
    ],
)  # fmt: skip
def test_a_current_exchange_holds_the_teacher(case, exchange, policy, status):
    item = assess(TeacherRecord(), {**preset("changzhou"), **policy}, CUTOFF, _history(exchanges=(exchange,)))
    assert item.status == status, case
    assert bool(item.held) == (status == "not_eligible"), case


@pytest.mark.parametrize(
    ("case", "exemptions", "status", "words"),
    [
        ("this year's, approved", (ExemptionFact(2028, "illness", True),), "exempt", "暂不交流：患病不能正常工作（教育局已审核）"),
        ("this year's, pending", (ExemptionFact(2028, "illness", False),), "eligible", "待教育局审核"),
        ("last year's: expired (一年一认定)", (ExemptionFact(2027, "pregnancy", True),), "eligible", "2027年度暂不交流（孕期）已到期"),
        ("a deferral ending the day after the cutoff", (ExemptionFact(2027, "signature_course", True, CUTOFF + dt.timedelta(days=1)),), "exempt", "暂缓交流至"),
        ("a deferral ending on the cutoff: over", (ExemptionFact(2027, "signature_course", True, CUTOFF),), "eligible", ""),
        ("a deferral never approved", (ExemptionFact(2027, "signature_course", False, dt.date(2030, 8, 31)),), "eligible", ""),
    ],
)  # fmt: skip
def test_exemptions_belong_to_their_year(case, exemptions, status, words):
    # Seed 000 篇一 "暂缓交流轮岗的教师一年一认定"; 000 篇三 特色课程领衔教师 "延长时间原则上不超过3年".
    item = assess(TeacherRecord(), preset("changzhou"), CUTOFF, _history(exemptions=exemptions))
    assert item.status == status, case
    assert words in item.text, case


@pytest.mark.parametrize(
    ("first_cutoff", "limit"),
    [(dt.date(2027, 8, 31), dt.date(2030, 8, 31)), (dt.date(2028, 2, 29), dt.date(2031, 2, 28))],
)
def test_a_deferral_ends_three_years_after_it_began_at_the_latest(first_cutoff, limit):
    assert deferral_limit(first_cutoff, preset("dalian")) == limit


# 001 (the district plan): "对于已有2所以上学校的工作经历，且每所学校工作时间均达到3年及以上的教师…可暂不纳入交流范围".
DISTRICT = {**preset("changzhou"), **EXCHANGE_SETTINGS["district"], "min_years_to_retirement": None}
TWO_SCHOOLS = [
    # (case, started at the current school, exchanges, status)
    (
        "home 12 years, then 3 whole years at another school",
        dt.date(2012, 9, 1),
        (_exchange(state="returned", reported_on=dt.date(2024, 9, 1), ends_on=dt.date(2027, 8, 31), home_started_at=dt.date(2012, 9, 1)),),
        "exempt",
    ),
    (
        "the other school one day short of 3 years",
        dt.date(2012, 9, 1),
        (_exchange(state="returned", reported_on=dt.date(2024, 9, 2), ends_on=dt.date(2027, 8, 31), home_started_at=dt.date(2012, 9, 1)),),
        "eligible",
    ),
    ("one school only", dt.date(2012, 9, 1), (), "eligible"),
    (
        "a research exchange keeps the unit: not a second school",
        dt.date(2012, 9, 1),
        (_exchange(kind="research", state="returned", reported_on=dt.date(2023, 8, 31), ends_on=dt.date(2027, 8, 31)),),
        "eligible",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("case", "started", "exchanges", "status"), TWO_SCHOOLS, ids=[c[0] for c in TWO_SCHOOLS])
def test_two_schools_three_years_each_exempt(case, started, exchanges, status):
    teacher = TeacherRecord(started_at_school=started)
    item = assess(teacher, DISTRICT, CUTOFF, _history(exchanges=exchanges))
    assert item.status == status, case
    if status == "exempt":
        assert "已有2所学校工作经历且每所满3年（甲校" in item.text


def test_school_years_subtract_the_time_away():
    # Kept at home (人事关系保留): the roster's start is the first day at home; the exchange is away time.
    history = _history(
        exchanges=(_exchange(state="returned", reported_on=dt.date(2023, 8, 31), ends_on=dt.date(2026, 8, 31)),)
    )
    years = school_years(dt.date(2015, 9, 1), history, CUTOFF)
    assert years == {1: 7 + 1, 2: 3}  # 2015-09-01 … 2023-08-31 (7), 2026-09-01 … 2028-08-31 (1)


# 002 方案1: "在山区、丘陵地区农村学校任教满9年或在条件更为艰苦的边远农村学校、教学点任教满6年的教师，
# 自愿继续留校任教的，应尊重本人意愿，视为具有交流经历".
RURAL = [
    ("rural, exactly 9 years", "rural", dt.date(2019, 8, 31), "exempt"),
    ("rural, one day short of 9", "rural", dt.date(2019, 9, 1), "eligible"),
    ("remote, exactly 6 years", "remote", dt.date(2022, 8, 31), "exempt"),
    ("remote, one day short of 6: not due anyway (Datong's 6 years)", "remote", dt.date(2022, 9, 1), "not_eligible"),
    ("a town school, 20 years", "town", dt.date(2008, 9, 1), "eligible"),
]


@pytest.mark.parametrize(("case", "locality", "started", "status"), RURAL, ids=[c[0] for c in RURAL])
def test_rural_years_count_as_exchange(case, locality, started, status):
    datong = {**preset("datong"), "age_cap_female": None}
    item = assess(TeacherRecord(started_at_school=started), datong, CUTOFF, _history(locality=locality))
    assert item.status == status, case
    if status == "exempt":
        assert "视为具有交流经历" in item.text


def test_served_years_count_whole_school_years():
    fact = _exchange(reported_on=dt.date(2027, 9, 1), ends_on=dt.date(2030, 8, 31))
    assert served_years(fact, dt.date(2030, 8, 31)) == 2  # the last day is not over yet
    assert served_years(fact, dt.date(2030, 9, 1)) == 3
    assert served_years(_exchange(state="placed", reported_on=None), dt.date(2030, 9, 1)) == 0


@pytest.mark.parametrize(
    ("day", "school_year"), [(dt.date(2027, 8, 31), 2026), (dt.date(2027, 9, 1), 2027), (dt.date(2028, 6, 30), 2027)]
)
def test_school_years_start_in_september(day, school_year):
    assert school_year_of(day) == school_year


# -- the certificate number, typed by anyone on the public page ------------------------------------------


def test_certificate_numbers_are_unique_per_exchange_and_carry_a_code():
    a, b = certificate_number(2030, 7), certificate_number(2030, 7)
    assert a[:11] == "2030-00007-" and len(a) == 17 and a != b  # the codes differ
    assert normalise_certificate_number(" 2030－00007－k3p9xw ") == "2030-00007-K3P9XW"


@given(st.text(max_size=200))
def test_any_typed_number_normalises_without_failing(text):
    number = normalise_certificate_number(text)
    assert len(number) <= 32 and number == number.upper() and not any(c.isspace() for c in number)
    assert normalise_certificate_number(number) == number
