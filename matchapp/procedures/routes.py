"""Pages of the procedures other than the fair: the round's choice of procedure, and 跨校竞聘's
school page (posts, applications), the assessment scores, and the teacher's application."""

from __future__ import annotations

import io

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..core.access import require_school_access, role_required
from ..core.forms import ActionForm
from ..core.imports import ImportRefused
from ..core.spreadsheet import XLSX
from ..core.transaction import discard_changes, refuse
from ..core.vocab import PROCEDURES, subject_label
from ..extensions import db
from ..fair.models import PreferenceList
from ..fair.rankings import candidates, post_ranking, split_candidates
from ..fair.scores import import_scores, save_scores, score_template, scores_of, tenths
from ..fair.window import fair_is_open, round_for_page
from ..preparation.competition import (
    PostInput,
    application,
    applications_of,
    apply,
    balance,
    decide_application,
    publish_post,
    shortages,
    surpluses,
    why_not_apply,
    withdraw_application,
    withdraw_post,
)
from ..preparation.models import Outgoing, Post
from ..preparation.posts import round_posts
from ..preparation.requirements import describe
from ..roster.models import School
from ..rounds.forms import ProcedureForm
from ..rounds.models import Round
from ..rounds.states import allows
from . import bp
from .forms import CompetitionPostForm, ScoreImportForm, ScoresForm
from .service import set_procedure


@bp.route("/<int:round_id>/procedure", methods=["POST"])
@role_required("bureau")
def procedure(round_id: int):
    round_ = db.get_or_404(Round, round_id)
    form = ProcedureForm()
    if form.validate_on_submit():
        set_procedure(round_, form.procedure.data)
        flash(_("%(year)s年度的交流方式已改为：%(p)s。", year=round_.year, p=PROCEDURES[round_.procedure]), "success")
    else:
        refuse(_("请选择交流方式。"))
    return redirect(url_for("rounds.overview"))


def _competition_round(round_id: int) -> Round:
    round_ = round_for_page(round_id)
    if round_.procedure != "competition":
        abort(404)
    return round_


def _competition_post(round_id: int, post_id: int) -> tuple[Round, Post]:
    """A 竞聘 round's post that the person may see (their own school's, or any for the bureau)."""
    post = db.get_or_404(Post, post_id)
    if post.round_id != round_id:
        abort(404)
    require_school_access(post.school_id)
    return _competition_round(round_id), post


# -- the school: posts it publishes, applications of its own teachers --------------------------


@bp.route("/<int:round_id>/schools/<int:school_id>")
@role_required("bureau", "school")
def school(round_id: int, school_id: int):
    require_school_access(school_id)
    round_ = _competition_round(round_id)
    school_ = db.get_or_404(School, school_id)
    short = shortages(school_)
    posts = round_posts(round_, school_.id)
    rows = []
    for post in posts:
        people = candidates(post)
        ranking = post_ranking(post)
        rows.append(
            {
                "post": post,
                "requirements": describe(post),
                "applicants": len(people),
                "scored": len(scores_of(post)),
                "submitted": ranking.submitted_at if ranking else None,
            }
        )
    entries = applications_of(round_, school_.id)
    listed = {
        pl.teacher_id: pl
        for pl in db.session.scalars(
            select(PreferenceList).where(
                PreferenceList.round_id == round_.id,
                PreferenceList.teacher_id.in_([e.teacher_id for e in entries]),
            )
        )
    }
    return render_template(
        "procedures/school.html",
        round=round_,
        school=school_,
        shortages=short,
        surpluses=surpluses(school_),
        surplus_text="、".join(
            _("%(s)s超编%(n)s人", s=subject_label(code), n=n) for code, n in sorted(surpluses(school_).items())
        ),
        rows=rows,
        entries=entries,
        listed=listed,
        post_form=CompetitionPostForm(shortages=short),
        form=ActionForm(),
        can_post=allows(round_, "edit_posts"),
        can_decide=allows(round_, "apply"),
        can_score=allows(round_, "score"),
    )


@bp.route("/<int:round_id>/schools/<int:school_id>/posts", methods=["POST"])
@role_required("bureau", "school")
def post_publish(round_id: int, school_id: int):
    require_school_access(school_id)
    round_ = _competition_round(round_id)
    school_ = db.get_or_404(School, school_id)
    form = CompetitionPostForm(shortages=shortages(school_))
    if form.validate_on_submit():
        post = publish_post(
            round_,
            school_,
            PostInput(
                subject=form.subject.data,
                seats=form.seats.data,
                min_education=form.min_education.data or "",
                min_title=form.min_title.data or "",
                honours=form.honours.data or "",
                backbone_seats=form.backbone_seats.data or 0,
                note=form.note.data or "",
            ),
        )
        flash(_("已发布%(school)s的竞聘岗位（%(n)s个）。", school=school_.name, n=post.seats), "success")
    else:
        for errors in form.errors.values():
            for message in errors:
                refuse(message)
    return redirect(url_for("procedures.school", round_id=round_id, school_id=school_id))


@bp.route("/<int:round_id>/posts/<int:post_id>/withdraw", methods=["POST"])
@role_required("bureau", "school")
def post_withdraw(round_id: int, post_id: int):
    round_, post = _competition_post(round_id, post_id)
    school_id = post.school_id
    if ActionForm().validate_on_submit():
        withdraw_post(round_, post)
        flash(_("岗位已撤回。"), "success")
    return redirect(url_for("procedures.school", round_id=round_id, school_id=school_id))


@bp.route("/<int:round_id>/applications/<int:entry_id>", methods=["POST"])
@role_required("bureau", "school")
def application_decide(round_id: int, entry_id: int):
    """The home school approves an application of one of its teachers, or takes it back."""
    round_ = _competition_round(round_id)
    entry = db.get_or_404(Outgoing, entry_id)
    if entry.round_id != round_.id or entry.how != "competition":
        abort(404)
    require_school_access(entry.teacher.school_id)
    if ActionForm().validate_on_submit():
        approve = request.form.get("decision") == "approve"
        decide_application(round_, entry, approve)
        flash(
            _("已同意%(name)s参加跨校竞聘。", name=entry.teacher.name)
            if approve
            else _("已撤销对%(name)s的同意。", name=entry.teacher.name),
            "success",
        )
    return redirect(
        url_for("procedures.school", round_id=round_id, school_id=entry.teacher.school_id) + "#applications"
    )


# -- the receiving school's assessment ---------------------------------------------------------


@bp.route("/<int:round_id>/posts/<int:post_id>/scores", methods=["GET", "POST"])
@role_required("bureau", "school")
def scores(round_id: int, post_id: int):
    round_, post = _competition_post(round_id, post_id)
    people, unqualified = split_candidates(post)
    form = ScoresForm.for_applicants(people)
    if form.validate_on_submit():
        submit = bool(form.submit.data)
        save_scores(post, form.scores(), submit=submit)
        flash(_("成绩已提交，岗位排序已按总分生成。") if submit else _("成绩已保存（尚未提交）。"), "success")
        return redirect(url_for("procedures.scores", round_id=round_id, post_id=post_id))
    for message in form.form_errors:
        refuse(message)
    stored = scores_of(post)
    ranking = post_ranking(post)
    totals = [s.total for s in stored.values() if s.total is not None]
    place = {tid: 1 + sum(t > s.total for t in totals) for tid, s in stored.items() if s.total is not None}
    return render_template(
        "procedures/scores.html",
        round=round_,
        post=post,
        people=people,
        unqualified=unqualified,
        stored=stored,
        tenths=tenths,
        place=place,
        ranking=ranking,
        form=form,
        import_form=ScoreImportForm(),
        requirements=describe(post),
        can_score=allows(round_, "score"),
        problems=[],
    )


@bp.route("/<int:round_id>/posts/<int:post_id>/scores/import", methods=["POST"])
@role_required("bureau", "school")
def scores_import(round_id: int, post_id: int):
    round_, post = _competition_post(round_id, post_id)
    form = ScoreImportForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                refuse(message)
        return redirect(url_for("procedures.scores", round_id=round_id, post_id=post_id))
    upload = form.file.data
    try:
        report = import_scores(post, upload.read(), upload.filename or "")
    except ImportRefused as refused:
        discard_changes()  # the page lists the problems; nothing of the sheet is written
        people, unqualified = split_candidates(post)
        return render_template(
            "procedures/scores.html",
            round=round_,
            post=post,
            people=people,
            unqualified=unqualified,
            stored=scores_of(post),
            tenths=tenths,
            place={},
            ranking=post_ranking(post),
            form=ScoresForm.for_applicants(people),
            import_form=form,
            requirements=describe(post),
            can_score=allows(round_, "score"),
            problems=refused.report.problems,
        )
    flash(
        _(
            "成绩表已导入：新增%(c)s人，更新%(u)s人，未变%(n)s人。请核对后提交。",
            c=report.created,
            u=report.updated,
            n=report.unchanged,
        ),
        "success",
    )
    return redirect(url_for("procedures.scores", round_id=round_id, post_id=post_id))


@bp.route("/<int:round_id>/posts/<int:post_id>/scores.xlsx")
@role_required("bureau", "school")
def scores_template(round_id: int, post_id: int):
    round_, post = _competition_post(round_id, post_id)
    return send_file(
        io.BytesIO(score_template(post)),
        mimetype=XLSX,
        as_attachment=True,
        download_name=f"{post.school.name}-考核成绩表.xlsx",
    )


# -- the teacher ---------------------------------------------------------------------------------


@bp.route("/<int:round_id>/apply", methods=["GET", "POST"])
@role_required("teacher")
def teacher_apply(round_id: int):
    round_ = _competition_round(round_id)
    teacher = current_user.teacher
    if request.method == "POST":
        if ActionForm().validate_on_submit():
            if request.form.get("action") == "withdraw":
                withdraw_application(round_, teacher)
                flash(_("申请已撤回。"), "success")
            else:
                apply(round_, teacher)
                flash(_("已向本校提交跨校竞聘申请，等待学校同意。"), "success")
        return redirect(url_for("procedures.teacher_apply", round_id=round_id))
    posts = [p for p in round_posts(round_, with_seats=True) if p.subject == teacher.subject]
    return render_template(
        "procedures/apply.html",
        round=round_,
        teacher=teacher,
        entry=application(round_, teacher),
        reasons=why_not_apply(round_, teacher),
        surplus=balance(teacher.school_id, teacher.subject),
        posts=posts,
        requirements={p.id: describe(p) for p in posts},
        form=ActionForm(),
        can_apply=allows(round_, "apply"),
        open=fair_is_open(round_),
    )
