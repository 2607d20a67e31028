"""Each role signs in through the real pages and lands on its home page in Chinese."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import shot

pytestmark = pytest.mark.e2e


def _login(page, base, username, password, signed_in=True):
    page.goto(f"{base}/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    # The form posts and the browser follows the redirect: wait until the next page has loaded,
    # so that what the test reads next is that page, not a document between two pages.
    if signed_in:
        page.wait_for_url(lambda url: "/login" not in url)
    page.wait_for_load_state("load")


def _account(server, role):
    return next((u, p) for r, u, p in server["accounts"] if r == role)


@pytest.mark.parametrize(
    "role,heading", [("bureau", "教育局工作台"), ("school", "接下来要做的事"), ("teacher", "接下来要做的事")]
)
def test_each_role_signs_in_to_a_chinese_home_page(page, demo_server, role, heading):
    username, password = _account(demo_server, role)
    _login(page, demo_server["url"], username, password)
    expect(page).to_have_url(f"{demo_server['url']}/home")
    expect(page.get_by_role("heading", name=heading)).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator(".steps li.current")).to_have_count(1)
    shot(page, f"home-{role}", demo_server["db"])


def test_wrong_password_shows_a_chinese_error(page, demo_server):
    _login(page, demo_server["url"], "bureau", "not-the-password", signed_in=False)
    expect(page.get_by_role("alert")).to_have_text("用户名或密码错误。")
    expect(page).to_have_url(f"{demo_server['url']}/login")
    shot(page, "login-wrong-password", demo_server["db"])


def test_teacher_opening_school_or_bureau_pages_is_refused(page, demo_server):
    username, password = _account(demo_server, "teacher")
    _login(page, demo_server["url"], username, password)
    for path in ["/roster/schools", "/roster/schools/1", "/rounds/"]:
        response = page.goto(f"{demo_server['url']}{path}")
        assert response.status == 403
        expect(page.get_by_role("heading", name="无权访问")).to_be_visible()
    shot(page, "teacher-refused", demo_server["db"])


def test_school_admin_sees_own_staff_and_is_refused_elsewhere(page, demo_server):
    _login(page, demo_server["url"], "s01", demo_server["passwords"]["school"])
    page.get_by_role("link", name="本校教师").click()
    expect(page.locator("table tbody tr")).not_to_have_count(0)
    shot(page, "school-staff", demo_server["db"])
    assert page.goto(f"{demo_server['url']}/roster/schools/2").status == 403


def test_bureau_switches_to_english_and_back(page, demo_server):
    _login(page, demo_server["url"], "bureau", demo_server["passwords"]["bureau"])
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Bureau dashboard")).to_be_visible()
    shot(page, "home-bureau-english", demo_server["db"])
    page.get_by_role("button", name="中文").click()
    expect(page.get_by_role("heading", name="教育局工作台")).to_be_visible()


def test_bureau_policy_page_edits_a_number(page, demo_server):
    _login(page, demo_server["url"], "bureau", demo_server["passwords"]["bureau"])
    page.get_by_role("link", name="轮岗年度").click()
    page.get_by_role("link", name="年度政策").first.click()
    page.get_by_label("在同一学校连续任教满（年）").fill("7")
    page.get_by_role("button", name="保存政策").click()
    expect(page.get_by_role("status")).to_have_text("年度政策已保存。")
    expect(page.get_by_label("在同一学校连续任教满（年）")).to_have_value("7")
    shot(page, "bureau-policy", demo_server["db"])


def test_layout_holds_on_a_phone(browser, demo_server):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    username, password = _account(demo_server, "teacher")
    _login(page, demo_server["url"], username, password)
    expect(page.get_by_role("heading", name="接下来要做的事")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"page scrolls sideways on a phone ({width}px)"
    shot(page, "home-teacher-phone", demo_server["db"])
    context.close()
