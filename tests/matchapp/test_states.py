"""Every role, in every state of the round (issue 14, items 2 and 6): the home page says what to
do now — a teacher is told to rank while the fair is open and to read the result once it is
published, never the other way round — and no page any role can open shows a raw code
(``math``, ``fair_open``), including the fair's and the results' pages and the run's notes."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from matchapp.core.jobs import Job, wait_for_jobs
from matchapp.extensions import db
from matchapp.fair.preferences import save_preferences
from matchapp.fair.window import close_fair, open_fair
from matchapp.results.publication import publish
from matchapp.roster.bureau import bureau_settings
from matchapp.roster.models import ExchangeRecord
from matchapp.runs.assignment import confirm_assignment
from matchapp.runs.models import Run
from tests.factories import gen_teacher, gen_user
from tests.matchapp.test_fair import _fair, _rank_all
from tests.matchapp.test_route_access import cases
from tests.matchapp.test_words import RAW, visible_text

STATES = ("preparing", "fair_open", "fair_closed", "matched", "assigned", "published")


def _world(state: str, client) -> dict:
    """The little city of test_fair, moved on to ``state`` the way the bureau moves it."""
    round_, s, teachers, music, posts = _fair()
    bystander = gen_teacher(s[0], subject="math", name="不交流")
    settings = bureau_settings()
    settings.phone, settings.address, settings.document_prefix = "0519-1234567", "局前街1号", "教人〔2027〕"
    users = {
        "teacher": gen_user("teacher", username="on-list", teacher_id=teachers[0].id),
        "silent": gen_user("teacher", username="no-list-submitted", teacher_id=teachers[4].id),
        "bystander": gen_user("teacher", username="bystander", teacher_id=bystander.id),
        "school": gen_user("school", username="school0", school_id=s[0].id),
        "bureau": gen_user("bureau", username="bureau"),
    }
    for school in s[1:]:
        gen_user("school", school_id=school.id)  # every school has its administrator
    if state != "preparing":
        open_fair(round_, None)
        for k, choice in {0: [3, 2], 1: [3, 2], 2: [3], 3: [2, 3]}.items():
            save_preferences(round_, teachers[k], [s[j].id for j in choice], submit=True)
        save_preferences(round_, teachers[4], [s[1].id], submit=False)  # a draft, never submitted
        save_preferences(round_, music, [s[3].id], submit=True)
    if STATES.index(state) >= 2:
        _rank_all(posts["D"], [teachers[2], teachers[0], teachers[1], teachers[3]])
        close_fair(round_)
    db.session.commit()
    job_id = 999999
    if STATES.index(state) >= 3:
        # The run goes through the page and its job, so that the job page (with the run's notes:
        # "学科音乐只有1名流出教师", "学校2 数学岗位未提交排序") is read like every other page.
        client.post("/login", data={"username": "bureau", "password": "password123"})
        response = client.post(f"/fair/{round_.id}/run", data={"confirm": "y"})
        client.post("/logout")
        wait_for_jobs()
        db.session.expire_all()
        job_id = int(response.headers["Location"].rsplit("/", 1)[-1])
        assert db.session.get(Job, job_id).state == "done"
    if STATES.index(state) >= 4:
        confirm_assignment(round_)
    if state == "published":
        publish(round_, actor="bureau")
    db.session.commit()
    assert round_.state == state
    run = db.session.scalar(select(Run).where(Run.round_id == round_.id))
    records = {r.teacher_id: r.id for r in db.session.scalars(select(ExchangeRecord))}  # after publication
    return {
        "own_record": records.get(teachers[0].id, 999999),
        "other_record": records.get(teachers[3].id, 999999),
        "round": round_.id,
        "own_school": s[0].id,
        "other_school": s[1].id,
        "own_teacher": teachers[0].id,
        "other_teacher": teachers[3].id,
        "post_here": posts["A"].id,
        "post_there": posts["D"].id,
        "run": run.id if run else 999999,
        "job": job_id,
        "users": users,
    }


def _login(client, world, who: str) -> None:
    client.post("/login", data={"username": world["users"][who].username, "password": "password123"})


def _headline(html: str) -> str:
    match = re.search(r'<div class="card headline">(.*?)</div>', html, re.S)
    assert match, "the teacher's home page has a headline"
    return visible_text(match.group(1))


def _current_step(html: str) -> str:
    match = re.search(r'<li class="current">\s*<div class="step-title">(.*?)<span class="tag-now">', html, re.S)
    return visible_text(match.group(1)) if match else ""


#: state -> (what the listed teacher's headline says, its button, what it must not say)
TEACHER = {
    "preparing": ("洽谈会开放后，请按您真实的意愿为学校排序", None, "查看我的结果"),
    "fair_open": ("您的志愿已提交（回执号", "查看或修改志愿", "查看我的结果"),
    "fair_closed": ("洽谈会已截止，您的志愿已提交", None, "排序"),
    "matched": ("洽谈会已截止，您的志愿已提交", None, "排序"),
    "assigned": ("洽谈会已截止，您的志愿已提交", None, "排序"),
    "published": ("结果已公示", "查看我的结果", "排序"),
}
#: state -> the bureau's current step (all setup done)
BUREAU = {
    "preparing": "各校报送流出名单",
    "fair_open": "洽谈会：教师填报、学校排序",
    "fair_closed": "截止并运行匹配",
    "matched": "行政指定未匹配教师",
    "assigned": "公示结果并开具介绍信",
    "published": "",  # everything done
}
#: state -> what the school's step of the fair says
SCHOOL = {
    "preparing": "洽谈会尚未开放",
    "fair_open": "排序",
    "fair_closed": "洽谈会已截止",
    "matched": "洽谈会已截止",
    "assigned": "洽谈会已截止",
    "published": "结果已公示：查看本校接收和流出的教师，打印介绍信和报到单",
}


@pytest.mark.parametrize("state", STATES)
def test_each_roles_home_page_follows_the_rounds_state(app, client, state):
    world = _world(state, client)
    _login(client, world, "teacher")
    html = client.get("/home").get_data(as_text=True)
    says, button, never = TEACHER[state]
    headline = _headline(html)
    assert says in headline and never not in headline, headline
    if button:
        assert f">{button}</a>" in html
    if state == "published":
        assert f'href="/fair/{world["round"]}/my-result"' in html
    client.post("/logout")

    _login(client, world, "silent")  # on the list, only a draft saved
    headline = _headline(client.get("/home").get_data(as_text=True))
    if state == "fair_open":
        assert "洽谈会正在进行" in headline and "提交" in headline
    elif state in ("fair_closed", "matched", "assigned"):
        assert "您没有提交志愿，将由教育局行政指定" in headline
    client.post("/logout")

    _login(client, world, "bystander")  # not on this year's list
    headline = _headline(client.get("/home").get_data(as_text=True))
    if state == "preparing":
        assert "可在学校确认名单前自主申报" in headline
    else:
        assert "您不在本年度流出名单中" in headline and "自主申报" not in headline
    client.post("/logout")

    _login(client, world, "school")
    html = visible_text(client.get("/home").get_data(as_text=True))
    assert SCHOOL[state] in html
    if state != "preparing":
        assert "洽谈会尚未开放" not in html
    client.post("/logout")

    _login(client, world, "bureau")
    assert _current_step(client.get("/home").get_data(as_text=True)) == BUREAU[state]


ROLES = {"teacher": "teacher", "bystander": "teacher", "school": "school", "bureau": "bureau"}


@pytest.mark.parametrize("state", STATES)
def test_no_page_of_any_role_shows_a_raw_code_in_any_state(app, client, state):
    world = _world(state, client)
    pages = [
        (endpoint, url, allowed)
        for endpoint, method, url, allowed in cases(world)
        if method == "GET" and endpoint not in ("static", "api.openapi") and "/api/" not in url
    ]
    pages.append(("core.job", f"/jobs/{world['job']}", {"bureau"}))
    pages += [
        ("results.results", f"/fair/{world['round']}/results?how=assigned", {"bureau"}),
        ("preparation.schools", f"/rounds/{world['round']}/schools?page=1", {"bureau"}),
    ]
    found, seen = [], 0
    for who, role in ROLES.items():
        _login(client, world, who)
        for _endpoint, url, allowed in pages:
            if role not in allowed:
                continue
            response = client.get(url, headers={"Accept-Language": "zh-CN"}, follow_redirects=True)
            if response.status_code != 200 or not response.mimetype.startswith("text/html"):
                continue
            seen += 1
            text = visible_text(response.get_data(as_text=True))
            for match in RAW.finditer(text):
                found.append(f"{who} {url}: …{text[max(0, match.start() - 20) : match.end() + 20]}…")
        client.post("/logout")
    assert seen >= 40
    assert found == [], "\n".join(found)
    if STATES.index(state) >= 3:  # the run's notes were read, in words
        _login(client, world, "bureau")
        job = visible_text(client.get(f"/jobs/{world['job']}").get_data(as_text=True))
        assert "学科音乐只有1名流出教师" in job, job
