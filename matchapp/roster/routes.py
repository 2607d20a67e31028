import os
import uuid

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from ..core.access import require_school_access, require_teacher_access, role_required
from ..core.clock import local_today
from ..core.jobs import enqueue
from ..core.spreadsheet import XLSX
from ..core.transaction import discard_changes, refuse
from ..core.vocab import STAGES, TIERS
from ..extensions import db
from . import bp
from .bureau import ISSUER_FIELDS, bureau_settings, missing_details, save_bureau
from .forms import BureauForm, ImportForm, SchoolForm
from .history import away_from, barred_until, current_records, exchange_schools, serving_at, staff_marks
from .importer import ImportRefused, import_roster, template_workbook
from .listing import teacher_filters, teacher_query
from .models import School, Staffing, Teacher
from .register import (
    import_schools,
    import_staffing,
    register_checks,
    save_school,
    school_template,
    staffing_of,
    staffing_template,
)
from .rules import rating_due

BACKGROUND_IMPORT_BYTES = 1_000_000  # about 15,000 rows of .xlsx


@bp.route("/schools")
@role_required("bureau")
def schools():
    """The school register: every school, its staffing balance, and the register's checks."""
    q = request.args.get("q", "").strip()[:64]
    zone = request.args.get("zone", "")[:64]
    tier = request.args.get("tier", "") if request.args.get("tier", "") in TIERS else ""
    stage = request.args.get("stage", "") if request.args.get("stage", "") in STAGES else ""
    query = select(School)
    if q:
        query = query.where(School.name.ilike(f"%{q}%") | School.code.ilike(f"%{q}%"))
    if zone:
        query = query.where(School.zone == zone)
    if tier:
        query = query.where(School.tier == tier)
    if stage:
        query = query.where(School.stage == stage)
    page = db.paginate(
        query.order_by(School.zone, School.code),
        page=max(1, request.args.get("page", 1, type=int)),
        per_page=100,
        error_out=False,
    )
    ids = [school.id for school in page.items]
    counts = dict(
        db.session.execute(
            select(Teacher.school_id, func.count(Teacher.id))
            .where(Teacher.school_id.in_(ids))
            .group_by(Teacher.school_id)
        ).all()
    )
    balance = dict(
        db.session.execute(
            select(Staffing.school_id, func.sum(Staffing.in_post - Staffing.established))
            .where(Staffing.school_id.in_(ids))
            .group_by(Staffing.school_id)
        ).all()
    )
    zones = sorted(z for z in db.session.scalars(select(School.zone).distinct()) if z)
    filters = {"q": q, "zone": zone, "tier": tier, "stage": stage}
    return render_template(
        "roster/schools.html",
        rows=[(school, counts.get(school.id, 0)) for school in page.items],
        page=page,
        balance=balance,
        checks=register_checks(),
        zones=zones,
        filters=filters,
        params={k: v for k, v in filters.items() if v},
        today=local_today(),
        rating_due=rating_due,
    )


def _school_values(form: SchoolForm) -> dict:
    return {
        "code": form.code.data,
        "name": form.name.data,
        "stage": form.stage.data,
        "tier": form.tier.data,
        "tier_rated_on": form.tier_rated_on.data,
        "zone": form.zone.data,
        "locality": form.locality.data,
        "alliance": form.alliance.data or "",
        "alliance_core": bool(form.alliance_core.data),
        "leadership_size": form.leadership_size.data or 0,
    }


@bp.route("/schools/new", methods=["GET", "POST"])
@role_required("bureau")
def school_new():
    form = SchoolForm()
    if form.validate_on_submit():
        school = save_school(None, _school_values(form), form.paired_code.data or "")
        flash(_("已登记%(name)s。", name=school.name), "success")
        return redirect(url_for("roster.school", school_id=school.id))
    for errors in form.errors.values():
        for message in errors:
            refuse(message)
    return render_template("roster/school_form.html", form=form, school=None)


@bp.route("/schools/<int:school_id>/edit", methods=["GET", "POST"])
@role_required("bureau")
def school_edit(school_id: int):
    school = db.get_or_404(School, school_id)
    form = SchoolForm(obj=school, paired_code=school.paired_school.code if school.paired_school else "")
    if form.validate_on_submit():
        save_school(school, _school_values(form), form.paired_code.data or "")
        flash(_("已保存%(name)s。", name=school.name), "success")
        return redirect(url_for("roster.school", school_id=school.id))
    for errors in form.errors.values():
        for message in errors:
            refuse(message)
    return render_template("roster/school_form.html", form=form, school=school)


@bp.route("/bureau", methods=["GET", "POST"])
@role_required("bureau")
def bureau():
    """The bureau's details, set once: its name, department, contact and the letters' number."""
    settings = bureau_settings()
    form = BureauForm(obj=settings)
    if form.validate_on_submit():
        save_bureau(settings, **{name: form[name].data for name in ISSUER_FIELDS})
        flash(_("已保存本局信息。之后公示的公示页、介绍信和报到单将使用这些信息。"), "success")
        return redirect(url_for("roster.bureau"))
    for errors in form.errors.values():
        for message in errors:
            refuse(message)
    return render_template(
        "roster/bureau.html",
        form=form,
        settings=settings,
        missing=missing_details(settings),
    )


@bp.route("/schools/<int:school_id>")
@role_required("bureau", "school")
def school(school_id: int):
    require_school_access(school_id)
    school = db.get_or_404(School, school_id)
    filters = teacher_filters(request.args)
    filters["school"] = filters["zone"] = None  # within this school
    teachers = db.paginate(
        teacher_query(filters, school.id),
        page=max(1, request.args.get("page", 1, type=int)),
        per_page=50,
        error_out=False,
    )
    return render_template(
        "roster/school.html",
        school=school,
        teachers=teachers,
        staffing=staffing_of(school),
        filters=filters,
        params={k: v for k, v in filters.items() if v},
        # 外出交流 / 交流在岗 (issue 12): marks on this page's teachers, and the exchanges that
        # involve the school whichever roster the personnel relation puts the teacher on
        marks=staff_marks(school.id, [t.id for t in teachers.items]),
        away=away_from(school.id),
        here=serving_at(school.id),
    )


@bp.route("/teachers")
@role_required("bureau")
def teachers():
    """Every teacher of the district: find one by name, 工号 or the end of an ID number."""
    filters = teacher_filters(request.args)
    page = db.paginate(
        teacher_query(filters),
        page=max(1, request.args.get("page", 1, type=int)),
        per_page=50,
        error_out=False,
    )
    schools = db.session.scalars(select(School).order_by(School.code)).all()
    return render_template(
        "roster/teachers.html",
        teachers=page,
        filters=filters,
        params={k: v for k, v in filters.items() if v},
        school_choices=[(s.id, s.name) for s in schools],
        zone_choices=[(z, z) for z in sorted({s.zone for s in schools if s.zone})],
    )


@bp.route("/teachers/<int:teacher_id>")
@role_required("bureau", "school", "teacher")
def teacher(teacher_id: int):
    teacher = db.session.get(Teacher, teacher_id)
    if teacher is None:
        abort(404)
    # Both schools of a current exchange read the teacher's file: the home school whose teacher
    # is away, the receiving school where they serve (whatever the personnel relation).
    related = exchange_schools(teacher.id)
    school_id = current_user.school_id if current_user.role == "school" and current_user.school_id in related else None
    require_teacher_access(teacher.id, school_id or teacher.school_id)
    current = next(iter(current_records([teacher.id])), None)
    return render_template(
        "roster/teacher.html",
        teacher=teacher,
        current=current,
        barred=barred_until(teacher.id, local_today()),
        today=local_today(),
    )


@bp.route("/me")
@role_required("teacher")
def me():
    return redirect(url_for("roster.teacher", teacher_id=current_user.teacher_id))


@bp.route("/import", methods=["GET", "POST"])
@role_required("bureau", "school")
def import_file():
    """Import a roster (the bureau for every school, a school for its own staff), the school
    register or staffing (the bureau)."""
    form = ImportForm(kind=request.args.get("kind", "roster"))
    problems, report = [], None
    if form.validate_on_submit() and form.kind.data in ("schools", "staffing"):
        if current_user.role != "bureau":
            abort(403)
        importer = import_schools if form.kind.data == "schools" else import_staffing
        try:
            report = importer(form.file.data.read(), form.file.data.filename or "")
        except ImportRefused as refused:
            discard_changes()
            problems = refused.report.problems
        else:
            flash(
                _(
                    "导入完成：新增%(c)s条，更新%(u)s条，未变%(n)s条。",
                    c=report.created,
                    u=report.updated,
                    n=report.unchanged,
                ),
                "success",
            )
            return redirect(url_for("roster.schools"))
    elif form.validate_on_submit():
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

    kind = request.args.get("kind", "roster")
    data, name = {
        "schools": (school_template, "学校名册模板.xlsx"),
        "staffing": (staffing_template, "分学科编制模板.xlsx"),
    }.get(kind, (template_workbook, "教师名册模板.xlsx"))
    return send_file(io.BytesIO(data()), mimetype=XLSX, as_attachment=True, download_name=name)
