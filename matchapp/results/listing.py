"""The bureau's list of placements, searched, filtered and paged (issue 14: long lists work)."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import Select, case, or_, select
from sqlalchemy.orm import aliased

from ..core.vocab import SUBJECTS
from ..roster.models import School, Teacher
from ..runs.models import Placement, Run
from .homes import with_home

METHODS = ("matched", "assigned", "unplaced")


def result_filters(args: Mapping[str, str]) -> dict:
    """The filters a request asks for, each checked against what it may be (unknown ones dropped)."""

    def number(name: str) -> int | None:
        value = args.get(name, "")
        return int(value) if value.isdigit() else None

    return {
        "q": (args.get("q") or "").strip()[:64],
        "school": number("school"),
        "to": number("to"),
        "subject": args.get("subject") if args.get("subject") in SUBJECTS else "",
        "zone": (args.get("zone") or "")[:64],
        "how": args.get("how") if args.get("how") in METHODS else "",
    }


def filtered_placements(run: Run, filters: dict) -> Select:
    """Placements of ``run`` matching ``filters``: the unplaced first, then the assigned, then the
    matched, by subject and 工号 (what the bureau works through first)."""
    home = aliased(School)
    query, home_id = with_home(
        select(Placement).join(Teacher, Teacher.id == Placement.teacher_id), run, Placement.teacher_id
    )
    query = query.join(home, home.id == home_id).where(Placement.run_id == run.id)
    if filters["q"]:
        like = f"%{filters['q']}%"
        query = query.where(or_(Teacher.name.ilike(like), Teacher.staff_no.ilike(like)))
    if filters["school"]:
        query = query.where(home_id == filters["school"])
    if filters["to"]:
        query = query.where(Placement.school_id == filters["to"])
    if filters["subject"]:
        query = query.where(Teacher.subject == filters["subject"])
    if filters["zone"]:
        query = query.where(home.zone == filters["zone"])
    if filters["how"]:
        query = query.where(Placement.how == filters["how"])
    order = case({"unplaced": 0, "assigned": 1}, value=Placement.how, else_=2)
    return query.order_by(order, Teacher.subject, Teacher.staff_no)
