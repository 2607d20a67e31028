"""The policy warnings the bureau reads before the fair (backbone share, leadership cap, the
backbone reverse-flow forecast, quotas met)."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from algorithms.flows import backbone_flow

from ..extensions import db
from ..rounds.models import Round
from .lists import confirmed_outgoing
from .models import Outgoing
from .quotas import Quota, all_quotas
from .rules import leadership_over_cap


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
    total = len(listed)
    backbone = [o for o in listed if o.teacher.backbone]
    share = len(backbone) / total if total else 0.0
    if policy.get("backbone_share_min"):
        ok = share + 1e-9 >= policy["backbone_share_min"]
        out.append(
            Warning_(
                "ok" if ok else "warn",
                _(
                    "骨干教师占流出人数 %(share)s%%（%(b)s/%(t)s），要求不低于 %(min)s%%",
                    share=round(share * 100, 1),
                    b=len(backbone),
                    t=total,
                    min=round(policy["backbone_share_min"] * 100),
                ),
            )
        )
    short = [q for q in quotas if q.backbone_shortfall]
    if policy.get("backbone_rate"):
        out.append(
            Warning_(
                "warn" if short else "ok",
                _("%(n)s所学校流出骨干教师少于骨干交流名额", n=len(short))
                if short
                else _("各校流出骨干教师均达到骨干交流名额"),
            )
        )
    over = []
    cap = policy.get("leadership_cap", 0.3)
    for q in quotas:
        leaders = sum(1 for o in confirmed_outgoing(round_, q.school.id) if o.teacher.leadership_role)
        if leadership_over_cap(leaders, q.school.leadership_size, cap):
            over.append(f"{q.school.name}（{leaders}/{q.school.leadership_size}）")
    out.append(
        Warning_(
            "warn" if over else "ok",
            _("领导班子同时交流超过%(cap)s%%：%(schools)s", cap=round(cap * 100), schools="、".join(over))
            if over
            else _("各校领导班子同时交流均未超过%(cap)s%%", cap=round(cap * 100)),
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
