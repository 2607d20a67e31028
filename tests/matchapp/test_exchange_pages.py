"""The exchange pages as people use them (test client, forms with what browsers send): the end of
a term decided from the list, the certificate issued and printed, kinds set on the outgoing list,
the settings saved or refused, a school reading only its own, a stale change refused."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from matchapp.exchanges.assessments import review, save_grades
from matchapp.exchanges.reporting import confirm_reporting
from matchapp.extensions import db
from matchapp.preparation.models import Outgoing
from matchapp.roster.models import ExchangeRecord, Teacher
from matchapp.rounds.models import Round
from tests.factories import gen_user
from tests.matchapp.test_exchanges import ON_TIME, _next_round, _published


def _lived_until_2030():
    round_, s, teachers, records = _published()
    for r in records.values():
        confirm_reporting(r, ON_TIME, today=dt.date(2027, 9, 1))
    for year in (2027, 2028, 2029):
        for school in s:
            mine = [r for r in records.values() if r.to_school_id == school.id]
            if mine:
                save_grades(school, year, {r.id: ("pass", "") for r in mine})
                review(school, year, approve=True)
    _next_round(2030)
    db.session.commit()
    return round_, s, records


def test_the_end_of_a_term_decided_from_the_list_and_the_certificate(app, client, auth):
    round_, s, records = _lived_until_2030()
    first, second, third = list(records.values())[:3]
    auth.login("renshi")
    page = client.get("/exchanges/ending?year=2030").get_data(as_text=True)
    assert "待决定（6人）" in page and first.teacher.name in page
    # A decision without a reason is refused and changes nothing.
    page = client.post(
        f"/exchanges/records/{first.id}/end?year=2030",
        data={"action": "return", "reason": "  ", "back": "ending"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "请写明理由" in page and db.session.get(ExchangeRecord, first.id).state == "serving"
    client.post(
        f"/exchanges/records/{first.id}/end?year=2030",
        data={"action": "return", "reason": "交流期满", "back": "ending"},
    )
    page = client.post(
        f"/exchanges/records/{second.id}/end?year=2030",
        data={"action": "extend", "years": "4", "reason": "学科需要", "back": "ending"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert db.session.get(ExchangeRecord, second.id).extended_years == 0  # 4 > 3: the form refuses
    client.post(
        f"/exchanges/records/{second.id}/end?year=2030",
        data={"action": "extend", "years": "2", "reason": "学科需要", "back": "ending"},
    )
    client.post(f"/exchanges/records/{third.id}/end?year=2030", data={"action": "stay", "reason": "本人申请，学校缺编"})
    db.session.expire_all()
    assert [db.session.get(ExchangeRecord, r.id).state for r in (first, second, third)] == [
        "returned",
        "serving",
        "stayed",
    ]
    assert db.session.get(ExchangeRecord, second.id).planned_return == dt.date(2032, 8, 31)
    page = client.get("/exchanges/ending?year=2030").get_data(as_text=True)
    assert "已期满（2人）" in page and "颁发证书" in page
    page = client.post(
        f"/exchanges/records/{first.id}/certificate?year=2030", data={"back": "ending"}, follow_redirects=True
    ).get_data(as_text=True)
    number = db.session.get(ExchangeRecord, first.id).certificate_no
    assert number and number in page
    printed = client.get(f"/exchanges/records/{first.id}/certificate").get_data(as_text=True)
    assert "教师交流服务合格证书" in printed and number in printed and first.teacher.name in printed
    # The teacher prints their own certificate; another teacher may not.
    gen_user("teacher", username="own", teacher_id=first.teacher_id)
    gen_user("teacher", username="other", teacher_id=third.teacher_id)
    db.session.commit()
    auth.logout()
    auth.login("own")
    assert client.get(f"/exchanges/records/{first.id}/certificate").status_code == 200
    auth.logout()
    auth.login("other")
    assert client.get(f"/exchanges/records/{first.id}/certificate").status_code == 403


def test_kinds_set_on_the_outgoing_list_by_the_school(app, client, auth):
    from tests.matchapp.test_fair import _fair

    round_, s, teachers, music, posts = _fair()
    round_.state = "preparing"
    gen_user("school", username="f0", school_id=s[0].id)
    db.session.commit()
    auth.login("f0")
    page = client.get(f"/exchanges/{round_.id}/kinds").get_data(as_text=True)
    mine = db.session.scalars(
        select(Outgoing).join(Teacher, Teacher.id == Outgoing.teacher_id).where(Teacher.school_id == s[0].id)
    ).all()
    assert all(o.teacher.name in page for o in mine)
    assert not any(t.name in page for t in teachers if t.school_id != s[0].id)  # only its own
    data = {}
    for k, o in enumerate(sorted(mine, key=lambda o: (o.teacher.school_id, o.teacher.staff_no))):
        data[f"entries-{k}-entry_id"] = str(o.id)
        data[f"entries-{k}-kind"] = "support" if k == 0 else "full_time"
    page = client.post(f"/exchanges/{round_.id}/kinds", data=data, follow_redirects=True).get_data(as_text=True)
    assert "已保存1名教师的交流方式" in page
    # Another school's entry in the form is refused outright.
    other = db.session.scalar(
        select(Outgoing).join(Teacher, Teacher.id == Outgoing.teacher_id).where(Teacher.school_id == s[1].id)
    )
    bad = {**data, "entries-9-entry_id": str(other.id), "entries-9-kind": "research"}
    assert client.post(f"/exchanges/{round_.id}/kinds", data=bad).status_code == 400
    assert db.session.get(Outgoing, other.id).kind == "full_time"


def test_the_exchange_settings_are_saved_or_refused(app, client, auth):
    round_ = _next_round(2027)
    gen_user("bureau", username="renshi")
    db.session.commit()
    auth.login("renshi")
    form = {
        "personnel_relation": "stays",
        "exchange_counts_as_service": "1",
        "exempt_after_schools": "2",
        "exempt_after_school_years": "3",
        "rural_years_count_as_exchange": "9",
        "remote_years_count_as_exchange": "6",
        "term_part_time": "1",
        "term_research": "1",
        "term_walking": "1",
        "term_support": "2",
        "max_extension_years": "3",
        "poor_assessment_extends_years": "1",
        "excellent_share": "0.15",
        "no_show_warning_days": "7",
        "no_show_leaving_days": "15",
        "refusal_bar_years": "3",
        "refusal_consequences": ["annual_fail", "demotion"],
        "signature_deferral_years": "3",
        "fail_voids_experience": "1",
        "submit": "保存",
    }
    page = client.post(f"/exchanges/{round_.id}/policy", data=form, follow_redirects=True).get_data(as_text=True)
    assert "交流管理政策已保存" in page
    policy = db.session.get(Round, round_.id).policy
    assert (policy["personnel_relation"], policy["exchange_counts_as_service"], policy["kind_terms"]["support"]) == (
        "stays",
        True,
        2,
    )
    assert policy["refusal_consequences"] == ["annual_fail", "demotion"] and policy["excellent_share"] == 0.15
    page = client.post(
        f"/exchanges/{round_.id}/policy", data={**form, "no_show_leaving_days": "5"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "不能少于批评教育的天数" in page
    assert db.session.get(Round, round_.id).policy["no_show_leaving_days"] == 15


def test_a_school_reads_the_exchanges_it_is_part_of_only(app, client, auth):
    round_, s, teachers, records = _published()
    record = next(r for r in records.values() if r.to_school_id == s[3].id)
    unrelated = next(x for x in s if x.id not in (record.from_school_id, record.to_school_id))
    gen_user("school", username="jieshou", school_id=s[3].id)
    gen_user("school", username="unrelated", school_id=unrelated.id)
    db.session.commit()
    auth.login("jieshou")
    assert client.get(f"/exchanges/records/{record.id}").status_code == 200
    page = client.get(f"/exchanges/{round_.id}/slips/{s[3].id}").get_data(as_text=True)
    assert record.teacher.name in page and "报到单" in page
    sheet = client.get(f"/exchanges/{round_.id}/slips/{s[3].id}.xlsx")
    assert sheet.status_code == 200 and sheet.data[:2] == b"PK"
    auth.logout()
    auth.login("unrelated")
    assert client.get(f"/exchanges/records/{record.id}").status_code == 403
    assert client.get(f"/exchanges/{round_.id}/slips/{s[3].id}").status_code == 403
    # The school does not grade the exchange teachers of another school (the bureau only reads).
    assert client.post(f"/exchanges/schools/{s[3].id}/assessments?school_year=2027", data={}).status_code == 403


def test_two_changes_of_one_exchange_at_once_the_second_is_refused(app):
    round_, s, teachers, records = _published()
    record = next(iter(records.values()))
    db.session.commit()
    with Session(db.engine) as other:  # another request, in another transaction
        theirs = other.get(ExchangeRecord, record.id)
        theirs.state = "serving"
        theirs.reported_on = ON_TIME
        other.commit()
    with pytest.raises(StaleDataError):
        confirm_reporting(record, ON_TIME, today=dt.date(2027, 9, 1))
    db.session.rollback()
    assert db.session.get(ExchangeRecord, record.id).state == "serving"
