"""Dates and times as the bureau writes them (issue 14: "dates in the bureau's format").

Chinese official documents write 2027年8月31日 and 2027年8月31日 14:30; the English interface writes
31 Aug 2027. A bureau with its own habit sets ``MATCHAPP_DATE_FORMAT`` / ``MATCHAPP_DATETIME_FORMAT``
(Unicode date patterns, as Babel reads them; they apply to the Chinese interface). Stored times are
naive UTC and are shown in the bureau's zone (``MATCHAPP_TIMEZONE``, via Flask-Babel).
"""

from __future__ import annotations

import datetime as dt

from babel import dates as babel_dates
from flask import current_app, has_app_context
from flask_babel import format_date, format_datetime, get_locale

from .clock import to_local

#: pattern per interface language: (date, date and time)
PATTERNS = {
    "zh": ("yyyy年M月d日", "yyyy年M月d日 HH:mm"),
    "en": ("d MMM yyyy", "d MMM yyyy HH:mm"),
}


def _patterns() -> tuple[str, str]:
    language = str(get_locale() or "zh").split("_")[0]
    if language == "zh":
        return (
            current_app.config.get("DATE_FORMAT") or PATTERNS["zh"][0],
            current_app.config.get("DATETIME_FORMAT") or PATTERNS["zh"][1],
        )
    return PATTERNS.get(language, PATTERNS["en"])


def day(value: dt.date | dt.datetime | None) -> str:
    """A day: a date as it is, a stored time as its day in the bureau's zone.

    Outside an application (the pure rules, the offline command line) a date is written the
    Chinese way, 2027年8月31日.
    """
    if value is None:
        return ""
    if not has_app_context():
        local = to_local(value).date() if isinstance(value, dt.datetime) else value
        return babel_dates.format_date(local, PATTERNS["zh"][0], locale="zh_CN")
    if isinstance(value, dt.datetime):
        return format_datetime(value, _patterns()[0])
    return format_date(value, _patterns()[0])


def moment(value: dt.datetime | None, seconds: bool = False) -> str:
    """A stored (naive UTC) time in the bureau's zone; with seconds for a receipt."""
    if value is None:
        return ""
    return format_datetime(value, _patterns()[1] + (":ss" if seconds else ""))
