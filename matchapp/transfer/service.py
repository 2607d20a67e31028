"""A whole round in one file (``matchapp.round/1``), and back: `matchapp export-round` / `import-round`.

The file names schools by code and teachers by 工号, never by database id, so it can be restored
into an empty database (another server, a backup) with identical results: the runs keep their
exact instance and result text. Accounts and the audit log belong to an installation and are not
part of a round.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..core.errors import Refused
from ..extensions import db
from ..fair.models import AssessmentScore, PostRanking, PreferenceEntry, PreferenceList, RankingEntry
from ..preparation.models import Outgoing, Post, SchoolRound, SubjectQuota
from ..results.models import Publication
from ..roster.models import ExchangeAssessment, ExchangeEvent, ExchangeRecord, School, Teacher, TeacherExemption
from ..rounds.models import Round
from ..rounds.policy import upgrade_policy
from ..runs.models import Placement, Run

FORMAT = "matchapp.round/1"
# Every column of the roster but the database's own ids: a column added later travels too.
_SCHOOL = tuple(c.key for c in School.__table__.columns if c.key != "id")
_TEACHER = tuple(c.key for c in Teacher.__table__.columns if c.key not in ("id", "school_id"))
# An exchange's whole record (issue 12): every column but the ids, its assessments and events.
_RECORD = tuple(
    c.key
    for c in ExchangeRecord.__table__.columns
    if c.key not in ("id", "teacher_id", "from_school_id", "to_school_id")
)
_ASSESSMENT = tuple(
    c.key for c in ExchangeAssessment.__table__.columns if c.key not in ("id", "record_id", "school_id")
)
_EVENT = tuple(c.key for c in ExchangeEvent.__table__.columns if c.key not in ("id", "record_id"))
_EXEMPTION = tuple(c.key for c in TeacherExemption.__table__.columns if c.key not in ("id", "teacher_id"))
_DATES = {
    "birth_date",
    "title_date",
    "title_appointed_on",
    "leader_since",
    "started_at_school",
    "planned_return",
    "lists_due",
    "started_work",
    "notice_starts_on",
    "notice_ends_on",
    "reported_on",
    "home_started_at",
    "ended_on",
    "certificate_issued_on",
    "occurred_on",
    "decided_on",
    "barred_until",
    "until",
}
#: teacher columns added after the format was fixed: a file written before them has none
_LATER = {"title_appointed_on", "leader_since"}
_TIMES = {
    "fair_opens_at",
    "fair_closes_at",
    "published_at",
    "submitted_at",
    "updated_at",
    "created_at",
    "eligibility_published_at",
    "outgoing_submitted_at",
    "posts_confirmed_at",
    "graded_at",
    "reviewed_at",
    "requested_at",
    "decided_at",
}


class TransferError(Refused):
    """The file cannot be restored here (message names what is wrong)."""


def _out(value):
    return value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else value


def _in(key: str, value):
    if value is None:
        return None
    if key in _DATES:
        return dt.date.fromisoformat(value)
    if key in _TIMES:
        return dt.datetime.fromisoformat(value)
    return value


def export_round(year: int) -> dict[str, Any]:
    round_ = db.session.scalar(select(Round).where(Round.year == year))
    if round_ is None:
        raise TransferError(_("没有%(year)s年度。", year=year))
    schools = db.session.scalars(select(School).order_by(School.code)).all()
    code = {s.id: s.code for s in schools}
    teachers = db.session.scalars(select(Teacher).order_by(Teacher.staff_no)).all()
    staff = {t.id: t.staff_no for t in teachers}

    posts = db.session.scalars(select(Post).where(Post.round_id == round_.id).order_by(Post.id)).all()
    post_key = {p.id: (code[p.school_id], p.subject) for p in posts}
    post_school = {p.id: code[p.school_id] for p in posts}
    runs = db.session.scalars(select(Run).where(Run.round_id == round_.id).order_by(Run.id)).all()
    return {
        "format": FORMAT,
        "round": {
            k: _out(getattr(round_, k))
            for k in (
                "year",
                "name",
                "state",
                "lists_due",
                "fair_opens_at",
                "fair_closes_at",
                "seed",
                "policy",
                "published_at",
                "procedure",
            )
        },
        "schools": [{k: getattr(s, k) for k in _SCHOOL} for s in schools],
        "teachers": [{**{k: _out(getattr(t, k)) for k in _TEACHER}, "school": code[t.school_id]} for t in teachers],
        "history": [
            {
                "teacher": staff[h.teacher_id],
                "from": code[h.from_school_id],
                "to": code[h.to_school_id],
                **{k: _out(getattr(h, k)) for k in _RECORD},
                "assessments": [
                    {"school": code[a.school_id], **{k: _out(getattr(a, k)) for k in _ASSESSMENT}}
                    for a in h.assessments
                ],
                "events": [{k: _out(getattr(e, k)) for k in _EVENT} for e in h.events],
            }
            for h in db.session.scalars(select(ExchangeRecord).order_by(ExchangeRecord.id))
        ],
        "exemptions": [
            {"teacher": staff[e.teacher_id], **{k: _out(getattr(e, k)) for k in _EXEMPTION}}
            for e in db.session.scalars(select(TeacherExemption).order_by(TeacherExemption.id))
        ],
        "school_progress": [
            {
                "school": code[x.school_id],
                **{
                    k: _out(getattr(x, k))
                    for k in ("eligibility_published_at", "outgoing_submitted_at", "posts_confirmed_at")
                },
            }
            for x in db.session.scalars(select(SchoolRound).where(SchoolRound.round_id == round_.id))
        ],
        "outgoing": [
            {
                "teacher": staff[o.teacher_id],
                "how": o.how,
                "confirmed": o.confirmed,
                "vote_members": o.vote_members,
                "vote_yes": o.vote_yes,
                "note": o.note,
                "kind": o.kind,
            }
            for o in db.session.scalars(select(Outgoing).where(Outgoing.round_id == round_.id))
        ],
        "subject_quotas": [
            {"school": code[q.school_id], "subject": q.subject, "count": q.count}
            for q in db.session.scalars(
                select(SubjectQuota).where(SubjectQuota.round_id == round_.id).order_by(SubjectQuota.id)
            )
        ],
        "posts": [
            {
                "school": code[p.school_id],
                "subject": p.subject,
                "seats": p.seats,
                "min_education": p.min_education,
                "min_title": p.min_title,
                "honours": p.honours,
                "backbone_seats": p.backbone_seats,
                "confirmed": p.confirmed,
                "note": p.note,
            }
            for p in posts
        ],
        "preferences": [
            {
                "teacher": staff[pl.teacher_id],
                "draft": [post_school[pid] for pid in pl.post_ids("draft")],
                "submitted": [post_school[pid] for pid in pl.post_ids("submitted")] if pl.submitted_at else None,
                "submitted_at": _out(pl.submitted_at),
            }
            for pl in db.session.scalars(select(PreferenceList).where(PreferenceList.round_id == round_.id))
        ],
        "rankings": [
            {
                "post": list(post_key[r.post_id]),
                "groups": [[staff[i] for i in g] for g in r.groups("draft")],
                "unacceptable": [staff[i] for i in r.unacceptable("draft")],
                "submitted_groups": [[staff[i] for i in g] for g in r.groups("submitted")] if r.submitted_at else None,
                "submitted_unacceptable": [staff[i] for i in r.unacceptable("submitted")] if r.submitted_at else None,
                "submitted_at": _out(r.submitted_at),
            }
            for r in db.session.scalars(select(PostRanking).where(PostRanking.post_id.in_(list(post_key))))
        ],
        "assessment_scores": [
            {
                "post": list(post_key[a.post_id]),
                "teacher": staff[a.teacher_id],
                "teaching": a.teaching,
                "interview": a.interview,
                "verdict": a.verdict,
            }
            for a in db.session.scalars(
                select(AssessmentScore).where(AssessmentScore.post_id.in_(list(post_key))).order_by(AssessmentScore.id)
            )
        ],
        "publications": [
            {
                "version": p.version,
                "published_at": _out(p.published_at),
                "published_by": p.published_by,
                "reason": p.reason,
                "notice_starts_on": _out(p.notice_starts_on),
                "notice_ends_on": _out(p.notice_ends_on),
                "issuer": p.issuer,
                "rows": [{k: v for k, v in row.items() if k != "teacher_id"} for row in p.rows],
            }
            for p in db.session.scalars(
                select(Publication).where(Publication.round_id == round_.id).order_by(Publication.version)
            )
        ],
        "runs": [
            {
                "kind": r.kind,
                "created_at": _out(r.created_at),
                "seed": r.seed,
                "engine_version": r.engine_version,
                "input_sha256": r.input_sha256,
                "instance_json": r.instance_json,
                "result_json": r.result_json,
                "stable": r.stable,
                "placements": [
                    {
                        "teacher": staff[p.teacher_id],
                        "school": code.get(p.school_id) if p.school_id else None,
                        "how": p.how,
                        "preference_rank": p.preference_rank,
                        "reason": p.reason,
                        "overrides": p.overrides,
                    }
                    for p in r.placements
                ],
            }
            for r in runs
        ],
    }


def import_round(doc: Any) -> Round:
    """Restore a round into a database that has no schools or teachers yet (all or nothing)."""
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise TransferError(_("不是年度数据文件（format 应为“%(f)s”）", f=FORMAT))
    if db.session.scalar(select(func.count(School.id))) or db.session.scalar(select(func.count(Teacher.id))):
        raise TransferError(_("数据库不是空的：年度数据只能恢复到空数据库。"))
    try:
        schools = {s["code"]: School(**{k: s[k] for k in _SCHOOL}) for s in doc["schools"]}
        db.session.add_all(schools.values())
        db.session.flush()
        teachers = {}
        for t in doc["teachers"]:
            if t["school"] not in schools:
                raise TransferError(_("教师%(no)s：学校%(code)s不在文件中", no=t["staff_no"], code=t["school"]))
            teachers[t["staff_no"]] = Teacher(
                school_id=schools[t["school"]].id,
                **{k: _in(k, t.get(k)) for k in _TEACHER if k in t or k in _LATER},
            )
        db.session.add_all(teachers.values())
        db.session.flush()
        r = doc["round"]
        round_ = Round(**{k: _in(k, r[k]) for k in r})
        round_.policy = upgrade_policy(round_.policy or {})  # a file of an older version: today's settings
        db.session.add(round_)
        db.session.flush()
        for h in doc.get("history", []):
            record = ExchangeRecord(
                teacher_id=teachers[h["teacher"]].id,
                from_school_id=schools[h["from"]].id,
                to_school_id=schools[h["to"]].id,
                **{k: _in(k, h[k]) for k in _RECORD if k in h},
            )
            db.session.add(record)
            db.session.flush()
            for a in h.get("assessments", []):
                db.session.add(
                    ExchangeAssessment(
                        record_id=record.id,
                        school_id=schools[a["school"]].id,
                        **{k: _in(k, a[k]) for k in _ASSESSMENT if k in a},
                    )
                )
            for e in h.get("events", []):
                db.session.add(ExchangeEvent(record_id=record.id, **{k: _in(k, e[k]) for k in _EVENT if k in e}))
        for e in doc.get("exemptions", []):
            db.session.add(
                TeacherExemption(
                    teacher_id=teachers[e["teacher"]].id, **{k: _in(k, e[k]) for k in _EXEMPTION if k in e}
                )
            )
        # A file written before exemptions belonged to a year kept them on the teachers: they
        # were the file's round's.
        for t in doc["teachers"]:
            if t.get("exemption") and not any(e["teacher"] == t["staff_no"] for e in doc.get("exemptions", [])):
                db.session.add(
                    TeacherExemption(
                        teacher_id=teachers[t["staff_no"]].id,
                        year=round_.year,
                        code=t["exemption"],
                        reason=t.get("exemption_reason", ""),
                        approved=bool(t.get("exemption_approved")),
                    )
                )
        for x in doc.get("school_progress", []):
            db.session.add(
                SchoolRound(
                    round_id=round_.id,
                    school_id=schools[x["school"]].id,
                    **{k: _in(k, x[k]) for k in x if k != "school"},
                )
            )
        for o in doc.get("outgoing", []):
            db.session.add(
                Outgoing(
                    round_id=round_.id, teacher_id=teachers[o["teacher"]].id, **{k: o[k] for k in o if k != "teacher"}
                )
            )
        for q in doc.get("subject_quotas", []):
            db.session.add(
                SubjectQuota(
                    round_id=round_.id, school_id=schools[q["school"]].id, subject=q["subject"], count=q["count"]
                )
            )
        posts = {}
        for p in doc.get("posts", []):
            post = Post(round_id=round_.id, school_id=schools[p["school"]].id, **{k: p[k] for k in p if k != "school"})
            posts[(p["school"], p["subject"])] = post
            db.session.add(post)
        db.session.flush()

        def post_for(code: str, teacher) -> int:
            post = posts.get((code, teacher.subject))
            if post is None:
                raise TransferError(_("%(no)s的志愿%(code)s没有本学科的岗位。", no=teacher.staff_no, code=code))
            return post.id

        for pl in doc.get("preferences", []):
            teacher = teachers[pl["teacher"]]
            plist = PreferenceList(
                round_id=round_.id, teacher_id=teacher.id, submitted_at=_in("submitted_at", pl["submitted_at"])
            )
            db.session.add(plist)
            for stage, codes in (("draft", pl["draft"]), ("submitted", pl["submitted"] or [])):
                for rank, c in enumerate(codes, start=1):
                    db.session.add(
                        PreferenceEntry(preference_list=plist, stage=stage, rank=rank, post_id=post_for(c, teacher))
                    )
        for rk in doc.get("rankings", []):
            ranking = PostRanking(
                post_id=posts[tuple(rk["post"])].id, submitted_at=_in("submitted_at", rk["submitted_at"])
            )
            db.session.add(ranking)
            for stage, groups, rejected in (
                ("draft", rk["groups"], rk["unacceptable"]),
                ("submitted", rk["submitted_groups"] or [], rk["submitted_unacceptable"] or []),
            ):
                for band, group in enumerate(groups, start=1):
                    for no in group:
                        db.session.add(
                            RankingEntry(ranking=ranking, stage=stage, teacher_id=teachers[no].id, band=band)
                        )
                for no in rejected:
                    db.session.add(RankingEntry(ranking=ranking, stage=stage, teacher_id=teachers[no].id, band=None))
        for a in doc.get("assessment_scores", []):  # 跨校竞聘 (a file written before has none)
            db.session.add(
                AssessmentScore(
                    post_id=posts[tuple(a["post"])].id,
                    teacher_id=teachers[a["teacher"]].id,
                    teaching=a["teaching"],
                    interview=a["interview"],
                    verdict=a["verdict"],
                )
            )
        for run in doc.get("runs", []):
            placements = run["placements"]
            row = Run(round_id=round_.id, **{k: _in(k, run[k]) for k in run if k != "placements"})
            db.session.add(row)
            db.session.flush()
            db.session.add_all(
                Placement(
                    run_id=row.id,
                    teacher_id=teachers[p["teacher"]].id,
                    school_id=schools[p["school"]].id if p["school"] else None,
                    how=p["how"],
                    preference_rank=p["preference_rank"],
                    reason=p["reason"],
                    overrides=p.get("overrides", ""),  # a file written before overrides has none
                )
                for p in placements
            )
        db.session.flush()
        final = db.session.scalar(
            select(Run).where(Run.round_id == round_.id, Run.kind == "final").order_by(Run.id.desc())
        )
        for p in doc.get("publications", []):
            if final is None:
                raise TransferError(_("文件有公示记录，但没有正式运行。"))
            rows = [{**row, "teacher_id": teachers[row["staff_no"]].id} for row in p["rows"]]
            db.session.add(
                Publication(
                    round_id=round_.id,
                    run_id=final.id,
                    version=p["version"],
                    published_at=_in("published_at", p["published_at"]),
                    published_by=p["published_by"],
                    reason=p["reason"],
                    rows=rows,
                    notice_starts_on=_in("notice_starts_on", p.get("notice_starts_on")),
                    notice_ends_on=_in("notice_ends_on", p.get("notice_ends_on")),
                    issuer=p.get("issuer"),
                )
            )
        db.session.flush()
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise TransferError(
            _("文件不完整或格式不对（%(kind)s：%(detail)s）", kind=type(exc).__name__, detail=str(exc)[:200])
        ) from None
    return round_
