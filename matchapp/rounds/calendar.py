"""The dates of a round, in one place: the cutoff at which years and ages are counted, the day
exchanged teachers report to their new school, and the day their term ends.

All are month-days of the round's policy (``cutoff``, ``report_by``) in the round's year, or
counted from it (``term_years``).
"""

from __future__ import annotations

import datetime as dt


def _month_day(text: str, year: int) -> dt.date:
    month, day = (int(x) for x in text.split("-"))
    if month == 2 and day == 29:
        day = 29 if (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)) else 28
    return dt.date(year, month, day)


def cutoff_date(round_) -> dt.date:
    """The date at which years at school and ages are counted (policy ``cutoff``, e.g. 08-31)."""
    return _month_day(round_.policy.get("cutoff", "08-31"), round_.year)


def term_years(round_, kind: str | None = None) -> int:
    """How many school years an exchange lasts (交流期限): the policy's term of its kind
    (``kind_terms``, seed 004 "任期一般为2年 / 1年"), else the round's ``term_years``."""
    terms = round_.policy.get("kind_terms") or {}
    if kind and terms.get(kind):
        return int(terms[kind])
    return int(round_.policy.get("term_years", 3))


def report_by(round_) -> dt.date:
    """The day an exchanged teacher reports to the receiving school (报到), before the autumn term."""
    return _month_day(round_.policy.get("report_by", "08-31"), round_.year)


def term_ends(round_, years: int | None = None) -> dt.date:
    """The day the exchange ends and the teacher returns (the end of the last school year)."""
    return _month_day(round_.policy.get("report_by", "08-31"), round_.year + (years or term_years(round_)))


#: How long the public may object to the results (公示期). No seed names a length; five working
#: days is the common practice of Chinese public notices, and the bureau can change both days.
NOTICE_WORKING_DAYS = 5


def notice_ends(starts: dt.date, working_days: int = NOTICE_WORKING_DAYS) -> dt.date:
    """The last day of a notice period that starts on ``starts`` and lasts ``working_days``
    working days, the first day included when it is one (weekends are skipped; public holidays,
    which the bureau knows better, are not: it edits the day)."""
    day, counted = starts, 0
    while True:
        if day.weekday() < 5:
            counted += 1
            if counted >= working_days:
                return day
        day += dt.timedelta(days=1)
