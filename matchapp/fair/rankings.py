"""Schools' rankings (学校排序): each post ranks the teachers who listed it, in bands of equals,
or marks them unacceptable (不接受)."""

from __future__ import annotations

import datetime as dt
from typing import cast

from flask_babel import gettext as _
from sqlalchemy import Table, delete, insert, select
from sqlalchemy.orm import contains_eager

from ..core.audit import record_change
from ..core.clock import utcnow
from ..core.errors import StaleEdit
from ..extensions import db
from ..preparation.models import Outgoing, Post
from ..preparation.requirements import unmet
from ..roster.models import School, Teacher
from .models import PostRanking, PreferenceEntry, PreferenceList, RankingEntry, saved_as
from .window import FairError, require_open

MAX_BAND = 10_000


def candidates(post: Post, drafts: bool = False) -> list[Teacher]:
    """The outgoing teachers of the post's subject who listed it (submitted lists; drafts for a preview)."""
    return list(
        db.session.scalars(
            select(Teacher)
            .options(contains_eager(Teacher.school))
            .join(School, School.id == Teacher.school_id)
            .join(PreferenceList, PreferenceList.teacher_id == Teacher.id)
            .join(PreferenceEntry, PreferenceEntry.list_id == PreferenceList.id)
            .join(Outgoing, (Outgoing.teacher_id == Teacher.id) & (Outgoing.round_id == PreferenceList.round_id))
            .where(
                PreferenceList.round_id == post.round_id,
                PreferenceEntry.post_id == post.id,
                PreferenceEntry.stage == ("draft" if drafts else "submitted"),
                Teacher.subject == post.subject,
                Outgoing.confirmed.is_(True),
            )
            .order_by(Teacher.staff_no)
        ).unique()
    )


def split_candidates(post: Post, drafts: bool = False) -> tuple[list[Teacher], list[tuple[Teacher, list[str]]]]:
    """The applicants a post may rank, and those who do not meet its requirements, with why
    (a roster change after they listed it, say: the preferences page offers only posts whose
    requirements a teacher meets)."""
    rankable, unqualified = [], []
    for teacher in candidates(post, drafts):
        why = unmet(teacher, post)
        if why:
            unqualified.append((teacher, why))
        else:
            rankable.append(teacher)
    return rankable, unqualified


def post_ranking(post: Post) -> PostRanking | None:
    return db.session.scalar(select(PostRanking).where(PostRanking.post_id == post.id))


def _bands(groups: dict[int, int], unacceptable: set[int]) -> list[list[int]]:
    """Bands as typed (1, 3, 3, 7…) become consecutive groups of equals (1, 2, 2, 3…)."""
    ordered = sorted((band, tid) for tid, band in groups.items() if tid not in unacceptable)
    bands: list[list[int]] = []
    last = None
    for band, tid in ordered:
        if band != last:
            bands.append([])
            last = band
        bands[-1].append(tid)
    return bands


#: the entries' table itself: its rows are replaced by plain statements, not through the ORM's
#: bulk machinery (no entry object is loaded in a save, so none has to be kept in step)
ENTRIES = cast(Table, RankingEntry.__table__)


def _replace(
    ranking: PostRanking, stages: tuple[str, ...], bands: list[list[int]], unacceptable: set[int], new: bool
) -> None:
    """The entries of the ``stages`` of a ranking (the draft, and the submitted one when it is
    submitted), replaced by two statements whatever their length."""
    if not new:
        db.session.execute(delete(ENTRIES).where(ENTRIES.c.ranking_id == ranking.id, ENTRIES.c.stage.in_(stages)))
    rows = [
        {"ranking_id": ranking.id, "stage": stage, "teacher_id": tid, "band": band}
        for stage in stages
        for band, group in enumerate(bands, start=1)
        for tid in group
    ] + [
        {"ranking_id": ranking.id, "stage": stage, "teacher_id": tid, "band": None}
        for stage in stages
        for tid in sorted(unacceptable)
    ]
    if rows:
        db.session.execute(insert(ENTRIES), rows)
    db.session.expire(ranking, ["entries"])


def save_ranking(
    post: Post,
    groups: dict[int, int],
    unacceptable: set[int],
    version: int | None,
    submit: bool,
    now: dt.datetime | None = None,
) -> PostRanking:
    """Save a post's ranking: ``groups`` maps teacher id → band (1 = best; equal bands are ties).

    ``version`` is the version the form was loaded with (0: no ranking yet): if someone saved
    since, the save is refused rather than silently overwriting their work.
    """
    now = now or utcnow()
    require_open(post.round, now)
    if post.round.procedure == "competition":
        raise FairError(_("跨校竞聘岗位的排序由考核成绩生成（说课或试讲、面试总分），不能直接排序。"))
    people = candidates(post)
    eligible = {t.id for t in people}
    if (set(groups) | unacceptable) - eligible:
        raise FairError(_("只能为申请本岗位的教师排序。"))
    unqualified = {t.id: (t, unmet(t, post)) for t in people if unmet(t, post)}
    named = sorted(set(groups) & set(unqualified))
    if named:
        t, why = unqualified[named[0]]
        raise FairError(_("%(name)s不符合本岗位的要求（%(why)s），不能排序。", name=t.name, why="；".join(why)))
    eligible -= set(unqualified)
    unacceptable = unacceptable - set(unqualified)
    if any(band < 1 or band > MAX_BAND for band in groups.values()):
        raise FairError(_("排序档次应为1到%(max)s之间的整数。", max=MAX_BAND))
    if submit and set(groups) | unacceptable != eligible:
        raise FairError(_("请为每位申请者排序或标记为不接受后再提交。"))
    ranking = post_ranking(post)
    if ranking is None:
        if version not in (None, 0):
            raise StaleEdit(_("该岗位的排序已被其他管理员修改，请刷新页面后重新排序。"))
        ranking = PostRanking(post_id=post.id)
        db.session.add(ranking)
        before = None
    else:
        if version != ranking.version:
            raise StaleEdit(
                _(
                    "该岗位的排序已被其他管理员修改（第%(v)s版），请刷新页面后重新排序，您的修改未保存。",
                    v=ranking.version,
                )
            )
        before = {"groups": ranking.groups(), "unacceptable": ranking.unacceptable()}
    new = before is None
    if submit:
        ranking.submitted_at = now
    ranking.updated_at = now  # every save bumps the version
    # The ranking's row first: the version column makes a concurrent writer wait for this row and
    # then fail here (StaleDataError, or the unique ranking per post), before any entry is touched.
    db.session.flush()
    bands = _bands(groups, unacceptable)
    _replace(ranking, ("draft", "submitted") if submit else ("draft",), bands, unacceptable, new)
    record_change(
        "post_rankings",
        ranking.id,
        before,
        {"groups": bands, "unacceptable": sorted(unacceptable), "submitted": submit, **saved_as(ranking)},
        "update" if before else "insert",
    )
    return ranking
