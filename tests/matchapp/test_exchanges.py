"""Year after year (issue 12): a published exchange is taken up, lived, assessed, ended and
certified, and the record decides the next years' eligibility. Three years walked through the
services on SQLite and PostgreSQL, as a bureau would: placed in 2027 → reported → assessed → not
eligible in 2028 → the term ends in 2030 → returned or extended; no-shows and refusals with the
bureau's decision; the share of 优秀; an exemption that expired; a certificate checked on the
public page."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from matchapp.core.errors import Refused
from matchapp.exchanges.assessments import assessable, review, save_grades
from matchapp.exchanges.kinds import change_kind, counts_by_kind, set_outgoing_kind
from matchapp.exchanges.reporting import (
    confirm_reporting,
    confirm_school_reporting,
    decide,
    record_no_show,
    record_refusal,
)
from matchapp.exchanges.reports import experience_counts, experience_filters, experience_query, experience_rows
from matchapp.exchanges.terms import ending_in, extend, find_certificate, issue_certificate, return_home, stay
from matchapp.extensions import db
from matchapp.preparation import lists
from matchapp.preparation.lists import assess_school, assess_teacher
from matchapp.preparation.models import Outgoing
from matchapp.preparation.outgoing import decide_exemption, set_exemption, volunteer
from matchapp.preparation.quotas import school_quota
from matchapp.results.publication import publish
from matchapp.roster.history import carry_over, staff_marks
from matchapp.roster.models import ExchangeRecord, School, Teacher
from matchapp.rounds.models import Round
from matchapp.rounds.services import create_round
from matchapp.runs.assignment import confirm_assignment
from tests.factories import gen_round, gen_school, gen_teacher, gen_user
from tests.matchapp.test_fair import _run_whole_fair

ON_TIME = dt.date(2027, 8, 30)  # the reporting day of the 2027 round is 08-31


def _published(**policy):
    """The fair of test_fair published in 2027 under Changzhou's rules (or ``policy`` over them):
    six exchanges, placed."""
    round_, s, teachers, music, posts, outcome = _run_whole_fair()
    round_.policy = {**round_.policy, **policy}
    confirm_assignment(round_)
    publish(round_, now=dt.datetime(2027, 7, 10, 2))
    gen_user("bureau", username="renshi")
    db.session.commit()
    records = {r.teacher_id: r for r in db.session.scalars(select(ExchangeRecord).where(ExchangeRecord.year == 2027))}
    return round_, s, [*teachers, music], records


def _next_round(year: int, preset: str = "changzhou", **policy) -> Round:
    round_ = create_round(year, f"{year}年度", preset)
    round_.policy = {**round_.policy, **policy}
    db.session.flush()
    return round_


# -- the walk ------------------------------------------------------------------------------------


def test_three_years_placed_reported_assessed_not_due_then_returned_or_extended(app, client):
    round_, s, teachers, records = _published()
    assert {r.state for r in records.values()} == {"placed"}
    assert all(r.term_years == 3 and r.planned_return == dt.date(2030, 8, 31) for r in records.values())

    # Reporting in (报到): the bureau confirms a whole receiving school at once.
    at_d = [r for r in records.values() if r.to_school_id == s[3].id]
    done = confirm_school_reporting(round_, s[3], ON_TIME, actor="renshi", today=dt.date(2027, 9, 1))
    assert {r.id for r in done} == {r.id for r in at_d} and len(done) == 3
    first = at_d[0]
    teacher = first.teacher
    # 人走关系动 (Changzhou, seed 000 篇四): the teacher's school is the receiving school from that day.
    assert first.state == "serving" and first.relation_moved and first.home_started_at == dt.date(2015, 9, 1)
    assert teacher.school_id == s[3].id and teacher.started_at_school == ON_TIME
    assert first.events[-1].kind == "reported" and first.events[-1].reason == "按时报到"
    # The others report one by one, one of them a week late.
    rest = [r for r in records.values() if r.state == "placed"]
    confirm_reporting(rest[0], dt.date(2027, 9, 7), today=dt.date(2027, 9, 8))
    assert rest[0].events[-1].reason == "逾期7天报到"
    for r in rest[1:]:
        confirm_reporting(r, ON_TIME, today=dt.date(2027, 9, 1))
    with pytest.raises(Refused, match="交流在岗"):
        confirm_reporting(first, ON_TIME, today=dt.date(2027, 9, 1))  # twice is refused
    db.session.commit()

    # Staff lists: 交流在岗 at the receiving school, 外出交流 at home (whatever list the teacher is on).
    marks = staff_marks(s[3].id, [teacher.id])
    assert not marks[teacher.id].away
    home_marks = staff_marks(first.from_school_id, [teacher.id])
    assert home_marks[teacher.id].away

    # 2028: a teacher on exchange is not due again, and is not counted in any quota.
    round_2028 = _next_round(2028)
    item = assess_teacher(teacher, round_2028)
    assert item.status == "not_eligible" and "交流" in item.held and "2027年起" in item.text
    for school in s:
        assessed = {a.teacher.id: a for a in assess_school(round_2028, school.id)}
        assert teacher.id not in assessed or not assessed[teacher.id].eligible
        quota = school_quota(round_2028, school, list(assessed.values()))
        assert quota.eligible == sum(1 for a in assessed.values() if a.eligible)
    with pytest.raises(Refused, match="交流"):
        volunteer(round_2028, teacher, today=dt.date(2028, 5, 1))

    # Each school year the receiving school grades, the bureau approves.
    for school_year in (2027, 2028, 2029):
        for school in s:
            serving = assessable(school, school_year)
            if serving:
                save_grades(school, school_year, {r.id: ("pass", "认真履职") for r in serving}, actor="school")
                review(school, school_year, approve=True, actor="renshi")
    db.session.commit()
    assert [a.grade for a in first.assessments] == ["pass", "pass", "pass"]
    assert all(a.state == "approved" for a in first.assessments)

    # 2030: the terms end. One returns home, one is extended, one stays.
    ending = ending_in(2030)
    assert {r.id for r in ending} == {r.id for r in records.values()}
    assert ending_in(2029) == []
    with pytest.raises(Refused, match="2030年期满时再作决定"):
        return_home(first, "交流期满", actor="renshi", today=dt.date(2029, 7, 1))  # a year early
    return_home(first, "交流期满", actor="renshi", today=dt.date(2030, 7, 1))
    assert first.state == "returned" and first.ended_on == dt.date(2030, 8, 31)
    # Back on the home school's roster; its years there start again from the return (the default).
    assert teacher.school_id == first.from_school_id and teacher.started_at_school == dt.date(2030, 9, 1)
    second = at_d[1]
    extend(second, 2, "学科建设需要，本人同意", actor="renshi", on=dt.date(2030, 7, 1))
    assert second.planned_return == dt.date(2032, 8, 31) and second.extended_years == 2
    with pytest.raises(Refused, match="累计不超过3年：已延长2年，本次申请2年"):
        extend(second, 2, "再延长", actor="renshi", on=dt.date(2032, 7, 1))
    extend(second, 1, "再延长一年", actor="renshi", on=dt.date(2032, 7, 1))  # exactly 3 in all
    assert second.extended_years == 3
    third = at_d[2]
    stay(third, "本人申请，接收学校缺编", actor="renshi", today=dt.date(2030, 7, 1))
    assert third.state == "stayed" and third.teacher.school_id == s[3].id
    db.session.commit()

    # 2031: the returned teacher has 0 years at home and is not due.
    round_2031 = _next_round(2031)
    assert not assess_teacher(teacher, round_2031).eligible
    assert "在本校连续任教0年" in assess_teacher(teacher, round_2031).text

    # The certificate, verified on the public page without an account.
    issue_certificate(first, actor="renshi", on=dt.date(2030, 9, 10))
    db.session.commit()
    number = first.certificate_no
    assert number.startswith("2030-") and find_certificate(number.lower()) is first
    page = client.get(f"/certificates/verify?no={number}").get_data(as_text=True)
    assert "证书有效" in page and teacher.name in page and first.to_school.name in page
    forged = number[:-1] + ("A" if number[-1] != "A" else "B")
    page = client.get(f"/certificates/verify?no={forged}").get_data(as_text=True)
    assert "没有编号为" in page and teacher.name not in page
    with pytest.raises(Refused, match="已颁发"):
        issue_certificate(first, actor="renshi")


def test_reporting_is_refused_before_publication_day_and_in_the_future(app):
    round_, s, teachers, records = _published()
    record = next(iter(records.values()))
    with pytest.raises(Refused, match="不能早于结果公示日期"):
        confirm_reporting(record, dt.date(2027, 7, 1), today=dt.date(2027, 9, 1))
    with pytest.raises(Refused, match="不能晚于今天"):
        confirm_reporting(record, dt.date(2027, 9, 2), today=dt.date(2027, 9, 1))
    with pytest.raises(Refused, match="不在本校待报到名单"):
        confirm_school_reporting(round_, s[2], ON_TIME, [record.id + 1000], today=dt.date(2027, 9, 1))
    db.session.rollback()
    assert db.session.get(ExchangeRecord, record.id).state == "placed"


def test_personnel_relation_kept_at_home_the_teacher_serves_elsewhere(app, client, auth):
    # 人事关系保留 (seed 003 六.1, the 001 district): the roster keeps the teacher at home.
    round_, s, teachers, records = _published(personnel_relation="stays")
    record = next(r for r in records.values() if r.to_school_id == s[3].id)
    teacher, home = record.teacher, record.from_school
    confirm_reporting(record, ON_TIME, today=dt.date(2027, 9, 1))
    assert record.state == "serving" and not record.relation_moved
    assert teacher.school_id == home.id and teacher.started_at_school == dt.date(2015, 9, 1)
    gen_user("school", username="jieshou", school_id=s[3].id)
    gen_user("school", username="paichu", school_id=home.id)
    db.session.commit()
    # Both staff lists show the teacher, marked.
    auth.login("paichu")
    page = client.get(f"/roster/schools/{home.id}").get_data(as_text=True)
    assert teacher.name in page and "外出交流" in page and s[3].name in page
    auth.logout()
    auth.login("jieshou")
    page = client.get(f"/roster/schools/{s[3].id}").get_data(as_text=True)
    assert teacher.name in page and "交流在岗" in page
    # The receiving school reads the file of a teacher it does not have on its roster.
    assert client.get(f"/roster/teachers/{teacher.id}").status_code == 200
    auth.logout()
    # 2028: not due at home either, and the quota of home does not count them.
    round_2028 = _next_round(2028, personnel_relation="stays")
    assessed = {a.teacher.id: a for a in assess_school(round_2028, home.id)}
    assert assessed[teacher.id].status == "not_eligible" and "正在" in assessed[teacher.id].text
    # Return: the years at home start again from the return (policy default) …
    return_home(record, "交流期满", on=dt.date(2030, 8, 31), today=dt.date(2030, 8, 31))
    assert teacher.school_id == home.id and teacher.started_at_school == dt.date(2030, 9, 1)


@pytest.mark.parametrize("by_id", [True, False], ids=["schools-by-id", "whole-register"])
def test_the_record_names_both_ends_of_an_exchange(app, monkeypatch, by_id):
    # Eligibility reads only the schools a record names (a teacher's page: one or two); past
    # SCHOOLS_BY_ID it reads the register. Either way every school of the record has its name.
    round_, s, teachers, records = _published(personnel_relation="stays")
    record = next(r for r in records.values() if r.to_school_id == s[3].id)
    confirm_reporting(record, ON_TIME, today=dt.date(2027, 9, 1))
    if not by_id:
        monkeypatch.setattr(lists, "SCHOOLS_BY_ID", 0)
    round_2028 = _next_round(2028, personnel_relation="stays")
    history = lists.teacher_histories(round_2028, [record.teacher])[record.teacher.id]
    assert history.school_names[s[3].id] == s[3].name and history.school_name == record.from_school.name
    assert history.exchanges[0].to_school == s[3].name
    assert history.locality == record.from_school.locality
    assert set(history.school_names) >= {record.from_school_id, s[3].id}


def test_years_of_the_exchange_count_as_service_when_the_policy_says_so(app):
    # Seed 003 六.1 "其教育教学工作…年限连续计算".
    round_, s, teachers, records = _published(exchange_counts_as_service=True)
    record = next(iter(records.values()))
    teacher = record.teacher
    confirm_reporting(record, ON_TIME, today=dt.date(2027, 9, 1))
    assert teacher.started_at_school == ON_TIME  # moved (Changzhou) …
    return_home(record, "交流期满", today=dt.date(2030, 7, 1))
    assert teacher.school_id == record.from_school_id
    assert teacher.started_at_school == dt.date(2015, 9, 1)  # … and back: the years at home run on


def test_a_no_show_is_warned_after_a_week_and_treated_as_leaving_after_half_a_month(app, client, auth):
    round_, s, teachers, records = _published()
    record = next(iter(records.values()))
    with pytest.raises(Refused, match="尚未过"):
        record_no_show(record, dt.date(2027, 8, 31), "未到岗", today=dt.date(2027, 9, 1))
    event = record_no_show(record, dt.date(2027, 9, 3), "电话联系不上", actor="renshi", today=dt.date(2027, 9, 3))
    # 7 days late is not "超过一周"; 8 is.
    with pytest.raises(Refused, match="逾期未到岗7天，未超过7天"):
        decide(event, "warning", dt.date(2027, 9, 7))
    decide(event, "warning", dt.date(2027, 9, 8), note="限期三日内到岗")
    assert record.state == "placed" and event.decision == "warning"
    # Exactly half a month (15 days) is not yet "超过半个月".
    with pytest.raises(Refused, match="逾期未到岗15天，未超过半个月"):
        decide(event, "leaving", dt.date(2027, 9, 15))
    decide(event, "leaving", dt.date(2027, 9, 16), actor="renshi")
    assert record.state == "left" and event.consequences == ["leaving"] and record.ended_on == dt.date(2027, 9, 16)
    with pytest.raises(Refused):
        decide(event, "excused", dt.date(2027, 9, 20))
    db.session.commit()
    # The teacher's file shows it; next year the record holds them (not due, not listed).
    auth.login("renshi")
    page = client.get(f"/roster/teachers/{record.teacher_id}").get_data(as_text=True)
    assert "逾期未到岗，按自动离职处理" in page
    page = client.get(f"/exchanges/records/{record.id}").get_data(as_text=True)
    assert "电话联系不上" in page and "按自动离职处理，上报教育局予以除名" in page
    item = assess_teacher(record.teacher, _next_round(2028))
    assert item.status == "not_eligible" and "自动离职" in item.held


def test_a_refusal_brings_the_seeds_consequences_on_the_record(app, client, auth):
    # 000 篇二 "拒不服从者，三年内不得晋升职称、不予评先评优…年度考核确定为不合格等次"; 003 六.5 "高职低聘".
    round_, s, teachers, records = _published()
    record = next(iter(records.values()))
    event = record_refusal(record, dt.date(2027, 8, 20), "家中老人需照顾，不愿前往", today=dt.date(2027, 8, 21))
    with pytest.raises(Refused, match="请选择处理后果"):
        decide(event, "sanction", dt.date(2027, 8, 25), [])
    decide(event, "sanction", dt.date(2027, 8, 25), ["annual_fail", "no_promotion", "no_honours", "demotion"])
    assert record.state == "refused" and event.barred_until == dt.date(2030, 8, 24)
    db.session.commit()
    auth.login("renshi")
    page = client.get(f"/roster/teachers/{record.teacher_id}").get_data(as_text=True)
    assert "不得晋升职称、评优评先至" in page and "拒不服从交流" in page
    rows = experience_rows([record.teacher], round_.policy, dt.date(2028, 8, 31))
    assert rows[0].barred_until == dt.date(2030, 8, 24) and not rows[0].has_experience
    # A refusal is not an exemption: the teacher is due again next year.
    assert assess_teacher(record.teacher, _next_round(2028)).eligible


def test_an_excused_refusal_cancels_the_exchange_without_consequences(app):
    round_, s, teachers, records = _published()
    record = next(iter(records.values()))
    event = record_refusal(record, dt.date(2027, 8, 20), "确诊重病住院", today=dt.date(2027, 8, 21))
    decide(event, "excused", dt.date(2027, 8, 22))
    assert record.state == "cancelled" and event.consequences == [] and event.barred_until is None


# -- assessments: the share of 优秀 -----------------------------------------------------------------


def _serving_at(school: School, n: int, year: int = 2027) -> list[ExchangeRecord]:
    """``n`` exchange teachers serving at ``school`` since ``year``."""
    home = gen_school()
    records = []
    for _ in range(n):
        t = gen_teacher(home)
        r = ExchangeRecord(
            teacher_id=t.id,
            year=year,
            from_school_id=home.id,
            to_school_id=school.id,
            term_years=3,
            planned_return=dt.date(year + 3, 8, 31),
            state="serving",
            reported_on=dt.date(year, 8, 31),
        )
        db.session.add(r)
        records.append(r)
    db.session.flush()
    return records


@pytest.mark.parametrize(
    ("teachers", "cap"),
    [(20, 3), (19, 2), (7, 1), (6, 0), (40, 6)],
    ids=["20 teachers: exactly 3", "19: 2.85 rounds down", "7: 1.05", "6: 0.9 rounds down to none", "40: 6"],
)
def test_excellent_at_most_15_percent_per_school_exactly_at_the_cap(app, teachers, cap):
    # Seed 003 六.2 "其中优秀等次比例不超过15%": 优秀 ≤ 15% of the school's exchange teachers, rounded down.
    gen_round(2027)
    school = gen_school()
    records = _serving_at(school, teachers)
    grades = {r.id: ("excellent" if k < cap else "pass", "") for k, r in enumerate(records)}
    save_grades(school, 2027, grades)  # exactly the cap: accepted
    over = dict(grades)
    over[records[cap].id] = ("excellent", "")
    with pytest.raises(Refused) as refused:
        save_grades(school, 2027, over)
    assert f"交流教师共{teachers}人，优秀至多{cap}人，现评为优秀{cap + 1}人" in str(refused.value)
    assert "15%" in str(refused.value)


def test_grades_are_the_receiving_schools_and_the_bureau_reviews_them(app):
    gen_round(2027)
    school, elsewhere = gen_school(), gen_school()
    mine = _serving_at(school, 3)
    other = _serving_at(elsewhere, 1)
    with pytest.raises(Refused, match="不在本校交流"):
        save_grades(school, 2027, {other[0].id: ("pass", "")})
    with pytest.raises(Refused, match="考核等次只能是"):
        save_grades(school, 2027, {mine[0].id: ("good", "")})
    save_grades(school, 2027, {r.id: ("pass", "") for r in mine})
    with pytest.raises(Refused, match="退回须写明理由"):
        review(school, 2027, approve=False)
    review(school, 2027, approve=False, note="评语过于简单")
    assert {a.state for r in mine for a in r.assessments} == {"returned"}
    save_grades(school, 2027, {r.id: ("pass", "按时完成教学任务") for r in mine})
    review(school, 2027, approve=True)
    with pytest.raises(Refused, match="已经教育局审核"):
        save_grades(school, 2027, {mine[0].id: ("basic", "")})
    with pytest.raises(Refused, match="没有待审核"):
        review(school, 2027, approve=True)


def test_a_poor_final_grade_extends_the_service(app):
    # Seed 003 六.2 "交流服务期满考核等次为基本合格或不合格的，延长其交流服务期" (policy: 1 year).
    gen_round(2027)
    school = gen_school()
    early, final = _serving_at(school, 2)
    save_grades(school, 2027, {early.id: ("basic", "")})
    review(school, 2027, approve=True)
    assert early.planned_return == dt.date(2030, 8, 31)  # not the term's last year: no extension
    save_grades(school, 2029, {final.id: ("fail", "")})
    review(school, 2029, approve=True, on=dt.date(2030, 7, 1))
    assert final.planned_return == dt.date(2031, 8, 31) and final.events[-1].kind == "extended"
    assert final.last_school_year == 2030  # the next year is now the term's last


def test_a_certificate_needs_the_end_and_a_passing_final_grade(app):
    gen_round(2027)
    school = gen_school()
    (record,) = _serving_at(school, 1)
    with pytest.raises(Refused, match="期满并作出"):
        issue_certificate(record)
    return_home(record, "交流期满", today=dt.date(2030, 7, 1))
    with pytest.raises(Refused, match="尚未经教育局审核"):
        issue_certificate(record)
    save_grades(school, 2029, {record.id: ("basic", "")})
    review(school, 2029, approve=True)
    with pytest.raises(Refused, match="不是合格以上"):
        issue_certificate(record)


# -- exemptions belong to a year -------------------------------------------------------------------


def test_an_exemption_expires_with_its_year(app):
    # Seed 000 篇一 "暂缓交流轮岗的教师一年一认定".
    round_2027 = gen_round(2027)
    teacher = gen_teacher(started_at_school=dt.date(2010, 9, 1), birth_date=dt.date(1988, 1, 1))
    set_exemption(round_2027, teacher, "pregnancy", "预产期2027年10月")
    decide_exemption(round_2027, teacher, approve=True)
    assert assess_teacher(teacher, round_2027).status == "exempt"
    round_2028 = _next_round(2028)
    item = assess_teacher(teacher, round_2028)
    assert item.status == "eligible" and "2027年度暂不交流（孕期）已到期：暂不交流一年一认定" in item.text
    assert carry_over(2028).expiring_exemptions == 1


def test_the_signature_course_deferral_has_an_end_date_within_three_years(app):
    # Seed 000 篇三 "学校传统项目、特色课程的领衔教师…可暂不交流轮岗，但延长时间原则上不超过3年".
    round_2027 = gen_round(2027)
    teacher = gen_teacher(started_at_school=dt.date(2010, 9, 1))
    with pytest.raises(Refused, match="须写明截止日期"):
        set_exemption(round_2027, teacher, "signature_course", "书法特色课程领衔")
    with pytest.raises(Refused, match="最晚至2030年8月31日"):
        set_exemption(round_2027, teacher, "signature_course", "书法特色课程领衔", dt.date(2030, 9, 1))
    set_exemption(round_2027, teacher, "signature_course", "书法特色课程领衔", dt.date(2029, 8, 31))
    decide_exemption(round_2027, teacher, approve=True)
    # It runs on into 2028 without a new application …
    round_2028 = _next_round(2028)
    item = assess_teacher(teacher, round_2028)
    assert item.status == "exempt" and "暂缓交流至2029年8月31日（2027年度批准）" in item.text
    assert len(carry_over(2028).deferrals) == 1
    # … and ends: in 2029 the cutoff is its last day, the teacher is due.
    assert assess_teacher(teacher, _next_round(2029)).eligible
    # A renewal in 2028 counts from the first grant: 2027-08-31 + 3 years at most.
    with pytest.raises(Refused, match="累计不超过3年：自2027年8月31日起"):
        set_exemption(round_2028, teacher, "signature_course", "继续领衔", dt.date(2030, 9, 1))
    set_exemption(round_2028, teacher, "signature_course", "继续领衔", dt.date(2030, 8, 31))


# -- kinds of exchange (issue 13 item 12) ------------------------------------------------------------


def test_each_kind_has_its_own_term_and_reports_count_by_kind(app):
    # Seed 004 "全职轮岗…任期一般为2年"; "兼职交流…任期一般为1年"; "教研交流…不改变工作单位".
    round_, s, teachers, music, posts, outcome = _run_whole_fair()
    entries = {o.teacher_id: o for o in db.session.scalars(select(Outgoing).where(Outgoing.round_id == round_.id))}
    round_.state = "preparing"  # the lists were still open when the kinds were set
    set_outgoing_kind(round_, entries[teachers[0].id], "part_time")
    set_outgoing_kind(round_, entries[teachers[1].id], "research")
    with pytest.raises(Refused, match="交流方式不在可选范围内"):
        set_outgoing_kind(round_, entries[teachers[2].id], "holiday")
    round_.state = "matched"
    confirm_assignment(round_)
    publish(round_, now=dt.datetime(2027, 7, 10, 2))
    records = {r.teacher_id: r for r in db.session.scalars(select(ExchangeRecord))}
    assert records[teachers[0].id].kind == "part_time" and records[teachers[0].id].term_years == 1
    assert records[teachers[0].id].planned_return == dt.date(2028, 8, 31)
    assert records[teachers[2].id].kind == "full_time" and records[teachers[2].id].term_years == 3
    counts = counts_by_kind(2027)
    assert (counts["part_time"], counts["research"], counts["full_time"]) == (1, 1, 4)
    # A research exchange keeps the teacher's unit: reporting does not move the relation.
    research = records[teachers[1].id]
    confirm_reporting(research, ON_TIME, today=dt.date(2027, 9, 1))
    assert not research.relation_moved and research.teacher.school_id == research.from_school_id
    # The bureau changes a placed exchange's kind with a reason; its term follows.
    full = records[teachers[2].id]
    change_kind(full, "support", "受援学校申请支教一年")
    assert full.term_years == 1 and full.planned_return == dt.date(2028, 8, 31)
    with pytest.raises(Refused, match="请写明理由"):
        change_kind(full, "full_time", " ")


# -- exchange experience, and the next year ---------------------------------------------------------


def test_the_experience_report_lists_with_and_without(app, client, auth):
    round_, s, teachers, records = _published()
    served = next(iter(records.values()))
    confirm_reporting(served, ON_TIME, today=dt.date(2027, 9, 1))
    db.session.commit()
    policy = round_.policy
    # One year after reporting the exchange counts; the day before it does not.
    assert not experience_rows([served.teacher], policy, dt.date(2028, 8, 29))[0].has_experience
    assert experience_rows([served.teacher], policy, dt.date(2028, 8, 30))[0].has_experience
    as_of = dt.date(2028, 8, 31)
    with_ = list(db.session.scalars(experience_query(policy, as_of, {**experience_filters({}), "has": "yes"})))
    assert [t.id for t in with_] == [served.teacher_id]
    counts = experience_counts(policy, as_of)
    assert counts["with"] == 1 and counts["without"] == counts["total"] - 1
    _next_round(2028)
    db.session.commit()
    auth.login("renshi")
    page = client.get("/exchanges/experience?year=2028&has=no").get_data(as_text=True)
    assert served.teacher.name not in page
    sheet = client.get("/exchanges/experience.xlsx?year=2028&has=yes")
    assert sheet.status_code == 200 and sheet.data[:2] == b"PK"


def test_carry_overs_list_what_the_next_year_inherits(app, client, auth):
    round_, s, teachers, records = _published()
    reported = list(records.values())[:2]
    for r in reported:
        confirm_reporting(r, ON_TIME, today=dt.date(2027, 9, 1))
    extend(reported[1], 1, "学科需要", on=dt.date(2030, 6, 1))
    db.session.commit()
    carry = carry_over(2028)
    assert len(carry.not_reported) == len(records) - 2  # placed in 2027, never reported
    assert carry.pending_assessments == 2  # school year 2027 not graded
    assert carry.returns_due == [] and carry.extended == []
    carry_2030 = carry_over(2030)
    assert [r.id for r in carry_2030.returns_due] == [reported[0].id]
    assert [r.id for r in carry_2030.extended] == [reported[1].id]
    auth.login("renshi")
    page = client.get("/rounds/").get_data(as_text=True)
    assert "2028年度要承接的事项" in page and "已安排交流但尚未报到" in page


def test_a_published_placement_cannot_be_corrected_once_reported(app):
    from matchapp.results.publication import correct_placement

    round_, s, teachers, records = _published()
    record = next(r for r in records.values() if r.how == "assigned")
    confirm_reporting(record, ON_TIME, today=dt.date(2027, 9, 1))
    other = next(x for x in s if x.id not in (record.to_school_id, record.from_school_id))
    with pytest.raises(Refused):
        correct_placement(round_, record.teacher, other, "更正")
    db.session.rollback()
    assert db.session.get(ExchangeRecord, record.id).to_school_id == record.to_school_id


def test_the_results_pages_keep_the_home_school_after_the_relation_moved(app, client, auth):
    round_, s, teachers, records = _published()
    record = next(r for r in records.values() if r.to_school_id == s[3].id)
    home = record.from_school
    confirm_reporting(record, ON_TIME, today=dt.date(2027, 9, 1))
    gen_user("school", username="home-school", school_id=home.id)
    db.session.commit()
    assert db.session.get(Teacher, record.teacher_id).school_id == s[3].id
    auth.login("home-school")
    page = client.get(f"/fair/{round_.id}/schools/{home.id}/results").get_data(as_text=True)
    assert record.teacher.name in page  # still among the teachers the home school sent
