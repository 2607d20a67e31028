"""Hostile input and faults: forms that get garbage, uploads too large, cookies over HTTPS, a run that
fails half-way, a database connection cut under the app."""

import os
import warnings

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text

from matchapp.extensions import db
from matchapp.fair.models import PostRanking, PreferenceEntry, PreferenceList
from matchapp.fair.window import close_fair, open_fair
from matchapp.preparation.models import Post
from matchapp.runs.models import Placement, Run
from matchapp.runs.service import run_fair
from tests.factories import gen_user
from tests.matchapp.test_fair import _fair

junk = st.dictionaries(
    st.one_of(
        st.sampled_from(["submit", "draft", "version", "withdraw", "school_id", "reason"]),
        st.from_regex(r"(rank|band|reject)-[0-9]{1,4}", fullmatch=True),
        st.text(max_size=8),
    ),
    st.one_of(st.text(max_size=12), st.integers(-(10**12), 10**12).map(str), st.sampled_from(["", "1", "-1", "1e9"])),
    max_size=8,
)


@pytest.fixture
def open_round(app):
    round_, s, teachers, music, posts = _fair()
    open_fair(round_, None)
    gen_user("teacher", username="t0", teacher_id=teachers[0].id)
    gen_user("school", username="d", school_id=s[3].id)
    db.session.commit()
    return round_, s, teachers, posts


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=junk)
def test_preference_form_never_fails_on_garbage(open_round, client, data):
    round_, s, teachers, posts = open_round
    client.post("/login", data={"username": "t0", "password": "password123"})
    response = client.post(f"/fair/{round_.id}/preferences", data=data)
    assert response.status_code < 500
    stored = set(
        db.session.scalars(
            select(Post.school_id)
            .join(PreferenceEntry, PreferenceEntry.post_id == Post.id)
            .join(PreferenceList, PreferenceList.id == PreferenceEntry.list_id)
            .where(PreferenceList.teacher_id == teachers[0].id)
        )
    )
    # Whatever was sent, a stored list only ever names schools the teacher may rank.
    allowed = {p.school_id for p in db.session.scalars(select(Post).where(Post.subject == "math"))}
    assert stored <= allowed - {teachers[0].school_id}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=junk)
def test_ranking_form_never_fails_on_garbage(open_round, client, data):
    round_, s, teachers, posts = open_round
    client.post("/login", data={"username": "d", "password": "password123"})
    response = client.post(f"/fair/{round_.id}/posts/{posts['D'].id}/ranking", data=data)
    assert response.status_code < 500
    ranking = db.session.scalar(select(PostRanking))
    # Nobody applied: nothing can be ranked.
    assert ranking is None or (ranking.groups() == [] and ranking.unacceptable() == [])


def test_uploads_over_the_limit_are_refused(database_url, tmp_path):
    import io

    from tests.conftest import make_app, running

    with running(make_app(database_url, tmp_path, MAX_CONTENT_LENGTH=1024)) as app:
        gen_user("bureau", username="b")
        db.session.commit()
        client = app.test_client()
        client.post("/login", data={"username": "b", "password": "password123"})
        response = client.post(
            "/roster/import", data={"file": (io.BytesIO(b"x" * 5000), "a.csv")}, content_type="multipart/form-data"
        )
        assert response.status_code == 413 and "文件过大" in response.get_data(as_text=True)


def test_cookies_are_secure_over_https(app):
    gen_user("bureau", username="b")
    db.session.commit()
    client = app.test_client()
    plain = client.post("/login", data={"username": "b", "password": "password123"})
    assert "Secure" not in plain.headers.get("Set-Cookie", "")
    secure = app.test_client().post(
        "/login", data={"username": "b", "password": "password123"}, base_url="https://localhost"
    )
    cookies = secure.headers.getlist("Set-Cookie")
    assert cookies and all("; Secure" in c and "HttpOnly" in c and "SameSite=Lax" in c for c in cookies)


def test_a_run_that_fails_half_way_leaves_nothing(app, monkeypatch):
    round_, s, teachers, music, posts = _fair()
    open_fair(round_, None)
    close_fair(round_)
    db.session.commit()
    import matchapp.runs.service as services

    real = services.Placement

    def explode(*args, **kwargs):
        raise RuntimeError("the server stopped")

    monkeypatch.setattr(services, "Placement", explode)
    with pytest.raises(RuntimeError):
        run_fair(round_, None)  # the Run row was flushed before the placements failed
    db.session.rollback()
    monkeypatch.setattr(services, "Placement", real)
    assert db.session.scalar(select(func.count(Run.id))) == 0
    assert db.session.scalar(select(func.count(Placement.id))) == 0
    assert db.session.get(type(round_), round_.id).state == "fair_closed"


def test_a_background_run_that_fails_is_marked_and_writes_nothing(app, monkeypatch):
    from matchapp.core.jobs import Job, enqueue, wait_for_jobs

    round_, s, teachers, music, posts = _fair()
    open_fair(round_, None)
    close_fair(round_)
    db.session.commit()
    import matchapp.runs.service as services

    monkeypatch.setattr(services, "canonical_json", lambda doc: (_ for _ in ()).throw(MemoryError("out of memory")))
    job = enqueue("run_fair", {"round_id": round_.id, "preview": False}, None)
    db.session.commit()
    wait_for_jobs()
    db.session.expire_all()
    failed = db.session.get(Job, job.id)
    assert failed.state == "failed" and "out of memory" in failed.message
    assert db.session.scalar(select(func.count(Run.id))) == 0


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="needs PostgreSQL")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_the_app_survives_its_database_connections_being_cut(database_url, app):
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only")
    gen_user("bureau", username="b")
    db.session.commit()
    client = app.test_client()
    client.post("/login", data={"username": "b", "password": "password123"})
    assert client.get("/home").status_code == 200
    # What a database restart does to a pool: every open connection is killed.
    from sqlalchemy import create_engine

    db.session.remove()  # between requests the app's connections wait, idle, in the pool
    admin = create_engine(os.environ["TEST_DATABASE_URL"])
    with admin.begin() as conn:
        conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    admin.dispose()
    assert client.get("/home").status_code == 200  # pool_pre_ping replaces the dead connection
    assert client.get("/healthz").json == {"status": "ok"}
    # The dead connections the pool threw away are collected here, not in some later test.
    import gc

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        db.engine.dispose()
        gc.collect()


def test_killing_the_process_in_the_middle_of_a_run_leaves_no_partial_result(database_url, tmp_path):
    """A worker process is killed (SIGKILL) while it writes a 20,000-teacher run: nothing of it stays."""
    import signal
    import subprocess
    import sys
    import time

    from algorithms import generate_instance
    from matchapp.core.jobs import Job
    from matchapp.demo import load_instance_round
    from tests.conftest import make_app, running

    with running(make_app(database_url, tmp_path)):
        round_id = load_instance_round(generate_instance(20_000, seed=3))
        job = Job(kind="run_fair", params={"round_id": round_id, "preview": False})
        db.session.add(job)
        db.session.commit()
        code = (
            "import sys; from matchapp import create_app; from matchapp.core.jobs import run_job\n"
            "app = create_app({'MATCHAPP_ENV': 'testing', 'SECRET_KEY': 'x', 'SQLALCHEMY_DATABASE_URI': sys.argv[1], "
            "'INSTANCE_PATH': sys.argv[3]})\n"
            "with app.app_context():\n    run_job(int(sys.argv[2]))\n"
        )
        worker = subprocess.Popen([sys.executable, "-c", code, database_url, str(job.id), str(tmp_path / "w")])
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and worker.poll() is None:
                db.session.expire_all()
                if db.session.get(Job, job.id).progress >= 70:  # solved and certified: now writing
                    break
                time.sleep(0.05)
            if worker.poll() is None:  # almost always: the writing takes seconds
                worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=30)
        finally:
            if worker.poll() is None:
                worker.kill()
        db.session.expire_all()
        from matchapp.rounds.models import Round

        runs = db.session.scalar(select(func.count(Run.id)))
        placements = db.session.scalar(select(func.count(Placement.id)))
        state = db.session.get(Round, round_id).state
        # All or nothing: either the kill came first and nothing of the run exists, or the commit
        # did and all of it does; never a run without its placements, nor some placements.
        assert (runs, placements, state) in ((0, 0, "fair_closed"), (1, 20_000, "matched"))
        assert db.session.get(Job, job.id).state in ("running", "done")
