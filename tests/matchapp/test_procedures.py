"""A round's procedure: 跨校竞聘 (seed 003 五(三)) and the bureau's arrangement without a fair
(seed 003 五(一)1, 002 方案1 五), through their services and pages.

Seed 003 五(三): "积极鼓励超编学校…参加工作满3年的教师到缺编学校参加教学岗位竞聘。跨校竞聘基本程序为：
缺编学校公布需求岗位，超编学校教师向所在学校提出跨校竞聘申请和竞聘意愿，缺编学校组织竞聘考核，确定岗位最终
聘任人选，并报教育主管部门批准。"
"""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from matchapp.core.errors import Refused
from matchapp.core.imports import ImportRefused
from matchapp.extensions import db
from matchapp.fair.models import AssessmentScore, PostRanking
from matchapp.fair.preferences import save_preferences
from matchapp.fair.rankings import post_ranking, save_ranking
from matchapp.fair.scores import Score, bands_from_scores, check_score_rows, import_scores, save_scores, score_template
from matchapp.fair.window import close_fair, open_fair
from matchapp.preparation.competition import (
    PostInput,
    apply,
    decide_application,
    publish_post,
    service_years,
    why_not_apply,
)
from matchapp.preparation.models import Outgoing, Post
from matchapp.procedures.service import set_procedure
from matchapp.results.explanations import explanation_for
from matchapp.results.publication import publish
from matchapp.roster.models import ExchangeRecord, Staffing
from matchapp.runs.assignment import change_assignment, confirm_assignment
from matchapp.runs.models import Placement
from matchapp.runs.service import run_fair
from tests.factories import gen_round, gen_school, gen_teacher, gen_user


def _staff(school, subject, established, in_post):
    db.session.add(Staffing(school_id=school.id, subject=subject, established=established, in_post=in_post))
    db.session.flush()
    db.session.refresh(school)


# -- who may apply: the seed's numbers at their boundaries ---------------------------------------

# seed 003 五(三): "超编学校…参加工作满3年的教师"; the round's cutoff is the Changzhou preset's 08-31.
SERVICE_CASES = [
    (dt.date(2024, 8, 31), None, True),  # exactly 3 years on 2027-08-31
    (dt.date(2024, 9, 1), None, False),  # one day short
    (dt.date(2024, 8, 30), None, True),
    (dt.date(2026, 9, 1), dt.date(2020, 9, 1), True),  # new at this school, 参加工作 in 2020
    (dt.date(2026, 9, 1), dt.date(2024, 9, 1), False),  # 参加工作 one day short of 3 years
]


@pytest.mark.parametrize("started_here,started_work,eligible", SERVICE_CASES)
def test_three_years_of_service_at_the_cutoff(app, started_here, started_work, eligible):
    round_ = gen_round(procedure="competition")
    school = gen_school()
    _staff(school, "math", 10, 12)  # 超编2
    teacher = gen_teacher(school, started_at_school=started_here, started_work=started_work)
    reasons = why_not_apply(round_, teacher)
    assert (reasons == []) is eligible, reasons
    assert (service_years(teacher, dt.date(2027, 8, 31)) >= 3) is eligible


@pytest.mark.parametrize("established,in_post,eligible", [(10, 11, True), (10, 10, False), (10, 9, False)])
def test_only_teachers_of_a_subject_over_its_establishment_may_apply(app, established, in_post, eligible):
    round_ = gen_round(procedure="competition")
    school = gen_school()
    _staff(school, "math", established, in_post)
    teacher = gen_teacher(school, started_at_school=dt.date(2015, 9, 1))
    assert (why_not_apply(round_, teacher) == []) is eligible
    if not eligible:
        assert "不超编" in why_not_apply(round_, teacher)[0]


def test_a_subject_without_recorded_staffing_is_not_over_staffed(app):
    round_ = gen_round(procedure="competition")
    teacher = gen_teacher(started_at_school=dt.date(2015, 9, 1))
    with pytest.raises(Refused, match="不超编"):
        apply(round_, teacher)


# -- posts and applications ----------------------------------------------------------------------


def _competition():
    """Two under-staffed receiving schools (数学缺2, 缺1) and two over-staffed sending ones."""
    round_ = gen_round(procedure="competition")
    short_a = gen_school(code="Q1", name="缺编一校", tier="weak", zone="东")
    short_b = gen_school(code="Q2", name="缺编二校", tier="ordinary", zone="西")
    over_a = gen_school(code="C1", name="超编一校", tier="strong", zone="东")
    over_b = gen_school(code="C2", name="超编二校", tier="strong", zone="西")
    _staff(short_a, "math", 12, 10)
    _staff(short_b, "math", 8, 7)
    _staff(over_a, "math", 10, 13)  # 3 in surplus
    _staff(over_b, "math", 9, 10)  # 1 in surplus
    teachers = [
        gen_teacher(
            over_a, name=f"竞聘{k}", started_at_school=dt.date(2012 + k, 9, 1), title="senior" if k < 3 else "junior"
        )
        for k in range(4)
    ] + [gen_teacher(over_b, name="竞聘4", started_at_school=dt.date(2014, 9, 1))]
    return round_, (short_a, short_b, over_a, over_b), teachers


def test_posts_only_for_an_under_staffed_subject_and_no_more_seats_than_lacking(app):
    round_, (short_a, short_b, over_a, over_b), teachers = _competition()
    with pytest.raises(Refused, match="不缺编"):
        publish_post(round_, over_a, PostInput("math", 1))
    with pytest.raises(Refused, match="不缺编"):
        publish_post(round_, short_a, PostInput("english", 1))
    with pytest.raises(Refused, match="缺编数2"):
        publish_post(round_, short_a, PostInput("math", 3))
    post = publish_post(round_, short_a, PostInput("math", 2, min_title="senior"))
    assert (post.seats, post.confirmed, post.min_title) == (2, True, "senior")
    again = publish_post(round_, short_a, PostInput("math", 1))  # publishing again changes the post
    assert again.id == post.id and again.seats == 1 and again.min_title == ""


def test_the_bureau_neither_proposes_nor_sets_seats_in_a_competition(app):
    from matchapp.preparation.posts import propose_posts, set_seats

    round_, (short_a, short_b, over_a, over_b), teachers = _competition()
    with pytest.raises(Refused, match="由缺编学校"):
        propose_posts(round_)
    with pytest.raises(Refused, match="由缺编学校"):
        set_seats(round_, over_a.id, "math", 3)


def test_the_home_school_approves_no_more_applications_than_its_surplus(app):
    round_, (short_a, short_b, over_a, over_b), teachers = _competition()
    entries = [apply(round_, t) for t in teachers[:4]]
    with pytest.raises(Refused, match="已提交"):
        apply(round_, teachers[0])
    for entry in entries[:3]:
        decide_application(round_, entry, True)
    with pytest.raises(Refused, match="超编3人，已同意3人"):
        decide_application(round_, entries[3], True)
    decide_application(round_, entries[0], False)  # taking one back frees a place
    decide_application(round_, entries[3], True)
    assert sum(e.confirmed for e in entries) == 3


def test_the_round_guard_follows_the_procedure(app):
    round_, schools, teachers = _competition()
    from matchapp.rounds.states import allows

    assert allows(round_, "apply") and allows(round_, "edit_posts") and not allows(round_, "edit_lists")
    assert not allows(round_, "score") and not allows(round_, "take_part")
    fair = gen_round(year=2028)
    assert not allows(fair, "apply") and not allows(fair, "score") and allows(fair, "edit_lists")
    arranged = gen_round(year=2029, procedure="arrangement")
    assert allows(arranged, "run") and allows(arranged, "preview") and not allows(arranged, "open_fair")


# -- scores ----------------------------------------------------------------------------------------


def test_the_ranking_follows_the_scores_with_ties_when_equal():
    bands, out = bands_from_scores(
        {
            1: Score(800, 900),  # 170
            2: Score(855, 845),  # 170: tied with 1
            3: Score(900, 900),  # 180: first
            4: Score(verdict="fail"),
            5: Score(700, None),  # incomplete: not ranked
            6: Score(1000, 500, verdict="absent"),  # a verdict wins over scores
        }
    )
    assert bands == [[3], [1, 2]] and out == {4, 6}


def _open_and_apply(round_, schools, teachers):
    short_a, short_b, over_a, over_b = schools
    post_a = publish_post(round_, short_a, PostInput("math", 2, note="初二数学"))
    post_b = publish_post(round_, short_b, PostInput("math", 1))
    for t in teachers:
        entry = apply(round_, t)
        if t is not teachers[3]:
            decide_application(round_, entry, True)
    open_fair(round_, None)
    return post_a, post_b


def _sheet(rows, header=("工号", "姓名", "说课/试讲成绩", "面试成绩", "考核结论")):
    book = Workbook()
    sheet = book.active
    sheet.append(list(header))
    for r in rows:
        sheet.append(list(r))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_whole_competition_round(app):
    round_, schools, teachers = _competition()
    short_a, short_b, over_a, over_b = schools
    post_a, post_b = _open_and_apply(round_, schools, teachers)
    # Teacher 3's application was never approved: they cannot list anything.
    with pytest.raises(Refused, match="不在本年度流出名单"):
        save_preferences(round_, teachers[3], [short_a.id], submit=True)
    for k, choice in {0: [short_a, short_b], 1: [short_a], 2: [short_b, short_a], 4: [short_a]}.items():
        save_preferences(round_, teachers[k], [s.id for s in choice], submit=True)
    with pytest.raises(Refused, match="录入考核成绩"):
        save_scores(post_a, {teachers[0].id: Score(800, 800)}, submit=False)  # not while applications are open
    close_fair(round_)
    assert round_.state == "fair_closed"
    # A's sheet: teacher 4 first, then 0 and 2 tied, teacher 1 absent.
    report = import_scores(
        post_a,
        _sheet(
            [
                (teachers[4].staff_no, teachers[4].name, "92", "90.5"),
                (teachers[0].staff_no, "", "85", "85"),
                (teachers[2].staff_no, teachers[2].name, "80.5", "89.5"),
                (teachers[1].staff_no, teachers[1].name, "", "", "缺考"),
            ]
        ),
        "成绩.xlsx",
    )
    assert (report.created, report.updated) == (4, 0)
    assert post_ranking(post_a) is None  # imported, not yet submitted
    ranking = save_scores(post_a, {}, submit=True)
    assert ranking.groups("submitted") == [[teachers[4].id], sorted([teachers[0].id, teachers[2].id])]
    assert ranking.unacceptable("submitted") == [teachers[1].id]
    with pytest.raises(Refused, match="尚无完整成绩"):
        save_scores(post_b, {teachers[0].id: Score(900, None)}, submit=True)
    save_scores(post_b, {teachers[0].id: Score(700, 700), teachers[2].id: Score(900, 950)}, submit=True)
    outcome = run_fair(round_, None)
    placed = {p.teacher_id: p for p in outcome.run.placements}
    # Teacher 2 wants B first, and B (1 seat) ranks them above teacher 0: 2 goes to B. A (2 seats)
    # takes 4, then 0 (tied with 2, who no longer asks for A).
    assert placed[teachers[2].id].school_id == short_b.id and placed[teachers[2].id].preference_rank == 1
    assert placed[teachers[4].id].school_id == short_a.id and placed[teachers[0].id].school_id == short_a.id
    # Teacher 1 was absent at A, the only school they listed: they stay at their school.
    assert placed[teachers[1].id].how == "unplaced" and placed[teachers[1].id].school_id is None
    assert "assigned" not in json.loads(outcome.run.result_json)  # no administrative assignment
    with pytest.raises(Refused, match="不作行政指定"):
        change_assignment(outcome.run, teachers[1], short_b, "想安排")
    lines = explanation_for(outcome.run, teachers[1])
    assert lines[0].endswith("未被聘任，留在原校。") and "不接受" in lines[1]
    confirm_assignment(round_)  # the bureau's approval
    assert round_.state == "assigned"
    publish(round_)
    records = db.session.scalars(select(ExchangeRecord).where(ExchangeRecord.year == round_.year)).all()
    assert sorted(r.teacher_id for r in records) == sorted([teachers[4].id, teachers[0].id, teachers[2].id])


def test_the_competition_run_replays_with_matchapp_solve_without_assign(app, tmp_path):
    import subprocess
    import sys

    round_, schools, teachers = _competition()
    post_a, post_b = _open_and_apply(round_, schools, teachers)
    save_preferences(round_, teachers[0], [schools[0].id], submit=True)
    close_fair(round_)
    save_scores(post_a, {teachers[0].id: Score(800, 800)}, submit=True)
    run = run_fair(round_, None).run
    path = tmp_path / "instance.json"
    path.write_text(run.instance_json, encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "matchapp", "solve", str(path)], capture_output=True)
    assert proc.returncode == 0 and proc.stdout == run.result_json.encode("utf-8")


def test_a_score_sheet_with_problems_is_refused_by_row_and_column_and_writes_nothing(app):
    round_, schools, teachers = _competition()
    post_a, post_b = _open_and_apply(round_, schools, teachers)
    for t in teachers[:3]:
        save_preferences(round_, t, [schools[0].id], submit=True)
    close_fair(round_)
    save_scores(post_a, {teachers[0].id: Score(800, 800)}, submit=False)
    data = _sheet(
        [
            (teachers[0].staff_no, "别人", "85", "85"),  # the name does not match
            (teachers[1].staff_no, teachers[1].name, "101", "85"),  # above 100
            (teachers[1].staff_no, teachers[1].name, "85", "85"),  # twice
            ("NOBODY", "", "85", "85"),  # not an applicant
            (teachers[2].staff_no, teachers[2].name, "85.25", ""),  # two decimals; interview missing
            (teachers[2].staff_no[:0] + teachers[3].staff_no, "", "80", "80", "请假"),  # not an applicant; verdict
        ]
    )
    with pytest.raises(ImportRefused) as refused:
        import_scores(post_a, data, "成绩.xlsx")
    problems = [(p.row, p.column) for p in refused.value.report.problems]
    assert problems == [
        (2, "姓名"),
        (3, "说课/试讲成绩"),
        (4, "工号"),
        (5, "工号"),
        (6, "说课/试讲成绩"),
        (6, "面试成绩"),
        (7, "工号"),
        (7, "考核结论"),
    ]
    stored = db.session.scalars(select(AssessmentScore)).all()
    assert [(s.teacher_id, s.teaching) for s in stored] == [(teachers[0].id, 800)]  # untouched
    with pytest.raises(ImportRefused, match="problem"):
        import_scores(post_a, b"not a spreadsheet", "成绩.xlsx")


def test_the_score_template_lists_the_applicants(app):
    round_, schools, teachers = _competition()
    post_a, post_b = _open_and_apply(round_, schools, teachers)
    for t in teachers[:3]:
        save_preferences(round_, t, [schools[0].id], submit=True)
    sheet = load_workbook(io.BytesIO(score_template(post_a))).worksheets[0]
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    assert rows[0] == ["工号", "姓名", "说课/试讲成绩", "面试成绩", "考核结论"]
    assert sorted(r[0] for r in rows[1:]) == sorted(t.staff_no for t in teachers[:3])


CELL = st.one_of(
    st.sampled_from(["", "85", "100", "100.5", "0", "-1", "8.75", "九十", "缺考", "不合格", "合格", " 90 ", "1e2"]),
    st.text(max_size=6),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(st.sampled_from(["A1", "A2", "A3", "ZZ", ""]), st.sampled_from(["甲", "乙", ""]), CELL, CELL, CELL),
        max_size=8,
    ),
    st.booleans(),
)
def test_any_score_sheet_is_either_read_whole_or_refused_by_row_and_column(rows, with_header):
    # The parser of the sheet (its rows as read): never an exception, problems always located,
    # and scores only when there is no problem at all.
    applicants = {
        code: type("T", (), {"id": k, "name": name, "staff_no": code})
        for k, (code, name) in enumerate([("A1", "甲"), ("A2", "乙"), ("A3", "丙")])
    }
    table = ([["工号", "姓名", "说课/试讲成绩", "面试成绩", "考核结论"]] if with_header else []) + [
        list(r) for r in rows
    ]
    problems, scores = check_score_rows(table, applicants)
    if not problems:
        assert with_header and scores
        for score in scores.values():
            assert score.verdict in ("", "fail", "absent")
            for value in (score.teaching, score.interview):
                assert value is None or 0 <= value <= 1000
            assert score.verdict or (score.teaching is not None and score.interview is not None)
    for p in problems:
        assert p.row == 0 or 1 <= p.row <= len(table)
        assert p.message


# -- the bureau's arrangement without a fair --------------------------------------------------------


def _arrangement():
    round_ = gen_round(procedure="arrangement")
    schools = [
        gen_school(code=f"A{k}", name=f"安排学校{k}", tier=t, zone=z)
        for k, (t, z) in enumerate([("strong", "东"), ("weak", "东"), ("weak", "西")])
    ]
    teachers = [gen_teacher(schools[k % 3], name=f"安排{k}", backbone=k == 0) for k in range(5)]
    for t in teachers:
        db.session.add(Outgoing(round_id=round_.id, teacher_id=t.id, how="rule", confirmed=True))
    posts = [
        Post(round_id=round_.id, school_id=schools[1].id, subject="math", seats=2, confirmed=True),
        Post(round_id=round_.id, school_id=schools[2].id, subject="math", seats=2, confirmed=True, min_title="senior"),
        Post(round_id=round_.id, school_id=schools[0].id, subject="math", seats=1, confirmed=True, backbone_seats=1),
    ]
    db.session.add_all(posts)
    db.session.flush()
    return round_, schools, teachers, posts


def test_an_arrangement_goes_straight_to_the_assignment_with_the_same_rules(app):
    round_, schools, teachers, posts = _arrangement()
    teachers[1].title = "senior"
    with pytest.raises(Refused, match="不举行双向选择洽谈会"):
        open_fair(round_, None)
    with pytest.raises(Refused, match="不举行双向选择洽谈会"):
        save_preferences(round_, teachers[0], [schools[1].id], submit=True)
    preview = run_fair(round_, None, preview=True)
    assert round_.state == "preparing" and preview.run.kind == "preview"
    outcome = run_fair(round_, None)
    assert round_.state == "matched"
    placed = {p.teacher_id: p for p in outcome.run.placements}
    assert all(p.how in ("assigned", "unplaced") for p in placed.values())
    school_of = {s.id: s for s in schools}
    for t in teachers:
        p = placed[t.id]
        if p.school_id is not None:
            assert p.school_id != t.school_id
            if p.school_id == schools[2].id:
                assert t.title == "senior"  # the post's requirement holds in the arrangement too
    assert placed[teachers[0].id].school_id != schools[0].id  # teacher 0's own school
    # Four seats anyone may take (school 1's two, school 0's reserved one going to a backbone
    # teacher first, school 2's for seniors only): the backbone teacher from school 0 cannot go
    # home, so school 0's reserved seat goes to a non-backbone teacher only if nobody else fits.
    assert sum(p.school_id is not None for p in placed.values()) == 4
    lines = explanation_for(outcome.run, teachers[1])
    assert "行政指定到" in lines[0] and school_of[placed[teachers[1].id].school_id].name in lines[0]
    doc = json.loads(outcome.run.instance_json)
    assert all(t["preferences"] == [] for t in doc["teachers"]) and all(p["ranking"] == [] for p in doc["posts"])
    # Re-run while matched, then confirm and publish as usual.
    run_fair(round_, None)
    confirm_assignment(round_)
    with pytest.raises(Refused, match="统一安排已确认"):
        run_fair(round_, None)
    publish(round_)
    assert db.session.scalar(select(func.count(ExchangeRecord.id))) == 4


def test_procedure_changes_while_preparing_only_and_never_over_a_competition_s_data(app):
    round_, schools, teachers, posts = _arrangement()
    set_procedure(round_, "fair")  # fair and arrangement share lists and posts
    set_procedure(round_, "arrangement")
    with pytest.raises(Refused, match="不能改为或改出跨校竞聘"):
        set_procedure(round_, "competition")
    empty = gen_round(year=2031)
    set_procedure(empty, "competition")
    assert empty.procedure == "competition"
    with pytest.raises(Refused, match="没有这种交流方式"):
        set_procedure(empty, "lottery")
    run_fair(round_, None)
    with pytest.raises(Refused, match="不可再修改"):
        set_procedure(round_, "fair")


# -- the pages ---------------------------------------------------------------------------------------


def test_the_fair_pages_say_there_is_no_fair_in_an_arrangement(app, client, auth):
    round_, schools, teachers, posts = _arrangement()
    gen_user("teacher", username="t0", teacher_id=teachers[0].id)
    gen_user("school", username="s1", school_id=schools[1].id)
    gen_user("bureau", username="renshi")
    db.session.commit()
    auth.login("t0")
    page = client.get(f"/fair/{round_.id}/preferences").get_data(as_text=True)
    assert "本年度不举行双向选择洽谈会" in page and "无需填报志愿" in page
    home = client.get("/home").get_data(as_text=True)
    assert "由教育局统一安排交流学校" in home and "洽谈会：按真实意愿" not in home
    auth.logout()
    auth.login("s1")
    assert "本年度不举行双向选择洽谈会" in client.get(f"/fair/{round_.id}/schools/{schools[1].id}").get_data(
        as_text=True
    )
    assert "为申请本校岗位的教师排序" not in client.get("/home").get_data(as_text=True)
    auth.logout()
    auth.login("renshi")
    control = client.get(f"/fair/{round_.id}/").get_data(as_text=True)
    assert "生成统一安排方案之前" in control and "生成统一安排方案" in control and "开放洽谈会" not in control
    home = client.get("/home").get_data(as_text=True)
    assert "生成统一安排方案" in home and "洽谈会：教师填报、学校排序" not in home
    resp = client.post(f"/fair/{round_.id}/run", data={"confirm": "y"})
    assert "/jobs/" in resp.headers["Location"]
    from matchapp.core.jobs import wait_for_jobs

    wait_for_jobs()
    control = client.get(f"/fair/{round_.id}/").get_data(as_text=True)
    assert "已生成安排方案" in control and "确认安排" in control
    page = client.post(f"/fair/{round_.id}/confirm", data={"confirm": "y"}, follow_redirects=True).get_data(
        as_text=True
    )
    assert "统一安排已确认" in page


def test_the_competition_pages_for_the_school_the_teacher_and_the_bureau(app, client, auth):
    round_, schools, teachers = _competition()
    short_a, short_b, over_a, over_b = schools
    gen_user("school", username="qa", school_id=short_a.id)
    gen_user("school", username="ca", school_id=over_a.id)
    gen_user("teacher", username="t0", teacher_id=teachers[0].id)
    gen_user("bureau", username="renshi")
    db.session.commit()
    auth.login("qa")
    page = client.get(f"/procedures/{round_.id}/schools/{short_a.id}").get_data(as_text=True)
    assert "缺编2人" in page and "发布或修改岗位" in page
    page = client.post(
        f"/procedures/{round_.id}/schools/{short_a.id}/posts",
        data={"subject": "math", "seats": "2", "min_education": "", "min_title": "", "backbone_seats": "0"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "已发布缺编一校的竞聘岗位（2个）" in page
    assert client.get(f"/procedures/{round_.id}/schools/{over_a.id}").status_code == 403
    assert client.get(f"/fair/{round_.id}/schools/{short_a.id}").status_code == 302  # the fair's page sends here
    auth.logout()
    auth.login("t0")
    page = client.get(f"/procedures/{round_.id}/apply").get_data(as_text=True)
    assert "本校数学学科超编3人，您可以申请参加跨校竞聘" in page and "缺编一校" in page
    page = client.post(f"/procedures/{round_.id}/apply", data={"action": "apply"}, follow_redirects=True).get_data(
        as_text=True
    )
    assert "等待学校同意" in page
    assert "向本校提出跨校竞聘申请" in client.get("/home").get_data(as_text=True)
    auth.logout()
    auth.login("ca")
    entry = db.session.scalar(select(Outgoing).where(Outgoing.teacher_id == teachers[0].id))
    page = client.post(
        f"/procedures/{round_.id}/applications/{entry.id}", data={"decision": "approve"}, follow_redirects=True
    ).get_data(as_text=True)
    assert f"已同意{teachers[0].name}参加跨校竞聘" in page
    auth.logout()
    auth.login("renshi")
    control = client.get(f"/fair/{round_.id}/").get_data(as_text=True)
    assert "开放竞聘报名之前" in control and "1名教师的竞聘申请已经本校同意" in control
    client.post(f"/fair/{round_.id}/open", data={"confirm": "y"})
    assert db.session.get(type(round_), round_.id).state == "fair_open"
    auth.logout()
    auth.login("t0")
    page = client.get(f"/fair/{round_.id}/preferences").get_data(as_text=True)
    assert "填报竞聘意愿" in page and "考核成绩" in page
    client.post(f"/fair/{round_.id}/preferences", data={f"rank-{short_a.id}": "1", "submit": "1"})
    auth.logout()
    auth.login("renshi")
    client.post(f"/fair/{round_.id}/close", data={"confirm": "y"})
    auth.logout()
    auth.login("qa")
    post = db.session.scalar(select(Post).where(Post.school_id == short_a.id))
    page = client.get(f"/procedures/{round_.id}/posts/{post.id}/scores").get_data(as_text=True)
    assert teachers[0].name in page and "提交成绩并生成排序" in page
    page = client.post(
        f"/procedures/{round_.id}/posts/{post.id}/scores",
        data={f"teaching-{teachers[0].id}": "abc", f"interview-{teachers[0].id}": "90", "submit": "1"},
    ).get_data(as_text=True)
    assert "成绩应为0到100之间" in page
    page = client.post(
        f"/procedures/{round_.id}/posts/{post.id}/scores/import",
        data={"file": (io.BytesIO(_sheet([("NOBODY", "", "80", "80")])), "成绩.xlsx")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "成绩表有1处问题，未导入任何成绩" in page and "不是本岗位符合要求的申请者" in page
    page = client.post(
        f"/procedures/{round_.id}/posts/{post.id}/scores",
        data={f"teaching-{teachers[0].id}": "88.5", f"interview-{teachers[0].id}": "90", "submit": "1"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "成绩已提交，岗位排序已按总分生成" in page and "178.5" in page
    assert db.session.scalar(select(PostRanking.submitted_at).where(PostRanking.post_id == post.id)) is not None
    assert client.get(f"/procedures/{round_.id}/posts/{post.id}/scores.xlsx").status_code == 200
    auth.logout()
    auth.login("renshi")
    client.post(f"/fair/{round_.id}/run", data={"confirm": "y"})
    from matchapp.core.jobs import wait_for_jobs

    wait_for_jobs()
    control = client.get(f"/fair/{round_.id}/").get_data(as_text=True)
    assert "批准竞聘结果" in control
    page = client.post(f"/fair/{round_.id}/confirm", data={"confirm": "y"}, follow_redirects=True).get_data(
        as_text=True
    )
    assert "竞聘结果已批准" in page and "已批准" in page
    placement = db.session.scalar(select(Placement).where(Placement.teacher_id == teachers[0].id))
    assert placement.school_id == short_a.id and placement.how == "matched"


def test_a_ranking_cannot_be_typed_for_a_competition_post(app):
    # Not at the fair's ranking page, not through the API: a 竞聘 post's ranking is its scores'.
    round_, schools, teachers = _competition()
    post_a, post_b = _open_and_apply(round_, schools, teachers)
    save_preferences(round_, teachers[0], [schools[0].id], submit=True)
    with pytest.raises(Refused, match="由考核成绩生成"):
        save_ranking(post_a, {teachers[0].id: 1}, set(), 0, submit=True)
