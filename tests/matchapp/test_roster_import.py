"""Roster import: every kind of error, in both file types and both encodings; all or nothing."""

import csv
import datetime as dt
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import IllegalCharacterError
from sqlalchemy import func, select

from matchapp.core.audit import AuditLog
from matchapp.extensions import db
from matchapp.roster.importer import EXAMPLE, HEADERS, ImportRefused, import_roster, template_workbook
from matchapp.roster.models import Teacher
from tests.factories import gen_school

TODAY = dt.date(2026, 11, 22)


def row(**changes):
    values = dict(zip(HEADERS, EXAMPLE))
    values.update(changes)
    return [values[h] for h in HEADERS]


def as_xlsx(rows, header=HEADERS):
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for r in rows:
        sheet.append(r)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), "名册.xlsx"


def as_csv(rows, encoding="utf-8", header=HEADERS):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding), "名册.csv"


FORMATS = {
    "xlsx": as_xlsx,
    "csv-utf8": lambda rows, **kw: as_csv(rows, "utf-8", **kw),
    "csv-gbk": lambda rows, **kw: as_csv(rows, "gbk", **kw),
}


@pytest.fixture
def schools(app):
    s1, s2 = gen_school(code="S01", name="第一中学"), gen_school(code="S02", name="湖塘中学")
    db.session.commit()
    return s1, s2


def _count():
    return db.session.scalar(select(func.count(Teacher.id)))


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_good_file_imports_and_a_second_import_changes_nothing(schools, fmt):
    rows = [row(工号="CZ1", 姓名="王芳"), row(工号="CZ2", 姓名="李强", 性别="男", 学校代码="S02", 学科="语文")]
    data, name = FORMATS[fmt](rows)
    report = import_roster(data, name, today=TODAY)
    db.session.commit()
    assert (report.created, report.updated, report.unchanged) == (2, 0, 0)
    teacher = db.session.scalar(select(Teacher).where(Teacher.staff_no == "CZ2"))
    assert (teacher.name, teacher.gender, teacher.subject, teacher.school.code) == ("李强", "M", "chinese", "S02")
    assert teacher.title == "intermediate" and teacher.backbone and teacher.birth_date == dt.date(1985, 3, 12)
    audit_rows = db.session.scalar(select(func.count(AuditLog.id)))
    again = import_roster(data, name, today=TODAY)
    db.session.commit()
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert db.session.scalar(select(func.count(AuditLog.id))) == audit_rows  # nothing changed, nothing logged


def test_a_changed_row_updates_that_teacher_and_is_audited(schools):
    import_roster(*as_xlsx([row(工号="CZ1")]), today=TODAY)
    db.session.commit()
    report = import_roster(*as_xlsx([row(工号="CZ1", 职称="高级", 学历="硕士")]), today=TODAY)
    db.session.commit()
    assert (report.created, report.updated) == (0, 1)
    log = db.session.scalars(select(AuditLog).where(AuditLog.entity == "teachers", AuditLog.action == "update")).one()
    assert log.before == {"title": "intermediate", "education": "bachelor"}
    assert log.after == {"title": "senior", "education": "master"}


# (what is wrong, the row's changes, the column named, words of the message)
BAD = [
    ("missing name", {"姓名": ""}, "姓名", "必填"),
    ("bad gender", {"性别": "M"}, "性别", "应为“男”或“女”"),
    ("bad date", {"出生日期": "1985-13-40"}, "出生日期", "不是有效日期"),
    ("future date", {"到本校任教时间": "2031-09-01"}, "到本校任教时间", "晚于今天"),
    ("unknown school", {"学校代码": "S99"}, "学校代码", "不是已登记的学校"),
    ("unknown subject", {"学科": "书法"}, "学科", "不在可选范围内"),
    ("unknown title", {"职称": "特级"}, "职称", "不在可选范围内"),
    ("unknown education", {"学历": "中专"}, "学历", "不在可选范围内"),
    ("bad backbone flag", {"骨干教师": "也许"}, "骨干教师", "应为“是”或“否”"),
    ("bad staff number", {"工号": "CZ 1"}, "工号", "格式不对"),
    ("start before birth", {"到本校任教时间": "1980-09-01"}, "到本校任教时间", "早于出生日期"),
    # seed 000 篇一 "先评审取得资格并先聘任": an appointment never precedes the qualification
    ("appointed before qualified", {"职称聘任时间": "2011-09-01"}, "职称聘任时间", "早于职称取得时间"),
    ("bad appointment date", {"职称聘任时间": "2013-02-30"}, "职称聘任时间", "不是有效日期"),
    ("a leader's post before birth", {"行政职务": "副校长", "任现职时间": "1980-09-01"}, "任现职时间", "早于出生日期"),
    ("a post date without a post", {"任现职时间": "2018-09-01"}, "任现职时间", "请同时填写行政职务"),
]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("what,changes,column,words", BAD, ids=[b[0] for b in BAD])
def test_each_kind_of_error_names_row_and_column_and_writes_nothing(schools, fmt, what, changes, column, words):
    rows = [row(工号="OK1"), row(工号="BAD", **{k: v for k, v in changes.items() if k != "工号"})]
    if "工号" in changes:
        rows[1] = row(**changes)
    with pytest.raises(ImportRefused) as refused:
        import_roster(*FORMATS[fmt](rows), today=TODAY)
    problems = refused.value.report.problems
    assert any(p.row == 3 and p.column == column and words in p.message for p in problems), problems
    assert "第3行" in str(problems[0]) and f"「{column}」" in str(problems[0])
    db.session.rollback()
    assert _count() == 0  # the good row was not written either


def test_the_appointment_date_and_a_leader_s_post_date_are_imported(schools):
    rows = [
        row(工号="T1", 职称聘任时间="2013-09-01"),
        row(工号="T2", 行政职务="副校长", 任现职时间="2018年9月1日"),
        row(工号="T3", 职称聘任时间="", 任现职时间=""),
    ]
    report = import_roster(*as_xlsx(rows), today=TODAY)
    assert report.created == 3
    teachers = {t.staff_no: t for t in db.session.scalars(select(Teacher))}
    assert (teachers["T1"].title_date, teachers["T1"].title_appointed_on) == (dt.date(2012, 9, 1), dt.date(2013, 9, 1))
    assert (teachers["T2"].leadership_role, teachers["T2"].leader_since) == ("副校长", dt.date(2018, 9, 1))
    assert teachers["T3"].title_appointed_on is None and teachers["T3"].leader_since is None


def test_a_roster_without_the_new_columns_still_imports(schools):
    header = [h for h in HEADERS if h not in ("职称聘任时间", "任现职时间")]
    rows = [[v for h, v in zip(HEADERS, row(工号="OLD1")) if h in header]]
    assert import_roster(*as_csv(rows, header=header), today=TODAY).created == 1


@pytest.mark.parametrize("fmt", FORMATS)
def test_duplicate_staff_number_in_the_file(schools, fmt):
    with pytest.raises(ImportRefused) as refused:
        import_roster(*FORMATS[fmt]([row(工号="CZ7"), row(工号="CZ8"), row(工号="CZ7")]), today=TODAY)
    (problem,) = refused.value.report.problems
    assert (problem.row, problem.column) == (4, "工号") and "与第2行重复" in problem.message


def test_staff_number_of_another_person_in_the_database(schools):
    import_roster(*as_xlsx([row(工号="CZ1", 姓名="王芳", 出生日期="1985-03-12")]), today=TODAY)
    db.session.commit()
    with pytest.raises(ImportRefused) as refused:
        import_roster(*as_xlsx([row(工号="CZ1", 姓名="赵敏", 出生日期="1990-01-01")]), today=TODAY)
    assert "已属于王芳" in refused.value.report.problems[0].message


def test_a_school_imports_only_its_own_staff(schools):
    s1, s2 = schools
    import_roster(*as_xlsx([row(工号="CZ1", 学校代码="S02")]), today=TODAY)
    db.session.commit()
    with pytest.raises(ImportRefused) as refused:
        import_roster(
            *as_xlsx([row(工号="CZ5", 学校代码="S02"), row(工号="CZ1", 学校代码="S01")]), only_school=s1, today=TODAY
        )
    messages = [p.message for p in refused.value.report.problems]
    assert any("不是本校" in m for m in messages) and any("其他学校的教师" in m for m in messages)


def test_missing_columns_and_wrong_files(schools):
    with pytest.raises(ImportRefused) as refused:
        import_roster(*as_csv([["CZ1", "王芳"]], header=["工号", "姓名"]), today=TODAY)
    assert {p.column for p in refused.value.report.problems} >= {"性别", "学校代码", "学科"}
    for data, name, words in [
        (b"not a zip", "x.xlsx", "不是有效的 .xlsx"),
        (b"PK\x03\x04garbage", "x.xlsx", "无法读取"),
        (b"a,b", "x.txt", "只接受"),
        (b"", "x.csv", "空的"),
    ]:
        with pytest.raises(ImportRefused) as refused:
            import_roster(data, name, today=TODAY)
        assert words in refused.value.report.problems[0].message


def test_template_has_chinese_headers_and_imports_as_is(schools):
    book = load_workbook(io.BytesIO(template_workbook()))
    assert [c.value for c in book["教师名册"][1]] == HEADERS
    assert book.sheetnames == ["教师名册", "填写说明"]
    report = import_roster(template_workbook(), "模板.xlsx", today=TODAY)
    assert report.created == 1


def test_dates_in_chinese_and_slashed_forms(schools):
    import_roster(*as_csv([row(工号="CZ1", 出生日期="1985年3月12日", 到本校任教时间="2016/9/1")]), today=TODAY)
    teacher = db.session.scalar(select(Teacher))
    assert teacher.birth_date == dt.date(1985, 3, 12) and teacher.started_at_school == dt.date(2016, 9, 1)


cells = st.one_of(st.text(max_size=12), st.sampled_from(EXAMPLE + ["", "男", "女", "S02", "2020-02-30", "是", "否"]))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(st.lists(cells, min_size=0, max_size=len(HEADERS) + 2), min_size=0, max_size=4),
    fmt=st.sampled_from(["xlsx", "csv-utf8"]),
    header=st.booleans(),
)
def test_arbitrary_cells_never_crash_and_never_half_write(schools, rows, fmt, header):
    before = _count()
    head = HEADERS if header else HEADERS[::-1]
    try:
        data, name = FORMATS[fmt](rows, header=head)
    except (ValueError, UnicodeEncodeError, IllegalCharacterError):  # the writer refuses it: not our input
        return
    try:
        report = import_roster(data, name, today=TODAY)
    except ImportRefused as refused:
        assert refused.report.problems and all(str(p) for p in refused.report.problems)
        db.session.rollback()
        assert _count() == before
    else:
        assert _count() - before == report.created
        db.session.rollback()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=300), st.sampled_from(["a.xlsx", "a.csv"]))
def test_arbitrary_bytes_are_refused_cleanly(schools, data, name):
    try:
        import_roster(data, name, today=TODAY)
    except ImportRefused as refused:
        assert refused.report.problems
    db.session.rollback()
    assert _count() == 0
