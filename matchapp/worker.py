"""The entry point of background jobs in an RQ worker (``matchapp worker``).

It lives outside :mod:`matchapp.core` because it builds the whole application.
"""

from __future__ import annotations


def run_job_in_worker(job_id: int) -> None:
    """Run one job in a fresh app built from the environment, and close its connections after."""
    from . import create_app
    from .core.jobs import run_job
    from .extensions import db

    app = create_app()
    try:
        with app.app_context():
            run_job(job_id)
    finally:
        with app.app_context():
            db.engine.dispose()
