"""A whole round exported to a file and restored into an empty database gives identical results."""

import json
import os
import subprocess
import sys

import pytest
from flask_migrate import upgrade
from sqlalchemy import select

from matchapp.extensions import db
from matchapp.results.publication import publish
from matchapp.roster.models import School, Teacher
from matchapp.runs.assignment import confirm_assignment
from matchapp.runs.models import Placement, Run
from matchapp.runs.service import run_fair
from matchapp.transfer.service import TransferError, export_round, import_round
from tests.conftest import make_app, running
from tests.matchapp.test_fair import _run_whole_fair


def _placements():
    staff = {t.id: t.staff_no for t in db.session.scalars(select(Teacher))}
    code = {s.id: s.code for s in db.session.scalars(select(School))}
    return sorted(
        (staff[p.teacher_id], code.get(p.school_id), p.how, p.preference_rank)
        for p in db.session.scalars(select(Placement))
    )


def test_export_then_restore_into_an_empty_database(app, tmp_path):
    round_, *_ = _run_whole_fair()
    confirm_assignment(round_)
    publish(round_)
    db.session.commit()
    doc = json.loads(json.dumps(export_round(round_.year), ensure_ascii=False))  # through text, as on disk
    before = _placements()
    run_text = db.session.scalar(select(Run.result_json))
    with pytest.raises(TransferError, match="不是空的"):
        import_round(doc)
    with running(make_app(f"sqlite:///{tmp_path / 'restored.sqlite'}", tmp_path)):
        restored = import_round(doc)
        db.session.commit()
        assert restored.state == "published"
        assert _placements() == before
        assert db.session.scalar(select(Run.result_json)) == run_text
        # The restored round replays to the same result: reopen as closed and run again.
        restored.state = "fair_closed"
        again = run_fair(restored, None)
        assert (
            again.run.result_json == run_text
            and again.run.input_sha256 == db.session.scalars(select(Run.input_sha256).order_by(Run.id)).first()
        )


def test_malformed_round_files_change_nothing(app):
    with pytest.raises(TransferError, match="不是年度数据文件"):
        import_round({"format": "something"})
    with pytest.raises(TransferError, match="不完整"):
        import_round({"format": "matchapp.round/1", "schools": [{"code": "S1"}]})
    db.session.rollback()
    assert db.session.scalar(select(School.id)) is None


def test_export_and_import_commands(database_url, tmp_path):
    source = make_app(database_url, tmp_path)
    with source.app_context():
        upgrade(directory=source.extensions["migrate"].directory)
        round_, *_ = _run_whole_fair()
        db.session.commit()
        year = round_.year
        db.engine.dispose()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "MATCHAPP_ENV": "development",
        "MATCHAPP_INSTANCE": str(tmp_path / "instance"),
    }
    out = tmp_path / "round.json"
    proc = subprocess.run(
        [sys.executable, "-m", "matchapp", "export-round", str(year), "-o", str(out)],
        env=env,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    target = f"sqlite:///{tmp_path / 'target.sqlite'}"
    target_env = {**env, "DATABASE_URL": target}
    subprocess.run([sys.executable, "-m", "matchapp", "db", "upgrade"], env=target_env, capture_output=True, check=True)
    proc = subprocess.run(
        [sys.executable, "-m", "matchapp", "import-round", str(out)], env=target_env, capture_output=True, text=True
    )
    assert proc.returncode == 0 and f"imported round {year}" in proc.stdout
    again = subprocess.run(
        [sys.executable, "-m", "matchapp", "import-round", str(out)], env=target_env, capture_output=True, text=True
    )
    assert again.returncode == 2 and "不是空的" in again.stderr
    with source.app_context():
        db.session.remove()
        db.drop_all()
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        db.engine.dispose()


def test_the_exchanges_lived_since_publication_travel_with_the_round(app, tmp_path):
    """Issue 12: reporting, the relation moved, grades, a refusal's decision and the year's
    exemptions are part of the record a restored round keeps."""
    import datetime as dt

    from matchapp.exchanges.assessments import review, save_grades
    from matchapp.exchanges.reporting import confirm_reporting, decide, record_refusal
    from matchapp.preparation.outgoing import set_exemption
    from matchapp.roster.models import ExchangeRecord, TeacherExemption

    round_, s, teachers, *_ = _run_whole_fair()
    confirm_assignment(round_)
    publish(round_, now=dt.datetime(2027, 7, 10, 2))
    records = db.session.scalars(select(ExchangeRecord).order_by(ExchangeRecord.id)).all()
    served, refused = records[0], records[1]
    confirm_reporting(served, dt.date(2027, 8, 30), "renshi", today=dt.date(2027, 9, 1))
    save_grades(served.to_school, 2027, {served.id: ("pass", "良好")})
    review(served.to_school, 2027, approve=True)
    event = record_refusal(refused, dt.date(2027, 8, 20), "不去", today=dt.date(2027, 8, 21))
    decide(event, "sanction", dt.date(2027, 8, 25), ["annual_fail", "no_honours"])
    round_.state = "preparing"  # an exemption recorded while the lists were open
    set_exemption(round_, teachers[4], "illness", "住院")
    round_.state = "published"
    db.session.commit()

    def picture():
        recs = db.session.scalars(select(ExchangeRecord).order_by(ExchangeRecord.year, ExchangeRecord.teacher_id))
        return [
            (
                r.teacher.staff_no,
                r.state,
                r.kind,
                r.reported_on,
                r.relation_moved,
                r.home_started_at,
                r.teacher.school.code,
                [(a.school_year, a.grade, a.state, a.school.code) for a in r.assessments],
                [(e.kind, e.decision, e.consequences, e.barred_until) for e in r.events],
            )
            for r in recs
        ] + [(e.teacher.staff_no, e.year, e.code, e.approved) for e in db.session.scalars(select(TeacherExemption))]

    before = picture()
    doc = json.loads(json.dumps(export_round(round_.year), ensure_ascii=False))
    with running(make_app(f"sqlite:///{tmp_path / 'restored.sqlite'}", tmp_path)):
        import_round(doc)
        db.session.commit()
        assert picture() == before


def test_what_later_versions_added_travels_with_the_round(app, tmp_path):
    """The procedure, a bureau's override of a school's refusal, the notice's period and issuer, a
    teacher's first day of work and a 竞聘 post's scores come back as they were exported."""
    import datetime as dt

    from matchapp.fair.models import AssessmentScore
    from matchapp.preparation.models import Post
    from matchapp.results.models import Publication

    round_, schools, teachers, *_ = _run_whole_fair()
    confirm_assignment(round_)
    publish(round_)
    round_.procedure = "competition"  # as a 竞聘 year would be written (the round is already run)
    teachers[0].started_work = dt.date(2009, 8, 1)
    placement = db.session.scalar(select(Placement).where(Placement.how == "assigned"))
    placement.overrides = "refused"
    notice = db.session.scalar(select(Publication))
    notice.notice_starts_on, notice.notice_ends_on = dt.date(2027, 7, 10), dt.date(2027, 7, 16)
    notice.issuer = {
        "name": "常州市教育局",
        "department": "人事处",
        "phone": "0519-1",
        "document_prefix": "常教人〔2027〕",
    }
    post = db.session.scalar(select(Post).where(Post.round_id == round_.id).order_by(Post.id))
    db.session.add(
        AssessmentScore(post_id=post.id, teacher_id=teachers[1].id, teaching=875, interview=901, verdict="absent")
    )
    db.session.commit()
    doc = json.loads(json.dumps(export_round(round_.year), ensure_ascii=False))
    with running(make_app(f"sqlite:///{tmp_path / 'restored.sqlite'}", tmp_path)):
        restored = import_round(doc)
        db.session.commit()
        assert restored.procedure == "competition"
        assert db.session.scalar(
            select(Teacher.started_work).where(Teacher.staff_no == teachers[0].staff_no)
        ) == dt.date(2009, 8, 1)
        assert [p.overrides for p in db.session.scalars(select(Placement).where(Placement.overrides != ""))] == [
            "refused"
        ]
        again = db.session.scalar(select(Publication))
        assert (again.notice_starts_on, again.notice_ends_on) == (dt.date(2027, 7, 10), dt.date(2027, 7, 16))
        assert again.issuer["document_prefix"] == "常教人〔2027〕"
        score = db.session.scalar(select(AssessmentScore))
        assert (score.teaching, score.interview, score.verdict) == (875, 901, "absent")
        assert db.session.get(Teacher, score.teacher_id).staff_no == teachers[1].staff_no
