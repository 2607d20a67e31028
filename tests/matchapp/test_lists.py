"""Long lists (issue 14): the district's teachers and schools searched, filtered and paged; a
school's administrator searches only their own school, whatever the address asks for."""

from __future__ import annotations

import pytest

from matchapp.extensions import db
from matchapp.roster.listing import teacher_filters, teacher_query
from tests.factories import gen_school, gen_teacher, gen_user


@pytest.fixture
def district(app):
    east = gen_school(name="东城小学", zone="东片区", stage="primary")
    west = gen_school(name="西城初中", zone="西片区", stage="junior", tier="strong")
    people = [gen_teacher(east, name=f"张{k}", subject="math") for k in range(3)]
    people += [gen_teacher(west, name=f"李{k}", subject="chinese") for k in range(2)]
    people[0].id_number = "110101198503011234"
    gen_user("bureau", username="renshi")
    gen_user("school", username="east", school_id=east.id)
    db.session.commit()
    return east, west, people


def _found(**args):
    return [t.name for t in db.session.scalars(teacher_query(teacher_filters(args)))]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ({}, ["张0", "张1", "张2", "李0", "李1"]),
        ({"q": "张1"}, ["张1"]),
        ({"q": "1234"}, ["张0"]),  # the end of an ID number
        ({"q": "0101"}, []),  # …only its end, not any part of it
        ({"subject": "chinese"}, ["李0", "李1"]),
        ({"zone": "东片区"}, ["张0", "张1", "张2"]),
        ({"subject": "painting"}, ["张0", "张1", "张2", "李0", "李1"]),  # not a subject: dropped
        ({"school": "1 or 1=1"}, ["张0", "张1", "张2", "李0", "李1"]),  # not a number: dropped
    ],
)
def test_teacher_search(district, args, expected):
    assert sorted(_found(**args)) == sorted(expected)


def test_staff_number_search(district):
    east, west, people = district
    assert _found(q=people[3].staff_no) == ["李0"]
    assert sorted(_found(school=str(west.id))) == ["李0", "李1"]


def test_a_school_searches_only_its_own_teachers(district, client):
    east, west, people = district
    client.post("/login", data={"username": "east", "password": "password123"})
    page = client.get(f"/roster/schools/{east.id}?q=李&school={west.id}").get_data(as_text=True)
    assert "李0" not in page and "没有符合筛选条件的教师" in page
    assert client.get("/roster/teachers").status_code == 403
    page = client.get(f"/roster/schools/{east.id}?q=张2").get_data(as_text=True)
    assert "张2" in page and "张1" not in page


def test_the_bureau_pages_through_the_district(district, client):
    east, west, people = district
    for k in range(60):
        gen_teacher(east, name=f"王{k:02d}")
    db.session.commit()
    client.post("/login", data={"username": "renshi", "password": "password123"})
    first = client.get("/roster/teachers?zone=东片区").get_data(as_text=True)
    assert "第 1 / 2 页，共 63 人" in first and "zone=%E4%B8%9C%E7%89%87%E5%8C%BA" in first  # the filter kept
    second = client.get("/roster/teachers?zone=东片区&page=2").get_data(as_text=True)
    assert "第 2 / 2 页" in second and "李0" not in second
    schools = client.get("/roster/schools?stage=junior").get_data(as_text=True)
    listed = schools.split("<tbody>")[1].split("</tbody>")[0]
    assert "西城初中" in listed and "东城小学" not in listed


def test_the_bureau_filters_the_schools_of_a_round(district, client):
    from tests.factories import gen_round

    east, west, people = district
    round_ = gen_round()
    db.session.commit()
    client.post("/login", data={"username": "renshi", "password": "password123"})

    def listed(query: str) -> str:
        page = client.get(f"/rounds/{round_.id}/schools?{query}").get_data(as_text=True)
        return page.split('id="list"')[1].split("</tbody>")[0]

    assert "东城小学" in listed("") and "西城初中" in listed("")
    assert "东城小学" not in listed("zone=西片区") and "西城初中" in listed("zone=西片区")
    assert "西城初中" in listed("q=西城") and "东城小学" not in listed("q=西城")
    nobody = listed("state=submitted")  # no school has submitted yet
    assert "东城小学" not in nobody and "没有符合筛选条件的学校" in nobody
    assert "东城小学" in listed("state=pending") and "东城小学" in listed("state=nonsense")


def _names_in(html: str, candidates) -> list[str]:
    """The names shown in a table's cells (张1 is not found inside 张12)."""
    return [name for name in candidates if f">{name}<" in html or f">{name}（" in html]


def test_the_exemptions_list_is_searched_filtered_and_paged(district, client, auth):
    from matchapp.roster.models import TeacherExemption
    from tests.factories import gen_round

    east, west, people = district
    round_ = gen_round()

    def exempt(teacher, code, approved=False):
        db.session.add(
            TeacherExemption(teacher_id=teacher.id, year=round_.year, code=code, reason="情况说明", approved=approved)
        )

    for k, teacher in enumerate(people):
        exempt(teacher, "pregnancy" if k % 2 == 0 else "illness", approved=k == 0)
    extra = [gen_teacher(west, name=f"王{k}") for k in range(60)]
    db.session.flush()
    for teacher in extra:
        exempt(teacher, "illness")
    db.session.commit()
    auth.login("renshi")
    url = f"/rounds/{round_.id}/exemptions"
    everyone = [t.name for t in people]
    assert _names_in(client.get(f"{url}?school={west.id}&state=pending").get_data(as_text=True), everyone) == [
        "李0",
        "李1",
    ]
    page = client.get(f"{url}?reason=pregnancy&zone=东片区").get_data(as_text=True)
    assert _names_in(page, everyone) == ["张0", "张2"] and "孕" in page  # the reason in words
    assert _names_in(client.get(f"{url}?q=张1").get_data(as_text=True), everyone) == ["张1"]
    assert _names_in(client.get(f"{url}?state=approved").get_data(as_text=True), everyone) == ["张0"]
    first = client.get(url).get_data(as_text=True)
    assert "第 1 / 2 页，共 65 份申请" in first
    second = client.get(f"{url}?page=2").get_data(as_text=True)
    assert len(_names_in(first, [t.name for t in extra])) + len(_names_in(second, [t.name for t in extra])) == 60
    # A decision keeps the list where the bureau was.
    response = client.post(f"{url}?school={west.id}", data={"teacher_id": people[3].id, "decision": "approve"})
    assert response.status_code == 302 and f"school={west.id}" in response.headers["Location"]


def test_a_schools_accounts_are_searched_filtered_and_paged(district, client, auth):
    east, west, people = district
    gen_user("teacher", username="zhang1", teacher_id=people[1].id)
    for k in range(55):
        gen_teacher(east, name=f"赵{k}")
    db.session.commit()
    auth.login("east")
    url = f"/schools/{east.id}/accounts"
    assert "第 1 / 2 页，共 58 人" in client.get(url).get_data(as_text=True)
    page = client.get(f"{url}?state=none&q=张").get_data(as_text=True)
    assert _names_in(page, ["张0", "张1", "张2"]) == ["张0", "张2"]
    page = client.get(f"{url}?state=never").get_data(as_text=True)
    assert _names_in(page, ["张0", "张1", "张2"]) == ["张1"]
    assert client.get(f"/schools/{west.id}/accounts").status_code == 403
