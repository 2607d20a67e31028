"""跨校竞聘 (seed 003 五(三)): who may publish posts, who may apply, and the applications.

"积极鼓励超编学校…参加工作满3年的教师到缺编学校参加教学岗位竞聘。跨校竞聘基本程序为：缺编学校公布需求
岗位，超编学校教师向所在学校提出跨校竞聘申请和竞聘意愿，缺编学校组织竞聘考核，确定岗位最终聘任人选，并报
教育主管部门批准。"

How it maps onto the fair's machinery (README.md, "跨校竞聘"):
- a school under-staffed in a subject (``Staffing``: in post below the establishment, 缺编)
  publishes a post of that subject, at most as many seats as it lacks;
- a teacher of a school over-staffed in their subject (超编) with at least three years' service
  (参加工作满3年, at the round's cutoff date) applies to their own school: an outgoing entry
  (``Outgoing.how == "competition"``), which the school approves (``confirmed``) for at most as
  many teachers as it has in surplus (so that it is not left short itself);
- approved applicants then list the posts they want (their 竞聘意愿, the fair's preference
  list), the receiving schools score them (``fair/scores.py``) and the scores become rankings.

Our readings of the seed: over- and under-staffing are per subject ("富余学科教师…到缺编学校"),
from the staffing the bureau records; "参加工作满3年" counts from 参加工作时间 on the roster, or,
when the roster has none, from the start at the present school (which can only count fewer
years: such a teacher asks their school to record 参加工作时间).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..core.clock import full_years
from ..core.vocab import subject_label
from ..extensions import db
from ..roster.models import School, Staffing, Teacher
from ..rounds.calendar import cutoff_date
from ..rounds.models import Round
from ..rounds.states import require
from .models import Outgoing, Post
from .outgoing import PreparationError
from .posts import MAX_SEATS, check_honours

#: seed 003 五(三): "参加工作满3年的教师"
MIN_SERVICE_YEARS = 3


def service_years(teacher: Teacher, on: dt.date) -> int:
    """Whole years of service on ``on``: from 参加工作时间, else from the start at this school."""
    return full_years(teacher.started_work or teacher.started_at_school, on)


def balance(school_id: int, subject: str) -> int | None:
    """In post minus established for a school's subject (above 0: 超编, below 0: 缺编), or None
    when the bureau has recorded no staffing for it."""
    row = db.session.scalar(select(Staffing).where(Staffing.school_id == school_id, Staffing.subject == subject))
    return row.balance if row is not None else None


def shortages(school: School) -> dict[str, int]:
    """subject -> how many teachers the school lacks (缺编), for the subjects it lacks any."""
    return {s.subject: -s.balance for s in school.staffing if s.balance < 0}


def surpluses(school: School) -> dict[str, int]:
    """subject -> how many teachers the school has above its establishment (超编)."""
    return {s.subject: s.balance for s in school.staffing if s.balance > 0}


def why_not_apply(round_: Round, teacher: Teacher) -> list[str]:
    """Why a teacher may not apply to the round's 跨校竞聘, in words (empty: they may)."""
    reasons = []
    surplus = balance(teacher.school_id, teacher.subject)
    if surplus is None or surplus <= 0:
        reasons.append(
            _(
                "本校%(subject)s学科不超编（只有超编学校的富余学科教师可以参加跨校竞聘）。",
                subject=subject_label(teacher.subject),
            )
        )
    on = cutoff_date(round_)
    years = service_years(teacher, on)
    if years < MIN_SERVICE_YEARS:
        since = teacher.started_work or teacher.started_at_school
        reasons.append(
            _(
                "参加工作满%(n)s年方可参加（自%(since)s起至%(on)s满%(y)s年）。",
                n=MIN_SERVICE_YEARS,
                since=since.isoformat(),
                on=on.isoformat(),
                y=years,
            )
            + (
                ""
                if teacher.started_work
                else _("名册未登记参加工作时间，按到本校任教时间计算；如有误请学校更正名册。")
            )
        )
    return reasons


def application(round_: Round, teacher: Teacher) -> Outgoing | None:
    return db.session.scalar(select(Outgoing).where(Outgoing.round_id == round_.id, Outgoing.teacher_id == teacher.id))


def apply(round_: Round, teacher: Teacher) -> Outgoing:
    """A teacher applies to their own school to take part (向所在学校提出跨校竞聘申请)."""
    require(round_, "apply")
    reasons = why_not_apply(round_, teacher)
    if reasons:
        raise PreparationError("".join(reasons))
    if application(round_, teacher) is not None:
        raise PreparationError(_("您已提交跨校竞聘申请。"))
    entry = Outgoing(round_id=round_.id, teacher_id=teacher.id, how="competition", confirmed=False)
    db.session.add(entry)
    db.session.flush()
    return entry


def withdraw_application(round_: Round, teacher: Teacher) -> None:
    """A teacher withdraws before their school approves it."""
    require(round_, "apply")
    entry = application(round_, teacher)
    if entry is None:
        raise PreparationError(_("您没有跨校竞聘申请。"))
    if entry.confirmed:
        raise PreparationError(_("学校已同意您的申请；如需撤回，请联系学校。"))
    db.session.delete(entry)
    db.session.flush()


def applications_of(round_: Round, school_id: int) -> list[Outgoing]:
    return list(
        db.session.scalars(
            select(Outgoing)
            .join(Teacher)
            .where(Outgoing.round_id == round_.id, Teacher.school_id == school_id, Outgoing.how == "competition")
            .order_by(Teacher.subject, Teacher.staff_no)
        )
    )


def decide_application(round_: Round, entry: Outgoing, approve: bool) -> Outgoing:
    """The home school approves (or takes back its approval of) an application, approving at
    most as many teachers of a subject as it has in surplus."""
    require(round_, "apply")
    teacher = entry.teacher
    if approve and not entry.confirmed:
        surplus = balance(teacher.school_id, teacher.subject) or 0
        approved = db.session.scalar(
            select(func.count(Outgoing.id))
            .join(Teacher)
            .where(
                Outgoing.round_id == round_.id,
                Outgoing.how == "competition",
                Outgoing.confirmed.is_(True),
                Teacher.school_id == teacher.school_id,
                Teacher.subject == teacher.subject,
            )
        )
        if (approved or 0) >= surplus:
            raise PreparationError(
                _(
                    "本校%(subject)s学科超编%(n)s人，已同意%(a)s人参加竞聘，不能再同意。",
                    subject=subject_label(teacher.subject),
                    n=max(surplus, 0),
                    a=approved or 0,
                )
            )
    entry.confirmed = approve
    db.session.flush()
    return entry


@dataclass
class PostInput:
    subject: str
    seats: int
    min_education: str = ""
    min_title: str = ""
    honours: str = ""
    backbone_seats: int = 0
    note: str = ""


def publish_post(round_: Round, school: School, values: PostInput) -> Post:
    """An under-staffed school publishes (or changes) a post of a subject it lacks teachers in
    (缺编学校公布需求岗位): at most as many seats as it lacks."""
    require(round_, "edit_posts")
    short = -(balance(school.id, values.subject) or 0)
    if short <= 0:
        raise PreparationError(
            _(
                "本校%(subject)s学科不缺编（以教育局登记的编制数与在岗数为准），不能发布竞聘岗位。",
                subject=subject_label(values.subject),
            )
        )
    if not 1 <= values.seats <= min(short, MAX_SEATS):
        raise PreparationError(
            _("岗位数应在1到缺编数%(n)s之间。", n=short) if values.seats >= 1 else _("岗位数至少为1。")
        )
    if not 0 <= values.backbone_seats <= values.seats:
        raise PreparationError(_("骨干教师名额不能超过该岗位名额。"))
    honours = check_honours(values.honours)
    post = db.session.scalar(
        select(Post).where(Post.round_id == round_.id, Post.school_id == school.id, Post.subject == values.subject)
    )
    if post is None:
        post = Post(round_id=round_.id, school_id=school.id, subject=values.subject)
        db.session.add(post)
    post.seats, post.min_education, post.min_title, post.honours = (
        values.seats,
        values.min_education,
        values.min_title,
        honours,
    )
    post.backbone_seats, post.note, post.confirmed = values.backbone_seats, values.note.strip(), True
    db.session.flush()
    return post


def withdraw_post(round_: Round, post: Post) -> None:
    require(round_, "edit_posts")
    db.session.delete(post)
    db.session.flush()
