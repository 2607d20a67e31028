"""Accounts for a whole district in one action: `matchapp create-accounts --role teacher` for
20,000 teachers, as a whole process (reading the roster, making 20,000 random initial passwords,
hashing them, writing the accounts and the .xlsx of slips).

    python bench/accounts.py [--teachers 20000] [--database-url URL]

Initial passwords are hashed with scrypt N=2^10, r=8, p=1 (random 10-character passwords of about
57 bits: a light cost is safe for them), on every core; the password a person chooses at the
first sign-in is hashed at Werkzeug's full cost (N=2^15).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def fill(url: str, teachers: int) -> None:
    from flask_migrate import upgrade
    from sqlalchemy import insert

    from matchapp import create_app
    from matchapp.extensions import db
    from matchapp.roster.models import School, Teacher

    app = create_app({"MATCHAPP_ENV": "development", "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        schools = max(1, teachers // 50)
        db.session.execute(
            insert(School),
            [{"code": f"B{k:04d}", "name": f"学校{k}", "tier": "ordinary", "zone": "Z"} for k in range(schools)],
        )
        ids = [s.id for s in db.session.scalars(db.select(School))]
        db.session.execute(
            insert(Teacher),
            [
                {
                    "staff_no": f"T{k:06d}",
                    "name": f"教师{k}",
                    "gender": "F",
                    "birth_date": dt.date(1985, 1, 1),
                    "school_id": ids[k % len(ids)],
                    "subject": "math",
                    "started_at_school": dt.date(2015, 9, 1),
                }
                for k in range(teachers)
            ],
        )
        db.session.commit()
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teachers", type=int, default=20_000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/accounts.sqlite"
        fill(url, args.teachers)
        env = {**os.environ, "DATABASE_URL": url, "MATCHAPP_ENV": "development", "MATCHAPP_INSTANCE": tmp}
        print(
            f"# {dt.datetime.now():%Y-%m-%d %H:%M} · {platform.node()} · {os.cpu_count()} cores · Python {platform.python_version()} · {url.split(':')[0]}"
        )
        load = os.getloadavg()[0]
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "matchapp", "create-accounts", "--role", "teacher", "-o", f"{tmp}/accounts.xlsx"],
            env=env,
            capture_output=True,
            text=True,
        )
        elapsed = time.perf_counter() - started
        assert done.returncode == 0, done.stderr
        print(f"{done.stdout.strip()}")
        print(
            f"matchapp create-accounts --role teacher, {args.teachers:,} teachers, whole process: {elapsed:.1f} s "
            f"(target ≤ 60 s; load average before: {load:.1f})"
        )


if __name__ == "__main__":
    main()
