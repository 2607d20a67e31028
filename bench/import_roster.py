"""Roster import benchmark: a 50,000-teacher .xlsx through `matchapp import-roster`.

    python bench/import_roster.py [--teachers 50000]

Writes the spreadsheet (openpyxl, write-only), creates a fresh SQLite database with the schools,
and times the command as a whole process: reading, checking every row, writing every teacher
and the audit rows, in one transaction. Then imports the same file again (nothing changes).
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def write_xlsx(path: Path, n: int, schools: int) -> None:
    import numpy as np
    from openpyxl import Workbook

    from algorithms.generate import SUBJECTS, teacher_names
    from matchapp.roster.importer import HEADERS

    rng = np.random.default_rng(50_000)
    names = teacher_names(rng, n)
    subjects = [name for name, _ in SUBJECTS.values()]
    book = Workbook(write_only=True)
    sheet = book.create_sheet("教师名册")
    sheet.append(HEADERS)
    for i in range(n):
        age = int(rng.integers(24, 58))
        sheet.append(
            [
                f"B{i:06d}",
                names[i],
                "女" if rng.random() < 0.6 else "男",
                f"{2026 - age}-0{1 + i % 9}-1{i % 9}",
                f"S{1 + i % schools:04d}",
                subjects[i % len(subjects)],
                ["初级", "中级", "高级"][i % 3],
                f"{min(2025, 2026 - age + 25)}-09-01",
                "本科",
                "",
                "是" if i % 7 == 0 else "否",
                f"{2026 - int(rng.integers(0, 15))}-09-01",
                "",
            ]
        )
    book.save(path)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--teachers", type=int, default=50_000)
    args = parser.parse_args()
    schools = max(10, args.teachers // 50)
    print(
        f"# {time.strftime('%Y-%m-%d %H:%M')} · {platform.node()} · {os.cpu_count()} cores · Python {platform.python_version()}"
    )
    with tempfile.TemporaryDirectory(prefix="matchapp-import-") as tmp:
        tmp_path = Path(tmp)
        xlsx = tmp_path / "roster.xlsx"
        started = time.perf_counter()
        write_xlsx(xlsx, args.teachers, schools)
        print(
            f"wrote {args.teachers:,} rows ({xlsx.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - started:.1f} s"
        )
        env = {
            **os.environ,
            "MATCHAPP_ENV": "development",
            "MATCHAPP_INSTANCE": str(tmp_path / "instance"),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'bench.sqlite'}",
        }
        setup = (
            "from matchapp import create_app\nfrom matchapp.extensions import db\nfrom flask_migrate import upgrade\n"
            "from matchapp.roster.models import School\napp = create_app()\nwith app.app_context():\n"
            "    upgrade(directory=app.extensions['migrate'].directory)\n"
            f"    db.session.add_all([School(code=f'S{{k:04d}}', name=f'学校{{k}}') for k in range(1, {schools + 1})])\n"
            "    db.session.commit()\n"
        )
        subprocess.run([sys.executable, "-c", setup], env=env, check=True, capture_output=True)
        for label in ("first import", "same file again"):
            started = time.perf_counter()
            proc = subprocess.run(
                [sys.executable, "-m", "matchapp", "import-roster", str(xlsx)], env=env, capture_output=True, text=True
            )
            elapsed = time.perf_counter() - started
            if proc.returncode:
                raise SystemExit(proc.stderr[-2000:])
            print(f"{label}: {elapsed:.1f} s, whole process ({proc.stdout.strip()})")


if __name__ == "__main__":
    main()
