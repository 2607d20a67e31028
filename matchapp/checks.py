"""What is wrong with a deployment: ``matchapp check``, and the warnings ``matchapp serve`` prints.

Each check returns findings of three levels: ``ok``, ``warning`` (it works, but not as a bureau
should run it) and ``error`` (it will not work). They are read by a bureau's IT staff, so each
finding says what to do.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Flask


@dataclass(frozen=True)
class Finding:
    level: str  # ok | warning | error
    message: str

    def __str__(self) -> str:
        return f"{self.level}: {self.message}"


def _secret(app: Flask) -> list[Finding]:
    secret = app.config.get("SECRET_KEY") or ""
    if app.config.get("MATCHAPP_ENV") != "production":
        return [Finding("warning", f"MATCHAPP_ENV={app.config.get('MATCHAPP_ENV')}: not a production configuration")]
    if len(secret) < 32:
        return [
            Finding(
                "error",
                "SECRET_KEY is shorter than 32 characters: set it to "
                '`python -c "import secrets; print(secrets.token_hex(32))"`',
            )
        ]
    return [Finding("ok", "SECRET_KEY is set")]


def _templates(app: Flask) -> list[Finding]:
    folder = app.template_folder or ""
    path = os.path.join(app.root_path, folder) if not os.path.isabs(folder) else folder
    required = ("base.html", os.path.join("auth", "login.html"), os.path.join("results", "notice.html"))
    missing = [name for name in required if not os.path.isfile(os.path.join(path, name))]
    if missing:
        return [Finding("error", f"templates missing in {path}: {', '.join(missing)} (reinstall the wheel)")]
    static = app.static_folder or ""
    if not os.path.isfile(os.path.join(static, "app.css")):
        return [Finding("error", f"static files missing in {static} (reinstall the wheel)")]
    catalogue = os.path.join(os.path.dirname(__file__), "translations", "en", "LC_MESSAGES", "messages.mo")
    if not os.path.isfile(catalogue):
        return [Finding("error", "the compiled English catalogue is missing (reinstall the wheel)")]
    return [Finding("ok", f"templates, static files and translations found ({path})")]


def _database(app: Flask) -> list[Finding]:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from sqlalchemy.exc import SQLAlchemyError

    from .extensions import db

    url = app.config["SQLALCHEMY_DATABASE_URI"]
    out: list[Finding] = []
    if url.startswith("sqlite") and app.config.get("MATCHAPP_ENV") == "production":
        out.append(
            Finding("warning", "the database is SQLite: use PostgreSQL in production (DATABASE_URL=postgresql://…)")
        )
    with app.app_context():
        try:
            with db.engine.connect() as conn:
                current = MigrationContext.configure(conn).get_current_revision()
        except SQLAlchemyError as exc:
            return [*out, Finding("error", f"cannot connect to the database: {str(exc).splitlines()[0]}")]
        finally:
            db.engine.dispose()
        script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
        heads = set(script.get_heads())
    if current is None:
        out.append(Finding("error", "the database has no schema: run `matchapp db upgrade`"))
    elif current not in heads:
        out.append(
            Finding(
                "error", f"the database is at revision {current}, not {', '.join(heads)}: run `matchapp db upgrade`"
            )
        )
    else:
        out.append(Finding("ok", f"the database is reachable and migrated (revision {current})"))
    return out


def _redis(app: Flask) -> list[Finding]:
    url = app.config.get("REDIS_URL")
    if not url:
        return [
            Finding(
                "warning",
                "REDIS_URL is not set: rate limits and sign-in delays are kept per worker process, and runs "
                "execute inside the web worker; set REDIS_URL and start `matchapp worker`",
            )
        ]
    from redis import Redis
    from redis.exceptions import RedisError

    try:
        connection = Redis.from_url(url, socket_connect_timeout=2)
        connection.ping()
    except (RedisError, OSError) as exc:
        return [Finding("error", f"REDIS_URL does not answer: {exc}")]
    from rq import Worker

    from .core.jobs import QUEUE

    workers = [w for w in Worker.all(connection=connection) if QUEUE in w.queue_names()]
    if not workers:
        return [Finding("warning", "Redis answers, but no `matchapp worker` is running: runs will wait in the queue")]
    return [Finding("ok", f"Redis answers; {len(workers)} worker(s) serve the queue")]


def _clock(app: Flask) -> list[Finding]:
    import datetime as dt

    zone = app.config.get("BABEL_DEFAULT_TIMEZONE", "")
    try:
        now = dt.datetime.now(ZoneInfo(zone))
    except (ZoneInfoNotFoundError, ValueError):
        return [Finding("error", f"the time zone {zone!r} is unknown (MATCHAPP_TIMEZONE, e.g. Asia/Shanghai)")]
    return [Finding("ok", f"time zone {zone}: now {now:%Y-%m-%d %H:%M} there (deadlines are read in this zone)")]


def _proxy(app: Flask) -> list[Finding]:
    if app.config.get("MATCHAPP_ENV") == "production" and not app.config.get("BEHIND_PROXY"):
        return [
            Finding(
                "warning",
                "MATCHAPP_BEHIND_PROXY is not set: behind nginx, set it so that client addresses and HTTPS are seen",
            )
        ]
    return []


def _paper(app: Flask) -> list[Finding]:
    """The PDF documents need WeasyPrint's system libraries (Pango) and a CJK font."""
    from .core.pdf import cjk_fonts

    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as exc:
        return [
            Finding(
                "error",
                f"PDF documents cannot be made: {str(exc).splitlines()[0]} "
                "(apt-get install libpango-1.0-0 libpangoft2-1.0-0)",
            )
        ]
    fonts = cjk_fonts()
    if not fonts:
        return [
            Finding(
                "error",
                "no Chinese font is installed: the PDF notice and letters would show boxes "
                "(apt-get install fonts-wqy-microhei)",
            )
        ]
    wanted = app.config.get("PDF_FONT")
    if wanted and wanted not in fonts:
        return [Finding("warning", f"MATCHAPP_PDF_FONT={wanted!r} is not installed; the PDFs use {fonts[0]}")]
    return [Finding("ok", f"PDF documents: WeasyPrint and the Chinese font {wanted or fonts[0]}")]


def _instance(app: Flask) -> list[Finding]:
    """The instance folder takes uploads, the files jobs make and the public notice's kept PDF."""
    import tempfile

    folder = app.instance_path
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        return [
            Finding(
                "error",
                f"the instance folder {folder} cannot be written ({exc.strerror}): uploads, the files "
                "jobs make and the public notice's PDF go there (MATCHAPP_INSTANCE; give it to the "
                "user matchapp runs as)",
            )
        ]
    return [Finding("ok", f"the instance folder {folder} can be written")]


def run_checks(app: Flask) -> list[Finding]:
    """Every check, in the order a person fixes them."""
    return [
        *_secret(app),
        *_templates(app),
        *_instance(app),
        *_database(app),
        *_redis(app),
        *_clock(app),
        *_proxy(app),
        *_paper(app),
    ]


def startup_warnings(app: Flask) -> list[str]:
    """What ``matchapp serve`` says at start: the cheap checks that do not touch the network."""
    return [f.message for f in (*_templates(app), *_redis_config(app)) if f.level != "ok"]


def _redis_config(app: Flask) -> list[Finding]:
    if app.config.get("REDIS_URL"):
        return []
    return _redis(app)
