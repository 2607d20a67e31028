"""Spreadsheets in and out: exports that are safe to open, and one bounded reader of uploads.

Out: a cell whose text starts with ``=``, ``+``, ``-`` or ``@`` would be read by Excel as a formula
(CSV/formula injection); such text is written with a leading apostrophe so that it stays text.

In: :func:`read_table` reads an uploaded .xlsx (its first worksheet) or .csv (UTF-8 or GBK) into
rows of text, for any importer (rosters, school registers). An upload is hostile until read, so
the reader believes nothing a file says about itself and costs what the cells it finds deserve:

- an .xlsx is checked as a zip before anything is inflated (number of parts, declared sizes,
  compression ratio, encryption, compression method), and zipfile never inflates a member past
  its declared size;
- openpyxl then reads it (read-only, a row at a time) through defusedxml, which refuses
  entity declarations and external references (XXE, entity expansion); what openpyxl builds
  in memory is bounded before it builds it: the parts it parses whole (workbook, styles,
  relationships) in size, the XML of one row as it streams;
- a sheet's declared dimension (``<dimension ref="A1:XFD20000"/>``) is ignored, rows are
  built no wider than the column bound, reading stops one row past the row bound, and only
  rows with text are kept; text in the row or column past a bound is refused;
- every problem is a :class:`SpreadsheetError` whose message, in the user's language, says
  what is wrong and what to do; nothing else escapes (a 500 would be a bug).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import warnings
import zipfile
from dataclasses import dataclass
from decimal import Decimal

from defusedxml import DefusedXmlException
from flask_babel import gettext as _
from openpyxl import load_workbook
from openpyxl.packaging.manifest import Manifest
from openpyxl.packaging.relationship import get_dependents
from openpyxl.xml import constants as ooxml
from openpyxl.xml.functions import fromstring

__all__ = ["SpreadsheetError", "read_table", "safe_cell", "workbook_bytes"]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

#: Longest text of one cell: Excel's own limit, so anything longer was not written by Excel.
MAX_CELL_CHARS = 32_767
#: An .xlsx inflated, all parts together. A full 200,000-row register of 40 short columns is
#: about 300 MB of sheet XML; real uploads (20 MB at most) are far below.
MAX_UNPACKED_BYTES = 512 * 1024 * 1024
#: Deflate gives 5-15x on spreadsheet XML (a 100,000-teacher roster 11x, a sheet pre-formatted
#: for 200,000 rows 13x) and at most about 1,030x on anything: past this, a part of more than a
#: mebibyte is a zip bomb. With it, a 1 MB upload is at most 100 MB of XML.
MAX_RATIO = 100
_RATIO_FLOOR = 1024 * 1024
#: Parts of one .xlsx: Excel writes a dozen, plus a few per sheet, picture and chart.
MAX_PARTS = 10_000
#: The parts openpyxl parses whole into a tree, all together (the content types, relationships,
#: workbook, styles, properties and chart sheets; it streams only the worksheets and the shared
#: strings): a tree costs about ten times its XML, and styles at Excel's maximum of 64,000 cell
#: formats are 4-10 MB of XML.
MAX_TREE_BYTES = 16 * 1024 * 1024
#: The XML of one row of a worksheet, or between two rows: openpyxl keeps a row's cells until the
#: row ends, and every element it does not know until the sheet ends, at 30-60 times their XML.
#: Excel keeps text in the shared strings, so a row it writes is a few KB; what follows the
#: rows (merged cells, hyperlinks, validations) is rarely a megabyte.
MAX_ROW_XML_BYTES = 2 * 1024 * 1024
# openpyxl (read-only) follows these relationships into a tree; the others it streams
# (worksheets), reads as bytes (images, the theme) or leaves alone.
_TREE_RELATIONSHIPS = ("/chartsheet", "/drawing", "/chart")
_WORKBOOK_TYPES = (ooxml.XLSX, ooxml.XLSM, ooxml.XLTX, ooxml.XLTM)
_TREE_PARTS = ("[Content_Types].xml", "xl/workbook.xml", "xl/styles.xml", "docProps/core.xml", "docProps/custom.xml")

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and every password-protected .xlsx
# Built-in number formats that Chinese (and Japanese, Korean) Excel writes for its 年月日 dates
# without defining them; openpyxl knows only 14-22 and 45-47 as dates.
_CJK_DATE_FORMATS = frozenset([*range(27, 37), *range(50, 59)])
# OOXML's escape of a control character (_x000D_); openpyxl leaves these in the text.
_ESCAPED = re.compile(r"_x(00[01][0-9A-Fa-f])_")


class SpreadsheetError(ValueError):
    """An uploaded table that cannot be read. ``str()`` says why, for the user (translated);
    ``row`` is the spreadsheet row it concerns (1 is the first), or ``None`` for the whole file."""

    def __init__(self, message: str, row: int | None = None):
        super().__init__(message)
        self.row = row


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


# -- reading uploads ------------------------------------------------------------------------


def read_table(
    data: bytes,
    filename: str,
    *,
    max_rows: int,
    max_columns: int,
    max_cell_chars: int = MAX_CELL_CHARS,
    max_unpacked_bytes: int = MAX_UNPACKED_BYTES,
) -> list[list[str]]:
    """The cells of an uploaded table as text: the first worksheet of an .xlsx, or a .csv.

    ``rows[i][k]`` is the cell of spreadsheet row ``i + 1``, column ``k + 1``, as text without
    surrounding spaces (a date as ``2015-09-01``, a whole number without ``.0``). Empty rows
    inside the table are ``[]``; empty cells at the end of a row and empty rows at the end of the
    table are left out, however far away a file says its table ends.

    Parameters
    ----------
    data, filename
        The upload; the name's extension (``.xlsx`` or ``.csv``) says how to read it.
    max_rows, max_columns
        The bounds of the table (rows count from the first, a header included). A table that
        runs past them is refused, not cut off: text in the first row or column past a bound
        is an error. Of an .xlsx nothing farther is read (text beyond an empty row or column
        past the bound is not part of the table); a .csv is read to its end.
    max_cell_chars, max_unpacked_bytes
        The longest text of one cell, and the size of an .xlsx once inflated.

    Raises
    ------
    SpreadsheetError
        For anything that is not a table within the bounds: another kind of file, a damaged,
        encrypted or empty workbook, a zip bomb, a DTD (XXE, entity expansion), an encoding
        other than UTF-8 or GBK, NUL bytes, an unterminated quote, text past a bound.

    Examples
    --------
    >>> read_table("姓名,学科,\\n\\n王芳 , 数学,,\\n".encode("gbk"), "名册.csv", max_rows=10, max_columns=5)
    [['姓名', '学科'], [], ['王芳', '数学']]
    """
    limits = _Limits(max_rows, max_columns, max_cell_chars, max_unpacked_bytes)
    name = filename.lower()
    if name.endswith(".xlsx"):
        return _read_xlsx(data, limits)
    if name.endswith(".csv"):
        return _read_csv(data, limits)
    raise SpreadsheetError(_("只接受 .xlsx 或 .csv 文件（.xls 等其他格式请在 Excel 中另存为 .xlsx）"))


@dataclass(frozen=True, slots=True)
class _Limits:
    rows: int
    columns: int
    cell_chars: int
    unpacked_bytes: int


def _column_name(number: int) -> str:
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _too_many_rows(row: int, limits: _Limits) -> SpreadsheetError:
    return SpreadsheetError(_("超出了%(limit)s行的上限（这一行仍有内容）", limit=limits.rows), row=row)


def _too_many_columns(row: int, column: int, limits: _Limits) -> SpreadsheetError:
    return SpreadsheetError(
        _("%(column)s列有内容，超出了%(limit)s列的上限", column=_column_name(column), limit=limits.columns), row=row
    )


def _too_long(row: int | None, limits: _Limits) -> SpreadsheetError:
    return SpreadsheetError(_("单元格的文字超过%(limit)s个字符", limit=limits.cell_chars), row=row)


class _Table:
    """Rows as they come, kept only where a cell holds text, within the bounds."""

    __slots__ = ("limits", "rows")

    def __init__(self, limits: _Limits):
        self.limits = limits
        self.rows: list[list[str]] = []

    def add(self, number: int, cells: list[str]) -> None:
        """Row ``number`` (from 1), its cells already stripped; trailing empty cells are dropped here."""
        while cells and not cells[-1]:
            cells.pop()
        if not cells:
            return
        limits = self.limits
        if number > limits.rows:
            raise _too_many_rows(number, limits)
        if len(cells) > limits.columns:
            first = next(k for k in range(limits.columns, len(cells)) if cells[k])
            raise _too_many_columns(number, first + 1, limits)
        rows = self.rows
        while len(rows) < number - 1:
            rows.append([])
        rows.append(cells[:])  # a copy without the spare room a growing list keeps


# -- .csv -----------------------------------------------------------------------------------


def _read_csv(data: bytes, limits: _Limits) -> list[list[str]]:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise SpreadsheetError(_("编码为 UTF-16（Excel 的“Unicode 文本”）：请另存为“CSV UTF-8（逗号分隔）”"))
    # Chinese Excel writes GBK (GB18030 is its superset); everything else writes UTF-8.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise SpreadsheetError(_("无法识别文件编码：请另存为 UTF-8 或 GBK 编码的 CSV"))
    nul = text.find("\x00")
    if nul >= 0:
        raise SpreadsheetError(
            _(
                "第%(line)s行含有空字符（NUL）：这不是文本格式的 CSV，请在 Excel 中另存为 CSV",
                line=text.count("\n", 0, nul) + 1,
            )
        )
    # strict: a quote that is never closed, or text after a closing quote, is an error rather
    # than a field that silently swallows the rest of the file. \r\n, \n and \r all end a row,
    # mixed or not, as in Excel; rows are numbered as Excel numbers them.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    table = _Table(limits)
    number = 0
    while True:
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise _csv_problem(str(exc), number + 1, limits) from None
        number += 1
        cells = [cell.strip() for cell in record]
        if any(len(cell) > limits.cell_chars for cell in cells):
            raise _too_long(number, limits)
        table.add(number, cells)
    return table.rows


def _csv_problem(reason: str, row: int, limits: _Limits) -> SpreadsheetError:
    if "field larger than field limit" in reason:
        return _too_long(row, limits)
    if "unexpected end of data" in reason:
        return SpreadsheetError(_("这一行开始的英文双引号直到文件末尾都没有结束：请检查引号是否成对"), row=row)
    if "expected after" in reason:
        return SpreadsheetError(_("英文双引号用法不对：引号结束后应紧跟逗号或换行"), row=row)
    return SpreadsheetError(_("CSV 格式错误（%(reason)s）", reason=reason), row=row)


# -- .xlsx ----------------------------------------------------------------------------------


def _read_xlsx(data: bytes, limits: _Limits) -> list[list[str]]:
    if data.startswith(_OLE):
        raise SpreadsheetError(_("这是加密的或旧版（.xls）Excel 文件：请在 Excel 中取消密码，另存为 .xlsx 后再导入"))
    if not data.startswith(b"PK\x03\x04"):
        raise SpreadsheetError(_("不是有效的 .xlsx 表格：请在 Excel 中另存为 .xlsx 后再导入"))
    # zipfile builds an object per central-directory entry before anything can be checked; each
    # entry starts with this signature, so counting it bounds that work by the upload's size.
    if data.count(b"PK\x01\x02") > MAX_PARTS:
        raise SpreadsheetError(_("包含的部件过多，不是正常的 .xlsx 表格"))
    # openpyxl warns about what it does not keep (a missing default style, extensions, a date out
    # of range): none of it changes the text of a cell. (The filter is process-wide: another
    # thread's warning during a read is dropped, never raised.)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                _check_parts(archive.infolist(), limits)
                _check_trees(archive)
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
            try:
                return _first_worksheet(book, limits)
            finally:
                book.close()
        except (SpreadsheetError, MemoryError):
            raise
        except Exception as exc:  # what openpyxl, zipfile, zlib and the XML parser raise on a damaged file
            raise _unreadable(exc) from None


def _check_parts(infos: list[zipfile.ZipInfo], limits: _Limits) -> None:
    """Refuse a zip bomb, an encrypted part or an unusual compression before inflating anything."""
    if len(infos) > MAX_PARTS:
        raise SpreadsheetError(_("包含的部件过多，不是正常的 .xlsx 表格"))
    if not any(info.filename == "[Content_Types].xml" for info in infos):
        raise SpreadsheetError(_("不是 Excel 工作簿（可能是改了扩展名的其他文档）"))
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise SpreadsheetError(_("已加密：请在 Excel 中取消密码后再导入"))
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise SpreadsheetError(_("使用了 Excel 不用的压缩方式，不是正常的 .xlsx 表格"))
        if info.file_size > _RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise SpreadsheetError(
                _(
                    "压缩比异常（%(ratio)s倍，正常表格不超过%(limit)s倍），可能是恶意的“压缩炸弹”，已拒绝",
                    ratio=info.file_size // max(info.compress_size, 1),
                    limit=MAX_RATIO,
                )
            )
        total += info.file_size
    if total > limits.unpacked_bytes:
        raise SpreadsheetError(
            _(
                "解压后有%(size)s MB，超过%(limit)s MB的上限，已拒绝",
                size=total // 1024 // 1024,
                limit=limits.unpacked_bytes // 1024 // 1024,
            )
        )


def _check_trees(archive: zipfile.ZipFile) -> None:
    """Refuse a workbook whose parts that openpyxl parses whole are too large, before it parses them."""
    sizes = {info.filename: info.file_size for info in archive.infolist()}
    trees = {name for name in sizes if name in _TREE_PARTS or name.endswith(".rels")}
    _within_tree_budget(trees, sizes)  # the content types and relationships, read here first
    manifest = Manifest.from_tree(fromstring(archive.read("[Content_Types].xml")))
    workbooks = [part.PartName[1:] for part in manifest.Override if part.ContentType in _WORKBOOK_TYPES]
    for name in workbooks:
        if name in sizes:
            with archive.open(name) as start:
                if b"//purl.oclc.org/ooxml/spreadsheetml/main" in start.read(4096):
                    raise SpreadsheetError(
                        _("这是“Strict Open XML”格式的表格：请在 Excel 中另存为“Excel 工作簿(*.xlsx)”后再导入")
                    )
    trees.update(workbooks)
    for name in [name for name in sizes if name.endswith(".rels")]:
        trees.update(rel.target for rel in get_dependents(archive, name) if rel.Type.endswith(_TREE_RELATIONSHIPS))
    _within_tree_budget(trees, sizes)


def _within_tree_budget(parts: set[str], sizes: dict[str, int]) -> None:
    present = [name for name in parts if name in sizes]
    if sum(sizes[name] for name in present) > MAX_TREE_BYTES:
        largest = max(present, key=sizes.__getitem__)
        raise SpreadsheetError(
            _(
                "“%(part)s”等部件解压后超过%(limit)s MB（最大的有%(size)s MB），正常表格不会这么大，已拒绝",
                part=largest,
                size=sizes[largest] // 1024 // 1024,
                limit=MAX_TREE_BYTES // 1024 // 1024,
            )
        )


def _unreadable(exc: BaseException) -> SpreadsheetError:
    cause: BaseException | None = exc
    while cause is not None:  # openpyxl re-raises a parse error as a ValueError "from" it
        if isinstance(cause, DefusedXmlException):
            return SpreadsheetError(
                _("含有 XML 文档类型声明（DTD）：Excel 不会写入它，可能是恶意文件（外部实体或实体膨胀），已拒绝")
            )
        if isinstance(cause, OSError) and "no valid workbook part" in str(cause):
            return SpreadsheetError(_("不是 Excel 工作簿（可能是改了扩展名的其他文档）"))
        cause = cause.__cause__
    kind = type(exc)
    reason = kind.__name__ if kind.__name__ != "error" else f"{kind.__module__}.error"  # zlib.error
    return SpreadsheetError(_("无法读取 .xlsx 文件：文件已损坏或不完整（%(reason)s）", reason=reason))


def _first_worksheet(book, limits: _Limits) -> list[list[str]]:
    if not book.worksheets:
        raise SpreadsheetError(_("工作簿中没有工作表"))
    sheet = book.worksheets[0]
    sheet.reset_dimensions()  # A1:XFD20000 would make every row 16,384 cells wide, and add 20,000 rows
    # Chinese Excel's 年月日 formats are built in, so a file does not define them. _date_formats
    # (the cell styles that show a date), _cell_styles and _get_source are openpyxl 3.1's own
    # attributes: the tests of dates, of the row bound and of the row meter pin them.
    book._date_formats = set(book._date_formats) | {
        k for k, style in enumerate(book._cell_styles) if style.numFmtId in _CJK_DATE_FORMATS
    }
    meter = _RowMeter(sheet._get_source)
    sheet._get_source = meter.open  # the worksheet's own seam for its XML
    table = _Table(limits)
    # One row and one column past the bounds are read, to refuse their text; nothing farther is.
    # openpyxl would build each row as wide as its last cell (up to XFD), step through every row
    # a file skips (up to r="1048576" and past it), and it keeps a little of each row it has parsed.
    width = limits.columns + 1
    for number, values in enumerate(sheet.iter_rows(values_only=True, max_col=width), start=1):
        meter.row, meter.unread = number, MAX_ROW_XML_BYTES  # the XML allowed before the next row
        if values.count(None) != width:  # not an empty row, nor one that the file skips
            cells = [_text(value) for value in values]
            if any(len(cell) > limits.cell_chars for cell in cells):
                raise _too_long(number, limits)
            table.add(number, cells)
        if number > limits.rows:
            break
    return table.rows


class _RowMeter:
    """A worksheet's XML as openpyxl reads it, refused when too much of it comes without a row."""

    def __init__(self, opener):
        self.opener, self.stream = opener, None
        self.row, self.unread = 0, MAX_ROW_XML_BYTES

    def open(self) -> _RowMeter:
        self.stream = self.opener()
        return self

    def read(self, size: int = -1) -> bytes:
        chunk = self.stream.read(size)
        self.unread -= len(chunk)
        if self.unread < 0:
            raise SpreadsheetError(
                _(
                    "工作表的一行（或两行之间）有超过%(limit)s MB的内容：Excel 不会这样写，可能是恶意文件，已拒绝",
                    limit=MAX_ROW_XML_BYTES // 1024 // 1024,
                ),
                row=self.row + 1,
            )
        return chunk

    def __enter__(self) -> _RowMeter:
        return self

    def __exit__(self, *exc) -> None:
        self.stream.close()


def _text(value) -> str:
    """A cell's value as the text Excel shows (dates as ``2015-09-01``, ``TRUE``/``FALSE``)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return _ESCAPED.sub(lambda match: chr(int(match[1], 16)), value).strip() if "_x" in value else value.strip()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return _number_text(value)
    if isinstance(value, dt.datetime):  # a date with a time of day: the date, as before
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.isoformat(timespec="seconds")
    if isinstance(value, dt.timedelta):  # a duration format ([h]:mm:ss)
        hours, seconds = divmod(round(value.total_seconds()), 3600)
        return f"{hours:02d}:{seconds // 60:02d}:{seconds % 60:02d}"
    return str(value).strip()  # int


def _number_text(value: float) -> str:
    """A cell's number as text: ``12345``, not ``12345.0``; an 18-digit ID typed as a number as
    Excel stores it (``1.10101199003077E+17`` -> ``110101199003077000``), not as a float's digits."""
    if value.is_integer() and abs(value) < 1e20:
        return str(int(Decimal(repr(value))))
    return repr(value)
