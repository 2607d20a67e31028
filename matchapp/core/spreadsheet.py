"""Spreadsheets in and out: exports that are safe to open, and one bounded reader of uploads.

Out: a cell whose text starts with ``=``, ``+``, ``-`` or ``@`` would be read by Excel as a formula
(CSV/formula injection); such text is written with a leading apostrophe so that it stays text.

In: :func:`read_table` reads an uploaded .xlsx (its first worksheet) or .csv (UTF-8 or GBK) into
rows of text, for any importer (rosters, school registers). An upload is hostile until read, so
the reader believes nothing a file says about itself and costs what the cells it finds deserve:

- a sheet's declared dimension (``<dimension ref="A1:XFD20000"/>``) is never read; rows and
  columns exist only where a cell holds text, and text past the caller's bounds is refused;
  empty rows and formatted empty cells far away cost one XML event each and are not kept;
- an .xlsx is checked as a zip before anything is inflated (number of parts, declared sizes,
  compression ratio, encryption, compression method), and zipfile never inflates a member past
  its declared size; its XML is then streamed through expat in chunks, cell by cell, never
  built into a tree, with no DTD allowed, which rules out XXE and entity expansion;
- every problem is a :class:`SpreadsheetError` whose message, in the user's language, says
  what is wrong and what to do; nothing else escapes (a 500 would be a bug).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import lzma
import math
import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from xml.parsers import expat

from flask_babel import gettext as _

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
#: mebibyte is a zip bomb. With it, a 1 MB upload is at most 100 MB of XML (about 8 s to scan).
MAX_RATIO = 100
_RATIO_FLOOR = 1024 * 1024
#: Parts of one .xlsx: Excel writes a dozen, plus a few per sheet, picture and chart.
MAX_PARTS = 10_000
#: Cell formats: Excel allows 64,000.
MAX_STYLES = 100_000
_CHUNK = 64 * 1024

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and every password-protected .xlsx
# Built-in number formats that show a date or time: 14-22 and 45-47 everywhere, 27-36 and 50-58
# in Chinese (and Japanese, Korean) Excel, where they are the 年月日 forms.
_DATE_FORMATS = frozenset([*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)])
_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")  # OOXML's escape of control characters: _x000D_
# What a damaged zip or XML raises from zipfile, zlib, lzma, struct and expat.
_DAMAGED = (
    zipfile.BadZipFile,
    zlib.error,
    lzma.LZMAError,
    struct.error,
    expat.ExpatError,
    EOFError,
    OSError,
    ValueError,
    LookupError,  # an index past the shared strings, a missing part, an unknown XML encoding
    OverflowError,
    RuntimeError,
)


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
        The bounds of the table (rows count from the first, a header included). Text past them
        is refused, not cut off; empty cells past them are skipped.
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
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return _Workbook(archive, limits).first_worksheet()
    except SpreadsheetError:
        raise
    except _DAMAGED as exc:
        kind = type(exc)
        reason = kind.__name__ if kind.__name__ != "error" else f"{kind.__module__}.error"  # zlib.error
        raise SpreadsheetError(_("无法读取 .xlsx 文件：文件已损坏或不完整（%(reason)s）", reason=reason)) from None


def _parse(stream, start: Callable, end: Callable | None = None, text: Callable | None = None) -> None:
    """Stream XML through expat, refusing any DTD (XXE, entity expansion) before it is read."""
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartDoctypeDeclHandler = _refuse_doctype
    parser.EntityDeclHandler = _refuse_entity  # only inside a DTD, which is refused: belt and braces
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.buffer_text = True
    parser.StartElementHandler = start
    if end is not None:
        parser.EndElementHandler = end
    if text is not None:
        parser.CharacterDataHandler = text
    while chunk := stream.read(_CHUNK):
        parser.Parse(chunk, False)
    parser.Parse(b"", True)


def _refuse_doctype(*args) -> None:
    raise SpreadsheetError(
        _("含有 XML 文档类型声明（DTD）：Excel 不会写入它，可能是恶意文件（外部实体或实体膨胀），已拒绝")
    )


def _refuse_entity(*args) -> None:
    _refuse_doctype()


def _local(name: str) -> str:
    return name[name.rfind(" ") + 1 :]


def _column_of(ref: str) -> int:
    """The column number of a cell reference (``AB12`` -> 28); 0 if it names none."""
    column = 0
    for char in ref:
        code = ord(char) - 64
        if not 1 <= code <= 26:
            break
        column = column * 26 + code
    return column


class _Workbook:
    """The parts of an .xlsx that a table needs: relationships, sheets, styles, shared strings."""

    def __init__(self, archive: zipfile.ZipFile, limits: _Limits):
        self.archive, self.limits = archive, limits
        self.parts = {info.filename.lower(): info for info in self._checked(archive.infolist())}
        self.date1904 = False
        self.date_styles: list[bool] = []
        self.shared: list[str] = []

    def _checked(self, infos: list[zipfile.ZipInfo]) -> list[zipfile.ZipInfo]:
        """Refuse a zip bomb, an encrypted part or an unusual compression before inflating anything."""
        if len(infos) > MAX_PARTS:
            raise SpreadsheetError(_("包含的部件过多，不是正常的 .xlsx 表格"))
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
        if total > self.limits.unpacked_bytes:
            raise SpreadsheetError(
                _(
                    "解压后有%(size)s MB，超过%(limit)s MB的上限，已拒绝",
                    size=total // 1024 // 1024,
                    limit=self.limits.unpacked_bytes // 1024 // 1024,
                )
            )
        return infos

    def _open(self, path: str):
        info = self.parts.get(path.lower())
        return None if info is None else self.archive.open(info)

    def _relationships(self, part: str) -> list[tuple[str, str, str]]:
        """(id, type, target part) of a part's relationships; external targets are left out."""
        folder, name = posixpath.split(part)
        found: list[tuple[str, str, str]] = []

        def start(tag, attrs):
            if _local(tag) == "Relationship" and attrs.get("TargetMode") != "External":
                target = attrs.get("Target", "")
                path = target[1:] if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
                found.append((attrs.get("Id", ""), attrs.get("Type", ""), path))

        stream = self._open(posixpath.join(folder, "_rels", name + ".rels"))
        if stream is not None:
            with stream:
                _parse(stream, start)
        return found

    def first_worksheet(self) -> list[list[str]]:
        main = next((path for _, kind, path in self._relationships("") if kind.endswith("/officeDocument")), None)
        stream = self._open(main) if main else None
        if stream is None:
            raise SpreadsheetError(_("不是有效的 .xlsx 表格：找不到工作簿"))
        sheets: list[tuple[str, str]] = []
        root: list[str] = []

        def start(tag, attrs):
            local = _local(tag)
            if not root:
                root.append(local)
            if local == "sheet":
                rel = next((v for k, v in attrs.items() if _local(k) == "id"), "")
                sheets.append((attrs.get("name", ""), rel))
            elif local == "workbookPr":
                self.date1904 = attrs.get("date1904", "") in ("1", "true")

        with stream:
            _parse(stream, start)
        if root != ["workbook"]:
            raise SpreadsheetError(_("不是 Excel 工作簿（可能是改了扩展名的其他文档）"))
        related = {rel: (kind, path) for rel, kind, path in self._relationships(main)}
        worksheets = [
            (name, related[rel][1]) for name, rel in sheets if related.get(rel, ("",))[0].endswith("/worksheet")
        ]
        if not worksheets:
            raise SpreadsheetError(_("工作簿中没有工作表"))
        for kind, path in related.values():
            if kind.endswith("/styles"):
                self._read_styles(path)
            elif kind.endswith("/sharedStrings"):
                self._read_shared_strings(path)
        title, path = worksheets[0]
        stream = self._open(path)
        if stream is None:
            raise SpreadsheetError(_("工作表“%(title)s”在文件中不存在：文件已损坏", title=title))
        sheet = _SheetReader(self)
        with stream:
            _parse(stream, sheet.start, sheet.end, sheet.text)
        return sheet.table.rows

    def _read_styles(self, path: str) -> None:
        custom: dict[str, str] = {}
        formats: list[str] = []
        depth = {"cellXfs": 0}

        def start(tag, attrs):
            local = _local(tag)
            if local == "numFmt":
                custom[attrs.get("numFmtId", "")] = attrs.get("formatCode", "")
            elif local == "cellXfs":
                depth["cellXfs"] += 1
            elif local == "xf" and depth["cellXfs"]:
                if len(formats) >= MAX_STYLES:
                    raise SpreadsheetError(_("单元格格式过多，不是正常的 .xlsx 表格"))
                formats.append(attrs.get("numFmtId", "0"))

        def end(tag):
            if _local(tag) == "cellXfs":
                depth["cellXfs"] -= 1

        stream = self._open(path)
        if stream is None:
            return
        with stream:
            _parse(stream, start, end)
        from openpyxl.styles.numbers import is_date_format

        dates = {key for key, code in custom.items() if is_date_format(code)}
        self.date_styles = [
            key in dates or (key not in custom and key.isdigit() and int(key) in _DATE_FORMATS) for key in formats
        ]

    def _read_shared_strings(self, path: str) -> None:
        limits, shared = self.limits, self.shared
        most = limits.rows * limits.columns  # each string a real file keeps is used by a cell
        parts: list[str] = []
        state = {"phonetic": 0, "collect": False, "length": 0}

        def start(tag, attrs):
            local = _local(tag)
            if local == "t":
                state["collect"] = not state["phonetic"]
            elif local == "si":
                parts.clear()
                state["length"] = 0
            elif local == "rPh":  # the phonetic guide (furigana, pinyin) is not the cell's text
                state["phonetic"] += 1

        def end(tag):
            local = _local(tag)
            if local == "t":
                state["collect"] = False
            elif local == "si":
                if len(shared) >= most:
                    raise SpreadsheetError(_("文字条目过多，超出了表格的行列上限"))
                shared.append(_clean("".join(parts)))
            elif local == "rPh":
                state["phonetic"] -= 1

        def text(data):
            if state["collect"]:
                parts.append(data)
                state["length"] += len(data)
                if state["length"] > limits.cell_chars:
                    raise _too_long(None, limits)

        stream = self._open(path)
        if stream is None:
            return
        with stream:
            _parse(stream, start, end, text)


def _clean(text: str) -> str:
    if "_x" in text:
        text = _ESCAPED.sub(lambda match: chr(int(match[1], 16)), text)
    return text.strip()


class _SheetReader:
    """Expat handlers for one worksheet: a cell at a time, nothing kept but the table."""

    def __init__(self, book: _Workbook):
        self.book, self.limits = book, book.limits
        self.table = _Table(book.limits)
        self.in_data = self.in_row = self.in_cell = self.in_inline = self.collect = False
        self.phonetic = 0
        self.row = 0  # the current row's number
        self.column = 0  # the current cell's column
        self.cells: list[str] = []
        self.kind = "n"
        self.style: str | None = None
        self.parts: list[str] = []
        self.length = 0

    def start(self, tag, attrs):
        local = tag[tag.rfind(" ") + 1 :]
        if not self.in_data:
            self.in_data = local == "sheetData"
        elif local == "c":
            if not self.in_row:
                raise ValueError("a cell outside a row")
            ref = attrs.get("r")
            self.column = _column_of(ref) if ref else self.column + 1
            if not self.column:
                raise ValueError(f"cell reference {ref[:20]!r}")
            self.kind = attrs.get("t", "n")
            self.style = attrs.get("s")
            self.in_cell, self.in_inline, self.collect, self.phonetic = True, False, False, 0
            self.parts = []
            self.length = 0
        elif local == "v":
            self.collect = self.in_cell
        elif local == "row":
            number = attrs.get("r")
            number = int(number) if number else self.row + 1
            if number <= self.row:
                raise SpreadsheetError(_("工作表的行号重复或顺序错乱：文件已损坏"), row=number)
            self.row, self.column, self.cells, self.in_row = number, 0, [], True
        elif local == "is":
            self.in_inline = self.in_cell
        elif local == "t":
            self.collect = self.in_inline and not self.phonetic
        elif local == "rPh":
            self.phonetic += 1
            self.collect = False

    def end(self, tag):
        local = tag[tag.rfind(" ") + 1 :]
        if not self.in_data:
            return
        if local == "c":
            self.in_cell = self.collect = False
            text = self._value()
            if text:
                limits = self.limits
                if self.row > limits.rows:
                    raise _too_many_rows(self.row, limits)
                if self.column > limits.columns:
                    raise _too_many_columns(self.row, self.column, limits)
                cells = self.cells
                if len(cells) == self.column - 1:
                    cells.append(text)
                else:
                    if len(cells) < self.column:
                        cells.extend([""] * (self.column - len(cells)))
                    cells[self.column - 1] = text
        elif local in ("v", "t"):
            self.collect = False
        elif local == "row":
            self.in_row = False
            self.table.add(self.row, self.cells)
        elif local == "rPh":
            self.phonetic -= 1
        elif local == "sheetData":
            self.in_data = False

    def text(self, data):
        if self.collect:
            self.parts.append(data)
            self.length += len(data)
            if self.length > self.limits.cell_chars:
                raise _too_long(self.row, self.limits)

    def _value(self) -> str:
        raw = "".join(self.parts)
        kind = self.kind
        if kind == "s":
            if not raw.strip():
                return ""
            index = int(raw)
            if index < 0:
                raise IndexError(index)
            return self.book.shared[index]
        if kind in ("inlineStr", "str", "e"):
            return _clean(raw)
        if kind == "b":
            return {"1": "TRUE", "0": "FALSE"}.get(raw.strip(), _clean(raw))
        raw = raw.strip()
        if not raw or kind == "d":  # an ISO 8601 date (rare): its date part
            return raw[:10] if kind == "d" and "-" in raw else raw
        styles = self.book.date_styles
        style = self.style
        if style is not None and style.isdigit() and int(style) < len(styles) and styles[int(style)]:
            day = _excel_date(raw, self.book.date1904)
            if day:
                return day
        return _number_text(raw)


def _number_text(raw: str) -> str:
    """A cell's number as text: ``12345``, not ``12345.0``; an 18-digit ID typed as a number as
    Excel stores it (``1.10101199003077E+17`` -> ``110101199003077000``), not as a float's digits."""
    if "." not in raw and "e" not in raw and "E" not in raw:
        try:
            return str(int(raw))
        except ValueError:  # not a number, or past Python's 4,300 digits
            return raw
    try:
        number = Decimal(raw)
        if number.is_finite() and number.adjusted() < 20 and number == number.to_integral_value():
            return str(int(number))
        value = float(raw)
    except (ArithmeticError, ValueError):
        return raw
    return str(value) if math.isfinite(value) else raw


def _excel_date(raw: str, date1904: bool) -> str | None:
    """An Excel date serial as ``2015-09-01`` (a time of day alone as ``08:30:00``); None if not one."""
    try:
        serial = float(raw)
    except ValueError:
        return None
    if not 0 <= serial < 2_958_466:  # up to 9999-12-31
        return None
    if serial < 1 and not date1904:
        seconds = round(serial * 86_400)
        return f"{seconds // 3600 % 24:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
    days = int(serial)
    if date1904:
        return (dt.date(1904, 1, 1) + dt.timedelta(days=days)).isoformat()
    # Excel's 1900 system counts a 29 February 1900 that never was (serial 60).
    return (dt.date(1899, 12, 31) + dt.timedelta(days=days - (days >= 60))).isoformat()
