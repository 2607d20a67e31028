"""The school register's rules (pure), with their seed:

- seed 000 篇三 (Dalian): "每三年确定一次本地区义务教育优质学校、一般学校和薄弱学校，其中优质学校和
  薄弱学校数量原则上分别不超过本地区义务教育学校总数的30%" — strong and weak schools each at most
  30% of the district (exactly 30% is allowed), and a tier is rated every three years: a rating
  three years old on the day is due again (rated 2024-09-01: due from 2027-09-01).
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

TIER_CAP = Fraction(3, 10)
RATING_YEARS = 3


def tier_share_over(count: int, total: int, cap: Fraction = TIER_CAP) -> bool:
    """More schools of a tier than the cap allows (10 strong of 30 is over 30%; 9 is not)."""
    return total > 0 and count > cap * total


def rating_due(rated_on: dt.date | None, today: dt.date, years: int = RATING_YEARS) -> bool:
    """A tier never rated, or rated ``years`` or more years ago, is due for re-rating."""
    if rated_on is None:
        return True
    try:
        due = rated_on.replace(year=rated_on.year + years)
    except ValueError:  # 29 February
        due = rated_on.replace(year=rated_on.year + years, day=28)
    return today >= due
