"""How many of each school must go out (交流比例): the rate of the policy over the school's
eligible teachers, rounded as the policy says, and the backbone quota.

Seed passages: Changzhou (000 篇四) "按应交流对象15%的比例" and "市新秀及以上...15%"; Ganzhou
(000 篇一) "不低于应交流人数的20%", "优秀教师...比例不低于交流总数的20%"; Dalian (000 篇三)
strong/urban 15%, ordinary 10%.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from ..extensions import db
from ..roster.models import School
from ..rounds.models import Round
from .lists import assess_school, confirmed_outgoing, submitted_at
from .rules import quota_numbers, quota_rate


@dataclass
class Quota:
    school: School
    eligible: int
    eligible_backbone: int
    rate: float
    quota: int
    backbone_quota: int
    listed: int = 0
    listed_backbone: int = 0
    submitted: bool = False
    by_subject: dict[str, int] = field(default_factory=dict)  # eligible teachers per subject

    @property
    def shortfall(self) -> int:
        return max(0, self.quota - self.listed)

    @property
    def backbone_shortfall(self) -> int:
        return max(0, self.backbone_quota - self.listed_backbone)


def school_quota(round_: Round, school: School, assessed=None) -> Quota:
    """How many of the school must go out: rate × eligible, rounded as the policy says."""
    assessed = assess_school(round_, school.id) if assessed is None else assessed
    eligible = [a for a in assessed if a.eligible]
    backbone = [a for a in eligible if a.teacher.backbone]
    rate = quota_rate(round_.policy, school.tier)
    quota, backbone_quota = quota_numbers(round_.policy, rate, len(eligible), len(backbone))
    by_subject: dict[str, int] = {}
    for a in eligible:
        by_subject[a.teacher.subject] = by_subject.get(a.teacher.subject, 0) + 1
    listed = confirmed_outgoing(round_, school.id)
    return Quota(
        school,
        len(eligible),
        len(backbone),
        rate,
        quota,
        backbone_quota,
        len(listed),
        sum(1 for o in listed if o.teacher.backbone),
        submitted_at(round_, school.id) is not None,
        by_subject,
    )


def all_quotas(round_: Round) -> list[Quota]:
    schools = db.session.scalars(select(School).order_by(School.zone, School.code)).all()
    return [school_quota(round_, s) for s in schools]
