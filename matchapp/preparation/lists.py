"""Reading the outgoing lists and the roster's eligibility for a round (no changes here)."""

from __future__ import annotations

from sqlalchemy import func, select

from ..extensions import db
from ..roster.models import ExchangeRecord, School, Teacher, TeacherExemption
from ..rounds.calendar import cutoff_date
from ..rounds.models import Round
from .eligibility import Eligibility, assess
from .history import ExchangeFact, ExemptionFact, TeacherHistory
from .models import Outgoing, SchoolRound

#: up to this many schools an ``IN`` list is cheaper than reading the whole register
SCHOOLS_BY_ID = 500


def teacher_histories(round_: Round, teachers: list[Teacher]) -> dict[int, TeacherHistory]:
    """Each teacher's record as eligibility reads it for the round: every exemption, and the
    exchanges of earlier years (an exchange published in this round does not change this round's
    own eligibility)."""
    ids = [t.id for t in teachers]
    exemptions: dict[int, list[ExemptionFact]] = {}
    exchanges: dict[int, list[ExchangeRecord]] = {}
    if ids:
        for e in db.session.scalars(
            select(TeacherExemption).where(TeacherExemption.teacher_id.in_(ids)).order_by(TeacherExemption.year)
        ):
            exemptions.setdefault(e.teacher_id, []).append(ExemptionFact(e.year, e.code, e.approved, e.until))
        for x in db.session.scalars(
            select(ExchangeRecord)
            .where(ExchangeRecord.teacher_id.in_(ids), ExchangeRecord.year < round_.year)
            .order_by(ExchangeRecord.year)
        ):
            exchanges.setdefault(x.teacher_id, []).append(x)
    # Only the schools the record names (home schools, both ends of each exchange): a teacher's
    # home page reads one or two, not the district's hundreds.
    wanted = {t.school_id for t in teachers} | {
        k for records in exchanges.values() for x in records for k in (x.from_school_id, x.to_school_id)
    }
    wanted.discard(None)
    query = select(School.id, School.name, School.locality)
    if len(wanted) <= SCHOOLS_BY_ID:
        query = query.where(School.id.in_(wanted))
    schools = {k: (name, locality) for k, name, locality in db.session.execute(query)} if wanted else {}
    names = {k: name for k, (name, _locality) in schools.items()}
    histories = {
        t.id: TeacherHistory(
            year=round_.year,
            school_id=t.school_id,
            school_name=names.get(t.school_id, ""),
            locality=schools[t.school_id][1] if t.school_id in schools else "urban",
            school_names=names,
        )
        for t in teachers
    }
    facts = {
        teacher_id: [
            ExchangeFact(
                year=x.year,
                kind=x.kind,
                state=x.state,
                from_school_id=x.from_school_id,
                to_school_id=x.to_school_id,
                to_school=names.get(x.to_school_id, ""),
                reported_on=x.reported_on,
                ends_on=x.ended_on or x.planned_return,
                home_started_at=x.home_started_at,
                ended_on=x.ended_on,
            )
            for x in records
        ]
        for teacher_id, records in exchanges.items()
    }
    for teacher_id, history in histories.items():
        history.exemptions = tuple(exemptions.get(teacher_id, ()))
        history.exchanges = tuple(facts.get(teacher_id, ()))
    return histories


def assess_teacher(teacher: Teacher, round_: Round) -> Eligibility:
    """A teacher's eligibility under the round's policy, at its cutoff date, with their record."""
    history = teacher_histories(round_, [teacher])[teacher.id]
    return assess(teacher, round_.policy, cutoff_date(round_), history)


def school_teachers(school_id: int) -> list[Teacher]:
    return list(db.session.scalars(select(Teacher).where(Teacher.school_id == school_id).order_by(Teacher.staff_no)))


def assess_school(round_: Round, school_id: int) -> list[Eligibility]:
    cutoff = cutoff_date(round_)
    teachers = school_teachers(school_id)
    histories = teacher_histories(round_, teachers)
    return [assess(t, round_.policy, cutoff, histories[t.id]) for t in teachers]


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


def participants(round_: Round) -> list[Teacher]:
    """The teachers on the final outgoing lists: all of them are placed by the run (school leaders
    too, by the administrative assignment; see :func:`is_participant`)."""
    return list(
        db.session.scalars(
            select(Teacher)
            .join(Outgoing, Outgoing.teacher_id == Teacher.id)
            .where(Outgoing.round_id == round_.id, Outgoing.confirmed.is_(True))
            .order_by(Teacher.staff_no)
        )
    )


def in_two_way_selection(teacher: Teacher) -> bool:
    """School leaders are placed by the bureau's appointment (seed 000 篇一 "校长轮岗按照干部任用的
    规定，根据工作需要统筹安排", 002 方案1 "校长的交流按照管理权限由主管部门确定"), not the fair."""
    return not (teacher.leadership_role or "").strip()


def is_participant(round_: Round, teacher: Teacher) -> bool:
    """On the final list and in the two-way selection (ranks schools at the fair): not a leader."""
    return in_two_way_selection(teacher) and bool(
        db.session.scalar(
            select(Outgoing.id).where(
                Outgoing.round_id == round_.id, Outgoing.teacher_id == teacher.id, Outgoing.confirmed.is_(True)
            )
        )
    )


def outgoing_entry(round_: Round, teacher: Teacher) -> Outgoing | None:
    return db.session.scalar(select(Outgoing).where(Outgoing.round_id == round_.id, Outgoing.teacher_id == teacher.id))


def school_round(round_: Round, school_id: int) -> SchoolRound:
    """The school's progress record for the round (created on first use)."""
    status = db.session.scalar(
        select(SchoolRound).where(SchoolRound.round_id == round_.id, SchoolRound.school_id == school_id)
    )
    if status is None:
        status = SchoolRound(round_id=round_.id, school_id=school_id)
        db.session.add(status)
        db.session.flush()
    return status


def submitted_at(round_: Round, school_id: int):
    status = db.session.scalar(
        select(SchoolRound).where(SchoolRound.round_id == round_.id, SchoolRound.school_id == school_id)
    )
    return status.outgoing_submitted_at if status else None


def leadership_team_size(school: School) -> int:
    """The school's leadership team (班子成员): the register's number, or, if the roster names more
    leaders than that, the roster's count (never unknown once a leader exists)."""
    on_roster = db.session.scalar(
        select(func.count(Teacher.id)).where(Teacher.school_id == school.id, func.trim(Teacher.leadership_role) != "")
    )
    return max(school.leadership_size or 0, on_roster or 0)


def confirmed_leaders(round_: Round, school_id: int, besides: int | None = None) -> int:
    """How many of the school's leaders are on its final list (not counting ``besides``)."""
    return sum(
        1
        for o in confirmed_outgoing(round_, school_id)
        if o.teacher.leadership_role.strip() and o.teacher_id != besides
    )
