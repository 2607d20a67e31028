"""Hostile spreadsheets: files that lie about their size, bombs, XXE, and other things that are not
tables. Each is crafted here from zipfile and XML text, so the test says exactly what the file holds."""

from __future__ import annotations

import datetime as dt
import functools
import http.server
import io
import json
import os
import random
import subprocess
import sys
import threading
import tracemalloc
import zipfile
from contextlib import contextmanager
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from matchapp.core.jobs import wait_for_jobs
from matchapp.core.spreadsheet import SpreadsheetError, read_table
from matchapp.core.vocab import SUBJECT_BY_NAME
from matchapp.extensions import db
from matchapp.roster.importer import (
    EXAMPLE,
    HEADERS,
    MAX_COLUMNS,
    MAX_ROWS,
    ImportRefused,
    import_roster,
    template_workbook,
)
from matchapp.roster.models import Teacher
from matchapp.roster.routes import BACKGROUND_IMPORT_BYTES
from tests.factories import gen_school, gen_teacher, gen_user
from tests.matchapp.test_roster_import import TODAY
from tests.matchapp.test_roster_import import row as roster_row

ROOT = Path(__file__).resolve().parents[2]

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

CONTENT_TYPES = (
    HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    HEAD + f'<Relationships xmlns="{RELS}">'
    f'<Relationship Id="rId1" Type="{DOC_RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    HEAD + f'<workbook xmlns="{MAIN}" xmlns:r="{DOC_RELS}">'
    '<sheets><sheet name="教师名册" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    HEAD + f'<Relationships xmlns="{RELS}">'
    f'<Relationship Id="rId1" Type="{DOC_RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{DOC_RELS}/sharedStrings" Target="sharedStrings.xml"/>'
    "</Relationships>"
)
EMPTY_SHARED_STRINGS = HEAD + f'<sst xmlns="{MAIN}" count="0" uniqueCount="0"/>'


def column_letters(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def sheet_rows(rows) -> str:
    """``<row>`` elements for ``rows`` (lists of text, or a dict of row number -> list), as inline strings."""
    parts = []
    for number, cells in rows.items() if isinstance(rows, dict) else enumerate(rows, start=1):
        parts.append(f'<row r="{number}">')
        for k, text in enumerate(cells, start=1):
            if text != "":
                parts.append(
                    f'<c r="{column_letters(k)}{number}" t="inlineStr"><is><t>{escape(str(text))}</t></is></c>'
                )
        parts.append("</row>")
    return "".join(parts)


def sheet_xml(rows=(), dimension: str | None = None, tail: str = "") -> str:
    """A worksheet of ``rows``, then ``tail`` (raw XML inside ``<sheetData>``)."""
    declared = f'<dimension ref="{dimension}"/>' if dimension else ""
    return HEAD + f'<worksheet xmlns="{MAIN}">{declared}<sheetData>{sheet_rows(rows)}{tail}</sheetData></worksheet>'


def xlsx(
    sheet: str | bytes | None = None,
    *,
    workbook: str = WORKBOOK,
    shared_strings: str = EMPTY_SHARED_STRINGS,
    replace: dict[str, str | bytes] | None = None,
) -> bytes:
    """A minimal .xlsx (the parts Excel itself needs) whose parts can be replaced one by one."""
    parts: dict[str, str | bytes] = {
        "[Content_Types].xml": CONTENT_TYPES,
        "_rels/.rels": ROOT_RELS,
        "xl/workbook.xml": workbook,
        "xl/_rels/workbook.xml.rels": WORKBOOK_RELS,
        "xl/worksheets/sheet1.xml": sheet if sheet is not None else sheet_xml(),
        "xl/sharedStrings.xml": shared_strings,
    }
    parts.update(replace or {})
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return out.getvalue()


def declared_dimension_file(rows=None) -> bytes:
    """The file of issue #9: a header and a row, and one formatted but empty cell far away, at XFD20000
    (what Excel writes when someone once touched that cell), so the sheet declares ``A1:XFD20000``:
    16,384 columns × 20,000 rows, 327 million cells, in 2 KB."""
    return xlsx(
        sheet_xml(
            rows if rows is not None else [HEADERS, EXAMPLE],
            dimension="A1:XFD20000",
            tail='<row r="20000"><c r="XFD20000" s="0"/></row>',
        )
    )


LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{k} "{("&lol" + (str(k - 1) if k > 1 else "") + ";") * 10}">' for k in range(1, 10))
    + "]>"
)


def billion_laughs(part: str = "xl/sharedStrings.xml") -> bytes:
    """Nine levels of ten entities each: a billion ``lol`` (3 GB) from a few hundred bytes."""
    body = {
        "xl/sharedStrings.xml": f'<sst xmlns="{MAIN}"><si><t>&lol9;</t></si></sst>',
        "xl/worksheets/sheet1.xml": f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1" t="inlineStr">'
        "<is><t>&lol9;</t></is></c></row></sheetData></worksheet>",
        "xl/workbook.xml": f'<workbook xmlns="{MAIN}" xmlns:r="{DOC_RELS}"><sheets>'
        '<sheet name="&lol9;" sheetId="1" r:id="rId1"/></sheets></workbook>',
    }[part]
    return xlsx(replace={part: HEAD + LAUGHS + body})


def external_entity(part: str = "xl/worksheets/sheet1.xml", target: str = "file:///etc/passwd") -> bytes:
    """XXE: a cell whose text is an external entity (a local file, or a URL the server would fetch)."""
    doctype = f'<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "{target}">]>'
    body = {
        "xl/worksheets/sheet1.xml": f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1" t="inlineStr">'
        "<is><t>&xxe;</t></is></c></row></sheetData></worksheet>",
        "xl/sharedStrings.xml": f'<sst xmlns="{MAIN}"><si><t>&xxe;</t></si></sst>',
        "xl/workbook.xml": f'<workbook xmlns="{MAIN}" xmlns:r="{DOC_RELS}"><sheets>'
        '<sheet name="教师名册" sheetId="1" r:id="rId1"/></sheets>'
        '<definedNames><definedName name="x">&xxe;</definedName></definedNames></workbook>',
    }[part]
    return xlsx(replace={part: HEAD + doctype + body})


def zip_bomb(unpacked_mib: int = 100) -> bytes:
    """A sheet of ``unpacked_mib`` MiB of empty rows that deflates about a thousandfold."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in (
            ("[Content_Types].xml", CONTENT_TYPES),
            ("_rels/.rels", ROOT_RELS),
            ("xl/workbook.xml", WORKBOOK),
            ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
            ("xl/sharedStrings.xml", EMPTY_SHARED_STRINGS),
        ):
            archive.writestr(name, content)
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(f'{HEAD}<worksheet xmlns="{MAIN}"><sheetData>'.encode())
            mebibyte = b"<row/>" * ((1 << 20) // 6) + b" " * ((1 << 20) % 6)
            for _ in range(unpacked_mib):
                sheet.write(mebibyte)
            sheet.write(b"</sheetData></worksheet>")
    return out.getvalue()


def long_file(rows: int) -> bytes:
    """``rows`` rows of one short text each (a shared string), as Excel writes a long column."""
    tail = "".join(f'<row r="{n}"><c r="A{n}" t="s"><v>0</v></c></row>' for n in range(1, rows + 1))
    return xlsx(sheet_xml(tail=tail), shared_strings=f'{HEAD}<sst xmlns="{MAIN}"><si><t>x</t></si></sst>')


def wide_file(columns: int) -> bytes:
    """A header of ``columns`` named columns."""
    return xlsx(sheet_xml([[f"列{k}" for k in range(1, columns + 1)]]))


def wide_empty_row(cells: int) -> bytes:
    """One row of ``cells`` formatted empty cells, varied so that the sheet is no zip bomb (about
    10 bytes of XML each, deflating 8x): openpyxl keeps a row's cells until the row ends."""
    rnd = random.Random(cells)
    return xlsx(
        sheet_xml(tail='<row r="1">' + "".join(f'<c s="{rnd.randrange(99)}"/>' for _ in range(cells)) + "</row>")
    )


def cell_formats(count: int) -> str:
    """A styles part of ``count`` cell formats (Excel allows 64,000), varied so that it is no zip bomb."""
    rnd = random.Random(count)
    xfs = "".join(f'<xf numFmtId="{rnd.randrange(200)}" borderId="{rnd.randrange(99)}"/>' for _ in range(count))
    return f'{HEAD}<styleSheet xmlns="{MAIN}"><cellXfs count="{count}">{xfs}</cellXfs></styleSheet>'


def empty_workbook() -> bytes:
    return xlsx(workbook=f'{HEAD}<workbook xmlns="{MAIN}" xmlns:r="{DOC_RELS}"><sheets/></workbook>')


def ole_file() -> bytes:
    """What an .xls, or an .xlsx saved with a password, starts with: an OLE compound document."""
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + "EncryptedPackage".encode("utf-16-le") * 8


def patch_central_directory(data: bytes, member: str, *, flags: int | None = None, size: int | None = None) -> bytes:
    """Change what the zip's central directory says about one member (its flags, its unpacked size)."""
    out = bytearray(data)
    at = out.find(b"PK\x01\x02")
    while at >= 0:
        name_length = int.from_bytes(out[at + 28 : at + 30], "little")
        if out[at + 46 : at + 46 + name_length].decode() == member:
            if flags is not None:
                out[at + 8 : at + 10] = flags.to_bytes(2, "little")
            if size is not None:
                out[at + 24 : at + 28] = size.to_bytes(4, "little")
            return bytes(out)
        at = out.find(b"PK\x01\x02", at + 46)
    raise LookupError(member)


def read(data: bytes, filename: str = "名册.xlsx", **bounds) -> list[list[str]]:
    """The reader with small bounds unless a test gives others."""
    return read_table(data, filename, **{"max_rows": 100, "max_columns": 20, **bounds})


@contextmanager
def peak_traced_memory():
    """The peak of Python's allocations inside the block, in bytes (``measured[0]`` after it)."""
    measured = [0]
    tracemalloc.start()
    try:
        yield measured
    finally:
        measured[0] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()


# -- the file of issue #9: a declared dimension of 327 million cells ----------------------------

MEASURE = """
import json, resource, sys, tracemalloc
from matchapp.roster.importer import ImportRefused, read_table
data = open(sys.argv[1], "rb").read()
# Past a gigabyte more than the interpreter holds now, an allocation fails (MemoryError) instead of
# taking the shared machine's memory: the old reader needed 2.6 GB for this file.
with open("/proc/self/status") as status:
    size = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmSize:"))
resource.setrlimit(resource.RLIMIT_AS, (size + (1 << 30), resource.getrlimit(resource.RLIMIT_AS)[1]))
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
tracemalloc.start()
rows = read_table(data, "名册.xlsx")
traced = tracemalloc.get_traced_memory()[1]
tracemalloc.stop()
grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - before
print(json.dumps({"rows": rows, "traced": traced, "grown": grown}))
"""


def test_a_declared_dimension_of_327_million_cells_costs_what_its_two_rows_cost(tmp_path):
    path = tmp_path / "名册.xlsx"
    path.write_bytes(declared_dimension_file())
    proc = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path)], capture_output=True, text=True, cwd=ROOT, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    measured = json.loads(proc.stdout)
    # The two rows the file holds, and not the 19,998 empty ones up to its formatted cell XFD20000.
    assert measured["rows"] == [HEADERS, _trimmed(EXAMPLE)]  # the last cell of the example is empty
    # The old reader held 2.6 GB here (a 16,384-column list per row, for 20,000 rows).
    assert measured["traced"] < 4 * 1024 * 1024, measured
    assert measured["grown"] < 64 * 1024 * 1024, measured


def test_formatted_empty_cells_far_away_on_every_row_cost_what_their_rows_cost():
    tail = "".join(f'<row r="{n}" s="1"><c r="A{n}" s="1"/><c r="XFD{n}" s="1"/></row>' for n in range(3, 10_001))
    data = xlsx(sheet_xml([["工号", "姓名"], ["CZ1", "王芳"]], dimension="A1:XFD20000", tail=tail))
    with peak_traced_memory() as peak:
        assert read(data, max_rows=200_000, max_columns=64) == [["工号", "姓名"], ["CZ1", "王芳"]]
    # No row is built 16,384 cells wide (128 KB each); openpyxl keeps about 400 bytes of each
    # formatted row it has parsed (its row dimensions), so the rows the bound lets through.
    assert peak[0] < 8 * 1024 * 1024
    with peak_traced_memory() as peak:
        assert read(data, max_rows=1_000, max_columns=64) == [["工号", "姓名"], ["CZ1", "王芳"]]
    assert peak[0] < 2 * 1024 * 1024  # past the row bound, nothing more is parsed


# -- bounds: text past them is refused, never cut off --------------------------------------------


def test_a_column_of_text_past_the_bound_is_refused_and_named():
    with pytest.raises(SpreadsheetError) as error:
        read(wide_file(21), max_columns=20)
    assert error.value.row == 1 and "U列有内容" in str(error.value) and "20列" in str(error.value)
    assert read(wide_file(20), max_columns=20)[0][-1] == "列20"


def test_a_row_of_text_past_the_bound_is_refused_and_named():
    with pytest.raises(SpreadsheetError) as error:
        read(long_file(101), max_rows=100)
    assert error.value.row == 101 and "100行" in str(error.value)
    assert len(read(long_file(100), max_rows=100)) == 100


def test_the_reader_stops_one_row_past_the_bound_however_far_a_file_numbers_its_rows():
    # openpyxl yields an empty row for each row a file skips: the reader stops at the bound (one
    # row past it, to refuse its text), so a row numbered 10**12 costs what 1,001 rows cost. Text
    # beyond an empty row past the bound is not read: the table ended before it.
    for far in (1_048_576, 10**12):
        with peak_traced_memory() as peak:
            assert read(xlsx(sheet_xml({1: ["工号"], far: ["x"]})), max_rows=1_000) == [["工号"]]
        assert peak[0] < 2 * 1024 * 1024
    with pytest.raises(SpreadsheetError) as error:
        read(xlsx(sheet_xml({1: ["工号"], 1_001: ["x"]})), max_rows=1_000)
    assert error.value.row == 1_001


def test_a_cell_at_xfd_is_never_built_and_one_column_past_the_bound_is_refused():
    far = '<row r="1"><c r="A1" t="inlineStr"><is><t>工号</t></is></c><c r="XFD1" t="inlineStr"><is><t>x</t></is></c></row>'
    with peak_traced_memory() as peak:
        assert read(xlsx(sheet_xml(tail=far)), max_columns=20) == [["工号"]]
    assert peak[0] < 2 * 1024 * 1024
    with pytest.raises(SpreadsheetError) as error:
        read(xlsx(sheet_xml([["工号"] + [""] * 19 + ["x"]])), max_columns=20)
    assert "U列有内容" in str(error.value)


def test_empty_rows_inside_the_table_keep_the_row_numbers():
    assert read(xlsx(sheet_xml({1: ["a"], 4: ["", "b"]}))) == [["a"], [], [], ["", "b"]]


def test_a_cell_longer_than_excel_allows_is_refused():
    with pytest.raises(SpreadsheetError) as error:
        read(xlsx(sheet_xml([["x" * 101]])), max_cell_chars=100)
    assert error.value.row == 1 and "100个字符" in str(error.value)
    shared = f'{HEAD}<sst xmlns="{MAIN}"><si><t>{"x" * 101}</t></si></sst>'
    with pytest.raises(SpreadsheetError):
        read(
            xlsx(sheet_xml(tail='<row r="1"><c r="A1" t="s"><v>0</v></c></row>'), shared_strings=shared),
            max_cell_chars=100,
        )


# -- zip bombs and other archives -----------------------------------------------------------------


def test_a_zip_bomb_is_refused_before_anything_is_inflated():
    data = zip_bomb(100)
    with peak_traced_memory() as peak, pytest.raises(SpreadsheetError) as error:
        read(data)
    assert "压缩炸弹" in str(error.value)
    assert peak[0] < 4 * 1024 * 1024  # the 100 MiB sheet was never inflated


def test_a_workbook_that_unpacks_past_the_limit_is_refused():
    noise = "".join(f"{k * 7919 % 104729:x}" for k in range(600_000))  # compresses about 2x
    data = xlsx(sheet_xml([[noise[i : i + 30_000]] for i in range(0, len(noise), 30_000)]))
    assert sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist()) > 2 << 20
    with pytest.raises(SpreadsheetError) as error:
        read(data, max_unpacked_bytes=2 << 20)
    assert "超过2 MB的上限" in str(error.value)


def test_a_member_that_lies_about_its_size_is_never_inflated_past_what_it_declares():
    data = patch_central_directory(zip_bomb(20), "xl/worksheets/sheet1.xml", size=1000)
    with peak_traced_memory() as peak, pytest.raises(SpreadsheetError) as error:
        read(data)
    assert "已损坏" in str(error.value)
    assert peak[0] < 4 * 1024 * 1024


def test_encrypted_members_other_compressions_and_too_many_parts_are_refused():
    encrypted = patch_central_directory(xlsx(), "xl/worksheets/sheet1.xml", flags=0x1)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_BZIP2) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
    parts = io.BytesIO()
    with zipfile.ZipFile(parts, "w") as archive:
        for k in range(10_001):
            archive.writestr(f"xl/media/{k}.bin", b"")
    for data, words in [(encrypted, "已加密"), (out.getvalue(), "压缩方式"), (parts.getvalue(), "部件过多")]:
        with pytest.raises(SpreadsheetError) as error:
            read(data)
        assert words in str(error.value)


def zip_of(parts: dict[str, str | bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return out.getvalue()


def test_files_that_are_not_workbooks_say_what_they_are():
    docx = zip_of(
        {
            "[Content_Types].xml": CONTENT_TYPES.split("<Override")[0]
            + '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument'
            '.wordprocessingml.document.main+xml"/></Types>',
            "_rels/.rels": ROOT_RELS.replace("xl/workbook.xml", "word/document.xml"),
            "word/document.xml": '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"/>',
        }
    )
    photos = zip_of({"照片/王芳.jpg": b"\xff\xd8\xff\xe0 not much of a photo"})
    no_workbook = zip_of(
        {
            name: CONTENT_TYPES if name == "[Content_Types].xml" else ROOT_RELS
            for name in ("[Content_Types].xml", "_rels/.rels")
        }
    )
    chartsheet = f'<chartsheet xmlns="{MAIN}"><sheetViews><sheetView workbookViewId="0"/></sheetViews></chartsheet>'
    chart_only = xlsx(
        replace={
            "xl/_rels/workbook.xml.rels": WORKBOOK_RELS.replace("/worksheet", "/chartsheet"),
            "xl/worksheets/sheet1.xml": HEAD + chartsheet,
            "xl/worksheets/_rels/sheet1.xml.rels": f'{HEAD}<Relationships xmlns="{RELS}"/>',  # Excel's has a drawing
        }
    )
    for data, words in [
        (b"not a zip", "不是有效的 .xlsx"),
        ("工号,姓名\n".encode(), "不是有效的 .xlsx"),  # a CSV renamed .xlsx
        (b"PK\x03\x04garbage", "无法读取 .xlsx 文件"),
        (xlsx()[:-30], "无法读取 .xlsx 文件"),  # cut short in the upload
        (ole_file(), "加密的或旧版（.xls）"),
        (empty_workbook(), "没有工作表"),
        (chart_only, "没有工作表"),
        (docx, "不是 Excel 工作簿"),
        (photos, "不是 Excel 工作簿"),  # a zip of other things
        (no_workbook, "无法读取 .xlsx 文件：文件已损坏"),  # the workbook its content types name is missing
    ]:
        with pytest.raises(SpreadsheetError) as error:
            read(data)
        assert words in str(error.value), (data[:40], str(error.value))


# -- what openpyxl builds in memory is bounded before it builds it -------------------------------


def test_the_parts_openpyxl_parses_whole_are_bounded_before_it_parses_them():
    # 520,000 cell formats (Excel allows 64,000): 18 MB of styles, about 200 MB as openpyxl's objects
    styles = xlsx(sheet_xml([["x"]]), replace={"xl/styles.xml": cell_formats(520_000)})
    # the same XML as the workbook, put where the worksheets live: what counts is how openpyxl reads
    # a part (the content types make it the workbook), not its name
    moved = xlsx(
        sheet_xml([["x"]]),
        replace={
            "[Content_Types].xml": CONTENT_TYPES.replace("/xl/workbook.xml", "/xl/worksheets/sheet2.xml"),
            "xl/worksheets/sheet2.xml": cell_formats(520_000).replace("styleSheet", "workbook"),
        },
    )
    for data, part in [(styles, "xl/styles.xml"), (moved, "xl/worksheets/sheet2.xml")]:
        with peak_traced_memory() as peak, pytest.raises(SpreadsheetError) as error:
            read(data)
        assert f"“{part}”等部件解压后超过16 MB" in str(error.value)
        assert peak[0] < 4 * 1024 * 1024
    assert read(xlsx(sheet_xml([["x"]]), replace={"xl/styles.xml": cell_formats(64_000)})) == [["x"]]


def test_too_much_xml_in_one_row_or_between_two_is_refused_as_it_streams(monkeypatch):
    from matchapp.core import spreadsheet

    monkeypatch.setattr(spreadsheet, "MAX_ROW_XML_BYTES", 256 * 1024)
    rnd = random.Random(7)
    junk = "".join(f"<{rnd.choice('abcdefgh')}{rnd.randrange(999)}/>" for _ in range(100_000))  # about 1 MB
    first = '<row r="1"><c r="A1" t="inlineStr"><is><t>工号</t></is></c></row>'
    for data, row in [(wide_empty_row(100_000), 1), (xlsx(sheet_xml(tail=f'{first}{junk}<row r="2"/>')), 2)]:
        with peak_traced_memory() as peak, pytest.raises(SpreadsheetError) as error:
            read(data)
        assert "Excel 不会这样写" in str(error.value) and error.value.row == row
        # openpyxl holds a row's cells until the row ends, and keeps the elements it does not know:
        # 30-60 times their XML, so about 15 MB here and 60 MB for the whole megabyte
        assert peak[0] < 32 * 1024 * 1024, peak


# -- XML: no DTD, so no external entity and no entity expansion -----------------------------------


@pytest.mark.parametrize("part", ["xl/sharedStrings.xml", "xl/worksheets/sheet1.xml", "xl/workbook.xml"])
def test_a_billion_laughs_is_refused_without_expanding(part):
    with peak_traced_memory() as peak, pytest.raises(SpreadsheetError) as error:
        read(billion_laughs(part))
    assert "DTD" in str(error.value)
    assert peak[0] < 4 * 1024 * 1024


@pytest.fixture
def listener():
    """A local web server that records every request: an external entity must never reach it."""
    requests: list[str] = []

    class Record(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'<!ENTITY leak "fetched">')

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Record)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", requests
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("part", ["xl/sharedStrings.xml", "xl/worksheets/sheet1.xml", "xl/workbook.xml"])
def test_an_external_entity_is_refused_and_never_fetched(part, listener):
    url, requests = listener
    for target in ("file:///etc/passwd", f"{url}/entity"):
        with pytest.raises(SpreadsheetError) as error:
            read(external_entity(part, target))
        assert "DTD" in str(error.value) and "root:" not in str(error.value)
    # a parameter entity that would pull in a remote DTD is refused; a reference to an external
    # DTD alone declares nothing and is never fetched, so the sheet reads (defusedxml allows it)
    with pytest.raises(SpreadsheetError) as error:
        doctype = f'<!DOCTYPE worksheet [<!ENTITY % remote SYSTEM "{url}/parameter"> %remote;]>'
        read(xlsx(HEAD + doctype + sheet_xml([["x"]]).removeprefix(HEAD)))
    assert "DTD" in str(error.value)
    doctype = f'<!DOCTYPE worksheet SYSTEM "{url}/dtd">'
    assert read(xlsx(HEAD + doctype + sheet_xml([["x"]]).removeprefix(HEAD))) == [["x"]]
    assert requests == []


def test_openpyxl_parses_through_defusedxml():
    import openpyxl
    from openpyxl.xml import functions

    assert openpyxl.DEFUSEDXML and functions.iterparse.__module__.startswith("defusedxml")


# -- what a real workbook holds is read as Excel shows it ----------------------------------------

STYLES = (
    f'{HEAD}<styleSheet xmlns="{MAIN}"><numFmts count="1">'
    '<numFmt numFmtId="176" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/></numFmts>'
    '<cellStyleXfs count="1"><xf numFmtId="14"/></cellStyleXfs>'  # not a cell format: does not count
    '<cellXfs count="5"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="176"/><xf numFmtId="31"/>'
    '<xf numFmtId="49"/></cellXfs></styleSheet>'
)


def test_numbers_dates_booleans_and_rich_text_read_as_excel_shows_them():
    shared = (
        f'{HEAD}<sst xmlns="{MAIN}"><si><t xml:space="preserve"> 王芳 </t></si>'
        '<si><r><rPr><b/></rPr><t>市骨干</t></r><r><t>教师</t></r><rPh sb="0" eb="1"><t>shì</t></rPh></si>'
        "<si><t>第一行_x000D_</t></si></sst>"
    )
    row = (
        '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c>'
        '<c r="D1"><v>12345</v></c><c r="E1"><v>2.5</v></c><c r="F1"><v>1.10101199003077E+17</v></c>'
        '<c r="G1" s="1"><v>42248</v></c><c r="H1" s="2"><v>31118</v></c><c r="I1" s="3"><v>42248.5</v></c>'
        '<c r="J1" s="4"><v>42248</v></c><c r="K1" t="b"><v>1</v></c><c r="L1" t="e"><v>#N/A</v></c>'
        '<c r="M1" t="str"><f>A1&amp;B1</f><v>王芳市骨干教师</v></c><c r="N1"><f>SUM(D1)</f></c></row>'
    )
    data = xlsx(
        sheet_xml(tail=row),
        shared_strings=shared,
        replace={
            "xl/styles.xml": STYLES,
            "xl/_rels/workbook.xml.rels": WORKBOOK_RELS.replace(
                "</Relationships>",
                f'<Relationship Id="rId3" Type="{DOC_RELS}/styles" Target="styles.xml"/></Relationships>',
            ),
        },
    )
    assert read(data) == [
        [
            "王芳",
            "市骨干教师",  # without its phonetic guide
            "第一行",
            "12345",
            "2.5",
            "110101199003077000",  # an ID number typed as a number, as Excel stores it
            "2015-09-01",
            "1985-03-12",  # Chinese Excel's 年月日 format, custom and built in
            "2015-09-01",
            "42248",  # format 49 is text
            "TRUE",
            "#N/A",
            "王芳市骨干教师",  # a formula's last value
        ]
    ]


def test_prefixed_namespaces_and_cells_without_references():
    sheet = (
        f'{HEAD}<x:worksheet xmlns:x="{MAIN}"><x:sheetData><x:row>'
        '<x:c t="inlineStr"><x:is><x:t>工号</x:t></x:is></x:c><x:c t="inlineStr"><x:is><x:t>姓名</x:t></x:is></x:c>'
        '</x:row><x:row r="3"><x:c r="B3"><x:v>7</x:v></x:c></x:row></x:sheetData></x:worksheet>'
    )
    assert read(xlsx(sheet)) == [["工号", "姓名"], [], ["", "7"]]


def test_a_strict_open_xml_workbook_is_refused_in_words():
    # openpyxl reads only the transitional namespaces Excel writes by default: a "Strict Open XML"
    # file would read as a workbook without sheets.
    strict = WORKBOOK.replace(MAIN, "http://purl.oclc.org/ooxml/spreadsheetml/main").replace(
        DOC_RELS, "http://purl.oclc.org/ooxml/officeDocument/relationships"
    )
    with pytest.raises(SpreadsheetError) as error:
        read(xlsx(workbook=strict))
    assert "Strict Open XML" in str(error.value)


def test_the_first_worksheet_is_read_not_a_chart_before_it():
    workbook = WORKBOOK.replace(
        '<sheet name="教师名册" sheetId="1" r:id="rId1"/>',
        '<sheet name="图表" sheetId="2" r:id="rId9"/><sheet name="教师名册" sheetId="1" r:id="rId1"/>',
    )
    rels = WORKBOOK_RELS.replace(
        "</Relationships>",
        f'<Relationship Id="rId9" Type="{DOC_RELS}/chartsheet" Target="chartsheets/sheet1.xml"/></Relationships>',
    )
    data = xlsx(sheet_xml([["工号"]]), workbook=workbook, replace={"xl/_rels/workbook.xml.rels": rels})
    assert read(data) == [["工号"]]


def test_the_template_reads_as_openpyxl_reads_it():
    book = load_workbook(io.BytesIO(template_workbook()), read_only=True)
    expected = [[str(v) for v in row if v is not None] for row in book.worksheets[0].iter_rows(values_only=True)]
    assert read(template_workbook()) == expected == [HEADERS, _trimmed(EXAMPLE)]


def _whole(number: float) -> str:
    return str(int(number)) if number.is_integer() else repr(number)


#: What a bureau types into a cell, and the text the reader must give back for it.
typed = st.one_of(
    st.none().map(lambda v: (v, "")),
    # Text that openpyxl would write as a formula ("=0") is not a value: left out; so are the
    # characters XML cannot hold, and OOXML's own escapes (_x000D_).
    st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff"), max_size=12)
    .filter(lambda t: "_x" not in t and not t.startswith("="))
    .map(lambda t: (t, t.strip())),
    st.integers(-(10**15), 10**15).map(lambda i: (i, str(i))),
    st.floats(-1e9, 1e9, allow_nan=False).map(lambda f: round(f, 4)).map(lambda f: (f, _whole(f))),
    st.just((1.10101199003077e17, "110101199003077000")),  # an ID number typed as a number
    st.dates(dt.date(1930, 1, 1), dt.date(2030, 12, 31)).map(lambda d: (d, d.isoformat())),
    st.datetimes(dt.datetime(1930, 1, 1), dt.datetime(2030, 12, 31)).map(
        lambda d: (d.replace(microsecond=0), d.date().isoformat())
    ),
    st.times().map(lambda t: (t.replace(microsecond=0), t.strftime("%H:%M:%S"))),
    st.booleans().map(lambda b: (b, "TRUE" if b else "FALSE")),
)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(typed, max_size=8), max_size=6), st.booleans())
def test_any_workbook_a_bureau_types_reads_back_as_typed(rows, write_only):
    book = Workbook(write_only=write_only)
    sheet = book.create_sheet() if write_only else book.active
    for row in rows:
        sheet.append([value for value, _ in row])
    out = io.BytesIO()
    book.save(out)
    expected = [[text for _, text in row] for row in rows]
    for row in expected:
        while row and not row[-1]:
            row.pop()
    while expected and not expected[-1]:
        expected.pop()
    assert read(out.getvalue()) == expected


# -- CSV ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_in_utf8_with_or_without_bom_or_gbk(encoding):
    text = "工号,姓名,学科\r\nCZ1, 王芳 ,数学,,\r\n\r\n"
    assert read(text.encode(encoding), "名册.csv") == [["工号", "姓名", "学科"], ["CZ1", "王芳", "数学"]]


def test_csv_with_mixed_line_endings_numbers_rows_as_excel_does(app):
    gen_school(code="S01")
    rows = [",".join(HEADERS)] + [",".join(roster_row(工号=f"CZ{k}")) for k in range(1, 4)]
    rows[3] = rows[3].replace(",数学,", ",书法,")  # spreadsheet row 4
    data = (rows[0] + "\r\n" + rows[1] + "\n" + rows[2] + "\r" + rows[3] + "\r\n").encode()
    assert [r[0] for r in read(data, "名册.csv")] == ["工号", "CZ1", "CZ2", "CZ3"]
    with pytest.raises(ImportRefused) as refused:
        import_roster(data, "名册.csv", today=TODAY)
    assert [str(p) for p in refused.value.report.problems] == [
        "第4行「学科」：“书法”不在可选范围内（" + "、".join(SUBJECT_BY_NAME) + "）"
    ]


@pytest.mark.parametrize(
    "data,row,words",
    [
        (b"a,b\nc,\x00d\n", None, "第2行含有空字符"),
        (b'a,b\nc,"d\ne,f\n', 2, "没有结束"),
        (b'a,b\nc,"d"e\n', 2, "引号结束后应紧跟逗号"),
        ("工号\n".encode("utf-16"), None, "UTF-16"),
        (b"a,b\n\x80\xff\n", None, "无法识别文件编码"),
        (b"a\n" + b"x" * 101 + b"\n", 2, "100个字符"),
        (b"a\n" + b"x" * 200_000 + b"\n", 2, "100个字符"),  # past the csv module's own field limit
        (b"a\n" * 100 + b"b\n", 101, "100行"),
        (b"," * 20 + b"x\n", 1, "U列有内容"),
    ],
    ids=[
        "nul",
        "unterminated quote",
        "text after quote",
        "utf-16",
        "unknown encoding",
        "long cell",
        "huge cell",
        "rows",
        "columns",
    ],
)
def test_csv_problems_are_named(data, row, words):
    with pytest.raises(SpreadsheetError) as error:
        read(data, "名册.csv", max_cell_chars=100)
    assert error.value.row == row and words in str(error.value), str(error.value)


def test_csv_trailing_empty_cells_and_rows_are_not_kept():
    data = b"a,b" + b"," * 1_000_000 + b"\n" + b"\r\n" * 1_000_000
    assert read(data, "名册.csv") == [["a", "b"]]


# -- never anything but rows or a SpreadsheetError -------------------------------------------------


def _check_bounded(rows, max_rows=100, max_columns=20, max_cell_chars=100):
    assert isinstance(rows, list) and len(rows) <= max_rows and (not rows or rows[-1])
    for cells in rows:
        assert isinstance(cells, list) and len(cells) <= max_columns and (not cells or cells[-1])
        assert all(isinstance(c, str) and len(c) <= max_cell_chars and c == c.strip() for c in cells)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000), st.sampled_from(["a.xlsx", "a.csv", "a.XLSX", "a.txt"]))
def test_any_bytes_give_rows_or_a_spreadsheet_error(data, name):
    try:
        rows = read(data, name, max_cell_chars=100)
    except SpreadsheetError as error:
        assert str(error)
    else:
        _check_bounded(rows)


VALID_PARTS = {
    "xl/worksheets/sheet1.xml": sheet_xml(
        {1: ["工号", "姓名"], 3: ["CZ1", "王芳"]},
        dimension="A1:B3",
        tail='<row r="4"><c r="A4" t="s"><v>0</v></c><c r="B4" s="1"><v>42248</v></c><c r="C4" t="b"><v>1</v></c></row>',
    ),
    "xl/sharedStrings.xml": f'{HEAD}<sst xmlns="{MAIN}"><si><r><t>李</t></r><r><t>强</t></r><rPh sb="0" eb="1"><t>li</t></rPh></si></sst>',
    "xl/styles.xml": STYLES,
    "xl/workbook.xml": WORKBOOK.replace("<sheets>", '<workbookPr date1904="0"/><sheets>'),
    "xl/_rels/workbook.xml.rels": WORKBOOK_RELS.replace(
        "</Relationships>", f'<Relationship Id="rId3" Type="{DOC_RELS}/styles" Target="styles.xml"/></Relationships>'
    ),
    "_rels/.rels": ROOT_RELS,
}
mutations = st.lists(
    st.tuples(
        st.sampled_from(["flip", "insert", "delete", "repeat"]), st.floats(0, 1), st.binary(min_size=1, max_size=8)
    ),
    min_size=1,
    max_size=4,
)


def _mutate(data: bytes, changes) -> bytes:
    out = bytearray(data)
    for kind, where, junk in changes:
        at = int(where * len(out))
        if kind == "flip" and at < len(out):
            out[at] ^= junk[0] or 1
        elif kind == "insert":
            out[at:at] = junk
        elif kind == "delete":
            del out[at : at + len(junk)]
        elif kind == "repeat":
            out[at:at] = bytes(out[at : at + len(junk)]) * 50
    return bytes(out)


def test_the_valid_workbook_that_is_mutated_reads():
    assert read(xlsx(replace=VALID_PARTS)) == [["工号", "姓名"], [], ["CZ1", "王芳"], ["李强", "2015-09-01", "TRUE"]]


@settings(max_examples=300, deadline=None)
@given(part=st.sampled_from([None, *VALID_PARTS]), changes=mutations)
def test_a_mutated_workbook_gives_rows_or_a_spreadsheet_error(part, changes):
    if part is None:  # the zip's own bytes (headers, deflate stream, central directory)
        data = _mutate(xlsx(replace=VALID_PARTS), changes)
    else:  # one part's XML, zipped again so that the XML reaches the parser
        data = xlsx(replace={**VALID_PARTS, part: _mutate(VALID_PARTS[part].encode(), changes)})
    try:
        rows = read(data, max_rows=5, max_columns=3, max_cell_chars=100)
    except SpreadsheetError as error:
        assert str(error)
    else:
        _check_bounded(rows, max_rows=5, max_columns=3)


@settings(max_examples=200, deadline=None)
@given(changes=mutations, encoding=st.sampled_from(["utf-8", "utf-8-sig", "gbk"]))
def test_a_mutated_csv_gives_rows_or_a_spreadsheet_error(changes, encoding):
    data = _mutate('工号,姓名\r\n"CZ1","王,芳"\n\nCZ2,"李""强"\r\n'.encode(encoding), changes)
    try:
        rows = read(data, "名册.csv", max_rows=5, max_columns=3, max_cell_chars=100)
    except SpreadsheetError as error:
        assert str(error)
    else:
        _check_bounded(rows, max_rows=5, max_columns=3)


# -- through the upload page and `matchapp import-roster`: the problem report, nothing written -----


@functools.cache
def hostile_files() -> dict[str, tuple[bytes, str, str]]:
    """name -> (file, file name, words of the one problem reported)."""
    bad_school = roster_row(学校代码="S99")
    return {
        "declares A1:XFD20000": (declared_dimension_file([HEADERS, bad_school]), "名册.xlsx", "“S99”不是已登记的学校"),
        "wide": (wide_file(MAX_COLUMNS + 1), "名册.xlsx", f"第1行：{column_letters(MAX_COLUMNS + 1)}列有内容"),
        "long": (long_file(MAX_ROWS + 1), "名册.xlsx", f"第{MAX_ROWS + 1}行：超出了{MAX_ROWS}行的上限"),
        "xxe": (external_entity(), "名册.xlsx", "DTD"),
        "billion laughs": (billion_laughs(), "名册.xlsx", "DTD"),
        "zip bomb": (zip_bomb(100), "名册.xlsx", "压缩炸弹"),
        "not a zip": (b"<html><body>not a spreadsheet</body></html>", "名册.xlsx", "不是有效的 .xlsx 表格"),
        "empty workbook": (empty_workbook(), "名册.xlsx", "工作簿中没有工作表"),
        "encrypted": (ole_file(), "名册.xlsx", "加密的或旧版"),
        "unterminated quote": (
            f'{",".join(HEADERS)}\n"CZ1,王芳\n'.encode(),
            "名册.csv",
            "第2行：这一行开始的英文双引号",
        ),
    }


HOSTILE = [
    "declares A1:XFD20000",
    "wide",
    "long",
    "xxe",
    "billion laughs",
    "zip bomb",
    "not a zip",
    "empty workbook",
    "encrypted",
    "unterminated quote",
]


def upload(client, data: bytes, filename: str):
    """POST the file as a browser does. (The test client's own multipart encoder leaves a temporary
    file open for bodies over 500 KB.)"""
    boundary = "----matchapp-hostile-upload"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return client.post("/roster/import", data=body, content_type=f"multipart/form-data; boundary={boundary}")


def _teachers() -> int:
    return db.session.scalar(select(func.count(Teacher.id)))


@pytest.mark.parametrize("name", HOSTILE)
def test_the_upload_page_reports_a_hostile_file_and_writes_nothing(app, client, auth, name):
    gen_school(code="S01")
    gen_teacher(staff_no="OLD1")
    gen_user("bureau", username="renshi")
    db.session.commit()
    auth.login("renshi")
    data, filename, words = hostile_files()[name]
    response = upload(client, data, filename)
    if len(data) > BACKGROUND_IMPORT_BYTES:  # the long file: checked by a background job
        assert "/jobs/" in response.headers["Location"]
        wait_for_jobs()
        response = client.get(response.headers["Location"])
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "文件有1处问题，未导入任何数据" in page
    assert words.split("：")[-1] in page
    assert "root:" not in page and "Traceback" not in page
    db.session.expire_all()
    assert _teachers() == 1


def test_the_problem_is_reported_in_the_language_of_the_page(app, client, auth):
    gen_user("bureau", username="renshi")
    db.session.commit()
    auth.login("renshi")
    client.post("/lang/en")
    page = upload(client, external_entity(), "roster.xlsx").get_data(as_text=True)
    assert "Contains an XML document type declaration (DTD)" in page and "文档类型声明" not in page


def test_the_declared_dimension_file_imports_its_one_teacher(app, client, auth):
    gen_school(code="S01")
    gen_user("bureau", username="renshi")
    db.session.commit()
    auth.login("renshi")
    response = upload(client, declared_dimension_file(), "名册.xlsx")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "导入完成：新增1人" in page and _teachers() == 1


def test_import_roster_command_reports_each_hostile_file_and_writes_nothing(tmp_path, database_url):
    from flask_migrate import upgrade

    from tests.conftest import make_app

    app = make_app(database_url, tmp_path)
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        gen_teacher(gen_school(code="S01"), staff_no="OLD1")
        db.session.commit()
        db.engine.dispose()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "MATCHAPP_ENV": "development",
        "MATCHAPP_INSTANCE": str(tmp_path / "instance"),
    }
    try:
        for name, (data, filename, words) in hostile_files().items():
            path = tmp_path / filename
            path.write_bytes(data)
            proc = subprocess.run(
                [sys.executable, "-m", "matchapp", "import-roster", str(path)],
                capture_output=True,
                text=True,
                env=env,
                timeout=300,
            )
            assert proc.returncode == 2, (name, proc.stderr[-2000:])
            lines = proc.stderr.strip().splitlines()
            assert len(lines) == 2 and words in lines[0] and lines[0].startswith(f"{filename}: "), (name, lines)
            assert lines[1] == f"{filename}: 1 problem(s); nothing imported", (name, lines)
        with app.app_context():
            assert _teachers() == 1
    finally:
        with app.app_context():
            db.session.remove()
            db.drop_all()
            with db.engine.begin() as conn:
                conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
            db.engine.dispose()


def _trimmed(row: list[str]) -> list[str]:
    """A row as a reader gives it: without its trailing empty cells."""
    row = list(row)
    while row and not row[-1]:
        row.pop()
    return row
