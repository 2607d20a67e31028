"""Reading the record of exchanges (交流经历): who is away from a school or serving at it now,
what the staff lists mark, and what a year carries over to the next. No changes here: the
exchange's life is changed by :mod:`matchapp.exchanges`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import or_, select

from ..core.vocab import CURRENT_STATES
from ..extensions import db
from .models import ExchangeAssessment, ExchangeEvent, ExchangeRecord, TeacherExemption


def current_records(teacher_ids: list[int] | None = None) -> list[ExchangeRecord]:
    """Exchanges that hold a teacher now (placed, or serving)."""
    query = select(ExchangeRecord).where(ExchangeRecord.state.in_(CURRENT_STATES))
    if teacher_ids is not None:
        query = query.where(ExchangeRecord.teacher_id.in_(teacher_ids))
    return list(db.session.scalars(query.order_by(ExchangeRecord.year, ExchangeRecord.id)))


def away_from(school_id: int) -> list[ExchangeRecord]:
    """The school's teachers now on exchange elsewhere (外出交流), whatever their personnel relation."""
    return list(
        db.session.scalars(
            select(ExchangeRecord)
            .where(ExchangeRecord.from_school_id == school_id, ExchangeRecord.state.in_(CURRENT_STATES))
            .order_by(ExchangeRecord.year, ExchangeRecord.id)
        )
    )


def serving_at(school_id: int) -> list[ExchangeRecord]:
    """Teachers of other schools now on exchange here, or placed here and awaited (交流在岗 / 待报到)."""
    return list(
        db.session.scalars(
            select(ExchangeRecord)
            .where(ExchangeRecord.to_school_id == school_id, ExchangeRecord.state.in_(CURRENT_STATES))
            .order_by(ExchangeRecord.year, ExchangeRecord.id)
        )
    )


@dataclass(frozen=True)
class StaffMark:
    """How a staff list marks a teacher on exchange: 外出交流 at home, 交流在岗 where they serve."""

    away: bool  # True: this school's teacher serving elsewhere
    record: ExchangeRecord


def staff_marks(school_id: int, teacher_ids: list[int]) -> dict[int, StaffMark]:
    """Marks for the teachers of a staff list page."""
    marks = {}
    for record in current_records(teacher_ids):
        if record.from_school_id == school_id:
            marks[record.teacher_id] = StaffMark(True, record)
        elif record.to_school_id == school_id:
            marks[record.teacher_id] = StaffMark(False, record)
    return marks


def exchange_schools(teacher_id: int) -> set[int]:
    """The schools a teacher's current exchange involves (both may read the teacher's file)."""
    return {s for r in current_records([teacher_id]) for s in (r.from_school_id, r.to_school_id)}


def barred_until(teacher_id: int, on: dt.date) -> dt.date | None:
    """The last day of a bar on promotion and honours still in force on ``on`` (拒不交流的后果)."""
    return db.session.scalar(
        select(ExchangeEvent.barred_until)
        .join(ExchangeRecord, ExchangeRecord.id == ExchangeEvent.record_id)
        .where(ExchangeRecord.teacher_id == teacher_id, ExchangeEvent.barred_until >= on)
        .order_by(ExchangeEvent.barred_until.desc())
        .limit(1)
    )


# -- what a year carries over to the next (the bureau starts the next year) ------------------------


@dataclass
class CarryOver:
    """What the bureau has to settle from earlier years when it prepares ``year``."""

    year: int
    returns_due: list[ExchangeRecord] = field(default_factory=list)  # terms ending this year, undecided
    extended: list[ExchangeRecord] = field(default_factory=list)  # due back this year, extended
    not_reported: list[ExchangeRecord] = field(default_factory=list)  # placed earlier, never reported
    pending_assessments: int = 0  # school year year-1: exchange teachers not graded or not reviewed
    deferrals: list[TeacherExemption] = field(default_factory=list)  # signature-course deferrals running
    expiring_exemptions: int = 0  # last year's exemptions: to be decided again (一年一认定)
    open_incidents: list[ExchangeEvent] = field(default_factory=list)  # no-shows, refusals undecided

    @property
    def empty(self) -> bool:
        return not (
            self.returns_due
            or self.extended
            or self.not_reported
            or self.pending_assessments
            or self.deferrals
            or self.expiring_exemptions
            or self.open_incidents
        )


def carry_over(year: int, cutoff: dt.date | None = None) -> CarryOver:
    """Carry-overs into the round of ``year``: returns due this year, extensions, exchanges never
    reported, last school year's assessments still missing, exemptions to decide again."""
    cutoff = cutoff or dt.date(year, 8, 31)
    year_end = dt.date(year, 12, 31)
    serving = db.session.scalars(
        select(ExchangeRecord).where(ExchangeRecord.state == "serving", ExchangeRecord.year < year)
    ).all()
    out = CarryOver(year)
    out.returns_due = [r for r in serving if r.planned_return and r.planned_return <= year_end]
    # Extended: due back by this year as first placed, now later (they do not come back this year).
    out.extended = [
        r
        for r in serving
        if r.extended_years and r.year + r.term_years <= year and r.planned_return and r.planned_return > year_end
    ]
    out.not_reported = list(
        db.session.scalars(select(ExchangeRecord).where(ExchangeRecord.state == "placed", ExchangeRecord.year < year))
    )
    last_school_year = year - 1
    served = db.session.scalars(
        select(ExchangeRecord).where(
            ExchangeRecord.state.in_(("serving", "returned", "stayed")), ExchangeRecord.year <= last_school_year
        )
    ).all()
    due = [r for r in served if r.year <= last_school_year <= (r.last_school_year or last_school_year)]
    done = set(
        db.session.scalars(
            select(ExchangeAssessment.record_id).where(
                ExchangeAssessment.school_year == last_school_year, ExchangeAssessment.state == "approved"
            )
        )
    )
    out.pending_assessments = sum(1 for r in due if r.id not in done)
    out.deferrals = list(
        db.session.scalars(
            select(TeacherExemption).where(
                TeacherExemption.year < year,
                TeacherExemption.code == "signature_course",
                TeacherExemption.approved.is_(True),
                TeacherExemption.until > cutoff,
            )
        )
    )
    out.expiring_exemptions = len(
        db.session.scalars(
            select(TeacherExemption.id).where(
                TeacherExemption.year == year - 1,
                TeacherExemption.approved.is_(True),
                or_(TeacherExemption.until.is_(None), TeacherExemption.until <= cutoff),
            )
        ).all()
    )
    out.open_incidents = list(
        db.session.scalars(
            select(ExchangeEvent)
            .join(ExchangeRecord, ExchangeRecord.id == ExchangeEvent.record_id)
            .where(
                ExchangeEvent.kind.in_(("no_show", "refusal")),
                ExchangeEvent.decision.in_(("", "warning")),
                ExchangeRecord.state == "placed",
            )
        )
    )
    return out
