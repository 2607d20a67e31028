"""Background jobs with progress: long work (a province-size run, a large import) never blocks a
web worker. With ``REDIS_URL`` set, jobs go to an RQ queue served by ``matchapp worker``;
without it, to one in-process worker thread. Either way the job's state and progress live in
the database, so any web worker can show them.

Jobs end, whatever happens to the process that runs them:

- A running job renews a **lease** (``heartbeat_at``) every ``JOB_HEARTBEAT_SECONDS`` from a thread
  of its own. A job whose lease is older than ``JOB_LEASE_SECONDS`` belonged to a process that
  died (killed, out of memory, machine restarted): :func:`reap_stale_jobs` marks it failed with
  that reason, which the job page shows, and its lock is released so the work can be started
  again.
- A job may hold a **lock** (``lock_key``, e.g. one run per round): while it is queued or running,
  a second job with the same key is refused by a unique constraint, so two web workers (or two
  servers) cannot start the same run twice.
- The job's work and its completion are **one transaction**, committed only if the job still owns
  its lease: a job that was presumed dead and comes back cannot write over the work of the job
  that replaced it (fencing).

Handlers are registered explicitly by the application (``matchapp.registry``); this module knows
no feature.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from flask import Flask, current_app
from flask_babel import gettext as _
from sqlalchemy import JSON, ForeignKey, String, Text, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model, db
from .clock import utcnow
from .dates import moment
from .errors import Refused
from .transaction import after_commit

log = logging.getLogger(__name__)
QUEUE = "matchapp"
EXTENSION = "matchapp.jobs"

Report = Callable[[int, str], None]
Handler = Callable[[dict, Report], dict]


class Job(Model):
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
    started_at: Mapped[dt.datetime | None]
    heartbeat_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]
    worker: Mapped[str] = mapped_column(String(128), default="")  # host:pid that ran it
    # Set while queued or running, cleared when the job ends: unique, so one job per key at a time.
    lock_key: Mapped[str | None] = mapped_column(String(64), unique=True)

    @property
    def active(self) -> bool:
        return self.state in ("queued", "running")


class JobLocked(Refused):
    """Another job with the same lock is queued or running."""

    code = "busy"

    def __init__(self, message: str, job_id: int | None):
        super().__init__(message)
        self.job_id = job_id


def init_app(app: Flask, handlers: dict[str, Handler]) -> None:
    """Register the application's job handlers (kind → function(params, report) → result)."""
    app.extensions[EXTENSION] = dict(handlers)
    app.config.setdefault("JOB_LEASE_SECONDS", 120)
    app.config.setdefault("JOB_HEARTBEAT_SECONDS", 15)


def _handlers() -> dict[str, Handler]:
    return current_app.extensions[EXTENSION]


# -- starting a job ---------------------------------------------------------------------------


def enqueue(kind: str, params: dict, user_id: int | None, lock_key: str | None = None) -> Job:
    """Record a job; it is handed to the queue once the caller's transaction commits.

    With ``lock_key``, a job with the same key that is still queued or running refuses this one
    (:class:`JobLocked`); a job whose process died is reaped first, so it does not block forever.
    """
    if kind not in _handlers():
        raise KeyError(f"no handler for job kind {kind!r}")
    if lock_key:
        reap_stale_jobs()
        holder = db.session.scalar(select(Job).where(Job.lock_key == lock_key))
        if holder is not None:
            raise JobLocked(_("已有同一任务在进行中（任务 #%(id)s），请等它结束后再试。", id=holder.id), holder.id)
    job = Job(kind=kind, params=params, created_by_id=user_id, lock_key=lock_key)
    db.session.add(job)
    try:
        db.session.flush()
    except IntegrityError:
        # Another request took the lock between our check and our insert: this request is refused
        # as a whole, so its transaction is rolled back here.
        db.session.rollback()
        raise JobLocked(_("已有同一任务在进行中，请等它结束后再试。"), None) from None
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    job_id = job.id
    after_commit(lambda: _dispatch(app, job_id))
    return job


def _dispatch(app: Flask, job_id: int) -> None:
    redis_url = app.config.get("REDIS_URL")
    if redis_url:
        from redis import Redis
        from redis.exceptions import RedisError
        from rq import Queue

        try:
            Queue(QUEUE, connection=Redis.from_url(redis_url)).enqueue(
                app.config.get("JOB_ENTRY", "matchapp.worker.run_job_in_worker"), job_id, job_timeout=3600
            )
        except RedisError as exc:
            _fail_outside(app, job_id, _("无法连接任务队列（Redis）：%(e)s", e=str(exc)))
        return
    _in_process_executor().submit(_run_in_app, app, job_id)


_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


def _in_process_executor() -> ThreadPoolExecutor:
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="matchapp-job")
        return _executor


def _run_in_app(app: Flask, job_id: int) -> None:
    with app.app_context():
        run_job(job_id)


def wait_for_jobs(timeout: float = 60.0) -> None:
    """Block until the in-process queue is idle (tests and the command line)."""
    global _executor
    with _executor_lock:
        executor, _executor = _executor, None
    if executor is not None:
        executor.shutdown(wait=True)


# -- running a job ----------------------------------------------------------------------------


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:128]


class _Lease:
    """Renews a running job's lease from a thread of its own until stopped."""

    def __init__(self, app: Flask, job_id: int, every: float):
        self.app, self.job_id, self.every = app, job_id, every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"matchapp-lease-{job_id}", daemon=True)

    def __enter__(self) -> _Lease:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _beat(self) -> None:
        with self.app.app_context():
            while not self._stop.wait(self.every):
                _touch(self.job_id, heartbeat_at=utcnow())


def _touch(job_id: int, **values: Any) -> None:
    """Write a few fields of a running job through a connection of its own (best effort: SQLite
    may be busy with the job's own writes; the next beat tries again)."""
    try:
        with db.engine.begin() as conn:
            conn.execute(update(Job).where(Job.id == job_id, Job.state == "running").values(**values))
    except OperationalError:
        pass


def run_job(job_id: int) -> None:
    """Run one job: claim it, do its work and mark it done in one transaction, or fail it visibly."""
    claimed = db.session.execute(  # type: ignore[attr-defined]
        update(Job)
        .where(Job.id == job_id, Job.state == "queued")
        .values(state="running", progress=1, started_at=utcnow(), heartbeat_at=utcnow(), worker=_worker_name())
    ).rowcount
    db.session.commit()
    if not claimed:
        return  # already taken by another worker, or cancelled
    job = db.session.get(Job, job_id)
    if job is None:
        return
    kind, params = job.kind, dict(job.params or {})

    def report(progress: int, message: str) -> None:
        _touch(job_id, progress=progress, message=str(message), heartbeat_at=utcnow())

    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        with _Lease(app, job_id, float(app.config["JOB_HEARTBEAT_SECONDS"])):
            result = _handlers()[kind](params, report)
            # Done, in the same transaction as the work, only if this job still owns its lease.
            owned = db.session.execute(  # type: ignore[attr-defined]
                update(Job)
                .where(Job.id == job_id, Job.state == "running")
                .values(state="done", progress=100, result=result, finished_at=utcnow(), lock_key=None, message="")
            ).rowcount
            if not owned:
                db.session.rollback()
                log.warning("job %s lost its lease while running: its work is discarded", job_id)
                return
            db.session.commit()
    except Exception as exc:  # noqa: BLE001 - any failure ends the job, visibly, with nothing half-written
        db.session.rollback()
        log.exception("job %s failed", job_id)
        message = str(exc) if isinstance(exc, Refused) else (str(exc)[:2000] or type(exc).__name__)
        _fail(job_id, message)


def _fail(job_id: int, message: str) -> None:
    db.session.execute(
        update(Job)
        .where(Job.id == job_id, Job.state.in_(("queued", "running")))
        .values(state="failed", message=message, finished_at=utcnow(), lock_key=None)
    )
    db.session.commit()


def _fail_outside(app: Flask, job_id: int, message: str) -> None:
    with app.app_context():
        _fail(job_id, message)


def reap_stale_jobs(now: dt.datetime | None = None) -> int:
    """Mark failed the running jobs whose lease expired (their process died); release their locks.

    Runs in the caller's transaction. Returns how many jobs were reaped.
    """
    now = now or utcnow()
    lease = dt.timedelta(seconds=float(current_app.config["JOB_LEASE_SECONDS"]))
    stale = db.session.scalars(
        select(Job).where(Job.state == "running", Job.heartbeat_at < now - lease).with_for_update()
    ).all()
    for job in stale:
        job.state, job.finished_at, job.lock_key = "failed", now, None
        job.message = _(
            "执行任务的进程（%(worker)s）已停止响应（最后一次心跳 %(at)s），任务已终止，未写入任何结果；可以重新开始。",
            worker=job.worker or "?",
            at=moment(job.heartbeat_at, seconds=True) if job.heartbeat_at else "?",
        )
    if stale:
        db.session.flush()
    return len(stale)
