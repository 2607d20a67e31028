"""Publication (公示): the results become public, each exchange is written into the teacher's file,
and what the notice and the transfer letters show is frozen.

After publication nothing changes the published results except :func:`correct_placement`: an
audited correction, with a written reason, that updates the placement, the teacher's exchange
record and the notice (a new published version, numbered) in one transaction.
"""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..core.audit import acting_as
from ..core.clock import local_today, to_local, utcnow
from ..core.errors import Refused
from ..extensions import db
from ..preparation.models import Outgoing
from ..roster.bureau import bureau_settings, issuer_of
from ..roster.models import ExchangeRecord, School, Teacher
from ..rounds.calendar import notice_ends, term_ends, term_years
from ..rounds.models import Round
from ..rounds.states import require
from ..runs.assignment import check_assignment
from ..runs.models import Placement, Run
from ..runs.service import require_final_run
from .models import Publication


class PublicationError(Refused):
    """A publication or a correction that is not allowed."""


def _snapshot(run: Run) -> list[dict]:
    """The notice's rows, from the run's placements and the roster as it is now."""
    placements = db.session.scalars(
        select(Placement).where(Placement.run_id == run.id, Placement.school_id.is_not(None))
    ).all()
    teachers = {
        t.id: t for t in db.session.scalars(select(Teacher).where(Teacher.id.in_([p.teacher_id for p in placements])))
    }
    schools = {s.id: s for s in db.session.scalars(select(School))}
    rows = []
    for p in placements:
        t = teachers[p.teacher_id]
        home, to = schools[t.school_id], schools[p.school_id or 0]
        rows.append(
            {
                "teacher_id": t.id,
                "staff_no": t.staff_no,
                "name": t.name,
                "subject": t.subject,
                "from_code": home.code,
                "from_name": home.name,
                "to_code": to.code,
                "to_name": to.name,
                "how": p.how,
                "preference_rank": p.preference_rank,
            }
        )
    rows.sort(key=lambda r: (r["from_code"], r["staff_no"]))
    return rows


def latest_publication(round_: Round) -> Publication | None:
    return db.session.scalar(
        select(Publication).where(Publication.round_id == round_.id).order_by(Publication.version.desc()).limit(1)
    )


def default_period(now: dt.datetime | None = None) -> tuple[dt.date, dt.date]:
    """The notice period offered when publishing: from today (the bureau's day) for five working days."""
    starts = to_local(now).date() if now else local_today()
    return starts, notice_ends(starts)


def publish(
    round_: Round,
    now: dt.datetime | None = None,
    actor: str = "",
    period: tuple[dt.date, dt.date] | None = None,
) -> Publication:
    """Publish the results (公示) and write each exchange into the teachers' files.

    ``period`` is the notice's first and last day (default: :func:`default_period`); the bureau's
    name, contact and document prefix are frozen with the publication."""
    require(round_, "publish")
    now = now or utcnow()
    starts, ends = period or default_period(now)
    if ends < starts:
        raise PublicationError(_("公示期的结束日期不能早于开始日期。"))
    run = require_final_run(round_)
    kinds = dict(
        db.session.execute(select(Outgoing.teacher_id, Outgoing.kind).where(Outgoing.round_id == round_.id)).all()
    )
    for placement in run.placements:
        if placement.school_id is None:
            continue
        teacher = placement.teacher
        kind = kinds.get(teacher.id, "full_time")
        years = term_years(round_, kind)  # each kind its own term (seed 004)
        db.session.add(
            ExchangeRecord(
                teacher_id=teacher.id,
                year=round_.year,
                from_school_id=teacher.school_id,
                to_school_id=placement.school_id,
                kind=kind,
                term_years=years,
                planned_return=term_ends(round_, years),
                how=placement.how,
                state="placed",
            )
        )
    round_.state, round_.published_at = "published", now
    publication = Publication(
        round_id=round_.id,
        run_id=run.id,
        version=1,
        published_at=now,
        published_by=actor,
        notice_starts_on=starts,
        notice_ends_on=ends,
        issuer=issuer_of(bureau_settings()),
    )
    publication.rows = _snapshot(run)
    db.session.add(publication)
    db.session.flush()
    return publication


def correct_placement(
    round_: Round, teacher: Teacher, school: School, reason: str, actor: tuple[int | None, str] = (None, "bureau")
) -> Publication:
    """Correct one published placement (更正): placement, exchange record and notice together,
    re-published as the next version with the reason on it."""
    require(round_, "correct")
    reason = reason.strip()
    if not reason:
        raise PublicationError(_("请写明更正理由。"))
    run = require_final_run(round_)
    placement = db.session.scalar(
        select(Placement).where(Placement.run_id == run.id, Placement.teacher_id == teacher.id)
    )
    if placement is None:
        raise PublicationError(_("该教师不在本次匹配中。"))
    if placement.school_id == school.id:
        raise PublicationError(_("%(name)s已在%(school)s，无需更正。", name=teacher.name, school=school.name))
    check = check_assignment(run, teacher, school)
    if check.refusals:
        raise PublicationError("；".join(check.refusals))
    user_id, name = actor
    now = utcnow()
    with acting_as(name, user_id, reason):
        placement.school_id, placement.how, placement.preference_rank = school.id, "assigned", 0
        placement.reason = reason
        record = db.session.scalar(
            select(ExchangeRecord).where(ExchangeRecord.teacher_id == teacher.id, ExchangeRecord.year == round_.year)
        )
        if record is None:
            kind = (
                db.session.scalar(
                    select(Outgoing.kind).where(Outgoing.round_id == round_.id, Outgoing.teacher_id == teacher.id)
                )
                or "full_time"
            )
            years = term_years(round_, kind)
            record = ExchangeRecord(
                teacher_id=teacher.id,
                year=round_.year,
                from_school_id=teacher.school_id,
                kind=kind,
                term_years=years,
                planned_return=term_ends(round_, years),
                state="placed",
            )
            db.session.add(record)
        elif record.state != "placed":
            raise PublicationError(_("%(name)s已报到或交流已结束，不能再更正交流学校。", name=teacher.name))
        record.to_school_id, record.how = school.id, "assigned"
        db.session.flush()
        version = (
            db.session.scalar(select(func.max(Publication.version)).where(Publication.round_id == round_.id)) or 0
        ) + 1
        # The previous version's rows, with only this teacher's destination changed: nothing else
        # that was published moves with a correction. A correction is published again from today,
        # for as long as the first notice was; the bureau's details are taken as they are now.
        previous = latest_publication(round_)
        starts = to_local(now).date()
        length = (
            (previous.notice_ends_on - previous.notice_starts_on)
            if previous and previous.notice_starts_on and previous.notice_ends_on
            else None
        )
        publication = Publication(
            round_id=round_.id,
            run_id=run.id,
            version=version,
            published_at=now,
            published_by=name,
            reason=reason,
            notice_starts_on=starts,
            notice_ends_on=starts + length if length is not None else notice_ends(starts),
            issuer=issuer_of(bureau_settings()),
        )
        rows = [dict(r) for r in previous.rows if r["teacher_id"] != teacher.id] if previous else []
        fresh = next(r for r in _snapshot(run) if r["teacher_id"] == teacher.id)
        old = notice_row(previous, teacher.id) if previous else None
        if old is not None:
            fresh = {**old, "to_code": school.code, "to_name": school.name, "how": "assigned", "preference_rank": 0}
        rows.append(fresh)
        rows.sort(key=lambda r: (r["from_code"], r["staff_no"]))
        publication.rows = rows
        db.session.add(publication)
        db.session.flush()
    return publication


def notice_row(publication: Publication, teacher_id: int) -> dict | None:
    return next((r for r in publication.rows if r["teacher_id"] == teacher_id), None)
