"""Concurrency through the real `matchapp serve` (2 workers × 4 threads), on SQLite and PostgreSQL:
parallel saves answer 200 or 409 — never 500 — and what is stored is one of the saves; a save that
starts from an old version is refused even when it changes nothing; one run of a round at a time."""

from __future__ import annotations

import datetime as dt
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import create_engine, text

from .conftest import Server, base_env

pytestmark = pytest.mark.production


def _sql(url: str, statement: str, **params):
    engine = create_engine(url)
    with engine.begin() as conn:
        result = conn.execute(text(statement), params)
        rows = result.all() if result.returns_rows else None
    engine.dispose()
    return rows


@pytest.fixture(scope="module")
def fair(demo_database):
    url = demo_database["url"]
    round_id = _sql(url, "SELECT id FROM rounds ORDER BY year DESC")[0][0]
    closes = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(days=1)
    _sql(url, "UPDATE rounds SET state = 'fair_open', fair_closes_at = :c WHERE id = :id", c=closes, id=round_id)
    server = Server(base_env(url, demo_database["tmp"] / "instance"), demo_database["tmp"])
    yield {"server": server, "round": round_id, "url": url, "accounts": demo_database["accounts"]}
    server.stop()


def _token(base: str, username: str, password: str) -> dict:
    answer = requests.post(f"{base}/api/v1/token", json={"username": username, "password": password}, timeout=60)
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def _teachers(fair) -> list[tuple[str, str]]:
    return [(u, p) for role, u, p in fair["accounts"] if role == "teacher"]


def test_fifty_parallel_saves_of_one_list_are_200_or_409_and_one_of_them_is_stored(fair):
    base, round_id = fair["server"].url, fair["round"]
    username, password = _teachers(fair)[0]
    auth = _token(base, username, password)
    url = f"{base}/api/v1/rounds/{round_id}/preferences"
    posts = requests.get(f"{base}/api/v1/rounds/{round_id}/posts", headers=auth, timeout=60).json()["posts"]
    codes = [p["school"] for p in posts]
    assert len(codes) >= 2
    version = requests.get(url, headers=auth, timeout=60).json()["version"]
    lists = [[codes[k % len(codes)], codes[(k + 1) % len(codes)]] for k in range(50)]

    def save(choice):
        answer = requests.put(url, json={"schools": choice, "version": version}, headers=auth, timeout=120)
        return answer.status_code, choice

    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(save, lists))
    statuses = sorted({status for status, _ in results})
    assert set(statuses) <= {200, 409}, statuses
    won = [choice for status, choice in results if status == 200]
    assert len(won) == 1  # all started from one version: exactly one save can win
    stored = requests.get(url, headers=auth, timeout=60).json()
    assert stored["draft"] == won[0] and stored["version"] == version + 1


def test_twenty_parallel_first_saves_create_one_list(fair):
    base, round_id = fair["server"].url, fair["round"]
    username, password = _teachers(fair)[1]
    auth = _token(base, username, password)
    url = f"{base}/api/v1/rounds/{round_id}/preferences"
    codes = [
        p["school"]
        for p in requests.get(f"{base}/api/v1/rounds/{round_id}/posts", headers=auth, timeout=60).json()["posts"]
    ]
    assert requests.get(url, headers=auth, timeout=60).json()["version"] == 0  # no list yet

    def save(k):
        return requests.put(
            url, json={"schools": [codes[k % len(codes)]], "version": 0}, headers=auth, timeout=120
        ).status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(save, range(20)))
    assert set(statuses) <= {200, 409}, statuses
    assert statuses.count(200) == 1
    rows = _sql(
        fair["url"],
        "SELECT count(*) FROM preference_lists pl JOIN users u ON u.teacher_id = pl.teacher_id WHERE u.username = :u",
        u=username,
    )
    assert rows[0][0] == 1


def test_a_save_from_an_old_version_is_refused_even_when_it_changes_nothing(fair):
    base, round_id = fair["server"].url, fair["round"]
    username, password = _teachers(fair)[2]
    auth = _token(base, username, password)
    url = f"{base}/api/v1/rounds/{round_id}/preferences"
    codes = [
        p["school"]
        for p in requests.get(f"{base}/api/v1/rounds/{round_id}/posts", headers=auth, timeout=60).json()["posts"]
    ]
    first = requests.put(url, json={"schools": codes[:1], "version": 0}, headers=auth, timeout=60)
    assert first.status_code == 200
    again = requests.put(url, json={"schools": codes[:1], "version": first.json()["version"]}, headers=auth, timeout=60)
    assert again.status_code == 200
    stale = requests.put(url, json={"schools": codes[:1], "version": first.json()["version"]}, headers=auth, timeout=60)
    assert stale.status_code == 409 and stale.json()["error"] == "stale"


def test_two_runs_of_one_round_at_once_one_is_refused(fair):
    base, round_id, url = fair["server"].url, fair["round"], fair["url"]
    bureau = next((u, p) for role, u, p in fair["accounts"] if role == "bureau")
    auth = _token(base, *bureau)
    _sql(url, "UPDATE rounds SET state = 'fair_closed' WHERE id = :id", id=round_id)

    def start(_):
        return requests.post(f"{base}/api/v1/rounds/{round_id}/run", json={}, headers=auth, timeout=120)

    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(start, range(2)))
    assert sorted(a.status_code for a in answers) == [202, 409], [a.text for a in answers]
    refused = next(a for a in answers if a.status_code == 409).json()
    assert refused["error"] == "busy" and "进行中" in refused["message"]
    job = next(a for a in answers if a.status_code == 202).json()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        state = requests.get(f"{base}{job['status_url']}", headers=auth, timeout=60).json()["state"]
        if state in ("done", "failed"):
            break
        time.sleep(0.5)
    assert state == "done"
    # Once it has ended, the run can be started again.
    assert start(0).status_code == 202
