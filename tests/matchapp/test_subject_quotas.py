"""Quotas by school and subject: seed 000 篇一 (Ganzhou) "分学科下达交流轮岗指标", "学校根据区教育局
下达的各学科交流轮岗指标和确定原则…提出交流轮岗推荐意见"; seed 002 方案1 (Datong) "下达各学校应交流的
学科及交流名额指标". Issued, edited on a page, exported and imported; the lists follow them."""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from sqlalchemy import func, select

from matchapp.core.audit import AuditLog
from matchapp.core.imports import ImportRefused
from matchapp.extensions import db
from matchapp.preparation.checks import policy_checks
from matchapp.preparation.models import Outgoing, SubjectQuota
from matchapp.preparation.outgoing import apply_ordering_rule, volunteer
from matchapp.preparation.quotas import school_quota
from matchapp.preparation.subject_quotas import (
    import_subject_quotas,
    parse_quota_cells,
    propose_subject_quotas,
    quota_sheet,
    set_subject_quotas,
    share_by_subject,
)
from tests.factories import gen_round, gen_school, gen_teacher, gen_user

DUE = {"started_at_school": dt.date(2012, 9, 1), "birth_date": dt.date(1985, 1, 1)}


def _school(math=10, chinese=5, music=0, **school):
    s = gen_school(**school)
    for subject, n in (("math", math), ("chinese", chinese), ("music", music)):
        for _ in range(n):
            gen_teacher(s, subject=subject, **DUE)
    return s


# -- sharing a school's quota among its subjects ----------------------------------------------------

SHARES = [
    ("in proportion", 3, {"math": 10, "chinese": 5}, {"chinese": 1, "math": 2}),
    (
        "largest remainder, ties by subject order",
        3,
        {"math": 4, "chinese": 5, "music": 1},
        {"chinese": 2, "math": 1, "music": 0},
    ),
    ("never more than a subject has", 5, {"math": 1, "chinese": 2}, {"chinese": 2, "math": 1}),
    ("nothing due", 2, {}, {}),
    ("a quota of 0", 0, {"math": 3}, {"math": 0}),
]


@pytest.mark.parametrize(("case", "total", "due", "expected"), SHARES, ids=[c[0] for c in SHARES])
def test_a_school_quota_is_shared_by_the_teachers_due(case, total, due, expected):
    assert share_by_subject(total, due) == expected


@given(
    st.integers(0, 60), st.dictionaries(st.sampled_from(["math", "chinese", "music", "pe", "art"]), st.integers(0, 30))
)
def test_sharing_always_adds_up_and_never_exceeds_a_subject(total, due):
    shares = share_by_subject(total, due)
    assert sum(shares.values()) == min(total, sum(due.values()))
    assert all(0 <= shares[s] <= due[s] for s in due)


# -- the page's cells --------------------------------------------------------------------------------


@given(st.dictionaries(st.text(max_size=20), st.text(max_size=12), max_size=12))
def test_any_form_never_crashes_the_cell_parser(form):
    values, problems = parse_quota_cells(form)
    assert all(0 <= v <= 500 for v in values.values())
    assert all(isinstance(p, str) and p for p in problems)


@given(
    st.integers(1, 10**6),
    st.sampled_from(["math", "chinese"]),
    st.one_of(st.integers(-5, 600).map(str), st.text(max_size=6)),
)
def test_a_cell_is_a_whole_number_from_0_to_500_or_a_named_problem(school_id, subject, text):
    values, problems = parse_quota_cells({f"q-{school_id}-{subject}": text})
    cleaned = unicodedata.normalize("NFKC", text).strip()
    ok = cleaned == "" or (re.fullmatch(r"[0-9]{1,3}", cleaned) is not None and int(cleaned) <= 500)
    assert bool(problems) is (not ok)
    if ok:
        assert values == {(school_id, subject): int(cleaned or 0)}
    else:
        assert values == {} and "应为0到500的整数" in problems[0]


def test_the_bureau_issues_and_edits_quotas_by_subject_on_the_page(app, client, auth):
    round_ = gen_round(2027, "ganzhou")  # 20% "不低于": 15 due -> 3
    school = _school(math=10, chinese=5)
    gen_user("bureau", username="renshi")
    db.session.commit()
    auth.login("renshi")
    page = client.post(f"/rounds/{round_.id}/subject-quotas/propose", follow_redirects=True).get_data(as_text=True)
    assert "已为1所学校" in page
    issued = {q.subject: q.count for q in db.session.scalars(select(SubjectQuota))}
    assert issued == {"math": 2, "chinese": 1}
    page = client.get(f"/rounds/{round_.id}/subject-quotas").get_data(as_text=True)
    assert f'name="q-{school.id}-math" value="2"' in page and "各校各学科名额之和均等于学校交流名额" in page
    # The bureau raises math: the total (4) no longer equals the school's quota (3): flagged.
    page = client.post(
        f"/rounds/{round_.id}/subject-quotas",
        data={f"q-{school.id}-math": "3", f"q-{school.id}-chinese": "1"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "已保存分学科交流名额（1项有变化）" in page and "1所学校各学科名额之和与学校交流名额不一致" in page
    log = db.session.scalars(select(AuditLog).where(AuditLog.entity == "subject_quotas")).all()[-1]
    assert log.actor == "renshi" and log.after == {"count": 3}
    # A bad cell is refused and nothing changes.
    page = client.post(
        f"/rounds/{round_.id}/subject-quotas",
        data={f"q-{school.id}-math": "-1", f"q-{school.id}-chinese": "2"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "应为0到500的整数" in page
    assert {q.subject: q.count for q in db.session.scalars(select(SubjectQuota))} == {"math": 3, "chinese": 1}


def test_a_school_cannot_edit_the_quotas(app, client, auth):
    round_ = gen_round(2027, "ganzhou")
    school = _school()
    gen_user("school", username="jia", school_id=school.id)
    db.session.commit()
    auth.login("jia")
    assert client.get(f"/rounds/{round_.id}/subject-quotas").status_code == 403
    assert client.post(f"/rounds/{round_.id}/subject-quotas", data={f"q-{school.id}-math": "9"}).status_code == 403
    assert db.session.scalar(select(func.count(SubjectQuota.id))) == 0


# -- the lists follow them ----------------------------------------------------------------------------


def test_the_ordering_rule_fills_each_subject_to_its_quota(app):
    round_ = gen_round(2027, "ganzhou")
    school = _school(math=10, chinese=5, music=2)
    set_subject_quotas(round_, {(school.id, "math"): 1, (school.id, "chinese"): 2})
    music_teacher = next(t for t in school.teachers if t.subject == "music")
    volunteer(round_, music_teacher)
    final = apply_ordering_rule(round_, school)
    by_subject = {}
    for o in final:
        by_subject[o.teacher.subject] = by_subject.get(o.teacher.subject, 0) + 1
    assert by_subject == {"math": 1, "chinese": 2}  # music has no quota: its volunteer waits
    entry = db.session.scalar(select(Outgoing).where(Outgoing.teacher_id == music_teacher.id))
    assert not entry.confirmed and "超过名额" in entry.note
    q = school_quota(round_, school)
    assert q.subject_shortfalls() == {} and q.listed_by_subject == {"math": 1, "chinese": 2}


def test_a_policy_by_school_ignores_subject_quotas_in_the_rule(app):
    round_ = gen_round(2027, "changzhou")  # 15% of 15 = 2.25 -> 2, by school
    school = _school(math=10, chinese=5)
    set_subject_quotas(round_, {(school.id, "chinese"): 2})
    final = apply_ordering_rule(round_, school)
    assert len(final) == 2


def test_the_checks_name_subjects_below_their_quota(app):
    round_ = gen_round(2027, "datong")
    school = _school(math=4, chinese=4)
    set_subject_quotas(round_, {(school.id, "math"): 2, (school.id, "chinese"): 1})
    messages = [w.message for w in policy_checks(round_)]
    assert any("1所学校有学科流出人数未达该学科名额，共差3人" in m for m in messages)
    apply_ordering_rule(round_, school)
    messages = [w.message for w in policy_checks(round_)]
    assert any("各校各学科流出人数均已达到学科名额" in m for m in messages)


# -- the spreadsheet ------------------------------------------------------------------------------------


def _xlsx(rows):
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _csv(rows):
    import csv

    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8", "surrogatepass")


def test_the_exported_sheet_imports_back_unchanged_and_an_edit_updates(app):
    round_ = gen_round(2027, "ganzhou")
    a, b = _school(code="A01", name="甲校"), _school(math=3, chinese=0, code="B01", name="乙校")
    propose_subject_quotas(round_)
    rows = quota_sheet(round_)
    assert rows[0] == ["学校代码", "学校", "学科", "应交流人数", "交流名额"]
    assert ["A01", "甲校", "数学", 10, 2] in rows and ["B01", "乙校", "数学", 3, 1] in rows
    report = import_subject_quotas(round_, _xlsx(rows), "名额.xlsx")
    assert (report.created, report.updated, report.unchanged) == (0, 0, len(rows) - 1)
    assert rows[1][:3] == ["A01", "甲校", "语文"]
    rows[1][4] = 5
    report = import_subject_quotas(round_, _xlsx(rows), "名额.xlsx")
    assert (report.created, report.updated) == (0, 1)
    issued = {(q.school_id, q.subject): q.count for q in db.session.scalars(select(SubjectQuota))}
    assert issued == {(a.id, "chinese"): 5, (a.id, "math"): 2, (b.id, "math"): 1}


BAD_ROWS = [
    ("an unknown school", ["Z99", "", "数学", "", "1"], "学校代码", "不是已登记的学校"),
    ("an unknown subject", ["A01", "", "书法", "", "1"], "学科", "不在可选范围内"),
    ("a negative count", ["A01", "", "数学", "", "-1"], "交流名额", "应为0到500的整数"),
    ("a count too large", ["A01", "", "数学", "", "501"], "交流名额", "应为0到500的整数"),
    ("a blank count", ["A01", "", "数学", "", ""], "交流名额", "应为0到500的整数"),
]


@pytest.mark.parametrize(("case", "row", "column", "words"), BAD_ROWS, ids=[c[0] for c in BAD_ROWS])
def test_a_bad_row_names_row_and_column_and_nothing_is_written(app, case, row, column, words):
    round_ = gen_round(2027, "ganzhou")
    _school(code="A01")
    header = ["学校代码", "学校", "学科", "应交流人数", "交流名额"]
    with pytest.raises(ImportRefused) as refused:
        import_subject_quotas(round_, _xlsx([header, ["A01", "", "语文", "", "1"], row]), "名额.xlsx")
    problems = refused.value.report.problems
    assert any(p.row == 3 and p.column == column and words in p.message for p in problems), problems
    db.session.rollback()
    assert db.session.scalar(select(func.count(SubjectQuota.id))) == 0  # the good row neither


def test_the_same_school_and_subject_twice_is_refused(app):
    round_ = gen_round(2027, "ganzhou")
    _school(code="A01")
    header = ["学校代码", "学科", "交流名额"]
    with pytest.raises(ImportRefused) as refused:
        import_subject_quotas(round_, _xlsx([header, ["A01", "数学", "1"], ["A01", "数学", "2"]]), "名额.xlsx")
    assert "与第2行重复" in str(refused.value.report.problems[0])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(
        st.lists(st.one_of(st.text(max_size=8), st.sampled_from(["A01", "数学", "语文", "1", "0", "500"])), max_size=5),
        max_size=6,
    )
)
def test_arbitrary_cells_never_crash_and_never_half_write(app, rows):
    from matchapp.roster.models import School
    from matchapp.rounds.models import Round

    round_ = db.session.scalar(select(Round).where(Round.year == 2027)) or gen_round(2027, "ganzhou")
    if db.session.scalar(select(School).where(School.code == "A01")) is None:
        _school(code="A01")
    db.session.commit()
    header = ["学校代码", "学校", "学科", "应交流人数", "交流名额"]
    before = {(q.school_id, q.subject): q.count for q in db.session.scalars(select(SubjectQuota))}
    try:
        import_subject_quotas(round_, _csv([header, *rows]), "名额.csv")
    except ImportRefused as refused:
        assert refused.report.problems and all(str(p) for p in refused.report.problems)
        db.session.rollback()
        after = {(q.school_id, q.subject): q.count for q in db.session.scalars(select(SubjectQuota))}
        assert after == before
    else:
        db.session.commit()
