"""What one request of each kind makes the application do, counted rather than timed: Python
function calls (cProfile) and SQL statements, per request.

    python bench/load/calls.py [--requests 50] [--database-url URL]

Counts do not move with the machine's speed (bench/load/cost.py's CPU times do, by up to 40%
on this shared machine), so they show what a change to the code did. Fills the same fair as
bench/load/run.py (PostgreSQL, 900 teachers, 100 schools, every list submitted as in
cost.py), signs a teacher and a school in through the web form with the Flask test client in
the production configuration, and sends each kind of request in turn.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import sys
from pathlib import Path

from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent))

import cost  # noqa: E402  (bench/load/cost.py: the same submitted lists)
import run as bench  # noqa: E402  (bench/load/run.py: the same fill)

CSRF = bench.CSRF


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=50, help="requests of each kind")
    cost.add_database_options(parser)
    args = parser.parse_args()
    from matchapp import create_app
    from matchapp.extensions import db

    r, teachers, schools = cost.filled_fair(args)
    app = create_app(
        {
            "MATCHAPP_ENV": "production",
            "SECRET_KEY": os.urandom(32).hex(),
            "SQLALCHEMY_DATABASE_URI": args.database_url,
            "REDIS_URL": args.redis_url,
            "MATCHAPP_BEHIND_PROXY": "1",
        }
    )

    def signed_in(username: str, address: str):
        client = app.test_client()
        client.environ_base["HTTP_X_FORWARDED_FOR"] = address
        token = CSRF.search(client.get("/login").text).group(1)
        answer = client.post("/login", data={"username": username, "password": bench.PASSWORD, "csrf_token": token})
        assert answer.status_code == 302, (username, answer.status_code)
        client.csrf = CSRF.search(client.get("/home").text).group(1)
        return client

    teacher, school = signed_in(teachers[0], "10.9.0.1"), signed_in(schools[1], "10.9.0.2")
    codes = [p["school"] for p in teacher.get(f"/api/v1/rounds/{r}/posts").json["posts"]]
    post = school.get(f"/api/v1/rounds/{r}/posts").json["posts"][0]["id"]
    kinds = {
        "api: GET posts": lambda: teacher.get(f"/api/v1/rounds/{r}/posts"),
        "api: PUT preferences (submitted)": lambda: teacher.put(
            f"/api/v1/rounds/{r}/preferences",
            json={"schools": random.sample(codes, 5), "submit": True},
            headers={"X-CSRFToken": teacher.csrf},
        ),
        "page: home (teacher)": lambda: teacher.get("/home"),
        "page: preferences": lambda: teacher.get(f"/fair/{r}/preferences"),
        "api: GET ranking": lambda: school.get(f"/api/v1/rounds/{r}/posts/{post}/ranking"),
        "page: ranking": lambda: school.get(f"/fair/{r}/posts/{post}/ranking"),
        "page: home (school)": lambda: school.get("/home"),
        "GET /healthz": lambda: teacher.get("/healthz"),
    }
    with app.app_context():
        engine = db.engine
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    print(f"# {args.requests} requests of each kind, in turn; the Flask test client, production configuration")
    for name, send in kinds.items():
        for _ in range(5):  # warm: connections, caches, the session's last-seen time
            assert send().status_code == 200, name
        statements.clear()
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(args.requests):
            send()
        profile.disable()
        calls = pstats.Stats(profile).total_calls  # type: ignore[attr-defined]
        n = args.requests
        print(f"{name:<36} Python calls {calls / n:8.0f}   SQL statements {len(statements) / n:5.1f}")


if __name__ == "__main__":
    main()
