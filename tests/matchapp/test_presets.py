"""Each preset against its own seed, at the boundaries people dispute: exactly N years at the
school, exactly the age cap, exactly 5 years to retirement, and an anniversary or birthday one day
before and one day after the preset's cutoff date. Pure rules, no database.

Every table quotes the passage it implements. "以上/以下" include the number (民法典 第一千二百五十九
条: "以上、以下、以内、届满，包括本数"): "及以下" keeps the cap's age due, "…以上不作为对象" does not.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import partial

import pytest

from matchapp.preparation.eligibility import assess
from matchapp.preparation.rules import quota_numbers, quota_rate
from matchapp.rounds.calendar import cutoff_date
from matchapp.rounds.policy import PRESETS, SETTING, check_policy, preset
from tests.factories import TeacherRecord

#: a woman born in 1990, at the school since 2010, intermediate title since 2015
T = partial(
    TeacherRecord, birth_date=dt.date(1990, 3, 1), started_at_school=dt.date(2010, 9, 1), title_date=dt.date(2015, 9, 1)
)


@dataclass
class R:
    year: int
    policy: dict


def _cutoff(name: str) -> dt.date:
    return cutoff_date(R(2027, preset(name)))


def _check(name, gender, born, started, due):
    usual = T()
    teacher = T(
        gender=gender, birth_date=born or usual.birth_date, started_at_school=started or usual.started_at_school
    )
    item = assess(teacher, preset(name), _cutoff(name))
    assert item.eligible is due, item.text
    return item


# -- 常州 (seed 000 篇四): "原则上为距法定退休年龄满5年的、在一所学校工作满6年的专任教师" -------------
# Cutoff 8-31 (the seed names none). A woman retires at 55, a man at 60.
CHANGZHOU = [
    ("exactly 6 years: the anniversary is the cutoff", "F", None, dt.date(2021, 8, 31), True),
    ("the 6th anniversary one day after the cutoff", "F", None, dt.date(2021, 9, 1), False),
    ("the 6th anniversary one day before the cutoff", "F", None, dt.date(2021, 8, 30), True),
    ("exactly 5 years to retirement (a woman of 50)", "F", dt.date(1977, 8, 31), None, True),
    ("retirement 5 years after the day after the cutoff", "F", dt.date(1977, 9, 1), None, True),
    ("5 years less a day to retirement", "F", dt.date(1977, 8, 30), None, False),
    ("a man exactly 5 years from 60", "M", dt.date(1972, 8, 31), None, True),
    ("a man a day less than 5 years from 60", "M", dt.date(1972, 8, 30), None, False),
    ("no age cap: a woman of 49", "F", dt.date(1978, 1, 1), None, True),
]


@pytest.mark.parametrize(("case", "gender", "born", "started", "due"), CHANGZHOU, ids=[c[0] for c in CHANGZHOU])
def test_changzhou(case, gender, born, started, due):
    _check("changzhou", gender, born, started, due)


# -- 赣州章贡区 (seed 000 篇一): "在同一学校连续任教满20xx年的专任教师均应交流" (6 chosen: the number is
# lost) and "距法定退休年龄不足5年的校长教师" 可暂不参加. Cutoff 8-31 (the seed names none).
GANZHOU = [
    ("exactly 6 years", "F", None, dt.date(2021, 8, 31), True),
    ("6 years less a day", "F", None, dt.date(2021, 9, 1), False),
    ("exactly 5 years to retirement", "F", dt.date(1977, 8, 31), None, True),
    ("less than 5 years (不足5年)", "F", dt.date(1977, 8, 30), None, False),
    ("a man of 55 with 5 years left", "M", dt.date(1972, 8, 31), None, True),
]


@pytest.mark.parametrize(("case", "gender", "born", "started", "due"), GANZHOU, ids=[c[0] for c in GANZHOU])
def test_ganzhou(case, gender, born, started, due):
    _check("ganzhou", gender, born, started, due)


# -- 大连 (seed 000 篇三): "在同一所学校任教满9年及以上的教师（男55周岁及以下，女50周岁及以下）必须
# 交流轮岗" — no years-to-retirement rule (the old preset inherited Changzhou's and cut women of 50).
DALIAN = [
    ("exactly 9 years", "F", None, dt.date(2018, 8, 31), True),
    ("9 years less a day", "F", None, dt.date(2018, 9, 1), False),
    ("a man of exactly 55 at the cutoff (及以下)", "M", dt.date(1972, 8, 31), None, True),
    ("a man who turns 56 the day after the cutoff", "M", dt.date(1971, 9, 1), None, True),
    ("a man who turns 56 on the cutoff", "M", dt.date(1971, 8, 31), None, False),
    ("a woman of exactly 50", "F", dt.date(1977, 8, 31), None, True),
    ("a woman of 50 with 4 years to retirement: no 5-year rule", "F", dt.date(1977, 3, 1), None, True),
    ("a woman who turns 51 the day after the cutoff", "F", dt.date(1976, 9, 1), None, True),
    ("a woman who turns 51 on the cutoff", "F", dt.date(1976, 8, 31), None, False),
]


@pytest.mark.parametrize(("case", "gender", "born", "started", "due"), DALIAN, ids=[c[0] for c in DALIAN])
def test_dalian(case, gender, born, started, due):
    _check("dalian", gender, born, started, due)


# -- 大同 (seed 002 方案1): "凡男50周岁、女45周岁及以下，…在同一所学校连续任教满6年及以上…的专任教师
# 为应交流对象". Cutoff 8-31 (the seed names none).
DATONG = [
    ("exactly 6 years", "M", dt.date(1985, 1, 1), dt.date(2021, 8, 31), True),
    ("6 years less a day", "M", dt.date(1985, 1, 1), dt.date(2021, 9, 1), False),
    ("a man of exactly 50", "M", dt.date(1977, 8, 31), None, True),
    ("a man who turns 51 the day after the cutoff", "M", dt.date(1976, 9, 1), None, True),
    ("a man who turns 51 on the cutoff", "M", dt.date(1976, 8, 31), None, False),
    ("a woman of exactly 45", "F", dt.date(1982, 8, 31), None, True),
    ("a woman who turns 46 on the cutoff", "F", dt.date(1981, 8, 31), None, False),
]


@pytest.mark.parametrize(("case", "gender", "born", "started", "due"), DATONG, ids=[c[0] for c in DATONG])
def test_datong(case, gender, born, started, due):
    _check("datong", gender, born, started, due)


# -- a district (seed 001, third plan): "凡男50周岁、女45周岁以下（年龄计算至当年6月30日），且在同一
# 所学校连续任教6年的，原则上应该交流" — "以下" includes the number.
DISTRICT = [
    ("exactly 6 years at 6-30", "F", dt.date(1990, 1, 1), dt.date(2021, 6, 30), True),
    ("the 6th anniversary the day after 6-30", "F", dt.date(1990, 1, 1), dt.date(2021, 7, 1), False),
    ("a man of exactly 50 on 6-30", "M", dt.date(1977, 6, 30), None, True),
    ("a man who turns 51 on 7-1", "M", dt.date(1976, 7, 1), None, True),
    ("a man who turns 51 on 6-30", "M", dt.date(1976, 6, 30), None, False),
    ("a woman of exactly 45", "F", dt.date(1982, 6, 30), None, True),
    ("a woman who turns 46 on 6-30", "F", dt.date(1981, 6, 30), None, False),
]


@pytest.mark.parametrize(("case", "gender", "born", "started", "due"), DISTRICT, ids=[c[0] for c in DISTRICT])
def test_district(case, gender, born, started, due):
    _check("district", gender, born, started, due)


# -- 大观区海口中心学校 (seed 000): "在现任教学校服务已满3年的专任教师，均为轮岗对象。其中下列人员不
# 作为轮岗交流对象：1、年龄男55周岁以上，女50周岁以上的专任教师" — "以上" includes the number: a man
# of exactly 55 is not due. Cutoff 8-31 ("计算时间按20xx年8月执行").
HAIKOU = [
    ("exactly 3 years", "F", dt.date(1990, 1, 1), dt.date(2024, 8, 31), True),
    ("3 years less a day", "F", dt.date(1990, 1, 1), dt.date(2024, 9, 1), False),
    ("a man who turns 55 on the cutoff (以上 includes 55)", "M", dt.date(1972, 8, 31), None, False),
    ("a man who turns 55 the day after the cutoff", "M", dt.date(1972, 9, 1), None, True),
    ("a woman who turns 50 on the cutoff", "F", dt.date(1977, 8, 31), None, False),
    ("a woman who turns 50 the day after the cutoff", "F", dt.date(1977, 9, 1), None, True),
]


@pytest.mark.parametrize(("case", "gender", "born", "started", "due"), HAIKOU, ids=[c[0] for c in HAIKOU])
def test_haikou(case, gender, born, started, due):
    item = _check("haikou", gender, born, started, due)
    if started is None and not due:
        assert "不作为对象" in item.text


# -- quotas per preset: (tier, locality, due, due in the group) -> (quota, group quota) -------------
QUOTAS = [
    # 000 篇四 "为本次应交流对象的15%" (四舍五入), "具有市新秀及以上专业荣誉的专任教师的15%"
    ("changzhou", "ordinary", "urban", 20, 14, (3, 2)),
    ("changzhou", "strong", "urban", 30, 10, (5, 2)),  # 4.5 -> 5; 1.5 -> 2
    # 000 篇一 "不低于…20%"; the group (优秀教师, 中级及以上) "不低于交流总数的20%"
    ("ganzhou", "ordinary", "rural", 20, 10, (4, 1)),
    ("ganzhou", "ordinary", "rural", 26, 10, (6, 2)),  # 5.2 -> 6 (不低于); 1.2 -> 2
    # 000 篇三 "城镇学校或优质学校…15%，一般学校…10%"; "骨干教师…不低于交流总数的20%"
    ("dalian", "ordinary", "rural", 20, 5, (2, 1)),
    ("dalian", "ordinary", "urban", 20, 5, (3, 1)),  # urban, not strong: 15%
    ("dalian", "strong", "rural", 21, 5, (4, 1)),  # strong, not urban: 3.15 -> 4
    # 002 方案1 10% "以上"; the group "达到应交流对象总数的20%以上"
    ("datong", "ordinary", "rural", 20, 15, (4, 4)),
    # 001 "不低于…10%", "骨干教师…不低于交流教师总数的20%"
    ("district", "ordinary", "urban", 20, 5, (2, 1)),
    # 海口中心学校: no share at all
    ("haikou", "strong", "urban", 20, 5, (None, 0)),
]


@pytest.mark.parametrize(("name", "tier", "locality", "due", "group", "numbers"), QUOTAS)
def test_quotas_of_each_preset(name, tier, locality, due, group, numbers):
    policy = preset(name)
    assert quota_numbers(policy, quota_rate(policy, tier, locality), due, group) == numbers


# -- each preset states every setting, and only valid ones ----------------------------------------


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_each_preset_states_every_setting_itself(name):
    from matchapp.rounds.policy import _PRESET_SOURCES, EXCHANGE_DEFAULTS

    # every setting of the policy page with the seed passage (or the choice) it comes from …
    assert set(_PRESET_SOURCES[name]) == set(SETTING), "a preset must state every setting (nothing inherited)"
    # … and the exchange's settings (exchanges/: reporting, assessment, terms, the record's rules)
    assert set(PRESETS[name]) == set(SETTING) | set(EXCHANGE_DEFAULTS)
    assert check_policy(PRESETS[name]) == {}


def test_only_changzhou_and_ganzhou_have_the_five_years_to_retirement_rule():
    with_rule = {name for name, p in PRESETS.items() if p["min_years_to_retirement"] is not None}
    assert with_rule == {"changzhou", "ganzhou"}
