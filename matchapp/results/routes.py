"""Results pages: the bureau's figures and list, each teacher's result and explanation, each
school's incoming and outgoing teachers, the public notice and the transfer letters."""

from __future__ import annotations

import io
import json
import os
import uuid

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..core.access import require_school_access, role_required
from ..core.dates import day
from ..core.forms import ActionForm
from ..core.jobs import Job, enqueue
from ..core.paging import ListPage
from ..core.pdf import kept_pdf
from ..core.spreadsheet import XLSX
from ..core.transaction import refuse
from ..core.vocab import TIERS
from ..extensions import db
from ..fair.window import round_for_page
from ..roster.models import School, Teacher
from ..rounds.calendar import report_by
from ..rounds.models import Round
from ..rounds.states import allows
from ..runs.assignment import assignment_options
from ..runs.forms import PublishForm
from ..runs.models import Placement
from ..runs.service import final_run, require_final_run
from . import bp
from .explanations import explanation_for
from .exports import results_workbook
from .figures import result_figures
from .forms import CorrectionForm
from .homes import with_home
from .listing import filtered_placements, result_filters
from .models import Publication
from .paper import SYNC_LIMIT, document_context, latest_paper_file, papers, remove_old_files, render_documents
from .publication import correct_placement, latest_publication, publish


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
    form = PublishForm()
    if form.validate_on_submit():
        publication = publish(
            round_, actor=current_user.username, period=(form.notice_starts_on.data, form.notice_ends_on.data)
        )
        flash(
            _(
                "结果已公示（公示期%(start)s至%(end)s），交流经历已记入教师档案。现在可以打印公示、介绍信和报到单。",
                start=day(publication.notice_starts_on),
                end=day(publication.notice_ends_on),
            ),
            "success",
        )
    else:
        for errors in form.errors.values():
            for message in errors:
                refuse(message)
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
        "results/my_result.html",
        round=round_,
        teacher=teacher,
        placement=placement,
        school=school,
        lines=lines,
        report_by=report_by(round_),
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
    round_, publication = _published(round_id, public=True)
    return render_template("results/notice.html", **document_context(round_, publication))


def _published(round_id: int, public: bool = False) -> tuple[Round, Publication]:
    """The round and its latest publication, or 404 before publication."""
    round_ = db.get_or_404(Round, round_id) if public else round_for_page(round_id)
    publication = latest_publication(round_) if allows(round_, "read_results") else None
    if publication is None:
        abort(404)
    return round_, publication


def _papers_for(publication: Publication, school_id: int | None, teacher_id: int | None) -> tuple[list, School | None]:
    """The letters (or slips) the person asks for and may read: a teacher only their own, a school
    those of the teachers it sends or receives, the bureau any (none named: the whole round)."""
    school = db.get_or_404(School, school_id) if school_id else None
    if current_user.role == "teacher":
        if school is not None or (teacher_id or current_user.teacher_id) != current_user.teacher_id:
            abort(403)
        teacher_id = current_user.teacher_id
    elif current_user.role == "school":
        if school is not None and school.id != current_user.school_id:
            abort(403)
        school = school or db.get_or_404(School, current_user.school_id)
    if teacher_id is not None:
        found = papers(publication, teacher_id=teacher_id)
        if not found:
            abort(404)
        if school is not None and school.code not in (found[0].row["from_code"], found[0].row["to_code"]):
            abort(403)
        return found, None
    return papers(publication, school_code=school.code if school else None), school


def _pdf(data: bytes, name: str, etag: str | None = None):
    """A PDF's bytes as a download (with ``etag``: revalidated by the reader each time)."""
    # (etag=True, send_file's default, adds none to bytes without a path; max_age None is its default)
    return send_file(
        io.BytesIO(data),
        mimetype="application/pdf",
        download_name=name,
        etag=etag or True,
        max_age=0 if etag else None,
    )


def _paper_name(round_: Round, kind: str, school: School | None, found: list) -> str:
    who = school.name if school else (found[0].row["name"] if len(found) == 1 else _("全部"))
    return f"{round_.year}-{kind}-{who}.pdf"


def _documents(kind: str, round_: Round, publication: Publication, school: School | None, found: list, title: str):
    """A file of letters or slips: made now when small, by a background job when large."""
    name = _paper_name(round_, title, school, found)
    if len(found) <= SYNC_LIMIT:
        return _pdf(render_documents(kind, found, document_context(round_, publication)), name)
    remove_old_files()
    job = enqueue(
        "paper",
        {
            "round_id": round_.id,
            "publication_id": publication.id,
            "school_id": school.id if school else None,
            "kind": kind,
            "lang": get_locale().language if get_locale() else "zh",
            "file": f"{uuid.uuid4().hex}.pdf",
            "name": name,
        },
        current_user.id,
    )
    return redirect(url_for("core.job", job_id=job.id))


@bp.route("/papers/<int:job_id>.pdf")
@role_required("bureau", "school")
def paper_file(job_id: int):
    """The file a background job made (for the person who asked, or the bureau), for a day."""
    job = db.get_or_404(Job, job_id)
    if job.kind != "paper" or job.state != "done":
        abort(404)
    if current_user.role != "bureau" and job.created_by_id != current_user.id:
        abort(403)
    result = job.result or {}
    path = latest_paper_file(result.get("file", ""))
    if path is None:
        refuse(_("文件已过期（保留24小时），请重新生成。"))
        return redirect(url_for("core.job", job_id=job.id))
    return send_file(path, mimetype="application/pdf", download_name=result.get("name", "matchapp.pdf"))


@bp.route("/<int:round_id>/letters/<int:teacher_id>")
@role_required("bureau", "school", "teacher")
def letter(round_id: int, teacher_id: int):
    """The transfer letter (工作调动介绍信) of one teacher, as published."""
    round_, publication = _published(round_id)
    found, _school = _papers_for(publication, None, teacher_id)
    return render_template("results/letter.html", paper=found[0], **document_context(round_, publication))


@bp.route("/<int:round_id>/letters/<int:teacher_id>.pdf")
@role_required("bureau", "school", "teacher")
def letter_pdf(round_id: int, teacher_id: int):
    round_, publication = _published(round_id)
    found, _school = _papers_for(publication, None, teacher_id)
    data = render_documents("letters", found, document_context(round_, publication))
    return _pdf(data, _paper_name(round_, _("工作调动介绍信"), None, found))


@bp.route("/<int:round_id>/letters.pdf")
@role_required("bureau", "school")
def letters_pdf(round_id: int):
    """Every letter of one school (those it sends, then those it receives) or of the whole round,
    one per page, in one file."""
    round_, publication = _published(round_id)
    found, school = _papers_for(publication, request.args.get("school", type=int), None)
    if not found:
        refuse(_("没有可打印的介绍信：本校本年度没有交流教师。"))
        return redirect(url_for("home.index"))
    return _documents("letters", round_, publication, school, found, _("工作调动介绍信"))


@bp.route("/<int:round_id>/report-slips")
@role_required("bureau", "school", "teacher")
def report_slips(round_id: int):
    """Reporting-in slips (报到单) to print: one teacher's, one school's or (paged) the round's."""
    round_, publication = _published(round_id)
    school_id, teacher_id = request.args.get("school", type=int), request.args.get("teacher", type=int)
    found, school = _papers_for(publication, school_id, teacher_id)
    params = {k: v for k, v in (("school", school_id), ("teacher", teacher_id)) if v}
    page = ListPage(found, request.args.get("page", 1, type=int), 50)
    return render_template(
        "results/report_slips.html",
        papers=page.items,
        page=page,
        school=school,
        params=params,
        **document_context(round_, publication),
    )


@bp.route("/<int:round_id>/report-slips.pdf")
@role_required("bureau", "school", "teacher")
def report_slips_pdf(round_id: int):
    round_, publication = _published(round_id)
    found, school = _papers_for(
        publication, request.args.get("school", type=int), request.args.get("teacher", type=int)
    )
    if not found:
        refuse(_("没有可打印的报到单：本校本年度没有交流教师。"))
        return redirect(url_for("home.index"))
    return _documents("report_slips", round_, publication, school, found, _("报到单"))


@bp.route("/<int:round_id>/notice.pdf")
def notice_pdf(round_id: int):
    """The public notice as a PDF: readable without an account, like the page. Made once per
    version of the results and language, then served from the instance folder (``kept_pdf``):
    anyone may fetch it, as often as they like, during the 公示 period."""
    round_, publication = _published(round_id, public=True)
    folder = os.path.join(current_app.instance_path, "notices")
    data, digest = kept_pdf("paper/notice.html", folder, **document_context(round_, publication))
    # The bytes (a few hundred KB), not the open file: no file rides on a response; the digest
    # of the page as ETag: a reader's copy is revalidated.
    return _pdf(data, f"{round_.year}-{_('交流轮岗结果公示')}.pdf", etag=digest)
