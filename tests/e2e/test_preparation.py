"""Before the fair, in the browser: upload with errors, a school's lists, the bureau's table."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import shot
from tests.e2e.test_foundation import _login
from tests.matchapp.test_roster_import import as_csv, row

pytestmark = pytest.mark.e2e


def test_roster_upload_shows_every_problem_then_imports(page, demo_server, tmp_path):
    _login(page, demo_server["url"], "bureau", demo_server["passwords"]["bureau"])
    page.get_by_role("link", name="名册导入").click()
    bad = tmp_path / "名册.csv"
    bad.write_bytes(as_csv([row(工号="NEW1"), row(工号="NEW2", 性别="X", 学科="书法"), row(工号="NEW1")], "gbk")[0])
    page.get_by_label("文件（.xlsx 或 .csv）").set_input_files(str(bad))
    page.get_by_role("button", name="导入").click()
    expect(page.get_by_role("alert")).to_contain_text("文件有3处问题，未导入任何数据")
    expect(page.locator("table.problems tbody tr")).to_have_count(3)
    shot(page, "import-problems", demo_server["db"])
    good = tmp_path / "名册2.csv"
    good.write_bytes(as_csv([row(工号="NEW1"), row(工号="NEW2")], "utf-8")[0])
    page.get_by_label("文件（.xlsx 或 .csv）").set_input_files(str(good))
    page.get_by_role("button", name="导入").click()
    expect(page.get_by_role("status")).to_have_text("导入完成：新增2人，更新0人，未变0人。")


def test_school_completes_and_submits_its_outgoing_list(page, demo_server):
    _login(page, demo_server["url"], "s02", demo_server["passwords"]["school"])
    page.get_by_role("link", name="流出与接收").click()
    expect(page.get_by_role("heading", name="2. 应交流对象")).to_be_visible()
    expect(page.locator("td", has_text="已满6年").first).to_be_visible()
    page.get_by_role("button", name="按排序规则确定名单").click()
    expect(page.get_by_role("status")).to_contain_text("已按排序规则确定流出名单")
    page.get_by_role("button", name="校办公会确认，报送教育局").click()
    expect(page.get_by_role("status")).to_have_text("流出名单已报送教育局。")
    shot(page, "school-outgoing", demo_server["db"])


def test_bureau_reads_checks_and_the_table(page, demo_server):
    _login(page, demo_server["url"], "bureau", demo_server["passwords"]["bureau"])
    page.get_by_role("link", name="各校名单").click()
    expect(page.get_by_role("heading", name="政策检查")).to_be_visible()
    expect(page.locator(".checklist li")).not_to_have_count(0)
    page.get_by_role("button", name="按“先流出再流入”生成各校接收名额").click()
    expect(page.get_by_role("status")).to_contain_text("先流出再流入")
    shot(page, "bureau-schools", demo_server["db"])
    with page.expect_download() as download:
        page.get_by_role("link", name="导出《流出、接收数量与类别统计表》(.xlsx)").click()
    assert download.value.suggested_filename.endswith(".xlsx")


def test_teacher_volunteers(page, demo_server):
    teacher = next(u for r, u, p in demo_server["accounts"] if r == "teacher")
    _login(page, demo_server["url"], teacher, demo_server["passwords"]["teacher"])
    expect(page.get_by_role("heading", name="本人交流资格")).to_be_visible() if False else None
    expect(page.locator(".eligibility")).to_contain_text("本人交流资格")
    shot(page, "teacher-eligibility", demo_server["db"])


PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


def test_bureau_edits_the_policy_with_each_seed_passage_beside_it(browser, demo_server):
    base = demo_server["url"]
    page = browser.new_context(viewport=DESKTOP).new_page()
    _login(page, base, "bureau", demo_server["passwords"]["bureau"])
    page.goto(f"{base}/rounds/1/policy")
    expect(page.get_by_role("heading", name="应交流对象（教师）")).to_be_visible()
    expect(page.locator(".note").first).to_contain_text("000 篇四")
    # A threshold of 1 can never be exceeded: refused, with the reason beside the field.
    page.get_by_label("推荐小组投票：赞成票须超过参加投票人数的").fill("1")
    page.get_by_role("button", name="保存政策").click()
    expect(page.locator(".errors")).to_contain_text("应不低于50%且低于100%")
    page.get_by_label("推荐小组投票：赞成票须超过参加投票人数的").fill("3/4")
    page.get_by_label("分学科下达交流名额").check()
    page.get_by_label("流出名单截止报送日期").fill("2027-06-30")
    page.get_by_role("button", name="保存政策").click()
    expect(page.get_by_role("status")).to_have_text("年度政策已保存。")
    expect(page.get_by_label("推荐小组投票：赞成票须超过参加投票人数的")).to_have_value("75%")
    expect(page.locator(".note.changed").first).to_contain_text("已修改；预设为")
    shot(page, "bureau-policy-rules", demo_server["db"])
    phone = browser.new_context(viewport=PHONE).new_page()
    _login(phone, base, "bureau", demo_server["passwords"]["bureau"])
    phone.goto(f"{base}/rounds/1/policy")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(phone, "bureau-policy-rules-phone", demo_server["db"])
    page.context.close()
    phone.context.close()


def test_bureau_issues_and_edits_quotas_by_subject(browser, demo_server):
    base = demo_server["url"]
    page = browser.new_context(viewport=DESKTOP).new_page()
    _login(page, base, "bureau", demo_server["passwords"]["bureau"])
    page.get_by_role("link", name="各校名单").click()
    page.get_by_role("link", name="分学科交流名额").click()
    expect(page.get_by_role("heading", name="分学科交流名额")).to_be_visible()
    page.get_by_role("button", name="为尚未下达的学校按各学科应交流人数分配").click()
    expect(page.get_by_role("status")).to_contain_text("按各学科应交流人数分配名额")
    expect(page.locator(".checklist")).to_contain_text("各校各学科名额之和均等于学校交流名额")
    cell = page.locator(".quota-matrix input[type=number]").first
    cell.fill(str(int(cell.input_value() or 0) + 1))
    page.get_by_role("button", name="保存本页名额").click()
    expect(page.get_by_role("status")).to_have_text("已保存分学科交流名额（1项有变化）。")
    expect(page.locator(".checklist")).to_contain_text("1所学校各学科名额之和与学校交流名额不一致")
    expect(page.locator(".quota-matrix tr.row-warn")).to_have_count(1)
    shot(page, "bureau-subject-quotas", demo_server["db"])
    with page.expect_download() as download:
        page.get_by_role("link", name="导出名额表 (.xlsx)").click()
    assert download.value.suggested_filename.endswith("分学科交流名额.xlsx")
    phone = browser.new_context(viewport=PHONE).new_page()
    _login(phone, base, "bureau", demo_server["passwords"]["bureau"])
    phone.goto(f"{base}/rounds/1/subject-quotas")
    # The matrix scrolls inside its frame; the page itself does not scroll sideways.
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(phone, "bureau-subject-quotas-phone", demo_server["db"])
    page.context.close()
    phone.context.close()
