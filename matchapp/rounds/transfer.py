"""A whole round in one file (``matchapp.round/1``), and back: `matchapp export-round` / `import-round`.

The file names schools by code and teachers by 工号, never by database id, so it can be restored
into an empty database (another server, a backup) with identical results: the runs keep their
exact instance and result text. Accounts and the audit log belong to an installation and are not
part of a round.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select

from ..extensions import db
from ..fair.models import Placement, PostRanking, PreferenceList, Run
from ..fair.services import groups_of, ids_of
from ..roster.models import ExchangeRecord, School, Teacher
from .models import Outgoing, Post, Round, SchoolRound

FORMAT = "matchapp.round/1"
# Every column of the roster but the database's own ids: a column added later travels too.
_SCHOOL = tuple(c.key for c in School.__table__.columns if c.key != "id")
_TEACHER = tuple(c.key for c in Teacher.__table__.columns if c.key not in ("id", "school_id"))
_DATES = {"birth_date", "title_date", "started_at_school", "planned_return", "lists_due"}
_TIMES = {
    "fair_opens_at",
    "fair_closes_at",
    "published_at",
    "submitted_at",
    "created_at",
    "eligibility_published_at",
    "outgoing_submitted_at",
    "posts_confirmed_at",
}


class TransferError(Exception):
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
        raise TransferError(f"no round for {year}")
    schools = db.session.scalars(select(School).order_by(School.code)).all()
    code = {s.id: s.code for s in schools}
    teachers = db.session.scalars(select(Teacher).order_by(Teacher.staff_no)).all()
    staff = {t.id: t.staff_no for t in teachers}

    def ids_to(text, names):
        return [names[i] for i in ids_of(text)]

    def groups_to(text):
        return [[staff[i] for i in group] for group in groups_of(text)]

    posts = db.session.scalars(select(Post).where(Post.round_id == round_.id).order_by(Post.id)).all()
    post_key = {p.id: (code[p.school_id], p.subject) for p in posts}
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
            )
        },
        "schools": [{k: getattr(s, k) for k in _SCHOOL} for s in schools],
        "teachers": [{**{k: _out(getattr(t, k)) for k in _TEACHER}, "school": code[t.school_id]} for t in teachers],
        "history": [
            {
                "teacher": staff[h.teacher_id],
                "year": h.year,
                "from": code[h.from_school_id],
                "to": code[h.to_school_id],
                "term_years": h.term_years,
                "planned_return": _out(h.planned_return),
                "how": h.how,
            }
            for h in db.session.scalars(select(ExchangeRecord).order_by(ExchangeRecord.id))
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
            }
            for o in db.session.scalars(select(Outgoing).where(Outgoing.round_id == round_.id))
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
                "draft": ids_to(pl.school_ids, code),
                "submitted": ids_to(pl.submitted_school_ids, code) if pl.submitted_school_ids is not None else None,
                "submitted_at": _out(pl.submitted_at),
            }
            for pl in db.session.scalars(select(PreferenceList).where(PreferenceList.round_id == round_.id))
        ],
        "rankings": [
            {
                "post": list(post_key[r.post_id]),
                "groups": groups_to(r.groups),
                "unacceptable": ids_to(r.unacceptable, staff),
                "submitted_groups": groups_to(r.submitted_groups) if r.submitted_groups is not None else None,
                "submitted_unacceptable": ids_to(r.submitted_unacceptable, staff)
                if r.submitted_unacceptable is not None
                else None,
                "submitted_at": _out(r.submitted_at),
            }
            for r in db.session.scalars(select(PostRanking).where(PostRanking.post_id.in_(list(post_key))))
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
                        "school": code.get(p.school_id),
                        "how": p.how,
                        "preference_rank": p.preference_rank,
                        "reason": p.reason,
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
        raise TransferError(f"not a round file ('format' must be \"{FORMAT}\")")
    if db.session.scalar(select(func.count(School.id))) or db.session.scalar(select(func.count(Teacher.id))):
        raise TransferError("the database is not empty: restore a round into an empty database")
    try:
        schools = {s["code"]: School(**{k: s[k] for k in _SCHOOL}) for s in doc["schools"]}
        db.session.add_all(schools.values())
        db.session.flush()
        teachers = {}
        for t in doc["teachers"]:
            if t["school"] not in schools:
                raise TransferError(f"teacher {t['staff_no']}: school {t['school']} is not in the file")
            teachers[t["staff_no"]] = Teacher(school_id=schools[t["school"]].id, **{k: _in(k, t[k]) for k in _TEACHER})
        db.session.add_all(teachers.values())
        db.session.flush()
        r = doc["round"]
        round_ = Round(**{k: _in(k, r[k]) for k in r})
        db.session.add(round_)
        db.session.flush()
        for h in doc.get("history", []):
            db.session.add(
                ExchangeRecord(
                    teacher_id=teachers[h["teacher"]].id,
                    year=h["year"],
                    from_school_id=schools[h["from"]].id,
                    to_school_id=schools[h["to"]].id,
                    term_years=h["term_years"],
                    planned_return=_in("planned_return", h["planned_return"]),
                    how=h["how"],
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
        posts = {}
        for p in doc.get("posts", []):
            post = Post(round_id=round_.id, school_id=schools[p["school"]].id, **{k: p[k] for k in p if k != "school"})
            posts[(p["school"], p["subject"])] = post
            db.session.add(post)
        db.session.flush()

        def school_ids(codes):
            return ",".join(str(schools[c].id) for c in codes)

        def teacher_ids(nos):
            return ",".join(str(teachers[n].id) for n in nos)

        def groups(gs):
            return ";".join(teacher_ids(g) for g in gs)

        for pl in doc.get("preferences", []):
            db.session.add(
                PreferenceList(
                    round_id=round_.id,
                    teacher_id=teachers[pl["teacher"]].id,
                    school_ids=school_ids(pl["draft"]),
                    submitted_school_ids=school_ids(pl["submitted"]) if pl["submitted"] is not None else None,
                    submitted_at=_in("submitted_at", pl["submitted_at"]),
                )
            )
        for rk in doc.get("rankings", []):
            db.session.add(
                PostRanking(
                    post_id=posts[tuple(rk["post"])].id,
                    groups=groups(rk["groups"]),
                    unacceptable=teacher_ids(rk["unacceptable"]),
                    submitted_groups=groups(rk["submitted_groups"]) if rk["submitted_groups"] is not None else None,
                    submitted_unacceptable=teacher_ids(rk["submitted_unacceptable"])
                    if rk["submitted_unacceptable"] is not None
                    else None,
                    submitted_at=_in("submitted_at", rk["submitted_at"]),
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
                )
                for p in placements
            )
        db.session.flush()
    except (KeyError, TypeError, ValueError) as exc:
        raise TransferError(f"the file is incomplete or malformed ({type(exc).__name__}: {exc})") from None
    return round_
