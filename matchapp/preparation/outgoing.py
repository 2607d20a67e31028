"""Changing the outgoing lists (当年流出名单): volunteers, the panel's votes, the ordering rule,
the school's submission to the bureau, and exemptions (暂不交流)."""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..accounts.services import ensure_teacher_account
from ..core.clock import add_years, local_today, utcnow
from ..core.dates import day
from ..core.errors import Refused
from ..core.vocab import EXEMPTIONS
from ..extensions import db
from ..roster.models import School, Teacher, TeacherExemption
from ..rounds.calendar import cutoff_date
from ..rounds.models import Round
from ..rounds.states import require
from .eligibility import ordering_key, ordering_reason
from .history import deferral_limit
from .lists import (
    assess_school,
    assess_teacher,
    confirmed_outgoing,
    outgoing_entry,
    outgoing_of,
    school_round,
    submitted_at,
)
from .models import Outgoing, SchoolRound
from .quotas import school_quota
from .rules import deadline_passed, vote_chosen


class PreparationError(Refused):
    """A step the rules or the calendar do not allow; the message is for the user."""


def require_lists_open(round_: Round, school_id: int, today: dt.date | None = None) -> None:
    require(round_, "edit_lists")
    if deadline_passed(round_.lists_due, today or local_today()):
        raise PreparationError(_("流出名单已于 %(date)s 截止报送。", date=str(round_.lists_due)))
    if submitted_at(round_, school_id):
        raise PreparationError(_("本校流出名单已报送教育局，如需修改请联系教育局退回。"))


def volunteer(round_: Round, teacher: Teacher, today: dt.date | None = None) -> Outgoing:
    """A teacher applies to rotate (自主申报): eligible or not, they may volunteer."""
    require_lists_open(round_, teacher.school_id, today)
    assessed = assess_teacher(teacher, round_)
    if assessed.held:  # on an exchange of an earlier year (issue 12)
        raise PreparationError(assessed.held)
    if assessed.status == "exempt":
        raise PreparationError(_("您已获准暂不交流，无需申报。"))
    if outgoing_entry(round_, teacher):
        raise PreparationError(_("您已在本年度流出名单中。"))
    entry = Outgoing(round_id=round_.id, teacher_id=teacher.id, how="volunteer", confirmed=False)
    db.session.add(entry)
    db.session.flush()
    return entry


def withdraw(round_: Round, teacher: Teacher, today: dt.date | None = None) -> None:
    require_lists_open(round_, teacher.school_id, today)
    entry = outgoing_entry(round_, teacher)
    if entry is None or entry.how != "volunteer":
        raise PreparationError(_("只能撤回本人的自主申报。"))
    db.session.delete(entry)
    db.session.flush()


def record_vote(round_: Round, teacher: Teacher, members: int, yes: int, today: dt.date | None = None) -> Outgoing:
    """The recommendation panel's vote on a nominee: chosen when yes > 2/3 of the voting members."""
    require_lists_open(round_, teacher.school_id, today)
    if members < 1 or yes < 0 or yes > members:
        raise PreparationError(_("投票人数不对：赞成票应在0到参加投票人数之间。"))
    assessed = assess_teacher(teacher, round_)
    if assessed.held:  # on an exchange of an earlier year (issue 12)
        raise PreparationError(f"{teacher.name}：{assessed.held}")
    if assessed.status == "exempt":
        raise PreparationError(_("%(name)s已获准暂不交流，不能推荐。", name=teacher.name))
    chosen = vote_chosen(yes, members, round_.policy.get("vote_threshold", 2 / 3))
    entry = outgoing_entry(round_, teacher)
    if entry is None:
        entry = Outgoing(round_id=round_.id, teacher_id=teacher.id, how="vote")
        db.session.add(entry)
    entry.how, entry.vote_members, entry.vote_yes, entry.confirmed = "vote", members, yes, chosen
    entry.note = _(
        "推荐小组%(members)s人投票，赞成%(yes)s票，%(result)s",
        members=members,
        yes=yes,
        result=_("超过三分之二，当选") if chosen else _("未超过三分之二，未当选"),
    )
    db.session.flush()
    if chosen:
        ensure_teacher_account(teacher)  # on the list: the teacher will sign in to rank schools
    return entry


def apply_ordering_rule(round_: Round, school: School, today: dt.date | None = None) -> list[Outgoing]:
    """Complete the list to the quota by the ordering rule (seed 000 篇一).

    Too many volunteers: the rule picks the quota among them. Too few: volunteers and chosen
    nominees stay, and the rule adds the next eligible teachers. Returns the final list.
    """
    require_lists_open(round_, school.id, today)
    assessed = assess_school(round_, school.id)
    by_teacher = {a.teacher.id: a for a in assessed}
    quota = school_quota(round_, school, assessed).quota
    entries = outgoing_of(round_, school.id)
    volunteers = sorted(
        (o for o in entries if o.how == "volunteer"), key=lambda o: ordering_key(by_teacher[o.teacher_id])
    )
    fixed = [o for o in entries if o.how in ("vote", "bureau") and o.confirmed]
    for o in entries:
        if o.how == "rule":
            db.session.delete(o)
    room = max(0, quota - len(fixed))
    for k, o in enumerate(volunteers):
        o.confirmed = k < room
        o.note = "" if o.confirmed else _("自主申报人数超过名额，按排序规则未入选")
    taken = {o.teacher_id for o in entries if o.how != "rule"}
    need = room - min(room, len(volunteers))
    candidates = sorted((a for a in assessed if a.eligible and a.teacher.id not in taken), key=ordering_key)
    for a in candidates[:need]:
        db.session.add(
            Outgoing(
                round_id=round_.id,
                teacher_id=a.teacher.id,
                how="rule",
                confirmed=True,
                note=_("按排序规则确定：%(why)s", why=ordering_reason(a)),
            )
        )
    db.session.flush()
    final = confirmed_outgoing(round_, school.id)
    for entry in final:
        ensure_teacher_account(entry.teacher)  # on the list: the teacher will sign in to rank schools
    return final


def submit_outgoing(round_: Round, school: School, now: dt.datetime | None = None) -> SchoolRound:
    """The school office meeting confirms the list and reports it to the bureau (校办公会确认)."""
    require_lists_open(round_, school.id)
    status = school_round(round_, school.id)
    status.outgoing_submitted_at = now or utcnow()
    db.session.flush()
    return status


def return_outgoing(round_: Round, school: School) -> SchoolRound:
    """The bureau sends a submitted list back to the school for changes."""
    require(round_, "edit_lists")
    status = school_round(round_, school.id)
    status.outgoing_submitted_at = None
    db.session.flush()
    return status


def publish_eligibility(round_: Round, school: School, now: dt.datetime | None = None) -> SchoolRound:
    """Publish the school's list of teachers due to rotate (应交流对象名单公示)."""
    status = school_round(round_, school.id)
    status.eligibility_published_at = now or utcnow()
    db.session.flush()
    return status


def exemption_of(round_: Round, teacher: Teacher) -> TeacherExemption | None:
    """The teacher's exemption for this round's year (暂不交流 is decided each year)."""
    return db.session.scalar(
        select(TeacherExemption).where(TeacherExemption.teacher_id == teacher.id, TeacherExemption.year == round_.year)
    )


def set_exemption(
    round_: Round, teacher: Teacher, code: str, reason: str, until: dt.date | None = None
) -> TeacherExemption | None:
    """The school records (or withdraws, with an empty code) a teacher's exemption for this
    year, for the bureau to approve. A signature-course deferral needs its end date, after this
    year's cutoff and at most the policy's ``signature_deferral_years`` after the cutoff of the
    year it was first granted (seed 000 篇三 "延长时间原则上不超过3年")."""
    require(round_, "edit_lists")
    existing = exemption_of(round_, teacher)
    if not code:
        if existing is not None:
            db.session.delete(existing)
            db.session.flush()
        return None
    if code not in EXEMPTIONS:
        raise PreparationError(_("暂不交流的理由不在可选范围内。"))
    if not reason.strip():
        raise PreparationError(_("请写明暂不交流的具体情况。"))
    if code == "signature_course":
        cutoff = cutoff_date(round_)
        if until is None:
            raise PreparationError(_("特色课程领衔教师暂缓交流须写明截止日期。"))
        if until <= cutoff:
            raise PreparationError(_("暂缓截止日期应在本年度计算截止日（%(cutoff)s）之后。", cutoff=day(cutoff)))
        first = db.session.scalar(
            select(func.min(TeacherExemption.year)).where(
                TeacherExemption.teacher_id == teacher.id,
                TeacherExemption.code == "signature_course",
                TeacherExemption.approved.is_(True),
                TeacherExemption.year < round_.year,
            )
        )
        first_cutoff = add_years(cutoff, first - round_.year) if first else cutoff
        limit = deferral_limit(first_cutoff, round_.policy)
        if until > limit:
            raise PreparationError(
                _(
                    "特色课程领衔教师暂缓交流累计不超过%(n)s年：自%(start)s起，最晚至%(limit)s。",
                    n=round_.policy.get("signature_deferral_years") or 3,
                    start=day(first_cutoff),
                    limit=day(limit),
                )
            )
    else:
        until = None
    if existing is None:
        existing = TeacherExemption(teacher_id=teacher.id, year=round_.year, code=code)
        db.session.add(existing)
    existing.code, existing.reason, existing.until = code, reason.strip(), until
    existing.approved, existing.requested_at, existing.decided_at = False, utcnow(), None
    db.session.flush()
    return existing


def decide_exemption(round_: Round, teacher: Teacher, approve: bool) -> TeacherExemption | None:
    """The bureau approves or rejects a teacher's exemption for this year."""
    exemption = exemption_of(round_, teacher)
    if exemption is None:
        raise PreparationError(_("该教师没有本年度的暂不交流申请。"))
    if approve:
        exemption.approved, exemption.decided_at = True, utcnow()
        db.session.flush()
        return exemption
    db.session.delete(exemption)
    db.session.flush()
    return None


def pending_exemptions(round_: Round) -> list[TeacherExemption]:
    return list(
        db.session.scalars(
            select(TeacherExemption).where(TeacherExemption.year == round_.year, TeacherExemption.approved.is_(False))
        )
    )


def round_exemptions(round_: Round) -> list[TeacherExemption]:
    """This year's exemptions (pending first), then the signature-course deferrals of earlier
    years still running at this year's cutoff: the bureau's list for the year."""
    this_year = db.session.scalars(
        select(TeacherExemption)
        .join(Teacher, Teacher.id == TeacherExemption.teacher_id)
        .where(TeacherExemption.year == round_.year)
        .order_by(TeacherExemption.approved, Teacher.school_id, Teacher.staff_no)
    ).all()
    decided = {e.teacher_id for e in this_year}
    running = db.session.scalars(
        select(TeacherExemption)
        .join(Teacher, Teacher.id == TeacherExemption.teacher_id)
        .where(
            TeacherExemption.year < round_.year,
            TeacherExemption.code == "signature_course",
            TeacherExemption.approved.is_(True),
            TeacherExemption.until > cutoff_date(round_),
        )
        .order_by(Teacher.school_id, Teacher.staff_no, TeacherExemption.year.desc())
    ).all()
    continuing: dict[int, TeacherExemption] = {}
    for e in running:
        if e.teacher_id not in decided:
            continuing.setdefault(e.teacher_id, e)
    return [*this_year, *continuing.values()]
