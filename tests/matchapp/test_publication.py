"""Published means frozen: the notice and the letters show what was published, whatever the
roster says later; a correction is audited, needs a reason, moves the placement, the exchange
record and the notice together, and re-publishes with a version number."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from matchapp.core.audit import AuditLog
from matchapp.core.errors import Refused
from matchapp.extensions import db
from matchapp.results.models import Publication
from matchapp.results.publication import correct_placement, latest_publication, publish
from matchapp.roster.models import ExchangeRecord, School, Teacher
from matchapp.runs.assignment import change_assignment, confirm_assignment
from matchapp.runs.models import Placement
from tests.factories import gen_user
from tests.matchapp.test_fair import _run_whole_fair
from tests.paper import get_pdf, pdf_pages


def _published():
    round_, s, teachers, music, posts, outcome = _run_whole_fair()
    confirm_assignment(round_)
    publish(round_, actor="renshi")
    gen_user("bureau", username="renshi")
    db.session.commit()
    return round_, s, teachers, music, posts, outcome


def test_a_roster_change_after_publication_does_not_rewrite_the_notice_or_the_letter(app, client, auth):
    round_, s, teachers, *_ = _published()
    placed = db.session.scalar(select(Placement).where(Placement.school_id.is_not(None)))
    teacher = db.session.get(Teacher, placed.teacher_id)
    published_name = teacher.name
    teacher.name = "改名后的教师"  # a later roster import renames the teacher …
    db.session.get(School, placed.school_id).name = "改名后的学校"  # … and a school
    db.session.commit()
    notice = client.get(f"/fair/{round_.id}/notice").get_data(as_text=True)
    assert published_name in notice and "改名后的教师" not in notice and "改名后的学校" not in notice
    auth.login("renshi")
    letter = client.get(f"/fair/{round_.id}/letters/{teacher.id}").get_data(as_text=True)
    assert published_name in letter and "改名后的教师" not in letter


def test_after_publication_the_assignment_changes_only_by_a_correction(app):
    round_, s, teachers, music, posts, outcome = _published()
    target = next(p for p in outcome.run.placements if p.how == "assigned" and p.teacher_id != music.id)
    teacher = db.session.get(Teacher, target.teacher_id)
    with pytest.raises(Refused, match="公示之前"):
        change_assignment(outcome.run, teacher, s[2], "想改")
    db.session.rollback()


def test_a_correction_moves_placement_history_and_notice_together_with_a_version(app, client):
    round_, s, teachers, music, posts, outcome = _published()
    target = next(p for p in outcome.run.placements if p.how == "assigned" and p.teacher_id != music.id)
    teacher = db.session.get(Teacher, target.teacher_id)
    with pytest.raises(Refused, match="理由"):
        correct_placement(round_, teacher, s[2], "   ")
    db.session.rollback()
    posts["C"].seats = 2  # a seat becomes free at C
    db.session.commit()
    before = latest_publication(round_)
    first_rows = [dict(r) for r in before.rows]
    first_pdf = get_pdf(client, f"/fair/{round_.id}/notice.pdf")  # version 1, kept
    publication = correct_placement(round_, teacher, s[2], "原学校撤并，改派C校", actor=(None, "renshi"))
    db.session.commit()
    assert publication.version == 2 and publication.reason == "原学校撤并，改派C校"
    placement = db.session.scalar(
        select(Placement).where(Placement.run_id == outcome.run.id, Placement.teacher_id == teacher.id)
    )
    record = db.session.scalar(
        select(ExchangeRecord).where(ExchangeRecord.teacher_id == teacher.id, ExchangeRecord.year == round_.year)
    )
    assert placement.school_id == s[2].id and placement.reason == "原学校撤并，改派C校"
    assert record.to_school_id == s[2].id  # the teacher's file says the new school
    row = next(r for r in publication.rows if r["teacher_id"] == teacher.id)
    assert row["to_code"] == s[2].code
    # Only that row changed; version 1 is kept as it was.
    assert [r for r in publication.rows if r["teacher_id"] != teacher.id] == [
        r for r in first_rows if r["teacher_id"] != teacher.id
    ]
    assert db.session.scalar(select(Publication).where(Publication.version == 1)).rows == first_rows
    notice = client.get(f"/fair/{round_.id}/notice").get_data(as_text=True)
    assert "第2版（更正）" in notice and "原学校撤并，改派C校" in notice
    second_pdf = pdf_pages(get_pdf(client, f"/fair/{round_.id}/notice.pdf"))[0]
    assert "第2版（更正）" in second_pdf and "原学校撤并，改派C校" in second_pdf  # not the kept version 1
    assert "第2版" not in pdf_pages(first_pdf)[0]
    audit = db.session.scalars(
        select(AuditLog).where(AuditLog.entity == "placements", AuditLog.action == "update")
    ).all()
    assert audit[-1].reason == "原学校撤并，改派C校" and audit[-1].actor == "renshi"


def test_a_correction_still_obeys_the_rules(app):
    round_, s, teachers, music, posts, outcome = _published()
    target = next(p for p in outcome.run.placements if p.how == "assigned" and p.teacher_id != music.id)
    teacher = db.session.get(Teacher, target.teacher_id)
    with pytest.raises(Refused, match="名额已满"):
        correct_placement(round_, teacher, s[3], "想去D")  # D is full
    with pytest.raises(Refused, match="本校"):
        correct_placement(round_, teacher, teacher.school, "回本校")
    db.session.rollback()
    assert latest_publication(round_).version == 1
