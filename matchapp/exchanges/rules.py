"""The exchange's own rules after publication, pure (no database), each with its seed:

- **excellent cap** — "交流教师学年度考核结果分为优秀、合格、基本合格、不合格四个等次，其中优秀等次
  比例不超过15%" (seed 003 六.2): at most ``excellent_share`` of a school's exchange teachers of the
  school year, **rounded down** ("不超过" is a ceiling: 15% of 20 is 3; of 19, 2.85, so 2; a
  school with fewer than 7 exchange teachers has none to give), in exact decimal arithmetic;
- **poor assessment** — "交流服务期满考核等次为基本合格或不合格的，延长其交流服务期" (003 六.2): the
  grade of the last school year of the term extends it by ``poor_assessment_extends_years`` (the
  seed gives no number: 1 year);
- **reporting late** — "超过一周拒不到岗的…批评教育；超过半个月时间拒不到岗的，按自动离职处理"
  (seed 000 海口中心学校; 篇五 "予以告诫"): the days after the reporting day; more than
  ``no_show_warning_days`` (7) allows the warning, more than ``no_show_leaving_days`` (15: half a
  month) the treatment as leaving — exactly 15 days late is not yet "超过半个月";
- **refusal** — "拒不服从者，三年内不得晋升职称、不予评先评优…年度考核确定为不合格等次" (000 篇二),
  "予以高职低聘，3年内不得参与评优评先" (003 六.5): the bar lasts ``refusal_bar_years`` from the
  decision (its last day is the day before the anniversary);
- **extension** — "可适当申请延长交流任教时间，但延长时间不超过三年" (000 篇一): all extensions
  asked for together at most ``max_extension_years``;
- **personnel relation** — 人走关系动 (000 篇四 "轮岗交流须同时调整人事关系", 篇三) or 人事关系保留
  (003 六.1, 001): policy ``personnel_relation``; a kind that keeps the teacher's unit (兼职交流,
  教研交流, 走教: seed 004, 003 六.1) never moves it.
"""

from __future__ import annotations

import datetime as dt
import math
import secrets
from fractions import Fraction

from ..core.clock import add_years
from ..core.vocab import UNIT_KEEPING_KINDS

#: grades that extend the service when they are the term's last (seed 003 六.2)
POOR_GRADES = ("basic", "fail")
#: grades that complete the service (合格 or better)
PASSING_GRADES = ("excellent", "pass")
#: the certificate's verification code: letters and digits nobody misreads (no 0/O, 1/I/L)
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def excellent_cap(policy: dict, exchange_teachers: int) -> int:
    """How many of a school's exchange teachers may be graded 优秀 in one school year.

    >>> excellent_cap({"excellent_share": 0.15}, 20), excellent_cap({"excellent_share": 0.15}, 19)
    (3, 2)
    """
    share = Fraction(str(policy.get("excellent_share", 0.15)))
    return math.floor(share * exchange_teachers)


def days_late(report_by: dt.date, on: dt.date) -> int:
    """Days after the reporting day (0 on or before it)."""
    return max(0, (on - report_by).days)


def may_warn(policy: dict, late: int) -> bool:
    """More than a week late: the bureau may warn (批评教育 / 告诫)."""
    return late > int(policy.get("no_show_warning_days", 7))


def may_treat_as_leaving(policy: dict, late: int) -> bool:
    """More than half a month late: the bureau may treat the teacher as having left (自动离职)."""
    return late > int(policy.get("no_show_leaving_days", 15))


def bar_end(decided_on: dt.date, policy: dict) -> dt.date:
    """The last day of the bar on promotion and honours that a refusal brings."""
    return add_years(decided_on, int(policy.get("refusal_bar_years", 3))) - dt.timedelta(days=1)


def extension_allowed(policy: dict, already: int, more: int) -> bool:
    """Whether ``more`` years of extension keep all extensions within the policy's maximum."""
    return more >= 1 and already + more <= int(policy.get("max_extension_years", 3))


def moves_relation(policy: dict, kind: str) -> bool:
    """Whether the teacher's personnel relation moves to the receiving school at reporting."""
    return policy.get("personnel_relation", "moves") == "moves" and kind not in UNIT_KEEPING_KINDS


def school_year_of(day: dt.date) -> int:
    """The school year a day belongs to (2027-09-01 … 2028-08-31 is school year 2027)."""
    return day.year if day.month >= 9 else day.year - 1


def certificate_number(year: int, sequence: int, code: str | None = None) -> str:
    """A certificate's number: the year of issue, a number unique to the exchange, and a random
    code so that nobody can find certificates by trying numbers on the public page.

    >>> certificate_number(2030, 7, "K3P9XW")
    '2030-00007-K3P9XW'
    """
    code = code or "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))
    return f"{year}-{sequence:05d}-{code}"


def normalise_certificate_number(text: str) -> str:
    """What a person typed, as stored: upper case, without spaces; full-width hyphens accepted."""
    return "".join(text.split()).upper().replace("－", "-").replace("—", "-")[:32]
