"""Fair-day load on this machine: gunicorn + PostgreSQL + locust, loopback only, bounded in time.

    python bench/load/run.py [--seconds 60] [--workers 4]

Fills a fresh PostgreSQL database (TEST_DATABASE_URL or the machine's `test` database) with an open
fair: 40 schools, 500 outgoing teachers and 40 school administrators with accounts; serves it with
gunicorn on 127.0.0.1; runs the locust scenario of bench/load/locustfile.py headless; then checks
that every user's stored list equals the last list the server acknowledged to them.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
PASSWORD = "load-test-2027"
URL = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PORT = 8765


def fill() -> tuple[int, list[str], list[str]]:
    import datetime as dt

    import numpy as np
    from sqlalchemy import insert, select
    from werkzeug.security import generate_password_hash

    from algorithms.generate import SUBJECTS, school_names, teacher_names
    from matchapp import create_app
    from matchapp.auth.models import User
    from matchapp.extensions import db
    from matchapp.preparation.models import Outgoing, Post
    from matchapp.roster.models import School, Teacher
    from matchapp.rounds.services import create_round

    app = create_app({"MATCHAPP_ENV": "development", "SECRET_KEY": "load", "SQLALCHEMY_DATABASE_URI": URL})
    rng = np.random.default_rng(500)
    with app.app_context():
        db.drop_all()
        db.create_all()
        names = school_names(40)
        db.session.execute(
            insert(School),
            [
                {
                    "code": f"S{k + 1:02d}",
                    "name": names[k],
                    "tier": ["strong", "ordinary", "weak"][k % 3],
                    "zone": ["东片区", "西片区", "南片区"][k % 3],
                }
                for k in range(40)
            ],
        )
        schools = db.session.scalars(select(School).order_by(School.code)).all()
        subjects = list(SUBJECTS)[:6]
        people = teacher_names(rng, 500)
        db.session.execute(
            insert(Teacher),
            [
                {
                    "staff_no": f"L{i:04d}",
                    "name": people[i],
                    "gender": "F",
                    "birth_date": dt.date(1985, 1, 1),
                    "school_id": schools[i % 40].id,
                    "subject": subjects[i % 6],
                    "started_at_school": dt.date(2015, 9, 1),
                }
                for i in range(500)
            ],
        )
        teachers = db.session.scalars(select(Teacher).order_by(Teacher.staff_no)).all()
        round_ = create_round(2027, "load", "changzhou")
        round_.state = "fair_open"
        db.session.flush()
        db.session.execute(
            insert(Outgoing),
            [{"round_id": round_.id, "teacher_id": t.id, "how": "rule", "confirmed": True} for t in teachers],
        )
        db.session.execute(
            insert(Post),
            [
                {"round_id": round_.id, "school_id": s.id, "subject": subject, "seats": 2}
                for s in schools
                for subject in subjects
            ],
        )
        hashed = generate_password_hash(PASSWORD)
        db.session.execute(
            insert(User),
            [
                {
                    "username": t.staff_no.lower(),
                    "display_name": t.name,
                    "role": "teacher",
                    "teacher_id": t.id,
                    "password_hash": hashed,
                    "active": True,
                    "failed_logins": 0,
                }
                for t in teachers
            ]
            + [
                {
                    "username": s.code.lower(),
                    "display_name": s.name,
                    "role": "school",
                    "school_id": s.id,
                    "password_hash": hashed,
                    "active": True,
                    "failed_logins": 0,
                }
                for s in schools
            ],
        )
        round_id = round_.id
        usernames = [t.staff_no.lower() for t in teachers], [s.code.lower() for s in schools]
        db.session.commit()
        db.engine.dispose()
    return round_id, *usernames


def verify(acks: dict, pending: dict) -> tuple[int, int, int, list[str]]:
    from sqlalchemy import select

    from matchapp import create_app
    from matchapp.auth.models import User
    from matchapp.extensions import db
    from matchapp.fair.models import PostRanking, PreferenceList
    from matchapp.roster.models import School, Teacher

    app = create_app({"MATCHAPP_ENV": "development", "SECRET_KEY": "load", "SQLALCHEMY_DATABASE_URI": URL})
    wrong = []
    checked_lists = checked_rankings = in_flight = 0
    with app.app_context():
        code = {s.id: s.code for s in db.session.scalars(select(School))}
        staff = {t.id: t.staff_no for t in db.session.scalars(select(Teacher))}
        user_teacher = {
            u.username: u.teacher_id for u in db.session.scalars(select(User).where(User.role == "teacher"))
        }
        lists = {pl.teacher_id: pl for pl in db.session.scalars(select(PreferenceList))}
        rankings = {r.post_id: r for r in db.session.scalars(select(PostRanking))}
        for key, ack in acks.items():
            if "/" in key:
                post_id = int(key.split("/")[1])
                stored = rankings[post_id].groups
                groups = [sorted(staff[int(x)] for x in g.split(",") if x) for g in stored.split(";") if g]
                checked_rankings += 1
                if groups != ack:
                    if [sorted(g) for g in groups] == pending.get(key):
                        in_flight += 1  # sent after the last answer, stored, the answer never read
                    else:
                        wrong.append(f"{key}: stored {groups}, acknowledged {ack}")
            else:
                pl = lists[user_teacher[key]]
                stored = [code[int(x)] for x in (pl.submitted_school_ids or "").split(",") if x]
                checked_lists += 1
                if stored != ack:
                    if stored == pending.get(key):
                        in_flight += 1
                    else:
                        wrong.append(f"{key}: stored {stored}, acknowledged {ack}")
        db.engine.dispose()
    return checked_lists, checked_rankings, in_flight, wrong


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--spawn-rate", type=int, default=8)
    args = parser.parse_args()
    print(
        f"# {time.strftime('%Y-%m-%d %H:%M')} · {platform.node()} · {os.cpu_count()} cores · "
        f"Python {platform.python_version()} · gunicorn {args.workers} workers · PostgreSQL"
    )
    round_id, teachers, schools = fill()
    env = {
        **os.environ,
        "DATABASE_URL": URL,
        "SECRET_KEY": "load-bench-secret",
        "MATCHAPP_ENV": "production",
        "MATCHAPP_RATELIMIT": "off",
    }
    env.pop("REDIS_URL", None)
    with tempfile.TemporaryDirectory(prefix="matchapp-load-") as tmp:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-w",
                str(args.workers),
                "-k",
                "gthread",
                "--threads",
                "4",
                "-b",
                f"127.0.0.1:{PORT}",
                "--log-level",
                "warning",
                "matchapp:create_app()",
            ],
            env={**env, "MATCHAPP_INSTANCE": tmp},
            cwd=ROOT,
            start_new_session=True,
        )
        try:
            for _ in range(100):
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=1)  # noqa: S310 - loopback
                    break
                except OSError:
                    time.sleep(0.2)
            ack_file = Path(tmp) / "acks.json"
            locust_env = {
                **env,
                "ROUND_ID": str(round_id),
                "TEACHERS": json.dumps(teachers),
                "SCHOOLS": json.dumps(schools),
                "PASSWORD": PASSWORD,
                "ACK_FILE": str(ack_file),
            }
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "locust",
                    "-f",
                    str(ROOT / "bench/load/locustfile.py"),
                    "--headless",
                    "-u",
                    "540",
                    "-r",
                    str(args.spawn_rate),
                    "-t",  # the ramp (logins), then the measured seconds with every user active
                    f"{args.seconds + 540 // args.spawn_rate}s",
                    "--host",
                    f"http://127.0.0.1:{PORT}",
                    "--csv",
                    str(Path(tmp) / "stats"),
                    "--only-summary",
                    "--stop-timeout",
                    "30",
                    "--reset-stats",
                    "--loglevel",
                    "WARNING",
                ],
                env=locust_env,
                check=False,
                capture_output=True,
            )
            rows = list(csv.DictReader(open(Path(tmp) / "stats_stats.csv", encoding="utf-8")))
            recorded = json.loads(ack_file.read_text(encoding="utf-8"))
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
    for row in rows:
        print(
            f"{row['Name']:<16} requests {int(row['Request Count']):>6}  failures {int(row['Failure Count']):>4}  "
            f"median {row['50%']:>5} ms  p95 {row['95%']:>5} ms  p99 {row['99%']:>5} ms  rps {float(row['Requests/s']):.1f}"
        )
    lists, rankings, in_flight, wrong = verify(recorded["acks"], recorded["pending"])
    print(
        f"acknowledged lists checked against the database: {lists} preference lists, {rankings} rankings; "
        f"mismatches: {len(wrong)}; stored from a request still in flight when the run stopped: {in_flight}"
    )
    for line in wrong[:10]:
        print("  " + line)


if __name__ == "__main__":
    main()
