"""A new bureau on the first day, from an empty database to an open fair, using only commands
(the real `matchapp`, in its own processes), then a teacher signs in with the slip's initial
password through the real `matchapp serve` and must change it first."""

from __future__ import annotations

import csv
import io
import subprocess

import pytest
import requests
from openpyxl import load_workbook

from matchapp.roster.importer import HEADERS
from matchapp.roster.register import SCHOOL_COLUMNS

from .conftest import Server, base_env, csrf_of, matchapp_command

pytestmark = pytest.mark.production
SUBJECTS = ["语文", "数学", "英语"]


def _csv(rows) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8")


def _files(tmp):
    schools = [list(SCHOOL_COLUMNS)]
    roster = [HEADERS]
    for k in range(6):
        code = f"X{k + 1:02d}"
        schools.append(
            [
                code,
                f"新区第{k + 1}小学",
                "小学",
                ["优质", "一般", "薄弱"][k % 3],
                "2025-07-01",
                f"{k % 2 + 1}片区",
                "城区",
                "",
                "否",
                "",
                "5",
            ]
        )
        for j in range(12):
            row = dict.fromkeys(HEADERS, "")
            row.update(
                {
                    "工号": f"X{k + 1:02d}{j:03d}",
                    "姓名": f"教师{k}{j}",
                    "性别": "女" if j % 2 else "男",
                    "出生日期": f"{1975 + j}-03-01",
                    "学校代码": code,
                    "学科": SUBJECTS[j % 3],
                    "职称": "中级",
                    "学历": "本科",
                    "骨干教师": "是" if j == 0 else "否",
                    "到本校任教时间": f"{2008 + j % 6}-09-01",
                }
            )
            roster.append([row[h] for h in HEADERS])
    (tmp / "schools.csv").write_bytes(_csv(schools))
    (tmp / "roster.csv").write_bytes(_csv(roster))


def _run(args, env, cwd, stdin=None):
    done = subprocess.run(
        [*matchapp_command(), *args], env=env, cwd=cwd, input=stdin, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, f"{args}: {done.stdout}\n{done.stderr}"
    return done.stdout


def test_from_an_empty_database_to_an_open_fair_with_commands_only(demo_database_url, tmp_path):
    env = base_env(demo_database_url, tmp_path / "instance")
    _files(tmp_path)
    _run(["db", "upgrade"], env, tmp_path)
    _run(["check"], env, tmp_path)
    _run(
        ["create-user", "renshi", "--role", "bureau", "--name", "人事处"],
        env,
        tmp_path,
        stdin="Jiaoyu-2027-x\nJiaoyu-2027-x\n",
    )
    _run(["create-round", "2027", "--preset", "changzhou"], env, tmp_path)
    assert "6 new" in _run(["import-schools", str(tmp_path / "schools.csv")], env, tmp_path)
    assert "72 new" in _run(["import-roster", str(tmp_path / "roster.csv")], env, tmp_path)
    assert "created 6 school" in _run(
        ["create-accounts", "--role", "school", "-o", str(tmp_path / "schools.xlsx")], env, tmp_path
    )
    out = _run(["create-accounts", "--role", "teacher", "-o", str(tmp_path / "teachers.xlsx")], env, tmp_path)
    assert "created 72 teacher" in out
    out = _run(["prepare", "2027"], env, tmp_path)
    assert "posts proposed" in out and " 0 teachers" not in out
    assert "is open" in _run(["open-fair", "2027", "--closes-at", "2099-07-02T17:00"], env, tmp_path)

    # A teacher on a list signs in with the slip's initial password, and changes it first.
    slips = list(load_workbook(tmp_path / "teachers.xlsx").active.iter_rows(values_only=True))[1:]
    server = Server(env, tmp_path)
    try:
        browser = requests.Session()
        page = browser.get(f"{server.url}/login", timeout=30)
        username, password = slips[0][1], slips[0][2]
        signed = browser.post(
            f"{server.url}/login",
            data={"username": username, "password": password, "csrf_token": csrf_of(page.text)},
            timeout=30,
        )
        assert signed.status_code == 200 and "请先修改密码" in signed.text and signed.url.endswith("/account")
        changed = browser.post(
            f"{server.url}/account",
            data={
                "current": password,
                "new": "Wode-mima-2027",
                "again": "Wode-mima-2027",
                "csrf_token": csrf_of(signed.text),
            },
            timeout=30,
        )
        assert "密码已修改" in changed.text
        assert browser.get(f"{server.url}/home", timeout=30).status_code == 200
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def demo_database_url(request, tmp_path):
    import os

    from tests.conftest import _reset_postgres

    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'bureau.sqlite'}"
    if not os.environ.get("TEST_DATABASE_URL"):
        pytest.skip("TEST_DATABASE_URL is not set")
    _reset_postgres(os.environ["TEST_DATABASE_URL"])
    return os.environ["TEST_DATABASE_URL"]
