"""Jobs end, whatever happens to the process that runs them: a dead worker's job is marked failed
with the reason and its run can be started again; one run of a round at a time; a job presumed
dead that comes back cannot write."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import create_engine, func, select, update

from algorithms import generate_instance
from matchapp.core.clock import utcnow
from matchapp.core.errors import Refused
from matchapp.core.jobs import Job, JobLocked, enqueue, reap_stale_jobs, run_job, wait_for_jobs
from matchapp.demo import load_instance_round
from matchapp.extensions import db
from matchapp.roster.models import School
from matchapp.rounds.models import Round
from matchapp.runs.models import Placement, Run
from matchapp.runs.service import run_lock, start_run
from tests.conftest import make_app, running
from tests.factories import gen_user

# The worker stalls in the middle of writing (after the run row, before the placements), with its
# heartbeats going, so that the kill always lands mid-write: a fast machine could otherwise finish
# the run between the test seeing the progress and the signal arriving.
WORKER = (
    "import sys, time; from matchapp import create_app; from matchapp.core.jobs import run_job\n"
    "import matchapp.runs.service as service\n"
    "real = service.participants\n"
    "def stalled(round_):\n    rows = real(round_)\n    time.sleep(600)\n    return rows\n"
    "service.participants = stalled\n"
    "app = create_app({'MATCHAPP_ENV': 'testing', 'SECRET_KEY': 'x', 'SQLALCHEMY_DATABASE_URI': sys.argv[1], "
    "'INSTANCE_PATH': sys.argv[3], 'JOB_HEARTBEAT_SECONDS': 0.5})\n"
    "with app.app_context():\n    run_job(int(sys.argv[2]))\n"
)


def test_a_job_whose_worker_was_killed_is_failed_with_the_reason_and_the_run_starts_again(database_url, tmp_path):
    with running(make_app(database_url, tmp_path, JOB_LEASE_SECONDS=3, JOB_HEARTBEAT_SECONDS=0.5)) as app:
        round_id = load_instance_round(generate_instance(20_000, seed=5))
        round_ = db.session.get(Round, round_id)
        # Queued as start_run queues it (with the round's lock), but for a worker process of its own.
        job = Job(kind="run_fair", params={"round_id": round_id, "preview": False}, lock_key=run_lock(round_))
        db.session.add(job)
        db.session.commit()
        job_id = job.id
        worker = subprocess.Popen([sys.executable, "-c", WORKER, database_url, str(job_id), str(tmp_path / "w")])
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and worker.poll() is None:
                db.session.expire_all()
                if db.session.get(Job, job_id).progress >= 70:  # writing (seconds): the heartbeats are going
                    break
                time.sleep(0.05)
            assert worker.poll() is None, "the run finished before it could be killed"
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=30)
        finally:
            if worker.poll() is None:
                worker.kill()
        db.session.expire_all()
        assert db.session.get(Job, job_id).state == "running"  # what a dead worker leaves behind
        # While its lease runs, the lock holds: a second run is refused.
        with pytest.raises(JobLocked):
            start_run(round_, preview=False, user_id=None)
        db.session.rollback()
        time.sleep(3.5)
        # The job page (any reader of jobs) finds the lease expired: failed, with the reason.
        gen_user("bureau", username="renshi")
        db.session.commit()
        client = app.test_client()
        client.post("/login", data={"username": "renshi", "password": "password123"})
        page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
        dead = db.session.get(Job, job_id)
        assert dead.state == "failed" and dead.lock_key is None
        assert "已停止响应" in dead.message and "已停止响应" in page and "失败" in page
        assert db.session.scalar(select(func.count(Placement.id))) == 0
        # And the run starts again, and completes.
        again = start_run(db.session.get(Round, round_id), preview=False, user_id=None)
        db.session.commit()
        wait_for_jobs()
        db.session.expire_all()
        assert db.session.get(Job, again.id).state == "done", db.session.get(Job, again.id).message
        assert db.session.scalar(select(func.count(Placement.id))) == 20_000


def test_one_run_of_a_round_at_a_time(app):
    round_id = load_instance_round(generate_instance(300, seed=6))
    round_ = db.session.get(Round, round_id)
    first = start_run(round_, preview=False, user_id=None)
    with pytest.raises(JobLocked, match=f"任务 #{first.id}"):
        start_run(round_, preview=True, user_id=None)  # a preview of the same round waits too
    db.session.rollback()
    db.session.commit()


def test_a_second_lock_taken_between_check_and_insert_is_refused_by_the_database(app):
    """Two servers check at the same moment, both see no run: the unique lock lets one through."""
    round_id = load_instance_round(generate_instance(300, seed=7))
    db.session.add(Job(kind="run_fair", params={"round_id": round_id}, lock_key=f"run_fair:{round_id}"))
    db.session.commit()
    # The check has passed (it ran before the other server's insert): the insert itself is refused.
    from unittest import mock

    with mock.patch("matchapp.core.jobs.reap_stale_jobs"), mock.patch.object(db.session, "scalar", return_value=None):
        with pytest.raises(JobLocked):
            enqueue("run_fair", {"round_id": round_id}, None, lock_key=f"run_fair:{round_id}")
    db.session.rollback()
    assert db.session.scalar(select(func.count(Job.id))) == 1


def test_a_job_presumed_dead_cannot_write_when_it_comes_back(database_url, tmp_path):
    def slow_handler(params, report):
        # The job writes its work …
        db.session.add(School(code="ZZ", name="不应写入的学校", tier="weak", zone="Z"))
        db.session.flush()
        # … but meanwhile another process found its lease expired and failed it.
        other = create_engine(database_url)
        with other.begin() as conn:
            conn.execute(update(Job.__table__).where(Job.__table__.c.id == params["id"]).values(state="failed"))
        other.dispose()
        return {"written": True}

    app = make_app(database_url, tmp_path)
    with running(app):
        app.extensions["matchapp.jobs"]["slow"] = slow_handler
        job = Job(kind="slow", params={})
        db.session.add(job)
        db.session.commit()
        job.params = {"id": job.id}
        db.session.commit()
        if database_url.startswith("sqlite"):
            pytest.skip("SQLite: the outside writer would wait for the job's own write lock")
        run_job(job.id)
        db.session.expire_all()
        assert db.session.scalar(select(func.count(School.id))) == 0  # its work was discarded
        assert db.session.get(Job, job.id).state == "failed"


def test_reaping_leaves_live_jobs_alone(app):
    alive = Job(kind="run_fair", params={}, state="running", heartbeat_at=utcnow(), lock_key="a")
    dead = Job(kind="run_fair", params={}, state="running", heartbeat_at=utcnow().replace(year=2020), lock_key="b")
    db.session.add_all([alive, dead])
    db.session.commit()
    assert reap_stale_jobs() == 1
    assert (alive.state, alive.lock_key, dead.state, dead.lock_key) == ("running", "a", "failed", None)
    assert isinstance(JobLocked("x", None), Refused)
    db.session.commit()


def test_a_refused_run_names_what_to_do(app):
    round_id = load_instance_round(generate_instance(50, seed=8))
    round_ = db.session.get(Round, round_id)
    round_.state = "preparing"
    with pytest.raises(Refused, match="截止后"):
        start_run(round_, preview=False, user_id=None)
    db.session.rollback()
    assert db.session.scalar(select(func.count(Run.id))) == 0
