"""Exchange experience on record (交流经历), for title applications and honours: "评聘中高级职称须有
交流经历" — seed 000 篇四 "申报高级教师专业技术资格时…须具备…轮岗交流经历", 篇三 "将教师到农村学校、
薄弱学校任教1年以上的工作经历作为申报评审高级教师职务（职称）…的必备条件", 003 六.4.

A teacher has exchange experience, as of a day, when an exchange of theirs ended with a return or
a stay, or has run for at least one whole year; or, under 002 方案1, when they have taught at a
rural school for the policy's years ("视为具有交流经历"). Under the 001 district plan an exchange
graded 不合格 is not recognised ("考核不合格的教师，其交流经历不予认定", policy
``fail_voids_experience``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import Select, and_, exists, false, or_, select

from ..core.clock import add_years, full_years
from ..core.spreadsheet import workbook_bytes
from ..core.vocab import ASSESSMENT_GRADES, EXCHANGE_KINDS, EXCHANGE_STATES, SUBJECTS, TITLES
from ..extensions import db
from ..roster.history import barred_until
from ..roster.models import ExchangeAssessment, ExchangeRecord, School, Teacher

ENDED = ("returned", "stayed")


def experience_filters(args: Mapping[str, str]) -> dict:
    school = args.get("school", "")
    return {
        "q": (args.get("q") or "").strip()[:64],
        "school": int(school) if school.isdigit() else None,
        "title": args.get("title") if args.get("title") in TITLES else "",
        "has": args.get("has") if args.get("has") in ("yes", "no") else "",
    }


def _recognised(policy: dict, as_of: dt.date):
    """SQL: an exchange of the teacher that counts as experience on ``as_of``."""
    counted = and_(
        ExchangeRecord.teacher_id == Teacher.id,
        or_(
            ExchangeRecord.state.in_(ENDED),
            and_(ExchangeRecord.state == "serving", ExchangeRecord.reported_on <= add_years(as_of, -1)),
        ),
    )
    if policy.get("fail_voids_experience"):
        failed = exists().where(
            ExchangeAssessment.record_id == ExchangeRecord.id,
            ExchangeAssessment.grade == "fail",
            ExchangeAssessment.state == "approved",
        )
        counted = and_(counted, ~failed)
    return exists().where(counted)


def _rural(policy: dict, as_of: dt.date):
    rural, remote = policy.get("rural_years_count_as_exchange"), policy.get("remote_years_count_as_exchange")
    terms = []
    if rural:
        terms.append(
            and_(School.locality.in_(("rural", "remote")), Teacher.started_at_school <= add_years(as_of, -int(rural)))
        )
    if remote:
        terms.append(and_(School.locality == "remote", Teacher.started_at_school <= add_years(as_of, -int(remote))))
    return or_(*terms) if terms else false()


def experience_query(policy: dict, as_of: dt.date, filters: dict) -> Select:
    has = or_(_recognised(policy, as_of), _rural(policy, as_of))
    query = select(Teacher).join(School, School.id == Teacher.school_id)
    if filters["q"]:
        q = filters["q"]
        query = query.where(or_(Teacher.name.ilike(f"%{q}%"), Teacher.staff_no.ilike(f"%{q}%")))
    if filters["school"]:
        query = query.where(Teacher.school_id == filters["school"])
    if filters["title"]:
        query = query.where(Teacher.title == filters["title"])
    if filters["has"] == "yes":
        query = query.where(has)
    elif filters["has"] == "no":
        query = query.where(~has)
    return query.order_by(School.code, Teacher.staff_no)


@dataclass
class ExperienceRow:
    teacher: Teacher
    exchanges: list[ExchangeRecord] = field(default_factory=list)
    recognised: list[ExchangeRecord] = field(default_factory=list)
    years: int = 0  # whole years served on exchanges
    rural_years: int = 0  # years at a rural school that count as experience (002 方案1), else 0
    barred_until: dt.date | None = None

    @property
    def has_experience(self) -> bool:
        return bool(self.recognised or self.rural_years)

    @property
    def certificates(self) -> list[str]:
        return [r.certificate_no for r in self.exchanges if r.certificate_no]


def served_years(record: ExchangeRecord, as_of: dt.date) -> int:
    if record.reported_on is None or record.reported_on > as_of or record.state not in ("serving", *ENDED):
        return 0
    end = record.ended_on or record.planned_return
    stop = min(end + dt.timedelta(days=1), as_of) if end else as_of
    return full_years(record.reported_on, stop)


def experience_rows(teachers: list[Teacher], policy: dict, as_of: dt.date) -> list[ExperienceRow]:
    ids = [t.id for t in teachers]
    records: dict[int, list[ExchangeRecord]] = {}
    for r in db.session.scalars(
        select(ExchangeRecord).where(ExchangeRecord.teacher_id.in_(ids)).order_by(ExchangeRecord.year)
    ):
        records.setdefault(r.teacher_id, []).append(r)
    rural, remote = policy.get("rural_years_count_as_exchange"), policy.get("remote_years_count_as_exchange")
    rows = []
    for t in teachers:
        mine = records.get(t.id, [])
        recognised = [
            r
            for r in mine
            if (r.state in ENDED or (r.state == "serving" and served_years(r, as_of) >= 1))
            and not (
                policy.get("fail_voids_experience")
                and any(a.grade == "fail" and a.state == "approved" for a in r.assessments)
            )
        ]
        years_here = full_years(t.started_at_school, as_of)
        locality = t.school.locality
        counted_rural = 0
        if (rural and locality in ("rural", "remote") and years_here >= rural) or (
            remote and locality == "remote" and years_here >= remote
        ):
            counted_rural = years_here
        rows.append(
            ExperienceRow(
                t,
                mine,
                recognised,
                sum(served_years(r, as_of) for r in mine),
                counted_rural,
                barred_until(t.id, as_of),
            )
        )
    return rows


def experience_counts(policy: dict, as_of: dt.date) -> dict:
    base = experience_filters({})
    total = db.session.scalar(select(db.func.count()).select_from(experience_query(policy, as_of, base).subquery()))
    with_ = db.session.scalar(
        select(db.func.count()).select_from(experience_query(policy, as_of, {**base, "has": "yes"}).subquery())
    )
    return {"total": total or 0, "with": with_ or 0, "without": (total or 0) - (with_ or 0)}


def experience_workbook(policy: dict, as_of: dt.date, filters: dict) -> bytes:
    """The report as .xlsx (every row, not a page), formula cells neutralised."""
    teachers = list(db.session.scalars(experience_query(policy, as_of, filters)))
    head = [
        "工号",
        "姓名",
        "学校",
        "学科",
        "职称",
        "交流经历",
        "交流年限",
        "交流记录（年度、交流学校、方式、状态、考核）",
        "合格证书编号",
        "农村任教视为交流（年）",
        "不得晋升职称、评优评先至",
    ]
    rows: list[list] = [head]
    for row in experience_rows(teachers, policy, as_of):
        t = row.teacher
        rows.append(
            [
                t.staff_no,
                t.name,
                t.school.name,
                str(SUBJECTS.get(t.subject, t.subject)),
                str(TITLES.get(t.title, t.title)),
                "有" if row.has_experience else "无",
                row.years,
                "；".join(
                    f"{r.year} {r.to_school.name} {EXCHANGE_KINDS.get(r.kind, r.kind)} "
                    f"{EXCHANGE_STATES.get(r.state, r.state)} "
                    + "/".join(str(ASSESSMENT_GRADES.get(a.grade, a.grade)) for a in r.assessments)
                    for r in row.exchanges
                ),
                "、".join(row.certificates),
                row.rural_years or "",
                row.barred_until.isoformat() if row.barred_until else "",
            ]
        )
    return workbook_bytes({f"交流经历（截至{as_of.isoformat()}）": rows})
