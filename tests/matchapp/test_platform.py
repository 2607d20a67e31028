"""Configuration, migrations, translations, security headers and the web command line."""

import os
import subprocess
import sys

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import inspect

from matchapp.config import ConfigError, load_config
from matchapp.extensions import db
from matchapp.translations.catalog import check as check_translations
from tests.conftest import make_app
from tests.factories import gen_round, gen_user


def test_production_refuses_to_start_without_a_secret_key(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("MATCHAPP_ENV", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config(str(tmp_path))
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    assert load_config(str(tmp_path))["SECRET_KEY"] == "x" * 40


def test_database_url_defaults_to_sqlite_and_names_psycopg(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert load_config(str(tmp_path), {"SECRET_KEY": "k"})["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    monkeypatch.setenv("DATABASE_URL", "postgres://u@h/db")
    assert load_config(str(tmp_path), {"SECRET_KEY": "k"})["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"


def test_migrations_upgrade_an_empty_database_to_the_models(database_url, tmp_path):
    app = make_app(database_url, tmp_path)
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        tables = set(inspect(db.engine).get_table_names())
        assert {"schools", "teachers", "users", "rounds", "posts", "runs", "audit_log", "alembic_version"} <= tables
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
        assert diff == [], f"models and migrations disagree: {diff}"
        db.session.remove()
        db.drop_all()
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        db.engine.dispose()


def test_every_interface_string_has_an_english_translation():
    # The .po is the source: every string the code and templates use is in it, translated, not
    # fuzzy, and the compiled .mo says the same.
    assert check_translations().lines() == []


def test_english_switch(app, client, auth):
    gen_round()
    user = gen_user("bureau")
    db.session.commit()
    auth.login(user.username)
    page = client.post("/lang/en", data={"next": "/home"}, follow_redirects=True).get_data(as_text=True)
    assert "Bureau dashboard" in page and '<html lang="en">' in page
    page = client.post("/lang/zh", data={"next": "/home"}, follow_redirects=True).get_data(as_text=True)
    assert "教育局工作台" in page


def test_security_headers_and_local_static_assets(app, client):
    resp = client.get("/login")
    assert resp.headers["X-Frame-Options"] == "DENY"
    csp = resp.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    page = resp.get_data(as_text=True)
    assert "http://" not in page.replace("http://www.w3.org", "") and "https://" not in page  # no CDN
    css = client.get("/static/app.css")
    assert css.status_code == 200 and b".topbar" in css.data
    css.close()


def test_demo_command_creates_the_city_once_and_prints_accounts(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY", "MATCHAPP_ENV")}
    env["MATCHAPP_INSTANCE"] = str(tmp_path / "instance")

    def run():
        return subprocess.run(
            [sys.executable, "-m", "matchapp", "demo", "--no-serve"],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=300,
        )

    first = run()
    assert first.returncode == 0, first.stderr
    accounts = [line.split() for line in first.stdout.splitlines() if line.startswith("demo account:")]
    assert {a[2] for a in accounts} == {"bureau", "school", "teacher"}
    assert all(len(a) == 5 for a in accounts)
    assert "creating the demo city" in first.stdout
    second = run()
    assert second.returncode == 0 and "creating the demo city" not in second.stdout
    # The second start prints the same accounts as the first.
    assert [line for line in second.stdout.splitlines() if line.startswith("demo account:")] == [
        line for line in first.stdout.splitlines() if line.startswith("demo account:")
    ]
    assert (tmp_path / "instance" / "demo.sqlite").exists()


def test_demo_city_is_realistic(app):
    from sqlalchemy import func, select

    from matchapp.demo import seed_demo
    from matchapp.roster.models import School, Teacher

    accounts = seed_demo()
    assert {role for role, _, _ in accounts} == {"bureau", "school", "teacher"}
    assert db.session.scalar(select(func.count(School.id))) == 40
    assert db.session.scalar(select(func.count(Teacher.id))) == 1200
    zones = db.session.scalars(select(School.zone).distinct()).all()
    assert len(zones) == 3
    names = db.session.scalars(select(Teacher.name)).all()
    assert all("\u4e00" <= n[0] <= "\u9fff" for n in names)
    subjects = dict(db.session.execute(select(Teacher.subject, func.count()).group_by(Teacher.subject)).all())
    assert len(subjects) >= 12 and subjects["chinese"] > subjects["psychology"]


def test_help_needs_no_configuration_and_names_the_web_commands(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "MATCHAPP_ENV", "DATABASE_URL")}
    done = subprocess.run(
        [sys.executable, "-m", "matchapp", "--help"], env=env, cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 0 and "Traceback" not in done.stdout + done.stderr
    for command in ("serve", "check", "worker", "translations", "db"):
        assert command in done.stdout
    assert "--help-web" not in done.stdout


def test_check_names_what_is_wrong_with_a_deployment(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MATCHAPP_", "REDIS"))}
    env.update({"SECRET_KEY": "short", "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite'}"})
    done = subprocess.run(
        [sys.executable, "-m", "matchapp", "check"], env=env, cwd=tmp_path, capture_output=True, text=True
    )
    out = done.stdout + done.stderr
    assert done.returncode == 1
    assert "SECRET_KEY is shorter than 32" in out and "matchapp db upgrade" in out and "REDIS_URL is not set" in out
    env["SECRET_KEY"] = "x" * 40
    subprocess.run(
        [sys.executable, "-m", "matchapp", "db", "upgrade"], env=env, cwd=tmp_path, check=True, capture_output=True
    )
    done = subprocess.run(
        [sys.executable, "-m", "matchapp", "check"], env=env, cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "migrated" in done.stdout and "0 error(s)" in done.stdout


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs a folder nobody may write to: /proc")
def test_check_says_when_the_instance_folder_cannot_be_written(app, monkeypatch):
    from matchapp.checks import _instance

    assert [f.level for f in _instance(app)] == ["ok"]
    # /proc refuses a new file even to root (the tests may run as root, for whom modes do not count)
    monkeypatch.setattr(app, "instance_path", "/proc")
    (finding,) = _instance(app)
    assert finding.level == "error" and "/proc" in finding.message and "MATCHAPP_INSTANCE" in finding.message


def test_the_seats_form_never_sends_anyone_to_another_site(app, client, auth):
    round_ = gen_round()
    user = gen_user("bureau")
    db.session.commit()
    auth.login(user.username)
    for target in ("https://evil.example/x", "//evil.example/x", "/\\evil.example"):
        resp = client.post(
            f"/rounds/{round_.id}/seats", data={"next": target, "school_id": "1", "subject": "math", "seats": "x"}
        )
        assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/rounds/{round_.id}/schools"), target


def test_the_demo_lived_through_2029_has_two_years_behind_it(app):
    """`matchapp demo --through 2029`: 2027 and 2028 published and lived (reported, assessed), 2029
    in preparation with the carry-overs a bureau inherits; through the same services."""
    from sqlalchemy import func, select

    from matchapp.demo import seed_demo
    from matchapp.demo_years import live_years
    from matchapp.preparation.lists import assess_teacher
    from matchapp.roster.history import carry_over
    from matchapp.roster.models import ExchangeAssessment, ExchangeRecord
    from matchapp.rounds.models import Round

    seed_demo()
    live_years(2029)
    db.session.commit()
    assert [(r.year, r.state) for r in db.session.scalars(select(Round).order_by(Round.year))] == [
        (2027, "published"),
        (2028, "published"),
        (2029, "preparing"),
    ]
    states = dict(
        db.session.execute(
            select(ExchangeRecord.state, func.count()).where(ExchangeRecord.year == 2028).group_by(ExchangeRecord.state)
        ).all()
    )
    assert states.get("serving", 0) > 40 and states.get("placed", 0) == 0 and states.get("refused") == 1
    graded = db.session.scalar(select(func.count(ExchangeAssessment.id)).where(ExchangeAssessment.school_year == 2028))
    assert graded == db.session.scalar(
        select(func.count(ExchangeRecord.id)).where(ExchangeRecord.state == "serving")
    )  # every exchange teacher serving graded for 2028–2029
    assert db.session.scalar(select(func.count(ExchangeRecord.id)).where(ExchangeRecord.certificate_no.is_not(None)))
    carry = carry_over(2029)
    assert carry.returns_due and carry.expiring_exemptions and not carry.not_reported
    serving = db.session.scalar(select(ExchangeRecord).where(ExchangeRecord.state == "serving"))
    round_2029 = db.session.scalar(select(Round).where(Round.year == 2029))
    assert not assess_teacher(serving.teacher, round_2029).eligible


def test_demo_through_a_later_year_uses_its_own_database(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY", "MATCHAPP_ENV")}
    env["MATCHAPP_INSTANCE"] = str(tmp_path / "instance")

    def run():
        return subprocess.run(
            [sys.executable, "-m", "matchapp", "demo", "--no-serve", "--through", "2028"],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=600,
        )

    first = run()
    assert first.returncode == 0, first.stderr
    assert "lived through 2028" in first.stdout
    assert (tmp_path / "instance" / "demo-through-2028.sqlite").exists()
    assert not (tmp_path / "instance" / "demo.sqlite").exists()  # the plain demo's stays untouched
    second = run()
    printed = [line for line in first.stdout.splitlines() if line.startswith("demo account:")]
    assert (
        len(printed) == 6
        and [line for line in second.stdout.splitlines() if line.startswith("demo account:")] == printed
    )
