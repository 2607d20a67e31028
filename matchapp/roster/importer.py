"""Roster import (教师名册导入): .xlsx and .csv (UTF-8 or GBK), all rows or none.

A file is read into rows of text, every row is checked (required fields, dates, the vocabulary
of subjects, titles and education, known schools, duplicate 工号), and the problems are
reported as (row, column, problem) in Chinese. Only a file without a single problem is written:
new teachers are created, changed ones updated (by 工号, audited), unchanged ones left alone, so
importing the same file twice changes nothing the second time.
"""

from __future__ import annotations

import datetime as dt
import io
import re

from sqlalchemy import select

from ..core.clock import local_today
from ..core.imports import Header, ImportRefused, ImportReport, Problem, parse_date, parse_yes, read_rows
from ..core.vocab import EDUCATION_BY_NAME, GENDER_BY_NAME, SUBJECT_BY_NAME, TITLE_BY_NAME
from ..extensions import db
from .models import School, Teacher

#: column header -> (field, required)
COLUMNS: dict[str, tuple[str, bool]] = {
    "工号": ("staff_no", True),
    "姓名": ("name", True),
    "性别": ("gender", True),
    "出生日期": ("birth_date", True),
    "学校代码": ("school", True),
    "学科": ("subject", True),
    "职称": ("title", False),
    "职称取得时间": ("title_date", False),  # 取得资格 (qualified)
    "职称聘任时间": ("title_appointed_on", False),  # 聘任 (appointed), seed 000 篇一 "先评审取得资格并先聘任"
    "学历": ("education", True),
    "专业称号": ("honours", False),
    "骨干教师": ("backbone", False),
    "到本校任教时间": ("started_at_school", True),
    "参加工作时间": ("started_work", False),
    "身份证号": ("id_number", False),
    "行政职务": ("leadership_role", False),
    "任现职时间": ("leader_since", False),  # a school leader's start in the post here (terms of office)
}
HEADERS = list(COLUMNS)
EXAMPLE = [
    "CZ10001",
    "王芳",
    "女",
    "1985-03-12",
    "S01",
    "数学",
    "中级",
    "2012-09-01",
    "2013-09-01",
    "本科",
    "市骨干教师",
    "是",
    "2016-09-01",
    "2008-09-01",
    "",
    "",
    "",
]
#: Bounds of a roster sheet. Rows, the header included: twice the teachers of a 100,000-teacher
#: province. Columns: the template has 13, a bureau's own export adds ID numbers, phones and
#: remarks up to about 40. Text in the first row or column past a bound is refused, so a table that
#: overflows is never silently cut; a stray cell further out, past an empty row or column, is not
#: read (core/spreadsheet.py reads .xlsx through openpyxl, which stops at the bound).
MAX_ROWS = 200_000
MAX_COLUMNS = 64
# -- checking rows --------------------------------------------------------------------------


def read_table(data: bytes, filename: str) -> list[list[str]]:
    """The cells of the roster's first sheet (or the CSV), within the roster's bounds."""
    return read_rows(data, filename, MAX_ROWS, MAX_COLUMNS)


def check_rows(
    rows: list[list[str]],
    schools: dict[str, School],
    existing: dict[str, Teacher],
    only_school: School | None = None,
    today: dt.date | None = None,
    id_owner: dict[str, str] | None = None,
):
    """Check every row; return (problems, records) where records are field dicts.

    ``id_owner`` maps the 身份证号 already on the roster to the 工号 that holds them."""
    id_owner = id_owner or {}
    today = today or local_today()
    header = Header.of(rows, COLUMNS, "文件是空的，第一行应为表头")
    if not header.position:
        return header.problems, []
    problems: list[Problem] = list(header.problems)
    records: list[dict] = []
    first_row: dict[str, int] = {}
    first_id: dict[str, int] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue  # blank lines are not rows
        cell = header.cells(row)
        record: dict = {"_row": number}

        def bad(column: str, message: str, number=number) -> None:
            problems.append(Problem(number, column, message))

        for h, (_, required) in COLUMNS.items():
            if required and not cell.get(h):
                bad(h, "必填，不能为空")
        staff_no = cell.get("工号", "")
        if staff_no:
            if len(staff_no) > 32 or not re.fullmatch(r"[A-Za-z0-9_-]+", staff_no):
                bad("工号", f"“{staff_no}”格式不对：只能包含字母、数字、-、_，最长32位")
            elif staff_no in first_row:
                bad("工号", f"“{staff_no}”与第{first_row[staff_no]}行重复")
            else:
                first_row[staff_no] = number
        record["staff_no"] = staff_no
        name = cell.get("姓名", "")
        if len(name) > 64:
            bad("姓名", "超过64个字符")
        record["name"] = name
        if cell.get("性别"):
            record["gender"] = GENDER_BY_NAME.get(cell["性别"])
            if record["gender"] is None:
                bad("性别", f"“{cell['性别']}”应为“男”或“女”")
        for h, key in (
            ("出生日期", "birth_date"),
            ("职称取得时间", "title_date"),
            ("职称聘任时间", "title_appointed_on"),
            ("到本校任教时间", "started_at_school"),
            ("任现职时间", "leader_since"),
            ("参加工作时间", "started_work"),
        ):
            text = cell.get(h, "")
            if text:
                value = parse_date(text)
                if value is None:
                    bad(h, f"“{text}”不是有效日期（应如 2015-09-01）")
                elif value > today:
                    bad(h, f"“{text}”晚于今天")
                elif value.year < 1930:
                    bad(h, f"“{text}”早于1930年")
                record[key] = value
            else:
                record[key] = None
        if (
            record.get("birth_date")
            and record.get("started_at_school")
            and record["started_at_school"] < record["birth_date"]
        ):
            bad("到本校任教时间", "早于出生日期")
        if (
            record.get("title_date")
            and record.get("title_appointed_on")
            and record["title_appointed_on"] < record["title_date"]
        ):
            bad("职称聘任时间", "早于职称取得时间（先取得资格，后聘任）")
        if record.get("birth_date") and record.get("leader_since") and record["leader_since"] < record["birth_date"]:
            bad("任现职时间", "早于出生日期")
        if (
            record.get("started_work")
            and record.get("started_at_school")
            and record["started_work"] > record["started_at_school"]
        ):
            bad("参加工作时间", "晚于到本校任教时间")
        if "参加工作时间" not in header.position:
            del record["started_work"]  # a file without the column leaves what the roster holds
        code = cell.get("学校代码", "")
        if code:
            school = schools.get(code)
            if school is None:
                bad("学校代码", f"“{code}”不是已登记的学校")
            elif only_school is not None and school.id != only_school.id:
                bad("学校代码", f"“{code}”不是本校，学校只能导入本校教师")
            record["school"] = school
        for h, key, vocab, allowed in (
            ("学科", "subject", SUBJECT_BY_NAME, "、".join(SUBJECT_BY_NAME)),
            ("学历", "education", EDUCATION_BY_NAME, "大专、本科、硕士、博士"),
        ):
            text = cell.get(h, "")
            if text:
                record[key] = vocab.get(text)
                if record[key] is None:
                    bad(h, f"“{text}”不在可选范围内（{allowed}）")
        title = cell.get("职称", "")
        record["title"] = TITLE_BY_NAME.get(title) if title else "none"
        if record["title"] is None:
            bad("职称", f"“{title}”不在可选范围内（未评、初级、中级、高级、正高级）")
        backbone = cell.get("骨干教师", "")
        record["backbone"] = parse_yes(backbone)
        if record["backbone"] is None:
            bad("骨干教师", f"“{backbone}”应为“是”或“否”")
        id_number = cell.get("身份证号", "").upper()
        record["id_number"] = id_number or None
        if id_number:
            if not id_number_valid(id_number):
                bad("身份证号", f"“{id_number}”不是有效的18位身份证号（校验位不符）")
            elif id_number in first_id:
                bad("身份证号", f"与第{first_id[id_number]}行重复")
            elif id_owner.get(id_number, staff_no) != staff_no:
                bad("身份证号", f"已属于工号{id_owner[id_number]}的教师")
            else:
                first_id[id_number] = number
        record["honours"] = cell.get("专业称号", "")[:256]
        record["leadership_role"] = cell.get("行政职务", "")[:64]
        if record.get("leader_since") and not record["leadership_role"]:
            bad("任现职时间", "只有校级领导填写：请同时填写行政职务")
        # A 工号 already on the roster: it must belong to the same person, in a school this
        # importer may touch.
        known = existing.get(staff_no)
        if known is not None:
            if only_school is not None and known.school_id != only_school.id:
                bad("工号", f"“{staff_no}”是其他学校的教师，学校只能导入本校教师")
            elif known.name != name and record.get("birth_date") not in (None, known.birth_date):
                bad("工号", f"“{staff_no}”已属于{known.name}（出生日期不同），请核对工号")
        records.append(record)
    if not records and not problems:
        problems.append(Problem(0, "", "文件中没有教师数据"))
    return problems, records


def id_number_valid(text: str) -> bool:
    """An 18-character resident ID (GB 11643): 17 digits and an ISO 7064 MOD 11-2 check character.

    >>> id_number_valid("11010519491231002X"), id_number_valid("110105194912310021")
    (True, False)
    """
    if not re.fullmatch(r"\d{17}[\dX]", text):
        return False
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    check = "10X98765432"[sum(int(d) * w for d, w in zip(text[:17], weights)) % 11]
    return text[17] == check


_FIELDS = (
    "name",
    "gender",
    "birth_date",
    "subject",
    "title",
    "title_date",
    "title_appointed_on",
    "education",
    "honours",
    "backbone",
    "started_at_school",
    "leadership_role",
    "leader_since",
    "id_number",
)


def import_roster(
    data: bytes, filename: str, only_school: School | None = None, today: dt.date | None = None
) -> ImportReport:
    """Check and write a roster file, all or nothing (raises :class:`ImportRefused`)."""
    rows = read_table(data, filename)
    schools = {s.code: s for s in db.session.scalars(select(School))}
    existing: dict[str, Teacher] = {}
    header = [h.strip() for h in rows[0]] if rows else []
    if "工号" in header:
        k = header.index("工号")
        numbers = sorted({row[k].strip() for row in rows[1:] if len(row) > k and row[k].strip()})
        for start in range(0, len(numbers), 5000):  # stay under the databases' parameter limits
            chunk = numbers[start : start + 5000]
            existing.update(
                (t.staff_no, t) for t in db.session.scalars(select(Teacher).where(Teacher.staff_no.in_(chunk)))
            )
    id_owner: dict[str, str] = {}
    if "身份证号" in header:
        k = header.index("身份证号")
        ids = sorted({row[k].strip().upper() for row in rows[1:] if len(row) > k and row[k].strip()})
        for start in range(0, len(ids), 5000):
            for number, staff_no in db.session.execute(
                select(Teacher.id_number, Teacher.staff_no).where(Teacher.id_number.in_(ids[start : start + 5000]))
            ):
                if number:
                    id_owner[number] = staff_no
    problems, records = check_rows(rows, schools, existing, only_school, today, id_owner)
    report = ImportReport(problems=problems)
    if problems:
        raise ImportRefused(report)
    new = []
    for record in records:
        values = {k: record[k] for k in _FIELDS}
        if "started_work" in record:
            values["started_work"] = record["started_work"]
        values["school_id"] = record["school"].id
        teacher = existing.get(record["staff_no"])
        if teacher is None:
            new.append(Teacher(staff_no=record["staff_no"], **values))
            report.created += 1
            continue
        changed = False
        for key, value in values.items():
            if getattr(teacher, key) != value:
                setattr(teacher, key, value)
                changed = True
        report.updated += changed
        report.unchanged += not changed
    db.session.add_all(new)
    db.session.flush()
    return report


def template_workbook() -> bytes:
    """The downloadable template: Chinese headers, one example row, and a sheet of allowed values."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    book = Workbook()
    sheet = book.active
    sheet.title = "教师名册"
    sheet.append(HEADERS)
    sheet.append(EXAMPLE)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        if COLUMNS[cell.value][1]:
            cell.fill = PatternFill("solid", fgColor="FCE4E4")
    for k, header in enumerate(HEADERS):
        sheet.column_dimensions[chr(ord("A") + k)].width = max(10, len(header) * 2 + 4)
    notes = book.create_sheet("填写说明")
    notes.append(["列", "是否必填", "填写要求"])
    explain = {
        "工号": "教师唯一编号，再次导入时按工号更新",
        "性别": "男 / 女",
        "出生日期": "如 1985-03-12",
        "学校代码": "教育局登记的学校代码，如 S01",
        "学科": "、".join(SUBJECT_BY_NAME),
        "职称": "未评、初级、中级（一级）、高级、正高级",
        "职称取得时间": "取得该职称资格（评审通过）的时间，如 2012-09-01",
        "职称聘任时间": "聘任该职称相应职务的时间，不早于取得时间；排序规则“先评审取得资格并先聘任”用",
        "行政职务": "校长、副校长等校级领导填写；填写者按干部任期交流，不参加双向选择",
        "任现职时间": "校级领导在本校担任现职的起始时间，如 2018-09-01（按任期判定是否应交流）",
        "学历": "大专、本科、硕士、博士",
        "骨干教师": "是 / 否（市级及以上称号）",
        "到本校任教时间": "如 2016-09-01",
        "参加工作时间": "如 2008-09-01；跨校竞聘要求参加工作满3年，不填时按到本校任教时间计算",
    }
    for header, (_, required) in COLUMNS.items():
        notes.append([header, "必填" if required else "选填", explain.get(header, "")])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def import_roster_job(params: dict, report) -> dict:
    """The background form of :func:`import_roster`, for large files; the upload is removed after."""
    import os

    from ..core.audit import acting_as

    only = db.session.get(School, params["school_id"]) if params.get("school_id") else None
    try:
        with open(params["path"], "rb") as handle:
            data = handle.read()
        report(20, "正在检查每一行")
        with acting_as(params.get("actor", "import"), params.get("user_id")):
            try:
                result = import_roster(data, params["filename"], only_school=only)
            except ImportRefused as refused:
                problems = refused.report.problems
                lines = "\n".join(str(p) for p in problems[:50])
                raise RuntimeError(f"文件有{len(problems)}处问题，未导入任何数据：\n{lines}") from None
    finally:
        if os.path.exists(params["path"]):
            os.unlink(params["path"])
    return {"created": result.created, "updated": result.updated, "unchanged": result.unchanged}
