"""Signing in: each role reaches its home page in Chinese; failures are refused in Chinese."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from matchapp.auth.services import create_user
from matchapp.core.clock import utcnow
from matchapp.extensions import db
from tests.conftest import make_app, running
from tests.factories import gen_round, gen_school, gen_user


@pytest.mark.parametrize(
    "role,heading", [("bureau", "教育局工作台"), ("school", "接下来要做的事"), ("teacher", "老师")]
)
def test_each_role_signs_in_and_sees_its_home_page_in_chinese(app, auth, role, heading):
    gen_round()
    user = gen_user(role)
    db.session.commit()
    page = auth.login(user.username).get_data(as_text=True)
    assert heading in page
    assert "退出" in page and '<html lang="zh-CN">' in page


def test_wrong_password_is_refused_in_chinese(app, auth):
    user = gen_user("bureau")
    db.session.commit()
    page = auth.login(user.username, "wrong-password").get_data(as_text=True)
    assert "用户名或密码错误" in page
    assert auth.client.get("/home").status_code == 302  # still signed out


def test_unknown_user_gets_the_same_message(app, auth):
    page = auth.login("nobody", "whatever123").get_data(as_text=True)
    assert "用户名或密码错误" in page


def _login_from(app, username, password, address):
    """A sign-in through the form from one client address."""
    client = app.test_client()
    page = client.post(
        "/login",
        data={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": address},
        follow_redirects=True,
    )
    return client, page.get_data(as_text=True)


def test_failures_delay_only_the_address_that_failed_and_the_delay_grows(app):
    from matchapp.auth.models import LoginFailure

    user = gen_user("teacher")
    db.session.commit()
    free = app.config["LOGIN_MAX_FAILURES"]
    for _ in range(free - 1):
        assert "用户名或密码错误" in _login_from(app, user.username, "wrong", "10.0.0.66")[1]
    # The fifth failure from that address starts a one-minute wait; the next doubles it.
    assert "登录失败次数过多" in _login_from(app, user.username, "wrong", "10.0.0.66")[1]
    first = db.session.scalar(select(LoginFailure)).locked_until
    row = db.session.scalar(select(LoginFailure))
    row.locked_until = utcnow() - dt.timedelta(seconds=1)  # the wait is over
    db.session.commit()
    assert "登录失败次数过多" in _login_from(app, user.username, "wrong", "10.0.0.66")[1]
    row = db.session.scalar(select(LoginFailure))
    assert row.count == free + 1 and row.locked_until - utcnow() > dt.timedelta(minutes=1, seconds=50)
    assert first is not None
    # Even the right password waits from that address…
    assert "登录失败次数过多" in _login_from(app, user.username, "password123", "10.0.0.66")[1]
    # …but the owner, from another address, signs in: an attacker cannot lock them out.
    assert "老师" in _login_from(app, user.username, "password123", "10.0.0.7")[1]


def test_the_bureau_unlocks_an_account_and_it_is_audited(app):
    from matchapp.auth.models import LoginFailure
    from matchapp.core.audit import AuditLog

    teacher = gen_user("teacher")
    gen_user("bureau", username="renshi")
    db.session.commit()
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        _login_from(app, teacher.username, "wrong", "10.0.0.66")
    assert "登录失败次数过多" in _login_from(app, teacher.username, "password123", "10.0.0.66")[1]
    bureau, _page = _login_from(app, "renshi", "password123", "10.0.0.1")
    page = bureau.get("/accounts/security").get_data(as_text=True)
    assert teacher.username in page and "10.0.0.66" in page
    done = bureau.post(
        "/accounts/security/act", data={"user_id": teacher.id, "action": "unlock"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "已解除" in done
    assert db.session.scalar(select(func.count(LoginFailure.id))) == 0
    assert "老师" in _login_from(app, teacher.username, "password123", "10.0.0.66")[1]
    audit = db.session.scalar(select(AuditLog).where(AuditLog.action == "unlock"))
    assert (
        audit.entity_id == teacher.id
        and audit.actor == "renshi"
        and audit.before == {"login_failures": {"10.0.0.66": 5}}
    )


def test_a_copied_cookie_stops_working_after_logout(app, auth):
    user = gen_user("bureau")
    db.session.commit()
    auth.login(user.username)
    copied = auth.client.get_cookie("session").value
    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert thief.get("/home").status_code == 200  # the copy works while the session is open
    auth.logout()
    assert thief.get("/home").status_code == 302  # and not after: the server ended the session


def test_a_password_change_ends_the_other_sessions_and_every_token(app):
    from matchapp.auth.models import ApiToken

    gen_user("bureau", username="ren")
    db.session.commit()
    here, _page = _login_from(app, "ren", "password123", "10.0.0.1")
    there, _page = _login_from(app, "ren", "password123", "10.0.0.2")
    token = app.test_client().post("/api/v1/token", json={"username": "ren", "password": "password123"}).json["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    assert app.test_client().get("/api/v1/tokens", headers=bearer).status_code == 200
    weak = here.post(
        "/account", data={"current": "password123", "new": "abcdefgh", "again": "abcdefgh"}, follow_redirects=True
    )
    assert "至少三种" in weak.get_data(as_text=True)
    changed = here.post(
        "/account",
        data={"current": "password123", "new": "Xin-mima-2027", "again": "Xin-mima-2027"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "密码已修改" in changed
    assert here.get("/home").status_code == 200  # this browser stays signed in
    assert there.get("/home").status_code == 302  # the other one is signed out
    assert app.test_client().get("/api/v1/tokens", headers=bearer).status_code == 401
    assert db.session.scalar(select(ApiToken)).revoked_why == "password"


def test_tokens_are_random_stored_as_digests_listed_and_revocable(app):
    from matchapp.auth.models import ApiToken

    gen_user("teacher", username="t9")
    gen_user("bureau", username="renshi")
    db.session.commit()
    api = app.test_client()
    first = api.post("/api/v1/token", json={"username": "t9", "password": "password123", "name": "手机"}).json
    second = api.post("/api/v1/token", json={"username": "t9", "password": "password123"}).json
    assert first["token"] != second["token"] and len(first["token"]) > 40
    stored = db.session.scalars(select(ApiToken.secret_hash)).all()
    assert first["token"] not in stored and second["token"] not in stored  # only digests are kept
    listed = api.get("/api/v1/tokens", headers={"Authorization": f"Bearer {first['token']}"}).json["tokens"]
    assert {t["prefix"] for t in listed} == {first["prefix"], second["prefix"]} and "token" not in listed[0]
    # The owner signs one token out; the bureau revokes the other.
    assert api.delete("/api/v1/token", headers={"Authorization": f"Bearer {first['token']}"}).status_code == 204
    assert api.get("/api/v1/tokens", headers={"Authorization": f"Bearer {first['token']}"}).status_code == 401
    bureau = api.post("/api/v1/token", json={"username": "renshi", "password": "password123"}).json["token"]
    url = f"/api/v1/tokens/{second['id']}"
    assert api.delete(url, headers={"Authorization": f"Bearer {second['token']}x"}).status_code == 401
    assert api.delete(url, headers={"Authorization": f"Bearer {bureau}"}).status_code == 204
    assert api.get("/api/v1/tokens", headers={"Authorization": f"Bearer {second['token']}"}).status_code == 401


def test_disabled_account_is_refused(app, auth):
    user = gen_user("bureau", active=False)
    db.session.commit()
    assert "该账号已停用" in auth.login(user.username).get_data(as_text=True)


def test_passwords_are_stored_with_a_slow_hash(app):
    user = create_user("ren", "Correct-horse1", "bureau")
    assert user.password_hash.startswith("scrypt:") and "Correct-horse1" not in user.password_hash
    assert user.check_password("Correct-horse1") and not user.check_password("Correct-horse")


def test_create_user_refuses_role_without_binding_and_short_passwords(app):
    with pytest.raises(ValueError, match="needs a school"):
        create_user("x1", "Long-enough1", "school")
    with pytest.raises(ValueError, match="至少8个字符"):
        create_user("x2", "Sh0rt!", "bureau")
    with pytest.raises(ValueError, match="用户名"):
        create_user("wangfang", "Wangfang-2027", "bureau")
    with pytest.raises(ValueError, match="常见密码"):
        create_user("x4", "Password1!", "bureau")
    school = gen_school()
    create_user("x3", "Long-enough1", "school", school_id=school.id)
    with pytest.raises(ValueError, match="taken"):
        create_user("X3", "Long-enough1", "bureau")


def test_login_redirects_only_to_local_next(app, auth):
    user = gen_user("bureau")
    db.session.commit()
    resp = auth.client.post(
        "/login?next=https://evil.example/x", data={"username": user.username, "password": "password123"}
    )
    assert resp.headers["Location"].endswith("/home")


def test_logout_is_a_post(app, auth):
    user = gen_user("bureau")
    db.session.commit()
    auth.login(user.username)
    assert auth.client.get("/logout").status_code == 405
    assert "您已退出登录" in auth.logout().get_data(as_text=True)


def test_forms_without_csrf_token_are_refused(database_url, tmp_path):
    with running(make_app(database_url, tmp_path, WTF_CSRF_ENABLED=True)) as app:
        gen_user("bureau", username="ren")
        db.session.commit()
        resp = app.test_client().post("/login", data={"username": "ren", "password": "password123"})
        assert resp.status_code == 400
        assert "请求无效" in resp.get_data(as_text=True)


def test_login_attempts_are_rate_limited(database_url, tmp_path):
    with running(make_app(database_url, tmp_path, RATELIMIT_ENABLED=True)) as app:
        client = app.test_client()
        codes = [client.post("/login", data={"username": "a", "password": "b"}).status_code for _ in range(22)]
        assert codes[:20] == [200] * 20 and codes[-1] == 429
        assert "操作过于频繁" in client.post("/login", data={"username": "a", "password": "b"}).get_data(as_text=True)
