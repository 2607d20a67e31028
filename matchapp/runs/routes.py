"""The bureau's pages of the run: the control page, starting a run, the run's files, and changes
to the administrative assignment."""

from __future__ import annotations

import datetime as dt

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..core.access import role_required
from ..core.clock import local_now, local_today
from ..core.forms import ActionForm, ConfirmForm
from ..core.transaction import refuse
from ..extensions import db
from ..fair.forms import OpenFairForm
from ..fair.window import fair_is_open, round_for_page
from ..roster.models import School, Teacher
from ..rounds.calendar import notice_ends
from . import bp
from .assignment import change_assignment, check_assignment, confirm_assignment
from .checklists import checklist
from .forms import AssignForm, PublishForm, RunForm
from .models import Run
from .service import final_run, start_run


@bp.route("/<int:round_id>/")
@role_required("bureau")
def control(round_id: int):
    round_ = round_for_page(round_id)
    runs = db.session.scalars(select(Run).where(Run.round_id == round_.id).order_by(Run.id.desc()).limit(20)).all()
    # The closing time is typed in the bureau's time zone: tomorrow at 17:00 there by default.
    tomorrow = (local_now() + dt.timedelta(days=1)).date()
    return render_template(
        "runs/control.html",
        round=round_,
        runs=runs,
        checklist=checklist(round_),
        confirm_form=ConfirmForm(),
        form=ActionForm(),
        open_form=OpenFairForm(closes_at=dt.datetime.combine(tomorrow, dt.time(17, 0))),
        # The notice period offered: from today, five working days (the bureau changes either day).
        publish_form=PublishForm(notice_starts_on=local_today(), notice_ends_on=notice_ends(local_today())),
        open=fair_is_open(round_),
    )


@bp.route("/<int:round_id>/run", methods=["POST"])
@role_required("bureau")
def fair_run(round_id: int):
    """Start a run in the background (a province-size run must not block a web worker)."""
    round_ = round_for_page(round_id)
    form = RunForm()
    if not form.validate_on_submit():
        return redirect(url_for("runs.control", round_id=round_id))
    if not form.preview.data and not form.confirm.data:
        refuse(_("请先核对清单，并勾选确认。"))
        return redirect(url_for("runs.control", round_id=round_id))
    job = start_run(round_, preview=bool(form.preview.data), user_id=current_user.id)
    return redirect(url_for("core.job", job_id=job.id))


@bp.route("/<int:round_id>/confirm", methods=["POST"])
@role_required("bureau")
def fair_confirm(round_id: int):
    round_ = round_for_page(round_id)
    if ConfirmForm().validate_on_submit():
        confirm_assignment(round_)
        flash(
            {"competition": _("竞聘结果已批准。"), "arrangement": _("统一安排已确认。")}.get(
                round_.procedure, _("行政指定已确认。")
            ),
            "success",
        )
    else:
        refuse(_("请先核对清单，并勾选确认。"))
    return redirect(url_for("runs.control", round_id=round_id))


@bp.route("/runs/<int:run_id>/<kind>.json")
@role_required("bureau")
def run_file(run_id: int, kind: str):
    run = db.get_or_404(Run, run_id)
    if kind not in ("instance", "result"):
        abort(404)
    text = run.instance_json if kind == "instance" else run.result_json
    return Response(
        text,
        mimetype="application/json",
        headers={"Content-Disposition": f"attachment; filename=run-{run.id}-{kind}.json"},
    )


@bp.route("/<int:round_id>/assign/<int:teacher_id>", methods=["POST"])
@role_required("bureau")
def assign(round_id: int, teacher_id: int):
    round_ = round_for_page(round_id)
    run = final_run(round_)
    teacher = db.get_or_404(Teacher, teacher_id)
    form = AssignForm()
    back = url_for("results.results", round_id=round_id) + f"#t{teacher.id}"
    school = db.session.get(School, form.school_id.data or 0) if form.school_id.data else None
    if run is None or school is None or not form.validate_on_submit():
        refuse(_("请选择学校。"))
        return redirect(back)
    check = change_assignment(
        run,
        teacher,
        school,
        form.reason.data or "",
        actor=(current_user.id, current_user.username),
        override=bool(form.override.data),
    )
    flash(_("已将%(name)s指定到%(school)s。", name=teacher.name, school=school.name), "success")
    for warning in check.warnings:
        flash(_("注意：%(w)s", w=warning), "info")
    return redirect(back)


@bp.route("/<int:round_id>/assign/<int:teacher_id>/check")
@role_required("bureau")
def assign_check(round_id: int, teacher_id: int):
    """What a change would break or bend (for the page, before saving)."""
    run = final_run(round_for_page(round_id))
    teacher = db.get_or_404(Teacher, teacher_id)
    school = db.get_or_404(School, request.args.get("school_id", type=int) or 0)
    if run is None:
        abort(404)
    check = check_assignment(run, teacher, school, override=request.args.get("override") == "1")
    return {"refusals": check.refusals, "warnings": check.warnings, "objections": check.objections}
