"""The numeric rules of the preparation and of seats, pure (no database), each at its boundary:

- the panel vote, seed 000 篇四 "赞成票超过三分之二": more than the share, exactly (6 of 9 is not
  enough, 7 of 9 is);
- quotas, seed 000 篇四 "为本次应交流对象的15%" (Changzhou), 000 篇一 "不低于符合交流条件教师总数
  的20%" (Ganzhou), 000 篇三 "城镇学校或优质学校…15%", ordinary 10% (Dalian): rate × eligible,
  rounded as the policy says; the second group's quota (backbone, or backbone and
  intermediate-or-higher titles) of a rate of the group's eligible, of those going, or of all
  eligible, never more than the group has;
- the leadership cap, seed 000 篇一 "同一学校班子成员每次轮岗人数一般不超过班子成员的30%" and 002
  方案1: 3 of 10 is allowed, 4 is not;
- the list deadline: lists may change on the day they are due, not the day after;
- a post is full when its seats are taken.

Shares are compared as exact fractions (0.6667 typed for two thirds is 2/3), never with a
floating-point tolerance.
"""

from __future__ import annotations

import datetime as dt
import math
from fractions import Fraction


def share(value: float) -> Fraction:
    """A policy share (2/3, 0.3) as the exact fraction a person means (0.6667 → 2/3).

    >>> share(2 / 3), share(0.3), share(0.6667)
    (Fraction(2, 3), Fraction(3, 10), Fraction(2, 3))
    """
    return Fraction(value).limit_denominator(1000)


def vote_chosen(yes: int, members: int, threshold: float) -> bool:
    """Chosen when the yes-votes *exceed* the threshold share of the voting members."""
    return yes > share(threshold) * members


def round_count(value: float | Fraction, how: str) -> int:
    """Round a quota: ``half_up`` (四舍五入, not banker's rounding), ``ceil`` or ``floor``.

    >>> round_count(2.5, "half_up"), round_count(2.4999, "half_up"), round_count(2.01, "ceil"), round_count(2.99, "floor")
    (3, 2, 3, 2)
    """
    exact = Fraction(value).limit_denominator(10**6)
    if how == "ceil":
        return math.ceil(exact)
    if how == "floor":
        return math.floor(exact)
    if how == "half_up":
        return math.floor(exact + Fraction(1, 2))
    raise ValueError(f"unknown rounding {how!r} (half_up, ceil or floor)")


def urban_or_strong(tier: str, locality: str) -> bool:
    """Dalian's "城镇学校或优质学校" (seed 000 篇三): a strong school, or a school in a town or city
    (城区, 乡镇) whatever its tier — urban *or* strong, not only strong."""
    return tier == "strong" or locality in ("urban", "town")


def quota_rate(policy: dict, tier: str, locality: str) -> float | None:
    """The rate that applies to a school: the urban-or-strong rate when the policy has one and the
    school is urban or strong, else the common rate (None: the policy sets no rate)."""
    special = policy.get("quota_rate_urban_or_strong")
    if special is not None and urban_or_strong(tier, locality):
        return special
    return policy.get("quota_rate")


def in_quota_group(backbone: bool, title: str, kind: str) -> bool:
    """Whether a teacher counts in the policy's second quota group: backbone teachers (Changzhou
    000 篇四 "市新秀及以上专业荣誉", Dalian, 001), or backbone teachers and those with an
    intermediate-or-higher title (Ganzhou 000 篇一 "取得中级及以上专业技术资格", Datong 002 方案1
    "中高级教师")."""
    if backbone:
        return True
    return kind == "backbone_or_intermediate" and title in ("intermediate", "senior", "full_senior")


def quota_numbers(policy: dict, rate: float | None, eligible: int, eligible_group: int) -> tuple[int | None, int]:
    """(quota, group quota) of a school with ``eligible`` due teachers, ``eligible_group`` of them in
    the policy's group. The quota is None when the policy sets no rate.

    The group's rate is measured against the policy's ``group_base``: the eligible members of the
    group (Changzhou, rounded as the policy says), those going (Ganzhou, Dalian, 001: rounded up,
    "不低于") or every eligible teacher (Datong, rounded up, "以上"). The group quota never exceeds
    the group's eligible members; the quota is never below the group quota (those of the group
    who go are among those going).
    """
    how = policy.get("rounding", "half_up")
    quota = None if rate is None else round_count(share(rate) * eligible, how)
    # any base but the two named ("going", also the default) is a share of those going
    group_rate, base = policy.get("group_rate"), policy.get("group_base")
    if not group_rate:
        group = 0
    elif base == "eligible_group":
        group = round_count(share(group_rate) * eligible_group, how)
    elif base == "eligible":
        group = math.ceil(share(group_rate) * eligible)
    elif quota is None:
        group = 0  # a share of those going, and no number going is set
    else:
        group = math.ceil(share(group_rate) * quota)
    group = min(group, eligible_group)
    if quota is not None:
        quota = max(quota, group)
    return quota, group


def leadership_over_cap(leaders: int, team_size: int, cap: float) -> bool:
    """More of a leadership team rotating at once than the cap allows (no team size: not flagged)."""
    return team_size > 0 and leaders > share(cap) * team_size


def deadline_passed(due: dt.date | None, today: dt.date) -> bool:
    """A deadline is over from the day after it (None: no deadline)."""
    return due is not None and today > due


def post_is_full(seats: int, taken: int) -> bool:
    """A post with ``seats`` is full when ``taken`` fill them (2 seats, 2 taken: full)."""
    return taken >= seats
