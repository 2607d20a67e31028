"""Accounts for everyone, in bulk: slips with initial passwords (printable and .xlsx), a forced
change at the first sign-in, resets by the bureau and by a school for its own teachers,
disabling, accounts made when a teacher enters an outgoing list — each audited."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from matchapp.accounts.models import SlipBatch
from matchapp.accounts.services import (
    AccountRefused,
    create_school_accounts,
    create_teacher_accounts,
    initial_password,
    reset_password,
    set_active,
)
from matchapp.auth.models import User
from matchapp.auth.passwords import password_problems
from matchapp.core.audit import AuditLog
from matchapp.extensions import db
from matchapp.roster.models import Bureau
from tests.factories import gen_school, gen_teacher, gen_user


def _sign_in(app, username, password):
    client = app.test_client()
    page = client.post("/login", data={"username": username, "password": password}, follow_redirects=True)
    return client, page.get_data(as_text=True)


def test_initial_passwords_are_random_and_meet_the_password_rules():
    passwords = {initial_password() for _ in range(300)}
    assert len(passwords) == 300
    assert all(password_problems(p) == [] for p in passwords)
    assert not any(c in p for p in passwords for c in "0O1lI")  # nothing to misread on paper


def test_the_bureau_creates_every_account_in_one_action_and_prints_the_slips(app):
    schools = [gen_school(code=f"Z{k}", name=f"镇{k}小学") for k in range(3)]
    for s in schools:
        gen_teacher(s)
        gen_teacher(s)
    gen_user("bureau", username="renshi")
    db.session.commit()
    bureau, _page = _sign_in(app, "renshi", "password123")
    done = bureau.post("/accounts/bulk", data={"role": "school"}, follow_redirects=True).get_data(as_text=True)
    assert "已创建3个账号" in done and "z0" in done and "镇0小学" in done
    done = bureau.post("/accounts/bulk", data={"role": "teacher"}, follow_redirects=True).get_data(as_text=True)
    assert "已创建6个账号" in done
    batch = db.session.scalars(select(SlipBatch).order_by(SlipBatch.id.desc())).first()
    book = load_workbook(io.BytesIO(bureau.get(f"/accounts/slips/{batch.id}.xlsx").data))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][:3] == ("角色", "用户名", "初始密码") and len(rows) == 7
    username, password = rows[1][1], rows[1][2]
    # The stored batch is encrypted: no initial password in clear in the database.
    assert password.encode() not in batch.payload
    # The teacher signs in with the slip and must change the password first.
    teacher, page = _sign_in(app, username, password)
    assert "这是您的初始密码，请先修改密码" in page
    assert teacher.get("/home").headers["Location"].endswith("/account")
    assert teacher.get("/api/v1/tokens").status_code == 403
    changed = teacher.post(
        "/account", data={"current": password, "new": "Wo-de-mima-27", "again": "Wo-de-mima-27"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "密码已修改" in changed
    assert teacher.get("/home").status_code == 200
    user = db.session.scalar(select(User).where(User.username == username))
    assert not user.must_change_password and user.password_hash.startswith("scrypt:32768")  # full cost now
    # Creating again makes nothing new: everyone has an account.
    again = bureau.post("/accounts/bulk", data={"role": "teacher"}, follow_redirects=True).get_data(as_text=True)
    assert "没有需要新建的账号" in again
    # Someone else cannot read the slips.
    assert db.session.scalar(select(func.count(User.id)).where(User.role == "school")) == 3
    gen_user("bureau", username="renshi2")
    db.session.commit()
    second, _page = _sign_in(app, "renshi2", "password123")
    assert second.get(f"/accounts/slips/{batch.id}").status_code == 404


def test_accounts_can_be_named_by_id_number(app):
    school = gen_school()
    with_id = gen_teacher(school, id_number="11010519491231002X")
    gen_teacher(school)  # no 身份证号
    db.session.add(Bureau(teacher_usernames="id_number"))
    db.session.commit()
    with pytest.raises(AccountRefused, match="没有身份证号"):
        create_teacher_accounts()
    db.session.rollback()
    slips = create_teacher_accounts([with_id])
    assert [s.username for s in slips] == ["11010519491231002X"]


def test_resets_and_disabling_follow_who_may_manage_whom_and_are_audited(app):
    school, other = gen_school(), gen_school()
    mine, theirs = gen_teacher(school), gen_teacher(other)
    admin = gen_user("school", username="admin", school_id=school.id)
    bureau = gen_user("bureau", username="renshi")
    create_teacher_accounts([mine, theirs])
    db.session.commit()
    mine_user = db.session.scalar(select(User).where(User.teacher_id == mine.id))
    theirs_user = db.session.scalar(select(User).where(User.teacher_id == theirs.id))
    slip = reset_password(admin, mine_user)  # a school resets its own teacher
    assert slip.username == mine_user.username and mine_user.must_change_password
    with pytest.raises(AccountRefused):
        reset_password(admin, theirs_user)  # not another school's
    with pytest.raises(AccountRefused):
        reset_password(admin, bureau)
    with pytest.raises(AccountRefused, match="停用理由"):
        set_active(bureau, mine_user, False, " ")
    set_active(bureau, mine_user, False, "退休")
    db.session.commit()
    _client, page = _sign_in(app, mine_user.username, slip.password)
    assert "该账号已停用" in page
    set_active(admin, mine_user, True)
    db.session.commit()
    _client, page = _sign_in(app, mine_user.username, slip.password)
    assert "这是您的初始密码" in page
    actions = db.session.scalars(
        select(AuditLog).where(AuditLog.entity == "users", AuditLog.entity_id == mine_user.id)
    ).all()
    assert any(a.action == "reset_password" and a.after["by"] == "admin" for a in actions)
    disabled = next(a for a in actions if a.action == "update" and a.after == {"active": False})
    assert disabled.reason == "退休" and disabled.actor == "renshi"


def test_the_account_pages_filter_search_and_refuse_what_a_school_may_not_do(app, client, auth):
    school = gen_school(name="东门小学")
    teachers = [gen_teacher(school, name=f"张{k}") for k in range(3)]
    gen_user("bureau", username="renshi")
    admin = gen_user("school", username="dongmen", school_id=school.id)
    create_school_accounts([])  # nothing
    create_teacher_accounts(teachers)
    disabled = db.session.scalar(select(User).where(User.teacher_id == teachers[0].id))
    disabled.active = False
    db.session.commit()
    auth.login("renshi")
    page = client.get("/accounts?role=teacher&state=disabled").get_data(as_text=True)
    assert "张0" in page and "张1" not in page
    page = client.get("/accounts?q=张2").get_data(as_text=True)
    assert "张2" in page and "张1" not in page
    page = client.get(f"/accounts?school_id={school.id}&state=never").get_data(as_text=True)
    assert "张1" in page and "张0" not in page
    auth.logout()
    auth.login("dongmen")
    assert client.get("/accounts").status_code == 403
    page = client.get(f"/schools/{school.id}/accounts").get_data(as_text=True)
    assert "张1" in page and "初始密码条已发放" in page
    assert client.post("/accounts/bulk", data={"role": "school"}).status_code == 403
    assert admin.school_id == school.id


def test_a_teacher_who_enters_an_outgoing_list_gets_an_account_and_the_school_issues_the_slip(app, client, auth):
    from matchapp.preparation.outgoing import record_vote
    from tests.factories import gen_round

    round_ = gen_round()
    school = gen_school()
    teacher = gen_teacher(school, name="李老师")
    gen_user("school", username="admin", school_id=school.id)
    db.session.commit()
    record_vote(round_, teacher, 9, 7)  # 7 of 9: chosen, on the list
    db.session.commit()
    user = db.session.scalar(select(User).where(User.teacher_id == teacher.id))
    assert user is not None and user.must_change_password and user.slip_issued_at is None
    auth.login("admin")
    page = client.get(f"/schools/{school.id}/accounts").get_data(as_text=True)
    assert "待发放初始密码条" in page and "为1个待发放的账号生成初始密码条" in page
    slips = client.post(f"/schools/{school.id}/accounts/issue", follow_redirects=True).get_data(as_text=True)
    assert "李老师" in slips and user.username in slips
    db.session.expire_all()
    assert db.session.get(User, user.id).slip_issued_at is not None


def test_bulk_hashing_of_many_initial_passwords_uses_the_light_cost(app):
    school = gen_school()
    teachers = [gen_teacher(school) for _ in range(250)]  # enough to take the parallel path
    slips = create_teacher_accounts(teachers)
    assert len(slips) == 250
    hashes = db.session.scalars(select(User.password_hash).where(User.role == "teacher")).all()
    assert all(h.startswith("scrypt:1024:8:1$") for h in hashes)
    from werkzeug.security import check_password_hash

    user = db.session.scalar(select(User).where(User.username == slips[17].username))
    assert check_password_hash(user.password_hash, slips[17].password)


def test_create_accounts_command_writes_the_slips(database_url, tmp_path):
    from flask_migrate import upgrade

    from tests.conftest import make_app

    app = make_app(database_url, tmp_path)
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        school = gen_school(code="C1")
        gen_teacher(school)
        gen_teacher(school)
        db.session.commit()
        db.engine.dispose()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "MATCHAPP_ENV": "development",
        "MATCHAPP_INSTANCE": str(tmp_path),
    }
    out = tmp_path / "accounts.xlsx"
    done = subprocess.run(
        [sys.executable, "-m", "matchapp", "create-accounts", "--role", "teacher", "--school", "C1", "-o", str(out)],
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0 and "created 2 teacher account(s)" in done.stdout, done.stderr
    rows = list(load_workbook(out).active.iter_rows(values_only=True))
    assert len(rows) == 3 and all(r[2] for r in rows[1:])
    missing = subprocess.run(
        [
            sys.executable,
            "-m",
            "matchapp",
            "create-accounts",
            "--role",
            "teacher",
            "-o",
            str(tmp_path / "no" / "x.xlsx"),
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    assert missing.returncode != 0 and "does not exist" in missing.stderr
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 2  # the failed write created nothing
        db.session.remove()
        db.drop_all()
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        db.engine.dispose()
