"""The fair (docs/domain.md steps 5-7): states, preferences, rankings, the run, assignment, publication.

The round moves preparing → fair_open → fair_closed → matched → assigned → published, and every
change is checked here, on the server: nothing is ranked outside the open fair, nothing is run
before the close, nothing changes after publication except by an audited correction with a reason.

The run turns the round into the engine's exchange format (``matchapp.instance/1``), solves and
certifies it, and writes the placements in the same transaction as the run record, which keeps
the exact instance text, the seed, the engine version and the SHA-256 of the input: anyone can
replay it with ``matchapp solve --assign`` and get the same result, byte for byte.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from algorithms import ENGINE_VERSION, explain_teacher, loads_instance, parse_result, result_bytes, solve

from ..core.clock import utcnow
from ..core.jobs import handler
from ..extensions import db
from ..roster.models import ExchangeRecord, School, Teacher
from ..rounds.models import Outgoing, Post, Round
from .models import Placement, PostRanking, PreferenceList, Run


class FairError(Exception):
    """Something the round's state, the calendar or the rules do not allow (message for the user)."""


# -- states ---------------------------------------------------------------------------------


def fair_is_open(round_: Round, now: dt.datetime | None = None) -> bool:
    """Open means the state says so and the closing time, if set, has not passed (server time)."""
    now = now or utcnow()
    return round_.state == "fair_open" and (round_.fair_closes_at is None or now < round_.fair_closes_at)


def _require_open(round_: Round, now: dt.datetime | None = None) -> None:
    if round_.state == "fair_open" and not fair_is_open(round_, now):
        raise FairError(_("洽谈会已于截止时间关闭，不能再修改。"))
    if round_.state != "fair_open":
        raise FairError(_("洽谈会未开放，不能填报或排序。"))


def open_fair(round_: Round, closes_at: dt.datetime | None, now: dt.datetime | None = None) -> Round:
    now = now or utcnow()
    if round_.state != "preparing":
        raise FairError(_("只有准备中的年度可以开放洽谈会。"))
    if closes_at is not None and closes_at <= now:
        raise FairError(_("截止时间应晚于现在。"))
    if not db.session.scalar(select(Outgoing.id).where(Outgoing.round_id == round_.id, Outgoing.confirmed.is_(True))):
        raise FairError(_("还没有确定的流出教师，不能开放洽谈会。"))
    if not db.session.scalar(select(Post.id).where(Post.round_id == round_.id, Post.seats > 0)):
        raise FairError(_("还没有接收名额，不能开放洽谈会。"))
    round_.state, round_.fair_opens_at, round_.fair_closes_at = "fair_open", now, closes_at
    db.session.flush()
    return round_


def close_fair(round_: Round, now: dt.datetime | None = None) -> Round:
    if round_.state != "fair_open":
        raise FairError(_("洽谈会未开放。"))
    round_.state = "fair_closed"
    if round_.fair_closes_at is None or round_.fair_closes_at > (now or utcnow()):
        round_.fair_closes_at = now or utcnow()
    db.session.flush()
    return round_


def sync_state(round_: Round, now: dt.datetime | None = None) -> Round:
    """A fair past its closing time is closed (checked on every request that reads the round)."""
    if round_.state == "fair_open" and not fair_is_open(round_, now):
        round_.state = "fair_closed"
        db.session.flush()
    return round_


# -- participants ---------------------------------------------------------------------------


def outgoing_teachers(round_: Round) -> list[Teacher]:
    return list(
        db.session.scalars(
            select(Teacher)
            .join(Outgoing, Outgoing.teacher_id == Teacher.id)
            .where(Outgoing.round_id == round_.id, Outgoing.confirmed.is_(True))
            .order_by(Teacher.staff_no)
        )
    )


def is_participant(round_: Round, teacher: Teacher) -> bool:
    return bool(
        db.session.scalar(
            select(Outgoing.id).where(
                Outgoing.round_id == round_.id, Outgoing.teacher_id == teacher.id, Outgoing.confirmed.is_(True)
            )
        )
    )


def posts_for(round_: Round, teacher: Teacher) -> list[Post]:
    """The posts a teacher may rank: their subject, seats > 0, never their own school; own zone first."""
    posts = db.session.scalars(
        select(Post)
        .join(School)
        .options(contains_eager(Post.school))
        .where(
            Post.round_id == round_.id,
            Post.subject == teacher.subject,
            Post.seats > 0,
            Post.school_id != teacher.school_id,
        )
    ).all()
    zone = teacher.school.zone
    return sorted(posts, key=lambda p: (p.school.zone != zone, p.school.zone, p.school.code))


def ids_of(text: str | None) -> list[int]:
    """Stored comma-separated ids (\"3,9,12\") as a list."""
    return [int(x) for x in text.split(",") if x] if text else []


def groups_of(text: str | None) -> list[list[int]]:
    """A stored ranking (\"12,15;9;31\": tie groups, best first) as lists of ids."""
    return [[int(x) for x in group.split(",") if x] for group in text.split(";") if group] if text else []


def applicant_counts(round_: Round) -> dict[int, int]:
    """How many submitted lists name each school so far."""
    counts: dict[int, int] = {}
    for text in db.session.scalars(
        select(PreferenceList.submitted_school_ids).where(
            PreferenceList.round_id == round_.id, PreferenceList.submitted_school_ids.is_not(None)
        )
    ):
        for school_id in ids_of(text):
            counts[school_id] = counts.get(school_id, 0) + 1
    return counts


# -- teachers' preferences ------------------------------------------------------------------


def preference_list(round_: Round, teacher: Teacher) -> PreferenceList | None:
    return db.session.scalar(
        select(PreferenceList).where(PreferenceList.round_id == round_.id, PreferenceList.teacher_id == teacher.id)
    )


def save_preferences(
    round_: Round, teacher: Teacher, school_ids: list[int], submit: bool, now: dt.datetime | None = None
) -> PreferenceList:
    """Save (and optionally submit) a teacher's ranked schools; refused outside the open fair."""
    _require_open(round_, now)
    if not is_participant(round_, teacher):
        raise FairError(_("您不在本年度流出名单中，不能填报。"))
    allowed = {p.school_id for p in posts_for(round_, teacher)}
    if len(set(school_ids)) != len(school_ids):
        raise FairError(_("同一所学校只能填一次。"))
    if teacher.school_id in school_ids:
        raise FairError(_("不能填报本校。"))
    unknown = [s for s in school_ids if s not in allowed]
    if unknown:
        raise FairError(_("所选学校没有本学科的接收岗位。"))
    if submit and not school_ids:
        raise FairError(_("请至少选择一所学校再提交。"))
    plist = preference_list(round_, teacher)
    if plist is None:
        plist = PreferenceList(round_id=round_.id, teacher_id=teacher.id)
        db.session.add(plist)
    plist.school_ids = ",".join(map(str, school_ids))
    if submit:
        plist.submitted_school_ids = plist.school_ids
        plist.submitted_at = now or utcnow()
    db.session.flush()
    return plist


def receipt_code(plist: PreferenceList) -> str:
    """A short code that identifies exactly this submission (teacher, list, time)."""
    text = f"{plist.round_id}|{plist.teacher_id}|{plist.submitted_school_ids}|{plist.submitted_at.isoformat()}"
    return hashlib.sha256(text.encode()).hexdigest()[:10].upper()


# -- schools' rankings ----------------------------------------------------------------------


def candidates(post: Post, drafts: bool = False) -> list[Teacher]:
    """The outgoing teachers of the post's subject who listed its school (submitted lists)."""
    column = PreferenceList.school_ids if drafts else PreferenceList.submitted_school_ids
    rows = db.session.execute(
        select(PreferenceList.teacher_id, column).where(PreferenceList.round_id == post.round_id, column.is_not(None))
    ).all()
    applied = [tid for tid, text in rows if post.school_id in ids_of(text)]
    if not applied:
        return []
    return list(
        db.session.scalars(
            select(Teacher)
            .options(contains_eager(Teacher.school))
            .join(School, School.id == Teacher.school_id)
            .join(Outgoing, Outgoing.teacher_id == Teacher.id)
            .where(
                Teacher.id.in_(applied),
                Teacher.subject == post.subject,
                Outgoing.round_id == post.round_id,
                Outgoing.confirmed.is_(True),
            )
            .order_by(Teacher.staff_no)
        )
    )


def post_ranking(post: Post) -> PostRanking | None:
    return db.session.scalar(select(PostRanking).where(PostRanking.post_id == post.id))


class StaleRanking(FairError):
    """Another administrator saved this ranking since it was loaded."""


def save_ranking(
    post: Post,
    groups: dict[int, int],
    unacceptable: set[int],
    version: int | None,
    submit: bool,
    now: dt.datetime | None = None,
) -> PostRanking:
    """Save a post's ranking: ``groups`` maps teacher id → band (1 = best; equal bands are ties).

    ``version`` is the version the form was loaded with: if someone saved since, the save is
    refused rather than silently overwriting their work.
    """
    _require_open(post.round, now)
    eligible = {t.id for t in candidates(post)}
    outsiders = (set(groups) | unacceptable) - eligible
    if outsiders:
        raise FairError(_("只能为申请本岗位的教师排序。"))
    if any(band < 1 or band > 10_000 for band in groups.values()):
        raise FairError(_("排序档次应为1到10000之间的整数。"))
    if submit and set(groups) | unacceptable != eligible:
        raise FairError(_("请为每位申请者排序或标记为不接受后再提交。"))
    ranking = post_ranking(post)
    if ranking is None:
        if version not in (None, 0):
            raise StaleRanking(_("该岗位的排序已被其他管理员修改，请刷新页面后重新排序。"))
        ranking = PostRanking(post_id=post.id)
        db.session.add(ranking)
    elif version != ranking.version:
        raise StaleRanking(
            _("该岗位的排序已被其他管理员修改（第%(v)s版），请刷新页面后重新排序，您的修改未保存。", v=ranking.version)
        )
    ordered = sorted((band, tid) for tid, band in groups.items() if tid not in unacceptable)
    bands: list[list[int]] = []
    last = None
    for band, tid in ordered:
        if band != last:
            bands.append([])
            last = band
        bands[-1].append(tid)
    ranking.groups = ";".join(",".join(map(str, b)) for b in bands)
    ranking.unacceptable = ",".join(map(str, sorted(unacceptable)))
    if submit:
        ranking.submitted_groups, ranking.submitted_unacceptable = ranking.groups, ranking.unacceptable
        ranking.submitted_at = now or utcnow()
    db.session.flush()  # the version column makes a concurrent writer fail here (StaleDataError)
    return ranking


# -- the run --------------------------------------------------------------------------------


def build_instance(round_: Round, preview: bool = False) -> tuple[dict, list[str]]:
    """The round as an engine instance (ids: school codes and 工号), and notes for the bureau.

    Final runs use what was submitted; a preview uses the current drafts. A post without a
    submitted ranking ranks all its applicants equally (the lottery decides), which the notes say.
    A subject with fewer outgoing teachers than ``min_selection_size`` is not selected at the
    fair: its teachers go to the administrative assignment.
    """
    notes: list[str] = []
    schools = db.session.scalars(select(School).order_by(School.code)).all()
    code = {s.id: s.code for s in schools}
    teachers = outgoing_teachers(round_)
    staff = {t.id: t.staff_no for t in teachers}
    per_subject: dict[str, int] = {}
    for t in teachers:
        per_subject[t.subject] = per_subject.get(t.subject, 0) + 1
    small = {s for s, n in per_subject.items() if n < round_.policy.get("min_selection_size", 3)}
    for s in sorted(small):
        notes.append(_("学科%(s)s只有%(n)s名流出教师，不进行双向选择，直接行政指定。", s=s, n=per_subject[s]))
    posts = db.session.scalars(select(Post).where(Post.round_id == round_.id)).all()
    has_post = {(p.school_id, p.subject) for p in posts}
    lists = {
        pl.teacher_id: pl
        for pl in db.session.scalars(select(PreferenceList).where(PreferenceList.round_id == round_.id))
    }
    teacher_docs = []
    for t in teachers:
        pl = lists.get(t.id)
        chosen = ids_of(pl.school_ids if preview else pl.submitted_school_ids) if pl else []
        if t.subject in small:
            chosen = []
        valid = [s for s in chosen if (s, t.subject) in has_post and s != t.school_id]
        if len(valid) != len(chosen):
            notes.append(_("%(name)s的志愿中有学校已无本学科岗位，已略去。", name=t.name))
        teacher_docs.append(
            {
                "id": t.staff_no,
                "name": t.name,
                "school": code[t.school_id],
                "subject": t.subject,
                "backbone": t.backbone,
                "preferences": [code[s] for s in valid],
            }
        )
    subject_of = {t.id: t.subject for t in teachers}
    rankings = {
        r.post_id: r for r in db.session.scalars(select(PostRanking).join(Post).where(Post.round_id == round_.id))
    }
    applicants: dict[tuple[str, str], list[str]] = {}
    for doc in teacher_docs:
        for s in doc["preferences"]:
            applicants.setdefault((s, doc["subject"]), []).append(doc["id"])
    post_docs = []
    for p in sorted(posts, key=lambda p: (code[p.school_id], p.subject)):
        ranking = rankings.get(p.id)
        text = (ranking.groups if preview else ranking.submitted_groups) if ranking else None
        if text is None:
            pool = sorted(applicants.get((code[p.school_id], p.subject), []))
            groups = [pool] if pool else []
            if pool:
                notes.append(
                    _(
                        "%(school)s %(subject)s岗位未提交排序，申请者按同一档次处理（抽签决定先后）。",
                        school=p.school.name,
                        subject=p.subject,
                    )
                )
        else:
            groups = [
                [staff[tid] for tid in group if tid in staff and subject_of.get(tid) == p.subject]
                for group in groups_of(text)
            ]
            groups = [g for g in groups if g]
        post_docs.append(
            {
                "school": code[p.school_id],
                "subject": p.subject,
                "capacity": p.seats,
                "ranking": [g[0] if len(g) == 1 else g for g in groups],
            }
        )
    doc = {
        "format": "matchapp.instance/1",
        "seed": round_.seed,
        "schools": [{"id": s.code, "name": s.name, "tier": s.tier, "zone": s.zone} for s in schools],
        "teachers": teacher_docs,
        "posts": post_docs,
    }
    return doc, notes


def canonical_json(doc: dict) -> str:
    """The exact text stored and hashed: UTF-8, keys in a fixed order, no spaces."""
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


@dataclass
class RunOutcome:
    run: Run
    notes: list[str]


def run_fair(round_: Round, user_id: int | None, preview: bool = False, progress=None) -> RunOutcome:
    """Solve the round and write the run and its placements, all in the caller's transaction.

    ``progress(percent, message)``, if given, hears of each phase before anything is written.
    """
    progress = progress or (lambda percent, message: None)
    if preview:
        if round_.state not in ("fair_open", "fair_closed"):
            raise FairError(_("只能在洽谈会期间或截止后预览匹配。"))
    elif round_.state not in ("fair_closed", "matched"):
        raise FairError(_("洽谈会截止后才能正式运行匹配。"))
    progress(10, _("读取志愿与排序"))
    doc, notes = build_instance(round_, preview=preview)
    text = canonical_json(doc)
    progress(30, _("运行匹配与行政指定（%(n)s名教师）", n=len(doc["teachers"])))
    instance = loads_instance(text.encode("utf-8"))
    result = solve(instance, assign=True)
    if not result.certificate.stable:  # the certificate checks the engine; never expected
        raise FairError(
            _("稳定性校验未通过，结果未保存：%(why)s", why="; ".join(result.certificate.describe(instance, 3)))
        )
    result_text = result_bytes(instance, result).decode("utf-8")  # exactly what `matchapp solve` writes
    progress(70, _("稳定性校验通过，写入结果"))
    run = Run(
        round_id=round_.id,
        kind="preview" if preview else "final",
        created_by_id=user_id,
        seed=round_.seed,
        engine_version=ENGINE_VERSION,
        input_sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        instance_json=text,
        result_json=result_text,
        stable=True,
    )
    db.session.add(run)
    db.session.flush()
    if preview:
        return RunOutcome(run, notes)
    teacher_by_staff = {t.staff_no: t for t in outgoing_teachers(round_)}
    school_by_code = {s.code: s for s in db.session.scalars(select(School))}
    result_doc = json.loads(result_text)
    ranks = {}
    for t in doc["teachers"]:
        ranks[t["id"]] = {s: k + 1 for k, s in enumerate(t["preferences"])}
    rows = []
    for staff_no, teacher in teacher_by_staff.items():
        code, how = result_doc["matching"].get(staff_no), "matched"
        if code is None:
            code, how = result_doc.get("assigned", {}).get(staff_no), "assigned"
        rows.append(
            Placement(
                run_id=run.id,
                teacher_id=teacher.id,
                school_id=school_by_code[code].id if code else None,
                how=how if code else "unplaced",
                preference_rank=ranks[staff_no].get(code, 0) if code else 0,
            )
        )
    db.session.add_all(rows)
    round_.state = "matched"
    db.session.flush()
    return RunOutcome(run, notes)


def final_run(round_: Round) -> Run | None:
    return db.session.scalar(select(Run).where(Run.round_id == round_.id, Run.kind == "final").order_by(Run.id.desc()))


# -- administrative assignment --------------------------------------------------------------


@dataclass
class AssignmentCheck:
    refusals: list[str]
    warnings: list[str]


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
            _("%(school)s没有本学科（%(subject)s）的接收岗位。", school=school.name, subject=teacher.subject)
        )
    else:
        taken = db.session.scalars(
            select(Placement)
            .join(Teacher, Teacher.id == Placement.teacher_id)
            .where(
                Placement.run_id == run.id,
                Placement.school_id == school.id,
                Teacher.subject == teacher.subject,
                Placement.teacher_id != teacher.id,
            )
        ).all()
        if len(taken) >= post.seats:
            refusals.append(_("%(school)s本学科%(n)s个名额已满。", school=school.name, n=post.seats))
    home = teacher.school
    if home.zone != school.zone:
        warnings.append(_("跨片区交流（%(a)s → %(b)s），需经教育局统筹。", a=home.zone, b=school.zone))
    if teacher.backbone and school.tier == "strong" and home.tier != "strong":
        warnings.append(_("骨干教师由一般或薄弱学校流向优质学校，属逆向交流。"))
    if teacher.backbone and school.tier == "strong" and home.tier == "strong":
        warnings.append(_("骨干教师在优质学校之间交流，不计入向薄弱学校的流动。"))
    return AssignmentCheck(refusals, warnings)


def change_assignment(run: Run, teacher: Teacher, school: School, reason: str) -> AssignmentCheck:
    """The bureau places one teacher by hand, with a written reason (audited)."""
    round_ = db.session.get(Round, run.round_id)
    if round_.state not in ("matched", "assigned", "published"):
        raise FairError(_("匹配完成后才能调整行政指定。"))
    if not reason.strip():
        raise FairError(_("请写明调整理由。"))
    placement = db.session.scalar(
        select(Placement).where(Placement.run_id == run.id, Placement.teacher_id == teacher.id)
    )
    if placement is None:
        raise FairError(_("该教师不在本次匹配中。"))
    if placement.how == "matched" and round_.state != "published":
        raise FairError(_("双向选择录取的教师不作行政调整。"))
    check = check_assignment(run, teacher, school)
    if check.refusals:
        raise FairError("；".join(check.refusals))
    from flask_login import current_user

    from ..core.audit import acting_as

    actor = current_user.username if current_user and current_user.is_authenticated else "bureau"
    with acting_as(actor, getattr(current_user, "id", None), reason.strip()):
        placement.school_id, placement.how = school.id, "assigned"
        placement.reason = reason.strip()
        placement.preference_rank = 0
        db.session.flush()
    return check


def confirm_assignment(round_: Round) -> Round:
    if round_.state != "matched":
        raise FairError(_("只有已匹配的年度可以确认行政指定。"))
    round_.state = "assigned"
    db.session.flush()
    return round_


def publish(round_: Round, now: dt.datetime | None = None) -> Round:
    """Publish the results (公示) and write each exchange into the teachers' files."""
    if round_.state != "assigned":
        raise FairError(_("确认行政指定后才能公示结果。"))
    run = final_run(round_)
    term = int(round_.policy.get("term_years", 3))
    for placement in run.placements:
        if placement.school_id is None:
            continue
        teacher = db.session.get(Teacher, placement.teacher_id)
        db.session.add(
            ExchangeRecord(
                teacher_id=teacher.id,
                year=round_.year,
                from_school_id=teacher.school_id,
                to_school_id=placement.school_id,
                term_years=term,
                planned_return=dt.date(round_.year + term, 8, 31),
                how=placement.how,
            )
        )
    round_.state, round_.published_at = "published", now or utcnow()
    db.session.flush()
    return round_


# -- results --------------------------------------------------------------------------------


def explanation_for(run: Run, teacher: Teacher, lang: str = "zh") -> list[str]:
    """The engine's explanation of a teacher's result, from the run's own stored files."""
    instance = loads_instance(run.instance_json.encode("utf-8"))
    matching, assigned = parse_result(instance, json.loads(run.result_json))
    index = instance.teacher_ids.index(teacher.staff_no)
    placement = db.session.scalar(
        select(Placement).where(Placement.run_id == run.id, Placement.teacher_id == teacher.id)
    )
    if placement is not None and placement.how == "assigned" and placement.school_id is not None:
        code = db.session.get(School, placement.school_id).code
        assigned = assigned.copy()
        assigned[index] = instance.school_ids.index(code)  # a change by hand counts as the assignment
    return explain_teacher(instance, index, matching, assigned).lines(instance, lang)


def result_figures(run: Run) -> dict:
    """The figures a person reads at a glance: choices obtained, seats filled, flows, backbone rule."""
    doc = json.loads(run.result_json)
    placements = db.session.scalars(select(Placement).where(Placement.run_id == run.id)).all()
    teachers = (
        {t.id: t for t in db.session.scalars(select(Teacher).where(Teacher.id.in_([p.teacher_id for p in placements])))}
        if placements
        else {}
    )
    schools = {s.id: s for s in db.session.scalars(select(School))}
    tiers = ["strong", "ordinary", "weak"]
    tier_flow = {a: {b: 0 for b in tiers} for a in tiers}
    zones = sorted({s.zone for s in schools.values()})
    zone_flow = {a: {b: 0 for b in zones} for a in zones}
    backbone_strong_to_other = backbone_from_other = 0
    for p in placements:
        if p.school_id is None:
            continue
        t = teachers[p.teacher_id]
        src, dst = schools[t.school_id], schools[p.school_id]
        tier_flow[src.tier][dst.tier] += 1
        zone_flow[src.zone][dst.zone] += 1
        if t.backbone:
            if src.tier == "strong" and dst.tier != "strong":
                backbone_strong_to_other += 1
            if src.tier != "strong":
                backbone_from_other += 1
    posts = db.session.scalars(select(Post).where(Post.round_id == run.round_id, Post.seats > 0)).all()
    filled: dict[tuple[int, str], int] = {}
    for p in placements:
        if p.school_id is not None:
            key = (p.school_id, teachers[p.teacher_id].subject)
            filled[key] = filled.get(key, 0) + 1
    seats = [
        {
            "school": schools[p.school_id],
            "subject": p.subject,
            "seats": p.seats,
            "filled": filled.get((p.school_id, p.subject), 0),
        }
        for p in posts
    ]
    seats.sort(key=lambda r: (r["school"].code, r["subject"]))
    counts = {
        "matched": sum(p.how == "matched" for p in placements),
        "assigned": sum(p.how == "assigned" for p in placements),
        "unplaced": sum(p.how == "unplaced" for p in placements),
    }
    return {
        "histogram": doc["stats"]["rank_histogram"],
        "counts": counts,
        "tier_flow": tier_flow,
        "zone_flow": zone_flow,
        "zones": zones,
        "tiers": tiers,
        "seats": seats,
        "backbone": {
            "strong_to_other": backbone_strong_to_other,
            "from_other": backbone_from_other,
            "ok": backbone_strong_to_other > backbone_from_other,
        },
        "stable": doc["stats"]["stable"],
    }


@handler("run_fair")
def run_fair_job(params: dict, report) -> dict:
    """The background form of :func:`run_fair` (the bureau's button and the API)."""
    round_ = db.session.get(Round, params["round_id"])
    outcome = run_fair(round_, params.get("user_id"), preview=params.get("preview", False), progress=report)
    return {"run_id": outcome.run.id, "kind": outcome.run.kind, "notes": outcome.notes[:20]}
