"""The application factory."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping

from flask import Flask, flash, g, redirect, render_template, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_babel import LazyString
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.routing import IntegerConverter

from .config import load_config
from .extensions import babel, csrf, db, limiter, login_manager, migrate

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def template_folder() -> str:
    """The templates: inside the package in an installed wheel, at the top of a checkout otherwise."""
    packaged = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")
    return packaged if os.path.isdir(packaged) else os.path.join(ROOT, "templates")


class _DatabaseId(IntegerConverter):
    def __init__(self, map, *args, **kwargs):  # noqa: A002 - werkzeug's signature
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


class _SessionInterface(SecureCookieSessionInterface):
    """The session cookie carries the Secure flag whenever the request came over HTTPS."""

    def get_cookie_secure(self, app) -> bool:
        from flask import has_request_context

        return super().get_cookie_secure(app) or (has_request_context() and request.is_secure)


def _select_locale():
    from flask import current_app, has_request_context

    lang = session.get("lang") if has_request_context() else None
    if lang in current_app.config["LANGUAGES"]:
        return lang
    return current_app.config["BABEL_DEFAULT_LOCALE"]  # Chinese unless the user switched


_TRANSLATIONS_KEY = "matchapp.translations"


def _request_translations():
    """The request's translations, looked up once per request.

    Flask-Babel's template callables look the catalogue up again for every string (about 20 µs
    each, through the context stack): the preferences page, a card of a dozen strings per
    school, spent half its time there. The catalogue lives on the request's WSGI environ (never
    on ``g``, which can outlive a request), so a language switch takes effect at the next request.
    """
    from flask import has_request_context
    from flask_babel import get_translations

    if not has_request_context():
        return get_translations()
    environ = request.environ
    translations = environ.get(_TRANSLATIONS_KEY)
    if translations is None:
        translations = environ[_TRANSLATIONS_KEY] = get_translations()
    return translations


def _install_template_gettext(app: Flask) -> None:
    # (install_gettext_callables is added to the environment by Jinja's i18n extension)
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: _request_translations().ugettext(s),
        ngettext=lambda s, p, n: _request_translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _request_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _request_translations().unpgettext(c, s, p, n),
    )
    # A translation not yet filled in, for a template to look a string up once and fill it in many
    # times with ``|format`` (Jinja's ``_`` always formats); extracted like ``_`` (translations/catalog.py).
    app.jinja_env.globals["_raw"] = lambda s: _request_translations().ugettext(s)


class _Words(Mapping):
    """A vocabulary (code → lazily translated name) as one page sees it: each name is translated
    the first time the page uses it, then remembered (a list of 100 schools names 3 tiers, not
    100 translations of them). Made anew for each page, so each speaks its request's language."""

    __slots__ = ("_source", "_done")

    def __init__(self, source: Mapping) -> None:
        self._source = source
        self._done: dict = {}

    def __getitem__(self, key):
        try:
            return self._done[key]
        except KeyError:
            value = self._source[key]
            self._done[key] = text = str(value) if isinstance(value, LazyString) else value
            return text

    def __iter__(self):
        return iter(self._source)

    def __len__(self) -> int:
        return len(self._source)


class MatchappFlask(Flask):
    """Flask, with one commit per request in one place: when a view has returned, its work is
    committed if the answer succeeded and rolled back otherwise (:mod:`matchapp.core.transaction`).
    A commit that fails (a concurrent change) is handled like any error of the view: 409."""

    def dispatch_request(self):
        from .core.transaction import finish_request

        response = self.make_response(super().dispatch_request())
        finish_request(response)
        return response


def create_app(config: dict | None = None) -> Flask:
    """Build the app. ``config`` overrides the environment (tests pass theirs here)."""
    app = MatchappFlask(
        __name__,
        template_folder=template_folder(),
        static_folder="static",
        instance_path=(config or {}).get("INSTANCE_PATH")
        or os.environ.get("MATCHAPP_INSTANCE", os.path.join(os.getcwd(), "instance")),
    )
    # Ids in URLs are database integers: a number too large for the column is a 404, not a crash.
    app.url_map.converters["int"] = _DatabaseId
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.update(load_config(app.instance_path, config))

    app.session_interface = _SessionInterface()
    if app.config.get("BEHIND_PROXY"):
        # Behind a reverse proxy (nginx…) that terminates HTTPS: trust its X-Forwarded-* headers.
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]
    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(__file__), "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=_select_locale,
        default_translation_directories=os.path.join(os.path.dirname(__file__), "translations"),
    )
    limiter.init_app(app)
    _install_template_gettext(app)

    from . import models  # noqa: F401  (register every model with SQLAlchemy)
    from .core import jobs
    from .registry import blueprints, job_handlers

    for blueprint in blueprints():
        app.register_blueprint(blueprint)
    jobs.init_app(app, job_handlers())

    @login_manager.user_loader
    def load_user(user_id: str):
        # The user of a session that is still open on the server (signing out ends it there).
        from sqlalchemy.orm import joinedload

        from .auth.models import User
        from .auth.services import session_user
        from .roster.models import Teacher

        try:
            # every page of a teacher shows their school, every page of a school its name
            everyday = (joinedload(User.teacher).joinedload(Teacher.school), joinedload(User.school))
            return session_user(int(user_id), session.get("sid"), options=everyday)
        except ValueError:
            return None

    @app.before_request
    def _fresh_request_state():
        # Flask-Babel and Flask-Login cache the locale and the user on the app context, which
        # may outlive one request (tests that hold an app context, the CLI): each request
        # chooses its own locale and loads its own user from its own session.
        from flask_babel import refresh

        refresh()
        g.pop("_login_user", None)
        g.pop("csrf_token", None)  # Flask-WTF's token of the request, from this request's session

    @app.before_request
    def _initial_password_first():
        # An initial password (from a slip) is replaced before anything else is done.
        if (
            current_user.is_authenticated
            and current_user.must_change_password
            and request.endpoint not in ("auth.account", "auth.logout", "auth.set_language", "static", "core.healthz")
        ):
            if request.path.startswith("/api/"):
                return {"error": "password_change", "message": _("请先登录网页修改初始密码。")}, 403
            flash(_("这是您的初始密码，请先修改密码。"), "info")
            return redirect(url_for("auth.account"))
        return None

    @app.teardown_request
    def _rollback_on_error(exc):
        # Anything the request did not commit is dropped (an exception, a refusal).
        db.session.rollback()

    from .core.dates import day, moment

    # Times and days as the bureau writes them, in its zone (core/dates.py).
    app.add_template_filter(moment, "when")
    app.add_template_filter(day, "day")
    from .core.vocab import round_state

    app.add_template_filter(round_state, "state")

    @app.context_processor
    def _inject():
        from .core import vocab
        from .rounds.services import all_rounds, current_round

        # every year, past ones too, for everyone signed in: a school grades last year's
        # exchange teachers and a teacher reads last year's result while the next is prepared
        rounds = all_rounds() if current_user.is_authenticated else []
        return {
            "nav_round": current_round(session.get("round_id"), rounds) if current_user.is_authenticated else None,
            "nav_rounds": rounds,
            "current_locale": _select_locale(),
            "LANGUAGES": app.config["LANGUAGES"],
            **{
                name: _Words(getattr(vocab, name))
                for name in (
                    "ROLES",
                    "ROUND_STATES",
                    "PROCEDURES",
                    "SUBJECTS",
                    "TIERS",
                    "GENDERS",
                    "TITLES",
                    "EDUCATION",
                    "EXEMPTIONS",
                    "STAGES",
                    "LOCALITIES",
                    "EXCHANGE_KINDS",
                    "EXCHANGE_STATES",
                    "ASSESSMENT_GRADES",
                    "ASSESSMENT_STATES",
                    "EXCHANGE_EVENTS",
                    "EXCHANGE_DECISIONS",
                    "EXCHANGE_CONSEQUENCES",
                    "PERSONNEL_RELATIONS",
                )
            },
        }

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "frame-ancestors 'none'; form-action 'self'; base-uri 'self'",
        )
        return response

    for code in (400, 403, 404, 405, 413, 429, 500):
        app.register_error_handler(code, _error_page(code))
    _register_refusals(app)

    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO)
        # WeasyPrint reports every step and page it lays out at INFO (40 lines for a notice)
        logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    return app


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _register_refusals(app: Flask) -> None:
    """A refusal (the rules, the state of the round, a concurrent change) is never a 500: the
    page the person came from shows what happened, the API answers 409 with it. The request's
    transaction has been rolled back."""
    from .core.errors import Refused, StaleEdit
    from .core.urls import back

    def answer(code: str, message: str):
        from .extensions import db as _db

        _db.session.rollback()
        if _wants_json():
            return {"error": code, "message": message}, 409
        flash(message, "error")
        return redirect(back())

    @app.errorhandler(Refused)
    def _refused(error: Refused):
        return answer(error.code, str(error))

    @app.errorhandler(StaleDataError)
    def _stale(error):
        return answer(StaleEdit.code, _("刚刚有人修改了同一内容，您的修改未保存。请刷新页面后再试。"))

    @app.errorhandler(IntegrityError)
    def _conflict(error):
        # Two first saves of the same thing at once: the unique constraint let one of them through.
        return answer("conflict", _("同一内容刚刚被同时保存，您的修改未保存。请刷新页面后再试。"))

    @app.errorhandler(OperationalError)
    def _busy(error):
        text = str(getattr(error, "orig", error)).lower()
        if "locked" in text or "deadlock" in text or "could not serialize" in text:
            return answer("busy", _("系统正忙（同时保存的人较多），您的修改未保存，请稍后再试。"))
        raise error


def _error_page(code: int):
    def handler(error):
        from .extensions import db as _db

        if code == 500:
            _db.session.rollback()
        if request.accept_mimetypes.best == "application/json" or request.path.startswith("/api/"):
            return {"error": f"http_{code}", "message": str(getattr(error, "description", ""))}, code
        return render_template("errors/error.html", code=code, user=current_user, g=g), code

    return handler
