from flask import redirect, render_template, session, url_for
from flask_login import current_user, login_required

from ..rounds.services import current_round
from . import bp
from .services import bureau_overview, school_overview, teacher_overview


@bp.route("/home")
@login_required
def index():
    round_ = current_round(session.get("round_id"))
    if current_user.role == "bureau":
        return render_template("home/bureau.html", round=round_, **bureau_overview(round_))
    if current_user.role == "school":
        return render_template(
            "home/school.html", round=round_, school=current_user.school, **school_overview(round_, current_user.school)
        )
    return render_template(
        "home/teacher.html",
        round=round_,
        teacher=current_user.teacher,
        **teacher_overview(round_, current_user.teacher),
    )


@bp.route("/")
def root():
    return redirect(url_for("home.index" if current_user.is_authenticated else "auth.login"))
