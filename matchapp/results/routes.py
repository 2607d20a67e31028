"""Results pages: the bureau's figures and list, each teacher's result and explanation, each
school's incoming and outgoing teachers, the public notice and the transfer letters."""

from __future__ import annotations

import io
import json

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..core.access import require_school_access, role_required
from ..core.forms import ActionForm, ConfirmForm
from ..core.spreadsheet import XLSX
from ..core.transaction import refuse
from ..core.vocab import TIERS
from ..extensions import db
from ..fair.window import round_for_page
from ..roster.models import ExchangeRecord, School, Teacher
from ..rounds.calendar import report_by, term_ends, term_years
from ..rounds.models import Round
from ..rounds.states import allows
from ..runs.assignment import assignment_options
from ..runs.models import Placement
from ..runs.service import final_run, require_final_run
from . import bp
from .explanations import explanation_for
from .exports import results_workbook
from .figures import result_figures
from .forms import CorrectionForm
from .homes import with_home
from .listing import filtered_placements, result_filters
from .publication import correct_placement, latest_publication, notice_row, publish


@bp.route("/<int:round_id>/results")
@role_required("bureau")
def results(round_id: int):
    round_ = round_for_page(round_id)
    run = final_run(round_)
    if run is None:
        flash(_("尚未运行正式匹配。"), "info")
        return redirect(url_for("runs.control", round_id=round_id))
    schools = {s.id: s for s in db.session.scalars(select(School).order_by(School.code))}
    figures = result_figures(run)
    chart = {
        "labels": [_("第%(k)s志愿", k=k + 1) for k in range(len(figures["histogram"]))],
        "values": figures["histogram"],
        "title": _("录取志愿分布"),
        "flows": {
            "labels": [str(TIERS[a]) for a in figures["tiers"]],
            "series": [
                {
                    "label": _("到%(t)s学校", t=str(TIERS[b])),
                    "values": [figures["tier_flow"][a][b] for a in figures["tiers"]],
                }
                for b in figures["tiers"]
            ],
        },
    }
    filters = result_filters(request.args)
    page = db.paginate(
        filtered_placements(run, filters),
        page=max(1, request.args.get("page", 1, type=int)),
        per_page=50,
        error_out=False,
    )
    placements = list(page.items)
    teachers = {
        t.id: t for t in db.session.scalars(select(Teacher).where(Teacher.id.in_([p.teacher_id for p in placements])))
    }
    can_assign = allows(round_, "assign")
    editable = [teachers[p.teacher_id] for p in placements if p.how != "matched"]
    zones = sorted({s.zone for s in schools.values() if s.zone})
    return render_template(
        "results/results.html",
        round=round_,
        run=run,
        placements=placements,
        page=page,
        filters=filters,
        params={k: v for k, v in filters.items() if v},
        school_choices=[(s.id, s.name) for s in schools.values()],
        zone_choices=[(z, z) for z in zones],
        teachers=teachers,
        schools=schools,
        figures=figures,
        chart=json.dumps(chart, ensure_ascii=False),
        form=ActionForm(),
        options=assignment_options(run, editable) if can_assign else {},
        can_assign=can_assign,
        can_correct=allows(round_, "correct"),
        publication=latest_publication(round_),
    )


@bp.route("/<int:round_id>/results.xlsx")
@role_required("bureau")
def results_xlsx(round_id: int):
    round_ = round_for_page(round_id)
    run = final_run(round_)
    if run is None:
        abort(404)
    return send_file(
        io.BytesIO(results_workbook(run)),
        mimetype=XLSX,
        as_attachment=True,
        download_name=f"{round_.year}年教师交流轮岗结果.xlsx",
    )


@bp.route("/<int:round_id>/publish", methods=["POST"])
@role_required("bureau")
def fair_publish(round_id: int):
    round_ = round_for_page(round_id)
    if ConfirmForm().validate_on_submit():
        publish(round_, actor=current_user.username)
        flash(_("结果已公示，交流经历已记入教师档案。"), "success")
    else:
        refuse(_("请先核对清单，并勾选确认。"))
    return redirect(url_for("runs.control", round_id=round_id))


@bp.route("/<int:round_id>/correct/<int:teacher_id>", methods=["POST"])
@role_required("bureau")
def correct(round_id: int, teacher_id: int):
    """An audited correction of a published placement: a new version of the notice."""
    round_ = round_for_page(round_id)
    teacher = db.get_or_404(Teacher, teacher_id)
    form = CorrectionForm()
    back = url_for("results.results", round_id=round_id) + f"#t{teacher.id}"
    school = db.session.get(School, form.school_id.data) if form.school_id.data else None
    if school is None or not form.validate_on_submit():
        refuse(_("请选择学校。"))
        return redirect(back)
    publication = correct_placement(
        round_, teacher, school, form.reason.data or "", actor=(current_user.id, current_user.username)
    )
    flash(
        _(
            "已更正%(name)s的交流学校为%(school)s，并重新公示（第%(v)s版）。",
            name=teacher.name,
            school=school.name,
            v=publication.version,
        ),
        "success",
    )
    return redirect(back)


# -- teachers and schools -------------------------------------------------------------------


@bp.route("/<int:round_id>/my-result")
@role_required("teacher")
def my_result(round_id: int):
    round_ = round_for_page(round_id)
    if not allows(round_, "read_results"):
        flash(_("结果公示后才能查看。"), "info")
        return redirect(url_for("home.index"))
    run = require_final_run(round_)
    teacher = current_user.teacher
    placement = db.session.scalar(
        select(Placement).where(Placement.run_id == run.id, Placement.teacher_id == teacher.id)
    )
    if placement is None:
        abort(404)
    lines = explanation_for(run, teacher, "en" if request.args.get("lang") == "en" else "zh")
    school = db.session.get(School, placement.school_id) if placement.school_id else None
    return render_template(
        "results/my_result.html", round=round_, teacher=teacher, placement=placement, school=school, lines=lines
    )


@bp.route("/<int:round_id>/schools/<int:school_id>/results")
@role_required("bureau", "school")
def school_results(round_id: int, school_id: int):
    """Whom a school receives and sends (after publication)."""
    require_school_access(school_id)
    round_, school = round_for_page(round_id), db.get_or_404(School, school_id)
    if not allows(round_, "read_results"):
        flash(_("结果公示后才能查看。"), "info")
        return redirect(url_for("fair.school_posts", round_id=round_id, school_id=school_id))
    run = require_final_run(round_)
    incoming = db.session.scalars(
        select(Placement).where(Placement.run_id == run.id, Placement.school_id == school.id)
    ).all()
    sending, home_id = with_home(
        select(Placement).join(Teacher, Teacher.id == Placement.teacher_id), run, Placement.teacher_id
    )
    outgoing = db.session.scalars(sending.where(Placement.run_id == run.id, home_id == school.id)).all()
    ids = [p.teacher_id for p in (*incoming, *outgoing)]
    return render_template(
        "results/school.html",
        round=round_,
        school=school,
        incoming=incoming,
        outgoing=outgoing,
        teachers={t.id: t for t in db.session.scalars(select(Teacher).where(Teacher.id.in_(ids)))},
        schools={s.id: s for s in db.session.scalars(select(School))},
    )


# -- publication ----------------------------------------------------------------------------


@bp.route("/<int:round_id>/notice")
def notice(round_id: int):
    """The public notice (公示): readable without an account once published; printable."""
    round_ = db.get_or_404(Round, round_id)
    publication = latest_publication(round_) if allows(round_, "read_results") else None
    if publication is None:
        abort(404)
    return render_template("results/notice.html", round=round_, publication=publication)


@bp.route("/<int:round_id>/letters/<int:teacher_id>")
@role_required("bureau", "school", "teacher")
def letter(round_id: int, teacher_id: int):
    """The transfer letter (工作调动介绍信) of one teacher, as published."""
    round_ = round_for_page(round_id)
    publication = latest_publication(round_) if allows(round_, "read_results") else None
    row = notice_row(publication, teacher_id) if publication else None
    if row is None:
        abort(404)
    if current_user.role == "teacher" and current_user.teacher_id != teacher_id:
        abort(403)
    if current_user.role == "school":
        codes = {s.code: s.id for s in db.session.scalars(select(School).where(School.id == current_user.school_id))}
        if row["from_code"] not in codes and row["to_code"] not in codes:
            abort(403)
    record = db.session.scalar(
        select(ExchangeRecord).where(ExchangeRecord.teacher_id == teacher_id, ExchangeRecord.year == round_.year)
    )
    years = record.term_years if record else term_years(round_)  # the kind's own term (seed 004)
    return render_template(
        "results/letter.html",
        round=round_,
        row=row,
        publication=publication,
        kind=record.kind if record else "full_time",
        term=years,
        report_by=report_by(round_),
        return_on=term_ends(round_, years),
    )
