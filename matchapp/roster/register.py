"""The school register (学校名册): schools with their stage, tier (and when it was rated), zone,
locality, group and core school, paired school and leadership team; staffing by subject. Created
and edited on pages or imported from a spreadsheet (all rows or none, idempotent by school code,
audited), and checked against the seed's rules."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..core.clock import local_today
from ..core.errors import Refused
from ..core.imports import (
    Header,
    ImportRefused,
    ImportReport,
    Problem,
    parse_date,
    parse_yes,
    read_rows,
    template_bytes,
)
from ..core.vocab import LOCALITY_BY_NAME, STAGE_BY_NAME, SUBJECT_BY_NAME, TIER_BY_NAME
from ..extensions import db
from .models import School, Staffing, Teacher
from .rules import rating_due, tier_share_over

MAX_ROWS = 20_000  # a province has a few thousand schools
MAX_COLUMNS = 40
_CODE = re.compile(r"[A-Za-z0-9_-]{1,32}")

#: column header -> (field, required)
SCHOOL_COLUMNS: dict[str, tuple[str, bool]] = {
    "学校代码": ("code", True),
    "学校名称": ("name", True),
    "学段": ("stage", True),
    "类别": ("tier", True),
    "类别评定时间": ("tier_rated_on", False),
    "片区": ("zone", True),
    "城乡类型": ("locality", True),
    "教育集团或联盟": ("alliance", False),
    "是否核心校": ("alliance_core", False),
    "对口支援学校代码": ("paired", False),
    "领导班子人数": ("leadership_size", False),
}
SCHOOL_EXAMPLE = [
    "S01",
    "常州市第一中学",
    "初中",
    "优质",
    "2025-07-01",
    "湖塘片区",
    "城区",
    "湖塘教育集团",
    "是",
    "",
    "7",
]
SCHOOL_NOTES = {
    "学校代码": "教育局登记的学校代码，再次导入时按代码更新",
    "学段": "、".join(STAGE_BY_NAME),
    "类别": "优质、一般、薄弱（每三年评定一次）",
    "类别评定时间": "如 2025-07-01",
    "城乡类型": "城区、乡镇、农村、山区海岛",
    "是否核心校": "是 / 否",
    "对口支援学校代码": "本名册中另一所学校的代码",
    "领导班子人数": "0 到 50 的整数",
}
STAFFING_COLUMNS: dict[str, tuple[str, bool]] = {
    "学校代码": ("code", True),
    "学科": ("subject", True),
    "编制数": ("established", True),
    "在岗数": ("in_post", True),
}
STAFFING_EXAMPLE = ["S01", "数学", "12", "13"]


def _int(text: str, low: int, high: int) -> int | None:
    if not re.fullmatch(r"\d{1,6}", text):
        return None
    value = int(text)
    return value if low <= value <= high else None


def check_school_rows(
    rows: list[list[str]], existing: dict[str, School], today: dt.date
) -> tuple[list[Problem], list[dict]]:
    header = Header.of(rows, SCHOOL_COLUMNS, "文件是空的，第一行应为表头")
    if not header.position:
        return header.problems, []
    problems = list(header.problems)
    records: list[dict] = []
    first_code: dict[str, int] = {}
    first_name: dict[str, int] = {}
    names_taken = {s.name: s.code for s in existing.values()}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        cell = header.cells(row)
        record: dict = {"_row": number}

        def bad(column: str, message: str, number=number) -> None:
            problems.append(Problem(number, column, message))

        for h, (_key, required) in SCHOOL_COLUMNS.items():
            if required and not cell.get(h):
                bad(h, "必填，不能为空")
        code = cell.get("学校代码", "")
        if code:
            if not _CODE.fullmatch(code):
                bad("学校代码", f"“{code}”格式不对：只能包含字母、数字、-、_，最长32位")
            elif code in first_code:
                bad("学校代码", f"“{code}”与第{first_code[code]}行重复")
            else:
                first_code[code] = number
        record["code"] = code
        name = cell.get("学校名称", "")
        if len(name) > 128:
            bad("学校名称", "超过128个字符")
        elif name in first_name:
            bad("学校名称", f"“{name}”与第{first_name[name]}行重复")
        elif name and names_taken.get(name) not in (None, code):
            bad("学校名称", f"“{name}”已是学校{names_taken[name]}的名称")
        first_name.setdefault(name, number)
        record["name"] = name
        for h, key, vocab in (
            ("学段", "stage", STAGE_BY_NAME),
            ("类别", "tier", TIER_BY_NAME),
            ("城乡类型", "locality", LOCALITY_BY_NAME),
        ):
            text = cell.get(h, "")
            if text:
                record[key] = vocab.get(text)
                if record[key] is None:
                    bad(h, f"“{text}”不在可选范围内（{'、'.join(vocab)}）")
        rated = cell.get("类别评定时间", "")
        record["tier_rated_on"] = None
        if rated:
            record["tier_rated_on"] = parse_date(rated)
            if record["tier_rated_on"] is None:
                bad("类别评定时间", f"“{rated}”不是有效日期（应如 2025-07-01）")
            elif record["tier_rated_on"] > today:
                bad("类别评定时间", f"“{rated}”晚于今天")
        record["zone"] = cell.get("片区", "")[:64]
        record["alliance"] = cell.get("教育集团或联盟", "")[:64]
        core = parse_yes(cell.get("是否核心校", ""))
        if core is None:
            bad("是否核心校", f"“{cell.get('是否核心校')}”应为“是”或“否”")
        elif core and not record["alliance"]:
            bad("是否核心校", "核心校须填写所属教育集团或联盟")
        record["alliance_core"] = bool(core)
        size = cell.get("领导班子人数", "")
        record["leadership_size"] = 0
        if size:
            value = _int(size, 0, 50)
            if value is None:
                bad("领导班子人数", f"“{size}”应为0到50的整数")
            else:
                record["leadership_size"] = value
        record["paired"] = cell.get("对口支援学校代码", "")
        records.append(record)
    known = set(existing) | set(first_code)
    for record in records:
        paired = record["paired"]
        if paired and paired not in known:
            problems.append(Problem(record["_row"], "对口支援学校代码", f"“{paired}”不是名册中的学校"))
        elif paired and paired == record["code"]:
            problems.append(Problem(record["_row"], "对口支援学校代码", "不能与本校结对"))
    if not records and not problems:
        problems.append(Problem(0, "", "文件中没有学校数据"))
    return problems, records


_SCHOOL_FIELDS = (
    "name",
    "stage",
    "tier",
    "tier_rated_on",
    "zone",
    "locality",
    "alliance",
    "alliance_core",
    "leadership_size",
)


def import_schools(data: bytes, filename: str, today: dt.date | None = None) -> ImportReport:
    """Check and write a school register file, all or nothing (raises :class:`ImportRefused`)."""
    rows = read_rows(data, filename, MAX_ROWS, MAX_COLUMNS)
    return save_school_records(rows, today)


def save_school_records(rows: list[list[str]], today: dt.date | None = None) -> ImportReport:
    existing = {s.code: s for s in db.session.scalars(select(School))}
    problems, records = check_school_rows(rows, existing, today or local_today())
    report = ImportReport(problems=problems)
    if problems:
        raise ImportRefused(report)
    by_code = dict(existing)
    for record in records:
        values = {k: record[k] for k in _SCHOOL_FIELDS}
        values["rural"] = record["locality"] in ("rural", "remote")
        school = existing.get(record["code"])
        if school is None:
            school = School(code=record["code"], **values)
            db.session.add(school)
            by_code[record["code"]] = school
            report.created += 1
            continue
        changed = False
        for key, value in values.items():
            if getattr(school, key) != value:
                setattr(school, key, value)
                changed = True
        report.updated += changed
        report.unchanged += not changed
    db.session.flush()
    for record in records:
        school = by_code[record["code"]]
        paired_id = by_code[record["paired"]].id if record["paired"] else None
        if school.paired_school_id != paired_id:
            if record["code"] in existing and report.unchanged:
                report.unchanged -= 1
                report.updated += 1
            school.paired_school_id = paired_id
    db.session.flush()
    return report


def import_staffing(data: bytes, filename: str) -> ImportReport:
    """Staffing by subject (学校代码, 学科, 编制数, 在岗数), all rows or none, by (school, subject)."""
    return save_staffing_rows(read_rows(data, filename, MAX_ROWS * 16, MAX_COLUMNS))


def save_staffing_rows(rows: list[list[str]]) -> ImportReport:
    """Check and write rows of staffing (header first), all or nothing."""
    header = Header.of(rows, STAFFING_COLUMNS, "文件是空的，第一行应为表头")
    if not header.position:
        raise ImportRefused(ImportReport(header.problems))
    problems = list(header.problems)
    schools = {s.code: s for s in db.session.scalars(select(School))}
    seen: dict[tuple[str, str], int] = {}
    records: list[tuple[School | None, str | None, dict]] = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        cell = header.cells(row)
        code, subject_name = cell.get("学校代码", ""), cell.get("学科", "")
        for h in STAFFING_COLUMNS:
            if not cell.get(h):
                problems.append(Problem(number, h, "必填，不能为空"))
        school = schools.get(code)
        if code and school is None:
            problems.append(Problem(number, "学校代码", f"“{code}”不是已登记的学校"))
        subject = SUBJECT_BY_NAME.get(subject_name)
        if subject_name and subject is None:
            problems.append(Problem(number, "学科", f"“{subject_name}”不在可选范围内（{'、'.join(SUBJECT_BY_NAME)}）"))
        if code and subject and (code, subject) in seen:
            problems.append(Problem(number, "学科", f"{code}的{subject_name}与第{seen[(code, subject)]}行重复"))
        seen.setdefault((code, subject or ""), number)
        numbers: dict[str, int] = {}
        for h, key in (("编制数", "established"), ("在岗数", "in_post")):
            text = cell.get(h, "")
            if text:
                value = _int(text, 0, 5000)
                if value is None:
                    problems.append(Problem(number, h, f"“{text}”应为0到5000的整数"))
                else:
                    numbers[key] = value
        records.append((school, subject, numbers))
    if not records and not problems:
        problems.append(Problem(0, "", "文件中没有编制数据"))
    report = ImportReport(problems=problems)
    if problems:
        raise ImportRefused(report)
    current = {(s.school_id, s.subject): s for s in db.session.scalars(select(Staffing))}
    for school, subject, numbers in records:
        assert school is not None and subject is not None  # every problem was refused above
        staffing = current.get((school.id, subject))
        if staffing is None:
            db.session.add(Staffing(school_id=school.id, subject=subject, **numbers))
            report.created += 1
        elif (staffing.established, staffing.in_post) != (numbers["established"], numbers["in_post"]):
            staffing.established, staffing.in_post = numbers["established"], numbers["in_post"]
            report.updated += 1
        else:
            report.unchanged += 1
    db.session.flush()
    return report


def school_template() -> bytes:
    required = {h for h, (_k, r) in SCHOOL_COLUMNS.items() if r}
    return template_bytes("学校名册", list(SCHOOL_COLUMNS), SCHOOL_EXAMPLE, required, SCHOOL_NOTES)


def staffing_template() -> bytes:
    return template_bytes(
        "分学科编制",
        list(STAFFING_COLUMNS),
        STAFFING_EXAMPLE,
        set(STAFFING_COLUMNS),
        {"学科": "、".join(SUBJECT_BY_NAME)},
    )


# -- checks -----------------------------------------------------------------------------------


@dataclass
class RegisterCheck:
    level: str  # ok | warn
    message: str


def register_checks(today: dt.date | None = None) -> list[RegisterCheck]:
    """What the bureau reads on the register: the 30% caps of strong and weak schools, tiers due
    for re-rating (seed 000 篇三)."""
    today = today or local_today()
    schools = db.session.scalars(select(School)).all()
    total = len(schools)
    out = []
    for tier, label in (("strong", _("优质学校")), ("weak", _("薄弱学校"))):
        count = sum(s.tier == tier for s in schools)
        share = round(100 * count / total, 1) if total else 0
        over = tier_share_over(count, total)
        out.append(
            RegisterCheck(
                "warn" if over else "ok",
                _(
                    "%(label)s%(n)s所，占%(share)s%%，%(verdict)s（原则上不超过30%%）",
                    label=label,
                    n=count,
                    share=share,
                    verdict=_("超过上限") if over else _("未超过"),
                ),
            )
        )
    due = [s for s in schools if rating_due(s.tier_rated_on, today)]
    out.append(
        RegisterCheck(
            "warn" if due else "ok",
            _(
                "%(n)s所学校的类别未评定或已满三年，需重新评定：%(names)s",
                n=len(due),
                names="、".join(s.name for s in due[:10]) + ("…" if len(due) > 10 else ""),
            )
            if due
            else _("各校类别均在三年内评定"),
        )
    )
    return out


class RegisterError(Refused):
    """A change to the register that is not allowed."""


def save_school(school: School | None, values: dict, paired_code: str) -> School:
    """Create a school or change one (audited); the code and the name stay unique."""
    code, name = values["code"], values["name"]
    other = db.session.scalar(select(School).where(School.code == code))
    if other is not None and other is not school:
        raise RegisterError(_("学校代码“%(code)s”已被%(name)s使用。", code=code, name=other.name))
    other = db.session.scalar(select(School).where(School.name == name))
    if other is not None and other is not school:
        raise RegisterError(_("学校名称“%(name)s”已被学校%(code)s使用。", name=name, code=other.code))
    paired = None
    if paired_code:
        paired = db.session.scalar(select(School).where(School.code == paired_code))
        if paired is None or paired is school:
            raise RegisterError(_("对口支援学校“%(code)s”不是名册中的另一所学校。", code=paired_code))
    if values.get("alliance_core") and not values.get("alliance"):
        raise RegisterError(_("核心校须填写所属教育集团或联盟。"))
    if school is None:
        school = School()
        db.session.add(school)
    for key, value in values.items():
        setattr(school, key, value)
    school.rural = school.locality in ("rural", "remote")
    school.paired_school_id = paired.id if paired else None
    db.session.flush()
    return school


def staffing_of(school: School) -> list[dict]:
    """Each subject's establishment, teachers in post, and the roster's count, with 超编/缺编."""
    roster = dict(
        db.session.execute(
            select(Teacher.subject, func.count()).where(Teacher.school_id == school.id).group_by(Teacher.subject)
        ).all()
    )
    rows = []
    for s in school.staffing:
        rows.append(
            {
                "subject": s.subject,
                "established": s.established,
                "in_post": s.in_post,
                "balance": s.balance,
                "roster": roster.get(s.subject, 0),
            }
        )
    return rows
