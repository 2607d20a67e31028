from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..core.urls import safe_next
from ..extensions import limiter
from . import bp
from .forms import LoginForm
from .services import LoginRefused, authenticate


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("20 per minute", methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = authenticate(form.username.data, form.password.data)
        except LoginRefused as refusal:
            # The failure count is kept: the page answers 200, and the request commits.
            if refusal.reason == "locked":
                flash(
                    _(
                        "登录失败次数过多，账号已暂时锁定，请于 %(time)s 后再试。",
                        time=format_datetime(refusal.until, "HH:mm"),
                    ),
                    "error",
                )
            elif refusal.reason == "inactive":
                flash(_("该账号已停用，请联系教育局。"), "error")
            else:
                flash(_("用户名或密码错误。"), "error")
            return render_template("auth/login.html", form=form), 200
        login_user(user)
        session["lang"] = user.locale or session.get("lang")
        return redirect(safe_next(request.args.get("next")) or url_for("home.index"))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    flash(_("您已退出登录。"), "info")
    return redirect(url_for("auth.login"))


@bp.route("/lang/<code>", methods=["POST"])
def set_language(code):
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    return redirect(safe_next(request.form.get("next")) or url_for("home.index"))
