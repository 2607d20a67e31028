"""The fair's run end to end through the service: a 10,000-teacher round, on SQLite and PostgreSQL.

    python bench/fair_service.py                      # SQLite (a temporary file)
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test python bench/fair_service.py

Fills a closed round from `matchapp generate` (schools, teachers, outgoing lists, posts,
submitted preference lists and rankings), then times `run_fair`: loading the round, building
the instance, solving with the assignment, certifying, and writing the run and its 10,000
placements (with their audit rows) in one transaction.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--teachers", type=int, default=10_000)
    args = parser.parse_args()
    from algorithms import generate_instance
    from matchapp import create_app
    from matchapp.demo import load_instance_round
    from matchapp.extensions import db
    from matchapp.rounds.models import Round
    from matchapp.runs.service import run_fair

    url = os.environ.get("DATABASE_URL")
    tmp = tempfile.mkdtemp(prefix="matchapp-fair-")
    url = url or f"sqlite:///{tmp}/bench.sqlite"
    app = create_app(
        {"MATCHAPP_ENV": "development", "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": tmp}
    )
    print(
        f"# {time.strftime('%Y-%m-%d %H:%M')} · {platform.node()} · {os.cpu_count()} cores · "
        f"Python {platform.python_version()} · {url.split(':')[0]}"
    )
    with app.app_context():
        db.drop_all()
        db.create_all()
        started = time.perf_counter()
        round_id = load_instance_round(generate_instance(args.teachers, seed=7))
        print(f"filled a closed round of {args.teachers:,} teachers in {time.perf_counter() - started:.1f} s")
        round_ = db.session.get(Round, round_id)
        started = time.perf_counter()
        outcome = run_fair(round_, None)
        db.session.commit()
        elapsed = time.perf_counter() - started
        placed = len(outcome.run.placements)
        print(
            f"run_fair end to end (load, solve + assign, certify, write {placed:,} placements + audit rows, "
            f"commit): {elapsed:.2f} s; stable: {outcome.run.stable}"
        )
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


if __name__ == "__main__":
    main()
