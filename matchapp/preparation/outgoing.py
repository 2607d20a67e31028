"""Changing the outgoing lists (当年流出名单): volunteers, the panel's votes, the ordering rule,
the bureau's approval, the school's submission to the bureau, and exemptions (暂不交流).

Who may be on a final list: a teacher who is due (应交流对象), a volunteer (自主申报: seed 000 篇一
"不属于交流轮岗对象但…个人有意愿流动的…经学校和教育局批准后可纳入交流对象", 000 篇三 "男55周岁、
女50周岁以上教师，经本人申请，学校同意，也可参加"), or a teacher the bureau approved (000 篇四
"其他教师因本校流动范围之内教师轮岗交流出现难以安排的情况，也须交流", with the bureau's written
reason). The panel's vote and the ordering rule choose only among the teachers who are due
(000 篇一 "不足的则依次采取以下办法从交流对象中确定"); a vote on a teacher who is not due is refused.

School leaders (校级领导) are placed by the bureau's appointment (000 篇一 "校长轮岗按照干部任用的
规定，根据工作需要统筹安排"): neither the panel nor the ordering rule puts them on a list, only the
bureau does, and never more than the policy's share of a leadership team at once (000 篇一
"同一学校班子成员每次轮岗人数一般不超过班子成员的30%", 002 方案1).
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

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
from ..rounds.policy import format_share
from ..rounds.states import require
from .eligibility import Eligibility, is_leader, ordering_key, ordering_reason
from .history import deferral_limit
from .lists import (
    assess_school,
    assess_teacher,
    confirmed_leaders,
    confirmed_outgoing,
    leadership_team_size,
    outgoing_entry,
    outgoing_of,
    school_round,
    submitted_at,
)
from .models import Outgoing, SchoolRound
from .quotas import school_quota
from .rules import deadline_passed, leadership_over_cap, share, vote_chosen

MAX_REASON = 500


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
    """The recommendation panel's vote on a nominee: chosen when yes > the policy's share (2/3) of
    the voting members. Only a teacher who is due may be nominated."""
    require_lists_open(round_, teacher.school_id, today)
    if members < 1 or yes < 0 or yes > members:
        raise PreparationError(_("投票人数不对：赞成票应在0到参加投票人数之间。"))
    item = assess_teacher(teacher, round_)
    if item.held:  # on an exchange of an earlier year (issue 12)
        raise PreparationError(f"{teacher.name}：{item.held}")
    if item.status == "exempt":
        raise PreparationError(_("%(name)s已获准暂不交流，不能推荐。", name=teacher.name))
    if item.track == "leader":
        raise PreparationError(
            _("%(name)s是校级领导，按干部任用规定由教育局安排，不经推荐小组投票。", name=teacher.name)
        )
    if not item.eligible:
        raise PreparationError(
            _(
                "%(name)s不属于本年度应交流对象（%(why)s），推荐小组不能推荐；本人可自主申报，或由教育局审批列入。",
                name=teacher.name,
                why=item.text,
            )
        )
    threshold = round_.policy.get("vote_threshold", 2 / 3)
    chosen = vote_chosen(yes, members, threshold)
    entry = outgoing_entry(round_, teacher)
    if entry is None:
        entry = Outgoing(round_id=round_.id, teacher_id=teacher.id, how="vote")
        db.session.add(entry)
    entry.how, entry.vote_members, entry.vote_yes, entry.confirmed = "vote", members, yes, chosen
    entry.note = _(
        "推荐小组%(members)s人投票，赞成%(yes)s票，%(result)s",
        members=members,
        yes=yes,
        result=(_("超过三分之二，当选") if chosen else _("未超过三分之二，未当选"))
        if share(threshold) == Fraction(2, 3)
        else (
            _("超过%(share)s，当选", share=format_share(threshold))
            if chosen
            else _("未超过%(share)s，未当选", share=format_share(threshold))
        ),
    )
    db.session.flush()
    if chosen:
        ensure_teacher_account(teacher)  # on the list: the teacher will sign in to rank schools
    return entry


def _fill(
    quota: int | None, fixed: int, volunteers: list[Outgoing], candidates: list[Eligibility], round_: Round
) -> None:
    """Confirm volunteers and add teachers by the rule until ``quota`` (None: every volunteer, no one added)."""
    room = len(volunteers) if quota is None else max(0, quota - fixed)
    for k, o in enumerate(volunteers):
        o.confirmed = k < room
        o.note = "" if o.confirmed else _("自主申报人数超过名额，按排序规则未入选")
    need = 0 if quota is None else room - min(room, len(volunteers))
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


def apply_ordering_rule(round_: Round, school: School, today: dt.date | None = None) -> list[Outgoing]:
    """Complete the list to the quota by the ordering rule (seed 000 篇一) — subject by subject when
    the policy issues quotas by subject and the bureau has issued the school's.

    Too many volunteers: the rule picks the quota among them (those who are due first). Too few:
    volunteers and chosen nominees stay, and the rule adds the next teachers who are due — never
    one who is not due, exempt, or a school leader. A nominee who is no longer due (the policy or
    the roster changed since the vote) loses the place. Returns the final list.
    """
    require_lists_open(round_, school.id, today)
    assessed = assess_school(round_, school.id)
    by_teacher = {a.teacher.id: a for a in assessed}
    school_quota_ = school_quota(round_, school, assessed)
    quota = school_quota_.quota
    entries = outgoing_of(round_, school.id)
    for o in entries:
        if o.how == "rule":
            db.session.delete(o)
    db.session.flush()  # the deletions first: the rule may choose the same teacher again
    entries = [o for o in entries if o.how != "rule"]
    for o in entries:
        if o.how == "vote" and o.confirmed and not by_teacher[o.teacher_id].eligible:
            o.confirmed = False
            o.note = _("已不属于应交流对象（%(why)s），不再列入", why=by_teacher[o.teacher_id].text)
    volunteers = []
    for o in entries:
        if o.how != "volunteer":
            continue
        item = by_teacher[o.teacher_id]
        if item.track == "leader":
            o.confirmed, o.note = False, _("校级领导由教育局按干部任用规定安排，待教育局审批")
        elif item.status == "exempt":
            o.confirmed, o.note = False, _("已获准暂不交流")
        else:
            volunteers.append(o)
    volunteers.sort(key=lambda o: (not by_teacher[o.teacher_id].eligible, ordering_key(by_teacher[o.teacher_id])))
    fixed = [o for o in entries if o.how in ("vote", "bureau") and o.confirmed and not is_leader(o.teacher)]
    taken = {o.teacher_id for o in entries}
    candidates = sorted(
        (a for a in assessed if a.eligible and a.track == "teacher" and a.teacher.id not in taken), key=ordering_key
    )
    if round_.policy.get("quotas_by_subject") and school_quota_.issued:
        # 分学科下达 (000 篇一, 002 方案1): each subject to its own quota; a subject without one sends no one.
        issued = school_quota_.issued
        subjects = set(issued) | {o.teacher.subject for o in volunteers} | {o.teacher.subject for o in fixed}
        for subject in sorted(subjects):
            _fill(
                issued.get(subject, 0),
                sum(1 for o in fixed if o.teacher.subject == subject),
                [o for o in volunteers if o.teacher.subject == subject],
                [a for a in candidates if a.teacher.subject == subject],
                round_,
            )
    else:
        _fill(quota, len(fixed), volunteers, candidates, round_)
    db.session.flush()
    final = confirmed_outgoing(round_, school.id)
    for entry in final:
        ensure_teacher_account(entry.teacher)  # on the list: the teacher will sign in to rank schools
    return final


def require_leadership_room(round_: Round, teacher: Teacher) -> None:
    """Refuse a leader on the list when the team already has its share of leaders on it."""
    cap = round_.policy.get("leadership_cap")
    if cap is None or not is_leader(teacher):
        return
    team = leadership_team_size(teacher.school)
    others = confirmed_leaders(round_, teacher.school_id, besides=teacher.id)
    if leadership_over_cap(others + 1, team, cap):
        raise PreparationError(
            _(
                "%(school)s领导班子%(team)s人，同时交流不得超过%(cap)s；已有%(n)s人在名单中，不能再列入%(name)s。",
                school=teacher.school.name,
                team=team,
                cap=format_share(cap),
                n=others,
                name=teacher.name,
            )
        )


def bureau_approve(round_: Round, teacher: Teacher, reason: str) -> Outgoing:
    """The bureau puts a teacher on the school's list, with a written reason (audited): a teacher
    who is not due, or a school leader appointed by the bureau."""
    require(round_, "edit_lists")
    reason = (reason or "").strip()
    if not reason:
        raise PreparationError(_("请写明教育局审批列入的理由。"))
    if len(reason) > MAX_REASON:
        raise PreparationError(_("理由不能超过%(n)s字。", n=MAX_REASON))
    if assess_teacher(teacher, round_).status == "exempt":
        raise PreparationError(_("%(name)s已获准暂不交流；如需交流，请先撤销其暂不交流。", name=teacher.name))
    require_leadership_room(round_, teacher)
    entry = outgoing_entry(round_, teacher)
    if entry is None:
        entry = Outgoing(round_id=round_.id, teacher_id=teacher.id)
        db.session.add(entry)
    entry.how, entry.confirmed, entry.vote_members, entry.vote_yes = "bureau", True, None, None
    entry.note = _("教育局审批列入：%(reason)s", reason=reason)
    db.session.flush()
    ensure_teacher_account(teacher)
    return entry


def bureau_remove(round_: Round, teacher: Teacher) -> None:
    """The bureau takes back its own approval (only an entry it made)."""
    require(round_, "edit_lists")
    entry = outgoing_entry(round_, teacher)
    if entry is None or entry.how != "bureau":
        raise PreparationError(_("只能撤回教育局审批列入的教师。"))
    db.session.delete(entry)
    db.session.flush()


def list_problems(round_: Round, school_id: int) -> list[str]:
    """Teachers on the school's final list who may not be there: not due, not a volunteer and not
    approved by the bureau (the policy or the roster changed since), or exempt."""
    problems = []
    for o in confirmed_outgoing(round_, school_id):
        item = assess_teacher(o.teacher, round_)
        if item.status == "exempt":
            problems.append(_("%(name)s已获准暂不交流", name=o.teacher.name))
        elif o.how in ("vote", "rule") and not item.eligible:
            problems.append(_("%(name)s不属于应交流对象（%(why)s）", name=o.teacher.name, why=item.text))
    return problems


def submit_outgoing(round_: Round, school: School, now: dt.datetime | None = None) -> SchoolRound:
    """The school office meeting confirms the list and reports it to the bureau (校办公会确认).

    Refused while the list holds a teacher who may not be on it (see :func:`list_problems`)."""
    require_lists_open(round_, school.id)
    problems = list_problems(round_, school.id)
    if problems:
        raise PreparationError(
            _("名单中有不应列入的教师，请重新按排序规则确定后再报送：%(list)s", list="；".join(problems))
        )
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
        # Approved, the teacher leaves this year's final list (a list holds only teachers who go).
        entry = outgoing_entry(round_, teacher)
        if entry is not None and entry.confirmed:
            entry.confirmed, entry.note = False, _("已获准暂不交流")
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
