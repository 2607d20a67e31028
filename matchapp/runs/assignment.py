"""The administrative assignment (行政指定): the engine proposes it for the teachers the fair left
unmatched; the bureau changes single placements with a written reason (audited), then confirms."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from flask_babel import gettext as _
from sqlalchemy import func, select

from algorithms import loads_instance
from algorithms.assignment import placement_costs

from ..core.audit import acting_as
from ..core.errors import Refused
from ..core.vocab import TIERS, subject_label
from ..extensions import db
from ..fair.models import PostRanking, RankingEntry
from ..preparation.models import Post
from ..preparation.requirements import unmet
from ..preparation.rules import post_is_full
from ..roster.models import School, Teacher
from ..rounds.models import Round
from ..rounds.states import require
from .models import Placement, Run


class AssignmentError(Refused):
    """A change of placement that the rules do not allow."""


@dataclass
class AssignmentCheck:
    refusals: list[str]
    warnings: list[str]
    #: the receiving school's objections (its 不接受 mark, its post's requirements): refusals
    #: unless the bureau overrides them with a written reason
    objections: list[str] = field(default_factory=list)
    #: codes of the objections (``refused``, ``requirements``), as a placement records an override
    objection_codes: list[str] = field(default_factory=list)


def school_objections(run: Run, teacher: Teacher, post: Post | None) -> tuple[list[str], list[str]]:
    """What the receiving post says against the teacher: the school marked them unacceptable
    (不接受) in its submitted ranking, or they lack the post's requirements. Returns (words, codes)."""
    if post is None:
        return [], []
    words, codes = [], []
    marked = db.session.scalar(
        select(RankingEntry.id)
        .join(PostRanking, PostRanking.id == RankingEntry.ranking_id)
        .where(
            PostRanking.post_id == post.id,
            RankingEntry.teacher_id == teacher.id,
            RankingEntry.stage == "submitted",
            RankingEntry.band.is_(None),
        )
    )
    if marked:
        words.append(_("%(school)s在洽谈会中将该教师标记为“不接受”。", school=post.school.name))
        codes.append("refused")
    why = unmet(teacher, post)
    if why:
        words.append(_("不符合%(school)s本学科岗位的要求：%(why)s。", school=post.school.name, why="；".join(why)))
        codes.append("requirements")
    return words, codes


def seats_taken(run: Run, school_id: int, subject: str, besides: int | None = None) -> int:
    """How many teachers of ``subject`` the run places at the school (not counting ``besides``)."""
    query = (
        select(Placement.id)
        .join(Teacher, Teacher.id == Placement.teacher_id)
        .where(Placement.run_id == run.id, Placement.school_id == school_id, Teacher.subject == subject)
    )
    if besides is not None:
        query = query.where(Placement.teacher_id != besides)
    return len(db.session.scalars(query).all())


def check_assignment(run: Run, teacher: Teacher, school: School, override: bool = False) -> AssignmentCheck:
    """Refuse what breaks the rules; warn about what bends them. The receiving school's
    objections refuse the placement too, unless ``override`` (the bureau's, with a reason)."""
    refusals, warnings = [], []
    post = db.session.scalar(
        select(Post).where(Post.round_id == run.round_id, Post.school_id == school.id, Post.subject == teacher.subject)
    )
    if school.id == teacher.school_id:
        refusals.append(_("不能指定到本校。"))
    if post is None or post.seats == 0:
        refusals.append(
            _(
                "%(school)s没有本学科（%(subject)s）的接收岗位。",
                school=school.name,
                subject=subject_label(teacher.subject),
            )
        )
    elif post_is_full(post.seats, seats_taken(run, school.id, teacher.subject, besides=teacher.id)):
        refusals.append(_("%(school)s本学科%(n)s个名额已满。", school=school.name, n=post.seats))
    home = teacher.school
    if home.zone != school.zone:
        warnings.append(_("跨片区交流（%(a)s → %(b)s），需经教育局统筹。", a=home.zone, b=school.zone))
    if teacher.backbone and school.tier == "strong" and home.tier != "strong":
        warnings.append(_("骨干教师由一般或薄弱学校流向优质学校，属逆向交流。"))
    if teacher.backbone and school.tier == "strong" and home.tier == "strong":
        warnings.append(_("骨干教师在优质学校之间交流，不计入向薄弱学校的流动。"))
    objections, codes = school_objections(run, teacher, post) if school.id != teacher.school_id else ([], [])
    if objections and not override:
        refusals += objections + [_("如确需安排，教育局须勾选“越过学校意见”并写明理由（记入审计日志）。")]
    elif objections:
        warnings += [_("已越过学校意见：%(o)s", o=o) for o in objections]
    return AssignmentCheck(refusals, warnings, objections, codes)


@dataclass
class AssignmentOption:
    """A school a teacher may be assigned to: a post of their subject with a free seat."""

    school: School
    free: int  # seats still free, not counting this teacher's own
    cost: int  # the engine's cost (algorithms/assignment.py): lower is what the engine prefers
    reason: str  # the cost in words
    current: bool
    objection: str = ""  # the school's 不接受 or unmet requirements: only the bureau's override places here


def _cost_reason(rank: int, other_zone: bool, backbone: bool, tier: str) -> str:
    """The engine's cost of a placement in words (the table of algorithms/assignment.py)."""
    parts = [_("本人第%(k)s志愿", k=rank) if rank else _("未填报")]
    parts.append(_("跨片区") if other_zone else _("本片区"))
    if backbone:
        parts.append(_("骨干到%(t)s学校", t=str(TIERS[tier])) + (_("（逆向）") if tier == "strong" else ""))
    return "，".join(parts)


def assignment_options(run: Run, teachers: list[Teacher]) -> dict[int, list[AssignmentOption]]:
    """For each teacher, the posts of their subject with a free seat (their current one included),
    cheapest first by the engine's own cost, each with its reason: what the assignment screen offers."""
    if not teachers:
        return {}
    instance = loads_instance(run.instance_json.encode("utf-8"))
    t_index = {sid: i for i, sid in enumerate(instance.teacher_ids)}
    s_index = {code: i for i, code in enumerate(instance.school_ids)}
    subjects = {t.subject for t in teachers}
    posts = db.session.scalars(
        select(Post).where(Post.round_id == run.round_id, Post.subject.in_(subjects), Post.seats > 0)
    ).all()
    schools = {s.id: s for s in db.session.scalars(select(School).where(School.id.in_({p.school_id for p in posts})))}
    taken = {
        (school_id, subject): n
        for school_id, subject, n in db.session.execute(
            select(Placement.school_id, Teacher.subject, func.count(Placement.id))
            .join(Teacher, Teacher.id == Placement.teacher_id)
            .where(Placement.run_id == run.id, Placement.school_id.is_not(None), Teacher.subject.in_(subjects))
            .group_by(Placement.school_id, Teacher.subject)
        ).all()
    }
    current = {
        p.teacher_id: p.school_id
        for p in db.session.scalars(
            select(Placement).where(Placement.run_id == run.id, Placement.teacher_id.in_([t.id for t in teachers]))
        )
    }
    refused = {
        (post_id, teacher_id)
        for post_id, teacher_id in db.session.execute(
            select(PostRanking.post_id, RankingEntry.teacher_id)
            .join(RankingEntry, RankingEntry.ranking_id == PostRanking.id)
            .where(
                PostRanking.post_id.in_([p.id for p in posts]),
                RankingEntry.teacher_id.in_([t.id for t in teachers]),
                RankingEntry.stage == "submitted",
                RankingEntry.band.is_(None),
            )
        )
    }
    out: dict[int, list[AssignmentOption]] = {}
    for teacher in teachers:
        here = current.get(teacher.id)
        options = []
        for post in posts:
            if post.subject != teacher.subject or post.school_id == teacher.school_id:
                continue
            free = post.seats - taken.get((post.school_id, post.subject), 0) + (1 if here == post.school_id else 0)
            if free > 0 or here == post.school_id:
                objection = [_("学校不接受")] if (post.id, teacher.id) in refused else []
                objection += [_("不符合要求：%(w)s", w="；".join(w)) for w in [unmet(teacher, post)] if w]
                options.append((schools[post.school_id], free, "，".join(objection)))
        ti = t_index.get(teacher.staff_no)
        known = [k for k, (school, _free, _o) in enumerate(options) if school.code in s_index]
        costs = np.full(len(options), -1, dtype=np.int64)
        if ti is not None and known:
            costs[known] = placement_costs(
                instance, np.full(len(known), ti), np.array([s_index[options[k][0].code] for k in known])
            )
        listed = (
            [instance.school_ids[s] for s in instance.pref_school[instance.pref_ptr[ti] : instance.pref_ptr[ti + 1]]]
            if ti is not None
            else []
        )
        rows = [
            AssignmentOption(
                school=school,
                free=free,
                cost=int(costs[k]),
                reason=_cost_reason(
                    listed.index(school.code) + 1 if school.code in listed else 0,
                    school.zone != teacher.school.zone,
                    teacher.backbone,
                    school.tier,
                ),
                current=here == school.id,
                objection=objection,
            )
            for k, (school, free, objection) in enumerate(options)
        ]
        rows.sort(key=lambda o: (bool(o.objection), o.cost < 0, o.cost, o.school.code))
        out[teacher.id] = rows
    return out


def change_assignment(
    run: Run,
    teacher: Teacher,
    school: School,
    reason: str,
    actor: tuple[int | None, str] = (None, "bureau"),
    override: bool = False,
) -> AssignmentCheck:
    """The bureau places one teacher by hand, with a written reason (audited as ``actor``).

    A school's 不接受 and its post's requirements hold here too: only with ``override`` does the
    bureau place a teacher over them, and the placement records which it overrode.
    """
    round_ = db.session.get(Round, run.round_id)
    require(round_, "assign")
    if not reason.strip():
        raise AssignmentError(_("请写明调整理由。"))
    placement = db.session.scalar(
        select(Placement).where(Placement.run_id == run.id, Placement.teacher_id == teacher.id)
    )
    if placement is None:
        raise AssignmentError(_("该教师不在本次匹配中。"))
    if placement.how == "matched":
        raise AssignmentError(_("双向选择录取的教师不作行政调整。"))
    check = check_assignment(run, teacher, school, override=override)
    if check.refusals:
        raise AssignmentError("；".join(check.refusals))
    user_id, name = actor
    with acting_as(name, user_id, reason.strip()):
        placement.school_id, placement.how = school.id, "assigned"
        placement.reason = reason.strip()
        placement.preference_rank = 0
        placement.overrides = ",".join(check.objection_codes)
        db.session.flush()
    return check


def confirm_assignment(round_: Round) -> Round:
    require(round_, "confirm_assignment")
    round_.state = "assigned"
    db.session.flush()
    return round_


def placements_of(run: Run) -> list[Placement]:
    return list(db.session.scalars(select(Placement).where(Placement.run_id == run.id)))
