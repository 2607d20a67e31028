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
from sqlalchemy import select

from ..core.access import require_school_access, role_required
from ..core.forms import ActionForm
from ..core.imports import ImportRefused
from ..core.paging import ListPage
from ..core.spreadsheet import XLSX, workbook_bytes
from ..core.transaction import refuse
from ..core.urls import safe_next
from ..core.vocab import EXEMPTIONS, LOCALITIES, SUBJECTS, TIERS
from ..extensions import db
from ..roster.models import School, Teacher
from ..rounds.models import Round
from ..rounds.policy import GROUP_KINDS, describe_group, describe_rate, format_share
from . import bp
from .checks import policy_checks
from .eligibility import ordering_key, ordering_reason
from .forms import (
    BureauApprovalForm,
    BureauRemovalForm,
    ExemptionDecisionForm,
    ExemptionForm,
    PostConfirmForm,
    SeatsForm,
    SubjectQuotaImportForm,
    VolunteerForm,
    VoteForm,
)
from .lists import assess_school, confirmed_leaders, leadership_team_size, outgoing_of, school_round
from .models import Post
from .outgoing import (
    apply_ordering_rule,
    bureau_approve,
    bureau_remove,
    decide_exemption,
    list_problems,
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
from .subject_quotas import (
    import_subject_quotas,
    parse_quota_cells,
    propose_subject_quotas,
    quota_sheet,
    set_subject_quotas,
    subjects_of,
)


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
        group_label=GROUP_KINDS.get(round_.policy.get("group_kind", "backbone"), ""),
        group_text=describe_group(round_.policy),
        rate_text=describe_rate(round_.policy),
    )


#: the states a school's list can be filtered by on the bureau's page
SCHOOL_STATES = {
    "submitted": lambda q: q.submitted,
    "pending": lambda q: not q.submitted,
    "short": lambda q: bool(q.shortfall or q.group_shortfall),
}


@bp.route("/<int:round_id>/quotas.xlsx")
@role_required("bureau")
def quotas_xlsx(round_id: int):
    """流出、接收数量与类别统计表."""
    round_ = _round(round_id)
    seats = seats_by_school(round_)
    group = str(GROUP_KINDS.get(round_.policy.get("group_kind", "backbone"), ""))
    schools_sheet: list[list] = [
        [
            "学校代码",
            "学校",
            "类别",
            "片区",
            "应交流人数",
            "交流名额",
            f"应交流{group}",
            f"{group}名额",
            "已确定流出",
            f"其中{group}",
            "缺额",
            "接收名额",
            "报送状态",
            "交流比例",
            "城乡类型",
        ],
    ]
    for q in all_quotas(round_):
        schools_sheet.append(
            [
                q.school.code,
                q.school.name,
                str(TIERS[q.school.tier]),
                q.school.zone,
                q.eligible,
                q.quota if q.quota is not None else "",
                q.group_eligible,
                q.group_quota,
                q.listed,
                q.listed_group,
                q.shortfall,
                seats.get(q.school.id, 0),
                "已报送" if q.submitted else "未报送",
                format_share(q.rate) if q.rate is not None else "未规定",
                str(LOCALITIES.get(q.school.locality, q.school.locality)),
            ]
        )
    notes_sheet: list[list] = [
        ["项目", "本年度政策"],
        ["交流比例", describe_rate(round_.policy)],
        ["比例要求的教师组", describe_group(round_.policy)],
    ]
    subjects_sheet: list[list] = [["学科", "流出教师", "接收名额", "差额（名额−流出）", "未确认岗位"]]
    for b in supply_and_demand(round_):
        subjects_sheet.append([str(SUBJECTS.get(b.subject, b.subject)), b.supply, b.demand, b.gap, b.unconfirmed_posts])
    data = workbook_bytes({"各校流出与接收": schools_sheet, "各学科供需": subjects_sheet, "说明": notes_sheet})
    return send_file(
        io.BytesIO(data),
        mimetype=XLSX,
        as_attachment=True,
        download_name=f"{round_.year}年流出接收数量与类别统计表.xlsx",
    )


@bp.route("/<int:round_id>/subject-quotas", methods=["GET", "POST"])
@role_required("bureau")
def subject_quotas_page(round_id: int):
    """分学科交流名额: the bureau issues and edits each school's quota by subject."""
    round_ = _round(round_id)
    form = ActionForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            refuse(_("页面已过期，请刷新后重试。"))
            return redirect(url_for("preparation.subject_quotas_page", round_id=round_id))
        kept = {k: v for k, v in request.args.items() if k in ("q", "zone", "page")}
        back = url_for("preparation.subject_quotas_page", round_id=round_id, **kept)  # type: ignore[arg-type]
        values, problems = parse_quota_cells(request.form.to_dict())
        if problems:
            for message in problems[:20]:
                refuse(message)
            return redirect(back)
        changed = set_subject_quotas(round_, values)
        flash(_("已保存分学科交流名额（%(n)s项有变化）。", n=changed), "success")
        return redirect(back)
    quotas = all_quotas(round_)
    filters = {"q": request.args.get("q", "").strip()[:64], "zone": request.args.get("zone", "")[:64]}
    shown = [
        q
        for q in quotas
        if (not filters["q"] or filters["q"] in q.school.name or filters["q"] in q.school.code)
        and (not filters["zone"] or q.school.zone == filters["zone"])
    ]
    page = ListPage(shown, request.args.get("page", 1, type=int), 40)  # ≤ 600 cells: under the form limit
    order = list(SUBJECTS)
    columns = sorted({s for q in page.items for s in subjects_of(q)}, key=order.index)
    return render_template(
        "preparation/subject_quotas.html",
        round=round_,
        page=page,
        columns=columns,
        filters=filters,
        params={k: v for k, v in filters.items() if v},
        zone_choices=[(z, z) for z in sorted({q.school.zone for q in quotas if q.school.zone})],
        not_adding_up=sum(1 for q in quotas if not q.adds_up),
        not_issued=sum(1 for q in quotas if not q.issued and q.quota),
        action=form,
        import_form=SubjectQuotaImportForm(),
        rate_text=describe_rate(round_.policy),
    )


@bp.route("/<int:round_id>/subject-quotas/propose", methods=["POST"])
@role_required("bureau")
def subject_quotas_propose(round_id: int):
    round_ = _round(round_id)
    if ActionForm().validate_on_submit():
        n = propose_subject_quotas(round_)
        flash(_("已为%(n)s所学校按各学科应交流人数分配名额，可逐项修改。", n=n), "success")
    return redirect(url_for("preparation.subject_quotas_page", round_id=round_id))


@bp.route("/<int:round_id>/subject-quotas.xlsx")
@role_required("bureau")
def subject_quotas_xlsx(round_id: int):
    round_ = _round(round_id)
    data = workbook_bytes({"分学科交流名额": quota_sheet(round_)})
    return send_file(
        io.BytesIO(data), mimetype=XLSX, as_attachment=True, download_name=f"{round_.year}年分学科交流名额.xlsx"
    )


@bp.route("/<int:round_id>/subject-quotas/import", methods=["POST"])
@role_required("bureau")
def subject_quotas_import(round_id: int):
    round_ = _round(round_id)
    form = SubjectQuotaImportForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                refuse(str(message))
        return redirect(url_for("preparation.subject_quotas_page", round_id=round_id))
    try:
        report = import_subject_quotas(round_, form.file.data.read(), form.file.data.filename or "")
    except ImportRefused as refused_file:
        problems = refused_file.report.problems
        refuse(_("文件有%(n)s处问题，未导入任何名额：", n=len(problems)) + "；".join(str(p) for p in problems[:20]))
        return redirect(url_for("preparation.subject_quotas_page", round_id=round_id))
    flash(
        _(
            "已导入分学科交流名额：新增%(c)s项，修改%(u)s项，未变%(s)s项。",
            c=report.created,
            u=report.updated,
            s=report.unchanged,
        ),
        "success",
    )
    return redirect(url_for("preparation.subject_quotas_page", round_id=round_id))


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
        kept: dict = request.args.to_dict()  # the list's filters and page, as they were
        return redirect(url_for("preparation.exemptions", round_id=round_id, **kept))
    args = request.args
    filters = {
        "q": args.get("q", "").strip()[:64],
        "school": args.get("school", type=int),
        "zone": args.get("zone", "")[:64],
        "subject": args.get("subject", "") if args.get("subject", "") in SUBJECTS else "",
        "reason": args.get("reason", "") if args.get("reason", "") in EXEMPTIONS else "",
        "state": args.get("state", "") if args.get("state", "") in ("pending", "approved") else "",
    }

    def shown(e) -> bool:
        t = e.teacher
        return (
            (not filters["q"] or filters["q"] in t.name or filters["q"] in t.staff_no)
            and (not filters["school"] or t.school_id == filters["school"])
            and (not filters["zone"] or t.school.zone == filters["zone"])
            and (not filters["subject"] or t.subject == filters["subject"])
            and (not filters["reason"] or e.code == filters["reason"])
            and (not filters["state"] or e.approved == (filters["state"] == "approved"))
        )

    # This year's exemptions and the deferrals still running: a few hundred at most, filtered here.
    page = ListPage([e for e in round_exemptions(round_) if shown(e)], args.get("page", 1, type=int), 50)
    schools = db.session.scalars(select(School).order_by(School.code)).all()
    return render_template(
        "preparation/exemptions.html",
        round=round_,
        exemptions=page.items,
        page=page,
        filters=filters,
        params={k: v for k, v in filters.items() if v},
        school_choices=[(s.id, s.name) for s in schools],
        zone_choices=[(z, z) for z in sorted({s.zone for s in schools if s.zone})],
        form=form,
    )


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
        group_text=describe_group(round_.policy),
        format_share=format_share,
        subject_columns=subjects_of(quota),
        action=ActionForm(),
        vote_form=VoteForm(),
        exemption_form=ExemptionForm(),
        approval_form=BureauApprovalForm(),
        removal_form=BureauRemovalForm(),
        problems=list_problems(round_, school.id),
        team=leadership_team_size(school),
        leaders_listed=confirmed_leaders(round_, school.id),
        leadership_cap=round_.policy.get("leadership_cap"),
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


@bp.route("/<int:round_id>/schools/<int:school_id>/approve", methods=["POST"])
@role_required("bureau")
def outgoing_approve(round_id: int, school_id: int):
    """教育局审批列入: a teacher who is not due, or a school leader appointed by the bureau."""
    round_, school = _school_action(round_id, school_id)
    form = BureauApprovalForm()
    teacher = db.session.get(Teacher, form.teacher_id.data or 0)
    if not form.validate_on_submit() or teacher is None or teacher.school_id != school.id:
        refuse(_("请选择本校教师并写明审批理由（500字以内）。"))
        return _to_school(round_id, school_id)
    bureau_approve(round_, teacher, form.reason.data)
    flash(_("已审批将%(name)s列入流出名单。", name=teacher.name), "success")
    return _to_school(round_id, school_id)


@bp.route("/<int:round_id>/schools/<int:school_id>/approve/remove", methods=["POST"])
@role_required("bureau")
def outgoing_approve_remove(round_id: int, school_id: int):
    round_, school = _school_action(round_id, school_id)
    form = BureauRemovalForm()
    teacher = db.session.get(Teacher, form.teacher_id.data or 0)
    if not form.validate_on_submit() or teacher is None or teacher.school_id != school.id:
        refuse(_("只能撤回本校教师。"))
        return _to_school(round_id, school_id)
    bureau_remove(round_, teacher)
    flash(_("已撤回%(name)s的审批列入。", name=teacher.name), "success")
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
