"""The audit log records every change with its author; the policy presets and their editing."""

import datetime as dt

import pytest
from sqlalchemy import select

from matchapp.core.audit import AuditLog, acting_as
from matchapp.core.errors import Refused
from matchapp.extensions import db
from matchapp.rounds.policy import PRESETS, preset, upgrade_policy
from matchapp.rounds.services import update_policy
from tests.factories import gen_round, gen_school, gen_teacher, gen_user


def _log(entity):
    return db.session.scalars(select(AuditLog).where(AuditLog.entity == entity).order_by(AuditLog.id)).all()


def test_insert_update_delete_are_logged_with_before_and_after(app):
    with acting_as("导入程序"):
        school = gen_school(name="甲校")
        teacher = gen_teacher(school, name="王芳", title="intermediate")
        db.session.commit()
        teacher.title = "senior"
        db.session.commit()
        db.session.delete(teacher)
        db.session.commit()
    rows = _log("teachers")
    assert [r.action for r in rows] == ["insert", "update", "delete"]
    assert rows[0].after["name"] == "王芳" and rows[0].before is None
    assert rows[1].before == {"title": "intermediate"} and rows[1].after == {"title": "senior"}
    assert rows[2].before["name"] == "王芳" and rows[2].after is None
    assert all(r.actor == "导入程序" and r.entity_id == teacher.id for r in rows)


def test_changes_through_a_request_are_attributed_to_the_signed_in_user(app, client, auth):
    round_ = gen_round()
    user = gen_user("bureau", username="renshi")
    db.session.commit()
    auth.login("renshi")
    resp = client.post(f"/rounds/{round_.id}/preset", data={"preset": "dalian"}, follow_redirects=True)
    assert "已套用大连政策预设" in resp.get_data(as_text=True)
    row = _log("rounds")[-1]
    assert row.action == "update" and row.actor == "renshi" and row.actor_id == user.id
    assert row.before["policy"]["years_at_school"] == 6 and row.after["policy"]["years_at_school"] == 9


def test_a_rolled_back_change_leaves_no_audit_row(app):
    school = gen_school()
    db.session.commit()
    before = len(_log("schools"))
    school.name = "改名"
    db.session.flush()  # the audit row is written inside the transaction...
    db.session.rollback()  # ...and goes with it
    assert len(_log("schools")) == before


def test_passwords_never_enter_the_audit_log(app):
    gen_user("bureau")
    db.session.commit()
    assert all("password_hash" not in (r.after or {}) for r in _log("users"))


def test_presets_carry_the_seed_numbers():
    cz = preset("changzhou")
    assert (cz["years_at_school"], cz["min_years_to_retirement"], cz["quota_rate"], cz["group_rate"]) == (
        6,
        5,
        0.15,
        0.15,
    )
    assert (cz["group_kind"], cz["group_base"]) == ("backbone", "eligible_group")
    dl = preset("dalian")
    assert (dl["years_at_school"], dl["age_cap_male"], dl["age_cap_female"], dl["group_rate"]) == (9, 55, 50, 0.20)
    assert dl["min_years_to_retirement"] is None  # not Changzhou's rule
    dt_ = preset("datong")
    assert (dt_["age_cap_male"], dt_["age_cap_female"], dt_["quota_rate"], dt_["group_base"]) == (
        50,
        45,
        0.10,
        "eligible",
    )
    assert preset("ganzhou")["quota_rate"] == 0.20
    assert set(PRESETS) == {"changzhou", "ganzhou", "dalian", "datong", "district", "haikou"}


def _policy_data(**changes):
    """The policy page's fields as a browser sends them (shares as typed, booleans only when ticked)."""
    data = {
        "years_at_school": 8,
        "cutoff": "06-30",
        "min_years_to_retirement": 4,
        "retirement_age_male": 63,
        "retirement_age_female": 58,
        "age_cap_male": 52,
        "age_cap_female": "",
        "age_cap_mode": "exclusive",
        "quota_rate": "12%",
        "quota_rate_urban_or_strong": "0.18",
        "rounding": "ceil",
        "quotas_by_subject": "y",
        "group_kind": "backbone_or_intermediate",
        "group_base": "going",
        "group_rate": "25%",
        "leader_years_in_post": 9,
        "leader_min_years_to_retirement": 3,
        "leadership_cap": "30%",
        "leader_quota_rate": "",
        "vote_threshold": "3/4",
        "min_selection_size": 2,
        "term_years": 2,
        "report_by": "08-25",
        "lists_due": "2027-06-30",
        "submit": "1",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_bureau_edits_every_number_of_the_policy(app, client, auth):
    round_ = gen_round()
    gen_user("bureau", username="renshi")
    db.session.commit()
    auth.login("renshi")
    page = client.post(f"/rounds/{round_.id}/policy", data=_policy_data(), follow_redirects=True).get_data(as_text=True)
    assert "年度政策已保存" in page
    saved = db.session.get(type(round_), round_.id)
    policy = saved.policy
    assert policy["years_at_school"] == 8 and policy["cutoff"] == "06-30" and policy["quota_rate"] == 0.12
    assert policy["age_cap_female"] is None and policy["age_cap_mode"] == "exclusive"
    assert policy["group_rate"] == 0.25 and policy["rounding"] == "ceil" and policy["quotas_by_subject"] is True
    assert policy["vote_threshold"] == 0.75 and policy["min_selection_size"] == 2
    assert policy["leader_years_in_post"] == 9 and policy["leader_age_caps"] is False
    assert policy["leader_quota_rate"] is None and policy["report_by"] == "08-25" and policy["term_years"] == 2
    assert saved.lists_due == dt.date(2027, 6, 30)
    # The page shows the shares as typed, and what changed against the preset.
    page = client.get(f"/rounds/{round_.id}/policy").get_data(as_text=True)
    assert 'value="75%"' in page and 'value="12%"' in page and "已修改；预设为 15%" in page
    # Audited: the round's row, before and after, by the bureau's account.
    row = _log("rounds")[-1]
    assert row.actor == "renshi" and row.after["policy"]["vote_threshold"] == 0.75
    assert row.before["policy"]["vote_threshold"] == pytest.approx(2 / 3)


POLICY_REFUSALS = [
    ("a vote threshold of one half is allowed", {"vote_threshold": "1/2"}, None),
    ("a threshold below one half", {"vote_threshold": "0.4"}, "vote_threshold"),
    ("a threshold of 1 can never be exceeded", {"vote_threshold": "1"}, "vote_threshold"),
    ("a threshold that is not a share", {"vote_threshold": "三分之二"}, "vote_threshold"),
    ("a rate above 100%", {"quota_rate": "150%"}, "quota_rate"),
    ("no years", {"years_at_school": 0}, "years_at_school"),
    ("a cutoff that does not exist", {"cutoff": "02-30"}, "cutoff"),
    ("a month 13", {"report_by": "13-01"}, "report_by"),
    ("no selection at all", {"min_selection_size": 0}, "min_selection_size"),
    ("an unknown comparison", {"age_cap_mode": "sometimes"}, "age_cap_mode"),
    ("an unknown group base", {"group_base": "all"}, "group_base"),
    ("a leadership cap above 1", {"leadership_cap": "1.2"}, "leadership_cap"),
    ("a deadline that is no date", {"lists_due": "2027-02-30"}, "lists_due"),
]


@pytest.mark.parametrize(("case", "changes", "field"), POLICY_REFUSALS, ids=[c[0] for c in POLICY_REFUSALS])
def test_each_policy_number_is_checked(app, client, auth, case, changes, field):
    round_ = gen_round()
    gen_user("bureau", username="renshi")
    db.session.commit()
    auth.login("renshi")
    page = client.post(f"/rounds/{round_.id}/policy", data=_policy_data(**changes)).get_data(as_text=True)
    policy = db.session.get(type(round_), round_.id).policy
    if field is None:
        assert policy["vote_threshold"] == 0.5
        return
    assert "年度政策已保存" not in page and 'class="errors"' in page
    assert policy == preset("changzhou")  # nothing changed


def test_a_deadline_outside_the_year_is_refused_by_the_service(app):
    round_ = gen_round()
    with pytest.raises(Refused, match="2027"):
        update_policy(round_, {}, lists_due=dt.date(2028, 6, 30))
    with pytest.raises(Refused, match="推荐小组投票"):
        update_policy(round_, {"vote_threshold": 1.0})  # the service checks, whatever sent it
    assert round_.policy == preset("changzhou") and round_.lists_due is None


def test_bad_policy_input_is_refused_and_changes_nothing(app, client, auth):
    round_ = gen_round()
    gen_user("bureau", username="renshi")
    db.session.commit()
    auth.login("renshi")
    page = client.post(
        f"/rounds/{round_.id}/policy",
        data=_policy_data(years_at_school=0, cutoff="13-45", quota_rate="1.5"),
    ).get_data(as_text=True)
    assert "年度政策已保存" not in page
    assert page.count('class="errors"') >= 3
    assert db.session.get(type(round_), round_.id).policy == preset("changzhou")


def test_an_old_round_s_policy_is_read_in_today_s_settings():
    old = {
        "preset": "dalian",
        "years_at_school": 9,
        "quota_rate": 0.10,
        "quota_rate_strong": 0.15,
        "backbone_rate": None,
        "backbone_share_min": 0.20,
        "min_years_to_retirement": 5,  # what the old Dalian preset inherited: kept, it was that year's
    }
    new = upgrade_policy(old)
    assert new["quota_rate_urban_or_strong"] == 0.15 and "quota_rate_strong" not in new
    assert (new["group_kind"], new["group_base"], new["group_rate"]) == ("backbone", "going", 0.20)
    assert new["min_years_to_retirement"] == 5 and new["age_cap_mode"] == "inclusive"
    assert set(new) == set(preset("dalian"))
    changzhou = upgrade_policy({"backbone_rate": 0.15, "backbone_share_min": None, "years_at_school": 6})
    assert (changzhou["group_base"], changzhou["group_rate"], changzhou["preset"]) == (
        "eligible_group",
        0.15,
        "changzhou",
    )


def test_policy_is_frozen_once_the_fair_opens(app):
    round_ = gen_round(state="fair_open")
    with pytest.raises(Refused):
        update_policy(round_, {"years_at_school": 3})
