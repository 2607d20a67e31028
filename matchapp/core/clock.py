"""Time: stored as naive UTC; deadlines are days in the bureau's time zone."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo


def utcnow() -> dt.datetime:
    """Now, as the naive UTC datetime the database stores."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def local_today() -> dt.date:
    """Today in the bureau's time zone (``BABEL_DEFAULT_TIMEZONE``, Asia/Shanghai by default)."""
    zone = "Asia/Shanghai"
    try:
        from flask import current_app, has_app_context

        if has_app_context():
            zone = current_app.config.get("BABEL_DEFAULT_TIMEZONE", zone)
    except ImportError:  # pragma: no cover
        pass
    return dt.datetime.now(ZoneInfo(zone)).date()
