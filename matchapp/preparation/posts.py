"""The receiving posts (接收岗位): seats by school and subject, and what each post requires.

Seed 000 篇四: "某一学科中既有教师流入又有教师流出的学校须先流出再流入" — a school's incoming seats in
a subject are the vacancies its outflow creates: :func:`propose_posts` gives each school, subject
by subject, as many seats as it sends out and none where it sends no one (the seats of a subject
and of a zone then equal its outflow); the bureau edits them, the school confirms each post.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..extensions import db
from ..roster.models import Teacher
from ..rounds.models import Round
from ..rounds.states import require
from .models import Outgoing, Post
from .outgoing import PreparationError
from .requirements import honour_names

MAX_SEATS = 500


def propose_posts(round_: Round) -> int:
    """先流出再流入: each school receives, subject by subject, as many as it sends out — and nothing
    in a subject it does not send out.

    Every post of the round follows the confirmed outflow of its school and subject (so the seats
    of a subject, and of a zone, equal the teachers who leave it): new posts are created where a
    school sends teachers out, and a post whose school no longer sends anyone in its subject drops
    to 0 seats. A post whose number changes goes back to the school for confirmation (as any
    change of seats does). The bureau edits seats afterwards. Returns the number of posts with seats.
    """
    require(round_, "edit_posts")
    _not_in_a_competition(round_)
    outflow = {
        (school_id, subject): count
        for school_id, subject, count in db.session.execute(
            select(Teacher.school_id, Teacher.subject, func.count())
            .join(Outgoing, Outgoing.teacher_id == Teacher.id)
            .where(Outgoing.round_id == round_.id, Outgoing.confirmed.is_(True))
            .group_by(Teacher.school_id, Teacher.subject)
        ).all()
    }
    posts = {(p.school_id, p.subject): p for p in db.session.scalars(select(Post).where(Post.round_id == round_.id))}
    for key, post in posts.items():
        seats = outflow.get(key, 0)
        if post.seats != seats:
            post.seats, post.confirmed = seats, False
            post.backbone_seats = min(post.backbone_seats, seats)
    for (school_id, subject), count in outflow.items():
        if (school_id, subject) not in posts:
            db.session.add(Post(round_id=round_.id, school_id=school_id, subject=subject, seats=count))
    db.session.flush()
    return len(outflow)


def _not_in_a_competition(round_: Round) -> None:
    """跨校竞聘's posts are published by the under-staffed schools themselves, within their
    shortage (preparation/competition.py), not proposed from an outflow or set by the bureau."""
    if round_.procedure == "competition":
        raise PreparationError(_("跨校竞聘的岗位由缺编学校在“跨校竞聘”页面发布（不超过缺编人数）。"))


def set_seats(round_: Round, school_id: int, subject: str, seats: int) -> Post:
    require(round_, "edit_posts")
    _not_in_a_competition(round_)
    if seats < 0 or seats > MAX_SEATS:
        raise PreparationError(_("名额应在0到%(max)s之间。", max=MAX_SEATS))
    post = db.session.scalar(
        select(Post).where(Post.round_id == round_.id, Post.school_id == school_id, Post.subject == subject)
    )
    if post is None:
        post = Post(round_id=round_.id, school_id=school_id, subject=subject)
        db.session.add(post)
    post.seats = seats
    post.confirmed = False  # the school confirms again after a change
    db.session.flush()
    return post


def confirm_post(
    post: Post, *, min_education: str, min_title: str, honours: str, backbone_seats: int, note: str = ""
) -> Post:
    """The school confirms a post and its requirements (接收数量确认表)."""
    require(post.round, "edit_posts")
    if backbone_seats < 0 or backbone_seats > post.seats:
        raise PreparationError(_("骨干教师名额不能超过该岗位名额。"))
    honours = check_honours(honours)
    post.min_education, post.min_title, post.honours = min_education, min_title, honours
    post.backbone_seats, post.note, post.confirmed = backbone_seats, note.strip(), True
    db.session.flush()
    return post


def check_honours(text: str) -> str:
    """A post's honour requirement, checked against the roster and written one way (see
    ``requirements.py``): an honour nobody on the roster holds is refused, by name, since no
    teacher could ever meet it."""
    names = honour_names(text)
    if not names:
        return ""
    known = {n for held in db.session.scalars(select(Teacher.honours).distinct()) for n in honour_names(held or "")}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise PreparationError(
            _(
                "专业称号“%(names)s”在教师名册中没有人持有，没有教师能符合该要求；请填写名册中使用的称号"
                "（%(known)s），多个称号用逗号分开，具备其一即可。",
                names="、".join(unknown),
                known="、".join(sorted(known)[:12]) or _("名册中没有专业称号"),
            )
        )
    text = "，".join(names)
    if len(text) > 128:
        raise PreparationError(_("专业称号要求过长（最多128个字符）。"))
    return text


def round_posts(round_: Round, school_id: int | None = None, with_seats: bool = False) -> list[Post]:
    query = select(Post).where(Post.round_id == round_.id)
    if school_id is not None:
        query = query.where(Post.school_id == school_id)
    if with_seats:
        query = query.where(Post.seats > 0)
    return list(db.session.scalars(query.order_by(Post.school_id, Post.subject)))


def seats_by_school(round_: Round) -> dict[int, int]:
    return dict(
        db.session.execute(
            select(Post.school_id, func.sum(Post.seats)).where(Post.round_id == round_.id).group_by(Post.school_id)
        ).all()
    )


@dataclass
class SubjectBalance:
    subject: str
    supply: int  # outgoing teachers of the subject
    demand: int  # seats of the subject
    unconfirmed_posts: int

    @property
    def gap(self) -> int:
        return self.demand - self.supply


def supply_and_demand(round_: Round) -> list[SubjectBalance]:
    """Outgoing teachers against seats, subject by subject; every mismatch shows as a gap."""
    supply = dict(
        db.session.execute(
            select(Teacher.subject, func.count())
            .join(Outgoing, Outgoing.teacher_id == Teacher.id)
            .where(Outgoing.round_id == round_.id, Outgoing.confirmed.is_(True))
            .group_by(Teacher.subject)
        ).all()
    )
    demand: dict[str, int] = {}
    unconfirmed: dict[str, int] = {}
    for post in db.session.scalars(select(Post).where(Post.round_id == round_.id)):
        demand[post.subject] = demand.get(post.subject, 0) + post.seats
        unconfirmed[post.subject] = unconfirmed.get(post.subject, 0) + (not post.confirmed and post.seats > 0)
    subjects = sorted(set(supply) | set(demand))
    return [SubjectBalance(s, supply.get(s, 0), demand.get(s, 0), unconfirmed.get(s, 0)) for s in subjects]
