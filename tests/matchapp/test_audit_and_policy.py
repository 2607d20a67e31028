"""The audit log records every change with its author; the policy presets and their editing."""

import pytest
from sqlalchemy import select

from matchapp.core.audit import AuditLog, acting_as
from matchapp.core.errors import Refused
from matchapp.extensions import db
from matchapp.rounds.policy import PRESETS, preset
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
    assert (cz["years_at_school"], cz["min_years_to_retirement"], cz["quota_rate"], cz["backbone_rate"]) == (
        6,
        5,
        0.15,
        0.15,
    )
    dl = preset("dalian")
    assert (dl["years_at_school"], dl["age_cap_male"], dl["age_cap_female"], dl["backbone_share_min"]) == (
        9,
        55,
        50,
        0.20,
    )
    dt_ = preset("datong")
    assert (dt_["age_cap_male"], dt_["age_cap_female"], dt_["quota_rate"]) == (50, 45, 0.10)
    assert preset("ganzhou")["quota_rate"] == 0.20
    assert set(PRESETS) == {"changzhou", "ganzhou", "dalian", "datong"}


def test_bureau_edits_every_number_of_the_policy(app, client, auth):
    round_ = gen_round()
    gen_user("bureau", username="renshi")
    db.session.commit()
    auth.login("renshi")
    data = {
        "years_at_school": 8,
        "cutoff": "06-30",
        "min_years_to_retirement": 4,
        "retirement_age_male": 63,
        "retirement_age_female": 58,
        "age_cap_male": 52,
        "age_cap_female": "",
        "quota_rate": "0.12",
        "quota_rate_strong": "0.18",
        "backbone_rate": "",
        "backbone_share_min": "0.25",
        "rounding": "ceil",
        "leadership_cap": "0.3",
        "term_years": 2,
        "submit": "1",
    }
    page = client.post(f"/rounds/{round_.id}/policy", data=data, follow_redirects=True).get_data(as_text=True)
    assert "年度政策已保存" in page
    policy = db.session.get(type(round_), round_.id).policy
    assert policy["years_at_school"] == 8 and policy["cutoff"] == "06-30" and policy["quota_rate"] == 0.12
    assert policy["age_cap_female"] is None and policy["backbone_share_min"] == 0.25 and policy["rounding"] == "ceil"


def test_bad_policy_input_is_refused_and_changes_nothing(app, client, auth):
    round_ = gen_round()
    gen_user("bureau", username="renshi")
    db.session.commit()
    auth.login("renshi")
    page = client.post(
        f"/rounds/{round_.id}/policy",
        data={
            "years_at_school": 0,
            "cutoff": "13-45",
            "min_years_to_retirement": 5,
            "retirement_age_male": 60,
            "retirement_age_female": 55,
            "quota_rate": "1.5",
            "rounding": "half_up",
            "leadership_cap": "0.3",
            "term_years": 3,
            "submit": "1",
        },
    ).get_data(as_text=True)
    assert "年度政策已保存" not in page
    assert page.count('class="errors"') >= 3
    assert db.session.get(type(round_), round_.id).policy == preset("changzhou")


def test_policy_is_frozen_once_the_fair_opens(app):
    round_ = gen_round(state="fair_open")
    with pytest.raises(Refused):
        update_policy(round_, {"years_at_school": 3})
