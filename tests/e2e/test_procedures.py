"""In Chromium: post requirements and a school's 不接受 at a fair, one 跨校竞聘 round (a school
publishes a post and imports a score sheet, a teacher applies, the bureau runs and approves), and
one round the bureau arranges without a fair. Screenshots at 1366 and 390 px of the new pages."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import Workbook
from playwright.sync_api import expect
from sqlalchemy import select

from matchapp.auth.services import create_user
from matchapp.core.audit import AuditLog, acting_as
from matchapp.extensions import db
from matchapp.fair.preferences import save_preferences
from matchapp.fair.window import open_fair
from matchapp.preparation.models import Outgoing, Post
from matchapp.roster.models import School, Staffing, Teacher
from matchapp.rounds.services import create_round
from matchapp.runs.models import Placement
from tests.conftest import DATABASES
from tests.e2e.conftest import SHOTS, seeded_server
from tests.e2e.test_foundation import _login

pytestmark = pytest.mark.e2e
PASSWORD = "Procedures-e2e-2027"
DESKTOP, PHONE = {"width": 1366, "height": 900}, {"width": 390, "height": 844}


def _school(code, name, tier, zone):
    school = School(code=code, name=name, tier=tier, zone=zone)
    db.session.add(school)
    db.session.flush()
    return school


def _teacher(school, staff_no, name, **kw):
    values = {
        "gender": "F",
        "birth_date": dt.date(1984, 5, 1),
        "subject": "math",
        "title": "intermediate",
        "education": "bachelor",
        "started_at_school": dt.date(2014, 9, 1),
        **kw,
    }
    teacher = Teacher(staff_no=staff_no, name=name, school_id=school.id, **values)
    db.session.add(teacher)
    db.session.flush()
    return teacher


def _seed() -> dict:
    """Six schools; a fair (2026) with a post requiring a senior title and a school that will
    mark a teacher 不接受; an arrangement (2027); a 跨校竞聘 (2028) with staffing by subject."""
    with acting_as("e2e"):
        s = {
            k: _school(k, name, tier, zone)
            for k, name, tier, zone in [
                ("E1", "东湖实验小学", "weak", "东片区"),
                ("E2", "东城中学", "ordinary", "东片区"),
                ("E3", "西山中学", "strong", "西片区"),
                ("E4", "西岭小学", "weak", "西片区"),
                ("E5", "东方外国语学校", "strong", "东片区"),
                ("E6", "西河中学", "ordinary", "西片区"),
            ]
        }
        create_user("bureau", PASSWORD, "bureau", display_name="教育局人事处")
        for code in ("E1", "E4", "E5", "E6"):
            create_user(code.lower(), PASSWORD, "school", school_id=s[code].id)
        # The fair of 2026: E5's teachers go out; E1 requires a senior title; E6 will refuse 周敏.
        fair = create_round(2026, "2026年度教师交流轮岗", "changzhou")
        out = {
            "wang": _teacher(s["E5"], "F001", "王芳", title="senior", backbone=True),
            "zhou": _teacher(s["E5"], "F002", "周敏", title="junior"),
            "li": _teacher(s["E5"], "F003", "李强", title="intermediate"),
        }
        for t in out.values():
            db.session.add(Outgoing(round_id=fair.id, teacher_id=t.id, how="rule", confirmed=True))
        db.session.add_all(
            [
                Post(
                    round_id=fair.id,
                    school_id=s["E1"].id,
                    subject="math",
                    seats=2,
                    min_title="senior",
                    backbone_seats=1,
                    confirmed=True,
                ),
                Post(round_id=fair.id, school_id=s["E6"].id, subject="math", seats=2, confirmed=True),
                Post(round_id=fair.id, school_id=s["E4"].id, subject="math", seats=1, confirmed=True),
            ]
        )
        db.session.flush()
        open_fair(fair, None)
        save_preferences(fair, out["li"], [s["E6"].id], submit=True)
        save_preferences(fair, out["zhou"], [s["E6"].id], submit=True)
        create_user("zhou", PASSWORD, "teacher", teacher_id=out["zhou"].id)
        # The arrangement of 2027: E3's teachers, to E2 and E4.
        arranged = create_round(2027, "2027年度教师交流（统一安排）", "datong", procedure="arrangement")
        for k in range(3):
            t = _teacher(s["E3"], f"A00{k}", ["陈静", "刘洋", "杨帆"][k], backbone=k == 0)
            db.session.add(Outgoing(round_id=arranged.id, teacher_id=t.id, how="rule", confirmed=True))
            if k == 0:
                create_user("chen", PASSWORD, "teacher", teacher_id=t.id)
        db.session.add_all(
            [
                Post(round_id=arranged.id, school_id=s["E2"].id, subject="math", seats=2, confirmed=True),
                Post(
                    round_id=arranged.id,
                    school_id=s["E4"].id,
                    subject="math",
                    seats=1,
                    backbone_seats=1,
                    confirmed=True,
                ),
            ]
        )
        # The competition of 2028: E1 and E4 are short of math teachers, E5 and E6 over.
        create_round(2028, "2028年度跨校竞聘", "changzhou", procedure="competition")
        for code, established, in_post in [("E1", 12, 10), ("E4", 8, 7), ("E5", 10, 12), ("E6", 9, 10)]:
            db.session.add(Staffing(school_id=s[code].id, subject="math", established=established, in_post=in_post))
        comp = {
            "sun": _teacher(s["E5"], "C001", "孙磊", title="senior", started_at_school=dt.date(2012, 9, 1)),
            "zhao": _teacher(s["E5"], "C002", "赵雪", started_at_school=dt.date(2015, 9, 1)),
            "wu": _teacher(s["E6"], "C003", "吴昊", started_at_school=dt.date(2013, 9, 1)),
        }
        for key, t in comp.items():
            create_user(key, PASSWORD, "teacher", teacher_id=t.id)
        db.session.flush()
    return {"schools": {k: v.id for k, v in s.items()}, "fair": fair.id, "arranged": arranged.id}


@pytest.fixture(scope="module", params=DATABASES)
def server(request, tmp_path_factory):
    with seeded_server(request.param, tmp_path_factory.mktemp("procedures"), _seed) as (app, url, world):
        yield {"url": url, "app": app, "db": request.param, **world}


def _shots(page, name, db_name, reload=True):
    """The page at 1366 px and at 390 px (a phone, reloaded so that it lays out afresh unless it
    answers a form): no sideways scrolling on the phone."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    suffix = "" if db_name == "sqlite" else "-" + db_name
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=str(SHOTS / f"{name}{suffix}.png"), full_page=True)
    page.set_viewport_size(PHONE)
    if reload:
        page.reload()
    page.wait_for_timeout(300)
    wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    culprits = page.evaluate(
        "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)"
        ".slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"
    )
    page.screenshot(path=str(SHOTS / f"{name}-phone{suffix}.png"), full_page=True)
    page.set_viewport_size(DESKTOP)
    if reload:
        page.reload()
    assert wide <= 1, f"{name} scrolls sideways on a phone by {wide}px: {culprits}"


def _as(browser, server, username):
    page = browser.new_context(viewport=DESKTOP).new_page()
    _login(page, server["url"], username, PASSWORD)
    expect(page).to_have_url(f"{server['url']}/home")
    return page


def _confirm(page, button):
    form = page.locator("form", has=page.get_by_role("button", name=button, exact=True))
    form.get_by_label("我已核对以上情况，确认执行").check()
    form.get_by_role("button", name=button, exact=True).click()


def _wait_for_job(page):
    expect(page.get_by_text("已完成")).to_be_visible(timeout=30_000)


def test_requirements_and_a_refusal_at_a_fair(browser, server):
    base, r, s = server["url"], server["fair"], server["schools"]
    teacher = _as(browser, server, "zhou")
    teacher.goto(f"{base}/fair/{r}/preferences")
    expect(teacher.get_by_text("不符合岗位要求、不能填报的学校（1所）")).to_be_visible()
    expect(teacher.locator("#withheld")).to_contain_text("职称须高级及以上（本人：初级）")
    _shots(teacher, "teacher-preferences-requirements", server["db"])
    teacher.context.close()
    school = _as(browser, server, "e6")
    school.goto(f"{base}/fair/{r}/schools/{s['E6']}")
    school.get_by_role("link", name="排序").first.click()
    school.get_by_label("不接受周敏").check()
    school.get_by_label("李强的档次").fill("1")
    school.get_by_role("button", name="提交排序").click()
    expect(school.locator(".flash-success")).to_contain_text("排序已提交")
    school.context.close()
    bureau = _as(browser, server, "bureau")
    bureau.goto(f"{base}/fair/{r}/")
    _confirm(bureau, "截止洽谈会")
    _confirm(bureau, "运行正式匹配")
    _wait_for_job(bureau)
    bureau.goto(f"{base}/fair/{r}/results")
    row = bureau.locator("tr", has_text="周敏")
    # 周敏 is junior (E1 requires senior) and refused by E6: only E4 is free of objections.
    options = row.locator("select option").all_inner_texts()
    assert any("学校不接受" in o and "需越过学校意见" in o for o in options), options
    assert any("不符合要求" in o for o in options), options
    row.locator("select").select_option(label=next(o for o in options if "西河中学" in o))
    row.get_by_label("调整理由").fill("西河中学数学教师病休，经局务会研究")
    row.get_by_role("button", name="调整").click()
    expect(bureau.locator(".flash-error")).to_contain_text("标记为“不接受”")
    row = bureau.locator("tr", has_text="周敏")
    row.locator("select").select_option(
        label=next(o for o in row.locator("select option").all_inner_texts() if "西河中学" in o)
    )
    row.get_by_label("调整理由").fill("西河中学数学教师病休，经局务会研究")
    row.get_by_label("越过学校意见").check()
    row.get_by_role("button", name="调整").click()
    expect(bureau.locator(".flash-success")).to_contain_text("已将周敏指定到西河中学")
    expect(bureau.locator("tr", has_text="周敏")).to_contain_text("越过学校意见：学校不接受")
    bureau.locator("tr", has_text="周敏").scroll_into_view_if_needed()
    _shots(bureau, "bureau-assignment-override", server["db"])
    bureau.context.close()
    with server["app"].app_context():
        placement = db.session.scalar(select(Placement).join(Teacher).where(Teacher.staff_no == "F002"))
        assert placement.overrides == "refused" and placement.school.code == "E6"
        log = db.session.scalars(
            select(AuditLog).where(AuditLog.entity == "placements", AuditLog.entity_id == placement.id)
        ).all()
        assert log[-1].actor == "bureau" and log[-1].reason == "西河中学数学教师病休，经局务会研究"
        db.session.remove()


def test_an_arrangement_without_a_fair(browser, server):
    base, r = server["url"], server["arranged"]
    teacher = _as(browser, server, "chen")
    teacher.goto(f"{base}/fair/{r}/preferences")
    expect(teacher.get_by_role("heading", name="本年度不举行双向选择洽谈会")).to_be_visible()
    _shots(teacher, "teacher-no-fair", server["db"])
    teacher.context.close()
    bureau = _as(browser, server, "bureau")
    bureau.goto(f"{base}/fair/{r}/")
    expect(bureau.get_by_role("heading", name="教育局统一安排")).to_be_visible()
    expect(bureau.get_by_role("button", name="开放洽谈会")).to_have_count(0)
    _shots(bureau, "bureau-arrangement-control", server["db"])
    _confirm(bureau, "生成统一安排方案")
    _wait_for_job(bureau)
    bureau.goto(f"{base}/fair/{r}/results")
    expect(bureau.locator("tr", has_text="陈静")).to_contain_text("行政指定")
    bureau.goto(f"{base}/fair/{r}/")
    _confirm(bureau, "确认安排")
    expect(bureau.locator(".flash-success")).to_contain_text("统一安排已确认")
    _confirm(bureau, "公示结果")
    expect(bureau.locator(".flash-success")).to_contain_text("结果已公示")
    bureau.context.close()
    with server["app"].app_context():
        placements = db.session.scalars(select(Placement).join(Teacher).where(Teacher.staff_no.like("A00%"))).all()
        assert len(placements) == 3 and all(p.how in ("assigned", "unplaced") for p in placements)
        bb = next(p for p in placements if p.teacher.staff_no == "A000")
        assert bb.school.code == "E4"  # E4's seat is reserved for a backbone teacher, and weak
        db.session.remove()


def _score_sheet(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["工号", "姓名", "说课/试讲成绩", "面试成绩", "考核结论"])
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_cross_school_competition(browser, server, tmp_path):
    base = server["url"]
    # The under-staffed school publishes a post (the round of 2028 is every role's current one).
    e1 = _as(browser, server, "e1")
    e1.get_by_role("link", name="发布竞聘岗位（缺编学科）").click()
    expect(e1.get_by_role("heading", name="跨校竞聘 · 东湖实验小学")).to_be_visible()
    e1.get_by_label("岗位数").fill("2")
    e1.get_by_label("岗位说明（任教年级、考核安排等）").fill("四年级数学；7月10日说课、面试")
    e1.get_by_role("button", name="发布岗位").click()
    expect(e1.locator(".flash-success")).to_contain_text("已发布东湖实验小学的竞聘岗位（2个）")
    school_url = e1.url
    e4 = _as(browser, server, "e4")
    e4.get_by_role("link", name="发布竞聘岗位（缺编学科）").click()
    e4.get_by_role("button", name="发布岗位").click()
    expect(e4.locator(".flash-success")).to_contain_text("已发布西岭小学的竞聘岗位（1个）")
    e4.context.close()
    # Teachers of the over-staffed schools apply; their schools approve (E5 has 2 in surplus).
    for username in ("sun", "zhao", "wu"):
        page = _as(browser, server, username)
        page.get_by_role("link", name="向本校提出跨校竞聘申请").click()
        if username == "sun":
            _shots(page, "teacher-competition-apply", server["db"])
        page.get_by_role("button", name="向本校提出竞聘申请").click()
        expect(page.locator(".flash-success")).to_contain_text("等待学校同意")
        page.context.close()
    for username in ("e5", "e6"):
        page = _as(browser, server, username)
        page.get_by_role("link", name="同意本校教师的竞聘申请（超编学科）").click()
        for _ in range(page.get_by_role("button", name="同意参加").count()):
            page.get_by_role("button", name="同意参加").first.click()
            expect(page.locator(".flash-success")).to_contain_text("参加跨校竞聘")
        if username == "e5":
            _shots(page, "school-competition-applications", server["db"])
        page.context.close()
    bureau = _as(browser, server, "bureau")
    bureau.get_by_role("link", name="开放报名：超编学校教师申请、本校同意，填报竞聘意愿").click()
    expect(bureau.get_by_role("heading", name="跨校竞聘：报名、考核与匹配")).to_be_visible()
    _confirm(bureau, "开放竞聘报名")
    expect(bureau.locator(".flash-success")).to_contain_text("已开放")
    # Each applicant lists the posts in their true order.
    for username, order in (
        ("sun", ["东湖实验小学", "西岭小学"]),
        ("zhao", ["东湖实验小学"]),
        ("wu", ["东湖实验小学", "西岭小学"]),
    ):
        page = _as(browser, server, username)
        page.get_by_role("link", name="填报竞聘意愿（想去的缺编学校岗位）").click()
        expect(page.get_by_role("heading", name="填报竞聘意愿")).to_be_visible()
        page.wait_for_load_state("load")  # preferences.js, at the page's end, moves the cards
        for name in order:
            page.locator("#available .post-card", has_text=name).get_by_role("button", name="加入志愿").click()
        expect(page.locator("#ranked .post-name")).to_have_text(order)
        page.get_by_role("button", name="提交志愿").click()
        expect(page.get_by_role("status").first).to_contain_text("回执号")
        page.context.close()
    bureau.goto(base + "/home")
    bureau.get_by_role("link", name="开放报名：超编学校教师申请、本校同意，填报竞聘意愿").click()
    _confirm(bureau, "截止报名，进入考核评分")
    # E1 imports its score sheet: a wrong row first (refused by row and column), then the right one.
    e1.goto(school_url)
    e1.get_by_role("link", name="考核成绩").click()
    bad = tmp_path / "成绩-有误.xlsx"
    bad.write_bytes(
        _score_sheet([("C001", "孙磊", "92", "95"), ("C002", "赵雪", "105", "88"), ("C009", "", "80", "80")])
    )
    e1.get_by_label("成绩表（.xlsx 或 .csv）").set_input_files(str(bad))
    e1.get_by_role("button", name="导入成绩").click()
    expect(e1.locator(".flash-error")).to_contain_text("成绩表有2处问题，未导入任何成绩")
    expect(e1.locator("table.problems")).to_contain_text("不是0到100之间")
    _shots(e1, "school-scores-problems", server["db"], reload=False)
    good = tmp_path / "成绩.xlsx"
    good.write_bytes(
        _score_sheet([("C001", "孙磊", "92", "95"), ("C002", "赵雪", "88", "90.5"), ("C003", "吴昊", "90", "88.5")])
    )
    e1.get_by_label("成绩表（.xlsx 或 .csv）").set_input_files(str(good))
    e1.get_by_role("button", name="导入成绩").click()
    expect(e1.locator(".flash-success")).to_contain_text("成绩表已导入：新增3人")
    e1.get_by_role("button", name="提交成绩并生成排序").click()
    expect(e1.locator(".flash-success")).to_contain_text("成绩已提交，岗位排序已按总分生成")
    expect(e1.locator("tr", has_text="孙磊")).to_contain_text("187")
    _shots(e1, "school-competition-scores", server["db"])
    e1.goto(school_url)
    _shots(e1, "school-competition-posts", server["db"])
    e1.context.close()
    # The bureau runs the matching, approves and publishes.
    bureau.goto(base + "/home")
    bureau.get_by_role("link", name="运行匹配").click()
    _confirm(bureau, "运行正式匹配")
    _wait_for_job(bureau)
    bureau.goto(base + "/home")
    bureau.get_by_role("link", name="运行匹配").click()
    _shots(bureau, "bureau-competition-control", server["db"])
    _confirm(bureau, "批准竞聘结果")
    expect(bureau.locator(".flash-success")).to_contain_text("竞聘结果已批准")
    _confirm(bureau, "公示结果")
    expect(bureau.locator(".flash-success")).to_contain_text("结果已公示")
    bureau.context.close()
    with server["app"].app_context():
        placed = {
            p.teacher.staff_no: p
            for p in db.session.scalars(select(Placement).join(Teacher).where(Teacher.staff_no.like("C00%")))
        }
        # E1 (2 seats) ranks 孙磊 (187) first, then 赵雪 and 吴昊 tied (178.5 each).
        assert placed["C001"].school.code == "E1"
        e1_rest = [k for k in ("C002", "C003") if placed[k].school_id and placed[k].school.code == "E1"]
        assert len(e1_rest) == 1  # the tie for the second seat went to the lottery
        loser = "C003" if e1_rest == ["C002"] else "C002"
        # The one who lost the lottery: 吴昊 listed 西岭小学 second (which submitted no scores, so its
        # applicants tie) and goes there; 赵雪 listed only 东湖 and stays at her school.
        assert placed[loser].school_id is None or placed[loser].school.code == "E4"
        db.session.remove()


def test_the_new_pages_have_no_serious_accessibility_violation(browser, server):
    from tests.e2e.test_fair_day import _axe

    base, s = server["url"], server["schools"]
    with server["app"].app_context():
        from matchapp.rounds.models import Round

        competition = db.session.scalar(select(Round.id).where(Round.procedure == "competition"))
        post = db.session.scalar(select(Post.id).where(Post.round_id == competition))
        db.session.remove()
    pages = {
        "bureau": [
            "/rounds/",
            f"/fair/{competition}/",
            f"/fair/{server['arranged']}/",
            f"/fair/{server['fair']}/results",
        ],
        "e1": [f"/procedures/{competition}/schools/{s['E1']}"]
        + ([f"/procedures/{competition}/posts/{post}/scores"] if post else []),
        "e5": [f"/procedures/{competition}/schools/{s['E5']}"],
        "sun": [f"/procedures/{competition}/apply", "/home"],
        "zhou": [f"/fair/{server['fair']}/preferences"],
        "chen": [f"/fair/{server['arranged']}/preferences"],
    }
    problems = []
    for username, paths in pages.items():
        context = browser.new_context(viewport=DESKTOP, bypass_csp=True)
        page = context.new_page()
        _login(page, base, username, PASSWORD)
        for path in paths:
            page.goto(base + path)
            for v in _axe(page):
                problems.append(
                    f"{path}: {v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes'][:3]]}"
                )
        context.close()
    assert problems == [], "\n".join(problems)
