"""The numeric rules of the preparation and of seats, pure (no database), each at its boundary:

- the panel vote, seed 000 篇四 "赞成票超过三分之二": more than the share, exactly (6 of 9 is not
  enough, 7 of 9 is);
- quotas, seed 000 篇四 "按应交流对象15%的比例" (Changzhou), 000 篇一 "不低于应交流人数的20%"
  (Ganzhou), 000 篇三 strong/urban 15%, ordinary 10% (Dalian): rate × eligible, rounded as the
  policy says (四舍五入 by default); a backbone quota of a rate of the eligible backbone teachers,
  or of a share of those going (rounded up), never more than exist nor than the whole quota;
- the leadership cap, seed 000 篇三 "不超过领导班子成员的30%": 3 of 10 is allowed, 4 is not;
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


def quota_rate(policy: dict, tier: str) -> float:
    """The rate that applies to a school of ``tier``: a strong school's own rate when the policy has one."""
    strong_rate = policy.get("quota_rate_strong")
    return strong_rate if tier == "strong" and strong_rate else policy["quota_rate"]


def quota_numbers(policy: dict, rate: float, eligible: int, eligible_backbone: int) -> tuple[int, int]:
    """(quota, backbone quota) of a school with ``eligible`` due teachers, ``eligible_backbone`` of them backbone."""
    how = policy.get("rounding", "half_up")
    quota = round_count(share(rate) * eligible, how)
    if policy.get("backbone_rate"):
        backbone_quota = round_count(share(policy["backbone_rate"]) * eligible_backbone, how)
    elif policy.get("backbone_share_min"):
        backbone_quota = math.ceil(share(policy["backbone_share_min"]) * quota)
    else:
        backbone_quota = 0
    return quota, min(backbone_quota, eligible_backbone, quota)


def leadership_over_cap(leaders: int, team_size: int, cap: float) -> bool:
    """More of a leadership team rotating at once than the cap allows (no team size: not flagged)."""
    return team_size > 0 and leaders > share(cap) * team_size


def deadline_passed(due: dt.date | None, today: dt.date) -> bool:
    """A deadline is over from the day after it (None: no deadline)."""
    return due is not None and today > due


def post_is_full(seats: int, taken: int) -> bool:
    """A post with ``seats`` is full when ``taken`` fill them (2 seats, 2 taken: full)."""
    return taken >= seats
