"""Fair day on this machine: the real `matchapp serve` + PostgreSQL + Redis + locust, loopback only,
bounded in time.

    python bench/load/run.py [--seconds 60] [--teachers 900] [--schools 100] [--workers 5] [--threads 1]
    python bench/load/run.py --python /usr/bin/python3   # the server from a wheel, as a bureau installs it
    python bench/load/run.py --scale-out      # two servers over one PostgreSQL and one Redis

Fills a PostgreSQL database (--database-url, default BENCH_DATABASE_URL or `matchapp_bench` on the
local server; created if missing, and refused if it holds tables the bench did not make) with an
open fair: schools, outgoing teachers and one account per person. Empties the Redis database
(--redis-url, default BENCH_REDIS_URL or redis://127.0.0.1:6379/7) and serves the fair with
`matchapp serve` (gunicorn) in its production configuration: Redis for rate limits and jobs,
MATCHAPP_BEHIND_PROXY=1 as behind nginx. Runs bench/load/locustfile.py headless: every user signs in
through the web form, then uses pages and the JSON API with the session cookie and X-CSRFToken;
60 s are measured once everybody has signed in. Then every user's stored list is compared with the
last list the server acknowledged to them.

--python PY builds a wheel of this checkout and installs it in a fresh virtual environment of PY,
as the README's production section does on a Debian server (`/usr/bin/python3 -m venv`), and runs
`matchapp serve` (and `matchapp worker`) from there; without it they run from this interpreter's
environment. The interpreter matters: on Debian's Python 3.11 a request of this load cost 7.2-7.8 ms
of CPU against 8.3 ms on a Python built with pyenv's defaults, which moved the p95 from 440 ms to
76-130 ms near saturation (bench/README.md).

--scale-out serves the same database and Redis from two `matchapp serve` processes on two ports
(the users split between them, two `matchapp worker`s), and afterwards reports whether the login
rate limit and the account lockout seen through one server hold through the other, and what
happens when a run of the round is started through both servers at the same moment.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
PASSWORD = "load-test-2027"
PROBE_ACCOUNT = "lockprobe"  # signs in only for the lockout check, never in the load
BUREAU_ACCOUNT = "bench-bureau"
MARK = "matchapp load bench database"
SUBJECTS_USED = 6
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


#: The `matchapp` script the bench starts: from the wheel's environment with --python.
SERVER_SCRIPT: Path | None = None


def matchapp_command() -> list[str]:
    """The installed console script: the wheel's (--python), or next to this interpreter."""
    if SERVER_SCRIPT is not None:
        return [str(SERVER_SCRIPT)]
    script = Path(sys.executable).with_name("matchapp")
    return [str(script)] if script.exists() else [shutil.which("matchapp") or "matchapp"]


def install_wheel(python: str, where: Path) -> Path:
    """A wheel of this checkout, installed in a fresh virtual environment of ``python`` outside
    the checkout (the README's production install); returns that environment's interpreter."""
    source, venv = where / "source", where / "venv"
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(
            ".git", "build", "dist", "*.egg-info", "instance", "test-artifacts", "__pycache__", "mutants"
        ),
    )
    pip = str(venv / "bin" / "pip")

    def step(*command: str) -> None:
        done = subprocess.run(command, cwd=where, capture_output=True, text=True)
        if done.returncode:
            raise SystemExit(f"{' '.join(command)}:\n{(done.stdout + done.stderr)[-3000:]}")

    step(python, "-m", "venv", str(venv))
    step(pip, "wheel", "--no-deps", "-q", "-w", str(where / "dist"), str(source))
    (wheel,) = (where / "dist").glob("matchapp-*.whl")
    step(pip, "install", "-q", str(wheel))
    return venv / "bin" / "python"


def server_versions(python: str) -> tuple[str, str]:
    """The Python and gunicorn versions the server runs on."""
    done = subprocess.run(
        [
            python,
            "-c",
            "import platform, importlib.metadata as m; print(platform.python_version(), m.version('gunicorn'))",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    python_version, gunicorn_version = done.stdout.split()
    return python_version, gunicorn_version


def prepare_database(url: str) -> None:
    """Create the bench database if needed, refuse one the bench did not make, and empty it."""
    from sqlalchemy import create_engine, make_url, text

    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database}).scalar()
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()
    engine = create_engine(target, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        tables = conn.execute(text("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")).scalar()
        mark = conn.execute(
            text("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = current_database()")
        ).scalar()
        if tables and mark != MARK:
            raise SystemExit(
                f"{target.database} holds {tables} tables that the bench did not make: refusing to empty it "
                "(give another --database-url)"
            )
        conn.execute(text(f"COMMENT ON DATABASE \"{target.database}\" IS '{MARK}'"))
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def fill(url: str, n_teachers: int, n_schools: int) -> tuple[int, list[str], list[str]]:
    """An open fair: n_schools schools with 2 seats in each of 6 subjects, n_teachers outgoing
    teachers, one account per teacher and per school, a bureau account and a probe account."""
    import datetime as dt

    import numpy as np
    from flask_migrate import upgrade
    from sqlalchemy import insert, select
    from werkzeug.security import generate_password_hash

    from algorithms.generate import SUBJECTS, school_names, teacher_names
    from matchapp import create_app
    from matchapp.auth.models import User
    from matchapp.extensions import db
    from matchapp.preparation.models import Outgoing, Post
    from matchapp.roster.models import School, Teacher
    from matchapp.rounds.services import create_round

    app = create_app({"MATCHAPP_ENV": "development", "SECRET_KEY": "load", "SQLALCHEMY_DATABASE_URI": url})
    rng = np.random.default_rng(500)
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)  # the schema `matchapp db upgrade` makes
        names = school_names(n_schools)
        db.session.execute(
            insert(School),
            [
                {
                    "code": f"S{k + 1:03d}",
                    "name": names[k],
                    "tier": ["strong", "ordinary", "weak"][k % 3],
                    "zone": ["东片区", "西片区", "南片区"][k % 3],
                }
                for k in range(n_schools)
            ],
        )
        schools = db.session.scalars(select(School).order_by(School.code)).all()
        subjects = list(SUBJECTS)[:SUBJECTS_USED]
        people = teacher_names(rng, n_teachers)
        db.session.execute(
            insert(Teacher),
            [
                {
                    "staff_no": f"L{i:04d}",
                    "name": people[i],
                    "gender": "F",
                    "birth_date": dt.date(1985, 1, 1),
                    "school_id": schools[i % n_schools].id,
                    "subject": subjects[i % SUBJECTS_USED],
                    "started_at_school": dt.date(2015, 9, 1),
                }
                for i in range(n_teachers)
            ],
        )
        teachers = db.session.scalars(select(Teacher).order_by(Teacher.staff_no)).all()
        round_ = create_round(2027, "load", "changzhou")
        round_.state = "fair_open"
        round_.fair_closes_at = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(days=2)
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
        hashed = generate_password_hash(PASSWORD)  # scrypt, as every account; one hash for speed of filling
        account = {"password_hash": hashed, "active": True, "failed_logins": 0}
        db.session.execute(
            insert(User),
            [
                {
                    **account,
                    "username": t.staff_no.lower(),
                    "display_name": t.name,
                    "role": "teacher",
                    "teacher_id": t.id,
                }
                for t in teachers
            ]
            + [
                {**account, "username": s.code.lower(), "display_name": s.name, "role": "school", "school_id": s.id}
                for s in schools
            ]
            + [
                {**account, "username": BUREAU_ACCOUNT, "display_name": "教育局", "role": "bureau"},
                {
                    **account,
                    "username": PROBE_ACCOUNT,
                    "display_name": "probe",
                    "role": "school",
                    "school_id": schools[0].id,
                },
            ],
        )
        round_id = round_.id
        usernames = [t.staff_no.lower() for t in teachers], [s.code.lower() for s in schools]
        db.session.commit()
        db.engine.dispose()
    return round_id, *usernames


def verify(url: str, acks: dict, pending: dict) -> tuple[int, int, int, list[str]]:
    """Each acknowledged list against the database; a write still in flight at the stop may be stored."""
    from sqlalchemy import select

    from matchapp import create_app
    from matchapp.auth.models import User
    from matchapp.extensions import db
    from matchapp.fair.models import PostRanking, PreferenceList
    from matchapp.preparation.models import Post
    from matchapp.roster.models import School, Teacher

    app = create_app({"MATCHAPP_ENV": "development", "SECRET_KEY": "load", "SQLALCHEMY_DATABASE_URI": url})
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
        post_school = {p.id: p.school_id for p in db.session.scalars(select(Post))}
        for key, ack in acks.items():
            if "/" in key:
                post_id = int(key.split("/")[1])
                bands = rankings[post_id].groups("draft") if post_id in rankings else []
                groups = [sorted(staff[t] for t in band) for band in bands]
                checked_rankings += 1
                if groups != ack:
                    if [sorted(g) for g in groups] == pending.get(key):
                        in_flight += 1  # sent after the last answer, stored, the answer never read
                    else:
                        wrong.append(f"{key}: stored {groups}, acknowledged {ack}")
            else:
                pl = lists.get(user_teacher[key])
                stored = [code[post_school[p]] for p in pl.post_ids("submitted")] if pl else []
                checked_lists += 1
                if stored != ack:
                    if stored == pending.get(key):
                        in_flight += 1
                    else:
                        wrong.append(f"{key}: stored {stored}, acknowledged {ack}")
        db.engine.dispose()
    return checked_lists, checked_rankings, in_flight, wrong


class Process:
    """A `matchapp` process of the bench (server or worker), in its own process group."""

    def __init__(self, args: list[str], env: dict, log: Path):
        self.log = log
        with log.open("wb") as out:
            self.popen = subprocess.Popen(
                [*matchapp_command(), *args], env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-2000:]

    def stop(self) -> None:
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(timeout=10)


class CpuSampler(threading.Thread):
    """Every second: the CPU time used so far by each group of processes, and by the whole machine.

    The machine is shared: what the bench's own processes used, and what everything else used, are
    printed for the measured window, so that a slow run can be told apart from a busy machine.
    """

    def __init__(self, groups: dict[str, set[int]], database_url: str):
        super().__init__(daemon=True)
        self.groups = groups  # name -> process group ids (each bench process leads its own group)
        self.database_url = database_url
        self.samples: list[tuple[float, float, dict[str, float]]] = []
        self.stopped = threading.Event()

    @staticmethod
    def _machine_busy() -> float:
        with open("/proc/stat") as stat:
            fields = [int(x) for x in stat.readline().split()[1:]]
        idle = fields[3] + fields[4]  # idle + iowait
        return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")

    def run(self) -> None:
        import psycopg

        tick = os.sysconf("SC_CLK_TCK")
        dsn = re.sub(r"^postgresql\+\w+://", "postgresql://", self.database_url)
        with psycopg.connect(dsn, autocommit=True) as conn:
            while not self.stopped.is_set():
                backends = {
                    pid
                    for (pid,) in conn.execute(
                        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                }
                used = {name: 0.0 for name in [*self.groups, "postgres"]}
                for entry in os.scandir("/proc"):
                    if not entry.name.isdigit():
                        continue
                    try:
                        with open(f"/proc/{entry.name}/stat") as stat:
                            fields = stat.read().rsplit(")", 1)[1].split()
                    except OSError:
                        continue
                    # utime + stime, and the children it has reaped (gunicorn workers, RQ work horses)
                    cpu = sum(int(x) for x in fields[11:15]) / tick
                    if int(entry.name) in backends:
                        used["postgres"] += cpu
                    for name, pgids in self.groups.items():
                        if int(fields[2]) in pgids:
                            used[name] += cpu
                self.samples.append((time.time(), self._machine_busy(), used))
                self.stopped.wait(1.0)

    def window(self, start: float, end: float) -> dict[str, float]:
        """Cores used on average between two times (the nearest samples outside them)."""
        before = [s for s in self.samples if s[0] <= start] or self.samples[:1]
        after = [s for s in self.samples if s[0] >= end] or self.samples[-1:]
        (t0, busy0, used0), (t1, busy1, used1) = before[-1], after[0]
        seconds = max(t1 - t0, 1e-9)
        cores = {name: max(used1.get(name, 0) - used0.get(name, 0), 0) / seconds for name in used1}
        cores["machine"] = (busy1 - busy0) / seconds
        return cores


def port_is_free(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn: TIME_WAIT is no obstacle
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def wait_until_up(url: str, process: Process) -> None:
    for _ in range(300):
        if process.popen.poll() is not None:
            raise SystemExit(f"matchapp serve exited:\n{process.tail()}")
        try:
            urllib.request.urlopen(f"{url}/healthz", timeout=1)  # noqa: S310 - loopback
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"matchapp serve does not answer on {url}:\n{process.tail()}")


# -- scale-out checks: plain HTTP as a browser, one address per "person" via X-Forwarded-For --------


def _browser(address: str):
    import requests

    session = requests.Session()
    session.trust_env = False
    session.headers["X-Forwarded-For"] = address
    return session


def _post_login(base: str, session, username: str, password: str):
    page = session.get(f"{base}/login", timeout=30)
    token = CSRF.search(page.text)
    data = {"username": username, "password": password, "csrf_token": token.group(1) if token else ""}
    return session.post(f"{base}/login", data=data, allow_redirects=False, timeout=30)


def check_rate_limit(a: str, b: str) -> list[str]:
    """20 sign-in attempts per minute per address (matchapp/auth/routes.py): spend them through A."""
    through_a = [_post_login(a, _browser("10.250.0.1"), "nobody-here", "wrong").status_code for _ in range(20)]
    same_on_b = _post_login(b, _browser("10.250.0.1"), "nobody-here", "wrong").status_code
    other_on_b = _post_login(b, _browser("10.250.0.2"), "nobody-here", "wrong").status_code
    shared = same_on_b == 429 and other_on_b != 429 and 429 not in through_a
    return [
        f"login rate limit: 20 attempts from 10.250.0.1 through A: {_codes(through_a)}; "
        f"the 21st from that address through B: {same_on_b}; another address through B: {other_on_b}",
        f"  -> rate limit shared between the servers: {'yes' if shared else 'NO'}",
    ]


def check_lockout(a: str, b: str) -> list[str]:
    """Five wrong passwords through A, then the right one through B (same address, another address)."""
    wrong = [_post_login(a, _browser("10.250.1.1"), PROBE_ACCOUNT, "wrong-password") for _ in range(5)]
    locked_flash = "锁定"
    same = _post_login(b, _browser("10.250.1.1"), PROBE_ACCOUNT, PASSWORD)
    other = _post_login(b, _browser("10.250.1.2"), PROBE_ACCOUNT, PASSWORD)

    def outcome(response) -> str:
        if response.status_code == 302:
            return "signed in"
        return f"{response.status_code}, {'locked' if locked_flash in response.text else 'refused'}"

    return [
        f"lockout: 5 wrong passwords for {PROBE_ACCOUNT} through A: {_codes([r.status_code for r in wrong])} "
        f"(the 5th says locked: {locked_flash in wrong[-1].text}); the right password through B from the "
        f"same address: {outcome(same)}; from another address: {outcome(other)}",
        f"  -> lockout seen through the other server: {'yes' if outcome(same) != 'signed in' else 'NO'}",
    ]


def check_concurrent_runs(a: str, b: str, url: str, round_id: int) -> list[str]:
    """Close the fair, then start the round's run through both servers at the same moment."""
    from sqlalchemy import create_engine, text

    bureau = {}
    for name, base in (("A", a), ("B", b)):
        session = _browser(f"10.250.2.{len(bureau) + 1}")
        answer = _post_login(base, session, BUREAU_ACCOUNT, PASSWORD)
        assert answer.status_code == 302, f"the bureau cannot sign in on {name}: {answer.status_code}"
        home = session.get(f"{base}/home", timeout=30)
        bureau[name] = (base, session, CSRF.search(home.text).group(1))
    base, session, _token = bureau["A"]
    control = session.get(f"{base}/fair/{round_id}/", timeout=30)
    # the control page's close form: its checklist ticked, as the bureau does (without the tick
    # the page refuses and redirects back, also a 302: the round's state says what happened)
    closed = session.post(
        f"{base}/fair/{round_id}/close",
        data={"csrf_token": CSRF.search(control.text).group(1), "confirm": "y"},
        allow_redirects=False,
        timeout=30,
    )
    state = session.get(f"{base}/api/v1/rounds/{round_id}/posts", timeout=30).json().get("state")
    lines = [f"closing the fair through A: {closed.status_code}, the round is now {state}"]
    barrier = threading.Barrier(2)
    answers: dict[str, object] = {}

    def start(name):
        base, session, token = bureau[name]
        barrier.wait()
        answers[name] = session.post(
            f"{base}/api/v1/rounds/{round_id}/run", json={}, headers={"X-CSRFToken": token}, timeout=60
        )

    threads = [threading.Thread(target=start, args=(name,)) for name in bureau]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    jobs = {}
    for name, answer in answers.items():
        body = answer.json() if answer.headers.get("Content-Type", "").startswith("application/json") else {}
        lines.append(f"run started through {name}: {answer.status_code} {json.dumps(body, ensure_ascii=False)[:160]}")
        if "job" in body:
            jobs[name] = body["job"]
    deadline = time.monotonic() + 300
    states = {}
    while jobs and time.monotonic() < deadline:
        for name, job in jobs.items():
            base, session, _token = bureau[name]
            states[name] = session.get(f"{base}/api/v1/jobs/{job}", timeout=30).json()
        if all(s.get("state") in ("done", "failed") for s in states.values()):
            break
        time.sleep(1)
    for name, state in states.items():
        lines.append(
            f"job {state.get('job')} (through {name}): {state.get('state')} — {str(state.get('message'))[:120]} "
            f"{json.dumps(state.get('result'), ensure_ascii=False)[:120]}"
        )
    engine = create_engine(url)
    with engine.connect() as conn:
        runs = conn.execute(
            text(
                "SELECT r.id, count(p.id) FROM runs r LEFT JOIN placements p ON p.run_id = r.id "
                "WHERE r.round_id = :r AND r.kind = 'final' GROUP BY r.id ORDER BY r.id"
            ),
            {"r": round_id},
        ).all()
        state = conn.execute(text("SELECT state FROM rounds WHERE id = :r"), {"r": round_id}).scalar()
    engine.dispose()
    lines.append(
        f"final runs written for the round: {len(runs)} ({', '.join(f'run {i}: {n} placements' for i, n in runs)}); "
        f"round state: {state}"
    )
    lines.append(f"  -> only one run at a time: {'yes' if len(runs) == 1 else 'NO'}")
    return lines


def _codes(codes: list[int]) -> str:
    counted: dict[int, int] = {}
    for code in codes:
        counted[code] = counted.get(code, 0) + 1
    return ", ".join(f"{n}×{code}" for code, n in counted.items())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=60, help="measured seconds, once everybody has signed in")
    parser.add_argument("--teachers", type=int, default=900)
    parser.add_argument("--schools", type=int, default=100)
    parser.add_argument(
        "--workers", type=int, help="gunicorn workers per server (default 5, or 3 each with --scale-out)"
    )
    parser.add_argument("--threads", type=int, default=1, help="threads per worker (1: sync workers)")
    parser.add_argument("--python", help="serve from a wheel installed in a fresh virtual environment of this Python")
    parser.add_argument("--spawn-rate", type=float, default=4, help="users started per second (each signs in)")
    parser.add_argument("--port", type=int, default=8765, help="the first server's port (the second: +1)")
    parser.add_argument("--scale-out", action="store_true", help="two servers over one PostgreSQL and one Redis")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/matchapp_bench"),
    )
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7"))
    args = parser.parse_args()
    servers_count = 2 if args.scale_out else 1
    workers = args.workers or (3 if args.scale_out else 5)
    users = args.teachers + args.schools

    from importlib.metadata import version  # not `import locust`: it monkey-patches threading (gevent)

    import redis

    global SERVER_SCRIPT
    wheel_dir = tempfile.TemporaryDirectory(prefix="matchapp-wheel-")
    server_python = sys.executable
    if args.python:
        server_python = str(install_wheel(args.python, Path(wheel_dir.name)))
        SERVER_SCRIPT = Path(server_python).with_name("matchapp")
    python_version, gunicorn_version = server_versions(server_python)
    installed = f"wheel in a venv of {args.python}" if args.python else "this environment"
    print(
        f"# {time.strftime('%Y-%m-%d %H:%M')} · {platform.node()} · {os.cpu_count()} cores · "
        f"server: Python {python_version} ({installed}), gunicorn {gunicorn_version} · "
        f"locust {version('locust')} on Python {platform.python_version()} · "
        f"{servers_count} × matchapp serve ({workers} workers × {args.threads} threads) · PostgreSQL · Redis"
    )
    print(
        f"{users:,} users ({args.teachers} teachers, {args.schools} schools), signing in through the web form at "
        f"{args.spawn_rate:g}/s, then {args.seconds} s measured; 3–10 s between actions"
    )
    prepare_database(args.database_url)
    round_id, teachers, schools = fill(args.database_url, args.teachers, args.schools)
    redis.Redis.from_url(args.redis_url).flushdb()  # rate-limit counters and queues of an earlier run

    with tempfile.TemporaryDirectory(prefix="matchapp-load-") as tmp_name:
        tmp = Path(tmp_name)
        base_env = {k: v for k, v in os.environ.items() if not k.startswith(("MATCHAPP_", "FLASK_"))}
        base_env.update(
            {
                "SECRET_KEY": secrets.token_hex(32),  # the same on every server: one application
                "DATABASE_URL": args.database_url,
                "REDIS_URL": args.redis_url,
                "MATCHAPP_ENV": "production",
                "MATCHAPP_BEHIND_PROXY": "1",  # as behind nginx: X-Forwarded-For is each user's address
            }
        )
        processes: list[Process] = []
        hosts = []
        runner = None
        try:
            for k in range(servers_count):
                port = args.port + k
                if not port_is_free(port):  # another server there would answer in ours' place
                    raise SystemExit(f"port {port} is in use: stop what listens there or give another --port")
                (tmp / f"run-{k}").mkdir(mode=0o700)  # gunicorn's control socket, as RuntimeDirectory= gives
                env = {
                    **base_env,
                    "MATCHAPP_INSTANCE": str(tmp / f"instance-{k}"),
                    "XDG_RUNTIME_DIR": str(tmp / f"run-{k}"),
                }
                server = Process(
                    [
                        "serve",
                        "--host",
                        "127.0.0.1",
                        "--port",
                        str(port),
                        "--workers",
                        str(workers),
                        "--threads",
                        str(args.threads),
                    ],
                    env,
                    tmp / f"serve-{k}.log",
                )
                processes.append(server)
                hosts.append(f"http://127.0.0.1:{port}")
                wait_until_up(hosts[-1], server)
                if args.scale_out:  # a worker beside each server, as on two machines
                    processes.append(Process(["worker"], env, tmp / f"worker-{k}.log"))
            ack_file, signin_file = tmp / "acks.json", tmp / "signin.json"
            ramp = users / args.spawn_rate
            bound = int(3 * ramp + args.seconds + 120)  # never more: the run stops itself after the window
            locust_env = {
                **base_env,
                "ROUND_ID": str(round_id),
                "HOSTS": json.dumps(hosts),
                "TEACHERS": json.dumps(teachers),
                "SCHOOLS": json.dumps(schools),
                "PASSWORD": PASSWORD,
                "MEASURE_SECONDS": str(args.seconds),
                "ACK_FILE": str(ack_file),
                "SIGNIN_FILE": str(signin_file),
            }
            groups = {
                "matchapp serve": {p.popen.pid for p in processes if p.log.name.startswith("serve")},
                "matchapp worker": {p.popen.pid for p in processes if p.log.name.startswith("worker")},
                "locust": set(),
            }
            sampler = CpuSampler(groups, args.database_url)
            sampler.start()
            started = time.monotonic()
            locust_log = tmp / "locust.log"
            with locust_log.open("w") as out:
                runner = subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "locust",
                        "-f",
                        str(ROOT / "bench/load/locustfile.py"),
                        "--headless",
                        "-u",
                        str(users),
                        "-r",
                        str(args.spawn_rate),
                        "-t",
                        f"{bound}s",
                        "--host",
                        hosts[0],
                        "--csv",
                        str(tmp / "stats"),
                        "--only-summary",
                        "--stop-timeout",
                        "30",
                        "--loglevel",
                        "WARNING",
                    ],
                    env=locust_env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
                groups["locust"].add(runner.pid)
                runner.wait(timeout=bound + 120)
            elapsed = time.monotonic() - started
            sampler.stopped.set()
            sampler.join()
            if not ack_file.exists():
                raise SystemExit(f"locust did not finish:\n{locust_log.read_text()[-3000:]}")
            rows = list(csv.DictReader(open(tmp / "stats_stats.csv", encoding="utf-8")))
            recorded = json.loads(ack_file.read_text(encoding="utf-8"))
            signin = json.loads(signin_file.read_text(encoding="utf-8"))
            checks = []
            if args.scale_out:
                checks += check_rate_limit(hosts[0], hosts[1])
                checks += check_lockout(hosts[0], hosts[1])
                checks += check_concurrent_runs(hosts[0], hosts[1], args.database_url, round_id)
        finally:
            if runner is not None and runner.poll() is None:  # bounded: locust never outlives the bench
                os.killpg(runner.pid, signal.SIGKILL)
                runner.wait(timeout=30)
            for process in processes:
                process.stop()
        server_errors = sum(
            p.log.read_text(errors="replace").count("Traceback") for p in processes if p.log.name.startswith("serve")
        )
    wheel_dir.cleanup()

    print(
        f"sign-in: {signin['done']} of {users} signed in ({signin['failed']} failed) in {signin['all_signed_in_after']} s"
        + (f"; per server: {', '.join(f'{h}: {n}' for h, n in signin['by_host'].items())}" if args.scale_out else "")
    )
    for name, entry in sorted(signin.get("requests", {}).items()):
        if name.startswith("sign-in"):
            print(
                f"  {name:<22} requests {entry['requests']:>5}  failures {entry['failures']:>3}  "
                f"median {entry['median']:>5} ms  p95 {entry['p95']:>5} ms"
            )
    ramp_failures = sum(e["failures"] for e in signin.get("requests", {}).values())
    for line in signin.get("errors", []):
        print(f"  error during sign-in: {line}")
    print(f"measured window ({args.seconds} s after the last sign-in; locust ran {elapsed:.0f} s in all):")
    aggregated = None
    for row in rows:
        if row["Name"] == "Aggregated":
            aggregated = row
        if not int(row["Request Count"]):
            continue  # the sign-in requests: all before the window
        print(
            f"  {row['Name']:<22} requests {int(row['Request Count']):>6}  failures {int(row['Failure Count']):>4}  "
            f"median {row['50%']:>5} ms  p95 {row['95%']:>5} ms  p99 {row['99%']:>5} ms  rps {float(row['Requests/s']):.1f}"
        )
    lists, rankings, in_flight, wrong = verify(args.database_url, recorded["acks"], recorded["pending"])
    print(
        f"acknowledged lists checked against the database: {lists} preference lists, {rankings} rankings; "
        f"mismatches: {len(wrong)}; stored from a request still in flight when the run stopped: {in_flight}"
    )
    for line in wrong[:10]:
        print("  " + line)
    print(f"tracebacks in the server logs: {server_errors}")
    if signin.get("window"):
        cores = sampler.window(*signin["window"])
        ours = sum(v for k, v in cores.items() if k != "machine")
        print(
            f"CPU in the window, in cores of {os.cpu_count()}: "
            + ", ".join(f"{name} {value:.2f}" for name, value in cores.items() if name != "machine" and value)
            + f"; everything else on the machine {max(cores['machine'] - ours, 0):.2f} (other programs, PostgreSQL's "
            f"own processes, the kernel); machine busy {cores['machine']:.2f}"
        )
    for line in checks:
        print(line)
    if aggregated is not None:
        p95 = float(aggregated["95%"])
        failures = int(aggregated["Failure Count"]) + ramp_failures + signin["failed"]
        print(
            f"verdict: p95 {p95:g} ms (target ≤ 300): {'ok' if p95 <= 300 else 'MISSED'}; "
            f"failed requests {failures} (target 0): {'ok' if failures == 0 else 'MISSED'}; "
            f"lists lost or wrong {len(wrong)} (target 0): {'ok' if not wrong else 'MISSED'}"
        )


if __name__ == "__main__":
    main()
