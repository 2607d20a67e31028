"""The base pages every deployment has: the health check and a background job's progress."""

from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required

from ..extensions import db
from .jobs import Job, reap_stale_jobs

bp = Blueprint("core", __name__)


@bp.route("/healthz")
def healthz():
    db.session.execute(db.text("SELECT 1"))
    return {"status": "ok"}


@bp.route("/jobs/<int:job_id>")
@login_required
def job(job_id: int):
    """A background job's progress (the page refreshes itself while it runs)."""
    reap_stale_jobs()  # a job whose process died is shown as failed, with the reason
    job = db.get_or_404(Job, job_id)
    if current_user.role != "bureau" and job.created_by_id != current_user.id:
        abort(403)
    return render_template("core/job.html", job=job)
