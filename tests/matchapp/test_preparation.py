"""Before the fair: eligibility with reasons, quotas, the ordering rule, votes, posts, checks.

Numbers are the Changzhou preset's (seed 000 篇四, seed 002 方案15): 6 years at the school,
at least 5 years to retirement, 15% of the eligible go out.
"""

import datetime as dt

import pytest

from matchapp.core.clock import full_years
from matchapp.extensions import db
from matchapp.preparation.checks import policy_checks
from matchapp.preparation.eligibility import ordering_key
from matchapp.preparation.lists import assess_teacher
from matchapp.preparation.models import Outgoing
from matchapp.preparation.outgoing import (
    PreparationError,
    apply_ordering_rule,
    decide_exemption,
    record_vote,
    set_exemption,
    submit_outgoing,
    volunteer,
    withdraw,
)
from matchapp.preparation.posts import propose_posts, supply_and_demand
from matchapp.preparation.quotas import school_quota
from matchapp.rounds.calendar import cutoff_date
from tests.factories import gen_round, gen_school, gen_teacher

CUTOFF = dt.date(2027, 8, 31)


def test_full_years_counts_anniversaries():
    assert full_years(dt.date(2021, 9, 1), dt.date(2027, 8, 31)) == 5
    assert full_years(dt.date(2021, 8, 31), dt.date(2027, 8, 31)) == 6
    assert full_years(dt.date(2028, 1, 1), dt.date(2027, 8, 31)) == 0


def test_changzhou_six_years_and_five_to_retirement(app):
    round_ = gen_round(2027)
    assert cutoff_date(round_) == CUTOFF
    school = gen_school()
    seven = gen_teacher(school, started_at_school=dt.date(2020, 8, 1), birth_date=dt.date(1971, 5, 1), gender="F")
    item = assess_teacher(seven, round_)
    # Born 1971-05 (female, retires at 55 in 2026-05) -> already past retirement age: not eligible.
    assert not item.eligible and "距法定退休0年，不足5年" in item.text
    young = gen_teacher(school, started_at_school=dt.date(2020, 8, 1), birth_date=dt.date(1984, 5, 1), gender="F")
    item = assess_teacher(young, round_)
    assert item.eligible
    assert item.text == "在本校连续任教7年，已满6年；距法定退休11年"
    short = gen_teacher(school, started_at_school=dt.date(2022, 9, 1), birth_date=dt.date(1990, 1, 1))
    assert assess_teacher(short, round_).text.startswith("在本校连续任教4年，未满6年")
    near = gen_teacher(school, started_at_school=dt.date(2010, 9, 1), birth_date=dt.date(1968, 1, 1), gender="M")
    item = assess_teacher(near, round_)  # retires at 60 on 2028-01-01: 0 full years after the cutoff
    assert not item.eligible and "不足5年" in item.text


def test_age_caps_of_the_datong_preset(app):
    round_ = gen_round(2027, "datong")  # 男50/女45 at 6-30
    school = gen_school()
    man = gen_teacher(school, gender="M", birth_date=dt.date(1976, 6, 30), started_at_school=dt.date(2010, 9, 1))
    item = assess_teacher(man, round_)
    assert not item.eligible and "年龄51岁，超过男教师50周岁的上限" in item.text
    woman = gen_teacher(school, gender="F", birth_date=dt.date(1983, 7, 1), started_at_school=dt.date(2010, 9, 1))
    assert assess_teacher(woman, round_).eligible  # 43 at the cutoff


def test_exemption_needs_the_bureaus_approval(app):
    round_ = gen_round()
    teacher = gen_teacher(started_at_school=dt.date(2010, 9, 1), birth_date=dt.date(1988, 1, 1))
    set_exemption(round_, teacher, "pregnancy", "预产期2027年10月")
    item = assess_teacher(teacher, round_)
    assert item.eligible and item.exemption_pending and "待教育局审核" in item.text
    decide_exemption(round_, teacher, approve=True)
    item = assess_teacher(teacher, round_)
    assert item.status == "exempt" and "暂不交流：孕期（教育局已审核）" in item.text
    with pytest.raises(PreparationError):
        set_exemption(round_, teacher, "illness", "  ")


def _staff(school, n, **overrides):
    return [
        gen_teacher(
            school,
            started_at_school=dt.date(2010 + (k % 10), 9, 1),
            birth_date=dt.date(1980, 1, 1 + k % 27),
            **overrides,
        )
        for k in range(n)
    ]


def test_quota_is_fifteen_percent_of_the_eligible_rounded_half_up(app):
    round_ = gen_round()
    school = gen_school()
    _staff(school, 20)  # started 2010-2019 -> the 2020+ do not exist here, all have >= 7 years
    gen_teacher(school, started_at_school=dt.date(2024, 9, 1))  # not eligible
    quota = school_quota(round_, school)
    assert (quota.eligible, quota.quota) == (20, 3)  # 15% of 20 = 3
    _staff(school, 10)
    assert school_quota(round_, school).quota == 5  # 15% of 30 = 4.5 -> 5 (四舍五入)
    round_.policy = {**round_.policy, "rounding": "floor"}
    assert school_quota(round_, school).quota == 4


def test_backbone_quota_changzhou_and_share_rule(app):
    round_ = gen_round()
    school = gen_school()
    _staff(school, 14, backbone=True)
    _staff(school, 26)
    quota = school_quota(round_, school)
    assert (quota.eligible, quota.group_eligible, quota.quota, quota.group_quota) == (40, 14, 6, 2)
    round_.policy = {**round_.policy, "group_base": "going", "group_rate": 0.20}
    assert school_quota(round_, school).group_quota == 2  # ceil(20% of 6)


def test_ordering_rule_service_then_title_then_retirement(app):
    round_ = gen_round()
    school = gen_school()
    a = gen_teacher(
        school, name="甲", started_at_school=dt.date(2008, 9, 1), title="intermediate", title_date=dt.date(2015, 1, 1)
    )
    b = gen_teacher(
        school, name="乙", started_at_school=dt.date(2008, 9, 1), title="senior", title_date=dt.date(2012, 1, 1)
    )
    c = gen_teacher(
        school,
        name="丙",
        started_at_school=dt.date(2008, 9, 1),
        title="senior",
        title_date=dt.date(2012, 1, 1),
        birth_date=dt.date(1975, 1, 1),
    )
    d = gen_teacher(school, name="丁", started_at_school=dt.date(2005, 9, 1), title="junior")
    order = sorted((assess_teacher(t, round_) for t in (a, b, c, d)), key=ordering_key)
    assert [x.teacher.name for x in order] == ["丁", "丙", "乙", "甲"]


def test_too_few_volunteers_the_rule_fills_the_quota(app):
    round_ = gen_round()
    school = gen_school()
    staff = _staff(school, 20)
    volunteer(round_, staff[5])
    final = apply_ordering_rule(round_, school)
    assert len(final) == 3
    assert staff[5].id in {o.teacher_id for o in final}
    added = [o for o in final if o.how == "rule"]
    assert len(added) == 2 and all(o.note.startswith("按排序规则确定") for o in added)
    # The two added are the longest-serving ones.
    earliest = sorted(staff, key=lambda t: (t.started_at_school, t.staff_no))
    assert {o.teacher_id for o in added} <= {t.id for t in earliest[:4]}


def test_too_many_volunteers_the_rule_picks_among_them(app):
    round_ = gen_round()
    school = gen_school()
    staff = _staff(school, 20)
    for t in staff[:6]:
        volunteer(round_, t)
    final = apply_ordering_rule(round_, school)
    assert len(final) == 3 and all(o.how == "volunteer" for o in final)
    left_out = [o for o in db.session.query(Outgoing).all() if not o.confirmed]
    assert len(left_out) == 3 and all("未入选" in o.note for o in left_out)


def test_panel_vote_needs_more_than_two_thirds(app):
    round_ = gen_round()
    school = gen_school()
    t1, t2 = _staff(school, 2)
    assert not record_vote(round_, t1, members=9, yes=6).confirmed  # exactly 2/3 is not more
    assert record_vote(round_, t2, members=9, yes=7).confirmed
    assert "赞成7票，超过三分之二，当选" in record_vote(round_, t2, members=9, yes=7).note
    with pytest.raises(PreparationError):
        record_vote(round_, t1, members=5, yes=6)


def test_non_eligible_teacher_may_volunteer_and_withdraw(app):
    round_ = gen_round()
    newcomer = gen_teacher(started_at_school=dt.date(2025, 9, 1))
    assert not assess_teacher(newcomer, round_).eligible
    volunteer(round_, newcomer)
    with pytest.raises(PreparationError, match="已在本年度流出名单中"):
        volunteer(round_, newcomer)
    withdraw(round_, newcomer)
    assert db.session.query(Outgoing).count() == 0


def test_deadline_and_submission_are_enforced_by_the_server(app):
    round_ = gen_round(lists_due=dt.date(2027, 6, 30))
    school = gen_school()
    teacher = _staff(school, 1)[0]
    with pytest.raises(PreparationError, match="截止"):
        volunteer(round_, teacher, today=dt.date(2027, 7, 1))
    volunteer(round_, teacher, today=dt.date(2027, 6, 30))
    submit_outgoing(round_, school, now=dt.datetime(2027, 6, 29, 10))
    with pytest.raises(PreparationError, match="已报送"):
        withdraw(round_, teacher, today=dt.date(2027, 6, 29))


def test_posts_follow_the_outflow_and_mismatches_show(app):
    round_ = gen_round()
    a, b = gen_school(), gen_school()
    for t in _staff(a, 3, subject="math") + _staff(b, 1, subject="music"):
        db.session.add(Outgoing(round_id=round_.id, teacher_id=t.id, how="rule", confirmed=True))
    db.session.flush()
    assert propose_posts(round_) == 2
    balance = {row.subject: row for row in supply_and_demand(round_)}
    assert (balance["math"].supply, balance["math"].demand, balance["math"].gap) == (3, 3, 0)
    from matchapp.preparation.posts import set_seats

    set_seats(round_, a.id, "math", 1)
    assert {row.subject: row.gap for row in supply_and_demand(round_)}["math"] == -2


def test_policy_checks_flag_reverse_flow_and_leadership(app):
    # Changzhou's seed has no leadership cap (it used to inherit one): Ganzhou's 30% is set here.
    round_ = gen_round()
    round_.policy = {**round_.policy, "leadership_cap": 0.30}
    strong = gen_school(tier="strong", leadership_size=5)
    weak = gen_school(tier="weak", leadership_size=5)
    for t in _staff(weak, 2, backbone=True, leadership_role="副校长"):
        db.session.add(Outgoing(round_id=round_.id, teacher_id=t.id, how="rule", confirmed=True))
    db.session.flush()
    levels = {w.message: w.level for w in policy_checks(round_)}
    messages = list(levels)
    reverse = next(m for m in messages if m.startswith("骨干教师逆交流预测"))
    assert levels[reverse] == "warn" and "优质学校流出骨干0人" in reverse
    leadership = next(m for m in messages if m.startswith("领导班子"))
    assert levels[leadership] == "warn" and weak.name in leadership and strong.name not in leadership
