"""The reporting-in slip (报到单) of a receiving school: who was placed there in the round, when
they must report, and room for the date and the signatures; a school returns it to the bureau
("交流人员报到单上报市教育局备案", seed 002 方案1). Printed from a page whose body
(``templates/exchanges/_slip_body.html``) needs nothing but :func:`slip`'s data, so a PDF can be
made from the same template; and as .xlsx.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from ..core.dates import day
from ..core.spreadsheet import workbook_bytes
from ..core.vocab import EXCHANGE_KINDS, EXCHANGE_STATES, GENDERS, SUBJECTS, TITLES
from ..extensions import db
from ..roster.models import Bureau, ExchangeRecord, School
from ..rounds.calendar import report_by
from ..rounds.models import Round


@dataclass
class SlipLine:
    number: int
    record: ExchangeRecord


@dataclass
class Slip:
    round: Round
    school: School
    bureau_name: str
    department: str
    report_by: dt.date
    lines: list[SlipLine]

    @property
    def reported(self) -> int:
        return sum(1 for line in self.lines if line.record.reported_on)


def slip(round_: Round, school: School) -> Slip:
    """Every exchange of the round to the school, in staff-number order."""
    records = db.session.scalars(
        select(ExchangeRecord)
        .where(ExchangeRecord.year == round_.year, ExchangeRecord.to_school_id == school.id)
        .order_by(ExchangeRecord.id)
    ).all()
    records = sorted(records, key=lambda r: r.teacher.staff_no)
    bureau = db.session.scalar(select(Bureau).limit(1))
    return Slip(
        round_,
        school,
        bureau.name if bureau else "教育局",
        bureau.department if bureau else "人事处",
        report_by(round_),
        [SlipLine(k + 1, r) for k, r in enumerate(records)],
    )


def slip_workbook(data: Slip) -> bytes:
    head = [
        "序号",
        "工号",
        "姓名",
        "性别",
        "学科",
        "职称",
        "原学校",
        "交流方式",
        "期限（年）",
        "应报到日期",
        "实际报到日期",
        "状态",
        "本人签名",
        "接收学校经办人",
    ]
    rows: list[list] = [head]
    for line in data.lines:
        r, t = line.record, line.record.teacher
        rows.append(
            [
                line.number,
                t.staff_no,
                t.name,
                str(GENDERS.get(t.gender, t.gender)),
                str(SUBJECTS.get(t.subject, t.subject)),
                str(TITLES.get(t.title, t.title)),
                r.from_school.name,
                str(EXCHANGE_KINDS.get(r.kind, r.kind)),
                r.term_years,
                day(data.report_by),
                day(r.reported_on) if r.reported_on else "",
                str(EXCHANGE_STATES.get(r.state, r.state)),
                "",
                "",
            ]
        )
    return workbook_bytes({f"{data.round.year}年度报到单 {data.school.code}": rows})
