"""The migration of the seeds' rules (c49dc93c0e09), run on data written by the schema before it
(SQLite and PostgreSQL): every stored policy is rewritten in today's settings, keeping what the
bureau set; the new teacher columns are empty; and back down again."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from matchapp.extensions import db
from matchapp.rounds.models import Round
from matchapp.rounds.policy import SETTING, upgrade_policy
from tests.conftest import make_app

BEFORE = "c8c99044c2e3"

OLD_CHANGZHOU = {
    "preset": "changzhou",
    "years_at_school": 6,
    "cutoff": "08-31",
    "min_years_to_retirement": 5,
    "retirement_age_male": 60,
    "retirement_age_female": 55,
    "age_cap_male": None,
    "age_cap_female": None,
    "quota_rate": 0.15,
    "quota_rate_strong": None,
    "backbone_rate": 0.15,
    "backbone_share_min": None,
    "rounding": "half_up",
    "leadership_cap": 0.30,
    "term_years": 3,
    "report_by": "08-31",
    "vote_threshold": 2 / 3,
    "min_selection_size": 3,
}
OLD_DALIAN = {
    **OLD_CHANGZHOU,
    "preset": "dalian",
    "years_at_school": 9,
    "age_cap_male": 55,
    "age_cap_female": 50,
    "quota_rate": 0.10,
    "quota_rate_strong": 0.15,
    "backbone_rate": None,
    "backbone_share_min": 0.20,
}


def test_stored_policies_are_rewritten_and_kept(database_url, tmp_path):
    app = make_app(database_url, tmp_path)
    with app.app_context():
        directory = app.extensions["migrate"].directory
        upgrade(directory=directory, revision=BEFORE)
        meta = sa.MetaData()
        with db.engine.begin() as conn:
            meta.reflect(conn)
            rounds, schools, teachers = meta.tables["rounds"], meta.tables["schools"], meta.tables["teachers"]
            for year, policy in ((2025, OLD_CHANGZHOU), (2026, OLD_DALIAN), (2027, {"min_selection_size": 1})):
                conn.execute(
                    sa.insert(rounds).values(year=year, name=str(year), state="preparing", seed=1, policy=policy)
                )
            school = conn.execute(
                sa.insert(schools).values(
                    code="S1", name="甲校", tier="ordinary", zone="东", rural=False, leadership_size=5, alliance=""
                )
            ).inserted_primary_key[0]
            conn.execute(
                sa.insert(teachers).values(
                    staff_no="T1",
                    name="王芳",
                    gender="F",
                    birth_date=dt.date(1980, 1, 1),
                    school_id=school,
                    subject="math",
                    title="intermediate",
                    title_date=dt.date(2010, 9, 1),
                    education="bachelor",
                    honours="",
                    backbone=False,
                    started_at_school=dt.date(2010, 9, 1),
                    leadership_role="",
                    exemption="",
                    exemption_reason="",
                    exemption_approved=False,
                )
            )
        upgrade(directory=directory)
        by_year = {r.year: r.policy for r in db.session.scalars(sa.select(Round))}
        for policy in by_year.values():
            assert set(SETTING) <= set(policy), set(SETTING) - set(policy)
            assert not {"quota_rate_strong", "backbone_rate", "backbone_share_min"} & set(policy)
        # Changzhou: 15% of the eligible backbone teachers.
        assert (by_year[2025]["group_base"], by_year[2025]["group_rate"]) == ("eligible_group", 0.15)
        # Dalian: the strong rate and the share of those going, under their new names; what the old
        # preset had inherited (5 years to retirement) stays, as that year's bureau had it.
        dalian = by_year[2026]
        assert dalian["quota_rate_urban_or_strong"] == 0.15
        assert (dalian["group_base"], dalian["group_rate"], dalian["min_years_to_retirement"]) == ("going", 0.20, 5)
        assert (dalian["leader_years_in_post"], dalian["leader_quota_rate"]) == (9, 0.15)
        # A partial old policy: what the code used to read by default.
        partial = by_year[2027]
        assert (partial["min_selection_size"], partial["cutoff"], partial["vote_threshold"]) == (1, "08-31", 2 / 3)
        # The code's own upgrade agrees with the migration on every setting.
        for year, old in ((2025, OLD_CHANGZHOU), (2026, OLD_DALIAN)):
            assert {k: by_year[year][k] for k in SETTING} == {k: upgrade_policy(old)[k] for k in SETTING}
        with db.engine.connect() as conn:
            row = conn.execute(sa.text("SELECT title_appointed_on, leader_since FROM teachers")).one()
        assert tuple(row) == (None, None)

        db.session.remove()
        downgrade(directory=directory, revision=BEFORE)
        with db.engine.connect() as conn:
            stored = {year: policy for year, policy in conn.execute(sa.select(rounds.c.year, rounds.c.policy)).all()}
        assert stored[2026]["quota_rate_strong"] == 0.15 and stored[2026]["backbone_share_min"] == 0.20
        assert stored[2025]["backbone_rate"] == 0.15 and "group_rate" not in stored[2025]
        db.session.remove()
        downgrade(directory=directory, revision="base")
        db.engine.dispose()
