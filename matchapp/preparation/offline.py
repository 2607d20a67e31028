"""The offline eligibility check (``matchapp eligibility``): a bureau's roster file, read with the
roster import's own reader and checks, judged by a preset's rules for a year — nothing is written
and no database is needed.

Schools are the ones the file names. Their tier and locality are unknown unless a school register
file (the import format of 学校名册) is given: without it, a school's quota is computed at the
policy's common rate, and where the preset has a second rate (Dalian's "城镇学校或优质学校") the
other number is given beside it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from types import SimpleNamespace

from ..core.clock import local_today
from ..core.imports import Header, ImportRefused, ImportReport, read_rows
from ..roster.importer import COLUMNS, check_rows, read_table
from ..roster.models import School
from ..roster.register import MAX_COLUMNS, MAX_ROWS, check_school_rows
from ..rounds.calendar import cutoff_date
from ..rounds.policy import preset
from .eligibility import Eligibility, assess, ordering_key
from .rules import in_quota_group, quota_numbers, quota_rate


class RegisterRefused(ImportRefused):
    """The school register file given with the roster is wrong (``report.problems`` says where)."""


@dataclass
class RosterTeacher:
    """A roster row as eligibility reads a teacher (no database id: the row number instead)."""

    id: int
    staff_no: str
    name: str
    gender: str
    birth_date: dt.date
    subject: str
    title: str
    title_date: dt.date | None
    title_appointed_on: dt.date | None
    education: str
    honours: str
    backbone: bool
    started_at_school: dt.date
    leadership_role: str
    leader_since: dt.date | None


@dataclass
class SchoolCheck:
    code: str
    name: str
    tier: str | None  # None: not given (no register file)
    locality: str | None
    teachers: list[Eligibility] = field(default_factory=list)
    rate: float | None = None
    quota: int | None = None
    group_quota: int = 0
    other_rate: float | None = None  # the second rate, when the school's kind is unknown
    other_quota: int | None = None

    @property
    def eligible(self) -> int:
        return sum(1 for a in self.teachers if a.eligible and a.track == "teacher")


@dataclass
class RosterCheck:
    preset: str
    year: int
    cutoff: dt.date
    policy: dict
    schools: list[SchoolCheck]

    @property
    def teachers(self) -> int:
        return sum(len(s.teachers) for s in self.schools)


def _schools_from_register(data: bytes, filename: str, today: dt.date) -> dict[str, School]:
    try:
        rows = read_rows(data, filename, MAX_ROWS, MAX_COLUMNS)
    except ImportRefused as refused:
        raise RegisterRefused(refused.report) from None
    problems, records = check_school_rows(rows, {}, today)
    if problems:
        raise RegisterRefused(ImportReport(problems=problems))
    return {
        r["code"]: School(code=r["code"], name=r["name"], tier=r["tier"], locality=r["locality"], zone=r["zone"])
        for r in records
    }


def _schools_named_in(rows: list[list[str]]) -> dict[str, School]:
    """The schools the roster names (by code), of unknown tier and locality."""
    header = Header.of(rows, COLUMNS, "文件是空的，第一行应为表头")
    if not header.position:
        return {}
    codes = {header.cells(row).get("学校代码", "") for row in rows[1:]}
    return {c: School(code=c, name=c, tier=None, locality=None) for c in sorted(codes) if c}


def check_roster(
    data: bytes,
    filename: str,
    preset_name: str,
    year: int,
    schools_file: tuple[bytes, str] | None = None,
    today: dt.date | None = None,
) -> RosterCheck:
    """Judge every teacher of a roster file by a preset's rules at its cutoff date in ``year``, and
    each school's quota. Raises :class:`ImportRefused` (problems by row and column) on a bad file."""
    today = today or local_today()
    policy = preset(preset_name)
    cutoff = cutoff_date(SimpleNamespace(year=year, policy=policy))
    rows = read_table(data, filename)
    if schools_file is not None:
        schools = _schools_from_register(*schools_file, today)
    else:
        schools = _schools_named_in(rows)
    problems, records = check_rows(rows, schools, {}, today=today)
    if problems:
        raise ImportRefused(ImportReport(problems=problems))
    by_school: dict[str, SchoolCheck] = {}
    for record in records:
        school = record["school"]
        check = by_school.setdefault(school.code, SchoolCheck(school.code, school.name, school.tier, school.locality))
        teacher = RosterTeacher(
            id=record["_row"],
            staff_no=record["staff_no"],
            name=record["name"],
            gender=record["gender"],
            birth_date=record["birth_date"],
            subject=record["subject"],
            title=record["title"],
            title_date=record["title_date"],
            title_appointed_on=record["title_appointed_on"],
            education=record["education"],
            honours=record["honours"],
            backbone=record["backbone"],
            started_at_school=record["started_at_school"],
            leadership_role=record["leadership_role"],
            leader_since=record["leader_since"],
        )
        check.teachers.append(assess(teacher, policy, cutoff))
    kind = policy.get("group_kind", "backbone")
    for check in by_school.values():
        due = [a for a in check.teachers if a.eligible and a.track == "teacher"]
        group = sum(1 for a in due if in_quota_group(a.teacher.backbone, a.teacher.title, kind))
        if check.tier is None:
            # Unknown kind of school: the common rate, and the second one beside it.
            check.rate = policy.get("quota_rate")
            special = policy.get("quota_rate_urban_or_strong")
            if special is not None:
                check.other_rate = special
                check.other_quota, _ = quota_numbers(policy, special, len(due), group)
        else:
            check.rate = quota_rate(policy, check.tier, check.locality or "urban")
        check.quota, check.group_quota = quota_numbers(policy, check.rate, len(due), group)
        # Teachers due first, in the ordering rule's order; then the others by 工号.
        check.teachers.sort(key=lambda a: (not a.eligible, ordering_key(a) if a.eligible else (a.teacher.staff_no,)))
    return RosterCheck(preset_name, year, cutoff, policy, [by_school[c] for c in sorted(by_school)])
