"""`matchapp serve` as a bureau runs it: gunicorn with two workers, people signing in one after
another through the web form, each with fresh cookies, on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import os
import re
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from .conftest import Server, base_env, csrf_of, sign_in

pytestmark = pytest.mark.production


# Sync workers (the default; one thread: anything left on the worker's context is seen by the
# next request) and threaded workers.
@pytest.fixture(scope="module", params=[1, 4], ids=["sync", "threads"])
def server(request, demo_database):
    env = base_env(demo_database["url"], demo_database["tmp"] / "instance")
    running = Server(env, demo_database["tmp"], threads=request.param)
    yield running
    running.stop()


def _workers(master: int) -> list[int]:
    children = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == master:
                children.append(int(entry.name))
        except OSError:  # a process that ended while we looked
            continue
    return children


def _threads(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"^Threads:\s+(\d+)$", status, re.M).group(1))


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the workers from /proc")
def test_by_default_sync_workers_two_per_core_and_one_more(demo_database):
    # What deploy/matchapp.service runs: no --workers, no --threads.
    env = base_env(demo_database["url"], demo_database["tmp"] / "instance")
    running = Server(env, demo_database["tmp"], workers=None, threads=None)
    try:
        expected = min(2 * len(os.sched_getaffinity(0)) + 1, 17)
        deadline = time.monotonic() + 30
        while len(_workers(running.process.pid)) < expected and time.monotonic() < deadline:
            time.sleep(0.2)
        workers = _workers(running.process.pid)
        assert len(workers) == expected, running.log.read_text(errors="replace")[-2000:]
        accounts = {role: (u, p) for role, u, p in demo_database["accounts"]}
        browser = sign_in(running.url, *accounts["teacher"])
        for _ in range(3 * expected):  # every worker serves some (a threaded one starts its threads)
            assert browser.get(f"{running.url}/home", timeout=30).status_code == 200
        # Sync workers: one thread each. (A threaded worker keeps the threads it started; the
        # wait only lets a rate limiter's short-lived timer thread, without Redis, end.)
        deadline = time.monotonic() + 5
        while any(_threads(pid) > 1 for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert [_threads(pid) for pid in workers] == [1] * expected
        assert "Using worker: sync" in running.log.read_text(errors="replace")
    finally:
        running.stop()


def _sql(url: str, statement: str, **params):
    """Change the database from outside the application, as another program would."""
    engine = create_engine(url)
    with engine.begin() as conn:
        result = conn.execute(text(statement), params)
        value = result.scalar() if result.returns_rows else None
    engine.dispose()
    return value


def test_everyone_signs_in_in_turn_with_fresh_cookies(server, demo_database):
    # Twice round the demo accounts: with two workers, every worker serves several people.
    for _ in range(2):
        for role, username, password in demo_database["accounts"]:
            browser = sign_in(server.url, username, password)
            home = browser.get(f"{server.url}/home", timeout=30)
            assert home.status_code == 200, (username, home.status_code)
            assert f'class="badge role-{role}"' in home.text  # signed in as this person, not the last one
            if role == "teacher":
                own = browser.get(f"{server.url}/roster/me", timeout=30)
                assert own.status_code == 200 and username.upper() in own.text.upper()
            logout = browser.post(f"{server.url}/logout", data={"csrf_token": csrf_of(home.text)}, timeout=30)
            assert logout.status_code == 200 and "您已退出登录" in logout.text


def test_a_fair_closed_in_the_database_refuses_the_next_save(server, demo_database):
    round_id = _sql(demo_database["url"], "SELECT id FROM rounds ORDER BY year DESC LIMIT 1")
    _sql(
        demo_database["url"], "UPDATE rounds SET state = 'preparing', fair_closes_at = NULL WHERE id = :id", id=round_id
    )
    accounts = {role: (u, p) for role, u, p in reversed(demo_database["accounts"])}
    bureau = sign_in(server.url, *accounts["bureau"])
    control = bureau.get(f"{server.url}/fair/{round_id}/", timeout=30)
    closes = (dt.datetime.now() + dt.timedelta(days=2)).strftime("%Y-%m-%dT17:00")
    opened = bureau.post(
        f"{server.url}/fair/{round_id}/open",
        data={"csrf_token": csrf_of(control.text), "closes_at": closes, "confirm": "y"},
        timeout=30,
    )
    assert opened.status_code == 200 and "洽谈会已开放" in opened.text

    teacher = sign_in(server.url, *accounts["teacher"])
    token = csrf_of(teacher.get(f"{server.url}/home", timeout=30).text)
    posts = teacher.get(f"{server.url}/api/v1/rounds/{round_id}/posts", timeout=30).json()["posts"]
    assert posts, "the demo teacher has posts to rank"
    choice = {"schools": [posts[0]["school"]], "submit": True}
    url = f"{server.url}/api/v1/rounds/{round_id}/preferences"
    saved = teacher.put(url, json=choice, headers={"X-CSRFToken": token}, timeout=30)
    assert saved.status_code == 200, saved.text
    assert saved.json()["submitted"] == [posts[0]["school"]]
    # The preferences page's own form, as a browser sends it: a draft with two schools.
    page = teacher.get(f"{server.url}/fair/{round_id}/preferences", timeout=30).text
    schools = re.findall(r'name="rank-(\d+)"', page)[:2]
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    form = {"csrf_token": csrf_of(page), "version": version, "draft": "1"}
    form.update({f"rank-{school}": str(k + 1) for k, school in enumerate(schools)})
    drafted = teacher.post(f"{server.url}/fair/{round_id}/preferences", data=form, timeout=30)
    assert drafted.status_code == 200 and "草稿已保存" in drafted.text, drafted.text[:500]
    kept = teacher.get(url, timeout=30).json()
    assert len(kept["draft"]) == 2 and kept["submitted"] == [posts[0]["school"]]

    # Someone closes the fair in the database, outside the application.
    _sql(demo_database["url"], "UPDATE rounds SET state = 'fair_closed' WHERE id = :id", id=round_id)

    # Each worker reads the round afresh: whichever answers, the save is refused.
    for _ in range(4):
        refused = teacher.put(url, json=choice, headers={"X-CSRFToken": token}, timeout=30)
        assert refused.status_code == 409, refused.text
        assert "未开放" in refused.json()["message"]
