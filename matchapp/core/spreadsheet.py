"""Spreadsheet exports that are safe to open.

A cell whose text starts with ``=``, ``+``, ``-`` or ``@`` would be read by Excel as a formula
(CSV/formula injection); such text is written with a leading apostrophe
so that it stays text.
"""

from __future__ import annotations

import io

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """Text that a spreadsheet would run as a formula is prefixed with ``'`` (shown as text)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def workbook_bytes(sheets: dict[str, list[list]]) -> bytes:
    """An .xlsx with one sheet per entry (first row bold, columns sized to their text)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title[:31])
        for row in rows:
            sheet.append([safe_cell(v) for v in row])
        for cell in sheet[1] if rows else []:
            cell.font = Font(bold=True)
        for k in range(1, (max((len(r) for r in rows), default=0)) + 1):
            width = max((len(str(r[k - 1])) for r in rows if len(r) >= k), default=4)
            sheet.column_dimensions[get_column_letter(k)].width = min(40, max(8, width * 2 + 2))
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
