"""The yearly assessment of exchange teachers (学年度考核): "对交流教师的工作考核、绩效考核，由
受援学校…组织实施，每学年进行一次…考核结果分为优秀、合格、基本合格、不合格四个等次，其中优秀等次
比例不超过15%。考核结果报市教育局审核备案" (seed 003 六.2; 001 "由接收学校对交流教师履职情况进行
评价").

The receiving school grades each exchange teacher serving there in a school year; the share of
优秀 is enforced per school over all its exchange teachers of that year; the bureau approves or
returns the school's grades. An approved 基本合格 or 不合格 for the last school year of the term
extends the service (003 六.2 "延长其交流服务期").
"""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import select

from ..core.clock import add_years, utcnow
from ..core.dates import day
from ..core.vocab import ASSESSMENT_GRADES
from ..extensions import db
from ..roster.models import ExchangeAssessment, ExchangeRecord, School
from .records import ExchangeError, add_event, policy_of, year_policy
from .rules import POOR_GRADES, excellent_cap

#: states of an exchange that was served during a school year
SERVED = ("serving", "returned", "stayed")


def serves_in(record: ExchangeRecord, school_year: int) -> bool:
    """Whether the exchange ran during the school year (2027 = 2027-09 … 2028-08)."""
    last = record.last_school_year
    return (
        record.state in SERVED
        and record.reported_on is not None
        and record.year <= school_year
        and (last is None or school_year <= last)
    )


def assessable(school: School, school_year: int) -> list[ExchangeRecord]:
    """The exchange teachers a school grades for a school year: all who served there in it."""
    records = db.session.scalars(
        select(ExchangeRecord)
        .where(ExchangeRecord.to_school_id == school.id, ExchangeRecord.state.in_(SERVED))
        .order_by(ExchangeRecord.id)
    ).all()
    return [r for r in records if serves_in(r, school_year)]


def assessment_of(record: ExchangeRecord, school_year: int) -> ExchangeAssessment | None:
    return next((a for a in record.assessments if a.school_year == school_year), None)


def save_grades(
    school: School, school_year: int, grades: dict[int, tuple[str, str]], actor: str = ""
) -> list[ExchangeAssessment]:
    """The school's grades for the school year (record id → (grade, note)), submitted to the
    bureau. Refused as a whole when a grade is unknown, a teacher did not serve here that year,
    a grade is already approved, or 优秀 would exceed the policy's share of the school's exchange
    teachers of the year."""
    records = {r.id: r for r in assessable(school, school_year)}
    for record_id, (grade, _note) in grades.items():
        if record_id not in records:
            raise ExchangeError(_("该教师%(y)s学年不在本校交流，不能由本校考核。", y=school_year))
        if grade not in ASSESSMENT_GRADES:
            raise ExchangeError(_("考核等次只能是优秀、合格、基本合格或不合格。"))
        existing = assessment_of(records[record_id], school_year)
        if existing is not None and existing.state == "approved" and existing.grade != grade:
            raise ExchangeError(
                _(
                    "%(name)s的%(y)s学年考核已经教育局审核，不能修改。",
                    name=records[record_id].teacher.name,
                    y=school_year,
                )
            )
    final = {
        r.id: (grades[r.id][0] if r.id in grades else (a.grade if (a := assessment_of(r, school_year)) else None))
        for r in records.values()
    }
    excellent = sum(1 for g in final.values() if g == "excellent")
    policy = year_policy(school_year)
    cap = excellent_cap(policy, len(records))
    if excellent > cap:
        share = float(policy.get("excellent_share", 0.15))
        raise ExchangeError(
            _(
                "优秀等次不超过%(share)s：本校%(y)s学年交流教师共%(n)s人，优秀至多%(cap)s人，现评为优秀%(count)s人。",
                share=format(share, ".0%"),
                y=school_year,
                n=len(records),
                cap=cap,
                count=excellent,
            )
        )
    saved = []
    for record_id, (grade, note) in grades.items():
        record = records[record_id]
        assessment = assessment_of(record, school_year)
        if assessment is not None and assessment.state == "approved":
            saved.append(assessment)
            continue
        if assessment is None:
            assessment = ExchangeAssessment(record_id=record.id, school_year=school_year, school_id=school.id)
            db.session.add(assessment)
            record.assessments.append(assessment)
        assessment.grade, assessment.note, assessment.state = grade, note.strip(), "submitted"
        assessment.graded_at, assessment.graded_by, assessment.review_note = utcnow(), actor, ""
        saved.append(assessment)
    db.session.flush()
    return saved


def review(
    school: School, school_year: int, approve: bool, note: str = "", actor: str = "", on: dt.date | None = None
) -> list[ExchangeAssessment]:
    """The bureau approves (审核备案) or returns a school's submitted grades of a school year.
    Approving the term's last grade 基本合格 or 不合格 extends the service."""
    submitted = db.session.scalars(
        select(ExchangeAssessment).where(
            ExchangeAssessment.school_id == school.id,
            ExchangeAssessment.school_year == school_year,
            ExchangeAssessment.state == "submitted",
        )
    ).all()
    if not submitted:
        raise ExchangeError(_("%(school)s没有待审核的%(y)s学年考核结果。", school=school.name, y=school_year))
    if not approve and not note.strip():
        raise ExchangeError(_("退回须写明理由。"))
    now = utcnow()
    for assessment in submitted:
        assessment.reviewed_at = now
        if not approve:
            assessment.state, assessment.review_note = "returned", note.strip()
            continue
        assessment.state, assessment.review_note = "approved", note.strip()
        _extend_on_poor_grade(assessment, actor, on or now.date())
    db.session.flush()
    return list(submitted)


def _extend_on_poor_grade(assessment: ExchangeAssessment, actor: str, on: dt.date) -> None:
    record = assessment.record
    if (
        assessment.grade not in POOR_GRADES
        or record.state != "serving"
        or record.planned_return is None
        or assessment.school_year != record.last_school_year
    ):
        return
    years = int(policy_of(record).get("poor_assessment_extends_years", 1) or 0)
    if years <= 0:
        return
    record.planned_return = add_years(record.planned_return, years)
    add_event(
        record,
        "extended",
        on,
        _(
            "期满考核为%(grade)s，延长交流服务期%(n)s年，至%(d)s",
            grade=ASSESSMENT_GRADES[assessment.grade],
            n=years,
            d=day(record.planned_return),
        ),
        actor,
    )


def review_summary(school_year: int) -> list[dict]:
    """Per receiving school: its exchange teachers of the year, graded, submitted, approved, 优秀."""
    schools = db.session.scalars(select(School).order_by(School.code)).all()
    rows = []
    for school in schools:
        records = assessable(school, school_year)
        if not records:
            continue
        grades = [assessment_of(r, school_year) for r in records]
        rows.append(
            {
                "school": school,
                "teachers": len(records),
                "graded": sum(1 for a in grades if a is not None),
                "submitted": sum(1 for a in grades if a is not None and a.state == "submitted"),
                "approved": sum(1 for a in grades if a is not None and a.state == "approved"),
                "returned": sum(1 for a in grades if a is not None and a.state == "returned"),
                "excellent": sum(1 for a in grades if a is not None and a.grade == "excellent"),
                "cap": excellent_cap(year_policy(school_year), len(records)),
            }
        )
    return rows
