"""The round as the engine's exchange format (``matchapp.instance/1``): ids are school codes and
工号, never database ids, so anyone can replay a published run with ``matchapp solve --assign``."""

from __future__ import annotations

import json

from flask_babel import gettext as _
from sqlalchemy import select

from ..core.vocab import subject_label
from ..extensions import db
from ..fair.models import PostRanking, PreferenceEntry, PreferenceList, RankingEntry
from ..preparation.lists import in_two_way_selection, participants
from ..preparation.models import Post
from ..preparation.requirements import requirements
from ..roster.models import School
from ..rounds.models import Round


def _lists(round_: Round, stage: str) -> dict[int, list[int]]:
    """teacher id -> post ids of the stage, best first."""
    out: dict[int, list[int]] = {}
    for teacher_id, post_id in db.session.execute(
        select(PreferenceList.teacher_id, PreferenceEntry.post_id)
        .join(PreferenceEntry, PreferenceEntry.list_id == PreferenceList.id)
        .where(PreferenceList.round_id == round_.id, PreferenceEntry.stage == stage)
        .order_by(PreferenceList.teacher_id, PreferenceEntry.rank)
    ):
        out.setdefault(teacher_id, []).append(post_id)
    return out


def _rankings(round_: Round, stage: str) -> dict[int, list[list[int]]]:
    """post id -> bands of teacher ids (ranked ones only), best first. Posts whose ranking has no
    entry of the stage (never submitted) are absent."""
    bands: dict[int, dict[int, list[int]]] = {}
    for post_id, teacher_id, band in db.session.execute(
        select(PostRanking.post_id, RankingEntry.teacher_id, RankingEntry.band)
        .join(RankingEntry, RankingEntry.ranking_id == PostRanking.id)
        .join(Post, Post.id == PostRanking.post_id)
        .where(Post.round_id == round_.id, RankingEntry.stage == stage)
    ):
        per_post = bands.setdefault(post_id, {})
        if band is not None:
            per_post.setdefault(band, []).append(teacher_id)
    return {post: [sorted(groups[b]) for b in sorted(groups)] for post, groups in bands.items()}


def _ranked(round_: Round, stage: str) -> set[int]:
    """Posts with a ranking of the stage: submitted (final runs) or saved (previews)."""
    query = select(PostRanking.post_id).join(Post, Post.id == PostRanking.post_id).where(Post.round_id == round_.id)
    if stage == "submitted":
        query = query.where(PostRanking.submitted_at.is_not(None))
    return set(db.session.scalars(query))


def _refused(round_: Round, stage: str) -> dict[int, list[int]]:
    """post id -> teachers the school marked unacceptable (不接受) in the stage, by id."""
    out: dict[int, list[int]] = {}
    for post_id, teacher_id in db.session.execute(
        select(PostRanking.post_id, RankingEntry.teacher_id)
        .join(RankingEntry, RankingEntry.ranking_id == PostRanking.id)
        .join(Post, Post.id == PostRanking.post_id)
        .where(Post.round_id == round_.id, RankingEntry.stage == stage, RankingEntry.band.is_(None))
        .order_by(RankingEntry.teacher_id)
    ):
        out.setdefault(post_id, []).append(teacher_id)
    return out


def _constrain(round_: Round, stage: str, posts, teachers, teacher_docs: list[dict], post_docs: list[dict], notes):
    """Add the posts' requirements, backbone seats and refusals (不接受) to the instance, and the
    requirements each teacher meets; leave out of rankings the teachers a post may not rank (a
    roster change after the fair, say), with a note. Fields only where they say something, so
    that a round without any gives the same file as before."""
    reqs = {p.id: requirements(p) for p in posts}
    in_use = {r.tag: r for rs in reqs.values() for r in rs}
    teacher_by_staff = {t.staff_no: t for t in teachers}
    for doc in teacher_docs:
        held = [tag for tag, r in sorted(in_use.items()) if r.met(teacher_by_staff[doc["id"]])]
        if held:
            doc["qualifications"] = held
    refused = _refused(round_, stage)
    staff = {t.id: t.staff_no for t in teachers}
    subject_of = {t.id: t.subject for t in teachers}
    for post, doc in zip(sorted(posts, key=lambda p: (p.school.code, p.subject)), post_docs):
        need = reqs[post.id]
        kept = [
            [x for x in (g if isinstance(g, list) else [g]) if all(r.met(teacher_by_staff[x]) for r in need)]
            for g in doc["ranking"]
        ]
        dropped = sum(len(g) if isinstance(g, list) else 1 for g in doc["ranking"]) - sum(map(len, kept))
        if dropped:
            notes.append(
                _(
                    "%(school)s %(subject)s岗位的排序中有%(n)s名教师不符合岗位要求，已略去。",
                    school=post.school.name,
                    subject=subject_label(post.subject),
                    n=dropped,
                )
            )
        doc["ranking"] = [g[0] if len(g) == 1 else g for g in kept if g]
        if reqs[post.id]:
            doc["requires"] = [r.tag for r in reqs[post.id]]
        if post.backbone_seats:
            doc["backbone_seats"] = min(post.backbone_seats, post.seats)
        no = [staff[tid] for tid in refused.get(post.id, []) if tid in staff and subject_of[tid] == post.subject]
        if no:
            doc["refused"] = sorted(no)


def build_instance(round_: Round, preview: bool = False) -> tuple[dict, list[str]]:
    """The round as an engine instance (ids: school codes and 工号), and notes for the bureau.

    Final runs use what was submitted; a preview uses the current drafts. A post without a
    submitted ranking ranks all its applicants equally (the lottery decides), which the notes say.
    A subject with fewer outgoing teachers than ``min_selection_size`` is not selected at the
    fair: its teachers go to the administrative assignment. So do school leaders: the bureau
    appoints them (they have no preferences here, and the assignment places them).
    """
    stage = "draft" if preview else "submitted"
    notes: list[str] = []
    schools = db.session.scalars(select(School).order_by(School.code)).all()
    code = {s.id: s.code for s in schools}
    teachers = participants(round_)
    staff = {t.id: t.staff_no for t in teachers}
    leaders = [t for t in teachers if not in_two_way_selection(t)]
    if leaders:
        notes.append(
            _(
                "校级领导%(n)s人按干部任用规定由教育局安排，不参加双向选择，直接行政指定：%(names)s。",
                n=len(leaders),
                names="、".join(t.name for t in leaders),
            )
        )
    per_subject: dict[str, int] = {}
    for t in teachers:
        if in_two_way_selection(t):
            per_subject[t.subject] = per_subject.get(t.subject, 0) + 1
    # 部分学科交流人数少而无法双选 (000 篇四): only at a fair; 竞聘 applicants chose to apply, and an
    # arrangement has no selection at all.
    small = {s for s, n in per_subject.items() if n < round_.policy.get("min_selection_size", 3)}
    if round_.procedure != "fair":
        small = set()
    for s in sorted(small):
        notes.append(
            _(
                "学科%(s)s只有%(n)s名流出教师，不进行双向选择，直接行政指定。",
                s=subject_label(s),
                n=per_subject[s],
            )
        )
    posts = db.session.scalars(select(Post).where(Post.round_id == round_.id)).all()
    post_by_id = {p.id: p for p in posts}
    lists = _lists(round_, stage)
    teacher_docs: list[dict] = []
    for t in teachers:
        chosen = [post_by_id[p] for p in lists.get(t.id, []) if p in post_by_id]
        if t.subject in small or not in_two_way_selection(t):
            chosen = []
        valid = [p for p in chosen if p.subject == t.subject and p.school_id != t.school_id]
        if len(valid) != len(chosen):
            notes.append(_("%(name)s的志愿中有学校已无本学科岗位，已略去。", name=t.name))
        teacher_docs.append(
            {
                "id": t.staff_no,
                "name": t.name,
                "school": code[t.school_id],
                "subject": t.subject,
                "backbone": t.backbone,
                "preferences": [code[p.school_id] for p in valid],
            }
        )
    subject_of = {t.id: t.subject for t in teachers}
    rankings = _rankings(round_, stage)
    ranked = _ranked(round_, stage)
    applicants: dict[tuple[str, str], list[str]] = {}
    for doc in teacher_docs:
        for s in doc["preferences"]:
            applicants.setdefault((s, doc["subject"]), []).append(doc["id"])
    post_docs = []
    for p in sorted(posts, key=lambda p: (code[p.school_id], p.subject)):
        if p.id not in ranked:
            pool = sorted(applicants.get((code[p.school_id], p.subject), []))
            groups = [pool] if pool else []
            if pool:
                notes.append(
                    _(
                        "%(school)s %(subject)s岗位未提交排序，申请者按同一档次处理（抽签决定先后）。",
                        school=p.school.name,
                        subject=subject_label(p.subject),
                    )
                )
        else:
            groups = [
                [staff[tid] for tid in group if tid in staff and subject_of.get(tid) == p.subject]
                for group in rankings.get(p.id, [])
            ]
            groups = [g for g in groups if g]
        post_docs.append(
            {
                "school": code[p.school_id],
                "subject": p.subject,
                "capacity": p.seats,
                "ranking": [g[0] if len(g) == 1 else g for g in groups],
            }
        )
    _constrain(round_, stage, posts, teachers, teacher_docs, post_docs, notes)
    doc = {
        "format": "matchapp.instance/1",
        "seed": round_.seed,
        "schools": [{"id": s.code, "name": s.name, "tier": s.tier, "zone": s.zone} for s in schools],
        "teachers": teacher_docs,
        "posts": post_docs,
    }
    return doc, notes


def canonical_json(doc: dict) -> str:
    """The exact text stored and hashed: UTF-8, keys in a fixed order, no spaces."""
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
