import os
import uuid

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from ..core.access import require_school_access, require_teacher_access, role_required
from ..core.jobs import enqueue
from ..core.spreadsheet import XLSX
from ..core.transaction import discard_changes
from ..extensions import db
from . import bp
from .forms import ImportForm
from .importer import ImportRefused, import_roster, template_workbook
from .models import School, Teacher

BACKGROUND_IMPORT_BYTES = 1_000_000  # about 15,000 rows of .xlsx


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


@bp.route("/import", methods=["GET", "POST"])
@role_required("bureau", "school")
def import_file():
    """Import a roster: the bureau for every school, a school for its own staff."""
    form = ImportForm()
    problems, report = [], None
    if form.validate_on_submit():
        upload = form.file.data
        only = current_user.school if current_user.role == "school" else None
        data = upload.read()
        if len(data) > BACKGROUND_IMPORT_BYTES:
            # A large roster is checked and written by a background job, not by this web worker.
            folder = os.path.join(current_app.instance_path, "uploads")
            os.makedirs(folder, exist_ok=True)
            suffix = ".xlsx" if (upload.filename or "").lower().endswith(".xlsx") else ".csv"
            path = os.path.join(folder, f"{uuid.uuid4().hex}{suffix}")
            with open(path, "wb") as handle:
                handle.write(data)
            job = enqueue(
                "import_roster",
                {
                    "path": path,
                    "filename": upload.filename or suffix,
                    "school_id": only.id if only else None,
                    "user_id": current_user.id,
                    "actor": current_user.username,
                },
                current_user.id,
            )
            return redirect(url_for("core.job", job_id=job.id))
        try:
            report = import_roster(data, upload.filename or "", only_school=only)
        except ImportRefused as refused:
            discard_changes()  # the page lists the problems; nothing of the file is written
            problems = refused.report.problems
        else:
            flash(
                _(
                    "导入完成：新增%(c)s人，更新%(u)s人，未变%(n)s人。",
                    c=report.created,
                    u=report.updated,
                    n=report.unchanged,
                ),
                "success",
            )
            return redirect(url_for("roster.import_file"))
    return render_template("roster/import.html", form=form, problems=problems, report=report)


@bp.route("/import/template.xlsx")
@role_required("bureau", "school")
def import_template():
    import io

    return send_file(
        io.BytesIO(template_workbook()), mimetype=XLSX, as_attachment=True, download_name="教师名册模板.xlsx"
    )
