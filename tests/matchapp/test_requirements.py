"""Post requirements and a school's 不接受, through the web application (issue 13, items 6 and 7).

Seed 000 篇四: "教师对照市教育局测算的轮岗交流数量、学历、学科、职称、专业称号等要求，自主申报" and the
school's 接收数量确认表 confirms "接收专任教师、骨干教师的数量、学历、学科、职称、专业称号".
"""

from __future__ import annotations

import datetime as dt
import json
import types

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from matchapp.core.audit import AuditLog
from matchapp.core.errors import Refused
from matchapp.extensions import db
from matchapp.fair.models import PostRanking, RankingEntry
from matchapp.fair.preferences import offered_posts, save_preferences
from matchapp.fair.rankings import save_ranking, split_candidates
from matchapp.fair.window import close_fair, open_fair
from matchapp.preparation.models import Outgoing, Post
from matchapp.preparation.requirements import honour_names, meets, unmet
from matchapp.runs.assignment import change_assignment, check_assignment
from matchapp.runs.instance import build_instance
from matchapp.runs.models import Placement
from matchapp.runs.service import run_fair
from tests.factories import gen_round, gen_school, gen_teacher, gen_user

# -- the rule, at its boundaries ----------------------------------------------------------------


def _post(**kw):
    return types.SimpleNamespace(**{"min_education": "", "min_title": "", "honours": "", **kw})


def _teacher(**kw):
    return types.SimpleNamespace(**{"education": "bachelor", "title": "intermediate", "honours": "", **kw})


# seed 000 篇四: "学历、学科、职称、专业称号等要求" — read as "at least" for 学历 and 职称, "one of" for 称号.
REQUIREMENT_CASES = [
    ({"min_education": "bachelor"}, {"education": "college"}, False),  # 大专 below 本科
    ({"min_education": "bachelor"}, {"education": "bachelor"}, True),  # exactly 本科
    ({"min_education": "bachelor"}, {"education": "master"}, True),
    ({"min_education": "master"}, {"education": "bachelor"}, False),
    ({"min_title": "senior"}, {"title": "intermediate"}, False),  # 中级 below 高级
    ({"min_title": "senior"}, {"title": "senior"}, True),  # exactly 高级
    ({"min_title": "senior"}, {"title": "full_senior"}, True),
    ({"min_title": "intermediate"}, {"title": "none"}, False),
    ({"honours": "市学科带头人，市骨干教师"}, {"honours": "市骨干教师"}, True),  # one of them suffices
    ({"honours": "市学科带头人，市骨干教师"}, {"honours": "区骨干教师"}, False),
    ({"honours": "市骨干教师"}, {"honours": ""}, False),
    ({"honours": "市骨干教师"}, {"honours": "市教学能手、市骨干教师"}, True),
    ({}, {"education": "college", "title": "none"}, True),  # no requirement: anyone
    ({"min_education": "bachelor", "min_title": "senior"}, {"education": "master", "title": "intermediate"}, False),
]


@pytest.mark.parametrize("post,teacher,expected", REQUIREMENT_CASES)
def test_requirements_at_their_boundaries(post, teacher, expected):
    p, t = _post(**post), _teacher(**teacher)
    assert meets(t, p) is expected
    assert (unmet(t, p) == []) is expected


def test_honour_names_split_on_any_separator():
    assert honour_names(" 市学科带头人，市骨干教师、区骨干教师;市骨干教师/ 名师 ") == [
        "市学科带头人",
        "市骨干教师",
        "区骨干教师",
        "名师",
    ]


def test_the_reason_says_what_is_missing_in_words(app):
    why = unmet(_teacher(title="junior", education="college"), _post(min_title="senior", min_education="bachelor"))
    assert why == ["学历须本科及以上（本人：大专）", "职称须高级及以上（本人：初级）"]


# -- the fair ----------------------------------------------------------------------------------


def _world():
    """Three schools; the receiving post at B requires a senior title, C's refuses nobody yet."""
    round_ = gen_round()
    a, b, c = (gen_school(code=f"R{k}", name=f"要求学校{k}", zone="东") for k in range(3))
    senior = gen_teacher(a, title="senior", name="高级教师")
    junior = gen_teacher(a, title="junior", name="初级教师")
    other = gen_teacher(a, title="senior", name="另一教师")
    for t in (senior, junior, other):
        db.session.add(Outgoing(round_id=round_.id, teacher_id=t.id, how="rule", confirmed=True))
    post_b = Post(round_id=round_.id, school_id=b.id, subject="math", seats=2, min_title="senior", confirmed=True)
    post_c = Post(round_id=round_.id, school_id=c.id, subject="math", seats=1, confirmed=True)
    db.session.add_all([post_b, post_c])
    db.session.flush()
    return round_, (a, b, c), (senior, junior, other), (post_b, post_c)


def test_a_teacher_lists_only_posts_whose_requirements_they_meet(app):
    round_, (a, b, c), (senior, junior, other), (post_b, post_c) = _world()
    open_fair(round_, None)
    offered, withheld = offered_posts(round_, junior)
    assert [p.id for p in offered] == [post_c.id]
    assert [(p.id, why) for p, why in withheld] == [(post_b.id, ["职称须高级及以上（本人：初级）"])]
    with pytest.raises(Refused, match="您不符合要求学校1本学科岗位的要求：职称须高级及以上（本人：初级）"):
        save_preferences(round_, junior, [b.id, c.id], submit=True)
    save_preferences(round_, senior, [b.id, c.id], submit=True)  # the senior teacher may


def test_a_teacher_reads_each_post_as_the_school_confirmed_it(app):
    # posts_for reads plain rows, not ORM objects: every field a teacher's pages, the API and the
    # requirements use is the stored one, the school's with it.
    round_ = gen_round()
    home, there = gen_school(code="H1", zone="西"), gen_school(code="T1", name="接收学校", tier="weak", zone="东")
    teacher = gen_teacher(home, subject="math", education="master", title="senior", honours="市骨干教师")
    post = Post(
        round_id=round_.id,
        school_id=there.id,
        subject="math",
        seats=3,
        min_education="bachelor",
        min_title="intermediate",
        honours="市骨干教师",
        backbone_seats=2,
    )
    db.session.add(post)
    db.session.flush()
    (read,), withheld = offered_posts(round_, teacher)
    assert withheld == []
    fields = ["id", "school_id", "subject", "seats", "min_education", "min_title", "honours", "backbone_seats"]
    assert [getattr(read, f) for f in fields] == [getattr(post, f) for f in fields]
    assert (read.school.id, read.school.code, read.school.name, read.school.tier, read.school.zone) == (
        there.id,
        "T1",
        "接收学校",
        "weak",
        "东",
    )


def test_the_preferences_page_says_why_a_post_is_not_offered(app, client, auth):
    round_, (a, b, c), (senior, junior, other), (post_b, post_c) = _world()
    open_fair(round_, None)
    gen_user("teacher", username="junior", teacher_id=junior.id)
    db.session.commit()
    auth.login("junior")
    page = client.get(f"/fair/{round_.id}/preferences").get_data(as_text=True)
    assert "不符合岗位要求、不能填报的学校（1所）" in page and "职称须高级及以上（本人：初级）" in page
    assert f'name="rank-{b.id}"' not in page and f'name="rank-{c.id}"' in page
    page = client.post(f"/fair/{round_.id}/preferences", data={f"rank-{b.id}": "1", "submit": "1"}).get_data(
        as_text=True
    )
    assert f'name="rank-{b.id}"' not in page  # a field the form does not have is not read


def test_a_school_cannot_rank_an_applicant_who_no_longer_meets_the_requirements(app, client, auth):
    round_, (a, b, c), (senior, junior, other), (post_b, post_c) = _world()
    open_fair(round_, None)
    save_preferences(round_, senior, [b.id], submit=True)
    save_preferences(round_, other, [b.id], submit=True)
    other.title = "intermediate"  # the roster is corrected after the teacher listed B
    db.session.flush()
    rankable, unqualified = split_candidates(post_b)
    assert rankable == [senior] and [(t, why) for t, why in unqualified] == [
        (other, ["职称须高级及以上（本人：中级（一级））"])
    ]
    with pytest.raises(Refused, match="另一教师不符合本岗位的要求"):
        save_ranking(post_b, {senior.id: 1, other.id: 2}, set(), 0, submit=True)
    save_ranking(post_b, {senior.id: 1}, set(), 0, submit=True)  # complete without the unqualified
    gen_user("school", username="b", school_id=b.id)
    db.session.commit()
    auth.login("b")
    page = client.get(f"/fair/{round_.id}/posts/{post_b.id}/ranking").get_data(as_text=True)
    assert "不符合本岗位要求，不能排序：职称须高级及以上" in page and f'name="band-{other.id}"' not in page
    assert "要求：职称高级及以上" in page
    doc, notes = build_instance(round_)
    posted = next(p for p in doc["posts"] if p["school"] == b.code)
    assert posted["requires"] == ["职称:高级及以上"] and posted["ranking"] == [senior.staff_no]
    teachers = {t["id"]: t for t in doc["teachers"]}
    assert teachers[senior.staff_no]["qualifications"] == ["职称:高级及以上"]
    assert "qualifications" not in teachers[other.staff_no]


def test_a_round_without_requirements_gives_the_same_instance_as_before(app):
    round_, (a, b, c), (senior, junior, other), (post_b, post_c) = _world()
    post_b.min_title = ""
    db.session.flush()
    doc, _ = build_instance(round_)
    assert all(set(p) == {"school", "subject", "capacity", "ranking"} for p in doc["posts"])
    assert all("qualifications" not in t for t in doc["teachers"])


# -- the assignment and the bureau's override ---------------------------------------------------


def _run_with_refusal():
    """Nobody ranks the junior teacher; C marks them 不接受; B requires a senior title. The only
    seats left after the fair are at B and C: the junior teacher cannot be placed."""
    round_, (a, b, c), (senior, junior, other), (post_b, post_c) = _world()
    open_fair(round_, None)
    save_preferences(round_, junior, [c.id], submit=True)
    save_preferences(round_, senior, [b.id], submit=True)
    save_ranking(post_c, {}, {junior.id}, 0, submit=True)
    save_ranking(post_b, {senior.id: 1}, set(), 0, submit=True)
    close_fair(round_)
    outcome = run_fair(round_, None)
    return round_, (a, b, c), (senior, junior, other), (post_b, post_c), outcome


def test_the_assignment_never_places_a_teacher_where_refused_or_unqualified(app):
    round_, (a, b, c), (senior, junior, other), (post_b, post_c), outcome = _run_with_refusal()
    placed = {p.teacher_id: p for p in outcome.run.placements}
    assert placed[senior.id].school_id == b.id and placed[senior.id].how == "matched"
    assert placed[other.id].how == "assigned" and placed[other.id].school_id in (b.id, c.id)
    assert placed[junior.id].how == "unplaced"  # C refuses them and B's post requires a senior title
    doc = json.loads(outcome.run.instance_json)
    post_doc = next(p for p in doc["posts"] if p["school"] == c.code)
    assert post_doc["refused"] == [junior.staff_no]


def test_only_the_bureau_overrides_a_refusal_with_a_written_reason_and_it_is_audited(app, client, auth):
    round_, (a, b, c), (senior, junior, other), (post_b, post_c), outcome = _run_with_refusal()
    run = outcome.run
    post_c.seats = 2  # a seat for the junior teacher at C, which marked them 不接受
    db.session.flush()
    check = check_assignment(run, junior, c)
    assert any("标记为“不接受”" in r for r in check.refusals)
    with pytest.raises(Refused, match="标记为“不接受”"):
        change_assignment(run, junior, c, "确需安排")
    with pytest.raises(Refused, match="理由"):
        change_assignment(run, junior, c, "  ", override=True)
    with pytest.raises(Refused, match="职称须高级及以上"):
        change_assignment(run, junior, b, "确需安排")  # B's requirement is an objection too
    check = change_assignment(run, junior, c, "学科急需，经局务会研究", actor=(None, "renshi"), override=True)
    assert any("已越过学校意见" in w for w in check.warnings)
    placement = db.session.scalar(
        select(Placement).where(Placement.run_id == run.id, Placement.teacher_id == junior.id)
    )
    assert (placement.school_id, placement.how, placement.overrides) == (c.id, "assigned", "refused")
    log = db.session.scalars(
        select(AuditLog).where(AuditLog.entity == "placements", AuditLog.entity_id == placement.id)
    ).all()[-1]
    assert log.actor == "renshi" and log.reason == "学科急需，经局务会研究" and log.after["overrides"] == "refused"
    # The results page shows the override and, for the others, the school's objection.
    gen_user("bureau", username="renshi")
    db.session.commit()
    auth.login("renshi")
    page = client.get(f"/fair/{round_.id}/results").get_data(as_text=True)
    assert "越过学校意见：学校不接受" in page


def test_the_assignment_page_offers_refusing_schools_only_as_an_override(app, client, auth):
    round_, (a, b, c), (senior, junior, other), (post_b, post_c), outcome = _run_with_refusal()
    post_c.seats = 2
    gen_user("bureau", username="renshi")
    db.session.commit()
    auth.login("renshi")
    page = client.get(f"/fair/{round_.id}/results").get_data(as_text=True)
    assert "学校不接受（需越过学校意见）" in page and 'name="override"' in page
    response = client.post(
        f"/fair/{round_.id}/assign/{junior.id}", data={"school_id": c.id, "reason": "需要"}, follow_redirects=True
    )
    assert "标记为“不接受”" in response.get_data(as_text=True)
    assert db.session.scalar(select(Placement.school_id).where(Placement.teacher_id == junior.id)) is None
    response = client.post(
        f"/fair/{round_.id}/assign/{junior.id}",
        data={"school_id": c.id, "reason": "需要", "override": "y"},
        follow_redirects=True,
    )
    assert "已越过学校意见" in response.get_data(as_text=True)
    assert db.session.scalar(select(Placement.overrides).where(Placement.teacher_id == junior.id)) == "refused"


_years = iter(range(2100, 3000))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_no_placement_breaks_a_refusal_or_a_requirement_through_the_web_services(app, data):
    # A small random round each time: titles, posts that require a senior title, schools that
    # mark applicants 不接受, lists and rankings as saved through the services, then the run.
    year = next(_years)
    round_ = gen_round(year=year)
    schools = [
        gen_school(code=f"W{year}{k}", name=f"随机学校{year}-{k}", zone=data.draw(st.sampled_from("东西")))
        for k in range(4)
    ]
    teachers = []
    for _ in range(data.draw(st.integers(2, 8))):
        t = gen_teacher(schools[data.draw(st.integers(0, 3))], title=data.draw(st.sampled_from(["junior", "senior"])))
        db.session.add(Outgoing(round_id=round_.id, teacher_id=t.id, how="rule", confirmed=True))
        teachers.append(t)
    posts = []
    for school in schools:
        post = Post(
            round_id=round_.id,
            school_id=school.id,
            subject="math",
            seats=data.draw(st.integers(1, 3)),
            min_title=data.draw(st.sampled_from(["", "", "senior"])),
            confirmed=True,
        )
        db.session.add(post)
        posts.append(post)
    db.session.flush()
    open_fair(round_, None)
    for t in teachers:
        offered, _ = offered_posts(round_, t)
        order = data.draw(st.permutations([p.school_id for p in offered]))
        chosen = list(order[: data.draw(st.integers(0, len(order)))])
        if chosen:
            save_preferences(round_, t, chosen, submit=True)
    for post in posts:
        rankable, _ = split_candidates(post)
        refused = {t.id for t in rankable if data.draw(st.booleans())}
        ranked = [t for t in rankable if t.id not in refused]
        save_ranking(post, {t.id: k + 1 for k, t in enumerate(ranked)}, refused, 0, submit=True)
    close_fair(round_)
    outcome = run_fair(round_, None)
    marked = set(
        db.session.execute(
            select(PostRanking.post_id, RankingEntry.teacher_id)
            .join(RankingEntry, RankingEntry.ranking_id == PostRanking.id)
            .where(PostRanking.post_id.in_([p.id for p in posts]), RankingEntry.band.is_(None))
        ).all()
    )
    post_at = {p.school_id: p for p in posts}
    by_id = {t.id: t for t in teachers}
    for placement in outcome.run.placements:
        if placement.school_id is None:
            continue
        post = post_at[placement.school_id]
        assert (post.id, placement.teacher_id) not in marked
        assert meets(by_id[placement.teacher_id], post)
    assert outcome.run.stable


def test_started_work_is_read_from_the_roster_when_the_column_is_there(app):
    from matchapp.core.imports import ImportRefused
    from matchapp.roster.importer import HEADERS, import_roster
    from matchapp.roster.models import Teacher
    from tests.matchapp.test_roster_import import as_csv, row

    gen_school(code="S01", name="名册学校")
    data, name = as_csv([row(工号="W1", 参加工作时间="2009-09-01")])
    import_roster(data, name)
    assert db.session.scalar(select(Teacher.started_work).where(Teacher.staff_no == "W1")) == dt.date(2009, 9, 1)
    header = [h for h in HEADERS if h != "参加工作时间"]
    values = dict(zip(HEADERS, row(工号="W1")))
    data, name = as_csv([[values[h] for h in header]], header=header)
    import_roster(data, name)  # a file without the column leaves the date alone
    assert db.session.scalar(select(Teacher.started_work).where(Teacher.staff_no == "W1")) == dt.date(2009, 9, 1)
    data, name = as_csv([row(工号="W2", 参加工作时间="2018-09-01", 到本校任教时间="2016-09-01")])
    with pytest.raises(ImportRefused) as refused:
        import_roster(data, name)
    assert [(p.column, p.message) for p in refused.value.report.problems] == [("参加工作时间", "晚于到本校任教时间")]


def test_the_api_says_why_a_post_is_not_open_to_a_teacher_and_refuses_the_list(app, client):
    round_, (a, b, c), (senior, junior, other), (post_b, post_c) = _world()
    open_fair(round_, None)
    gen_user("teacher", username="junior-api", teacher_id=junior.id)
    db.session.commit()
    token = client.post("/api/v1/token", json={"username": "junior-api", "password": "password123"}).get_json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    posts = {
        p["school"]: p for p in client.get(f"/api/v1/rounds/{round_.id}/posts", headers=headers).get_json()["posts"]
    }
    assert posts[b.code]["unmet"] == ["职称须高级及以上（本人：初级）"] and posts[c.code]["unmet"] == []
    response = client.put(
        f"/api/v1/rounds/{round_.id}/preferences", headers=headers, json={"schools": [b.code], "submit": True}
    )
    assert response.status_code == 409 and "职称须高级及以上" in response.get_json()["message"]
