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
@click.option(
    "--through",
    type=click.IntRange(2027, 2035),
    default=2027,
    show_default=True,
    help="build the years before this one as published and lived (reported, assessed) and this one in "
    "preparation, in its own database (instance/demo-through-YEAR.sqlite)",
)
def demo_command(host: str, port: int, no_serve: bool, through: int) -> None:
    """Create (once) the demo city on SQLite and serve it."""
    from sqlalchemy import func, select

    from .auth.models import User
    from .demo import demo_accounts, seed_demo
    from .extensions import db

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if not app.config.get("DEMO"):
        raise click.UsageError("run the demo as `matchapp demo` (MATCHAPP_ENV=demo)")
    _upgrade_database()
    if not db.session.scalar(select(func.count(User.id))):
        if through > 2027:
            from .demo_years import live_years

            click.echo(f"creating the demo city (40 schools, 1,200 teachers), lived through {through}…")
            seed_demo()
            live_years(through)
            accounts = _lived_demo_accounts()
        else:
            click.echo("creating the demo city (40 schools, 1,200 teachers)…")
            accounts = seed_demo()
        db.session.commit()
    else:
        accounts = demo_accounts()
    for role, username, password in accounts:
        click.echo(f"demo account: {role} {username} {password}")
    click.echo(f"database: {app.config['SQLALCHEMY_DATABASE_URI']}")
    if no_serve:
        return
    click.echo(f"serving the demo on http://{host}:{port}/ (Ctrl+C to stop)")
    from werkzeug.serving import run_simple

    run_simple(host, port, app, use_reloader=False, use_debugger=False, threaded=True)


#: Each sync worker holds one database connection: 17 leave most of PostgreSQL's default 100 to
#: the background worker, backups and a second server.
MAX_DEFAULT_WORKERS = 17


def default_workers() -> int:
    """Two sync workers per core this process may use, and one more (gunicorn's advice), at most
    :data:`MAX_DEFAULT_WORKERS`."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return min(2 * cores + 1, MAX_DEFAULT_WORKERS)


@cli.command("serve", with_appcontext=False)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", type=int, help="worker processes  [default: 2 × cores + 1, at most 17]")
@click.option("--threads", default=1, show_default=True, type=int, help="threads per worker (1: sync workers)")
@click.option("--timeout", default=60, show_default=True, type=int, help="seconds before a stuck worker is restarted")
def serve_command(host: str, port: int, workers: int | None, threads: int, timeout: int) -> None:
    """Serve with gunicorn (production). Needs SECRET_KEY and DATABASE_URL.

    The app is built here, in the master, but no app context is pushed: every request of every
    worker gets its own app context, database session and ``g`` (Flask-WTF's CSRF token,
    Flask-Login's user), committed or rolled back when the request ends.

    By default sync workers, 2 per core and one more (gunicorn's advice behind a buffering proxy
    such as nginx): on the fair-day load bench they cost less CPU per request than threads and
    answered 1,000 people on 2 cores with a p95 of 76-130 ms (bench/README.md). Nothing a page
    asks for runs long: runs, imports and files of more than 150 documents are background jobs.
    """
    if workers is None:
        workers = default_workers()
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
@click.option(
    "--preset",
    default="changzhou",
    type=click.Choice(["changzhou", "ganzhou", "dalian", "datong", "district", "haikou"]),
    help="the policy preset",
)
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
    from .core.files import write_atomically

    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise click.ClickException(f"{path}: the folder {directory} does not exist")
    write_atomically(path, data)


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


STATUS_WORDS = {"eligible": "应交流", "not_eligible": "不列入", "exempt": "暂不交流"}


@cli.command("eligibility", with_appcontext=False)
@click.argument("roster", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--preset",
    "preset_name",
    required=True,
    type=click.Choice(["changzhou", "ganzhou", "dalian", "datong", "district", "haikou"]),
    help="the policy preset whose rules to apply",
)
@click.option("--year", type=click.IntRange(2000, 2100), required=True, help="the rotation year (its cutoff date)")
@click.option(
    "--schools",
    "schools_file",
    type=click.Path(exists=True, dir_okay=False),
    help="a school register (.xlsx/.csv, the 学校名册 import format): tiers and localities for the quotas",
)
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
def eligibility_command(roster, preset_name, year, schools_file, as_json):
    """Check a roster file offline: each teacher's status and reason, each school's quota.

    Reads ROSTER with the same reader and checks as `matchapp import-roster`; nothing is written
    and no database is needed. A bad file: one line per problem, exit status 2.
    """
    from .core.imports import ImportRefused
    from .preparation.offline import RegisterRefused, check_roster

    def read(path: str) -> bytes:
        with open(path, "rb") as handle:
            return handle.read()

    register = (read(schools_file), os.path.basename(schools_file)) if schools_file else None
    try:
        result = check_roster(read(roster), os.path.basename(roster), preset_name, year, register)
    except ImportRefused as refused:
        problem_file = schools_file if isinstance(refused, RegisterRefused) else roster
        for problem in refused.report.problems[:200]:
            click.echo(f"{os.path.basename(problem_file)}: {problem}", err=True)
        if len(refused.report.problems) > 200:
            click.echo(f"{os.path.basename(problem_file)}: … and {len(refused.report.problems) - 200} more", err=True)
        sys.exit(2)
    if as_json:
        click.echo(_eligibility_json(result))
    else:
        for line in _eligibility_lines(result, os.path.basename(roster), bool(schools_file)):
            click.echo(line)


def _eligibility_lines(result, filename: str, with_register: bool) -> list[str]:
    from .core.vocab import LOCALITIES, TIERS, subject_label
    from .rounds.policy import GROUP_KINDS, PRESET_LABELS, describe_group, describe_rate, format_share

    lines = [
        f"{PRESET_LABELS[result.preset]} · {result.year}年度 · 年限与年龄计算至 {result.cutoff.isoformat()} · "
        f"{filename}：{result.teachers}名教师，{len(result.schools)}所学校",
        f"交流比例：{describe_rate(result.policy)}；{describe_group(result.policy)}",
    ]
    for s in result.schools:
        kind = (
            f"{TIERS[s.tier]}、{LOCALITIES.get(s.locality, s.locality)}"
            if s.tier
            else "类别、城乡类型未知（可用 --schools 给出学校名册）"
        )
        if s.quota is None:
            quota = "本方案未规定比例"
        else:
            quota = f"交流名额{s.quota}人（{format_share(s.rate)}）"
            if s.other_rate is not None:
                quota += f"；若为城镇学校或优质学校：{s.other_quota}人（{format_share(s.other_rate)}）"
        leaders = sum(1 for a in s.teachers if a.track == "leader")
        group = GROUP_KINDS.get(result.policy.get("group_kind", "backbone"), "")
        name = s.code if s.name == s.code else f"{s.code} {s.name}"
        lines.append("")
        lines.append(
            f"{name}（{kind}）：应交流对象{s.eligible}人，{quota}"
            + (f"；其中{group}{s.group_quota}人" if result.policy.get("group_rate") else "")
            + (f"；校级领导{leaders}人另按任期判定" if leaders else "")
        )
        for a in s.teachers:
            t = a.teacher
            word = STATUS_WORDS[a.status] + ("（校级领导）" if a.track == "leader" else "")
            lines.append(f"  {t.staff_no} {t.name} {subject_label(t.subject)} {word}：{a.text}")
    return lines


def _eligibility_json(result) -> str:
    import json

    return json.dumps(
        {
            "preset": result.preset,
            "year": result.year,
            "cutoff": result.cutoff.isoformat(),
            "schools": [
                {
                    "code": s.code,
                    "name": s.name,
                    "tier": s.tier,
                    "locality": s.locality,
                    "eligible": s.eligible,
                    "rate": s.rate,
                    "quota": s.quota,
                    "group_quota": s.group_quota,
                    "rate_if_urban_or_strong": s.other_rate,
                    "quota_if_urban_or_strong": s.other_quota,
                    "teachers": [
                        {
                            "staff_no": a.teacher.staff_no,
                            "name": a.teacher.name,
                            "subject": a.teacher.subject,
                            "status": a.status,
                            "track": a.track,
                            "reasons": list(a.reasons),
                            "years_at_school": a.years_at_school,
                            "age": a.age,
                            "years_to_retirement": a.years_to_retirement,
                            "years_in_post": a.years_in_post,
                        }
                        for a in s.teachers
                    ],
                }
                for s in result.schools
            ],
        },
        ensure_ascii=False,
        indent=1,
    )


def _lived_demo_accounts() -> list[tuple[str, str, str]]:
    """The accounts a lived demo prints (the same as the plain demo's), the printed teachers given
    the demo password: the years before gave some of them an account with a slip's password."""
    from sqlalchemy import select

    from .auth.models import User
    from .demo import PASSWORDS, demo_accounts
    from .extensions import db

    accounts = demo_accounts()
    teachers = [username for role, username, _password in accounts if role == "teacher"]
    for user in db.session.scalars(select(User).where(User.username.in_(teachers))):
        user.set_password(PASSWORDS["teacher"])
        user.must_change_password = False
    db.session.flush()
    return accounts


def web_main(argv: list[str]) -> int:
    if argv and argv[0] == "demo":
        os.environ.setdefault("MATCHAPP_ENV", "demo")
        through = _demo_through(argv)
        if through and through > 2027:
            # A lived demo has its own database: the plain demo's stays as it is.
            os.environ.setdefault("MATCHAPP_DEMO_DATABASE", f"demo-through-{through}.sqlite")
    try:
        cli.main(args=argv, prog_name="matchapp", standalone_mode=True)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def _demo_through(argv: list[str]) -> int | None:
    """The year of ``--through YEAR`` / ``--through=YEAR`` (before the app, which picks the database)."""
    for k, arg in enumerate(argv):
        value = (
            arg.split("=", 1)[1]
            if arg.startswith("--through=")
            else (argv[k + 1] if arg == "--through" and k + 1 < len(argv) else None)
        )
        if value is not None:
            return int(value) if value.isdigit() else None
    return None


if __name__ == "__main__":  # pragma: no cover
    sys.exit(web_main(sys.argv[1:]))
