"""Before the fair (docs/domain.md steps 1-4): eligibility, quotas, outgoing lists, posts, checks.

Every decision comes with its reason in words, so that it can be explained to the teacher it
concerns: eligibility (应交流对象) from the round's policy, each school's quota (交流比例), the
ordering rule of seed 000 篇一 (longest continuous service at the school, then the earliest
intermediate-or-higher title, then the closest to retirement), the panel vote (> 2/3), the
receiving posts (先流出再流入) and the policy warnings the bureau reads before the fair.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..core.clock import local_today, utcnow
from ..core.vocab import EXEMPTIONS, GENDERS, TITLE_ORDER
from ..extensions import db
from ..roster.models import School, Teacher
from .models import Outgoing, Post, Round, SchoolRound


class PreparationError(Exception):
    """A step the rules or the calendar do not allow; the message is for the user."""


# -- dates ----------------------------------------------------------------------------------


def cutoff_date(round_: Round) -> dt.date:
    """The date at which years and ages are counted (policy ``cutoff``, in the round's year)."""
    month, day = (int(x) for x in round_.policy.get("cutoff", "08-31").split("-"))
    return dt.date(round_.year, month, min(day, 28 if month == 2 else day))


def full_years(start: dt.date, end: dt.date) -> int:
    """Whole years from ``start`` to ``end`` (a birthday or anniversary on ``end`` counts)."""
    years = end.year - start.year - ((end.month, end.day) < (start.month, start.day))
    return max(years, 0)


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


# -- eligibility ----------------------------------------------------------------------------


@dataclass
class Eligibility:
    """Whether a teacher must rotate this year (应交流对象), and why, in words."""

    teacher: Teacher
    status: str  # eligible | not_eligible | exempt
    reasons: list[str]
    years_at_school: int
    age: int
    retirement: dt.date
    years_to_retirement: int
    exemption_pending: bool = False

    @property
    def eligible(self) -> bool:
        return self.status == "eligible"

    @property
    def text(self) -> str:
        return "；".join(self.reasons)


def assess(teacher: Teacher, round_: Round) -> Eligibility:
    """Apply the round's policy to one teacher."""
    policy = round_.policy
    cutoff = cutoff_date(round_)
    years = full_years(teacher.started_at_school, cutoff)
    age = full_years(teacher.birth_date, cutoff)
    retire_age = policy["retirement_age_male"] if teacher.gender == "M" else policy["retirement_age_female"]
    retirement = _add_years(teacher.birth_date, retire_age)
    to_retirement = full_years(cutoff, retirement) if retirement > cutoff else 0
    required = policy["years_at_school"]
    reasons: list[str] = []
    ok = True
    if years >= required:
        reasons.append(_("在本校连续任教%(years)s年，已满%(required)s年", years=years, required=required))
    else:
        ok = False
        reasons.append(_("在本校连续任教%(years)s年，未满%(required)s年", years=years, required=required))
    minimum = policy["min_years_to_retirement"]
    if to_retirement >= minimum:
        reasons.append(_("距法定退休%(years)s年", years=to_retirement))
    else:
        ok = False
        reasons.append(_("距法定退休%(years)s年，不足%(required)s年", years=to_retirement, required=minimum))
    cap = policy.get("age_cap_male") if teacher.gender == "M" else policy.get("age_cap_female")
    if cap and age >= cap:
        ok = False
        reasons.append(
            _("年龄%(age)s岁，已达%(gender)s教师%(cap)s岁上限", age=age, gender=GENDERS[teacher.gender], cap=cap)
        )
    status = "eligible" if ok else "not_eligible"
    pending = False
    if teacher.exemption:
        label = EXEMPTIONS.get(teacher.exemption, teacher.exemption)
        if teacher.exemption_approved:
            status = "exempt"
            reasons.append(_("暂不交流：%(reason)s（教育局已审核）", reason=label))
        else:
            pending = True
            reasons.append(_("已申请暂不交流（%(reason)s），待教育局审核", reason=label))
    return Eligibility(teacher, status, reasons, years, age, retirement, to_retirement, pending)


def school_teachers(school_id: int) -> list[Teacher]:
    return list(db.session.scalars(select(Teacher).where(Teacher.school_id == school_id).order_by(Teacher.staff_no)))


def assess_school(round_: Round, school_id: int) -> list[Eligibility]:
    return [assess(t, round_) for t in school_teachers(school_id)]


# -- the ordering rule ----------------------------------------------------------------------


def _intermediate_title_date(teacher: Teacher) -> dt.date:
    if teacher.title_date and TITLE_ORDER.index(teacher.title) >= TITLE_ORDER.index("intermediate"):
        return teacher.title_date
    return dt.date.max  # no intermediate-or-higher title: after everyone who has one


def ordering_key(item: Eligibility):
    """Seed 000 篇一: longest continuous service first, then the earliest intermediate-or-higher
    title, then the closest to retirement; the 工号 breaks a complete tie, visibly."""
    t = item.teacher
    return (t.started_at_school, _intermediate_title_date(t), item.retirement, t.staff_no)


def ordering_reason(item: Eligibility) -> str:
    title_date = _intermediate_title_date(item.teacher)
    title = title_date.isoformat() if title_date != dt.date.max else _("无中级以上职称")
    return _(
        "到校 %(start)s；中级以上职称 %(title)s；退休 %(retire)s",
        start=item.teacher.started_at_school.isoformat(),
        title=title,
        retire=item.retirement.isoformat(),
    )


# -- quotas ---------------------------------------------------------------------------------


def _round(value: float, how: str) -> int:
    if how == "ceil":
        return math.ceil(value - 1e-9)
    if how == "floor":
        return math.floor(value + 1e-9)
    return math.floor(value + 0.5 + 1e-9)  # 四舍五入, not banker's rounding


@dataclass
class Quota:
    school: School
    eligible: int
    eligible_backbone: int
    rate: float
    quota: int
    backbone_quota: int
    listed: int = 0
    listed_backbone: int = 0
    submitted: bool = False
    by_subject: dict[str, int] = field(default_factory=dict)  # eligible teachers per subject

    @property
    def shortfall(self) -> int:
        return max(0, self.quota - self.listed)

    @property
    def backbone_shortfall(self) -> int:
        return max(0, self.backbone_quota - self.listed_backbone)


def school_quota(round_: Round, school: School, assessed: list[Eligibility] | None = None) -> Quota:
    """How many of the school must go out: rate × eligible, rounded as the policy says."""
    policy = round_.policy
    assessed = assess_school(round_, school.id) if assessed is None else assessed
    eligible = [a for a in assessed if a.eligible]
    backbone = [a for a in eligible if a.teacher.backbone]
    rate = (
        policy.get("quota_rate_strong")
        if school.tier == "strong" and policy.get("quota_rate_strong")
        else policy["quota_rate"]
    )
    quota = _round(rate * len(eligible), policy.get("rounding", "half_up"))
    if policy.get("backbone_rate"):
        backbone_quota = _round(policy["backbone_rate"] * len(backbone), policy.get("rounding", "half_up"))
    elif policy.get("backbone_share_min"):
        backbone_quota = math.ceil(policy["backbone_share_min"] * quota - 1e-9)
    else:
        backbone_quota = 0
    backbone_quota = min(backbone_quota, len(backbone), quota)
    by_subject: dict[str, int] = {}
    for a in eligible:
        by_subject[a.teacher.subject] = by_subject.get(a.teacher.subject, 0) + 1
    listed = confirmed_outgoing(round_, school.id)
    status = db.session.scalar(
        select(SchoolRound).where(SchoolRound.round_id == round_.id, SchoolRound.school_id == school.id)
    )
    return Quota(
        school,
        len(eligible),
        len(backbone),
        rate,
        quota,
        backbone_quota,
        len(listed),
        sum(1 for o in listed if o.teacher.backbone),
        bool(status and status.outgoing_submitted_at),
        by_subject,
    )


def all_quotas(round_: Round) -> list[Quota]:
    schools = db.session.scalars(select(School).order_by(School.zone, School.code)).all()
    return [school_quota(round_, s) for s in schools]


# -- outgoing lists -------------------------------------------------------------------------


def outgoing_of(round_: Round, school_id: int) -> list[Outgoing]:
    return list(
        db.session.scalars(
            select(Outgoing)
            .join(Teacher)
            .where(Outgoing.round_id == round_.id, Teacher.school_id == school_id)
            .order_by(Teacher.staff_no)
        )
    )


def confirmed_outgoing(round_: Round, school_id: int) -> list[Outgoing]:
    return [o for o in outgoing_of(round_, school_id) if o.confirmed]


def school_round(round_: Round, school_id: int) -> SchoolRound:
    status = db.session.scalar(
        select(SchoolRound).where(SchoolRound.round_id == round_.id, SchoolRound.school_id == school_id)
    )
    if status is None:
        status = SchoolRound(round_id=round_.id, school_id=school_id)
        db.session.add(status)
        db.session.flush()
    return status


def _require_lists_open(round_: Round, school_id: int, today: dt.date | None = None) -> None:
    if round_.state != "preparing":
        raise PreparationError(_("洽谈会已开放，流出名单不能再修改。"))
    today = today or local_today()
    if round_.lists_due and today > round_.lists_due:
        raise PreparationError(_("流出名单已于 %(date)s 截止报送。", date=round_.lists_due.isoformat()))
    status = db.session.scalar(
        select(SchoolRound).where(SchoolRound.round_id == round_.id, SchoolRound.school_id == school_id)
    )
    if status and status.outgoing_submitted_at:
        raise PreparationError(_("本校流出名单已报送教育局，如需修改请联系教育局退回。"))


def volunteer(round_: Round, teacher: Teacher, today: dt.date | None = None) -> Outgoing:
    """A teacher applies to rotate (自主申报): eligible or not, they may volunteer."""
    _require_lists_open(round_, teacher.school_id, today)
    item = assess(teacher, round_)
    if item.status == "exempt":
        raise PreparationError(_("您已获准暂不交流，无需申报。"))
    existing = db.session.scalar(
        select(Outgoing).where(Outgoing.round_id == round_.id, Outgoing.teacher_id == teacher.id)
    )
    if existing:
        raise PreparationError(_("您已在本年度流出名单中。"))
    entry = Outgoing(round_id=round_.id, teacher_id=teacher.id, how="volunteer", confirmed=False)
    db.session.add(entry)
    db.session.flush()
    return entry


def withdraw(round_: Round, teacher: Teacher, today: dt.date | None = None) -> None:
    _require_lists_open(round_, teacher.school_id, today)
    entry = db.session.scalar(select(Outgoing).where(Outgoing.round_id == round_.id, Outgoing.teacher_id == teacher.id))
    if entry is None or entry.how != "volunteer":
        raise PreparationError(_("只能撤回本人的自主申报。"))
    db.session.delete(entry)
    db.session.flush()


def record_vote(round_: Round, teacher: Teacher, members: int, yes: int, today: dt.date | None = None) -> Outgoing:
    """The recommendation panel's vote on a nominee: chosen when yes > 2/3 of the voting members."""
    _require_lists_open(round_, teacher.school_id, today)
    if members < 1 or yes < 0 or yes > members:
        raise PreparationError(_("投票人数不对：赞成票应在0到参加投票人数之间。"))
    item = assess(teacher, round_)
    if item.status == "exempt":
        raise PreparationError(_("%(name)s已获准暂不交流，不能推荐。", name=teacher.name))
    threshold = round_.policy.get("vote_threshold", 2 / 3)
    chosen = yes > threshold * members + 1e-9
    entry = db.session.scalar(select(Outgoing).where(Outgoing.round_id == round_.id, Outgoing.teacher_id == teacher.id))
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
    return entry


def apply_ordering_rule(round_: Round, school: School, today: dt.date | None = None) -> list[Outgoing]:
    """Complete the list to the quota by the ordering rule.

    Too many volunteers: the rule picks the quota among them. Too few: volunteers and chosen
    nominees stay, and the rule adds the next eligible teachers. Returns the final list.
    """
    _require_lists_open(round_, school.id, today)
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
    return confirmed_outgoing(round_, school.id)


def submit_outgoing(round_: Round, school: School, now: dt.datetime | None = None) -> SchoolRound:
    """The school office meeting confirms the list and reports it to the bureau (校办公会确认)."""
    _require_lists_open(round_, school.id)
    status = school_round(round_, school.id)
    status.outgoing_submitted_at = now or utcnow()
    db.session.flush()
    return status


def return_outgoing(round_: Round, school: School) -> SchoolRound:
    """The bureau sends a submitted list back to the school for changes."""
    if round_.state != "preparing":
        raise PreparationError(_("洽谈会已开放，流出名单不能再修改。"))
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


def set_exemption(teacher: Teacher, code: str, reason: str) -> Teacher:
    if code and code not in EXEMPTIONS:
        raise PreparationError(_("暂不交流的理由不在可选范围内。"))
    if code and not reason.strip():
        raise PreparationError(_("请写明暂不交流的具体情况。"))
    teacher.exemption, teacher.exemption_reason, teacher.exemption_approved = code, reason.strip(), False
    db.session.flush()
    return teacher


def decide_exemption(teacher: Teacher, approve: bool) -> Teacher:
    """The bureau approves or rejects a recorded exemption."""
    if not teacher.exemption:
        raise PreparationError(_("该教师没有暂不交流申请。"))
    if approve:
        teacher.exemption_approved = True
    else:
        teacher.exemption, teacher.exemption_reason, teacher.exemption_approved = "", "", False
    db.session.flush()
    return teacher


# -- receiving posts ------------------------------------------------------------------------


def propose_posts(round_: Round) -> int:
    """先流出再流入: each school receives, subject by subject, as many as it sends out.

    Creates or updates the seats of every (school, subject) with confirmed outgoing teachers;
    the bureau edits them afterwards. Returns the number of posts touched.
    """
    if round_.state != "preparing":
        raise PreparationError(_("洽谈会开放后不能再调整名额。"))
    rows = db.session.execute(
        select(Teacher.school_id, Teacher.subject, func.count())
        .join(Outgoing, Outgoing.teacher_id == Teacher.id)
        .where(Outgoing.round_id == round_.id, Outgoing.confirmed.is_(True))
        .group_by(Teacher.school_id, Teacher.subject)
    ).all()
    posts = {(p.school_id, p.subject): p for p in db.session.scalars(select(Post).where(Post.round_id == round_.id))}
    for school_id, subject, count in rows:
        post = posts.get((school_id, subject))
        if post is None:
            db.session.add(Post(round_id=round_.id, school_id=school_id, subject=subject, seats=count))
        elif not post.confirmed:
            post.seats = count
    db.session.flush()
    return len(rows)


def set_seats(round_: Round, school_id: int, subject: str, seats: int) -> Post:
    if round_.state != "preparing":
        raise PreparationError(_("洽谈会开放后不能再调整名额。"))
    if seats < 0 or seats > 500:
        raise PreparationError(_("名额应在0到500之间。"))
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
    if post.round.state != "preparing":
        raise PreparationError(_("洽谈会开放后不能再修改岗位。"))
    if backbone_seats < 0 or backbone_seats > post.seats:
        raise PreparationError(_("骨干教师名额不能超过该岗位名额。"))
    post.min_education, post.min_title, post.honours = min_education, min_title, honours.strip()[:128]
    post.backbone_seats, post.note, post.confirmed = backbone_seats, note.strip(), True
    db.session.flush()
    return post


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


# -- policy checks --------------------------------------------------------------------------


@dataclass
class Warning_:
    level: str  # warn | ok
    message: str


def policy_checks(round_: Round, quotas: list[Quota] | None = None) -> list[Warning_]:
    """The warnings the bureau reads before the fair."""
    quotas = all_quotas(round_) if quotas is None else quotas
    policy = round_.policy
    out: list[Warning_] = []
    listed = db.session.scalars(
        select(Outgoing).where(Outgoing.round_id == round_.id, Outgoing.confirmed.is_(True))
    ).all()
    total = len(listed)
    backbone = sum(1 for o in listed if o.teacher.backbone)
    share = backbone / total if total else 0.0
    if policy.get("backbone_share_min"):
        ok = share >= policy["backbone_share_min"]
        out.append(
            Warning_(
                "ok" if ok else "warn",
                _(
                    "骨干教师占流出人数 %(share)s%%（%(b)s/%(t)s），要求不低于 %(min)s%%",
                    share=round(share * 100, 1),
                    b=backbone,
                    t=total,
                    min=round(policy["backbone_share_min"] * 100),
                ),
            )
        )
    short = [q for q in quotas if q.backbone_shortfall]
    if policy.get("backbone_rate"):
        out.append(
            Warning_(
                "warn" if short else "ok",
                _("%(n)s所学校流出骨干教师少于骨干交流名额", n=len(short))
                if short
                else _("各校流出骨干教师均达到骨干交流名额"),
            )
        )
    over = []
    cap = policy.get("leadership_cap", 0.3)
    for q in quotas:
        leaders = sum(1 for o in confirmed_outgoing(round_, q.school.id) if o.teacher.leadership_role)
        if leaders and q.school.leadership_size and leaders > cap * q.school.leadership_size + 1e-9:
            over.append(f"{q.school.name}（{leaders}/{q.school.leadership_size}）")
    out.append(
        Warning_(
            "warn" if over else "ok",
            _("领导班子同时交流超过%(cap)s%%：%(schools)s", cap=round(cap * 100), schools="、".join(over))
            if over
            else _("各校领导班子同时交流均未超过%(cap)s%%", cap=round(cap * 100)),
        )
    )
    tier = {q.school.id: q.school.tier for q in quotas}
    strong_backbone = sum(1 for o in listed if o.teacher.backbone and tier.get(o.teacher.school_id) == "strong")
    other_backbone = backbone - strong_backbone
    ok = strong_backbone > other_backbone
    out.append(
        Warning_(
            "ok" if ok else "warn",
            _(
                "骨干教师逆交流预测：优质学校流出骨干%(s)s人，一般和薄弱学校流出骨干%(o)s人（前者须多于后者）",
                s=strong_backbone,
                o=other_backbone,
            ),
        )
    )
    shortfall = [q for q in quotas if q.shortfall]
    out.append(
        Warning_(
            "warn" if shortfall else "ok",
            _("%(n)s所学校流出人数未达名额，共差%(d)s人", n=len(shortfall), d=sum(q.shortfall for q in shortfall))
            if shortfall
            else _("各校流出人数均已达到名额"),
        )
    )
    return out
