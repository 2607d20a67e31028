"""The preparation pages: access, the all-or-nothing upload, lists, votes, posts, exports."""

import datetime as dt
import io

from openpyxl import load_workbook
from sqlalchemy import func, select

from matchapp.extensions import db
from matchapp.preparation.models import Outgoing, Post
from matchapp.roster.models import Teacher
from tests.factories import gen_round, gen_school, gen_teacher, gen_user
from tests.matchapp.test_roster_import import as_csv, as_xlsx, row


def _world():
    round_ = gen_round()
    a, b = gen_school(code="S01", name="甲校", tier="strong"), gen_school(code="S02", name="乙校", tier="weak")
    staff = [
        gen_teacher(a, started_at_school=dt.date(2010 + k % 8, 9, 1), birth_date=dt.date(1982, 1, 1 + k))
        for k in range(20)
    ]
    users = {
        "bureau": gen_user("bureau", username="renshi"),
        "a": gen_user("school", username="jia", school_id=a.id),
        "b": gen_user("school", username="yi", school_id=b.id),
        "t": gen_user("teacher", username="laoshi", teacher_id=staff[0].id),
    }
    db.session.commit()
    return round_, a, b, staff, users


def test_bureau_uploads_a_roster_and_sees_each_problem(app, client, auth):
    _world()
    auth.login("renshi")
    data, name = as_csv([row(工号="N1"), row(工号="N2", 性别="X")], "gbk")
    page = client.post(
        "/roster/import", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data"
    ).get_data(as_text=True)
    assert "文件有1处问题，未导入任何数据" in page and "应为“男”或“女”" in page
    assert db.session.scalar(select(func.count(Teacher.id)).where(Teacher.staff_no.in_(["N1", "N2"]))) == 0
    data, name = as_xlsx([row(工号="N1"), row(工号="N2")])
    page = client.post(
        "/roster/import",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "导入完成：新增2人，更新0人，未变0人" in page


def test_upload_refuses_other_file_types(app, client, auth):
    _world()
    auth.login("renshi")
    page = client.post(
        "/roster/import", data={"file": (io.BytesIO(b"MZ..."), "virus.exe")}, content_type="multipart/form-data"
    ).get_data(as_text=True)
    assert "只接受 .xlsx 或 .csv 文件" in page


def test_template_download(app, client, auth):
    _world()
    auth.login("jia")
    resp = client.get("/roster/import/template.xlsx")
    assert resp.status_code == 200 and load_workbook(io.BytesIO(resp.data)).sheetnames[0] == "教师名册"


def test_teacher_cannot_import_or_see_school_lists(app, client, auth):
    round_, a, b, staff, users = _world()
    auth.login("laoshi")
    assert client.get("/roster/import").status_code == 403
    assert client.get(f"/rounds/{round_.id}/schools/{a.id}").status_code == 403
    assert client.get(f"/rounds/{round_.id}/schools").status_code == 403
    assert client.post(f"/rounds/{round_.id}/schools/{a.id}/rule").status_code == 403


def test_school_sees_only_its_own_lists(app, client, auth):
    round_, a, b, staff, users = _world()
    auth.login("yi")
    assert client.get(f"/rounds/{round_.id}/schools/{b.id}").status_code == 200
    assert client.get(f"/rounds/{round_.id}/schools/{a.id}").status_code == 403
    assert client.post(f"/rounds/{round_.id}/schools/{a.id}/rule").status_code == 403
    assert (
        client.post(
            f"/rounds/{round_.id}/schools/{a.id}/vote", data={"teacher_id": staff[1].id, "members": 5, "yes": 5}
        ).status_code
        == 403
    )
    assert db.session.scalar(select(func.count(Outgoing.id))) == 0


def test_school_page_explains_eligibility_and_fills_by_rule(app, client, auth):
    round_, a, b, staff, users = _world()
    auth.login("jia")
    page = client.get(f"/rounds/{round_.id}/schools/{a.id}").get_data(as_text=True)
    assert "在本校连续任教" in page and "已满6年" in page and "交流名额（15%）" in page
    page = client.post(f"/rounds/{round_.id}/schools/{a.id}/rule", follow_redirects=True).get_data(as_text=True)
    assert "已按排序规则确定流出名单，共3人" in page
    page = client.post(f"/rounds/{round_.id}/schools/{a.id}/submit", follow_redirects=True).get_data(as_text=True)
    assert "流出名单已报送教育局" in page
    page = client.post(f"/rounds/{round_.id}/schools/{a.id}/rule", follow_redirects=True).get_data(as_text=True)
    assert "已报送教育局，如需修改请联系教育局退回" in page


def test_teacher_volunteers_from_the_home_page(app, client, auth):
    round_, a, b, staff, users = _world()
    auth.login("laoshi")
    page = client.get("/home").get_data(as_text=True)
    assert "本人交流资格" in page and "已满6年" in page
    page = client.post(f"/rounds/{round_.id}/volunteer", follow_redirects=True).get_data(as_text=True)
    assert "已自主申报参加交流" in page
    assert db.session.scalar(select(Outgoing.how).where(Outgoing.teacher_id == staff[0].id)) == "volunteer"


def test_vote_and_exemption_forms(app, client, auth):
    round_, a, b, staff, users = _world()
    auth.login("jia")
    page = client.post(
        f"/rounds/{round_.id}/schools/{a.id}/vote",
        data={"teacher_id": staff[3].id, "members": 7, "yes": 5},
        follow_redirects=True,
    )
    assert "赞成5票，超过三分之二，当选" in page.get_data(as_text=True)
    page = client.post(
        f"/rounds/{round_.id}/schools/{a.id}/exemption",
        data={"teacher_id": staff[4].id, "exemption": "illness", "reason": "住院治疗"},
        follow_redirects=True,
    )
    assert "待教育局审核" in page.get_data(as_text=True)
    auth.logout()
    auth.login("renshi")
    page = client.post(
        f"/rounds/{round_.id}/exemptions",
        data={"teacher_id": staff[4].id, "decision": "approve"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "已同意" in page and db.session.get(Teacher, staff[4].id).exemptions[0].approved
    assert db.session.get(Teacher, staff[4].id).exemptions[0].year == round_.year  # this year's only


def test_bureau_table_posts_and_export(app, client, auth):
    round_, a, b, staff, users = _world()
    auth.login("jia")
    client.post(f"/rounds/{round_.id}/schools/{a.id}/rule")
    auth.logout()
    auth.login("renshi")
    page = client.post(f"/rounds/{round_.id}/posts/propose", follow_redirects=True).get_data(as_text=True)
    assert "先流出再流入" in page and "政策检查" in page and "骨干教师逆交流预测" in page
    post = db.session.scalars(select(Post)).first()
    client.post(f"/rounds/{round_.id}/seats", data={"school_id": b.id, "subject": post.subject, "seats": 9})
    assert db.session.scalar(select(Post.seats).where(Post.school_id == b.id, Post.subject == post.subject)) == 9
    resp = client.get(f"/rounds/{round_.id}/quotas.xlsx")
    book = load_workbook(io.BytesIO(resp.data))
    sheet = book["各校流出与接收"]
    assert [c.value for c in sheet[1]][:6] == ["学校代码", "学校", "类别", "片区", "应交流人数", "交流名额"]
    rows = {r[0].value: r for r in sheet.iter_rows(min_row=2)}
    assert rows["S01"][5].value == 3 and rows["S01"][8].value == 3
    assert "各学科供需" in book.sheetnames


def test_school_confirms_a_post_with_requirements(app, client, auth):
    round_, a, b, staff, users = _world()
    staff[1].honours = "市学科带头人，市骨干教师"
    post = Post(round_id=round_.id, school_id=b.id, subject="math", seats=2)
    db.session.add(post)
    db.session.commit()
    auth.login("yi")
    data = {
        f"p{post.id}-post_id": post.id,
        f"p{post.id}-min_education": "bachelor",
        f"p{post.id}-min_title": "intermediate",
        f"p{post.id}-honours": "市级骨干",
        f"p{post.id}-backbone_seats": 1,
    }
    # An honour nobody on the roster holds could never be met: refused, naming the roster's own.
    page = client.post(f"/rounds/{round_.id}/posts/{post.id}/confirm", data=data, follow_redirects=True)
    assert "专业称号“市级骨干”在教师名册中没有人持有" in page.get_data(as_text=True)
    assert "市学科带头人、市骨干教师" in page.get_data(as_text=True)
    data[f"p{post.id}-honours"] = "市骨干教师、 区骨干教师,市骨干教师"
    page = client.post(f"/rounds/{round_.id}/posts/{post.id}/confirm", data=data, follow_redirects=True)
    assert "“区骨干教师”在教师名册中没有人持有" in page.get_data(as_text=True)
    data[f"p{post.id}-honours"] = " 市骨干教师 "
    page = client.post(f"/rounds/{round_.id}/posts/{post.id}/confirm", data=data, follow_redirects=True)
    assert "已确认数学岗位" in page.get_data(as_text=True)
    assert db.session.get(Post, post.id).honours == "市骨干教师"
    post = db.session.get(Post, post.id)
    assert (post.confirmed, post.min_title, post.backbone_seats) == (True, "intermediate", 1)
    data[f"p{post.id}-backbone_seats"] = 5
    page = client.post(f"/rounds/{round_.id}/posts/{post.id}/confirm", data=data, follow_redirects=True)
    assert "骨干教师名额不能超过该岗位名额" in page.get_data(as_text=True)
    auth.logout()
    auth.login("jia")  # another school's post
    assert client.post(f"/rounds/{round_.id}/posts/{post.id}/confirm", data=data).status_code == 403


def test_spreadsheet_cells_that_look_like_formulas_are_neutralised():
    from matchapp.core.spreadsheet import safe_cell, workbook_bytes

    assert [safe_cell(v) for v in ["=1+1", "+86", "-3", "@SUM(A1)", "王芳", 5]] == [
        "'=1+1",
        "'+86",
        "'-3",
        "'@SUM(A1)",
        "王芳",
        5,
    ]
    book = load_workbook(io.BytesIO(workbook_bytes({"s": [["名称"], ['=HYPERLINK("x")']]})))
    assert book["s"]["A2"].value == '\'=HYPERLINK("x")' and book["s"]["A2"].data_type == "s"


def test_import_roster_command_all_or_nothing(tmp_path, database_url):
    import os
    import subprocess
    import sys

    from flask_migrate import upgrade

    from tests.conftest import make_app

    app = make_app(database_url, tmp_path)
    with app.app_context():
        upgrade(directory=app.extensions["migrate"].directory)
        gen_school(code="S01")
        db.session.commit()
        db.engine.dispose()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "MATCHAPP_ENV": "development",
        "MATCHAPP_INSTANCE": str(tmp_path / "instance"),
    }
    bad = tmp_path / "bad.csv"
    bad.write_bytes(as_csv([row(工号="C1"), row(工号="C2", 学科="书法")], "gbk")[0])
    proc = subprocess.run(
        [sys.executable, "-m", "matchapp", "import-roster", str(bad)], capture_output=True, text=True, env=env
    )
    assert proc.returncode == 2
    assert "bad.csv: 第3行「学科」：“书法”不在可选范围内" in proc.stderr and "nothing imported" in proc.stderr
    good = tmp_path / "good.xlsx"
    good.write_bytes(as_xlsx([row(工号="C1"), row(工号="C2")])[0])
    proc = subprocess.run(
        [sys.executable, "-m", "matchapp", "import-roster", str(good)], capture_output=True, text=True, env=env
    )
    assert proc.returncode == 0 and "2 new, 0 updated, 0 unchanged" in proc.stdout
    with app.app_context():
        assert db.session.scalar(select(func.count(Teacher.id))) == 2
        db.session.remove()
        db.drop_all()
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        db.engine.dispose()


def test_a_large_roster_is_imported_by_a_background_job(app, client, auth, monkeypatch):
    import os

    from matchapp.core.jobs import Job, wait_for_jobs
    from matchapp.roster import routes as roster_routes

    _world()
    monkeypatch.setattr(roster_routes, "BACKGROUND_IMPORT_BYTES", 10)
    auth.login("renshi")
    before = db.session.scalar(select(func.count(Teacher.id)))
    bad, name = as_xlsx([row(工号="J1"), row(工号="J2", 学科="书法")])
    resp = client.post("/roster/import", data={"file": (io.BytesIO(bad), name)}, content_type="multipart/form-data")
    assert "/jobs/" in resp.headers["Location"]
    wait_for_jobs()
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "失败，未写入任何结果" in page and "第3行「学科」" in page
    assert db.session.scalar(select(func.count(Teacher.id))) == before
    good, name = as_xlsx([row(工号="J1"), row(工号="J2")])
    resp = client.post("/roster/import", data={"file": (io.BytesIO(good), name)}, content_type="multipart/form-data")
    wait_for_jobs()
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "导入完成：新增2人" in page
    assert db.session.scalar(select(func.count(Teacher.id))) == before + 2
    jobs = db.session.scalars(select(Job)).all()
    assert all(not os.path.exists(j.params["path"]) for j in jobs)  # uploads are removed
