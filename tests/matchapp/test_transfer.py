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
