"""Teacher lists searched, filtered and paged (issue 14: long lists work): the district's roster
for the bureau, one school's for its administrator."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import Select, or_, select

from ..core.vocab import SUBJECTS
from .models import School, Teacher


def teacher_filters(args: Mapping[str, str]) -> dict:
    """What a request asks for, checked (an unknown subject or a non-number school is dropped)."""
    school = args.get("school", "")
    return {
        "q": (args.get("q") or "").strip()[:64],
        "school": int(school) if school.isdigit() else None,
        "subject": args.get("subject") if args.get("subject") in SUBJECTS else "",
        "zone": (args.get("zone") or "")[:64],
    }


def teacher_query(filters: dict, school_id: int | None = None) -> Select:
    """Teachers matching ``filters`` (within ``school_id`` when given), by school and 工号.
    ``q`` finds a name, a 工号 or the end of an ID number (a person often gives its last digits)."""
    query = select(Teacher).join(School, School.id == Teacher.school_id)
    if school_id is not None:
        query = query.where(Teacher.school_id == school_id)
    if filters["q"]:
        q = filters["q"]
        query = query.where(
            or_(Teacher.name.ilike(f"%{q}%"), Teacher.staff_no.ilike(f"%{q}%"), Teacher.id_number.ilike(f"%{q}"))
        )
    if filters["school"]:
        query = query.where(Teacher.school_id == filters["school"])
    if filters["subject"]:
        query = query.where(Teacher.subject == filters["subject"])
    if filters["zone"]:
        query = query.where(School.zone == filters["zone"])
    return query.order_by(School.code, Teacher.staff_no)
