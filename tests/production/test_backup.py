"""Backups as a bureau's IT staff take them: `deploy/backup.sh` (pg_dump) of the demo city, then
`deploy/restore-drill.sh` restores it into a scratch database and verifies it, and the restored
database serves the demo through the real `matchapp serve`. A damaged dump fails the drill.

PostgreSQL only (the scripts back up PostgreSQL): the databases `<name>_backup_src` and
`<name>_backup_restore` are created next to TEST_DATABASE_URL's database and dropped afterwards.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, make_url, text

from tests.conftest import _reset_postgres

from .conftest import DEMO_ACCOUNT, Server, base_env, matchapp_command, sign_in

ROOT = Path(__file__).resolve().parents[2]
BACKUP = ROOT / "deploy" / "backup.sh"
DRILL = ROOT / "deploy" / "restore-drill.sh"
TEST_URL = os.environ.get("TEST_DATABASE_URL", "")

pytestmark = [
    pytest.mark.production,
    pytest.mark.skipif(
        not TEST_URL.startswith(("postgresql", "postgres:")),
        reason="TEST_DATABASE_URL does not name a PostgreSQL server (the backup scripts are for PostgreSQL)",
    ),
    pytest.mark.skipif(
        not (shutil.which("pg_dump") and shutil.which("pg_restore") and shutil.which("psql")),
        reason="pg_dump, pg_restore and psql are needed (apt-get install postgresql-client)",
    ),
]


def script_env(**values: str) -> dict:
    """The environment of a script run by hand: nothing of the application's leaks in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MATCHAPP_", "FLASK_"))}
    for name in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY"):
        env.pop(name, None)
    env["MATCHAPP_ENV_FILE"] = "/nonexistent/matchapp.env"
    env.update(values)
    return env


def run(command: list[str], env: dict, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout)


def row_counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            tables = inspect(conn).get_table_names()
            return {t: conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar() for t in tables}
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def databases():
    """Fresh source and scratch databases on TEST_DATABASE_URL's server, dropped at the end."""
    server = make_url(TEST_URL)
    names = {"src": f"{server.database}_backup_src", "restore": f"{server.database}_backup_restore"}
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")

    def drop_all():
        with admin.connect() as conn:
            for name in names.values():
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    drop_all()
    with admin.connect() as conn:
        for name in names.values():
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield {key: server.set(database=name).render_as_string(hide_password=False) for key, name in names.items()}
    drop_all()
    admin.dispose()


@pytest.fixture(scope="module")
def backup(databases, tmp_path_factory):
    """The demo city on the source database, backed up once by deploy/backup.sh."""
    tmp = tmp_path_factory.mktemp("backup")
    env = base_env(databases["src"], tmp / "instance")
    env.pop("SECRET_KEY")
    demo = run([*matchapp_command(), "demo", "--no-serve"], env, timeout=600)
    assert demo.returncode == 0, demo.stderr[-3000:]
    backups = tmp / "backups"
    done = run([str(BACKUP)], script_env(DATABASE_URL=databases["src"], MATCHAPP_BACKUP_DIR=str(backups)))
    assert done.returncode == 0, done.stdout + done.stderr
    (dump,) = backups.glob("matchapp-*.dump")
    return {
        "tmp": tmp,
        "dir": backups,
        "dump": dump,
        "accounts": [m.groups() for m in DEMO_ACCOUNT.finditer(demo.stdout)],
        "output": done.stdout,
    }


def drill(databases, *dump: Path, keep: bool = False, target: str | None = None, backups: Path | None = None):
    env = script_env(
        MATCHAPP_DRILL_URL=target or databases["restore"],
        MATCHAPP=matchapp_command()[0],
        MATCHAPP_DRILL_KEEP="1" if keep else "0",
    )
    if backups is not None:
        env["MATCHAPP_BACKUP_DIR"] = str(backups)
    return run([str(DRILL), *map(str, dump)], env)


def test_the_backup_is_a_dated_custom_dump_with_its_counts_and_checksum(backup):
    dump = backup["dump"]
    assert dump.name[len("matchapp-") : -len(".dump")].replace("-", "").isdigit()  # matchapp-YYYYMMDD-HHMMSS
    assert dump.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format
    counts = dict(line.split() for line in dump.with_suffix(".counts").read_text().splitlines())
    assert counts["teachers"] == "1200" and counts["schools"] == "40"
    assert dump.name in dump.with_suffix(".sha256").read_text()
    assert oct(dump.stat().st_mode & 0o777) == "0o600"  # personal data: readable by its owner only


def test_the_latest_backup_restores_completely_and_serves_the_demo(backup, databases):
    done = drill(databases, keep=True, backups=backup["dir"])  # no argument: the newest dump
    assert done.returncode == 0, done.stdout + done.stderr
    assert "checksum ok" in done.stdout
    assert "row counts equal" in done.stdout and "passed" in done.stdout
    # Independently of the drill: every table holds what the source holds.
    assert row_counts(databases["restore"]) == row_counts(databases["src"])

    server = Server(base_env(databases["restore"], backup["tmp"] / "instance-restored"), backup["tmp"])
    try:
        accounts = {role: (u, p) for role, u, p in backup["accounts"]}
        bureau = sign_in(server.url, *accounts["bureau"])
        home = bureau.get(f"{server.url}/home", timeout=30)
        assert home.status_code == 200 and 'class="badge role-bureau"' in home.text
        teacher = sign_in(server.url, *accounts["teacher"])
        own = teacher.get(f"{server.url}/roster/me", timeout=30)
        assert own.status_code == 200 and accounts["teacher"][0].upper() in own.text.upper()
    finally:
        server.stop()


def _copy(backup, tmp_path: Path, name: str) -> Path:
    """A copy of the backup (dump, counts, checksum) under another date, to damage."""
    base = tmp_path / name
    for suffix in (".dump", ".counts"):
        shutil.copyfile(backup["dump"].with_suffix(suffix), base.with_suffix(suffix))
    _write_checksum(base)
    return base.with_suffix(".dump")


def _write_checksum(base: Path) -> None:
    done = subprocess.run(
        ["sha256sum", base.name + ".dump", base.name + ".counts"], cwd=base.parent, capture_output=True, text=True
    )
    base.with_suffix(".sha256").write_text(done.stdout)


def _damage(dump: Path) -> None:
    data = bytearray(dump.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 64] = bytes(64)
    dump.write_bytes(bytes(data))


@pytest.fixture
def empty_scratch(databases):
    """The scratch database emptied (an earlier test may have kept a restore in it)."""
    _reset_postgres(databases["restore"])


def _public_tables(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return inspect(conn).get_table_names()
    finally:
        engine.dispose()


@pytest.mark.parametrize("damage", ["bytes-changed", "bytes-changed-checksum-rewritten", "truncated-alone"])
def test_a_damaged_dump_fails_the_drill(backup, databases, empty_scratch, tmp_path, damage):
    dump = _copy(backup, tmp_path, "matchapp-20270101-023000")
    if damage == "bytes-changed":
        _damage(dump)  # the checksum written with it no longer matches
        expected = "checksum"
    elif damage == "bytes-changed-checksum-rewritten":
        _damage(dump)  # as if the dump had been damaged before its checksum was taken
        _write_checksum(dump.with_suffix(""))
        expected = "pg_restore"
    else:
        # Half a dump, without its counts or checksum (copied by hand, the copy cut short).
        dump.write_bytes(dump.read_bytes()[: dump.stat().st_size // 2])
        dump.with_suffix(".counts").unlink()
        dump.with_suffix(".sha256").unlink()
        expected = "cannot be read"
    done = drill(databases, dump)
    assert done.returncode != 0, done.stdout + done.stderr
    assert "FAILED" in done.stderr and expected in done.stderr, done.stderr
    assert "passed" not in done.stdout
    assert _public_tables(databases["restore"]) == []  # nothing half-restored is left behind


def test_a_restore_missing_rows_fails_the_drill(backup, databases, empty_scratch, tmp_path):
    # The counts taken with the dump say one more teacher than the dump holds.
    dump = _copy(backup, tmp_path, "matchapp-20270102-023000")
    counts = dump.with_suffix(".counts")
    counts.write_text(counts.read_text().replace("teachers 1200", "teachers 1201"))
    _write_checksum(dump.with_suffix(""))
    done = drill(databases, dump)
    assert done.returncode != 0
    assert "does not hold the rows" in done.stderr and "teachers 1201" in done.stderr, done.stderr
    assert _public_tables(databases["restore"]) == []


def test_the_drill_refuses_a_database_it_did_not_make(backup, databases):
    # Pointed at the production database by mistake: refused before anything is touched.
    done = drill(databases, backup["dump"], target=databases["src"])
    assert done.returncode != 0
    assert "refusing to overwrite" in done.stderr, done.stderr
    assert row_counts(databases["src"])["teachers"] == 1200


def test_a_stale_latest_backup_fails_the_drill(backup, databases, tmp_path):
    # Backups stopped three days ago: the newest dump is too old, however well it restores.
    dump = _copy(backup, tmp_path, "matchapp-20270103-023000")
    three_days_ago = time.time() - 3 * 86400
    os.utime(dump, (three_days_ago, three_days_ago))
    done = drill(databases, backups=tmp_path)
    assert done.returncode != 0
    assert "older than 2 days" in done.stderr and "backups have stopped" in done.stderr, done.stderr


def test_a_backup_that_cannot_reach_its_database_fails_and_keeps_nothing(databases, tmp_path):
    missing = make_url(databases["src"]).set(database="matchapp_no_such_database")
    done = run(
        [str(BACKUP)],
        script_env(DATABASE_URL=missing.render_as_string(hide_password=False), MATCHAPP_BACKUP_DIR=str(tmp_path)),
    )
    assert done.returncode != 0 and "error" in done.stderr
    assert [p.name for p in tmp_path.iterdir() if not p.name.startswith(".")] == []


def test_retention_drops_old_backups_but_always_keeps_the_newest(backup, databases, tmp_path):
    old = time.time() - 40 * 86400
    recent = time.time() - 5 * 86400
    names = [f"matchapp-2026010{d}-023000" for d in range(1, 7)] + ["matchapp-20260201-023000"]
    for name in names:
        for suffix in (".dump", ".counts", ".sha256"):
            path = tmp_path / (name + suffix)
            path.write_text("old")
            os.utime(path, (recent, recent) if name.endswith("0201-023000") else (old, old))
    env = script_env(
        DATABASE_URL=databases["src"],
        MATCHAPP_BACKUP_DIR=str(tmp_path),
        MATCHAPP_BACKUP_KEEP_DAYS="30",
        MATCHAPP_BACKUP_KEEP_MIN="3",
    )
    done = run([str(BACKUP)], env)
    assert done.returncode == 0, done.stderr
    left = sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("."))
    (new,) = {p.stem for p in tmp_path.glob("matchapp-*.dump")} - set(names)
    # The three newest stay (the new one, the 5-day-old one and the newest 40-day-old one);
    # the other 40-day-old ones go, with their counts and checksums.
    kept = sorted([new, "matchapp-20260201-023000", "matchapp-20260106-023000"])
    assert left == sorted(f"{name}{suffix}" for name in kept for suffix in (".counts", ".dump", ".sha256"))
    assert "removed 5" in done.stdout
