"""Quotas by school and subject (分学科交流指标), issued and edited by the bureau.

Seed 000 篇一 (Ganzhou): "于每年7月底前制定校长和各学科专任教师交流轮岗计划，分学科下达交流轮岗
指标", and the school "根据区教育局下达的各学科交流轮岗指标和确定原则…提出交流轮岗推荐意见"; seed
002 方案1 (Datong): "下达各学校应交流的学科及交流名额指标". When the policy's ``quotas_by_subject``
is on, the ordering rule fills each subject to its quota and the checks compare each subject.

The bureau proposes them from the school quotas (shared among subjects in proportion to the
teachers due, by largest remainders), edits them on a page, or imports them from a spreadsheet
(all rows or none); every change is audited (the model is). A school's subject quotas should add
up to its quota: the page and the checks flag the schools where they do not.
"""

from __future__ import annotations

import re
import unicodedata
from fractions import Fraction

from flask_babel import gettext as _
from sqlalchemy import select

from ..core.imports import Header, ImportRefused, ImportReport, Problem, read_rows
from ..core.vocab import SUBJECT_BY_NAME, SUBJECTS, subject_label
from ..extensions import db
from ..roster.models import School
from ..rounds.models import Round
from ..rounds.states import require
from .models import SubjectQuota
from .outgoing import PreparationError
from .quotas import Quota, all_quotas, subject_quotas

MAX_COUNT = 500
MAX_ROWS = 50_000  # schools × subjects of a province
MAX_COLUMNS = 20
COLUMNS: dict[str, tuple[str, bool]] = {
    "学校代码": ("code", True),
    "学校": ("name", False),
    "学科": ("subject", True),
    "应交流人数": ("eligible", False),
    "交流名额": ("count", True),
}


def share_by_subject(total: int, eligible: dict[str, int]) -> dict[str, int]:
    """``total`` shared among subjects in proportion to their teachers due, by largest remainders
    (ties: the vocabulary's subject order), never more in a subject than it has due.

    >>> share_by_subject(3, {"math": 4, "chinese": 5, "music": 1})
    {'chinese': 2, 'math': 1, 'music': 0}
    """
    due = sum(eligible.values())
    total = min(total, due)
    if not due or total <= 0:
        return {s: 0 for s in eligible}
    order = {s: k for k, s in enumerate(SUBJECTS)}
    exact = {s: Fraction(total * n, due) for s, n in eligible.items()}
    counts = {s: int(v) for s, v in exact.items()}
    left = total - sum(counts.values())
    for s in sorted(eligible, key=lambda s: (-(exact[s] - counts[s]), order.get(s, 99), s))[:left]:
        counts[s] += 1
    return {s: counts[s] for s in sorted(counts, key=lambda s: (order.get(s, 99), s))}


def propose_subject_quotas(round_: Round, quotas: list[Quota] | None = None) -> int:
    """Issue quotas by subject for every school that has none yet: its quota shared among its
    subjects by the teachers due. Schools already issued keep theirs. Returns the schools issued."""
    require(round_, "edit_lists")
    quotas = all_quotas(round_) if quotas is None else quotas
    issued = subject_quotas(round_)
    done = 0
    for q in quotas:
        if q.school.id in issued or q.quota is None:
            continue
        for subject, count in share_by_subject(q.quota, q.by_subject).items():
            db.session.add(SubjectQuota(round_id=round_.id, school_id=q.school.id, subject=subject, count=count))
        done += 1
    db.session.flush()
    return done


def set_subject_quotas(round_: Round, values: dict[tuple[int, str], int]) -> int:
    """Set many (school, subject) quotas at once, all or none. Returns how many changed."""
    require(round_, "edit_lists")
    for (school_id, subject), count in values.items():
        if subject not in SUBJECTS:
            raise PreparationError(_("没有“%(s)s”这个学科。", s=subject))
        if not 0 <= count <= MAX_COUNT:
            raise PreparationError(_("交流名额应在0到%(max)s之间。", max=MAX_COUNT))
        if db.session.get(School, school_id) is None:
            raise PreparationError(_("没有这所学校。"))
    rows = {
        (q.school_id, q.subject): q
        for q in db.session.scalars(select(SubjectQuota).where(SubjectQuota.round_id == round_.id))
    }
    changed = 0
    for (school_id, subject), count in values.items():
        row = rows.get((school_id, subject))
        if row is None:
            if count == 0:
                continue  # nothing issued stays nothing
            db.session.add(SubjectQuota(round_id=round_.id, school_id=school_id, subject=subject, count=count))
            changed += 1
        elif row.count != count:
            row.count = count
            changed += 1
    db.session.flush()
    return changed


_CELL = re.compile(r"^q-([0-9]{1,9})-([a-z_]{1,32})$")


def parse_count(text: str) -> int | None:
    """A quota as typed: a whole number from 0 to 500 (full-width digits too); None otherwise.

    >>> parse_count("3"), parse_count(" １２ "), parse_count("501"), parse_count("2.5"), parse_count("")
    (3, 12, None, None, None)
    """
    cleaned = unicodedata.normalize("NFKC", text or "").strip()
    if not re.fullmatch(r"[0-9]{1,3}", cleaned) or int(cleaned) > MAX_COUNT:
        return None
    return int(cleaned)


def parse_quota_cells(form: dict[str, str]) -> tuple[dict[tuple[int, str], int], list[str]]:
    """The page's cells (``q-<school id>-<subject>`` = a whole number) as values, and a message for
    each cell that is not a whole number from 0 to 500. Other fields are ignored; a blank cell is 0."""
    values: dict[tuple[int, str], int] = {}
    problems: list[str] = []
    for name, text in form.items():
        match = _CELL.match(name)
        if not match:
            continue
        school_id, subject = int(match.group(1)), match.group(2)
        cleaned = (text or "").strip()
        if subject not in SUBJECTS:
            problems.append(_("没有“%(s)s”这个学科。", s=subject[:32]))
            continue
        count = parse_count(cleaned) if cleaned else 0
        if count is not None:
            values[(school_id, subject)] = count
        else:
            problems.append(
                _("%(subject)s的名额“%(text)s”应为0到500的整数。", subject=subject_label(subject), text=cleaned[:12])
            )
    return values, problems


# -- the spreadsheet ---------------------------------------------------------------------------


def quota_sheet(round_: Round) -> list[list]:
    """The quotas as rows of the import format: one row per school and subject due or issued."""
    rows: list[list] = [list(COLUMNS)]
    for q in all_quotas(round_):
        for s in subjects_of(q):
            rows.append([q.school.code, q.school.name, subject_label(s), q.by_subject.get(s, 0), q.issued.get(s, 0)])
    return rows


def subjects_of(q: Quota) -> list[str]:
    """A school's subjects in the quota table: those with teachers due, issued, or listed."""
    order = list(SUBJECTS)
    found = set(q.by_subject) | set(q.issued) | set(q.listed_by_subject)
    return sorted(found, key=lambda s: (order.index(s) if s in order else 99, s))


def import_subject_quotas(round_: Round, data: bytes, filename: str) -> ImportReport:
    """Check and write a quota sheet (学校代码, 学科, 交流名额), all rows or none; importing it again
    changes nothing."""
    require(round_, "edit_lists")
    rows = read_rows(data, filename, MAX_ROWS, MAX_COLUMNS)
    header = Header.of(rows, COLUMNS, "文件是空的，第一行应为表头")
    if not header.position:
        raise ImportRefused(ImportReport(problems=header.problems))
    problems = list(header.problems)
    schools = {s.code: s for s in db.session.scalars(select(School))}
    values: dict[tuple[int, str], int] = {}
    first: dict[tuple[str, str], int] = {}
    for number, raw in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in raw):
            continue
        cell = header.cells(raw)
        code, name, text = cell.get("学校代码", ""), cell.get("学科", ""), cell.get("交流名额", "")
        school = schools.get(code)
        subject = SUBJECT_BY_NAME.get(name) or (name if name in SUBJECTS else None)
        before = len(problems)
        if not code:
            problems.append(Problem(number, "学校代码", "必填，不能为空"))
        elif school is None:
            problems.append(Problem(number, "学校代码", f"“{code[:32]}”不是已登记的学校"))
        if subject is None:
            problems.append(Problem(number, "学科", f"“{name[:32]}”不在可选范围内（{'、'.join(SUBJECT_BY_NAME)}）"))
        count = parse_count(text)
        if count is None:
            problems.append(Problem(number, "交流名额", f"“{text[:12]}”应为0到{MAX_COUNT}的整数"))
        if len(problems) > before or school is None or subject is None or count is None:
            continue
        key = (code, subject)
        if key in first:
            problems.append(Problem(number, "学科", f"与第{first[key]}行重复（同一学校同一学科）"))
            continue
        first[key] = number
        values[(school.id, subject)] = count
    if not values and not problems:
        problems.append(Problem(0, "", "文件中没有名额数据"))
    report = ImportReport(problems=problems)
    if problems:
        raise ImportRefused(report)
    existing = {
        (q.school_id, q.subject): q.count
        for q in db.session.scalars(select(SubjectQuota).where(SubjectQuota.round_id == round_.id))
    }
    report.created = sum(1 for k, v in values.items() if k not in existing and v)
    report.updated = sum(1 for k, v in values.items() if k in existing and existing[k] != v)
    report.unchanged = len(values) - report.created - report.updated
    set_subject_quotas(round_, values)
    return report
