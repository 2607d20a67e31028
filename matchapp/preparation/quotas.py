"""How many of each school must go out (交流比例): the rate of the policy over the school's
eligible teachers, rounded as the policy says, and the quota of the policy's second group
(backbone teachers, or backbone and intermediate-or-higher titles).

Seed passages: Changzhou (000 篇四) "为本次应交流对象的15%" and "具有市新秀及以上专业荣誉的专任教师的
15%"; Ganzhou (000 篇一) "不低于符合交流条件教师总数的20%", "优秀教师…、取得中级及以上专业技术资格
并聘任了相应职务的教师不低于交流总数的20%"; Dalian (000 篇三) "城镇学校或优质学校…15%", 一般学校
10%; Datong (002 方案1) 10%, "…以及中高级教师要达到应交流对象总数的20%以上".

School leaders are not counted here: they follow their own track (terms in post) and the
bureau's appointment, and the 30% cap of a leadership team (see :mod:`.outgoing`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from ..extensions import db
from ..roster.models import School
from ..rounds.models import Round
from .lists import assess_school, confirmed_outgoing, submitted_at
from .models import SubjectQuota
from .rules import in_quota_group, quota_numbers, quota_rate


@dataclass
class Quota:
    school: School
    eligible: int  # teachers due (leaders not counted)
    group_eligible: int  # of them, in the policy's group
    rate: float | None  # None: the policy sets no rate
    quota: int | None  # None: no number is set (every teacher due is an object)
    group_quota: int
    listed: int = 0
    listed_group: int = 0
    submitted: bool = False
    by_subject: dict[str, int] = field(default_factory=dict)  # eligible teachers per subject
    leaders_eligible: int = 0
    leaders_listed: int = 0
    issued: dict[str, int] = field(default_factory=dict)  # the bureau's quotas by subject (分学科指标)
    listed_by_subject: dict[str, int] = field(default_factory=dict)  # confirmed teachers by subject

    @property
    def shortfall(self) -> int:
        return max(0, (self.quota or 0) - self.listed)

    @property
    def group_shortfall(self) -> int:
        return max(0, self.group_quota - self.listed_group)

    @property
    def issued_total(self) -> int:
        return sum(self.issued.values())

    @property
    def adds_up(self) -> bool:
        """The subject quotas add up to the school's quota (or none are issued, or no quota is set)."""
        return self.quota is None or not self.issued or self.issued_total == self.quota

    def subject_shortfalls(self) -> dict[str, int]:
        """Subjects whose confirmed outgoing teachers are fewer than the subject's quota."""
        return {
            s: n - self.listed_by_subject.get(s, 0)
            for s, n in self.issued.items()
            if self.listed_by_subject.get(s, 0) < n
        }


def subject_quotas(round_: Round, school_id: int | None = None) -> dict[int, dict[str, int]]:
    """school id -> subject -> the bureau's quota, as issued (subjects without a row have none)."""
    query = select(SubjectQuota).where(SubjectQuota.round_id == round_.id)
    if school_id is not None:
        query = query.where(SubjectQuota.school_id == school_id)
    out: dict[int, dict[str, int]] = {}
    for q in db.session.scalars(query):
        out.setdefault(q.school_id, {})[q.subject] = q.count
    return out


def school_quota(round_: Round, school: School, assessed=None, issued: dict[str, int] | None = None) -> Quota:
    """How many of the school must go out: rate × eligible, rounded as the policy says."""
    assessed = assess_school(round_, school.id) if assessed is None else assessed
    policy = round_.policy
    kind = policy.get("group_kind", "backbone")
    eligible = [a for a in assessed if a.eligible and a.track == "teacher"]
    group = [a for a in eligible if in_quota_group(a.teacher.backbone, a.teacher.title, kind)]
    rate = quota_rate(policy, school.tier, school.locality)
    quota, group_quota = quota_numbers(policy, rate, len(eligible), len(group))
    by_subject: dict[str, int] = {}
    for a in eligible:
        by_subject[a.teacher.subject] = by_subject.get(a.teacher.subject, 0) + 1
    listed = confirmed_outgoing(round_, school.id)
    teachers = [o for o in listed if not o.teacher.leadership_role.strip()]
    listed_by_subject: dict[str, int] = {}
    for o in teachers:
        listed_by_subject[o.teacher.subject] = listed_by_subject.get(o.teacher.subject, 0) + 1
    if issued is None:
        issued = subject_quotas(round_, school.id).get(school.id, {})
    return Quota(
        school,
        len(eligible),
        len(group),
        rate,
        quota,
        group_quota,
        len(teachers),
        sum(1 for o in teachers if in_quota_group(o.teacher.backbone, o.teacher.title, kind)),
        submitted_at(round_, school.id) is not None,
        by_subject,
        sum(1 for a in assessed if a.eligible and a.track == "leader"),
        len(listed) - len(teachers),
        dict(issued),
        listed_by_subject,
    )


def all_quotas(round_: Round) -> list[Quota]:
    schools = db.session.scalars(select(School).order_by(School.zone, School.code)).all()
    issued = subject_quotas(round_)
    return [school_quota(round_, s, issued=issued.get(s.id, {})) for s in schools]
