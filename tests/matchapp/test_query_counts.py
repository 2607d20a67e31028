"""The pages people use all fair long read a fixed number of statements, whatever the size of a
teacher's list or a school's posts: no query per entry, per post or per template block (the load
bench's cost per request, bench/README.md, depends on it)."""

from __future__ import annotations

import re
from contextlib import contextmanager

from sqlalchemy import event

from matchapp.extensions import db
from matchapp.fair.preferences import save_preferences
from matchapp.fair.window import open_fair
from matchapp.preparation.models import Outgoing, Post
from tests.factories import gen_round, gen_school, gen_teacher, gen_user

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@contextmanager
def counted():
    statements: list[str] = []

    def count(conn, cursor, statement, params, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def _district(schools: int, posts_at_home: int):
    """``schools`` schools with a math post each; two outgoing math teachers at the first; the
    first school also offers ``posts_at_home`` posts of other subjects."""
    round_ = gen_round()
    s = [gen_school(code=f"Q{k:02d}", name=f"学校{k}", zone="东" if k % 2 else "西") for k in range(schools)]
    teachers = [gen_teacher(s[0], subject="math", name=f"数学{k}") for k in range(2)]
    for t in teachers:
        db.session.add(Outgoing(round_id=round_.id, teacher_id=t.id, how="rule", confirmed=True))
    db.session.add_all(Post(round_id=round_.id, school_id=x.id, subject="math", seats=1) for x in s[1:])
    for subject in ["chinese", "english", "physics", "music", "art", "pe"][:posts_at_home]:
        db.session.add(Post(round_id=round_.id, school_id=s[0].id, subject=subject, seats=1))
    db.session.flush()
    open_fair(round_, None)
    gen_user("teacher", username="short", teacher_id=teachers[0].id)
    gen_user("teacher", username="long", teacher_id=teachers[1].id)
    gen_user("school", username="home", school_id=s[0].id)
    save_preferences(round_, teachers[0], [s[1].id, s[2].id], submit=True)
    save_preferences(round_, teachers[1], [x.id for x in s[1:11]], submit=True)
    db.session.commit()
    return round_, s


def _signed_in(app, username):
    client = app.test_client()
    token = CSRF.search(client.get("/login").text).group(1)
    answer = client.post("/login", data={"username": username, "password": "password123", "csrf_token": token})
    assert answer.status_code == 302, answer.status_code
    client.csrf = CSRF.search(client.get("/home").text).group(1)
    return client


def _cost(client, method, path, **kwargs) -> int:
    client.open(path, method=method, **kwargs)  # warm: the session's last-seen time, caches
    with counted() as statements:
        answer = client.open(path, method=method, **kwargs)
    assert answer.status_code == 200, (path, answer.status_code)
    return len(statements)


def test_a_teachers_pages_read_as_much_for_2_schools_as_for_10(app):
    round_, s = _district(schools=12, posts_at_home=0)
    short, long = _signed_in(app, "short"), _signed_in(app, "long")
    pages = [
        ("GET", "/home", {}),
        ("GET", f"/fair/{round_.id}/preferences", {}),
        ("GET", f"/api/v1/rounds/{round_.id}/posts", {}),
        ("GET", f"/api/v1/rounds/{round_.id}/preferences", {}),
    ]
    for method, path, kwargs in pages:
        assert _cost(short, method, path, **kwargs) == _cost(long, method, path, **kwargs), path
    codes = [x.code for x in s[1:]]
    saves = {
        name: _cost(
            client,
            "PUT",
            f"/api/v1/rounds/{round_.id}/preferences",
            json={"schools": chosen, "submit": True},
            headers={"X-CSRFToken": client.csrf},
        )
        for name, client, chosen in [("short", short, codes[:2]), ("long", long, codes[:10])]
    }
    assert saves["short"] == saves["long"], saves
    # and a few, not dozens: the session, its user, teacher and school come in one statement
    assert _cost(short, "GET", f"/api/v1/rounds/{round_.id}/posts") <= 4


def test_a_schools_home_reads_as_much_for_one_post_as_for_seven(app):
    round_, s = _district(schools=3, posts_at_home=1)
    school = _signed_in(app, "home")
    one = _cost(school, "GET", "/home")
    for subject in ["english", "physics", "music", "art", "pe", "biology"]:
        db.session.add(Post(round_id=round_.id, school_id=s[0].id, subject=subject, seats=1))
    db.session.commit()
    assert _cost(school, "GET", "/home") == one


def test_the_vocabulary_is_translated_once_per_page_in_the_pages_language(app):
    """The names of the vocabulary are remembered per page (a tier is translated once, not once
    per card), so each page must still speak its own request's language: "weak" in English where
    the same page in Chinese says "薄弱"."""
    round_, s = _district(schools=12, posts_at_home=0)
    for x in s[1:]:
        x.tier = "weak"
    db.session.commit()
    client = _signed_in(app, "long")
    chinese = client.get(f"/fair/{round_.id}/preferences").text
    client.post("/lang/en", data={"csrf_token": client.csrf})
    english = client.get(f"/fair/{round_.id}/preferences").text
    assert chinese.count('tier-weak">薄弱<') == 11, chinese.count("tier-weak")
    assert english.count('tier-weak">weak<') == 11 and "薄弱" not in english
    client.post("/lang/zh", data={"csrf_token": client.csrf})
    assert client.get(f"/fair/{round_.id}/preferences").text.count('tier-weak">薄弱<') == 11
