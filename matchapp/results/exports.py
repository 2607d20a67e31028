"""The results as a spreadsheet (.xlsx), with formula cells neutralised."""

from __future__ import annotations

from sqlalchemy import select

from ..core.spreadsheet import workbook_bytes
from ..core.vocab import SUBJECTS, TIERS
from ..extensions import db
from ..roster.models import School, Teacher
from ..runs.models import Placement, Run
from .homes import home_schools

HOW = {"matched": "双向选择", "assigned": "行政指定", "unplaced": "未安排"}


def results_workbook(run: Run) -> bytes:
    placements = db.session.scalars(select(Placement).where(Placement.run_id == run.id)).all()
    teachers = {
        t.id: t for t in db.session.scalars(select(Teacher).where(Teacher.id.in_([p.teacher_id for p in placements])))
    }
    schools = {s.id: s for s in db.session.scalars(select(School))}
    homes = home_schools(run)
    rows: list[list] = [
        ["工号", "姓名", "学科", "原学校", "原学校类别", "交流学校", "交流学校类别", "方式", "志愿", "调整理由"]
    ]
    for p in sorted(placements, key=lambda p: teachers[p.teacher_id].staff_no):
        t = teachers[p.teacher_id]
        dst = schools.get(p.school_id) if p.school_id else None
        src = schools[homes.get(t.id, t.school_id)]
        rows.append(
            [
                t.staff_no,
                t.name,
                str(SUBJECTS.get(t.subject, t.subject)),
                src.name,
                str(TIERS[src.tier]),
                dst.name if dst else "",
                str(TIERS[dst.tier]) if dst else "",
                HOW[p.how],
                p.preference_rank or "",
                p.reason,
            ]
        )
    return workbook_bytes({"交流结果": rows})
