"""The policy warnings the bureau reads before the fair (the group's share, the leadership cap and
the leaders' total, the backbone reverse-flow forecast, quotas met)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from algorithms.flows import backbone_flow

from ..extensions import db
from ..rounds.models import Round
from ..rounds.policy import GROUP_KINDS, format_share
from .lists import confirmed_outgoing, leadership_team_size
from .models import Outgoing
from .quotas import Quota, all_quotas
from .rules import in_quota_group, leadership_over_cap, share


@dataclass
class Warning_:
    level: str  # warn | ok
    message: str


def policy_checks(round_: Round, quotas: list[Quota] | None = None) -> list[Warning_]:
    """The warnings the bureau reads before the fair."""
    quotas = all_quotas(round_) if quotas is None else quotas
    policy = round_.policy
    out: list[Warning_] = []
    listed = db.session.scalars(
        select(Outgoing).where(Outgoing.round_id == round_.id, Outgoing.confirmed.is_(True))
    ).all()
    teachers = [o for o in listed if not o.teacher.leadership_role.strip()]
    backbone = [o for o in listed if o.teacher.backbone]
    kind, base, rate = policy.get("group_kind", "backbone"), policy.get("group_base"), policy.get("group_rate")
    group_label = GROUP_KINDS.get(kind, kind)
    if rate and base == "going":
        total = len(teachers)
        members = sum(1 for o in teachers if in_quota_group(o.teacher.backbone, o.teacher.title, kind))
        ok = members >= share(rate) * total
        out.append(
            Warning_(
                "ok" if ok else "warn",
                _(
                    "%(group)s占流出人数 %(share)s%%（%(b)s/%(t)s），要求不低于 %(min)s",
                    group=group_label,
                    share=round(members / total * 100, 1) if total else 0.0,
                    b=members,
                    t=total,
                    min=format_share(rate),
                ),
            )
        )
    short = [q for q in quotas if q.group_shortfall]
    if rate and base in ("eligible_group", "eligible"):
        out.append(
            Warning_(
                "warn" if short else "ok",
                _("%(n)s所学校流出%(group)s少于该组名额", n=len(short), group=group_label)
                if short
                else _("各校流出%(group)s均达到该组名额", group=group_label),
            )
        )
    cap = policy.get("leadership_cap")
    if cap is not None:
        over = []
        for q in quotas:
            leaders = sum(1 for o in confirmed_outgoing(round_, q.school.id) if o.teacher.leadership_role.strip())
            team = leadership_team_size(q.school)
            if leadership_over_cap(leaders, team, cap):
                over.append(f"{q.school.name}（{leaders}/{team}）")
        out.append(
            Warning_(
                "warn" if over else "ok",
                _("领导班子同时交流超过%(cap)s：%(schools)s", cap=format_share(cap), schools="、".join(over))
                if over
                else _("各校领导班子同时交流均未超过%(cap)s", cap=format_share(cap)),
            )
        )
    leader_rate = policy.get("leader_quota_rate")
    if leader_rate:
        due = sum(q.leaders_eligible for q in quotas)
        going = sum(q.leaders_listed for q in quotas)
        need = math.ceil(share(leader_rate) * due)
        out.append(
            Warning_(
                "ok" if going >= need else "warn",
                _(
                    "校级领导交流%(going)s人，应交流校级领导%(due)s人，总量应不少于%(rate)s（%(need)s人）",
                    going=going,
                    due=due,
                    rate=format_share(leader_rate),
                    need=need,
                ),
            )
        )
    if policy.get("quotas_by_subject"):
        unissued = [q for q in quotas if q.quota and not q.issued]
        mismatched = [q for q in quotas if not q.adds_up]
        short_subjects = [q for q in quotas if q.issued and q.subject_shortfalls()]
        out.append(
            Warning_(
                "warn" if unissued or mismatched else "ok",
                _(
                    "分学科名额：%(u)s所学校尚未下达，%(m)s所学校各学科之和与学校名额不一致",
                    u=len(unissued),
                    m=len(mismatched),
                )
                if unissued or mismatched
                else _("各校均已分学科下达名额，且各学科之和等于学校名额"),
            )
        )
        out.append(
            Warning_(
                "warn" if short_subjects else "ok",
                _(
                    "%(n)s所学校有学科流出人数未达该学科名额，共差%(d)s人",
                    n=len(short_subjects),
                    d=sum(sum(q.subject_shortfalls().values()) for q in short_subjects),
                )
                if short_subjects
                else _("各校各学科流出人数均已达到学科名额"),
            )
        )
    tier = {q.school.id: q.school.tier for q in quotas}
    # Destinations are not known before the fair: the forecast assumes none goes to a strong school.
    flow = backbone_flow([tier.get(o.teacher.school_id) == "strong" for o in backbone], [False] * len(backbone))
    out.append(
        Warning_(
            "ok" if flow.ok else "warn",
            _(
                "骨干教师逆交流预测：优质学校流出骨干%(s)s人，一般和薄弱学校流出骨干%(o)s人（前者须多于后者）",
                s=flow.strong_to_other,
                o=flow.from_other,
            ),
        )
    )
    shortfall = [q for q in quotas if q.shortfall]
    out.append(
        Warning_(
            "warn" if shortfall else "ok",
            _("%(n)s所学校流出人数未达名额，共差%(d)s人", n=len(shortfall), d=sum(q.shortfall for q in shortfall))
            if shortfall
            else _("各校流出人数均已达到名额"),
        )
    )
    return out
