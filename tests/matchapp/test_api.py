"""The JSON API: token and session authentication, the pages' access rules, and the fair's actions."""

from matchapp.api.openapi import OPENAPI
from matchapp.core.jobs import wait_for_jobs
from matchapp.extensions import db
from matchapp.fair.window import open_fair
from tests.factories import gen_user
from tests.matchapp.test_fair import _fair


def _token(client, username, password="password123"):
    resp = client.post("/api/v1/token", json={"username": username, "password": password})
    assert resp.status_code == 200, resp.json
    return {"Authorization": f"Bearer {resp.json['token']}"}


def _world():
    round_, s, teachers, music, posts = _fair()
    open_fair(round_, None)
    gen_user("teacher", username="t0", teacher_id=teachers[0].id)
    gen_user("teacher", username="t2", teacher_id=teachers[2].id)
    gen_user("school", username="d", school_id=s[3].id)
    gen_user("school", username="c", school_id=s[2].id)
    gen_user("bureau", username="renshi")
    db.session.commit()
    return round_, s, teachers, posts


def test_openapi_document_is_served_and_describes_every_api_route(app, client):
    doc = client.get("/api/openapi.json").json
    assert doc["openapi"].startswith("3.") and doc == OPENAPI
    documented = {
        path.replace("{round_id}", "<int:round_id>")
        .replace("{post_id}", "<int:post_id>")
        .replace("{job_id}", "<int:job_id>")
        .replace("{token_id}", "<int:token_id>")
        for path in doc["paths"]
    }
    routes = {r.rule for r in app.url_map.iter_rules() if r.rule.startswith("/api/v1/")}
    assert routes == documented


def test_token_and_bad_credentials(app, client):
    _world()
    assert client.post("/api/v1/token", json={"username": "t0", "password": "nope"}).status_code == 401
    assert client.post("/api/v1/token", data="not json").status_code == 400
    assert client.get("/api/v1/rounds/1/posts").status_code == 401
    assert client.get("/api/v1/rounds/1/posts", headers={"Authorization": "Bearer forged"}).status_code == 401


def test_teacher_puts_preferences_and_reads_only_their_own(app, client):
    round_, s, teachers, posts = _world()
    headers = _token(client, "t0")
    listing = client.get(f"/api/v1/rounds/{round_.id}/posts", headers=headers).json
    assert {p["school"] for p in listing["posts"]} == {"F1", "F2", "F3"}  # math posts, not their own school F0
    resp = client.put(
        f"/api/v1/rounds/{round_.id}/preferences", json={"schools": ["F3", "F2"], "submit": True}, headers=headers
    )
    assert resp.status_code == 200 and resp.json["submitted"] == ["F3", "F2"] and resp.json["submitted_at"]
    # A draft keeps the submitted list; the answer to each save is what a read then returns.
    url = f"/api/v1/rounds/{round_.id}/preferences"
    for body, draft, submitted in [
        ({"schools": ["F1"]}, ["F1"], ["F3", "F2"]),
        ({"schools": []}, [], ["F3", "F2"]),
        ({"schools": ["F2", "F1", "F3"], "submit": True}, ["F2", "F1", "F3"], ["F2", "F1", "F3"]),
    ]:
        resp = client.put(url, json=body, headers=headers)
        assert resp.status_code == 200 and (resp.json["draft"], resp.json["submitted"]) == (draft, submitted)
        assert client.get(url, headers=headers).json == resp.json
    resp = client.put(f"/api/v1/rounds/{round_.id}/preferences", json={"schools": ["F0"]}, headers=headers)
    assert resp.status_code == 409 and "本校" in resp.json["message"]
    resp = client.put(f"/api/v1/rounds/{round_.id}/preferences", json={"schools": "F3"}, headers=headers)
    assert resp.status_code == 400
    # Teachers cannot rank posts or run the fair.
    assert client.get(f"/api/v1/rounds/{round_.id}/posts/{posts['D'].id}/ranking", headers=headers).status_code == 403
    assert client.post(f"/api/v1/rounds/{round_.id}/run", json={}, headers=headers).status_code == 403


def test_school_ranks_its_own_post_and_a_stale_version_is_refused(app, client):
    round_, s, teachers, posts = _world()
    for user, schools in (("t0", ["F3"]), ("t2", ["F3"])):
        client.put(
            f"/api/v1/rounds/{round_.id}/preferences",
            json={"schools": schools, "submit": True},
            headers=_token(client, user),
        )
    headers = _token(client, "d")
    url = f"/api/v1/rounds/{round_.id}/posts/{posts['D'].id}/ranking"
    post = client.get(url, headers=headers).json
    assert {c["id"] for c in post["candidates"]} == {teachers[0].staff_no, teachers[2].staff_no}
    version = post["ranking"]["version"]
    body = {"groups": [[teachers[2].staff_no, teachers[0].staff_no]], "version": version, "submit": True}
    saved = client.put(url, json=body, headers=headers)
    assert saved.status_code == 200
    (group,) = saved.json["ranking"]["groups"]  # one tie group holding both
    assert set(group) == {teachers[0].staff_no, teachers[2].staff_no}
    assert saved.json["ranking"]["version"] == version + 1
    stale = client.put(url, json=body, headers=headers)  # the same old version again
    assert stale.status_code == 409 and stale.json["error"] == "stale"
    other = _token(client, "c")
    assert client.get(url, headers=other).status_code == 403
    assert client.put(url, json=body, headers=other).status_code == 403


def test_session_calls_need_the_csrf_header(database_url, tmp_path):
    from tests.conftest import make_app, running

    with running(make_app(database_url, tmp_path, WTF_CSRF_ENABLED=True)) as app:
        round_, s, teachers, posts = _world()
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        client.post("/login", data={"username": "t0", "password": "password123", "csrf_token": token})
        # A new session after signing in: the page's new token (as a browser would read it).
        page = client.get("/home").get_data(as_text=True)
        token = page.split('name="csrf_token" value="')[1].split('"')[0]
        url = f"/api/v1/rounds/{round_.id}/preferences"
        assert client.get(url).status_code == 200
        assert client.put(url, json={"schools": ["F3"]}).status_code == 400
        assert client.put(url, json={"schools": ["F3"]}, headers={"X-CSRFToken": token}).status_code == 200


def test_bureau_runs_and_reads_results(app, client):
    round_, s, teachers, posts = _world()
    headers = _token(client, "renshi")
    resp = client.post(f"/api/v1/rounds/{round_.id}/run", json={}, headers=headers)
    assert resp.status_code == 409  # the fair is still open
    preview = client.post(f"/api/v1/rounds/{round_.id}/run", json={"preview": True}, headers=headers)
    assert preview.status_code == 202 and preview.headers["Location"] == preview.json["status_url"]
    wait_for_jobs()
    job = client.get(preview.json["status_url"], headers=headers).json
    assert job["state"] == "done" and job["progress"] == 100 and job["result"]["kind"] == "preview"
    assert client.get(f"/api/v1/rounds/{round_.id}/results", headers=headers).status_code == 404
    from matchapp.fair.window import close_fair

    close_fair(round_)
    db.session.commit()
    final = client.post(f"/api/v1/rounds/{round_.id}/run", json={}, headers=headers).json
    wait_for_jobs()
    job = client.get(final["status_url"], headers=headers).json
    results = client.get(f"/api/v1/rounds/{round_.id}/results", headers=headers).json
    assert results["run"] == job["result"]["run_id"] and len(results["placements"]) == 6
    teacher = _token(client, "t0")
    assert client.get(final["status_url"], headers=teacher).status_code == 403  # not their job
    assert client.get("/api/v1/rounds/999/results", headers=headers).status_code == 404


def test_teachers_and_schools_read_their_own_results_after_publication(app, client):
    from matchapp.fair.window import close_fair
    from matchapp.results.publication import publish
    from matchapp.runs.assignment import confirm_assignment
    from matchapp.runs.models import Placement
    from matchapp.runs.service import final_run

    round_, s, teachers, posts = _world()
    close_fair(round_)
    db.session.commit()
    bureau, teacher, school = _token(client, "renshi"), _token(client, "t0"), _token(client, "d")
    client.post(f"/api/v1/rounds/{round_.id}/run", json={}, headers=bureau)
    wait_for_jobs()
    url = f"/api/v1/rounds/{round_.id}/results"
    # Before publication only the bureau reads the run.
    for headers in (teacher, school):
        resp = client.get(url, headers=headers)
        assert resp.status_code == 409 and resp.json["error"] == "not_published"
    db.session.refresh(round_)
    confirm_assignment(round_)
    publish(round_)
    db.session.commit()
    placements = db.session.query(Placement).filter_by(run_id=final_run(round_).id).all()

    mine = client.get(url, headers=teacher).json
    assert [p["teacher"] for p in mine["placements"]] == [teachers[0].staff_no]
    own = next(p for p in placements if p.teacher_id == teachers[0].id)
    assert mine["placements"][0]["school"] == (own.school.code if own.school else None)
    assert mine["placements"][0]["from_school"] == teachers[0].school.code
    assert mine["explanation"] and all(isinstance(line, str) and line for line in mine["explanation"])

    theirs = client.get(url, headers=school).json
    d = s[3]
    expected = {
        p.teacher.staff_no: ("incoming" if p.school_id == d.id else "outgoing")
        for p in placements
        if p.school_id == d.id or p.teacher.school_id == d.id
    }
    assert expected, "the world sends or receives someone at school d"
    assert {p["teacher"]: p["direction"] for p in theirs["placements"]} == expected
    assert "explanation" not in theirs
    everyone = client.get(url, headers=bureau).json
    assert len(everyone["placements"]) == len(placements) and "direction" not in everyone["placements"][0]
