"""Teachers' preferences (志愿): the posts a teacher may list, saving a draft, submitting it."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Collection
from dataclasses import dataclass
from typing import cast

from flask_babel import gettext as _
from sqlalchemy import Table, delete, func, insert, select

from ..core.audit import record_change
from ..core.clock import utcnow
from ..core.errors import StaleEdit
from ..extensions import db
from ..preparation.lists import is_participant
from ..preparation.models import Post
from ..preparation.requirements import unmet
from ..roster.models import School, Teacher
from ..rounds.models import Round
from .models import PreferenceEntry, PreferenceList, saved_as
from .window import FairError, require_open


@dataclass(frozen=True, slots=True)
class SchoolCard:
    """What a teacher's pages and the posts API show of a receiving school."""

    id: int
    code: str
    name: str
    tier: str
    zone: str


@dataclass(frozen=True, slots=True)
class OfferedPost:
    """A post as a teacher reads it (a read model: plain values, not an ORM object; reading 100
    posts with their schools as ORM objects cost more than the rest of the request)."""

    id: int
    school_id: int
    subject: str
    seats: int
    min_education: str
    min_title: str
    honours: str
    backbone_seats: int
    school: SchoolCard


def posts_for(round_: Round, teacher: Teacher, schools: Collection[int] | None = None) -> list[OfferedPost]:
    """The posts a teacher may rank: their subject, seats > 0, never their own school; own zone
    first. ``schools``: only those at these schools (what a save needs to check)."""
    query = (
        select(
            Post.id,
            Post.school_id,
            Post.subject,
            Post.seats,
            Post.min_education,
            Post.min_title,
            Post.honours,
            Post.backbone_seats,
            School.code,
            School.name,
            School.tier,
            School.zone,
        )
        .join(School, School.id == Post.school_id)
        .where(
            Post.round_id == round_.id,
            Post.subject == teacher.subject,
            Post.seats > 0,
            Post.school_id != teacher.school_id,
        )
    )
    if schools is not None:
        query = query.where(Post.school_id.in_(schools))
    posts = [
        OfferedPost(
            post_id, school_id, subject, seats, education, title, honours, backbone, SchoolCard(school_id, *school)
        )
        for post_id, school_id, subject, seats, education, title, honours, backbone, *school in db.session.execute(
            query
        )
    ]
    zone = teacher.school.zone
    return sorted(posts, key=lambda p: (p.school.zone != zone, p.school.zone, p.school.code))


def offered_posts(
    round_: Round, teacher: Teacher, schools: Collection[int] | None = None
) -> tuple[list[OfferedPost], list[tuple[OfferedPost, list[str]]]]:
    """The posts a teacher may list (their requirements met), and the others of their subject
    with the reasons they are not offered (seed 000 篇四: teachers apply "对照…学历、学科、职称、
    专业称号等要求"); ``schools``: only at these schools."""
    offered, withheld = [], []
    for post in posts_for(round_, teacher, schools):
        why = unmet(teacher, post)
        if why:
            withheld.append((post, why))
        else:
            offered.append(post)
    return offered, withheld


def preference_list(round_: Round, teacher: Teacher) -> PreferenceList | None:
    return db.session.scalar(
        select(PreferenceList).where(PreferenceList.round_id == round_.id, PreferenceList.teacher_id == teacher.id)
    )


def listed_schools(plist: PreferenceList | None) -> dict[str, list[int]]:
    """The schools of a list (ids), best first, by stage ("draft", "submitted"), in one query
    (never one query per entry to find its post's school)."""
    chosen: dict[str, list[int]] = {"draft": [], "submitted": []}
    if plist is None or plist.id is None:  # a list not yet written has no entries stored
        return chosen
    rows = db.session.execute(
        select(PreferenceEntry.stage, Post.school_id)
        .join(Post, Post.id == PreferenceEntry.post_id)
        .where(PreferenceEntry.list_id == plist.id)
        .order_by(PreferenceEntry.stage, PreferenceEntry.rank)
    )
    for stage, school_id in rows:
        chosen.setdefault(stage, []).append(school_id)
    return chosen


def chosen_schools(plist: PreferenceList | None, stage: str = "draft") -> list[int]:
    """The schools of a list (ids), best first."""
    return listed_schools(plist)[stage]


#: the entries' table itself: its rows are replaced by plain statements, not through the ORM's
#: bulk machinery (no entry object is ever loaded in a save, so none has to be kept in step)
ENTRIES = cast(Table, PreferenceEntry.__table__)


def _replace(plist: PreferenceList, stages: tuple[str, ...], post_ids: list[int], new: bool) -> None:
    """The entries of the ``stages`` of a list (the draft, and the submitted one when it is
    submitted), replaced by two statements whatever their length."""
    if not new:
        db.session.execute(delete(ENTRIES).where(ENTRIES.c.list_id == plist.id, ENTRIES.c.stage.in_(stages)))
    if post_ids:
        db.session.execute(
            insert(ENTRIES),
            [
                {"list_id": plist.id, "stage": stage, "rank": rank, "post_id": post_id}
                for stage in stages
                for rank, post_id in enumerate(post_ids, start=1)
            ],
        )
    db.session.expire(plist, ["entries"])


def save_preferences(
    round_: Round,
    teacher: Teacher,
    school_ids: list[int],
    submit: bool,
    now: dt.datetime | None = None,
    version: int | None = None,
) -> PreferenceList:
    """Save (and optionally submit) a teacher's ranked schools; refused outside the open fair.

    ``version`` is the version of the list the person started from (0: no list yet); if someone
    saved since — the same teacher in another tab — the save is refused, even when its content
    equals what is stored.
    """
    now = now or utcnow()
    require_open(round_, now)
    if not is_participant(round_, teacher):
        raise FairError(_("您不在本年度流出名单中，不能填报。"))
    # only the chosen schools' posts are read: the others do not decide whether the list is allowed
    offered, withheld = offered_posts(round_, teacher, set(school_ids))
    allowed = {p.school_id: p.id for p in offered}
    if len(set(school_ids)) != len(school_ids):
        raise FairError(_("同一所学校只能填一次。"))
    if teacher.school_id in school_ids:
        raise FairError(_("不能填报本校。"))
    for post, why in withheld:
        if post.school_id in school_ids:
            raise FairError(
                _("您不符合%(school)s本学科岗位的要求：%(why)s。", school=post.school.name, why="；".join(why))
            )
    if any(s not in allowed for s in school_ids):
        raise FairError(_("所选学校没有本学科的接收岗位。"))
    if submit and not school_ids:
        raise FairError(_("请至少选择一所学校再提交。"))
    plist = preference_list(round_, teacher)
    if version is not None and version != (plist.version if plist else 0):
        raise StaleEdit(_("您的志愿已在别处修改（例如另一个窗口），请刷新页面后再保存，本次修改未保存。"))
    before = None
    if plist:
        stored = listed_schools(plist)
        before = {"draft": stored["draft"], "submitted": stored["submitted"] if plist.submitted_at else None}
    new = plist is None
    if plist is None:
        plist = PreferenceList(round_id=round_.id, teacher_id=teacher.id)
        db.session.add(plist)
    if submit:
        plist.submitted_at = now
    plist.updated_at = now  # every save bumps the version, whatever else changed
    # The list's row first: the version column makes a concurrent writer wait for this row and
    # then fail here (StaleDataError, or the unique list per teacher), before any entry is touched.
    db.session.flush()
    post_ids = [allowed[s] for s in school_ids]
    _replace(plist, ("draft", "submitted") if submit else ("draft",), post_ids, new)
    record_change(
        "preference_lists",
        plist.id,
        before,
        {
            "draft": school_ids,
            "submitted": school_ids if submit else (before or {}).get("submitted"),
            **saved_as(plist),
        },
        "update" if before else "insert",
    )
    return plist


def receipt_code(plist: PreferenceList, submitted: list[int] | None = None) -> str:
    """A short code that identifies exactly this submission (teacher, list, time); ``submitted``:
    the list's submitted schools if the caller has read them already."""
    # A page names the receipt in several places: its list is read once per version of the list.
    known = plist.__dict__.get("_receipt")
    if known is not None and known[0] == (plist.version, plist.submitted_at):
        return known[1]
    if submitted is None:
        submitted = chosen_schools(plist, "submitted")
    schools = ",".join(map(str, submitted))
    at = plist.submitted_at.isoformat() if plist.submitted_at else ""
    text = f"{plist.round_id}|{plist.teacher_id}|{schools}|{at}"
    code = hashlib.sha256(text.encode()).hexdigest()[:10].upper()
    plist.__dict__["_receipt"] = ((plist.version, plist.submitted_at), code)
    return code


def applicant_counts(round_: Round) -> dict[int, int]:
    """How many submitted lists name each school so far."""
    rows = db.session.execute(
        select(Post.school_id, func.count())
        .select_from(PreferenceEntry)
        .join(Post, Post.id == PreferenceEntry.post_id)
        .join(PreferenceList, PreferenceList.id == PreferenceEntry.list_id)
        .where(PreferenceList.round_id == round_.id, PreferenceEntry.stage == "submitted")
        .group_by(Post.school_id)
    ).all()
    return dict(rows)
