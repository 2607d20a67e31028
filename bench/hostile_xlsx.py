"""Hostile spreadsheets: what reading each one costs the roster importer.

    python bench/hostile_xlsx.py [--roster 100000]

Builds the files of tests/matchapp/test_hostile_spreadsheets.py (the 2 KB .xlsx declaring
``A1:XFD20000`` of issue #9, a billion laughs, XXE, a zip bomb) and reads each one in a fresh
process through ``matchapp.roster.importer.read_table``, the function the upload page and
``matchapp import-roster`` call. Prints the time, the growth of the process's peak resident
memory while reading (``ru_maxrss``), and what came out: rows, the problem report, or a crash
(which the page shows as a 500). ``--roster N`` adds an honest file for comparison: a roster of N
teachers written by openpyxl, as bench/import_roster.py writes it.
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
import resource, sys, time
from matchapp.roster.importer import ImportRefused, read_table
data = open(sys.argv[1], "rb").read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
try:
    rows = read_table(data, "roster.xlsx")
    outcome = f"{len(rows)} rows"
except ImportRefused as refused:
    outcome = "refused: " + "; ".join(str(p) for p in refused.report.problems)
except Exception as exc:
    outcome = f"crashed: {type(exc).__name__}: {str(exc)[:80]}"
elapsed = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(f"{elapsed:.3f} s, peak +{(peak - before) / 1024:,.1f} MB ({peak / 1024:,.0f} MB in all) · {outcome}")
"""


def main() -> None:
    import argparse

    from tests.matchapp.test_hostile_spreadsheets import (
        billion_laughs,
        declared_dimension_file,
        external_entity,
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
    }
    with tempfile.TemporaryDirectory(prefix="matchapp-hostile-") as tmp:
        if args.roster:  # the control: what an honest file of that size costs
            from bench.import_roster import write_xlsx

            roster = Path(tmp) / "roster.xlsx"
            write_xlsx(roster, args.roster, max(10, args.roster // 50))
            files[f"a real roster of {args.roster:,} teachers"] = roster.read_bytes()
        for label, data in files.items():
            path = Path(tmp) / "roster.xlsx"
            path.write_bytes(data)
            proc = subprocess.run(
                [sys.executable, "-c", READ, str(path)], capture_output=True, text=True, cwd=ROOT, timeout=600
            )
            result = proc.stdout.strip() or f"exit {proc.returncode}: {proc.stderr.strip()[-200:]}"
            print(f"{label} ({len(data) / 1024:,.1f} KB): {result}")


if __name__ == "__main__":
    main()
