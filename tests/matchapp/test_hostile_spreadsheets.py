"""Hostile spreadsheets: files that lie about their size, bombs, XXE, and other things that are not
tables. Each is crafted here from zipfile and XML text, so the test says exactly what the file holds."""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape

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
    from matchapp.roster.importer import EXAMPLE, HEADERS

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
        "xl/workbook.xml": WORKBOOK.removeprefix(HEAD),
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
