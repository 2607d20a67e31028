"""Who may be on an outgoing list, and how school leaders are placed.

- A confirmed list holds only teachers who are due (应交流对象), volunteers (seed 000 篇一 "不属于
  交流轮岗对象但…个人有意愿流动的…经学校和教育局批准后可纳入", 000 篇三 "经本人申请，学校同意，也可
  参加") or teachers the bureau approved with a written reason (000 篇四 "其他教师因本校流动范围之内
  教师轮岗交流出现难以安排的情况，也须交流"). The panel votes and the ordering rule choose only among
  the teachers who are due (000 篇一 "不足的则依次采取以下办法从交流对象中确定").
- School leaders follow their own track (000 篇一 "校长轮岗按照干部任用的规定，根据工作需要统筹
  安排"; 000 篇三; 002 方案1): terms of office, at most 30% of a team at once (000 篇一 "同一学校
  班子成员每次轮岗人数一般不超过班子成员的30%"), placed by the bureau's appointment, not the fair.
- 先流出再流入 (000 篇四): the seats proposed follow the outflow, by subject and by zone.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from matchapp.core.audit import AuditLog, acting_as
from matchapp.core.errors import Refused
from matchapp.extensions import db
from matchapp.fair.preferences import save_preferences
from matchapp.fair.window import open_fair
from matchapp.preparation.lists import assess_teacher, confirmed_outgoing, is_participant, participants
from matchapp.preparation.models import Outgoing, Post
from matchapp.preparation.outgoing import (
    PreparationError,
    apply_ordering_rule,
    bureau_approve,
    bureau_remove,
    decide_exemption,
    exemption_of,
    list_problems,
    record_vote,
    set_exemption,
    submit_outgoing,
    volunteer,
    withdraw,
)
from matchapp.preparation.posts import propose_posts, supply_and_demand
from matchapp.roster.models import TeacherExemption
from matchapp.runs.instance import build_instance
from tests.factories import gen_round, gen_school, gen_teacher

DUE = {"started_at_school": dt.date(2012, 9, 1), "birth_date": dt.date(1985, 1, 1)}  # 14 years, far from 55
NEW = {"started_at_school": dt.date(2024, 9, 1), "birth_date": dt.date(1990, 1, 1)}  # 2 years: not due
NEAR = {"started_at_school": dt.date(2000, 9, 1), "birth_date": dt.date(1974, 1, 1)}  # 1 year to retirement


def _exempt(round_, teacher, code: str, reason: str) -> None:
    """An exemption of the round's year, approved by the bureau (暂不交流, 一年一认定)."""
    db.session.add(TeacherExemption(teacher_id=teacher.id, year=round_.year, code=code, reason=reason, approved=True))
    db.session.flush()


def _allowed(round_, entry: Outgoing) -> bool:
    """The invariant: due, a volunteer, or approved by the bureau (and never exempt)."""
    item = assess_teacher(entry.teacher, round_)
    return item.status != "exempt" and (item.eligible or entry.how in ("volunteer", "bureau"))


# -- the panel vote ---------------------------------------------------------------------------------


@pytest.mark.parametrize("who", [NEW, NEAR], ids=["two years at the school", "a year from retirement"])
def test_a_vote_on_a_teacher_who_is_not_due_is_refused_and_records_nothing(app, who):
    round_ = gen_round()
    teacher = gen_teacher(gen_school(), **who)
    with pytest.raises(PreparationError, match="不属于本年度应交流对象") as refused:
        record_vote(round_, teacher, members=9, yes=9)
    assert "自主申报" in str(refused.value) and "教育局审批" in str(refused.value)
    assert db.session.scalar(select(func.count(Outgoing.id))) == 0


def test_a_vote_on_a_school_leader_is_refused(app):
    round_ = gen_round(2027, "ganzhou")
    leader = gen_teacher(gen_school(), leadership_role="副校长", leader_since=dt.date(2015, 9, 1), **DUE)
    assert assess_teacher(leader, round_).eligible  # 12 years in post ≥ 6: due, on the leaders' track
    with pytest.raises(PreparationError, match="干部任用"):
        record_vote(round_, leader, members=9, yes=9)


def test_the_vote_threshold_of_the_policy_applies(app):
    round_ = gen_round()
    round_.policy = {**round_.policy, "vote_threshold": 0.75}
    a, b = gen_teacher(gen_school(), **DUE), gen_teacher(gen_school(), **DUE)
    assert not record_vote(round_, a, members=8, yes=6).confirmed  # exactly 3/4 is not more
    entry = record_vote(round_, b, members=8, yes=7)
    assert entry.confirmed and "超过75%，当选" in entry.note


# -- the ordering rule ------------------------------------------------------------------------------


def test_the_ordering_rule_never_selects_a_teacher_who_is_not_due(app):
    round_ = gen_round()
    school = gen_school()
    due = [gen_teacher(school, **DUE) for _ in range(2)]
    others = [gen_teacher(school, **NEW) for _ in range(10)] + [gen_teacher(school, **NEAR) for _ in range(8)]
    exempt = gen_teacher(school, **DUE)
    _exempt(round_, exempt, "illness", "住院")
    leader = gen_teacher(school, leadership_role="校长", **DUE)
    round_.policy = {**round_.policy, "quota_rate": 1.0}  # the quota is every teacher who is due
    final = apply_ordering_rule(round_, school)
    assert {o.teacher_id for o in final} == {t.id for t in due}
    assert not {exempt.id, leader.id} & {o.teacher_id for o in final}
    assert all(o.how == "rule" for o in final) and not any(t.id in {o.teacher_id for o in final} for t in others)


def test_too_many_volunteers_those_who_are_due_come_first(app):
    round_ = gen_round()
    school = gen_school()
    staff = [gen_teacher(school, **DUE) for _ in range(7)]  # 15% of 7 = 1.05 -> 1
    newcomer = gen_teacher(school, **NEW)
    volunteer(round_, newcomer)
    volunteer(round_, staff[6])
    final = apply_ordering_rule(round_, school)
    assert [o.teacher_id for o in final] == [staff[6].id]
    left = db.session.scalar(select(Outgoing).where(Outgoing.teacher_id == newcomer.id))
    assert not left.confirmed and "未入选" in left.note


def test_a_nominee_who_is_no_longer_due_loses_the_place_and_the_list_cannot_be_submitted(app):
    round_ = gen_round()
    school = gen_school()
    teacher = gen_teacher(school, **DUE)
    assert record_vote(round_, teacher, members=9, yes=7).confirmed
    teacher.started_at_school = dt.date(2023, 9, 1)  # the roster is corrected: 3 years only
    db.session.flush()
    assert list_problems(round_, school.id)
    with pytest.raises(PreparationError, match="不应列入"):
        submit_outgoing(round_, school)
    apply_ordering_rule(round_, school)
    entry = db.session.scalar(select(Outgoing).where(Outgoing.teacher_id == teacher.id))
    assert not entry.confirmed and "已不属于应交流对象" in entry.note
    assert list_problems(round_, school.id) == []
    submit_outgoing(round_, school)


def test_an_approved_exemption_takes_the_teacher_off_the_list(app):
    round_ = gen_round()
    teacher = gen_teacher(gen_school(), **DUE)
    record_vote(round_, teacher, members=9, yes=9)
    set_exemption(round_, teacher, "illness", "住院治疗")
    decide_exemption(round_, teacher, approve=True)
    entry = db.session.scalar(select(Outgoing).where(Outgoing.teacher_id == teacher.id))
    assert not entry.confirmed and entry.note == "已获准暂不交流"


# -- the bureau's approval ----------------------------------------------------------------------------


def test_the_bureau_approves_a_teacher_who_is_not_due_with_a_written_reason_audited(app):
    round_ = gen_round()
    school = gen_school()
    teacher = gen_teacher(school, **NEW)
    with pytest.raises(PreparationError, match="理由"):
        bureau_approve(round_, teacher, "   ")
    with acting_as("renshi"):
        entry = bureau_approve(round_, teacher, "本校流动范围内难以安排（000 篇四）")
        db.session.commit()
    assert (entry.how, entry.confirmed) == ("bureau", True) and "难以安排" in entry.note
    assert all(_allowed(round_, o) for o in confirmed_outgoing(round_, school.id))
    log = db.session.scalars(select(AuditLog).where(AuditLog.entity == "outgoing")).all()[-1]
    assert log.actor == "renshi" and "难以安排" in log.after["note"]
    bureau_remove(round_, teacher)
    assert db.session.scalar(select(func.count(Outgoing.id))) == 0


def test_the_bureau_cannot_list_an_exempt_teacher_without_revoking_the_exemption(app):
    round_ = gen_round()
    teacher = gen_teacher(gen_school())
    _exempt(round_, teacher, "pregnancy", "孕期")
    with pytest.raises(PreparationError, match="暂不交流"):
        bureau_approve(round_, teacher, "工作需要")


def test_the_bureau_page_approves_and_the_school_cannot(app, client, auth):
    from tests.factories import gen_user

    round_ = gen_round()
    school = gen_school()
    teacher = gen_teacher(school, **NEW)
    gen_user("bureau", username="renshi")
    gen_user("school", username="jia", school_id=school.id)
    db.session.commit()
    auth.login("jia")
    url = f"/rounds/{round_.id}/schools/{school.id}/approve"
    assert client.post(url, data={"teacher_id": teacher.id, "reason": "x"}).status_code == 403
    auth.logout()
    auth.login("renshi")
    page = client.get(f"/rounds/{round_.id}/schools/{school.id}").get_data(as_text=True)
    assert "教育局审批列入" in page
    page = client.post(url, data={"teacher_id": teacher.id, "reason": ""}, follow_redirects=True).get_data(as_text=True)
    assert "写明审批理由" in page and db.session.scalar(select(func.count(Outgoing.id))) == 0
    page = client.post(url, data={"teacher_id": teacher.id, "reason": "工作需要"}, follow_redirects=True)
    assert "已审批将" in page.get_data(as_text=True)
    assert db.session.scalar(select(Outgoing.how)) == "bureau"


# -- the invariant, over any sequence of what people do --------------------------------------------

ACTIONS = st.lists(
    st.tuples(
        st.sampled_from(["volunteer", "withdraw", "vote", "rule", "approve", "remove", "exempt", "reject"]),
        st.integers(0, 7),
        st.integers(1, 9),
        st.integers(0, 9),
    ),
    max_size=14,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actions=ACTIONS)
def test_no_confirmed_list_ever_holds_a_teacher_not_due_not_a_volunteer_and_not_approved(app, actions):
    """Whatever volunteers, panels, the rule and the bureau do, in any order: every teacher on a
    confirmed list is due, a volunteer, or approved by the bureau — and never exempt."""
    from matchapp.rounds.models import Round

    round_ = db.session.scalar(select(Round).where(Round.year == 2027)) or gen_round(2027)
    round_.policy = {**round_.policy, "leadership_cap": 0.30}
    school = gen_school(leadership_size=4)
    kinds = [DUE, DUE, DUE, NEW, NEAR, DUE, NEW, DUE]
    staff = [
        gen_teacher(school, leadership_role="副校长" if k == 7 else "", leader_since=dt.date(2010, 9, 1), **kind)
        for k, kind in enumerate(kinds)
    ]
    for action, k, members, yes in actions:
        teacher = staff[k]
        try:
            if action == "volunteer":
                volunteer(round_, teacher)
            elif action == "withdraw":
                withdraw(round_, teacher)
            elif action == "vote":
                record_vote(round_, teacher, members=members, yes=min(yes, members))
            elif action == "rule":
                apply_ordering_rule(round_, school)
            elif action == "approve":
                bureau_approve(round_, teacher, "工作需要")
            elif action == "remove":
                bureau_remove(round_, teacher)
            elif action == "exempt":
                set_exemption(round_, teacher, "illness", "住院")
                decide_exemption(round_, teacher, approve=True)
            elif action == "reject" and exemption_of(round_, teacher) is not None:
                decide_exemption(round_, teacher, approve=False)
        except Refused:
            pass  # a refusal changes nothing; the invariant must hold all the same
        for entry in confirmed_outgoing(round_, school.id):
            assert _allowed(round_, entry), (action, entry.teacher.staff_no, entry.how, entry.note)
        leaders = sum(1 for o in confirmed_outgoing(round_, school.id) if o.teacher.leadership_role)
        assert leaders <= 1  # 30% of a team of 4 is 1.2


# -- leaders ----------------------------------------------------------------------------------------


def test_at_most_thirty_percent_of_a_leadership_team_is_refused_not_only_warned(app):
    round_ = gen_round(2027, "ganzhou")  # 000 篇一: "一般不超过班子成员的30%"
    school = gen_school(leadership_size=7)  # 30% of 7 = 2.1: two at once, not three
    leaders = [
        gen_teacher(school, leadership_role=f"副校长{k}", leader_since=dt.date(2015, 9, 1), **DUE) for k in range(3)
    ]
    bureau_approve(round_, leaders[0], "任期已满三届，按干部任用规定交流")
    bureau_approve(round_, leaders[1], "任期已满")
    with pytest.raises(PreparationError, match="不得超过30%"):
        bureau_approve(round_, leaders[2], "任期已满")
    assert sum(1 for o in confirmed_outgoing(round_, school.id) if o.teacher.leadership_role) == 2


def test_a_team_size_below_the_roster_s_leaders_counts_the_roster(app):
    round_ = gen_round(2027, "datong")
    school = gen_school(leadership_size=0)  # not recorded in the register
    a = gen_teacher(school, leadership_role="校长", leader_since=dt.date(2015, 9, 1), **DUE)
    gen_teacher(school, leadership_role="副校长", leader_since=dt.date(2015, 9, 1), **DUE)
    with pytest.raises(PreparationError, match="领导班子2人"):
        bureau_approve(round_, a, "任期已满")  # 1 of 2 is 50%


def test_a_leader_volunteering_waits_for_the_bureau(app):
    round_ = gen_round(2027, "ganzhou")
    school = gen_school(leadership_size=10)
    leader = gen_teacher(school, leadership_role="副校长", leader_since=dt.date(2015, 9, 1), **DUE)
    volunteer(round_, leader)
    apply_ordering_rule(round_, school)
    entry = db.session.scalar(select(Outgoing).where(Outgoing.teacher_id == leader.id))
    assert not entry.confirmed and "教育局" in entry.note
    bureau_approve(round_, leader, "本人申请，按干部任用规定安排")
    assert db.session.get(Outgoing, entry.id).confirmed


def test_leaders_are_appointed_not_matched_at_the_fair(app):
    round_ = gen_round(2027, "ganzhou")
    a, b = gen_school(leadership_size=10), gen_school(leadership_size=10)
    leader = gen_teacher(a, leadership_role="副校长", leader_since=dt.date(2015, 9, 1), **DUE)
    teachers = [gen_teacher(a, **DUE) for _ in range(3)]
    bureau_approve(round_, leader, "任期已满")
    for t in teachers:
        bureau_approve(round_, t, "演示")
    db.session.add(Post(round_id=round_.id, school_id=b.id, subject="math", seats=4))
    db.session.flush()
    assert leader in participants(round_)  # placed by the run: the administrative assignment
    assert not is_participant(round_, leader) and is_participant(round_, teachers[0])
    open_fair(round_, None)
    with pytest.raises(Refused, match="不在本年度流出名单"):
        save_preferences(round_, leader, [b.id], submit=True)
    doc, notes = build_instance(round_)
    by_id = {t["id"]: t for t in doc["teachers"]}
    assert by_id[leader.staff_no]["preferences"] == []
    assert any("校级领导1人" in n and leader.name in n for n in notes)


LEADERS = [
    # 000 篇三 (Dalian): "连续任职满三届（每届三年）应交流轮岗，距法定退休年龄不满一届的可不交流轮岗"
    ("dalian", "exactly 9 years in post", dt.date(2018, 8, 31), dt.date(1975, 1, 1), "M", True),
    ("dalian", "9 years in post less a day", dt.date(2018, 9, 1), dt.date(1975, 1, 1), "M", False),
    ("dalian", "exactly 3 years to retirement", dt.date(2010, 9, 1), dt.date(1970, 8, 31), "M", True),
    ("dalian", "less than one term (3 years) to retirement", dt.date(2010, 9, 1), dt.date(1970, 8, 30), "M", False),
    (
        "dalian",
        "a leader of 56: the teachers' age cap (55) does not apply",
        dt.date(2010, 9, 1),
        dt.date(1971, 1, 1),
        "M",
        True,
    ),
    # 002 方案1 (Datong): "凡男50周岁、女45周岁及以下，在同一所学校连续任职满6年及以上的校长"
    ("datong", "exactly 6 years in post", dt.date(2021, 8, 31), dt.date(1980, 1, 1), "M", True),
    ("datong", "6 years less a day", dt.date(2021, 9, 1), dt.date(1980, 1, 1), "M", False),
    ("datong", "a man of exactly 50", dt.date(2015, 9, 1), dt.date(1977, 8, 31), "M", True),
    ("datong", "a man of 51", dt.date(2015, 9, 1), dt.date(1976, 8, 31), "M", False),
    # 000 篇一 (Ganzhou): "校长在同一学校、同一岗位任职满20xx年" (6 chosen), "不足5年的校长教师"
    ("ganzhou", "6 years in post", dt.date(2021, 8, 31), dt.date(1980, 1, 1), "F", True),
    ("ganzhou", "4 years to retirement", dt.date(2010, 9, 1), dt.date(1973, 1, 1), "F", False),
    # 000 篇四 (Changzhou): no rule for leaders in the seed — the bureau arranges them
    ("changzhou", "no leaders' rule", dt.date(2000, 9, 1), dt.date(1980, 1, 1), "M", False),
]


@pytest.mark.parametrize(
    ("name", "case", "since", "born", "gender", "due"), LEADERS, ids=[f"{c[0]}: {c[1]}" for c in LEADERS]
)
def test_leaders_are_due_by_their_terms_of_office(app, name, case, since, born, gender, due):
    round_ = gen_round(2027, name)
    leader = gen_teacher(
        gen_school(),
        gender=gender,
        birth_date=born,
        started_at_school=dt.date(2000, 9, 1),
        leadership_role="校长",
        leader_since=since,
    )
    item = assess_teacher(leader, round_)
    assert (item.track, item.eligible) == ("leader", due), item.text
    assert item.text.startswith("校级领导（校长）")


def test_a_leader_without_a_start_in_post_is_explained(app):
    round_ = gen_round(2027, "dalian")
    item = assess_teacher(gen_teacher(gen_school(), leadership_role="校长", **DUE), round_)
    assert not item.eligible and "未填任现职时间" in item.text


# -- 先流出再流入 ----------------------------------------------------------------------------------


def test_proposed_seats_follow_the_outflow_by_subject_and_zone(app):
    round_ = gen_round()
    east = [gen_school(zone="东片区") for _ in range(2)]
    west = [gen_school(zone="西片区") for _ in range(2)]
    # Posts made earlier (by hand, a previous proposal or an import), some for subjects with no
    # outflow at all, one confirmed by its school: the demo's 74 → 115 seats for 52 teachers.
    for school in east + west:
        for subject in ("music", "art", "math"):
            db.session.add(Post(round_id=round_.id, school_id=school.id, subject=subject, seats=2, confirmed=True))
    going = [(east[0], "math")] * 3 + [(east[1], "chinese")] + [(west[0], "math")] * 2
    for school, subject in going:
        t = gen_teacher(school, subject=subject, **DUE)
        db.session.add(Outgoing(round_id=round_.id, teacher_id=t.id, how="rule", confirmed=True))
    db.session.flush()
    assert propose_posts(round_) == 3
    posts = db.session.scalars(select(Post).where(Post.round_id == round_.id)).all()
    assert sum(p.seats for p in posts) == len(going)
    assert {p.subject for p in posts if p.seats} == {"math", "chinese"}  # no seats without outflow
    for zone in ("东片区", "西片区"):
        sent = sum(1 for school, _ in going if school.zone == zone)
        assert sum(p.seats for p in posts if p.school.zone == zone) == sent
    assert all(b.gap == 0 for b in supply_and_demand(round_))
    changed = next(p for p in posts if p.school_id == east[0].id and p.subject == "math")
    assert changed.seats == 3 and not changed.confirmed  # the school confirms the new number
    kept = next(p for p in posts if p.school_id == west[0].id and p.subject == "math")
    assert kept.seats == 2 and kept.confirmed  # unchanged, still confirmed


def test_the_demo_city_keeps_the_product_s_own_rules(app):
    from matchapp.demo import seed_demo
    from matchapp.preparation.quotas import all_quotas
    from matchapp.rounds.services import current_round

    seed_demo()
    round_ = current_round()
    entries = db.session.scalars(select(Outgoing).where(Outgoing.round_id == round_.id)).all()
    assert entries and all(_allowed(round_, o) for o in entries if o.confirmed)
    # Nobody on a list within 5 years of retirement (the Changzhou preset's rule), nor a leader.
    assert all(assess_teacher(o.teacher, round_).years_to_retirement >= 5 for o in entries)
    assert not any(o.teacher.leadership_role for o in entries if o.confirmed)
    quotas = all_quotas(round_)
    assert all(q.listed <= q.quota for q in quotas)  # never above quota
    assert any(q.listed == q.quota > 0 for q in quotas) and any(q.shortfall for q in quotas)  # some in progress
    seats = db.session.scalar(select(func.sum(Post.seats)).where(Post.round_id == round_.id))
    assert seats == sum(1 for o in entries if o.confirmed)
