"""The administrative assignment (行政指定): the engine proposes it for the teachers the fair left
unmatched; the bureau changes single placements with a written reason (audited), then confirms."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from ..core.audit import acting_as
from ..core.errors import Refused
from ..core.vocab import subject_label
from ..extensions import db
from ..preparation.models import Post
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


def check_assignment(run: Run, teacher: Teacher, school: School) -> AssignmentCheck:
    """Refuse what breaks the rules; warn about what bends them."""
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
    return AssignmentCheck(refusals, warnings)


def change_assignment(
    run: Run, teacher: Teacher, school: School, reason: str, actor: tuple[int | None, str] = (None, "bureau")
) -> AssignmentCheck:
    """The bureau places one teacher by hand, with a written reason (audited as ``actor``)."""
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
    check = check_assignment(run, teacher, school)
    if check.refusals:
        raise AssignmentError("；".join(check.refusals))
    user_id, name = actor
    with acting_as(name, user_id, reason.strip()):
        placement.school_id, placement.how = school.id, "assigned"
        placement.reason = reason.strip()
        placement.preference_rank = 0
        db.session.flush()
    return check


def confirm_assignment(round_: Round) -> Round:
    require(round_, "confirm_assignment")
    round_.state = "assigned"
    db.session.flush()
    return round_


def placements_of(run: Run) -> list[Placement]:
    return list(db.session.scalars(select(Placement).where(Placement.run_id == run.id)))
