"""The migration that turns stored preference and ranking text into rows, run on a database
written by the old schema (SQLite and PostgreSQL): every list, ranking and published notice
reads the same afterwards, and the run built from it is the same instance."""

from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade
from sqlalchemy import select

from matchapp.extensions import db
from matchapp.fair.models import PostRanking, PreferenceList
from matchapp.fair.preferences import chosen_schools, receipt_code
from matchapp.results.models import Publication
from matchapp.rounds.models import Round
from matchapp.runs.instance import build_instance
from tests.conftest import make_app

OLD_HEAD = "1adfd8e1f8d7"  # the last revision that stored lists and rankings as text


def _fill(table: sa.Table, **values):
    """A row for ``table`` with every required column that the test does not care about filled."""
    row = dict(values)
    for column in table.columns:
        if column.name in row or column.nullable or column.primary_key:
            continue
        kind = column.type.python_type
        row[column.name] = {
            int: 0,
            str: "",
            bool: False,
            dt.date: dt.date(2020, 1, 1),
            dt.datetime: dt.datetime(2027, 7, 1),
            dict: {},
        }.get(kind, "")
    return row


def _old_world(conn) -> dict:
    meta = sa.MetaData()
    meta.reflect(conn)
    t = meta.tables

    def add(table, **values):
        return conn.execute(sa.insert(t[table]).values(_fill(t[table], **values))).inserted_primary_key[0]

    schools = [
        add("schools", code=f"S{k}", name=f"学校{k}", tier=tier, zone=zone)
        for k, (tier, zone) in enumerate([("strong", "东"), ("weak", "东"), ("ordinary", "西"), ("weak", "西")])
    ]
    teachers = [
        add(
            "teachers",
            staff_no=f"T{k}",
            name=f"教师{k}",
            gender="F",
            birth_date=dt.date(1985, 1, 1),
            school_id=schools[k % 2],
            subject="math" if k < 4 else "music",
            started_at_school=dt.date(2015, 9, 1),
        )
        for k in range(5)
    ]
    policy = {"min_selection_size": 1, "term_years": 3, "cutoff": "08-31"}
    open_round = add("rounds", year=2027, name="2027", state="fair_closed", seed=7, policy=policy)
    posts = {
        (school, subject): add("posts", round_id=open_round, school_id=schools[school], subject=subject, seats=2)
        for school, subject in [(2, "math"), (3, "math"), (2, "music")]
    }
    # Teacher 0 lists C then D (submitted), and has a newer draft D only; teacher 1 lists a school
    # with no math post (B, its own zone's weak school): the migration drops what the run ignored.
    add(
        "preference_lists",
        round_id=open_round,
        teacher_id=teachers[0],
        school_ids=f"{schools[3]}",
        submitted_school_ids=f"{schools[2]},{schools[3]}",
        submitted_at=dt.datetime(2027, 7, 2, 9, 30),
        version=3,
    )
    add(
        "preference_lists",
        round_id=open_round,
        teacher_id=teachers[1],
        school_ids=f"{schools[3]},{schools[0]}",
        submitted_school_ids=None,
        version=1,
    )
    add(
        "preference_lists",
        round_id=open_round,
        teacher_id=teachers[2],
        school_ids=f"{schools[3]}",
        submitted_school_ids=f"{schools[3]}",
        submitted_at=dt.datetime(2027, 7, 2, 10),
        version=1,
    )
    add(
        "post_rankings",
        post_id=posts[(3, "math")],
        groups=f"{teachers[2]},{teachers[0]};{teachers[1]}",
        unacceptable=f"{teachers[3]}",
        submitted_groups=f"{teachers[2]};{teachers[0]}",
        submitted_unacceptable="",
        submitted_at=dt.datetime(2027, 7, 2, 11),
        version=2,
    )
    for k in range(3):
        add("outgoing", round_id=open_round, teacher_id=teachers[k], how="rule", confirmed=True)
    # A round published before the migration: its notice must survive as the first publication.
    published = add(
        "rounds",
        year=2026,
        name="2026",
        state="published",
        seed=1,
        policy=policy,
        published_at=dt.datetime(2026, 7, 10, 8),
    )
    run = add(
        "runs",
        round_id=published,
        kind="final",
        seed=1,
        engine_version="1.0.0",
        input_sha256="x" * 64,
        instance_json="{}",
        result_json="{}",
        stable=True,
        created_at=dt.datetime(2026, 7, 5),
    )
    add("placements", run_id=run, teacher_id=teachers[4], school_id=schools[2], how="assigned", preference_rank=0)
    return {"schools": schools, "teachers": teachers, "posts": posts, "open": open_round, "published": published}


def test_text_lists_and_rankings_become_rows(database_url, tmp_path):
    app = make_app(database_url, tmp_path)
    with app.app_context():
        directory = app.extensions["migrate"].directory
        upgrade(directory=directory, revision=OLD_HEAD)
        with db.engine.begin() as conn:
            world = _old_world(conn)
        upgrade(directory=directory)
        s, t = world["schools"], world["teachers"]
        round_ = db.session.get(Round, world["open"])

        lists = {pl.teacher_id: pl for pl in db.session.scalars(select(PreferenceList))}
        assert chosen_schools(lists[t[0]], "submitted") == [s[2], s[3]]
        assert chosen_schools(lists[t[0]]) == [s[3]]
        assert chosen_schools(lists[t[1]]) == [s[3]]  # school A has no math post: left out, as the run did
        assert lists[t[1]].submitted_at is None and chosen_schools(lists[t[1]], "submitted") == []
        assert lists[t[0]].version == 3  # the version survives: an old page is still refused
        # The receipt a teacher was given before the migration is still the one the page shows.
        text = f"{round_.id}|{t[0]}|{s[2]},{s[3]}|{dt.datetime(2027, 7, 2, 9, 30).isoformat()}"
        import hashlib

        assert receipt_code(lists[t[0]]) == hashlib.sha256(text.encode()).hexdigest()[:10].upper()

        ranking = db.session.scalar(select(PostRanking))
        assert ranking.groups() == [sorted([t[2], t[0]]), [t[1]]] and ranking.unacceptable() == [t[3]]
        assert ranking.groups("submitted") == [[t[2]], [t[0]]] and ranking.unacceptable("submitted") == []

        doc, _notes = build_instance(round_)
        prefs = {x["id"]: x["preferences"] for x in doc["teachers"]}
        assert prefs == {"T0": ["S2", "S3"], "T1": [], "T2": ["S3"]}
        d_post = next(p for p in doc["posts"] if p["school"] == "S3")
        assert d_post["ranking"] == ["T2", "T0"]

        publication = db.session.scalar(select(Publication).where(Publication.round_id == world["published"]))
        assert publication.version == 1 and publication.published_at == dt.datetime(2026, 7, 10, 8)
        assert [(r["staff_no"], r["to_code"], r["how"]) for r in publication.rows] == [("T4", "S2", "assigned")]
        json.dumps(publication.rows)  # plain data
        # A publication made before the notice had a period starts it on its day (in the bureau's
        # zone: 08:00 UTC is 16:00 in Shanghai), with no last day and no frozen issuer.
        assert publication.notice_starts_on == dt.date(2026, 7, 10)
        assert publication.notice_ends_on is None and publication.issuer is None

        # And back: the downgrade restores the old columns (empty), so an older release can start.
        db.session.remove()
        downgrade(directory=directory, revision=OLD_HEAD)
        columns = {c["name"] for c in sa.inspect(db.engine).get_columns("preference_lists")}
        assert {"school_ids", "submitted_school_ids"} <= columns
        db.session.remove()
        downgrade(directory=directory, revision="base")
        db.engine.dispose()


EXEMPTION_HEAD = "c8c99044c2e3"  # the last revision with exemptions on the teachers


def test_exemptions_become_the_latest_years_and_old_records_get_a_state(database_url, tmp_path):
    """Issue 12: "一年一认定" — the teachers' exemption columns become rows of the year of the latest
    round; exchange records published earlier become placed (term running) or returned (ended)."""
    from matchapp.roster.models import ExchangeRecord, Teacher, TeacherExemption

    app = make_app(database_url, tmp_path)
    with app.app_context():
        directory = app.extensions["migrate"].directory
        upgrade(directory=directory, revision=EXEMPTION_HEAD)
        with db.engine.begin() as conn:
            meta = sa.MetaData()
            meta.reflect(conn)
            t = meta.tables

            def add(table, **values):
                return conn.execute(sa.insert(t[table]).values(_fill(t[table], **values))).inserted_primary_key[0]

            a, b = (add("schools", code=f"S{k}", name=f"学校{k}") for k in range(2))
            ill = add(
                "teachers",
                staff_no="T1",
                name="甲",
                gender="F",
                birth_date=dt.date(1985, 1, 1),
                school_id=a,
                subject="math",
                started_at_school=dt.date(2010, 9, 1),
                exemption="illness",
                exemption_reason="住院",
                exemption_approved=True,
            )
            asked = add(
                "teachers",
                staff_no="T2",
                name="乙",
                gender="F",
                birth_date=dt.date(1990, 1, 1),
                school_id=a,
                subject="math",
                started_at_school=dt.date(2012, 9, 1),
                exemption="pregnancy",
                exemption_reason="孕期",
                exemption_approved=False,
            )
            plain = add(
                "teachers",
                staff_no="T3",
                name="丙",
                gender="M",
                birth_date=dt.date(1980, 1, 1),
                school_id=b,
                subject="math",
                started_at_school=dt.date(2015, 9, 1),
                exemption="",
            )
            add("rounds", year=2026, name="2026", state="published", seed=1, policy={})
            add("rounds", year=2027, name="2027", state="preparing", seed=2, policy={})
            old = add(
                "exchange_records",
                teacher_id=plain,
                year=2020,
                from_school_id=b,
                to_school_id=a,
                term_years=3,
                planned_return=dt.date(2023, 8, 31),
                how="matched",
            )
            running = add(
                "exchange_records",
                teacher_id=ill,
                year=2026,
                from_school_id=a,
                to_school_id=b,
                term_years=3,
                planned_return=dt.date(2099, 8, 31),
                how="assigned",
            )
        upgrade(directory=directory)
        rows = {e.teacher_id: e for e in db.session.scalars(select(TeacherExemption))}
        assert set(rows) == {ill, asked}
        assert (rows[ill].year, rows[ill].code, rows[ill].reason, rows[ill].approved) == (2027, "illness", "住院", True)
        assert (rows[asked].year, rows[asked].approved) == (2027, False)
        assert not hasattr(db.session.get(Teacher, plain), "exemption")
        ended, current = db.session.get(ExchangeRecord, old), db.session.get(ExchangeRecord, running)
        assert (ended.state, ended.ended_on, ended.reported_on) == (
            "returned",
            dt.date(2023, 8, 31),
            dt.date(2020, 8, 31),
        )
        assert (current.state, current.kind, current.ended_on) == ("placed", "full_time", None)
        # And back: the latest year's exemptions return to the teachers.
        db.session.remove()
        downgrade(directory=directory, revision=EXEMPTION_HEAD)
        with db.engine.connect() as conn:
            back = dict(conn.execute(sa.text("SELECT id, exemption FROM teachers")).all())
        assert back == {ill: "illness", asked: "pregnancy", plain: ""}
        db.session.remove()
        downgrade(directory=directory, revision="base")
        db.engine.dispose()
