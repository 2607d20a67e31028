"""Hostile spreadsheets: what reading each one costs the roster importer.

    python bench/hostile_xlsx.py [--roster 100000]

Builds the files of tests/matchapp/test_hostile_spreadsheets.py (the 2 KB .xlsx declaring
``A1:XFD20000`` of issue #9, a billion laughs, XXE, a zip bomb, one row of a million empty
cells, 520,000 cell formats) and reads each one in a fresh process through
``matchapp.roster.importer.read_table``, the function the upload page and ``matchapp
import-roster`` call. Prints the time, the growth of the process's peak resident memory while
reading (``VmHWM``, reset before reading), and what came out: rows, the problem report, or a
crash (which the page shows as a 500). ``--roster N`` adds honest files for comparison: a roster
of N teachers written by openpyxl, as bench/import_roster.py writes it (text inline in each
cell), and the same rows as Excel writes them (text in the shared strings).
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

READ = """
import sys, time
from matchapp.roster.importer import ImportRefused, read_table
def status(key):  # in KiB
    with open("/proc/self/status") as lines:
        return next(int(line.split()[1]) for line in lines if line.startswith(key))
data = open(sys.argv[1], "rb").read()
# The peak resident memory starts from here: ru_maxrss would start from the parent's at the fork
# (Linux carries it across exec), which hid up to that much growth.
with open("/proc/self/clear_refs", "w") as clear:
    clear.write("5")
before = status("VmRSS:")
started = time.perf_counter()
try:
    rows = read_table(data, "roster.xlsx")
    outcome = f"{len(rows)} rows"
except ImportRefused as refused:
    outcome = "refused: " + "; ".join(str(p) for p in refused.report.problems)
except Exception as exc:
    outcome = f"crashed: {type(exc).__name__}: {str(exc)[:80]}"
elapsed = time.perf_counter() - started
peak = status("VmHWM:")
print(f"{elapsed:.3f} s, peak +{(peak - before) / 1024:,.1f} MB ({peak / 1024:,.0f} MB in all) · {outcome}")
"""


def main() -> None:
    import argparse

    from tests.matchapp.test_hostile_spreadsheets import (
        billion_laughs,
        cell_formats,
        declared_dimension_file,
        external_entity,
        sheet_xml,
        wide_empty_row,
        xlsx,
        zip_bomb,
    )

    parser = argparse.ArgumentParser()
    parser.add_argument("--roster", type=int, default=0, help="also read a real roster of this many teachers")
    args = parser.parse_args()

    print(
        f"# {time.strftime('%Y-%m-%d %H:%M')} · {platform.node()} · {os.cpu_count()} cores · Python {platform.python_version()}"
    )
    files = {
        "declares A1:XFD20000": declared_dimension_file(),
        "billion laughs (shared strings)": billion_laughs(),
        "XXE file:///etc/passwd (sheet)": external_entity(),
        "zip bomb, 100 MiB sheet": zip_bomb(100),
        "one row of 1,000,000 empty cells": wide_empty_row(1_000_000),
        "520,000 cell formats (styles)": xlsx(sheet_xml([["x"]]), replace={"xl/styles.xml": cell_formats(520_000)}),
        "2,000,000 unknown elements between 10 rows": unknown_elements(),
    }
    with tempfile.TemporaryDirectory(prefix="matchapp-hostile-") as tmp:
        if args.roster:  # the control: what an honest file of that size costs
            from bench.import_roster import write_xlsx

            roster = Path(tmp) / "roster.xlsx"
            write_xlsx(roster, args.roster, max(10, args.roster // 50))
            files[f"a real roster of {args.roster:,} teachers"] = roster.read_bytes()
            files[f"the same {args.roster:,} teachers as Excel writes them"] = shared_strings_copy(roster)
        for label, data in files.items():
            path = Path(tmp) / "roster.xlsx"
            path.write_bytes(data)
            proc = subprocess.run(
                [sys.executable, "-c", READ, str(path)], capture_output=True, text=True, cwd=ROOT, timeout=600
            )
            result = proc.stdout.strip() or f"exit {proc.returncode}: {proc.stderr.strip()[-200:]}"
            print(f"{label} ({len(data) / 1024:,.1f} KB): {result}")


def unknown_elements() -> bytes:
    """Ten rows, each followed by 200,000 elements that openpyxl does not know (1.4 MB of XML,
    under the bound between two rows): openpyxl keeps them until the end of the sheet."""
    import random

    from tests.matchapp.test_hostile_spreadsheets import sheet_xml, xlsx

    rnd = random.Random(7)
    parts = []
    for row in range(1, 11):
        parts.append(f'<row r="{row}"><c r="A{row}" t="inlineStr"><is><t>x</t></is></c></row>')
        parts.append("".join(f"<{rnd.choice('abcdefgh')}{rnd.randrange(999)}/>" for _ in range(200_000)))
    return xlsx(sheet_xml(tail="".join(parts)))


def shared_strings_copy(path: Path) -> bytes:
    """The first sheet of ``path`` with its text in the shared strings, as Excel (and WPS) write it."""
    from xml.sax.saxutils import escape

    from openpyxl import load_workbook

    from tests.matchapp.test_hostile_spreadsheets import HEAD, MAIN, column_letters, sheet_xml, xlsx

    strings: dict[str, int] = {}
    rows = []
    book = load_workbook(path, read_only=True)
    for number, values in enumerate(book.worksheets[0].iter_rows(values_only=True), start=1):
        cells = "".join(
            f'<c r="{column_letters(k)}{number}" t="s"><v>{strings.setdefault(str(v), len(strings))}</v></c>'
            for k, v in enumerate(values, start=1)
            if v is not None and v != ""
        )
        rows.append(f'<row r="{number}">{cells}</row>')
    book.close()
    shared = f'{HEAD}<sst xmlns="{MAIN}">' + "".join(f"<si><t>{escape(s)}</t></si>" for s in strings) + "</sst>"
    return xlsx(sheet_xml(tail="".join(rows)), shared_strings=shared)


if __name__ == "__main__":
    main()
