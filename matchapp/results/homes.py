"""The school each teacher of a run came from. Once the teachers report at the receiving school,
人走关系动 moves their roster school there (issue 12): the run's pages, exports and the API then
read the home school from the exchange record of the run's year, not from the roster."""

from __future__ import annotations

from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from ..extensions import db
from ..roster.models import ExchangeRecord, Teacher
from ..rounds.models import Round
from ..runs.models import Run


def run_year(run: Run) -> int:
    return db.session.scalar(select(Round.year).where(Round.id == run.round_id)) or 0


def home_schools(run: Run) -> dict[int, int]:
    """Teacher id → the school they were sent from, for the teachers the run's year placed."""
    return dict(
        db.session.execute(
            select(ExchangeRecord.teacher_id, ExchangeRecord.from_school_id).where(ExchangeRecord.year == run_year(run))
        ).all()
    )


def with_home(query, run: Run, teacher_id_column):
    """``query`` outer-joined to the run's exchange records; returns it and the SQL expression of
    each teacher's home school id (the record's, else the roster's). ``query`` must already join
    :class:`Teacher`."""
    record = aliased(ExchangeRecord)
    query = query.outerjoin(record, and_(record.teacher_id == teacher_id_column, record.year == run_year(run)))
    return query, func.coalesce(record.from_school_id, Teacher.school_id)
