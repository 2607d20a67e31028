"""Every access rule, tried from the wrong side: a teacher sees only their own data, a school only its own."""

import pytest

from matchapp.extensions import db
from tests.factories import gen_round, gen_school, gen_teacher, gen_user


@pytest.fixture
def world(app):
    """Two schools, a teacher in each, an administrator for each, and bureau staff."""
    round_ = gen_round()
    a, b = gen_school(name="甲校"), gen_school(name="乙校")
    ta, tb = gen_teacher(a, name="甲老师"), gen_teacher(b, name="乙老师")
    users = {
        "bureau": gen_user("bureau"),
        "school_a": gen_user("school", school_id=a.id),
        "school_b": gen_user("school", school_id=b.id),
        "teacher_a": gen_user("teacher", teacher_id=ta.id),
        "teacher_b": gen_user("teacher", teacher_id=tb.id),
    }
    db.session.commit()
    return {"round": round_, "a": a, "b": b, "ta": ta, "tb": tb, "users": users}


def _status(client, auth, user, url):
    auth.login(user.username)
    status = client.get(url).status_code
    auth.logout()
    return status


def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    for url in [
        "/home",
        "/roster/schools",
        f"/roster/schools/{world['a'].id}",
        f"/roster/teachers/{world['ta'].id}",
        f"/rounds/{world['round'].id}/policy",
    ]:
        resp = client.get(url)
        assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_teacher_sees_own_record_but_not_another_teachers(client, auth, world):
    u = world["users"]["teacher_a"]
    assert _status(client, auth, u, f"/roster/teachers/{world['ta'].id}") == 200
    assert _status(client, auth, u, f"/roster/teachers/{world['tb'].id}") == 403


def test_teacher_cannot_open_school_or_bureau_pages(client, auth, world):
    u = world["users"]["teacher_a"]
    for url in [
        "/roster/schools",
        f"/roster/schools/{world['a'].id}",
        f"/rounds/{world['round'].id}/policy",
        "/rounds/",
    ]:
        assert _status(client, auth, u, url) == 403, url


def test_school_sees_only_its_own_school_and_teachers(client, auth, world):
    u = world["users"]["school_a"]
    assert _status(client, auth, u, f"/roster/schools/{world['a'].id}") == 200
    assert _status(client, auth, u, f"/roster/teachers/{world['ta'].id}") == 200
    assert _status(client, auth, u, f"/roster/schools/{world['b'].id}") == 403
    assert _status(client, auth, u, f"/roster/teachers/{world['tb'].id}") == 403
    assert _status(client, auth, u, "/roster/schools") == 403
    assert _status(client, auth, u, f"/rounds/{world['round'].id}/policy") == 403


def test_school_cannot_change_the_policy(client, auth, world):
    auth.login(world["users"]["school_a"].username)
    resp = client.post(f"/rounds/{world['round'].id}/preset", data={"preset": "dalian"})
    assert resp.status_code == 403
    assert world["round"].policy["preset"] == "changzhou"


def test_bureau_sees_everything(client, auth, world):
    u = world["users"]["bureau"]
    for url in [
        "/roster/schools",
        f"/roster/schools/{world['b'].id}",
        f"/roster/teachers/{world['tb'].id}",
        f"/rounds/{world['round'].id}/policy",
    ]:
        assert _status(client, auth, u, url) == 200, url


def test_forbidden_page_is_in_chinese_without_a_trace(client, auth, world):
    auth.login(world["users"]["teacher_a"].username)
    page = client.get("/roster/schools").get_data(as_text=True)
    assert "无权访问" in page and "Traceback" not in page


def test_missing_page_is_a_chinese_404(client, auth, world):
    auth.login(world["users"]["bureau"].username)
    resp = client.get("/roster/teachers/999999")
    assert resp.status_code == 404 and "页面不存在" in resp.get_data(as_text=True)
