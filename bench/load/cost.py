"""What one request of each kind costs `matchapp serve` in CPU: the numbers behind the load bench.

    python bench/load/cost.py [--requests 200] [--database-url URL]

Fills the same fair as bench/load/run.py (900 teachers, 100 schools; the same database rules: it
is created if missing and refused if it holds tables the bench did not make), with every teacher's
list submitted as in the middle of the load run, serves it with one
gunicorn worker, signs in a teacher and a school through the web form, and sends each kind of
request one after another. The server's CPU time (master and worker, from /proc) and PostgreSQL's
(the server's connections) are divided by the number of requests; nothing runs in parallel, so
this is the cost of the work itself, without queueing.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import secrets
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run as bench  # noqa: E402  (bench/load/run.py: the same fill, server and sign-in)

TICK = os.sysconf("SC_CLK_TCK")


def cpu_of(pids: set[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(x) for x in fields[11:15]) / TICK
    return total


def group(pgid: int) -> set[int]:
    members = set()
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat") as stat:
                    if int(stat.read().rsplit(")", 1)[1].split()[2]) == pgid:
                        members.add(int(entry.name))
            except OSError:
                continue
    return members


def submit_lists(url: str, round_id: int) -> None:
    """Every teacher has submitted 3-8 schools, as in the middle of the load bench (the candidates
    of a post and the applicant counts of the preferences page then have their real size): a
    list row and its entries, the same posts as draft and as submitted."""
    import datetime as dt

    from sqlalchemy import create_engine, text

    rng = random.Random(7)
    engine = create_engine(url)
    with engine.begin() as conn:
        posts = {
            (school, subject): post
            for post, school, subject in conn.execute(
                text("SELECT id, school_id, subject FROM posts WHERE round_id = :r"), {"r": round_id}
            )
        }
        schools = sorted({school for school, _ in posts})
        teachers = list(conn.execute(text("SELECT id, school_id, subject FROM teachers ORDER BY id")))
        conn.execute(
            text(
                "INSERT INTO preference_lists (round_id, teacher_id, submitted_at, updated_at, version) "
                "VALUES (:r, :t, :at, :at, 1)"
            ),
            [{"r": round_id, "t": t, "at": dt.datetime(2027, 6, 1)} for t, _, _ in teachers],
        )
        list_of = dict(
            conn.execute(text("SELECT teacher_id, id FROM preference_lists WHERE round_id = :r"), {"r": round_id}).all()
        )
        entries = []
        for teacher_id, own, subject in teachers:
            chosen = rng.sample([s for s in schools if s != own], rng.randint(3, 8))
            for stage in ("draft", "submitted"):
                entries += [
                    {"l": list_of[teacher_id], "s": stage, "k": k + 1, "p": posts[school, subject]}
                    for k, school in enumerate(chosen)
                ]
        conn.execute(
            text("INSERT INTO preference_entries (list_id, stage, rank, post_id) VALUES (:l, :s, :k, :p)"), entries
        )
    engine.dispose()


def add_database_options(parser: argparse.ArgumentParser) -> None:
    """--database-url and --redis-url, as bench/load/run.py takes them."""
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/matchapp_bench"),
    )
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7"))


def filled_fair(args: argparse.Namespace) -> tuple[int, list[str], list[str]]:
    """The load bench's fair (900 teachers, 100 schools) with every list submitted, Redis emptied:
    (round id, teachers' usernames, schools' usernames)."""
    import redis

    bench.prepare_database(args.database_url)
    round_id, teachers, schools = bench.fill(args.database_url, 900, 100)
    submit_lists(args.database_url, round_id)
    redis.Redis.from_url(args.redis_url).flushdb()
    return round_id, teachers, schools


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200, help="requests of each kind")
    parser.add_argument("--port", type=int, default=8775)
    add_database_options(parser)
    args = parser.parse_args()
    import psycopg

    round_id, teachers, schools = filled_fair(args)
    if not bench.port_is_free(args.port):
        raise SystemExit(f"port {args.port} is in use")
    with tempfile.TemporaryDirectory(prefix="matchapp-cost-") as tmp_name:
        tmp = Path(tmp_name)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("MATCHAPP_", "FLASK_"))}
        env.update(
            SECRET_KEY=secrets.token_hex(32),
            DATABASE_URL=args.database_url,
            REDIS_URL=args.redis_url,
            MATCHAPP_ENV="production",
            MATCHAPP_BEHIND_PROXY="1",
            MATCHAPP_INSTANCE=str(tmp / "instance"),
            XDG_RUNTIME_DIR=str(tmp),
        )
        base = f"http://127.0.0.1:{args.port}"
        server = bench.Process(
            ["serve", "--port", str(args.port), "--workers", "1", "--threads", "1"], env, tmp / "serve.log"
        )
        try:
            bench.wait_until_up(base, server)
            dsn = re.sub(r"^postgresql\+\w+://", "postgresql://", args.database_url)
            watch = psycopg.connect(dsn, autocommit=True)

            def postgres_pids() -> set[int]:
                rows = watch.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
                return {pid for (pid,) in rows}

            def signed_in(username: str, address: str):
                browser = bench._browser(address)
                answer = bench._post_login(base, browser, username, bench.PASSWORD)
                assert answer.status_code == 302, (username, answer.status_code)
                home = browser.get(f"{base}/home", timeout=30)
                browser.headers["X-CSRFToken"] = bench.CSRF.search(home.text).group(1)
                return browser

            teacher, school = signed_in(teachers[0], "10.9.0.1"), signed_in(schools[1], "10.9.0.2")
            codes = [p["school"] for p in teacher.get(f"{base}/api/v1/rounds/{round_id}/posts").json()["posts"]]
            post = school.get(f"{base}/api/v1/rounds/{round_id}/posts").json()["posts"][0]["id"]
            r = round_id
            kinds = {
                "api: GET posts": lambda: teacher.get(f"{base}/api/v1/rounds/{r}/posts"),
                "api: PUT preferences": lambda: teacher.put(
                    f"{base}/api/v1/rounds/{r}/preferences", json={"schools": random.sample(codes, 5), "submit": True}
                ),
                "page: home (teacher)": lambda: teacher.get(f"{base}/home"),
                "page: preferences": lambda: teacher.get(f"{base}/fair/{r}/preferences"),
                "api: GET ranking": lambda: school.get(f"{base}/api/v1/rounds/{r}/posts/{post}/ranking"),
                "page: ranking": lambda: school.get(f"{base}/fair/{r}/posts/{post}/ranking"),
                "page: home (school)": lambda: school.get(f"{base}/home"),
                "GET /healthz": lambda: bench._browser("10.9.0.3").get(f"{base}/healthz"),
            }
            print(
                f"# {time.strftime('%Y-%m-%d %H:%M')} · {platform.node()} · {os.cpu_count()} cores · "
                f"1 × matchapp serve (1 sync worker, the default kind) · PostgreSQL · {args.requests} requests of each kind, in turn"
            )
            pids = group(server.popen.pid)
            before = cpu_of(pids)
            for k in range(10):
                signed_in(teachers[2 + k], f"10.9.1.{k}")
            print(
                f"{'sign-in (GET /login, POST /login, GET /home)':<46} server CPU {(cpu_of(pids) - before) * 100:6.1f} ms"
            )
            for name, send in kinds.items():
                for _ in range(10):  # warm: connections, caches
                    send()
                server_before, pg_before, started = cpu_of(pids), cpu_of(postgres_pids()), time.perf_counter()
                for _ in range(args.requests):
                    answer = send()
                    assert answer.status_code == 200, (name, answer.status_code)
                n = args.requests
                print(
                    f"{name:<46} server CPU {(cpu_of(pids) - server_before) / n * 1000:6.1f} ms  "
                    f"PostgreSQL {(cpu_of(postgres_pids()) - pg_before) / n * 1000:5.1f} ms  "
                    f"wall {(time.perf_counter() - started) / n * 1000:6.1f} ms"
                )
            watch.close()
        finally:
            server.stop()


if __name__ == "__main__":
    main()
