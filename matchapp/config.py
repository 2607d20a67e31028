"""Configuration from the environment.

``DATABASE_URL``  SQLAlchemy URL (default: SQLite in the instance folder).
``SECRET_KEY``    required unless running the demo or the tests.
``REDIS_URL``     optional: rate-limit storage (and, later, the job queue).
``MATCHAPP_ENV``  ``production`` (default), ``demo``, ``development`` or ``testing``.
``MATCHAPP_TIMEZONE`` the bureau's time zone for deadlines and dates (default Asia/Shanghai).
``MATCHAPP_DATE_FORMAT``, ``MATCHAPP_DATETIME_FORMAT`` how days and times are written (Babel
patterns; default 2027年8月31日 and 2027年8月31日 14:30).
``MATCHAPP_PDF_FONT`` the font family the PDF documents use first (default: WenQuanYi Micro Hei,
then other common CJK fonts).
"""

from __future__ import annotations

import os


class ConfigError(RuntimeError):
    """The application cannot start with this configuration."""


def _database_url(instance_path: str, default_name: str) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        # Heroku-style postgres:// URLs name the driver we ship: psycopg 3.
        if url.startswith("postgres://"):
            url = "postgresql+psycopg://" + url[len("postgres://") :]
        elif url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://") :]
        return url
    return "sqlite:///" + os.path.join(instance_path, default_name)


def load_config(instance_path: str, overrides: dict | None = None) -> dict:
    """Build the config dict for :func:`matchapp.create_app`."""
    overrides = dict(overrides or {})
    env = overrides.get("MATCHAPP_ENV") or os.environ.get("MATCHAPP_ENV", "production")
    testing = env == "testing" or overrides.get("TESTING", False)
    demo = env == "demo"
    secret = overrides.get("SECRET_KEY") or os.environ.get("SECRET_KEY")
    if not secret:
        if env == "production":
            raise ConfigError(
                "SECRET_KEY is not set. Set it to a long random string (python -c "
                '"import secrets; print(secrets.token_hex(32))") before serving, or run the demo.'
            )
        secret = "matchapp-" + env + "-not-secret"  # noqa: S105 - demo/test only, never production
    config = {
        "MATCHAPP_ENV": env,
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": _database_url(
            instance_path,
            (os.environ.get("MATCHAPP_DEMO_DATABASE") or "demo.sqlite") if demo else "matchapp.sqlite",
        ),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "TESTING": testing,
        "WTF_CSRF_ENABLED": True,
        "WTF_CSRF_TIME_LIMIT": None,
        "BABEL_DEFAULT_LOCALE": "zh",
        "BABEL_DEFAULT_TIMEZONE": os.environ.get("MATCHAPP_TIMEZONE", "Asia/Shanghai"),
        # How the Chinese interface writes days and times (Babel patterns; core/dates.py)
        "DATE_FORMAT": os.environ.get("MATCHAPP_DATE_FORMAT") or None,
        "DATETIME_FORMAT": os.environ.get("MATCHAPP_DATETIME_FORMAT") or None,
        # The first font family of the PDF documents (core/pdf.py); common CJK fonts follow it.
        "PDF_FONT": os.environ.get("MATCHAPP_PDF_FONT") or None,
        "LANGUAGES": {"zh": "中文", "en": "English"},
        "MAX_CONTENT_LENGTH": 20 * 1024 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REDIS_URL": os.environ.get("REDIS_URL") or None,  # background jobs on RQ; in-process without it
        "RATELIMIT_STORAGE_URI": os.environ.get("REDIS_URL", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        # Off only for load tests from one loopback address (bench/load): a bureau's users come from many.
        "RATELIMIT_ENABLED": os.environ.get("MATCHAPP_RATELIMIT", "on") != "off",
        # Failed sign-ins per account and address: 5 free, then 1 minute, doubling, at most an hour.
        "LOGIN_MAX_FAILURES": 5,
        "LOGIN_LOCK_MINUTES": 1,
        "LOGIN_LOCK_MAX_MINUTES": 60,
        "SESSION_IDLE_HOURS": 12,  # a signed-in session unused this long ends
        "API_TOKEN_HOURS": 12,
        # A running job renews its lease this often; a job whose lease is this old is dead.
        "JOB_HEARTBEAT_SECONDS": float(os.environ.get("MATCHAPP_JOB_HEARTBEAT_SECONDS", 15)),
        "JOB_LEASE_SECONDS": float(os.environ.get("MATCHAPP_JOB_LEASE_SECONDS", 120)),
        "DEMO": demo,
        "BEHIND_PROXY": os.environ.get("MATCHAPP_BEHIND_PROXY", "") in ("1", "true", "yes"),
    }
    config.update(overrides)
    return config
