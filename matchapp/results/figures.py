"""The figures a person reads at a glance: choices obtained, seats filled, flows, the backbone rule."""

from __future__ import annotations

import json

from sqlalchemy import select

from algorithms.flows import backbone_flow

from ..core.vocab import TIER_ORDER
from ..extensions import db
from ..preparation.models import Post
from ..roster.models import School, Teacher
from ..runs.models import Placement, Run
from .homes import home_schools


def result_figures(run: Run) -> dict:
    doc = json.loads(run.result_json)
    placements = db.session.scalars(select(Placement).where(Placement.run_id == run.id)).all()
    teacher_ids = [p.teacher_id for p in placements]
    teachers = {t.id: t for t in db.session.scalars(select(Teacher).where(Teacher.id.in_(teacher_ids)))}
    schools = {s.id: s for s in db.session.scalars(select(School))}
    homes = home_schools(run)
    tiers = list(TIER_ORDER)
    tier_flow = {a: {b: 0 for b in tiers} for a in tiers}
    zones = sorted({s.zone for s in schools.values()})
    zone_flow = {a: {b: 0 for b in zones} for a in zones}
    home_strong, dest_strong = [], []
    filled: dict[tuple[int, str], int] = {}
    for p in placements:
        if p.school_id is None:
            continue
        t = teachers[p.teacher_id]
        src, dst = schools[homes.get(t.id, t.school_id)], schools[p.school_id]
        tier_flow[src.tier][dst.tier] += 1
        zone_flow[src.zone][dst.zone] += 1
        filled[(p.school_id, t.subject)] = filled.get((p.school_id, t.subject), 0) + 1
        if t.backbone:
            home_strong.append(src.tier == "strong")
            dest_strong.append(dst.tier == "strong")
    flow = backbone_flow(home_strong, dest_strong)
    posts = db.session.scalars(select(Post).where(Post.round_id == run.round_id, Post.seats > 0)).all()
    seats: list[dict] = [
        {
            "school": schools[p.school_id],
            "subject": p.subject,
            "seats": p.seats,
            "filled": filled.get((p.school_id, p.subject), 0),
        }
        for p in posts
    ]
    seats.sort(key=lambda r: (r["school"].code, r["subject"]))  # type: ignore[no-any-return]
    counts = {how: sum(p.how == how for p in placements) for how in ("matched", "assigned", "unplaced")}
    return {
        "histogram": doc["stats"]["rank_histogram"],
        "counts": counts,
        "tier_flow": tier_flow,
        "zone_flow": zone_flow,
        "zones": zones,
        "tiers": tiers,
        "seats": seats,
        "backbone": {"strong_to_other": flow.strong_to_other, "from_other": flow.from_other, "ok": flow.ok},
        "stable": doc["stats"]["stable"],
    }
