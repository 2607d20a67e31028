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
import datetime as dt
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def fill(doc: dict) -> int:
    from sqlalchemy import insert, select

    from matchapp.extensions import db
    from matchapp.fair.models import PostRanking, PreferenceList
    from matchapp.roster.models import School, Teacher
    from matchapp.rounds.models import Outgoing, Post, Round
    from matchapp.rounds.services import create_round

    db.session.execute(
        insert(School),
        [
            {"code": s["id"], "name": f"{s['name']}（{s['id']}）", "tier": s["tier"], "zone": s["zone"]}
            for s in doc["schools"]
        ],
    )
    school_id = dict(db.session.execute(select(School.code, School.id)).all())
    db.session.execute(
        insert(Teacher),
        [
            {
                "staff_no": t["id"],
                "name": t["name"],
                "gender": "F",
                "birth_date": dt.date(1985, 1, 1),
                "school_id": school_id[t["school"]],
                "subject": t["subject"],
                "backbone": t["backbone"],
                "started_at_school": dt.date(2015, 9, 1),
            }
            for t in doc["teachers"]
        ],
    )
    teacher_id = dict(db.session.execute(select(Teacher.staff_no, Teacher.id)).all())
    round_ = create_round(2027, "bench", "changzhou", seed=doc["seed"])
    round_.policy = {**round_.policy, "min_selection_size": 1}
    round_.state = "fair_closed"
    db.session.flush()
    db.session.execute(
        insert(Outgoing),
        [
            {"round_id": round_.id, "teacher_id": teacher_id[t["id"]], "how": "rule", "confirmed": True}
            for t in doc["teachers"]
        ],
    )
    db.session.execute(
        insert(Post),
        [
            {
                "round_id": round_.id,
                "school_id": school_id[p["school"]],
                "subject": p["subject"],
                "seats": p["capacity"],
            }
            for p in doc["posts"]
        ],
    )
    post_id = {(s, subj): pid for pid, s, subj in db.session.execute(select(Post.id, Post.school_id, Post.subject))}
    db.session.execute(
        insert(PreferenceList),
        [
            {
                "round_id": round_.id,
                "teacher_id": teacher_id[t["id"]],
                "version": 1,
                "school_ids": ",".join(str(school_id[s]) for s in t["preferences"]),
                "submitted_school_ids": ",".join(str(school_id[s]) for s in t["preferences"]),
                "submitted_at": dt.datetime(2027, 7, 2, 10),
            }
            for t in doc["teachers"]
        ],
    )
    rows = []
    for p in doc["posts"]:
        groups = ";".join(
            ",".join(str(teacher_id[x]) for x in (g if isinstance(g, list) else [g])) for g in p["ranking"]
        )
        rows.append(
            {
                "post_id": post_id[(school_id[p["school"]], p["subject"])],
                "groups": groups,
                "unacceptable": "",
                "submitted_groups": groups,
                "submitted_unacceptable": "",
                "submitted_at": dt.datetime(2027, 7, 2, 11),
                "version": 1,
            }
        )
    db.session.execute(insert(PostRanking), rows)
    db.session.commit()
    return db.session.scalar(select(Round.id).where(Round.year == 2027))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--teachers", type=int, default=10_000)
    args = parser.parse_args()
    from algorithms import generate_instance
    from matchapp import create_app
    from matchapp.extensions import db
    from matchapp.fair.services import run_fair
    from matchapp.rounds.models import Round

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
        round_id = fill(generate_instance(args.teachers, seed=7))
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
