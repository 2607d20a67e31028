"""What every import of a table shares (rosters, the school register, staffing): problems named by
row and column, a report, all rows or none, and the parsing of the cells people type.

An importer reads the file with :func:`read_rows` (the bounded reader of uploads), checks every
row, and raises :class:`ImportRefused` with every problem at once if there is a single one:
nothing is written unless the whole file is right, and importing it again changes nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from .spreadsheet import SpreadsheetError, read_table

_YES = {"是", "Y", "y", "yes", "Yes", "YES", "1", "true", "True", "TRUE", "√", "✓"}
_NO = {"", "否", "N", "n", "no", "No", "NO", "0", "false", "False", "FALSE"}
_DATE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*$")


@dataclass(frozen=True)
class Problem:
    row: int  # as numbered in the spreadsheet (the header is row 1); 0 for the whole file
    column: str
    message: str

    def __str__(self) -> str:
        where = f"第{self.row}行" if self.row else "文件"
        return f"{where}{'「' + self.column + '」' if self.column else ''}：{self.message}"


@dataclass
class ImportReport:
    problems: list[Problem] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


class ImportRefused(Exception):
    """The file was not written: ``report.problems`` says why."""

    def __init__(self, report: ImportReport):
        super().__init__(f"{len(report.problems)} problem(s)")
        self.report = report


def read_rows(data: bytes, filename: str, max_rows: int, max_columns: int) -> list[list[str]]:
    """The cells of the first sheet (or the CSV) as text, header first; a file that cannot be read
    is refused like any other problem."""
    try:
        return read_table(data, filename, max_rows=max_rows, max_columns=max_columns)
    except SpreadsheetError as exc:
        raise ImportRefused(ImportReport([Problem(exc.row or 0, "", str(exc))])) from None


def parse_date(text: str) -> dt.date | None:
    """``2015-09-01``, ``2015/9/1``, ``2015.9.1`` or ``2015年9月1日``; ``None`` if not a date.

    >>> parse_date("2015年9月1日"), parse_date("2015/02/30")
    (datetime.date(2015, 9, 1), None)
    """
    match = _DATE.match(text)
    if not match:
        return None
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def parse_yes(text: str) -> bool | None:
    """是/否 (and Y/N, 1/0, TRUE/FALSE, ✓); ``None`` when it is neither."""
    if text in _YES:
        return True
    if text in _NO:
        return False
    return None


@dataclass
class Header:
    """The columns of a sheet's header row that an importer knows."""

    position: dict[str, int]
    problems: list[Problem]

    @classmethod
    def of(cls, rows: list[list[str]], columns: dict[str, tuple[str, bool]], empty_message: str) -> Header:
        if not rows or not any(rows[0]):
            return cls({}, [Problem(0, "", empty_message)])
        header = [h.strip().replace(" ", "") for h in rows[0]]
        missing = [h for h, (_key, required) in columns.items() if required and h not in header]
        if missing:
            return cls({}, [Problem(1, h, "缺少必填列") for h in missing])
        problems, seen = [], set()
        for h in header:
            if h in seen and h in columns:
                problems.append(Problem(1, h, "列名重复"))
            seen.add(h)
        return cls({h: header.index(h) for h in columns if h in header}, problems)

    def cells(self, row: list[str]) -> dict[str, str]:
        return {h: (row[k].strip() if k < len(row) else "") for h, k in self.position.items()}


def template_bytes(title: str, headers: list[str], example: list, required: set[str], notes: dict[str, str]) -> bytes:
    """A downloadable template: headers (required ones shaded), one example row, and a sheet that
    says what each column takes."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(headers)
    sheet.append(example)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        if cell.value in required:
            cell.fill = PatternFill("solid", fgColor="FCE4E4")
    for k, header in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(k)].width = max(10, len(header) * 2 + 4)
    explain = book.create_sheet("填写说明")
    explain.append(["列", "是否必填", "填写要求"])
    for header in headers:
        explain.append([header, "必填" if header in required else "选填", notes.get(header, "")])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
