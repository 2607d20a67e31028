"""Account pages: the bureau's list of every account (filters, search, paging) with bulk
creation, resets and disabling; a school's list of its own staff; the slips to print."""

from __future__ import annotations

import io

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select

from ..auth.models import User
from ..auth.services import unlock
from ..core.access import require_school_access, role_required
from ..core.paging import ListPage
from ..core.spreadsheet import XLSX
from ..core.transaction import refuse
from ..extensions import db
from ..roster.models import School, Teacher
from . import bp
from .forms import AccountActionForm, BulkForm, IssueForm, UsernameSourceForm
from .services import (
    account_state,
    bureau_settings,
    create_school_accounts,
    create_teacher_accounts,
    issue_slips,
    locked_usernames,
    may_manage,
    reset_password,
    set_active,
)
from .slips import keep, open_batch, recent_batches, slips_workbook

STATES = ("never", "active", "locked", "disabled")
SCHOOL_STATES = ("none", "waiting", *STATES)  # a school's list: no account yet, slip to hand out, …


def _filtered(query, role: str, school_id: int | None, state: str, q: str, locked: set[str]):
    if role in ("bureau", "school", "teacher"):
        query = query.where(User.role == role)
    if school_id:
        query = query.outerjoin(Teacher, Teacher.id == User.teacher_id).where(
            or_(User.school_id == school_id, Teacher.school_id == school_id)
        )
    if q:
        like = f"%{q}%"
        query = query.where(or_(User.username.ilike(like), User.display_name.ilike(like)))
    if state == "disabled":
        query = query.where(User.active.is_(False))
    elif state == "locked":
        query = query.where(User.active.is_(True), func.lower(User.username).in_(locked or {""}))
    elif state == "never":
        query = query.where(User.active.is_(True), User.last_login_at.is_(None))
    elif state == "active":
        query = query.where(User.active.is_(True), User.last_login_at.is_not(None))
    return query


@bp.route("/accounts")
@role_required("bureau")
def index():
    role = request.args.get("role", "")
    state = request.args.get("state", "") if request.args.get("state", "") in STATES else ""
    school_id = request.args.get("school_id", type=int)
    q = request.args.get("q", "").strip()[:64]
    locked = locked_usernames()
    query = _filtered(select(User), role, school_id, state, q, locked).order_by(User.role, User.username)
    page = db.paginate(query, page=max(1, request.args.get("page", 1, type=int)), per_page=50, error_out=False)
    counts = dict(db.session.execute(select(User.role, func.count()).group_by(User.role)).all())
    return render_template(
        "accounts/index.html",
        page=page,
        states={u.id: account_state(u, locked) for u in page.items},
        filters={"role": role, "state": state, "school_id": school_id, "q": q},
        schools=db.session.scalars(select(School).order_by(School.code)).all(),
        counts=counts,
        teachers=db.session.scalar(select(func.count(Teacher.id))),
        school_count=db.session.scalar(select(func.count(School.id))),
        bulk=BulkForm(),
        action=AccountActionForm(),
        settings=UsernameSourceForm(teacher_usernames=bureau_settings().teacher_usernames),
        batches=recent_batches(current_user.id),
    )


@bp.route("/accounts/bulk", methods=["POST"])
@role_required("bureau", "school")
def bulk():
    """Accounts for every school administrator, or every teacher (of one school), in one action."""
    form = BulkForm()
    if not form.validate_on_submit():
        refuse(_("请选择要创建的账号类型。"))
        return redirect(request.referrer or url_for("home.index"))
    if current_user.role == "school":
        if form.role.data != "teacher":
            abort(403)
        school_id = current_user.school_id
    else:
        school_id = form.school_id.data
    if form.role.data == "school":
        slips = create_school_accounts()
        title = _("学校管理员账号")
    else:
        query = select(Teacher).order_by(Teacher.staff_no)
        if school_id:
            query = query.where(Teacher.school_id == school_id)
        slips = create_teacher_accounts(list(db.session.scalars(query)))
        title = _("教师账号")
    if not slips:
        flash(_("没有需要新建的账号：都已经有账号了。"), "info")
        return redirect(request.referrer or url_for("home.index"))
    batch = keep(slips, title, current_user.id)
    flash(_("已创建%(n)s个账号。请打印初始密码条或下载表格，24小时后将无法再次查看。", n=len(slips)), "success")
    return redirect(url_for("accounts.slips", batch_id=batch.id))


@bp.route("/accounts/slips/<int:batch_id>")
@role_required("bureau", "school")
def slips(batch_id: int):
    found = open_batch(batch_id, current_user.id)
    if found is None:
        abort(404)
    batch, rows = found
    return render_template("accounts/slips.html", batch=batch, slips=rows, address=request.host_url)


@bp.route("/accounts/slips/<int:batch_id>.xlsx")
@role_required("bureau", "school")
def slips_xlsx(batch_id: int):
    found = open_batch(batch_id, current_user.id)
    if found is None:
        abort(404)
    batch, rows = found
    return send_file(
        io.BytesIO(slips_workbook(rows, request.host_url)),
        mimetype=XLSX,
        as_attachment=True,
        download_name=f"{batch.title}-{batch.created_at:%Y%m%d%H%M}.xlsx",
    )


@bp.route("/accounts/act", methods=["POST"])
@role_required("bureau", "school")
def act():
    form = AccountActionForm()
    user = db.session.get(User, form.user_id.data) if form.validate_on_submit() else None
    if user is None:
        abort(404)
    if not may_manage(current_user, user):
        abort(403)
    name = user.display_name or user.username
    if form.action.data == "reset":
        slip = reset_password(current_user, user)
        batch = keep([slip], _("重置密码：%(name)s", name=name), current_user.id)
        flash(_("已重置%(name)s的密码，请把新的初始密码条交给本人。", name=name), "success")
        return redirect(url_for("accounts.slips", batch_id=batch.id))
    if form.action.data in ("disable", "enable"):
        set_active(current_user, user, form.action.data == "enable", form.reason.data or "")
        flash(
            _("已启用%(name)s的账号。", name=name) if user.active else _("已停用%(name)s的账号。", name=name), "success"
        )
    elif form.action.data == "unlock":
        if current_user.role != "bureau":
            abort(403)
        unlock(user)
        flash(_("已解除%(name)s的登录锁定。", name=name), "success")
    return redirect(request.referrer or url_for("home.index"))


@bp.route("/accounts/settings", methods=["POST"])
@role_required("bureau")
def settings():
    form = UsernameSourceForm()
    if form.validate_on_submit():
        bureau_settings().teacher_usernames = form.teacher_usernames.data
        flash(
            _(
                "已保存：新建的教师账号将以%(source)s为用户名。",
                source=dict(form.teacher_usernames.choices)[form.teacher_usernames.data],
            ),
            "success",
        )
    return redirect(url_for("accounts.index"))


@bp.route("/schools/<int:school_id>/accounts")
@role_required("bureau", "school")
def school(school_id: int):
    """A school's own staff: who has an account, whose slip is still to be handed out."""
    require_school_access(school_id)
    school = db.get_or_404(School, school_id)
    teachers = db.session.scalars(
        select(Teacher).where(Teacher.school_id == school.id).order_by(Teacher.staff_no)
    ).all()
    users = {
        u.teacher_id: u for u in db.session.scalars(select(User).where(User.teacher_id.in_([t.id for t in teachers])))
    }
    locked = locked_usernames()
    waiting = [u for u in users.values() if u.must_change_password and u.slip_issued_at is None and u.active]
    states = {u.id: account_state(u, locked) for u in users.values()}
    q = request.args.get("q", "").strip()[:64].lower()
    state = request.args.get("state", "") if request.args.get("state", "") in SCHOOL_STATES else ""
    waiting_ids = {u.id for u in waiting}

    def shown(teacher: Teacher) -> bool:
        user = users.get(teacher.id)
        if q and q not in teacher.name.lower() and q not in teacher.staff_no.lower():
            return False
        if state == "none":
            return user is None
        if state == "waiting":
            return user is not None and user.id in waiting_ids
        if state:
            return user is not None and states[user.id] == state
        return True

    filters = {"q": request.args.get("q", "").strip()[:64], "state": state}
    return render_template(
        "accounts/school.html",
        school=school,
        teachers=teachers,
        page=ListPage([t for t in teachers if shown(t)], request.args.get("page", 1, type=int), 50),
        filters=filters,
        params={k: v for k, v in filters.items() if v},
        users=users,
        states=states,
        waiting=waiting,
        issue=IssueForm(),
        bulk=BulkForm(role="teacher"),
        action=AccountActionForm(),
        batches=recent_batches(current_user.id),
    )


@bp.route("/schools/<int:school_id>/accounts/issue", methods=["POST"])
@role_required("bureau", "school")
def issue(school_id: int):
    require_school_access(school_id)
    if not IssueForm().validate_on_submit():
        abort(400)
    waiting = db.session.scalars(
        select(User)
        .join(Teacher, Teacher.id == User.teacher_id)
        .where(
            Teacher.school_id == school_id,
            User.must_change_password.is_(True),
            User.slip_issued_at.is_(None),
            User.active.is_(True),
        )
    ).all()
    slips = issue_slips(list(waiting))
    if not slips:
        flash(_("没有待发放的初始密码条。"), "info")
        return redirect(url_for("accounts.school", school_id=school_id))
    batch = keep(slips, _("待发放的教师账号"), current_user.id)
    return redirect(url_for("accounts.slips", batch_id=batch.id))
