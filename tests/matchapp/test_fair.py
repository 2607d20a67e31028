"""The fair: state guards, preferences, rankings with concurrent edits, the run, assignment, publication."""

import datetime as dt
import subprocess
import sys

import pytest
from sqlalchemy import func, select

from matchapp.core.audit import AuditLog
from matchapp.core.clock import utcnow
from matchapp.core.errors import Refused
from matchapp.core.errors import StaleEdit as StaleRanking
from matchapp.core.jobs import wait_for_jobs
from matchapp.extensions import db
from matchapp.fair.preferences import save_preferences
from matchapp.fair.rankings import save_ranking
from matchapp.fair.window import close_fair, open_fair, sync_state
from matchapp.preparation.models import Outgoing, Post
from matchapp.results.publication import publish
from matchapp.roster.models import ExchangeRecord
from matchapp.runs.assignment import change_assignment, confirm_assignment
from matchapp.runs.models import Placement, Run
from matchapp.runs.service import final_run, run_fair
from tests.factories import gen_round, gen_school, gen_teacher, gen_user


def _fair():
    """Four schools in two zones; five outgoing math teachers and one music teacher."""
    round_ = gen_round()
    s = [
        gen_school(code=f"F{k}", name=f"学校{k}", tier=t, zone=z)
        for k, (t, z) in enumerate([("strong", "东"), ("weak", "东"), ("ordinary", "西"), ("weak", "西")])
    ]
    teachers = [gen_teacher(s[k % 2], subject="math", name=f"数学{k}", backbone=k == 0) for k in range(5)]
    music = gen_teacher(s[0], subject="music", name="音乐0")
    for t in teachers + [music]:
        db.session.add(Outgoing(round_id=round_.id, teacher_id=t.id, how="rule", confirmed=True))
    posts = {
        "B": Post(round_id=round_.id, school_id=s[1].id, subject="math", seats=2),
        "C": Post(round_id=round_.id, school_id=s[2].id, subject="math", seats=1),
        "D": Post(round_id=round_.id, school_id=s[3].id, subject="math", seats=2),
        "A": Post(round_id=round_.id, school_id=s[0].id, subject="math", seats=1),
        "Dm": Post(round_id=round_.id, school_id=s[3].id, subject="music", seats=1),
    }
    db.session.add_all(posts.values())
    db.session.flush()
    return round_, s, teachers, music, posts


def _rank_all(post, order, submit=True):
    return save_ranking(post, {t.id: k + 1 for k, t in enumerate(order)}, set(), 0, submit=submit)


def test_nothing_is_ranked_before_the_fair_opens_or_after_it_closes(app):
    round_, s, teachers, music, posts = _fair()
    with pytest.raises(Refused, match="未开放"):
        save_preferences(round_, teachers[0], [s[1].id], submit=True)
    open_fair(round_, utcnow() + dt.timedelta(hours=1))
    save_preferences(round_, teachers[0], [s[1].id], submit=True)
    # The closing time passes: the server refuses, whatever the page shows.
    with pytest.raises(Refused, match="截止"):
        save_preferences(round_, teachers[0], [s[2].id], submit=True, now=utcnow() + dt.timedelta(hours=2))
    sync_state(round_, now=utcnow() + dt.timedelta(hours=2))
    assert round_.state == "fair_closed"


def test_nothing_is_run_before_the_close(app):
    round_, s, teachers, music, posts = _fair()
    open_fair(round_, None)
    with pytest.raises(Refused, match="截止后"):
        run_fair(round_, None)
    run_fair(round_, None, preview=True)  # a preview is fine, and changes nothing
    assert round_.state == "fair_open"
    assert db.session.scalar(select(func.count(Placement.id))) == 0


def test_teacher_cannot_rank_own_school_or_a_school_without_their_subject(app):
    round_, s, teachers, music, posts = _fair()
    open_fair(round_, None)
    with pytest.raises(Refused, match="本校"):
        save_preferences(round_, teachers[0], [teachers[0].school_id], submit=True)
    with pytest.raises(Refused, match="没有本学科"):
        save_preferences(round_, music, [s[1].id], submit=True)
    with pytest.raises(Refused, match="只能填一次"):
        save_preferences(round_, teachers[0], [s[2].id, s[2].id], submit=False)


def test_second_administrator_saving_a_stale_ranking_is_refused(app):
    round_, s, teachers, music, posts = _fair()
    open_fair(round_, None)
    for t in teachers:
        save_preferences(round_, t, [s[3].id], submit=True)
    post = posts["D"]
    first = save_ranking(post, {teachers[0].id: 1}, set(), 0, submit=False)
    loaded_version = first.version  # both administrators load this version
    save_ranking(post, {teachers[1].id: 1}, set(), loaded_version, submit=False)  # the first saves
    with pytest.raises(StaleRanking, match="已被其他管理员修改"):
        save_ranking(post, {teachers[2].id: 1}, set(), loaded_version, submit=False)  # the second is refused
    assert post.id and db.session.get(type(first), first.id).groups() == [[teachers[1].id]]


def test_each_save_of_a_list_or_ranking_leaves_one_audit_row_saying_what_and_which_version(app):
    round_, s, teachers, music, posts = _fair()
    open_fair(round_, None)

    def rows(entity, entity_id):
        query = select(AuditLog).where(AuditLog.entity == entity, AuditLog.entity_id == entity_id)
        return db.session.scalars(query.order_by(AuditLog.id)).all()

    plist = save_preferences(round_, teachers[0], [s[3].id], submit=False)
    created = rows("preference_lists", plist.id)  # the new row itself, and what the save wrote
    assert [r.action for r in created] == ["insert", "insert"]
    assert created[1].after == {"draft": [s[3].id], "submitted": None, "submitted_at": None, "version": 1}
    plist = save_preferences(round_, teachers[0], [s[2].id, s[3].id], submit=True, version=1)
    (resubmitted,) = rows("preference_lists", plist.id)[2:]  # one row per later save
    assert resubmitted.before == {"draft": [s[3].id], "submitted": None}
    assert resubmitted.after == {
        "draft": [s[2].id, s[3].id],
        "submitted": [s[2].id, s[3].id],
        "submitted_at": plist.submitted_at.isoformat(),
        "version": 2,
    }
    save_preferences(round_, teachers[1], [s[3].id], submit=True)
    ranking = _rank_all(posts["D"], [teachers[0]], submit=False)
    ranking = save_ranking(posts["D"], {teachers[0].id: 1, teachers[1].id: 2}, set(), 1, submit=True)
    (ranked,) = rows("post_rankings", ranking.id)[2:]
    assert ranked.after == {
        "groups": [[teachers[0].id], [teachers[1].id]],
        "unacceptable": [],
        "submitted": True,
        "submitted_at": ranking.submitted_at.isoformat(),
        "version": 2,
    }


def test_ranking_only_applicants_and_submission_must_be_complete(app):
    round_, s, teachers, music, posts = _fair()
    open_fair(round_, None)
    save_preferences(round_, teachers[0], [s[3].id], submit=True)
    with pytest.raises(Refused, match="申请本岗位"):
        save_ranking(posts["D"], {teachers[1].id: 1}, set(), 0, submit=False)
    save_preferences(round_, teachers[1], [s[3].id], submit=True)
    with pytest.raises(Refused, match="每位申请者"):
        save_ranking(posts["D"], {teachers[0].id: 1}, set(), 0, submit=True)


def _run_whole_fair():
    round_, s, teachers, music, posts = _fair()
    open_fair(round_, None)
    prefs = {0: [3, 2], 1: [3, 2], 2: [3], 3: [2, 3], 4: [1]}  # teacher -> school indices
    for k, choice in prefs.items():
        save_preferences(
            round_, teachers[k], [s[j].id for j in choice if s[j].id != teachers[k].school_id], submit=True
        )
    save_preferences(round_, music, [s[3].id], submit=True)
    _rank_all(posts["D"], [teachers[2], teachers[0], teachers[1], teachers[3]])
    _rank_all(posts["C"], [teachers[3], teachers[1], teachers[0]])
    close_fair(round_)
    outcome = run_fair(round_, None)
    return round_, s, teachers, music, posts, outcome


def test_the_run_equals_matchapp_solve_on_its_stored_instance(app, tmp_path):
    round_, s, teachers, music, posts, outcome = _run_whole_fair()
    run = outcome.run
    assert round_.state == "matched" and run.stable and len(run.input_sha256) == 64
    path = tmp_path / "instance.json"
    path.write_text(run.instance_json, encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "matchapp", "solve", str(path), "--assign"], capture_output=True)
    assert proc.returncode == 0
    assert proc.stdout == run.result_json.encode("utf-8")
    import hashlib

    assert hashlib.sha256(path.read_bytes()).hexdigest() == run.input_sha256


def test_results_follow_the_rankings_and_the_small_subject_is_assigned(app):
    round_, s, teachers, music, posts, outcome = _run_whole_fair()
    placed = {p.teacher_id: p for p in db.session.scalars(select(Placement).where(Placement.run_id == outcome.run.id))}
    # D (2 seats) ranks 2 > 0 > 1 > 3: teachers 2 and 0 keep D; teacher 1, rejected there, loses C
    # (1 seat) to teacher 3, whom C ranks first: teacher 1 is left for the administrative assignment.
    assert placed[teachers[2].id].school_id == s[3].id and placed[teachers[0].id].school_id == s[3].id
    assert placed[teachers[3].id].school_id == s[2].id and placed[teachers[3].id].preference_rank == 1
    assert placed[teachers[1].id].how == "assigned" and placed[teachers[1].id].school_id not in (s[1].id, None)
    # Music has one outgoing teacher: fewer than min_selection_size, so assigned by the bureau.
    assert placed[music.id].how == "assigned" and placed[music.id].school_id == s[3].id
    assert any("音乐" in n or "music" in n for n in outcome.notes)
    # B did not submit a ranking: its applicants were ranked equally (and the notes say so).
    assert any("未提交排序" in n for n in outcome.notes)


def test_assignment_changes_refuse_what_breaks_the_rules_and_warn(app):
    round_, s, teachers, music, posts, outcome = _run_whole_fair()
    run = outcome.run
    target = next(p for p in run.placements if p.how != "matched" and p.teacher_id != music.id)
    teacher = db.session.get(type(teachers[0]), target.teacher_id)
    with pytest.raises(Refused, match="理由"):
        change_assignment(run, teacher, s[3], "  ")
    with pytest.raises(Refused, match="本校"):
        change_assignment(run, teacher, teacher.school, "试试")
    with pytest.raises(Refused, match="名额已满"):
        change_assignment(run, teacher, s[3], "想去D")  # D's two seats are taken
    with pytest.raises(Refused, match="没有本学科"):
        change_assignment(run, music, s[2], "音乐老师去C")  # C has no music post
    posts["C"].seats = 2  # a seat is freed at C (west zone); the teacher is from the east zone
    check = change_assignment(run, teacher, s[2], "家庭住址就近")
    assert any("跨片区" in w for w in check.warnings)
    free = s[2]
    log = db.session.scalars(select(AuditLog).where(AuditLog.entity == "placements", AuditLog.action == "update")).all()
    assert log and log[-1].reason == "家庭住址就近" and log[-1].after["school_id"] == free.id


def test_publication_writes_history_and_freezes_the_round(app):
    round_, s, teachers, music, posts, outcome = _run_whole_fair()
    with pytest.raises(Refused):
        publish(round_)  # not before the assignment is confirmed
    confirm_assignment(round_)
    publish(round_)
    placed = [p for p in final_run(round_).placements if p.school_id]
    records = db.session.scalars(select(ExchangeRecord).where(ExchangeRecord.year == round_.year)).all()
    assert len(records) == len(placed)
    assert all(r.term_years == 3 and r.planned_return == dt.date(round_.year + 3, 8, 31) for r in records)
    with pytest.raises(Refused):
        save_preferences(round_, teachers[0], [s[2].id], submit=True)
    with pytest.raises(Refused):
        run_fair(round_, None)


def test_pages_of_the_fair(app, client, auth):
    round_, s, teachers, music, posts = _fair()
    open_fair(round_, None)
    gen_user("teacher", username="t0", teacher_id=teachers[2].id)
    gen_user("school", username="d", school_id=s[3].id)
    gen_user("school", username="c", school_id=s[2].id)
    gen_user("bureau", username="renshi")
    db.session.commit()
    auth.login("t0")
    page = client.get(f"/fair/{round_.id}/preferences").get_data(as_text=True)
    assert (
        "如实填报是您的最佳选择" in page
        and "学校3" in page
        and teachers[2].school.name not in page.split('id="ranked"')[1]
    )
    page = client.post(
        f"/fair/{round_.id}/preferences", data={f"rank-{s[3].id}": "1", f"rank-{s[2].id}": "1", "submit": "1"}
    ).get_data(as_text=True)
    assert "志愿序号1重复" in page
    page = client.post(
        f"/fair/{round_.id}/preferences",
        data={f"rank-{s[3].id}": "1", f"rank-{s[2].id}": "2", "submit": "1"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "志愿已提交（回执号" in page and "提交时间" in page
    auth.logout()
    auth.login("d")
    page = client.get(f"/fair/{round_.id}/posts/{posts['D'].id}/ranking").get_data(as_text=True)
    assert teachers[2].name in page
    assert client.get(f"/fair/{round_.id}/posts/{posts['C'].id}/ranking").status_code == 403  # another school's post
    page = client.post(
        f"/fair/{round_.id}/posts/{posts['D'].id}/ranking",
        data={f"band-{teachers[2].id}": "1", "version": "0", "submit": "1"},
        follow_redirects=True,
    )
    assert "排序已提交" in page.get_data(as_text=True)
    page = client.post(
        f"/fair/{round_.id}/posts/{posts['D'].id}/ranking",
        data={f"band-{teachers[2].id}": "2", "version": "0"},
        follow_redirects=True,
    )
    assert "已被其他管理员修改" in page.get_data(as_text=True)  # a stale form is refused
    auth.logout()
    auth.login("renshi")
    control = client.get(f"/fair/{round_.id}/").get_data(as_text=True)
    assert "截止洽谈会之前" in control and "名教师尚未提交志愿" in control  # the checklist before closing
    page = client.post(f"/fair/{round_.id}/close", follow_redirects=True).get_data(as_text=True)
    assert "请先核对清单" in page  # not without ticking the confirmation
    page = client.post(f"/fair/{round_.id}/close", data={"confirm": "y"}, follow_redirects=True).get_data(as_text=True)
    assert "洽谈会已截止" in page
    assert "运行正式匹配之前" in page and "运行时不使用草稿" in page  # B's ranking was never submitted
    assert "请先核对清单" in client.post(f"/fair/{round_.id}/run", follow_redirects=True).get_data(as_text=True)
    resp = client.post(f"/fair/{round_.id}/run", data={"confirm": "y"})
    assert "/jobs/" in resp.headers["Location"]  # the run goes to the background
    wait_for_jobs()
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "已完成" in page and "结果已通过稳定性校验" in page and 'http-equiv="refresh"' not in page
    for step, words in [("confirm", "行政指定已确认"), ("publish", "结果已公示")]:
        assert "请先核对清单" in client.post(f"/fair/{round_.id}/{step}", follow_redirects=True).get_data(as_text=True)
        if step == "publish":
            control = client.get(f"/fair/{round_.id}/").get_data(as_text=True)
            assert "公示之前：以下内容将公开" in control and "名教师的姓名" in control
        period = {"notice_starts_on": "2027-07-12", "notice_ends_on": "2027-07-16"} if step == "publish" else {}
        page = client.post(
            f"/fair/{round_.id}/{step}", data={"confirm": "y", **period}, follow_redirects=True
        ).get_data(as_text=True)
        assert words in page, step
    page = client.get(f"/fair/{round_.id}/results").get_data(as_text=True)
    assert "录取志愿分布" in page and "histogram-data" in page
    assert client.get(f"/fair/{round_.id}/results.xlsx").status_code == 200
    auth.logout()
    assert "结果公示" in client.get(f"/fair/{round_.id}/notice").get_data(as_text=True)  # public
    auth.login("t0")
    page = client.get(f"/fair/{round_.id}/my-result").get_data(as_text=True)
    assert "为什么是这个结果" in page and "双向选择录取到" in page
    assert client.get(f"/fair/{round_.id}/letters/{teachers[2].id}").status_code == 200
    assert client.get(f"/fair/{round_.id}/letters/{teachers[0].id}").status_code in (403, 404)
    assert client.get(f"/fair/{round_.id}/results").status_code == 403
    assert db.session.scalar(select(func.count(Run.id))) == 1


def _redis_url():
    import socket

    try:
        socket.create_connection(("127.0.0.1", 6379), 1).close()
    except OSError:
        return None
    return "redis://127.0.0.1:6379/15"


@pytest.mark.skipif(_redis_url() is None, reason="no Redis on 127.0.0.1:6379")
def test_a_run_goes_through_the_rq_queue_when_redis_is_configured(database_url, tmp_path, monkeypatch):
    from redis import Redis
    from rq import Queue, SimpleWorker

    from matchapp.core.jobs import QUEUE, Job, enqueue
    from tests.conftest import make_app, running

    url = _redis_url()
    Redis.from_url(url).delete(f"rq:queue:{QUEUE}")
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("MATCHAPP_ENV", "testing")
    monkeypatch.setenv("MATCHAPP_INSTANCE", str(tmp_path / "instance"))
    with running(make_app(database_url, tmp_path, REDIS_URL=url)):
        round_, s, teachers, music, posts = _fair()
        open_fair(round_, None)
        close_fair(round_)
        db.session.commit()
        job = enqueue("run_fair", {"round_id": round_.id, "preview": False}, None)
        db.session.commit()  # the job is handed to the queue once the request's transaction commits
        assert db.session.get(Job, job.id).state == "queued"  # nothing ran in the web process
        connection = Redis.from_url(url)
        SimpleWorker([Queue(QUEUE, connection=connection)], connection=connection).work(burst=True)
        db.session.expire_all()
        done = db.session.get(Job, job.id)
        assert done.state == "done" and done.progress == 100, done.message
        assert final_run(round_).id == done.result["run_id"]
