"""``matchapp eligibility ROSTER --preset P --year YYYY [--json] [--schools FILE]``: a bureau checks its
own roster before importing anything — each teacher's status and reason in words, each school's
quota; the same reader and checks as ``import-roster``; no database, nothing written; a bad file
gets one line per problem and exit status 2."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from matchapp.core.imports import ImportRefused
from matchapp.preparation.offline import check_roster
from matchapp.roster.importer import HEADERS
from matchapp.web_cli import cli

ROOT = Path(__file__).resolve().parents[2]
TODAY = dt.date(2026, 11, 22)


def _row(**cells) -> list[str]:
    base = {
        "工号": "T1",
        "姓名": "王芳",
        "性别": "女",
        "出生日期": "1985-03-12",
        "学校代码": "S01",
        "学科": "数学",
        "职称": "中级",
        "职称取得时间": "2012-09-01",
        "学历": "本科",
        "骨干教师": "否",
        "到本校任教时间": "2015-09-01",
    }
    base.update(cells)
    return [base.get(h, "") for h in HEADERS]


# Dalian (000 篇三): 9 years, "男55周岁及以下，女50周岁及以下", cutoff 8-31 (the seed names none).
ROSTER = [
    _row(工号="D01", 姓名="王芳", 出生日期="1977-08-31", 到本校任教时间="2018-08-31"),  # a woman of 50, 9 years
    _row(工号="D02", 姓名="李强", 性别="男", 出生日期="1971-08-31", 到本校任教时间="2010-09-01"),  # 56
    _row(工号="D03", 姓名="赵敏", 到本校任教时间="2018-09-01"),  # 9 years less a day
    _row(工号="D04", 姓名="张伟", 性别="男", 出生日期="1972-08-31", 学校代码="S02", 到本校任教时间="2005-09-01"),
    _row(
        工号="D05",
        姓名="孙校长",
        性别="男",
        出生日期="1975-01-01",
        学校代码="S02",
        到本校任教时间="2005-09-01",
        行政职务="校长",
        任现职时间="2016-09-01",
    ),
]


def _csv(path: Path, rows, header=HEADERS) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _run(*args, cwd: Path) -> subprocess.CompletedProcess:
    """The real command, in a process with no database and no configuration at all."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY", "REDIS_URL")}
    env["MATCHAPP_ENV"] = "production"  # would refuse to build the app without SECRET_KEY
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "matchapp", "eligibility", *args], capture_output=True, text=True, cwd=cwd, env=env
    )


def test_each_teacher_s_status_and_reason_and_each_school_s_quota(tmp_path):
    roster = _csv(tmp_path / "名册.csv", ROSTER)
    done = _run(str(roster), "--preset", "dalian", "--year", "2027", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "大连 · 2027年度 · 年限与年龄计算至 2027-08-31 · 名册.csv：5名教师，2所学校" in out
    assert "D01 王芳 数学 应交流：在本校连续任教9年，已满9年" in out  # no 5-years-to-retirement rule
    assert "D02 李强 数学 不列入：在本校连续任教16年，已满9年；年龄56岁，超过男教师55周岁的上限" in out
    assert "D03 赵敏 数学 不列入：在本校连续任教8年，未满9年" in out
    assert "D04 张伟 数学 应交流" in out  # a man of exactly 55: "及以下"
    assert "D05 孙校长 数学 应交流（校级领导）：校级领导（校长）任现职10年，已满9年" in out
    assert "S01（类别、城乡类型未知" in out and "交流名额1人（10%）；若为城镇学校或优质学校：1人（15%）" in out
    assert list(tmp_path.iterdir()) == [roster]  # nothing written, no database file


def test_json_output(tmp_path):
    roster = _csv(tmp_path / "r.csv", ROSTER)
    done = _run(str(roster), "--preset", "haikou", "--year", "2027", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert (doc["preset"], doc["year"], doc["cutoff"]) == ("haikou", 2027, "2027-08-31")
    teachers = {t["staff_no"]: t for s in doc["schools"] for t in s["teachers"]}
    # 海口中心学校: "男55周岁以上…不作为对象" — a man of exactly 55 is not due ("以上" includes 55).
    assert teachers["D04"]["status"] == "not_eligible" and "不作为对象" in teachers["D04"]["reasons"][-1]
    assert teachers["D01"]["status"] == "not_eligible" and teachers["D01"]["age"] == 50
    # "中层管理干部、教导主任轮岗交流方案另行制定": leaders are not judged by the teachers' rules.
    assert teachers["D05"]["track"] == "leader" and teachers["D05"]["years_in_post"] is None
    assert teachers["D05"]["status"] == "not_eligible" and "另行安排" in teachers["D05"]["reasons"][0]
    assert all(s["quota"] is None for s in doc["schools"])  # no share in that plan


def test_a_school_register_gives_each_school_its_own_rate(tmp_path):
    roster = _csv(tmp_path / "r.csv", ROSTER)
    register = tmp_path / "学校.csv"
    with register.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["学校代码", "学校名称", "学段", "类别", "片区", "城乡类型"])
        writer.writerow(["S01", "第一中学", "初中", "一般", "东片区", "城区"])  # urban, not strong: 15%
        writer.writerow(["S02", "村小", "小学", "一般", "东片区", "农村"])
    result = CliRunner().invoke(
        cli, ["eligibility", str(roster), "--preset", "dalian", "--year", "2027", "--schools", str(register)]
    )
    assert result.exit_code == 0, result.output
    assert "S01 第一中学（一般、城区）：应交流对象1人，交流名额1人（15%）" in result.output
    assert "S02 村小（一般、农村）：应交流对象1人，交流名额1人（10%）" in result.output


def test_a_bad_file_gives_one_line_per_problem_and_exit_2(tmp_path):
    bad = _csv(tmp_path / "bad.csv", [_row(性别="F"), _row(工号="T2", 出生日期="1985-13-01", 学科="书法")])
    done = _run(str(bad), "--preset", "changzhou", "--year", "2027", cwd=tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert lines == [
        "bad.csv: 第2行「性别」：“F”应为“男”或“女”",
        "bad.csv: 第3行「出生日期」：“1985-13-01”不是有效日期（应如 2015-09-01）",
        f"bad.csv: 第3行「学科」：“书法”不在可选范围内（{'、'.join(__import__('matchapp.core.vocab', fromlist=['x']).SUBJECT_BY_NAME)}）",
    ]


def test_a_school_the_register_does_not_have_is_a_problem_of_the_roster(tmp_path):
    roster = _csv(tmp_path / "r.csv", [_row(学校代码="S09")])
    register = tmp_path / "s.csv"
    register.write_text("学校代码,学校名称,学段,类别,片区,城乡类型\nS01,第一中学,初中,优质,东,城区\n", encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["eligibility", str(roster), "--preset", "dalian", "--year", "2027", "--schools", str(register)]
    )
    assert result.exit_code == 2 and "r.csv: 第2行「学校代码」：“S09”不是已登记的学校" in result.output


def test_a_bad_register_names_the_register(tmp_path):
    roster = _csv(tmp_path / "r.csv", ROSTER)
    register = tmp_path / "s.csv"
    register.write_text("学校代码,学校名称,学段,类别,片区,城乡类型\nS01,第一中学,初中,很好,东,城区\n", encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["eligibility", str(roster), "--preset", "dalian", "--year", "2027", "--schools", str(register)]
    )
    assert result.exit_code == 2 and "s.csv: 第2行「类别」：“很好”不在可选范围内" in result.output


def test_an_unknown_preset_or_year_is_refused_by_the_command_line(tmp_path):
    roster = _csv(tmp_path / "r.csv", ROSTER)
    runner = CliRunner()
    assert runner.invoke(cli, ["eligibility", str(roster), "--preset", "beijing", "--year", "2027"]).exit_code == 2
    assert runner.invoke(cli, ["eligibility", str(roster), "--preset", "dalian", "--year", "27"]).exit_code == 2


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.lists(
            st.one_of(st.text(max_size=10), st.sampled_from(["S01", "男", "女", "数学", "1980-01-01", "是", "中级"])),
            min_size=0,
            max_size=len(HEADERS) + 1,
        ),
        max_size=6,
    ),
    st.sampled_from(["changzhou", "ganzhou", "dalian", "datong", "district", "haikou"]),
)
def test_any_roster_is_either_judged_or_refused_with_its_problems(rows, name):
    out = io.StringIO()
    csv.writer(out).writerows([HEADERS, *rows])
    try:
        result = check_roster(out.getvalue().encode("utf-8", "surrogatepass"), "r.csv", name, 2027, today=TODAY)
    except ImportRefused as refused:
        assert refused.report.problems and all(str(p) for p in refused.report.problems)
    else:
        assert result.teachers == sum(1 for r in rows if any(c.strip() for c in r))
        assert all(a.status in ("eligible", "not_eligible") and a.text for s in result.schools for a in s.teachers)


@pytest.mark.parametrize("name", ["changzhou", "ganzhou", "dalian", "datong", "district", "haikou"])
def test_every_preset_judges_the_same_roster(tmp_path, name):
    data = io.StringIO()
    csv.writer(data).writerows([HEADERS, *ROSTER])
    result = check_roster(data.getvalue().encode(), "r.csv", name, 2027, today=TODAY)
    assert result.teachers == 5 and [s.code for s in result.schools] == ["S01", "S02"]
