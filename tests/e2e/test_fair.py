"""The whole fair on the demo city, in the browser: teachers rank, schools rank, the bureau closes,
runs, assigns, publishes; a teacher reads the explanation of their result."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from matchapp.auth.models import User
from matchapp.extensions import db
from matchapp.preparation.models import Outgoing
from matchapp.roster.models import Teacher
from tests.e2e.conftest import confirm_and_press, shot
from tests.e2e.test_foundation import _login

pytestmark = pytest.mark.e2e


def _participants(server, n):
    """Teachers on a final list who take part in the two-way selection and have schools to rank:
    another school receives their subject (a subject only their own school receives has none)."""
    from matchapp.fair.preferences import posts_for
    from matchapp.preparation.lists import in_two_way_selection
    from matchapp.rounds.services import current_round

    with server["app"].app_context():
        round_ = current_round()
        rows = db.session.execute(
            select(User.username, Outgoing.teacher_id)
            .join(Outgoing, Outgoing.teacher_id == User.teacher_id)
            .where(Outgoing.confirmed.is_(True), Outgoing.round_id == round_.id)
            .order_by(User.username)
        ).all()
        chosen = []
        for username, teacher_id in rows:
            teacher = db.session.get(Teacher, teacher_id)
            if in_two_way_selection(teacher) and posts_for(round_, teacher):
                chosen.append((username, teacher_id))
            if len(chosen) == n:
                break
        db.session.remove()
        return chosen


def test_the_whole_fair(browser, demo_server):
    base, pw = demo_server["url"], demo_server["passwords"]
    bureau = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    _login(bureau, base, "bureau", pw["bureau"])
    bureau.get_by_role("link", name="洽谈会", exact=True).click()
    expect(bureau.get_by_role("heading", name="开放洽谈会之前")).to_be_visible()
    bureau.get_by_role("button", name="开放洽谈会").click()
    # Not without the confirmation (the browser asks for the box; nothing happened yet).
    expect(bureau.get_by_role("heading", name="开放洽谈会之前")).to_be_visible()
    confirm_and_press(bureau, "开放洽谈会")
    expect(bureau.get_by_role("status")).to_have_text("洽谈会已开放。")

    # Several teachers rank the schools of their subject (keyboard entry of ranks), and submit.
    teachers = _participants(demo_server, 6)
    for k, (username, _) in enumerate(teachers):
        page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        _login(page, base, username, pw["teacher"])
        page.get_by_role("navigation").get_by_role("link", name="填报志愿", exact=True).click()
        expect(page.get_by_text("如实填报是您的最佳选择。")).to_be_visible()
        page.wait_for_load_state("load")  # preferences.js, at the page's end, moves the cards
        available = page.locator("#available .post-card")
        count = min(available.count(), 3)
        assert count > 0
        for _j in range(count):
            page.locator("#available .post-card").first.get_by_role("button", name="加入志愿").click()
        expect(page.locator("#ranked .post-card")).to_have_count(count)
        if k == 0 and count >= 2:
            # Reorder: drag the last school to the top, and move the (new) second one down with its button.
            names = page.locator("#ranked .post-name").all_inner_texts()
            page.locator("#ranked .post-card").nth(count - 1).drag_to(page.locator("#ranked .post-card").first)
            expect(page.locator("#ranked .post-name").first).to_have_text(names[-1])
            expect(page.locator("#ranked .post-card").first.locator("input[type=number]")).to_have_value("1")
        chosen = page.locator("#ranked .post-name").all_inner_texts()
        page.get_by_role("button", name="提交志愿").click()
        expect(page.get_by_role("status")).to_contain_text("志愿已提交（回执号")
        expect(page.locator(".receipt ol li")).to_have_count(count)
        assert page.locator(".receipt ol li").all_inner_texts() == chosen  # saved and read back in that order
        assert page.locator("#ranked .post-name").all_inner_texts() == chosen
        if k == 0:
            shot(page, "teacher-preferences", demo_server["db"])
        page.context.close()

    # A school ranks the candidates of one of its posts, with a tie.
    with demo_server["app"].app_context():
        from matchapp.fair.rankings import candidates
        from matchapp.preparation.models import Post

        post = next(
            p for p in db.session.scalars(select(Post).where(Post.seats > 0).order_by(Post.id)) if candidates(p)
        )
        admin = db.session.scalar(select(User).where(User.school_id == post.school_id, User.role == "school")).username
        post_id, school_id = post.id, post.school_id
    school = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    _login(school, base, admin, pw["school"])
    school.get_by_role("link", name="洽谈会", exact=True).click()
    expect(school.locator("table tbody tr")).not_to_have_count(0)
    school.goto(f"{base}/fair/1/posts/{post_id}/ranking")
    bands = school.locator("input[name^=band-]")
    assert bands.count() > 0
    for j in range(bands.count()):
        bands.nth(j).fill("1" if j < 2 else str(j))  # the first two tied
    school.get_by_role("button", name="提交排序").click()
    expect(school.get_by_role("status")).to_have_text("排序已提交。")
    shot(school, "school-ranking", demo_server["db"])

    # The bureau closes, runs, looks at the results, assigns one teacher by hand, confirms, publishes.
    bureau.get_by_role("link", name="洽谈会", exact=True).click()
    expect(bureau.locator(".checklist")).to_contain_text("名教师尚未提交志愿")
    confirm_and_press(bureau, "截止洽谈会")
    expect(bureau.get_by_role("status")).to_have_text("洽谈会已截止。")
    expect(bureau.locator(".checklist")).to_contain_text("运行时不使用草稿")
    shot(bureau, "bureau-run-checklist", demo_server["db"])
    confirm_and_press(bureau, "运行正式匹配")
    # The run goes to a background job; its page refreshes itself until the job is done.
    expect(bureau.get_by_text("已完成", exact=True)).to_be_visible(timeout=30_000)
    expect(bureau.locator(".job")).to_contain_text("结果已通过稳定性校验")
    shot(bureau, "bureau-job", demo_server["db"])
    bureau.get_by_role("link", name="查看结果").click()
    expect(bureau.get_by_role("heading", name="录取志愿分布")).to_be_visible()
    expect(bureau.locator("#histogram")).to_be_visible()
    form = bureau.locator("form.assign-form").first
    form.locator("input[name=reason]").fill("")
    form.get_by_role("button", name="调整").click()
    expect(bureau.get_by_role("alert")).to_contain_text("请写明调整理由")
    shot(bureau, "bureau-results", demo_server["db"])
    bureau.get_by_role("link", name="洽谈会", exact=True).click()
    shot(bureau, "bureau-control", demo_server["db"])
    confirm_and_press(bureau, "确认行政指定")
    expect(bureau.locator(".checklist")).to_contain_text("公示页面将向所有人公开")
    confirm_and_press(bureau, "公示结果")
    expect(bureau.locator(".flash-success")).to_contain_text("结果已公示")
    bureau.get_by_role("link", name="公示页面").click()
    expect(bureau.get_by_role("heading", name="2027年度义务教育学校教师交流轮岗结果公示")).to_be_visible()
    shot(bureau, "public-notice", demo_server["db"])

    # A teacher reads their result and why.
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    _login(page, base, teachers[0][0], pw["teacher"])
    page.get_by_role("link", name="我的结果", exact=True).click()
    expect(page.get_by_role("heading", name="为什么是这个结果")).to_be_visible()
    expect(page.locator("ul.explain li").first).to_be_visible()
    shot(page, "teacher-result", demo_server["db"])
    page.get_by_role("link", name="查看工作调动介绍信").click()
    expect(page.get_by_role("heading", name="工作调动介绍信")).to_be_visible()
    shot(page, "transfer-letter", demo_server["db"])
    assert school_id
