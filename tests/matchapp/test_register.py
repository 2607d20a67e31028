"""The school register from an empty database: every import problem named by row and column with
nothing written, an idempotent re-import by school code (audited), staffing by subject with
超编/缺编, the register's checks (seed 000 篇三) at their boundaries, and the pages and command."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import subprocess
import sys

import pytest
from sqlalchemy import func, select

from matchapp.core.audit import AuditLog
from matchapp.core.errors import Refused
from matchapp.core.imports import ImportRefused
from matchapp.extensions import db
from matchapp.roster.models import School, Staffing
from matchapp.roster.register import (
    SCHOOL_COLUMNS,
    import_schools,
    import_staffing,
    register_checks,
    save_school,
    school_template,
)
from matchapp.roster.rules import rating_due, tier_share_over
from tests.factories import gen_teacher, gen_user

HEADER = list(SCHOOL_COLUMNS)
TODAY = dt.date(2027, 3, 1)


def _row(
    code="S01",
    name="第一中学",
    stage="初中",
    tier="优质",
    rated="2025-07-01",
    zone="湖塘片区",
    locality="城区",
    alliance="湖塘教育集团",
    core="是",
    paired="",
    leaders="7",
):
    return [code, name, stage, tier, rated, zone, locality, alliance, core, paired, leaders]


def _csv(rows, encoding="utf-8") -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode(encoding)


def test_a_register_imports_then_imports_again_without_change(app):
    rows = [HEADER, _row(), _row("S02", "湖塘小学", "小学", "薄弱", "2024-07-01", core="否", paired="S01", leaders="5")]
    report = import_schools(_csv(rows), "schools.csv", today=TODAY)
    assert (report.created, report.updated, report.unchanged) == (2, 0, 0)
    s1, s2 = (db.session.scalar(select(School).where(School.code == c)) for c in ("S01", "S02"))
    assert (s1.stage, s1.tier, s1.tier_rated_on, s1.locality, s1.alliance_core, s1.leadership_size) == (
        "junior",
        "strong",
        dt.date(2025, 7, 1),
        "urban",
        True,
        7,
    )
    assert s2.paired_school_id == s1.id and s2.stage == "primary"
    again = import_schools(_csv(rows, "gbk"), "schools.csv", today=TODAY)  # GBK, the same content
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    rows[2][3] = "一般"  # S02 is re-rated
    changed = import_schools(_csv(rows), "schools.csv", today=TODAY)
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 1)
    audit = db.session.scalars(select(AuditLog).where(AuditLog.entity == "schools", AuditLog.action == "update")).all()
    assert audit[-1].before == {"tier": "weak"} and audit[-1].after == {"tier": "ordinary"}


PROBLEMS = [
    ("a required cell is empty", 1, "学校名称", "", "必填"),
    ("a code with a space", 0, "学校代码", "S 1", "格式不对"),
    ("an unknown stage", 2, "学段", "高中", "不在可选范围内"),
    ("an unknown tier", 3, "类别", "重点", "不在可选范围内"),
    ("a rating date that is not a date", 4, "类别评定时间", "2025-13-01", "不是有效日期"),
    ("a rating date in the future", 4, "类别评定时间", "2027-03-02", "晚于今天"),
    ("an unknown locality", 6, "城乡类型", "郊区", "不在可选范围内"),
    ("a core school without a group", 8, "是否核心校", "是", "须填写所属教育集团"),
    ("a paired school not in the register", 9, "对口支援学校代码", "S99", "不是名册中的学校"),
    ("a school paired with itself", 9, "对口支援学校代码", "S02", "不能与本校结对"),
    ("a leadership team of 51", 10, "领导班子人数", "51", "0到50的整数"),
]


@pytest.mark.parametrize(("case", "column", "header", "value", "message"), PROBLEMS, ids=[p[0] for p in PROBLEMS])
def test_each_problem_names_row_and_column_and_writes_nothing(app, case, column, header, value, message):
    bad = _row("S02", "湖塘小学")
    bad[column] = value
    if header == "是否核心校":
        bad[7] = ""  # no group
    rows = [HEADER, _row(), bad]
    with pytest.raises(ImportRefused) as refused:
        import_schools(_csv(rows), "schools.csv", today=TODAY)
    problems = refused.value.report.problems
    assert any(p.row == 3 and p.column == header and message in p.message for p in problems), problems
    assert db.session.scalar(select(func.count(School.id))) == 0  # not even the good row


def test_duplicates_and_a_missing_column_are_problems_of_their_own(app):
    with pytest.raises(ImportRefused) as refused:
        import_schools(_csv([HEADER, _row(), _row(name="另一所")]), "s.csv", today=TODAY)
    assert "与第2行重复" in str(refused.value.report.problems[0])
    with pytest.raises(ImportRefused) as refused:
        import_schools(_csv([HEADER[1:], _row()[1:]]), "s.csv", today=TODAY)
    assert [(p.row, p.column) for p in refused.value.report.problems] == [(1, "学校代码")]
    gen_teacher()  # a school "测试学校…" exists
    taken = db.session.scalar(select(School.name))
    with pytest.raises(ImportRefused) as refused:
        import_schools(_csv([HEADER, _row("S77", taken)]), "s.csv", today=TODAY)
    assert "已是学校" in str(refused.value.report.problems[0])


def test_the_template_is_the_register_s_own_header(app):
    from matchapp.core.spreadsheet import read_table

    rows = read_table(school_template(), "t.xlsx", max_rows=10, max_columns=20)
    assert rows[0] == HEADER
    report = import_schools(school_template(), "t.xlsx", today=TODAY)  # its example imports
    assert report.created == 1 and db.session.scalar(select(School.name)) == "常州市第一中学"


def test_staffing_by_subject_shows_over_and_under_staffing(app, client, auth):
    import_schools(_csv([HEADER, _row()]), "s.csv", today=TODAY)
    rows = [["学校代码", "学科", "编制数", "在岗数"], ["S01", "数学", "10", "12"], ["S01", "语文", "9", "8"]]
    assert import_staffing(_csv(rows), "st.csv").created == 2
    assert import_staffing(_csv(rows), "st.csv").unchanged == 2
    with pytest.raises(ImportRefused) as refused:
        import_staffing(_csv(rows + [["S01", "数学", "1", "1"], ["S09", "书法", "x", ""]]), "st.csv")
    messages = [str(p) for p in refused.value.report.problems]
    assert any("第4行" in m and "重复" in m for m in messages)
    assert any("第5行「学校代码」" in m for m in messages) and any("第5行「学科」" in m for m in messages)
    assert any("第5行「编制数」" in m for m in messages) and any("第5行「在岗数」" in m for m in messages)
    school = db.session.scalar(select(School))
    gen_user("bureau", username="renshi")
    db.session.commit()
    auth.login("renshi")
    page = client.get(f"/roster/schools/{school.id}").get_data(as_text=True)
    assert "超编2人" in page and "缺编1人" in page
    register = client.get("/roster/schools").get_data(as_text=True)
    assert "超编1" in register  # +2 in math, -1 in Chinese


TIERS = [
    ("9 strong of 30 is 30%: allowed", 9, 30, False),
    ("10 of 30 is over", 10, 30, True),
    ("3 of 10", 3, 10, False),
    ("0 schools", 0, 0, False),
]


@pytest.mark.parametrize(("case", "count", "total", "over"), TIERS, ids=[t[0] for t in TIERS])
def test_strong_and_weak_schools_each_at_most_thirty_percent(case, count, total, over):
    assert tier_share_over(count, total) is over


RATINGS = [
    ("never rated", None, True),
    ("rated exactly three years ago", dt.date(2024, 3, 1), True),
    ("one day short of three years", dt.date(2024, 3, 2), False),
    ("rated on 29 February", dt.date(2024, 2, 29), True),  # due on 2027-02-28
]


@pytest.mark.parametrize(("case", "rated", "due"), RATINGS, ids=[r[0] for r in RATINGS])
def test_a_tier_is_re_rated_every_three_years(case, rated, due):
    assert rating_due(rated, TODAY) is due


def test_the_register_checks_read_the_whole_district(app):
    rows = [HEADER] + [
        _row(
            f"S{k:02d}",
            f"学校{k}",
            tier=("优质" if k < 4 else "一般"),
            rated=("2023-07-01" if k == 9 else "2025-07-01"),
            core="否",
        )
        for k in range(10)
    ]
    import_schools(_csv(rows), "s.csv", today=TODAY)
    checks = {c.message.split("所")[0]: c for c in register_checks(TODAY)}
    strong = next(c for c in register_checks(TODAY) if c.message.startswith("优质学校"))
    weak = next(c for c in register_checks(TODAY) if c.message.startswith("薄弱学校"))
    due = register_checks(TODAY)[-1]
    assert strong.level == "warn" and "4所，占40.0%" in strong.message  # 4 of 10: over 30%
    assert weak.level == "ok" and due.level == "warn" and "学校9" in due.message
    assert checks


def test_the_bureau_registers_and_edits_a_school_on_the_page(app, client, auth):
    gen_user("bureau", username="renshi")
    db.session.commit()
    auth.login("renshi")
    form = {
        "code": "N01",
        "name": "新建小学",
        "stage": "primary",
        "tier": "weak",
        "tier_rated_on": "2026-07-01",
        "zone": "东片区",
        "locality": "rural",
        "alliance": "",
        "paired_code": "",
        "leadership_size": "4",
    }
    page = client.post("/roster/schools/new", data=form, follow_redirects=True).get_data(as_text=True)
    assert "已登记新建小学" in page
    school = db.session.scalar(select(School).where(School.code == "N01"))
    assert school.rural and school.locality == "rural"
    again = client.post("/roster/schools/new", data={**form, "name": "另一所"}, follow_redirects=True).get_data(
        as_text=True
    )
    assert "已被新建小学使用" in again
    core = client.post(
        f"/roster/schools/{school.id}/edit", data={**form, "alliance_core": "y"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "须填写所属教育集团" in core
    client.post(f"/roster/schools/{school.id}/edit", data={**form, "tier": "ordinary"}, follow_redirects=True)
    db.session.expire_all()
    assert db.session.get(School, school.id).tier == "ordinary"
    with pytest.raises(Refused):
        save_school(None, {"code": "N01", "name": "x"}, "")
    db.session.rollback()


def test_import_schools_command_is_all_or_nothing(database_url, tmp_path):
    from flask_migrate import upgrade

    from tests.conftest import make_app

    app = make_app(database_url, tmp_path)
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        db.engine.dispose()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "MATCHAPP_ENV": "development",
        "MATCHAPP_INSTANCE": str(tmp_path),
    }
    bad = tmp_path / "bad.csv"
    bad.write_bytes(_csv([HEADER, _row(), _row("S02", "小学", tier="重点")]))
    done = subprocess.run(
        [sys.executable, "-m", "matchapp", "import-schools", str(bad)], env=env, capture_output=True, text=True
    )
    assert done.returncode == 2 and "第3行「类别」" in done.stderr and "nothing imported" in done.stderr
    good = tmp_path / "good.csv"
    good.write_bytes(_csv([HEADER, _row(), _row("S02", "小学", core="否")]))
    staffing = tmp_path / "staffing.csv"
    staffing.write_bytes(_csv([["学校代码", "学科", "编制数", "在岗数"], ["S02", "数学", "3", "4"]]))
    done = subprocess.run(
        [sys.executable, "-m", "matchapp", "import-schools", str(good), "--staffing", str(staffing)],
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert "2 new" in done.stdout and "1 new" in done.stdout
    with app.app_context():
        assert db.session.scalar(select(func.count(School.id))) == 2
        assert db.session.scalar(select(Staffing.in_post)) == 4
        db.session.remove()
        db.drop_all()
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        db.engine.dispose()
