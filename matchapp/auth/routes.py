"""Signing in and out, one's own account (password, sessions, API tokens), and the bureau's view
of locked accounts and tokens."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import func, select

from ..core.access import role_required
from ..core.transaction import refuse
from ..core.urls import safe_next
from ..extensions import db, limiter
from . import bp
from .forms import LoginForm, PasswordForm, RevokeForm, UserActionForm
from .models import ApiToken, LoginFailure, User
from .services import (
    LoginRefused,
    authenticate,
    change_password,
    end_everything,
    end_session,
    live_sessions,
    locked_addresses,
    revoke_token,
    start_session,
    tokens_of,
    unlock,
)

SESSION_KEY = "sid"


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("20 per minute", methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = authenticate(form.username.data, form.password.data, request.remote_addr or "")
        except LoginRefused as refusal:
            # The failure count is kept: the page answers 200, and the request commits.
            if refusal.reason == "locked":
                flash(
                    _(
                        "登录失败次数过多，请于 %(time)s 后再试；如需立即登录，请联系教育局解除锁定。",
                        time=format_datetime(refusal.until, "HH:mm"),
                    ),
                    "error",
                )
            elif refusal.reason == "inactive":
                flash(_("该账号已停用，请联系教育局。"), "error")
            else:
                flash(_("用户名或密码错误。"), "error")
            return render_template("auth/login.html", form=form), 200
        lang = user.locale or session.get("lang")
        session.clear()  # a new session for a new sign-in (no fixation)
        session[SESSION_KEY] = start_session(user, request.remote_addr or "", request.user_agent.string)
        login_user(user)
        if lang:
            session["lang"] = lang
        return redirect(safe_next(request.args.get("next")) or url_for("home.index"))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    end_session(session.get(SESSION_KEY))
    logout_user()
    session.pop(SESSION_KEY, None)
    flash(_("您已退出登录。"), "info")
    return redirect(url_for("auth.login"))


@bp.route("/lang/<code>", methods=["POST"])
def set_language(code):
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    return redirect(safe_next(request.form.get("next")) or url_for("home.index"))


# -- one's own account --------------------------------------------------------------------------


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    form = PasswordForm()
    if form.validate_on_submit():
        change_password(current_user, form.current.data, form.new.data, keep_session=session.get(SESSION_KEY))
        flash(_("密码已修改；其他设备上的登录和所有访问令牌已失效。"), "success")
        return redirect(url_for("auth.account"))
    for errors in form.errors.values():
        for message in errors:
            refuse(message)
    return render_template(
        "auth/account.html",
        form=form,
        sessions=live_sessions(current_user),
        tokens=tokens_of(current_user),
        revoke_form=RevokeForm(),
    )


@bp.route("/account/tokens/revoke", methods=["POST"])
@login_required
def revoke_own_token():
    form = RevokeForm()
    token = db.session.get(ApiToken, form.token_id.data) if form.validate_on_submit() else None
    if token is None or token.user_id != current_user.id:
        abort(404)
    revoke_token(token, "owner")
    flash(_("访问令牌 %(p)s… 已撤销。", p=token.prefix), "success")
    return redirect(url_for("auth.account"))


# -- the bureau ---------------------------------------------------------------------------------


@bp.route("/accounts/security")
@role_required("bureau")
def security():
    """Locked sign-ins and live API tokens of every account."""
    locked_names = set(db.session.scalars(select(LoginFailure.username).where(LoginFailure.locked_until.is_not(None))))
    locked = db.session.scalars(select(User).where(func.lower(User.username).in_(locked_names))).all()
    tokens = db.session.scalars(
        select(ApiToken).where(ApiToken.revoked_at.is_(None)).order_by(ApiToken.created_at.desc()).limit(500)
    ).all()
    return render_template(
        "auth/security.html",
        locked=[(u, locked_addresses(u)) for u in locked],
        tokens=tokens,
        form=UserActionForm(),
        revoke_form=RevokeForm(),
    )


@bp.route("/accounts/security/act", methods=["POST"])
@role_required("bureau")
def security_act():
    form = UserActionForm()
    user = db.session.get(User, form.user_id.data) if form.validate_on_submit() else None
    if user is None:
        abort(404)
    if form.action.data == "unlock":
        unlock(user)
        flash(_("已解除%(name)s的登录锁定。", name=user.display_name or user.username), "success")
    elif form.action.data == "end_sessions":
        end_everything(user, "bureau")
        flash(_("%(name)s的所有登录和访问令牌已失效。", name=user.display_name or user.username), "success")
    else:
        abort(400)
    return redirect(url_for("auth.security"))


@bp.route("/accounts/security/tokens/revoke", methods=["POST"])
@role_required("bureau")
def revoke_any_token():
    form = RevokeForm()
    token = db.session.get(ApiToken, form.token_id.data) if form.validate_on_submit() else None
    if token is None:
        abort(404)
    revoke_token(token, "bureau")
    flash(_("访问令牌 %(p)s… 已撤销。", p=token.prefix), "success")
    return redirect(url_for("auth.security"))
