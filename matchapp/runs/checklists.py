"""What the bureau reads before each step it cannot take back: opening the fair, closing it,
running the matching, publishing. Each item says what is not ready, by name, so that the bureau
confirms knowing it."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..core.vocab import subject_label
from ..extensions import db
from ..fair.models import PostRanking, PreferenceEntry, PreferenceList
from ..preparation.lists import in_two_way_selection, participants
from ..preparation.models import Outgoing, Post, SchoolRound
from ..preparation.outgoing import pending_exemptions
from ..preparation.posts import supply_and_demand
from ..roster.bureau import bureau_settings, missing_details
from ..roster.models import School
from ..rounds.models import Round
from .models import Placement
from .service import final_run


@dataclass
class Item:
    level: str  # ok | warn
    message: str


def _names(schools: list[str], limit: int = 8) -> str:
    return "、".join(schools[:limit]) + (_("等%(n)s所", n=len(schools)) if len(schools) > limit else "")


def open_checklist(round_: Round) -> list[Item]:
    schools = db.session.scalars(select(School).order_by(School.code)).all()
    submitted = set(
        db.session.scalars(
            select(SchoolRound.school_id).where(
                SchoolRound.round_id == round_.id, SchoolRound.outgoing_submitted_at.is_not(None)
            )
        )
    )
    not_submitted = [s.name for s in schools if s.id not in submitted]
    unconfirmed = sorted(
        {
            p.school.name
            for p in db.session.scalars(
                select(Post).where(Post.round_id == round_.id, Post.seats > 0, Post.confirmed.is_(False))
            )
        }
    )
    pending = pending_exemptions(round_)
    items = [
        Item("warn", _("%(n)s所学校尚未报送流出名单：%(names)s", n=len(not_submitted), names=_names(not_submitted)))
        if not_submitted
        else Item("ok", _("各校均已报送流出名单")),
        Item("warn", _("%(n)s所学校尚有接收岗位未确认：%(names)s", n=len(unconfirmed), names=_names(unconfirmed)))
        if unconfirmed
        else Item("ok", _("各校接收岗位均已确认")),
        Item("warn", _("%(n)s份暂不交流申请尚待审核", n=len(pending)))
        if pending
        else Item("ok", _("暂不交流申请均已审核")),
    ]
    for balance in supply_and_demand(round_):
        if balance.gap:
            items.append(
                Item(
                    "warn",
                    _(
                        "%(subject)s：流出%(s)s人，接收名额%(d)s个（%(gap)s）",
                        subject=subject_label(balance.subject),
                        s=balance.supply,
                        d=balance.demand,
                        gap=_("名额多%(n)s个", n=balance.gap)
                        if balance.gap > 0
                        else _("名额少%(n)s个", n=-balance.gap),
                    ),
                )
            )
    return items


def _unsubmitted_rankings(round_: Round) -> list[str]:
    """Schools with a post that has applicants but no submitted ranking (draft or nothing)."""
    rows = db.session.execute(
        select(Post.id, School.name, PostRanking.submitted_at)
        .join(School, School.id == Post.school_id)
        .outerjoin(PostRanking, PostRanking.post_id == Post.id)
        .where(Post.round_id == round_.id, Post.seats > 0)
    ).all()
    applied = set(
        db.session.scalars(
            select(PreferenceEntry.post_id)
            .join(PreferenceList, PreferenceList.id == PreferenceEntry.list_id)
            .where(PreferenceList.round_id == round_.id, PreferenceEntry.stage == "submitted")
        )
    )
    return sorted({name for post_id, name, submitted in rows if post_id in applied and submitted is None})


def close_checklist(round_: Round) -> list[Item]:
    teachers = [t for t in participants(round_) if in_two_way_selection(t)]  # leaders do not rank schools
    submitted = set(
        db.session.scalars(
            select(PreferenceList.teacher_id).where(
                PreferenceList.round_id == round_.id, PreferenceList.submitted_at.is_not(None)
            )
        )
    )
    missing = [t for t in teachers if t.id not in submitted]
    schools = _unsubmitted_rankings(round_)
    return [
        Item("warn", _("%(n)s/%(t)s名教师尚未提交志愿", n=len(missing), t=len(teachers)))
        if missing
        else Item("ok", _("全部%(t)s名教师均已提交志愿", t=len(teachers))),
        Item("warn", _("%(n)s所学校尚有岗位排序未提交：%(names)s", n=len(schools), names=_names(schools)))
        if schools
        else Item("ok", _("有申请者的岗位均已提交排序")),
    ]


def run_checklist(round_: Round) -> list[Item]:
    schools = _unsubmitted_rankings(round_)
    drafts = db.session.scalar(
        select(func.count(PreferenceList.id)).where(
            PreferenceList.round_id == round_.id, PreferenceList.submitted_at.is_(None)
        )
    )
    items = [
        Item(
            "warn",
            _(
                "以下学校的排序未提交，运行时不使用草稿，其申请者按同一档次处理（抽签决定先后）：%(names)s",
                names=_names(schools),
            ),
        )
        if schools
        else Item("ok", _("有申请者的岗位均已提交排序")),
        Item("warn", _("%(n)s名教师只保存了草稿，运行时不使用", n=drafts))
        if drafts
        else Item("ok", _("没有只保存草稿的志愿")),
    ]
    per_subject: dict[str, int] = {}
    for t in participants(round_):
        if in_two_way_selection(t):
            per_subject[t.subject] = per_subject.get(t.subject, 0) + 1
    small = [s for s, n in per_subject.items() if n < round_.policy.get("min_selection_size", 3)]
    if small:
        items.append(
            Item(
                "warn",
                _(
                    "流出人数过少、不进行双向选择而直接行政指定的学科：%(s)s",
                    s="、".join(subject_label(s) for s in sorted(small)),
                ),
            )
        )
    return items


def publish_checklist(round_: Round) -> list[Item]:
    run = final_run(round_)
    if run is None:
        return [Item("warn", _("尚未运行正式匹配。"))]
    placed = db.session.scalar(
        select(func.count(Placement.id)).where(Placement.run_id == run.id, Placement.school_id.is_not(None))
    )
    unplaced = db.session.scalar(
        select(func.count(Placement.id)).where(Placement.run_id == run.id, Placement.school_id.is_(None))
    )
    changed = db.session.scalar(
        select(func.count(Placement.id)).where(Placement.run_id == run.id, Placement.reason != "")
    )
    missing = missing_details(bureau_settings())
    return [
        Item("ok", _("公示页面将向所有人公开%(n)s名教师的姓名、学科、原学校、交流学校和方式（不需登录）", n=placed)),
        Item(
            "warn",
            _(
                "本局信息尚未填写%(what)s：公示页和介绍信上将缺少这些内容。请先在“本局信息”页填写。",
                what="、".join(missing),
            ),
        )
        if missing
        else Item("ok", _("公示页和介绍信使用本局信息中的单位名称、联系方式和文号")),
        (
            Item("ok", _("%(n)s名报名教师未被聘任，留在原校，不出现在公示中", n=unplaced))
            if round_.procedure == "competition"
            else Item("warn", _("%(n)s名教师未安排交流学校，不出现在公示中", n=unplaced))
        )
        if unplaced
        else Item("ok", _("全部教师均已安排")),
        Item("ok", _("行政指定中有%(n)s项人工调整，调整理由记入审计日志，不公示", n=changed)),
        Item("ok", _("公示后，每位教师的交流经历记入档案，介绍信可以打印；之后只能以写明理由的更正重新公示")),
    ]


def arrangement_checklist(round_: Round) -> list[Item]:
    """Before the bureau's arrangement (no fair): the lists and posts it arranges over."""
    items = list(open_checklist(round_))
    items.append(
        Item("ok", _("不举行洽谈会：全部流出教师按行政指定的规则安排到各校申报的岗位，教育局可逐人调整（须写明理由）"))
    )
    return items


def competition_checklist(round_: Round) -> list[Item]:
    """跨校竞聘: posts published, applications approved, 竞聘意愿 submitted, scores submitted."""
    posts = db.session.scalars(select(Post).where(Post.round_id == round_.id, Post.seats > 0)).all()
    entries = db.session.scalars(
        select(Outgoing).where(Outgoing.round_id == round_.id, Outgoing.how == "competition")
    ).all()
    approved = [e for e in entries if e.confirmed]
    pending = len(entries) - len(approved)
    items = [
        Item(
            "ok" if posts else "warn",
            _(
                "%(n)s所缺编学校发布了%(p)s个岗位，共%(s)s个名额",
                n=len({p.school_id for p in posts}),
                p=len(posts),
                s=sum(p.seats for p in posts),
            )
            if posts
            else _("还没有缺编学校发布竞聘岗位"),
        ),
        Item("ok", _("%(n)s名教师的竞聘申请已经本校同意", n=len(approved))),
    ]
    if pending:
        items.append(Item("warn", _("%(n)s份竞聘申请尚待本校同意（未同意的不能填报竞聘意愿）", n=pending)))
    if round_.state in ("fair_open", "fair_closed", "matched"):
        submitted = set(
            db.session.scalars(
                select(PreferenceList.teacher_id).where(
                    PreferenceList.round_id == round_.id, PreferenceList.submitted_at.is_not(None)
                )
            )
        )
        missing = [e for e in approved if e.teacher_id not in submitted]
        items.append(
            Item("warn", _("%(n)s/%(t)s名已同意的教师尚未提交竞聘意愿", n=len(missing), t=len(approved)))
            if missing
            else Item("ok", _("已同意的%(t)s名教师均已提交竞聘意愿", t=len(approved)))
        )
    if round_.state in ("fair_closed", "matched"):
        schools = _unsubmitted_rankings(round_)
        items.append(
            Item(
                "warn",
                _(
                    "以下学校的考核成绩未提交，运行时其申请者按同一档次处理（抽签决定先后）：%(names)s",
                    names=_names(schools),
                ),
            )
            if schools
            else Item("ok", _("有报名者的岗位均已提交考核成绩"))
        )
        items.append(Item("ok", _("未被聘任的教师留在原校，不作行政指定")))
    return items


def checklist(round_: Round) -> list[Item]:
    """The checklist of the step the round is at, in its procedure."""
    if round_.procedure == "arrangement" and round_.state in ("preparing", "matched"):
        return arrangement_checklist(round_)
    if round_.procedure == "competition" and round_.state in ("preparing", "fair_open", "fair_closed", "matched"):
        return competition_checklist(round_)
    if round_.state == "preparing":
        return open_checklist(round_)
    if round_.state == "fair_open":
        return close_checklist(round_)
    if round_.state in ("fair_closed", "matched"):
        return run_checklist(round_)
    if round_.state == "assigned":
        return publish_checklist(round_)
    return []
