"""The web application's commands, on Flask's command line (``matchapp <command>``)."""

from __future__ import annotations

import os
import sys

import click
from flask import current_app
from flask.cli import FlaskGroup, NoAppException, with_appcontext

from . import create_app


def _app_factory():
    from .config import ConfigError

    try:
        return create_app()
    except ConfigError as exc:
        # One line that says what to set, not a traceback (e.g. SECRET_KEY in production).
        raise NoAppException(str(exc)) from None


class MatchappGroup(FlaskGroup):
    """Flask's command group, but every command is registered here: listing them (``--help``)
    never builds the app, so it works on a machine that is not configured yet."""

    def list_commands(self, ctx):
        self._load_plugin_commands()
        return sorted(click.Group.list_commands(self, ctx))

    def get_command(self, ctx, name):
        self._load_plugin_commands()
        return click.Group.get_command(self, ctx, name)


@click.group(
    cls=MatchappGroup,
    create_app=_app_factory,
    add_version_option=False,
    add_default_commands=True,
    help="教师轮岗交流双向选择系统 — web application commands.",
)
def cli():
    pass


def _register_migrate_commands() -> None:
    from flask_migrate.cli import db as db_group

    cli.add_command(db_group)


_register_migrate_commands()


def _upgrade_database() -> None:
    from flask_migrate import upgrade

    upgrade(directory=current_app.extensions["migrate"].directory)


@cli.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="create the demo database and print the accounts only")
def demo_command(host: str, port: int, no_serve: bool) -> None:
    """Create (once) the demo city on SQLite and serve it."""
    from sqlalchemy import func, select

    from .auth.models import User
    from .demo import PASSWORDS, seed_demo
    from .extensions import db

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if not app.config.get("DEMO"):
        raise click.UsageError("run the demo as `matchapp demo` (MATCHAPP_ENV=demo)")
    _upgrade_database()
    if not db.session.scalar(select(func.count(User.id))):
        click.echo("creating the demo city (40 schools, 1,200 teachers)…")
        accounts = seed_demo()
        db.session.commit()
    else:
        accounts = [
            ("bureau", "bureau", PASSWORDS["bureau"]),
            ("school", "s01", PASSWORDS["school"]),
            ("school", "s02", PASSWORDS["school"]),
        ]
        from .preparation.models import Outgoing
        from .roster.models import Teacher

        teachers = db.session.scalars(
            select(User)
            .join(Outgoing, Outgoing.teacher_id == User.teacher_id)
            .join(Teacher, Teacher.id == User.teacher_id)
            .where(User.role == "teacher", Outgoing.confirmed.is_(True))
            .order_by(Teacher.staff_no)
            .limit(3)
        )
        accounts += [("teacher", u.username, PASSWORDS["teacher"]) for u in teachers]
    for role, username, password in accounts:
        click.echo(f"demo account: {role} {username} {password}")
    click.echo(f"database: {app.config['SQLALCHEMY_DATABASE_URI']}")
    if no_serve:
        return
    click.echo(f"serving the demo on http://{host}:{port}/ (Ctrl+C to stop)")
    from werkzeug.serving import run_simple

    run_simple(host, port, app, use_reloader=False, use_debugger=False, threaded=True)


@cli.command("serve", with_appcontext=False)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int, help="worker processes")
@click.option("--threads", default=4, show_default=True, type=int, help="threads per worker")
@click.option("--timeout", default=60, show_default=True, type=int, help="seconds before a stuck worker is restarted")
def serve_command(host: str, port: int, workers: int, threads: int, timeout: int) -> None:
    """Serve with gunicorn (production). Needs SECRET_KEY and DATABASE_URL.

    The app is built here, in the master, but no app context is pushed: every request of every
    worker gets its own app context, database session and ``g`` (Flask-WTF's CSRF token,
    Flask-Login's user), committed or rolled back when the request ends.
    """
    from gunicorn.app.base import BaseApplication

    from .checks import startup_warnings
    from .extensions import db

    app = _app_factory()
    for warning in startup_warnings(app):
        click.echo(f"matchapp serve: warning: {warning}", err=True)
    with app.app_context():
        db.engine.dispose()  # nothing opened in the master is shared with forked workers

    def post_fork(server, worker):
        with app.app_context():
            db.engine.dispose(close=False)  # a worker opens its own connections

    class Server(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("threads", threads)
            self.cfg.set("worker_class", "gthread" if threads > 1 else "sync")
            self.cfg.set("timeout", timeout)
            self.cfg.set("accesslog", "-")
            self.cfg.set("post_fork", post_fork)

        def load(self):
            return app

    Server().run()


@cli.command("check", with_appcontext=False)
def check_command() -> None:
    """Say what is wrong with this deployment (configuration, database, Redis, files, clock)."""
    from .checks import run_checks

    findings = run_checks(_app_factory())
    for finding in findings:
        click.echo(str(finding), err=finding.level != "ok")
    errors = sum(f.level == "error" for f in findings)
    warnings = sum(f.level == "warning" for f in findings)
    click.echo(f"{errors} error(s), {warnings} warning(s)")
    if errors:
        sys.exit(1)


@cli.group("translations")
def translations_group() -> None:
    """The translation catalogues (.po files are the source; Babel extracts, updates, compiles)."""


@translations_group.command("update", with_appcontext=False)
def translations_update() -> None:
    """Extract the interface strings, merge them into each .po, compile the .mo files."""
    from .translations.catalog import check, update

    update()
    problems = check()
    for line in problems.lines():
        click.echo(line)
    click.echo("translations updated" + (f"; {len(problems.untranslated)} to translate" if problems else ""))


@translations_group.command("check", with_appcontext=False)
def translations_check() -> None:
    """Fail (exit 1) on an untranslated, fuzzy or missing entry, or a stale compiled catalogue."""
    from .translations.catalog import check

    problems = check()
    for line in problems.lines():
        click.echo(line, err=True)
    if problems:
        sys.exit(1)
    click.echo("translations complete")


@cli.command("create-user")
@click.argument("username")
@click.option("--role", type=click.Choice(["bureau", "school", "teacher"]), required=True)
@click.option("--school", "school_code", help="school code (for a school administrator)")
@click.option("--teacher", "staff_no", help="staff number 工号 (for a teacher)")
@click.option("--name", "display_name", default="")
@click.password_option()
@with_appcontext
def create_user_command(username, role, school_code, staff_no, display_name, password):
    """Create an account."""
    from sqlalchemy import select

    from .auth.services import create_user
    from .core.audit import acting_as
    from .extensions import db
    from .roster.models import School, Teacher

    school_id = teacher_id = None
    if school_code:
        school = db.session.scalar(select(School).where(School.code == school_code))
        if school is None:
            raise click.BadParameter(f"no school with code {school_code}", param_hint="--school")
        school_id = school.id
    if staff_no:
        teacher = db.session.scalar(select(Teacher).where(Teacher.staff_no == staff_no))
        if teacher is None:
            raise click.BadParameter(f"no teacher with staff number {staff_no}", param_hint="--teacher")
        teacher_id = teacher.id
    try:
        with acting_as("cli"):
            create_user(username, password, role, school_id=school_id, teacher_id=teacher_id, display_name=display_name)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"created {role} account {username}")


@cli.command("export-round")
@click.argument("year", type=int)
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True)
@with_appcontext
def export_round_command(year, output):
    """Write a whole round (roster, lists, posts, preferences, rankings, runs) to one JSON file."""
    import json

    from .transfer.service import TransferError, export_round

    try:
        doc = export_round(year)
    except TransferError as exc:
        raise click.ClickException(str(exc)) from None
    with open(output, "w", encoding="utf-8") as handle:
        json.dump(doc, handle, ensure_ascii=False)
    click.echo(f"exported round {year}: {len(doc['teachers'])} teachers, {len(doc['runs'])} runs -> {output}")


@cli.command("import-round")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def import_round_command(file):
    """Restore a round exported by export-round into an empty database (all or nothing)."""
    import json

    from .core.audit import acting_as
    from .extensions import db
    from .transfer.service import TransferError, import_round

    try:
        with open(file, encoding="utf-8") as handle:
            doc = json.load(handle)
        with acting_as("import-round"):
            round_ = import_round(doc)
    except (TransferError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        db.session.rollback()
        click.echo(f"{os.path.basename(file)}: {exc}", err=True)
        sys.exit(2)
    db.session.commit()
    click.echo(f"imported round {round_.year} from {os.path.basename(file)}")


@cli.command("worker")
@click.option("--burst", is_flag=True, help="stop when the queue is empty")
@with_appcontext
def worker_command(burst):
    """Run background jobs from the RQ queue (needs REDIS_URL)."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        raise click.UsageError("set REDIS_URL: without it, jobs run inside the web process")
    from redis import Redis
    from rq import Queue, Worker

    from .core.jobs import QUEUE

    connection = Redis.from_url(url)
    Worker([Queue(QUEUE, connection=connection)], connection=connection).work(burst=burst)


@cli.command("create-round")
@click.argument("year", type=int)
@click.option("--name", default=None)
@click.option("--preset", default="changzhou", type=click.Choice(["changzhou", "ganzhou", "dalian", "datong"]))
@click.option(
    "--procedure",
    default="fair",
    type=click.Choice(["fair", "competition", "arrangement"]),
    help="fair: the two-way selection fair; competition: 跨校竞聘; arrangement: the bureau arranges, no fair",
)
@with_appcontext
def create_round_command(year, name, preset, procedure):
    """Create the rotation round of YEAR with a policy preset and a procedure."""
    from .core.audit import acting_as
    from .extensions import db
    from .rounds.services import RoundError, create_round

    try:
        with acting_as("cli"):
            create_round(year, name or f"{year}年度教师交流轮岗", preset, procedure=procedure)
    except RoundError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"created round {year} ({preset}, {procedure})")


def _refused_file(file: str, refused) -> None:
    for problem in refused.report.problems[:200]:
        click.echo(f"{os.path.basename(file)}: {problem}", err=True)
    if len(refused.report.problems) > 200:
        click.echo(f"{os.path.basename(file)}: … and {len(refused.report.problems) - 200} more", err=True)
    click.echo(f"{os.path.basename(file)}: {len(refused.report.problems)} problem(s); nothing imported", err=True)
    sys.exit(2)


@cli.command("import-schools")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--staffing", "staffing_file", type=click.Path(exists=True, dir_okay=False), help="staffing by subject too"
)
@with_appcontext
def import_schools_command(file, staffing_file):
    """Import the school register (.xlsx or .csv): all rows or none, updated by school code."""
    from .core.audit import acting_as
    from .core.imports import ImportRefused
    from .extensions import db
    from .roster.register import import_schools, import_staffing

    with open(file, "rb") as handle:
        data = handle.read()
    try:
        with acting_as("import-schools"):
            report = import_schools(data, os.path.basename(file))
    except ImportRefused as refused:
        db.session.rollback()
        _refused_file(file, refused)
    lines = [
        f"imported {os.path.basename(file)}: {report.created} new, {report.updated} updated, {report.unchanged} unchanged"
    ]
    if staffing_file:
        with open(staffing_file, "rb") as handle:
            data = handle.read()
        try:
            with acting_as("import-schools"):
                staffing = import_staffing(data, os.path.basename(staffing_file))
        except ImportRefused as refused:
            db.session.rollback()
            _refused_file(staffing_file, refused)
        lines.append(
            f"imported {os.path.basename(staffing_file)}: {staffing.created} new, {staffing.updated} updated, {staffing.unchanged} unchanged"
        )
    db.session.commit()
    for line in lines:
        click.echo(line)


@cli.command("create-accounts")
@click.option("--role", type=click.Choice(["school", "teacher"]), required=True)
@click.option("--school", "school_code", help="only this school's teachers")
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True, help="the slips as .xlsx")
@with_appcontext
def create_accounts_command(role, school_code, output):
    """Accounts for every school administrator or teacher who has none, with initial passwords (.xlsx)."""
    from sqlalchemy import select

    from .accounts.services import AccountRefused, create_school_accounts, create_teacher_accounts
    from .accounts.slips import slips_workbook
    from .core.audit import acting_as
    from .extensions import db
    from .roster.models import School, Teacher

    with acting_as("create-accounts"):
        try:
            if role == "school":
                schools = None
                if school_code:
                    schools = list(db.session.scalars(select(School).where(School.code == school_code)))
                    if not schools:
                        raise click.BadParameter(f"no school with code {school_code}", param_hint="--school")
                slips = create_school_accounts(schools)
            else:
                query = select(Teacher).order_by(Teacher.staff_no)
                if school_code:
                    school = db.session.scalar(select(School).where(School.code == school_code))
                    if school is None:
                        raise click.BadParameter(f"no school with code {school_code}", param_hint="--school")
                    query = query.where(Teacher.school_id == school.id)
                slips = create_teacher_accounts(list(db.session.scalars(query)))
        except AccountRefused as exc:
            db.session.rollback()
            click.echo(str(exc), err=True)
            sys.exit(2)
    data = slips_workbook(slips, "")
    _write_file(output, data)
    db.session.commit()  # only once the slips are safely written
    click.echo(f"created {len(slips)} {role} account(s); initial passwords in {output}")


def _write_file(path: str, data: bytes) -> None:
    """All of the file or nothing (a temporary file renamed into place)."""
    import tempfile

    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise click.ClickException(f"{path}: the folder {directory} does not exist")
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".matchapp-", suffix=".tmp")
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)


def _round_of(year: int):
    from sqlalchemy import select

    from .extensions import db
    from .rounds.models import Round

    round_ = db.session.scalar(select(Round).where(Round.year == year))
    if round_ is None:
        raise click.ClickException(f"there is no round for {year}: create it with `matchapp create-round {year}`")
    return round_


@cli.command("prepare")
@click.argument("year", type=int)
@with_appcontext
def prepare_command(year):
    """Complete every school's outgoing list by the ordering rule and propose the posts (先流出再流入)."""
    from sqlalchemy import select

    from .core.audit import acting_as
    from .core.errors import Refused
    from .extensions import db
    from .preparation.lists import submitted_at
    from .preparation.outgoing import apply_ordering_rule
    from .preparation.posts import propose_posts
    from .roster.models import School

    round_ = _round_of(year)
    listed = skipped = 0
    try:
        with acting_as("prepare"):
            for school in db.session.scalars(select(School).order_by(School.code)):
                if submitted_at(round_, school.id):
                    skipped += 1  # the school has submitted its own list
                    continue
                listed += len(apply_ordering_rule(round_, school))
            posts = propose_posts(round_)
    except Refused as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(
        f"round {year}: {listed} teachers on the lists by the ordering rule ({skipped} schools had submitted theirs), {posts} posts proposed"
    )


@cli.command("open-fair")
@click.argument("year", type=int)
@click.option("--closes-at", help="closing time in the bureau's time zone, e.g. 2027-07-02T17:00")
@with_appcontext
def open_fair_command(year, closes_at):
    """Open the fair of YEAR (until --closes-at, or until the bureau closes it)."""
    import datetime as dt

    from .core.audit import acting_as
    from .core.clock import to_utc
    from .core.errors import Refused
    from .extensions import db
    from .fair.window import open_fair

    round_ = _round_of(year)
    closes = None
    if closes_at:
        try:
            closes = to_utc(dt.datetime.fromisoformat(closes_at))
        except ValueError:
            raise click.BadParameter(
                f"{closes_at!r} is not a time like 2027-07-02T17:00", param_hint="--closes-at"
            ) from None
    try:
        with acting_as("open-fair"):
            open_fair(round_, closes)
    except Refused as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"the fair of {year} is open" + (f" until {closes_at}" if closes_at else ""))


@cli.command("import-roster")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--school", "school_code", help="import only this school's staff (a school's own import)")
@with_appcontext
def import_roster_command(file, school_code):
    """Import a roster (.xlsx or .csv, UTF-8 or GBK): all rows or none."""
    from sqlalchemy import select

    from .core.audit import acting_as
    from .extensions import db
    from .roster.importer import ImportRefused, import_roster
    from .roster.models import School

    only = None
    if school_code:
        only = db.session.scalar(select(School).where(School.code == school_code))
        if only is None:
            raise click.BadParameter(f"no school with code {school_code}", param_hint="--school")
    with open(file, "rb") as handle:
        data = handle.read()
    try:
        with acting_as("import-roster"):
            report = import_roster(data, os.path.basename(file), only_school=only)
    except ImportRefused as refused:
        db.session.rollback()
        _refused_file(file, refused)
    db.session.commit()
    click.echo(
        f"imported {os.path.basename(file)}: {report.created} new, {report.updated} updated, "
        f"{report.unchanged} unchanged"
    )


def web_main(argv: list[str]) -> int:
    if argv and argv[0] == "demo":
        os.environ.setdefault("MATCHAPP_ENV", "demo")
    try:
        cli.main(args=argv, prog_name="matchapp", standalone_mode=True)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(web_main(sys.argv[1:]))
