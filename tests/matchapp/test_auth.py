"""Signing in: each role reaches its home page in Chinese; failures are refused in Chinese."""

import datetime as dt

import pytest

from matchapp.auth.models import User
from matchapp.auth.services import create_user
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


def test_account_locks_after_repeated_failures_even_for_the_right_password(app, auth):
    user = gen_user("teacher")
    db.session.commit()
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        auth.login(user.username, "wrong-password")
    page = auth.login(user.username).get_data(as_text=True)
    assert "账号已暂时锁定" in page
    assert db.session.get(User, user.id).locked_until > dt.datetime.utcnow()
    # After the lock expires the right password works again.
    db.session.get(User, user.id).locked_until = dt.datetime.utcnow() - dt.timedelta(seconds=1)
    db.session.commit()
    assert "老师" in auth.login(user.username).get_data(as_text=True)


def test_disabled_account_is_refused(app, auth):
    user = gen_user("bureau", active=False)
    db.session.commit()
    assert "该账号已停用" in auth.login(user.username).get_data(as_text=True)


def test_passwords_are_stored_with_a_slow_hash(app):
    user = create_user("ren", "correct-horse", "bureau")
    assert user.password_hash.startswith("scrypt:") and "correct-horse" not in user.password_hash
    assert user.check_password("correct-horse") and not user.check_password("correct-hors")


def test_create_user_refuses_role_without_binding_and_short_passwords(app):
    with pytest.raises(ValueError, match="needs a school"):
        create_user("x1", "longenough", "school")
    with pytest.raises(ValueError, match="at least 8"):
        create_user("x2", "short", "bureau")
    school = gen_school()
    create_user("x3", "longenough", "school", school_id=school.id)
    with pytest.raises(ValueError, match="taken"):
        create_user("X3", "longenough", "bureau")


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
