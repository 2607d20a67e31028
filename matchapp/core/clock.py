"""Time: stored as naive UTC; deadlines and dates are read in the bureau's time zone.

The zone comes from the configuration only (``MATCHAPP_TIMEZONE`` → ``BABEL_DEFAULT_TIMEZONE``,
Asia/Shanghai by default); nothing else in the product knows an offset.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

DEFAULT_ZONE = "Asia/Shanghai"


def zone() -> ZoneInfo:
    """The bureau's time zone (from the app's config; the default outside an app)."""
    name = DEFAULT_ZONE
    try:
        from flask import current_app, has_app_context

        if has_app_context():
            name = current_app.config.get("BABEL_DEFAULT_TIMEZONE", name)
    except ImportError:  # pragma: no cover
        pass
    return ZoneInfo(name)


def utcnow() -> dt.datetime:
    """Now, as the naive UTC datetime the database stores."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def local_today() -> dt.date:
    """Today in the bureau's time zone."""
    return dt.datetime.now(zone()).date()


def local_now() -> dt.datetime:
    """Now in the bureau's time zone, as a naive local time (what a person types into a form)."""
    return dt.datetime.now(zone()).replace(tzinfo=None)


def to_utc(local: dt.datetime) -> dt.datetime:
    """A naive local time (typed by a person in the bureau's zone) as the naive UTC stored."""
    return local.replace(tzinfo=zone()).astimezone(dt.UTC).replace(tzinfo=None)


def to_local(stored: dt.datetime) -> dt.datetime:
    """A stored naive UTC time as a naive time in the bureau's zone."""
    return stored.replace(tzinfo=dt.UTC).astimezone(zone()).replace(tzinfo=None)


def full_years(start: dt.date, end: dt.date) -> int:
    """Whole years from ``start`` to ``end``; an anniversary falling on ``end`` counts.

    >>> full_years(dt.date(2015, 9, 1), dt.date(2021, 8, 31)), full_years(dt.date(2015, 9, 1), dt.date(2021, 9, 1))
    (5, 6)
    """
    years = end.year - start.year - ((end.month, end.day) < (start.month, start.day))
    return max(years, 0)


def add_years(day: dt.date, years: int) -> dt.date:
    """The same day ``years`` later (29 February becomes 28 February).

    >>> add_years(dt.date(1968, 2, 29), 60)
    datetime.date(2028, 2, 29)
    >>> add_years(dt.date(1968, 2, 29), 59)
    datetime.date(2027, 2, 28)
    """
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)
