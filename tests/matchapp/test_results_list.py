"""The bureau's result list: searched, filtered and paged; the assignment screen offers only the
posts of the teacher's subject with a free seat, cheapest first by the engine's own cost, each
with its reason in words."""

from __future__ import annotations

import numpy as np
from sqlalchemy import select

from algorithms import loads_instance
from algorithms.assignment import placement_costs
from matchapp.extensions import db
from matchapp.preparation.models import Post
from matchapp.results.listing import filtered_placements, result_filters
from matchapp.runs.assignment import assignment_options, seats_taken
from matchapp.runs.models import Placement
from tests.factories import gen_user
from tests.matchapp.test_fair import _run_whole_fair


def _rows(run, **args):
    return list(db.session.scalars(filtered_placements(run, result_filters(args))))


def test_filters_narrow_the_list_and_unknown_values_are_ignored(app):
    round_, s, teachers, music, posts, outcome = _run_whole_fair()
    run = outcome.run
    everyone = _rows(run)
    assert len(everyone) == 6
    order = [p.how for p in everyone]
    assert order == sorted(order, key=["unplaced", "assigned", "matched"].index)  # work first
    assert {p.teacher_id for p in _rows(run, q=teachers[2].staff_no)} == {teachers[2].id}
    assert {p.teacher_id for p in _rows(run, q="音乐")} == {music.id}
    assert {p.teacher_id for p in _rows(run, subject="music")} == {music.id}
    assert all(p.how == "matched" for p in _rows(run, how="matched")) and _rows(run, how="matched")
    assert all(p.teacher.school_id == s[1].id for p in _rows(run, school=str(s[1].id)))
    assert all(p.school_id == s[3].id for p in _rows(run, to=str(s[3].id)))
    assert all(p.teacher.school.zone == "东" for p in _rows(run, zone="东"))
    assert _rows(run, zone="北") == []
    # Values that are not what a filter may be are dropped, not passed on to the database.
    assert len(_rows(run, how="drop table", subject="<script>", school="1 or 1")) == 6


def test_assignment_options_are_free_seats_of_the_subject_cheapest_first(app):
    round_, s, teachers, music, posts, outcome = _run_whole_fair()
    run = outcome.run
    editable = [
        p.teacher for p in db.session.scalars(select(Placement).where(Placement.run_id == run.id)) if p.how != "matched"
    ]
    assert editable, "the world leaves someone to assign"
    options = assignment_options(run, editable)
    instance = loads_instance(run.instance_json.encode("utf-8"))
    for teacher in editable:
        rows = options[teacher.id]
        current = db.session.scalar(
            select(Placement).where(Placement.run_id == run.id, Placement.teacher_id == teacher.id)
        )
        for o in rows:
            post = db.session.scalar(
                select(Post).where(
                    Post.round_id == round_.id, Post.school_id == o.school.id, Post.subject == teacher.subject
                )
            )
            assert post is not None and o.school.id != teacher.school_id
            free = post.seats - seats_taken(run, o.school.id, teacher.subject, besides=teacher.id)
            assert o.free == free and (free > 0)
            assert o.current == (current.school_id == o.school.id)
            assert ("本人第" in o.reason) == (o.cost < 1_000_000)
            assert ("跨片区" in o.reason) == (o.school.zone != teacher.school.zone)
        costs = [o.cost for o in rows]
        assert costs == sorted(costs)
        ti = instance.teacher_ids.index(teacher.staff_no)
        expected = placement_costs(
            instance, np.full(len(rows), ti), np.array([instance.school_ids.index(o.school.code) for o in rows])
        )
        assert costs == expected.tolist()
        # Every post of the subject with a free seat is offered.
        offered = {o.school.id for o in rows}
        for post in db.session.scalars(select(Post).where(Post.round_id == round_.id, Post.subject == teacher.subject)):
            if (
                post.school_id != teacher.school_id
                and post.seats - seats_taken(run, post.school_id, teacher.subject, besides=teacher.id) > 0
            ):
                assert post.school_id in offered


def test_results_page_filters_and_offers_only_free_posts(app, client):
    round_, s, teachers, music, posts, outcome = _run_whole_fair()
    gen_user("bureau", username="renshi")
    db.session.commit()
    client.post("/login", data={"username": "renshi", "password": "password123"})
    page = client.get(f"/fair/{round_.id}/results?subject=music").get_data(as_text=True)
    assert "音乐0" in page and "数学1" not in page
    music_row = page.split(f'id="t{music.id}"')[1].split("</tr>")[0]
    # The music teacher may only go where there is a music post: school 3.
    assert s[3].name in music_row and s[1].name not in music_row and s[2].name not in music_row
    assert "系统建议" in music_row
    page = client.get(f"/fair/{round_.id}/results?q=没有这个人").get_data(as_text=True)
    assert "没有符合筛选条件的教师" in page
