"""Pages before the fair: the bureau's table of schools, a school's lists, a teacher's application.

Views are thin: they validate a form, call one service, flash and redirect. They never commit
(the request does, see :mod:`matchapp.core.transaction`), and a refusal raised by a service is
shown on the page the form came from.
"""

from __future__ import annotations

import io

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..core.access import require_school_access, role_required
from ..core.forms import ActionForm
from ..core.paging import ListPage
from ..core.spreadsheet import XLSX, workbook_bytes
from ..core.transaction import refuse
from ..core.urls import safe_next
from ..core.vocab import SUBJECTS, TIERS
from ..extensions import db
from ..roster.models import School, Teacher
from ..rounds.models import Round
from . import bp
from .checks import policy_checks
from .eligibility import ordering_key, ordering_reason
from .forms import ExemptionDecisionForm, ExemptionForm, PostConfirmForm, SeatsForm, VolunteerForm, VoteForm
from .lists import assess_school, outgoing_of, school_round
from .models import Post
from .outgoing import (
    apply_ordering_rule,
    decide_exemption,
    pending_exemptions,
    publish_eligibility,
    record_vote,
    return_outgoing,
    round_exemptions,
    set_exemption,
    submit_outgoing,
    volunteer,
    withdraw,
)
from .posts import confirm_post, propose_posts, round_posts, seats_by_school, set_seats, supply_and_demand
from .quotas import all_quotas, school_quota


def _round(round_id: int) -> Round:
    return db.get_or_404(Round, round_id)


# -- the bureau -----------------------------------------------------------------------------


@bp.route("/<int:round_id>/schools")
@role_required("bureau")
def schools(round_id: int):
    round_ = _round(round_id)
    quotas = all_quotas(round_)
    state = request.args.get("state", "") if request.args.get("state", "") in SCHOOL_STATES else ""
    filters = {"q": request.args.get("q", "").strip()[:64], "zone": request.args.get("zone", "")[:64], "state": state}
    shown = [
        q
        for q in quotas
        if (not filters["q"] or filters["q"] in q.school.name or filters["q"] in q.school.code)
        and (not filters["zone"] or q.school.zone == filters["zone"])
        and (not state or SCHOOL_STATES[state](q))
    ]
    return render_template(
        "preparation/schools.html",
        round=round_,
        quotas=quotas,
        page=ListPage(shown, request.args.get("page", 1, type=int), 100),
        filters=filters,
        params={k: v for k, v in filters.items() if v},
        zone_choices=[(z, z) for z in sorted({q.school.zone for q in quotas if q.school.zone})],
        seats=seats_by_school(round_),
        checks=policy_checks(round_, quotas),
        balance=supply_and_demand(round_),
        pending=len(pending_exemptions(round_)),
        action=ActionForm(),
        seats_form=SeatsForm(),
    )


#: the states a school's list can be filtered by on the bureau's page
SCHOOL_STATES = {
    "submitted": lambda q: q.submitted,
    "pending": lambda q: not q.submitted,
    "short": lambda q: bool(q.shortfall or q.backbone_shortfall),
}


@bp.route("/<int:round_id>/quotas.xlsx")
@role_required("bureau")
def quotas_xlsx(round_id: int):
    """流出、接收数量与类别统计表."""
    round_ = _round(round_id)
    seats = seats_by_school(round_)
    schools_sheet: list[list] = [
        [
            "学校代码",
            "学校",
            "类别",
            "片区",
            "应交流人数",
            "交流名额",
            "应交流骨干",
            "骨干名额",
            "已确定流出",
            "其中骨干",
            "缺额",
            "接收名额",
            "报送状态",
        ]
    ]
    for q in all_quotas(round_):
        schools_sheet.append(
            [
                q.school.code,
                q.school.name,
                str(TIERS[q.school.tier]),
                q.school.zone,
                q.eligible,
                q.quota,
                q.eligible_backbone,
                q.backbone_quota,
                q.listed,
                q.listed_backbone,
                q.shortfall,
                seats.get(q.school.id, 0),
                "已报送" if q.submitted else "未报送",
            ]
        )
    subjects_sheet: list[list] = [["学科", "流出教师", "接收名额", "差额（名额−流出）", "未确认岗位"]]
    for b in supply_and_demand(round_):
        subjects_sheet.append([str(SUBJECTS.get(b.subject, b.subject)), b.supply, b.demand, b.gap, b.unconfirmed_posts])
    data = workbook_bytes({"各校流出与接收": schools_sheet, "各学科供需": subjects_sheet})
    return send_file(
        io.BytesIO(data),
        mimetype=XLSX,
        as_attachment=True,
        download_name=f"{round_.year}年流出接收数量与类别统计表.xlsx",
    )


@bp.route("/<int:round_id>/posts/propose", methods=["POST"])
@role_required("bureau")
def posts_propose(round_id: int):
    round_ = _round(round_id)
    if ActionForm().validate_on_submit():
        n = propose_posts(round_)
        flash(_("已按“先流出再流入”生成%(n)s个岗位的名额，可逐项调整。", n=n), "success")
    return redirect(url_for("preparation.schools", round_id=round_id))


@bp.route("/<int:round_id>/seats", methods=["POST"])
@role_required("bureau")
def seats(round_id: int):
    round_ = _round(round_id)
    form = SeatsForm()
    target = safe_next(form.next.data) or url_for("preparation.schools", round_id=round_id)
    if not form.validate_on_submit() or db.session.get(School, form.school_id.data) is None:
        refuse(_("名额应为0到500之间的整数。"))
        return redirect(target)
    set_seats(round_, form.school_id.data, form.subject.data, form.seats.data)
    flash(_("名额已保存，待学校确认。"), "success")
    return redirect(target)


@bp.route("/<int:round_id>/schools/<int:school_id>/return", methods=["POST"])
@role_required("bureau")
def outgoing_return(round_id: int, school_id: int):
    round_, school = _round(round_id), db.get_or_404(School, school_id)
    if ActionForm().validate_on_submit():
        return_outgoing(round_, school)
        flash(_("已将%(name)s的流出名单退回学校修改。", name=school.name), "success")
    return redirect(url_for("preparation.schools", round_id=round_id))


@bp.route("/<int:round_id>/exemptions", methods=["GET", "POST"])
@role_required("bureau")
def exemptions(round_id: int):
    round_ = _round(round_id)
    form = ExemptionDecisionForm()
    if form.validate_on_submit():
        teacher = db.get_or_404(Teacher, form.teacher_id.data)
        approve = form.decision.data == "approve"
        decide_exemption(round_, teacher, approve)
        flash(
            _("已同意%(name)s暂不交流。", name=teacher.name)
            if approve
            else _("已驳回%(name)s的暂不交流申请。", name=teacher.name),
            "success",
        )
        return redirect(url_for("preparation.exemptions", round_id=round_id))
    return render_template("preparation/exemptions.html", round=round_, exemptions=round_exemptions(round_), form=form)


# -- a school -------------------------------------------------------------------------------


@bp.route("/<int:round_id>/schools/<int:school_id>")
@role_required("bureau", "school")
def school(round_id: int, school_id: int):
    require_school_access(school_id)
    round_, school = _round(round_id), db.get_or_404(School, school_id)
    assessed = assess_school(round_, school.id)
    quota = school_quota(round_, school, assessed)
    entries = outgoing_of(round_, school.id)
    ranked = sorted((a for a in assessed if a.eligible), key=ordering_key)
    rule_order = {a.teacher.id: k + 1 for k, a in enumerate(ranked)}
    # Due teachers first, in the ordering rule's order; then the others.
    assessed.sort(key=lambda a: (a.status != "eligible", rule_order.get(a.teacher.id, 0), a.teacher.staff_no))
    posts = round_posts(round_, school.id)
    post_forms = {
        post.id: PostConfirmForm(
            prefix=f"p{post.id}",
            data={
                "post_id": post.id,
                "min_education": post.min_education,
                "min_title": post.min_title,
                "honours": post.honours,
                "backbone_seats": post.backbone_seats,
            },
        )
        for post in posts
    }
    return render_template(
        "preparation/school.html",
        round=round_,
        school=school,
        assessed=assessed,
        quota=quota,
        entries=entries,
        by_teacher={o.teacher_id: o for o in entries},
        rule_order=rule_order,
        ordering_reason=ordering_reason,
        status=school_round(round_, school.id),  # the progress record, created on first visit
        posts=posts,
        post_forms=post_forms,
        action=ActionForm(),
        vote_form=VoteForm(),
        exemption_form=ExemptionForm(),
    )


def _school_action(round_id: int, school_id: int) -> tuple[Round, School]:
    require_school_access(school_id)
    return _round(round_id), db.get_or_404(School, school_id)


def _to_school(round_id: int, school_id: int):
    return redirect(url_for("preparation.school", round_id=round_id, school_id=school_id))


@bp.route("/<int:round_id>/schools/<int:school_id>/publish", methods=["POST"])
@role_required("bureau", "school")
def eligibility_publish(round_id: int, school_id: int):
    round_, school = _school_action(round_id, school_id)
    if ActionForm().validate_on_submit():
        publish_eligibility(round_, school)
        flash(_("应交流对象名单已公示。"), "success")
    return _to_school(round_id, school_id)


@bp.route("/<int:round_id>/schools/<int:school_id>/rule", methods=["POST"])
@role_required("bureau", "school")
def outgoing_rule(round_id: int, school_id: int):
    round_, school = _school_action(round_id, school_id)
    if ActionForm().validate_on_submit():
        final = apply_ordering_rule(round_, school)
        flash(_("已按排序规则确定流出名单，共%(n)s人。", n=len(final)), "success")
    return _to_school(round_id, school_id)


@bp.route("/<int:round_id>/schools/<int:school_id>/vote", methods=["POST"])
@role_required("bureau", "school")
def outgoing_vote(round_id: int, school_id: int):
    round_, school = _school_action(round_id, school_id)
    form = VoteForm()
    if not form.validate_on_submit():
        refuse(_("请填写被推荐教师、参加投票人数和赞成票。"))
        return _to_school(round_id, school_id)
    teacher = db.session.get(Teacher, form.teacher_id.data)
    if teacher is None or teacher.school_id != school.id:
        refuse(_("只能推荐本校教师。"))
        return _to_school(round_id, school_id)
    entry = record_vote(round_, teacher, form.members.data, form.yes.data)
    flash(f"{teacher.name}：{entry.note}", "success")
    return _to_school(round_id, school_id)


@bp.route("/<int:round_id>/schools/<int:school_id>/submit", methods=["POST"])
@role_required("school")
def outgoing_submit(round_id: int, school_id: int):
    round_, school = _school_action(round_id, school_id)
    if ActionForm().validate_on_submit():
        submit_outgoing(round_, school)
        flash(_("流出名单已报送教育局。"), "success")
    return _to_school(round_id, school_id)


@bp.route("/<int:round_id>/schools/<int:school_id>/exemption", methods=["POST"])
@role_required("bureau", "school")
def exemption_record(round_id: int, school_id: int):
    round_, _school = _school_action(round_id, school_id)
    form = ExemptionForm()
    teacher = db.session.get(Teacher, form.teacher_id.data or 0)
    if not form.validate_on_submit() or teacher is None or teacher.school_id != school_id:
        refuse(_("请选择本校教师和暂不交流理由。"))
        return _to_school(round_id, school_id)
    set_exemption(round_, teacher, form.exemption.data, form.reason.data or "", form.until.data)
    flash(_("已提交%(name)s的暂不交流申请，待教育局审核。", name=teacher.name), "success")
    return _to_school(round_id, school_id)


@bp.route("/<int:round_id>/posts/<int:post_id>/confirm", methods=["POST"])
@role_required("bureau", "school")
def post_confirm(round_id: int, post_id: int):
    post = db.get_or_404(Post, post_id)
    if post.round_id != round_id:
        abort(404)
    require_school_access(post.school_id)
    form = PostConfirmForm(prefix=f"p{post.id}")
    if not form.validate_on_submit():
        refuse(_("岗位要求填写有误。"))
        return _to_school(round_id, post.school_id)
    confirm_post(
        post,
        min_education=form.min_education.data,
        min_title=form.min_title.data,
        honours=form.honours.data or "",
        backbone_seats=form.backbone_seats.data,
    )
    flash(_("已确认%(subject)s岗位。", subject=SUBJECTS[post.subject]), "success")
    return _to_school(round_id, post.school_id)


# -- a teacher ------------------------------------------------------------------------------


@bp.route("/<int:round_id>/volunteer", methods=["POST"])
@role_required("teacher")
def teacher_volunteer(round_id: int):
    round_ = _round(round_id)
    form = VolunteerForm()
    if form.validate_on_submit():
        if form.withdraw.data:
            withdraw(round_, current_user.teacher)
            flash(_("已撤回自主申报。"), "success")
        else:
            volunteer(round_, current_user.teacher)
            flash(_("已自主申报参加交流，待学校确认。"), "success")
    return redirect(url_for("home.index"))
