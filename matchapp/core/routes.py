from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user, login_required

from ..extensions import db
from .services import bureau_overview, current_round, school_overview, teacher_overview

bp = Blueprint("core", __name__)


@bp.route("/")
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(url_for("core.home"))


@bp.route("/home")
@login_required
def home():
    round_ = current_round()
    if current_user.role == "bureau":
        return render_template("core/home_bureau.html", round=round_, **bureau_overview(round_))
    if current_user.role == "school":
        return render_template(
            "core/home_school.html",
            round=round_,
            school=current_user.school,
            **school_overview(round_, current_user.school),
        )
    return render_template(
        "core/home_teacher.html",
        round=round_,
        teacher=current_user.teacher,
        **teacher_overview(round_, current_user.teacher),
    )


@bp.route("/healthz")
def healthz():
    db.session.execute(db.text("SELECT 1"))
    return {"status": "ok"}


@bp.route("/jobs/<int:job_id>")
@login_required
def job(job_id: int):
    """A background job's progress (the page refreshes itself while it runs)."""
    from .jobs import Job

    job = db.get_or_404(Job, job_id)
    if current_user.role != "bureau" and job.created_by_id != current_user.id:
        abort(403)
    return render_template("core/job.html", job=job)
