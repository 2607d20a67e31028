from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from ..core.access import require_school_access, require_teacher_access, role_required
from ..extensions import db
from . import bp
from .models import School, Teacher


@bp.route("/schools")
@role_required("bureau")
def schools():
    rows = db.session.execute(
        select(School, func.count(Teacher.id)).outerjoin(Teacher).group_by(School.id).order_by(School.zone, School.code)
    ).all()
    return render_template("roster/schools.html", rows=rows)


@bp.route("/schools/<int:school_id>")
@role_required("bureau", "school")
def school(school_id: int):
    require_school_access(school_id)
    school = db.get_or_404(School, school_id)
    page = max(1, request.args.get("page", 1, type=int))
    teachers = db.paginate(
        select(Teacher).where(Teacher.school_id == school.id).order_by(Teacher.staff_no),
        page=page,
        per_page=50,
        error_out=False,
    )
    return render_template("roster/school.html", school=school, teachers=teachers)


@bp.route("/teachers/<int:teacher_id>")
@role_required("bureau", "school", "teacher")
def teacher(teacher_id: int):
    teacher = db.session.get(Teacher, teacher_id)
    if teacher is None:
        abort(404)
    require_teacher_access(teacher.id, teacher.school_id)
    return render_template("roster/teacher.html", teacher=teacher)


@bp.route("/me")
@role_required("teacher")
def me():
    return redirect(url_for("roster.teacher", teacher_id=current_user.teacher_id))
