"""Background jobs with progress: long work (a province-size run, a large import) never blocks a
web worker. With ``REDIS_URL`` set, jobs go to an RQ queue served by ``matchapp worker``;
without it, to one in-process worker thread. Either way the job's state and progress live in
the database, so any web worker can show them.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .clock import utcnow

log = logging.getLogger(__name__)
QUEUE = "matchapp"


class Job(db.Model):
    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # run_fair | import_roster
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(16), default="queued")  # queued | running | done | failed
    progress: Mapped[int] = mapped_column(default=0)
    message: Mapped[str] = mapped_column(Text, default="")
    result: Mapped[dict | None] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None]


#: kind -> function(job, report) run inside an app context; returns the job's result dict
HANDLERS: dict = {}
_executor: ThreadPoolExecutor | None = None
_lock = threading.Lock()


def handler(kind: str):
    def register(func):
        HANDLERS[kind] = func
        return func

    return register


def enqueue(kind: str, params: dict, user_id: int | None) -> Job:
    """Record a job and hand it to the queue (after the caller's commit)."""
    from flask import current_app

    job = Job(kind=kind, params=params, created_by_id=user_id)
    db.session.add(job)
    db.session.commit()  # the worker reads it from another session
    redis_url = current_app.config.get("REDIS_URL")
    if redis_url:
        from redis import Redis
        from rq import Queue

        Queue(QUEUE, connection=Redis.from_url(redis_url)).enqueue(
            "matchapp.core.jobs.run_job_in_worker", job.id, job_timeout=3600
        )
    else:
        app = current_app._get_current_object()
        global _executor
        with _lock:
            if _executor is None:
                _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="matchapp-job")
        _executor.submit(_run_in_app, app, job.id)
    return job


def _run_in_app(app, job_id: int) -> None:
    with app.app_context():
        run_job(job_id)


def run_job_in_worker(job_id: int) -> None:
    """The RQ entry point: builds the app from the environment."""
    from .. import create_app

    app = create_app()
    try:
        _run_in_app(app, job_id)
    finally:
        with app.app_context():
            db.engine.dispose()  # a worker builds an app per job: close its connections with it


def run_job(job_id: int) -> None:
    """Run one job; its progress and outcome are committed as it goes, its work in one transaction."""
    job = db.session.get(Job, job_id)
    if job is None or job.state != "queued":
        return
    job.state, job.progress = "running", 1
    db.session.commit()

    def report(progress: int, message: str) -> None:
        # Progress goes through its own connection so that the job's work stays one transaction;
        # it is best effort (SQLite may be busy with the job's own writes).
        from sqlalchemy.exc import OperationalError

        try:
            with db.engine.begin() as conn:
                conn.execute(
                    Job.__table__.update()
                    .where(Job.__table__.c.id == job_id)
                    .values(progress=progress, message=message)
                )
        except OperationalError:
            pass

    try:
        result = HANDLERS[job.kind](job.params, report)
        db.session.commit()
    except Exception as exc:  # noqa: BLE001 - any failure ends the job, visibly, with nothing half-written
        db.session.rollback()
        log.exception("job %s failed", job_id)
        job = db.session.get(Job, job_id)
        job.state, job.message, job.finished_at = "failed", str(exc)[:2000] or type(exc).__name__, utcnow()
        db.session.commit()
        return
    job = db.session.get(Job, job_id)
    db.session.refresh(job)
    job.state, job.progress, job.result, job.finished_at = "done", 100, result, utcnow()
    db.session.commit()


def wait_for_jobs(timeout: float = 60.0) -> None:
    """Block until the in-process queue is idle (tests and the command line)."""
    global _executor
    with _lock:
        executor, _executor = _executor, None
    if executor is not None:
        executor.shutdown(wait=True)


def redis_url_from_env() -> str | None:
    return os.environ.get("REDIS_URL") or None
