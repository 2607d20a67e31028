"""A new bureau's first day in the browser, from an empty database to an open fair, using only
pages: the year, the school register, the roster, every account in bulk with printable slips,
the outgoing lists by the ordering rule, the posts, the fair; then a school administrator signs
in with a slip and must change the password first."""

from __future__ import annotations

import csv
import io

import pytest
from playwright.sync_api import expect

from matchapp.auth.services import create_user
from matchapp.roster.importer import HEADERS
from matchapp.roster.register import SCHOOL_COLUMNS
from tests.conftest import DATABASES
from tests.e2e.conftest import confirm_and_press, seeded_server, shot
from tests.e2e.test_foundation import _login

pytestmark = pytest.mark.e2e


def _first_account():
    create_user("renshi", "Jiaoyu-2027-x", "bureau", display_name="新区教育局人事处")  # `matchapp create-user`


@pytest.fixture(scope="module", params=DATABASES)
def empty_server(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bureau")
    with seeded_server(request.param, tmp, _first_account) as (app, url, _):
        yield {"url": url, "tmp": tmp, "db": request.param, "app": app}


def _write(path, rows):
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    path.write_bytes(out.getvalue().encode("utf-8"))


def _files(tmp):
    schools, roster = [list(SCHOOL_COLUMNS)], [HEADERS]
    for k in range(4):
        code = f"N{k + 1:02d}"
        schools.append(
            [
                code,
                f"新区第{k + 1}小学",
                "小学",
                ["优质", "一般", "薄弱", "一般"][k],
                "2025-07-01",
                "东片区",
                "城区",
                "",
                "否",
                "",
                "5",
            ]
        )
        for j in range(10):
            row = dict.fromkeys(HEADERS, "")
            row.update(
                {
                    "工号": f"{code}{j:03d}",
                    "姓名": f"新{k}老师{j}",
                    "性别": "女",
                    "出生日期": f"{1978 + j}-05-01",
                    "学校代码": code,
                    "学科": ["语文", "数学"][j % 2],
                    "职称": "中级",
                    "学历": "本科",
                    "骨干教师": "否",
                    "到本校任教时间": "2012-09-01",
                }
            )
            roster.append([row[h] for h in HEADERS])
    _write(tmp / "schools.csv", schools)
    _write(tmp / "roster.csv", roster)


def test_a_new_bureau_reaches_an_open_fair_with_pages_only(browser, empty_server):
    base, tmp = empty_server["url"], empty_server["tmp"]
    _files(tmp)
    page = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
    _login(page, base, "renshi", "Jiaoyu-2027-x")
    # The year.
    page.get_by_role("link", name="轮岗年度").click()
    page.get_by_label("年度").fill("2027")
    page.get_by_label("政策预设").select_option("changzhou")
    page.get_by_role("button", name="建立年度").click()
    expect(page.get_by_role("status")).to_contain_text("已建立2027年度")
    # The school register, then the roster.
    page.get_by_role("link", name="学校名册").click()
    expect(page.get_by_text("还没有登记学校")).to_be_visible()
    page.get_by_role("link", name="导入学校名册").click()
    page.get_by_label("导入内容").select_option("schools")
    page.get_by_label("文件（.xlsx 或 .csv）").set_input_files(str(tmp / "schools.csv"))
    page.get_by_role("button", name="导入").click()
    expect(page.get_by_role("status")).to_contain_text("新增4条")
    shot(page, "bureau-register", empty_server["db"])
    page.get_by_role("link", name="导入教师名册").click()
    page.get_by_label("文件（.xlsx 或 .csv）").set_input_files(str(tmp / "roster.csv"))
    page.get_by_role("button", name="导入").click()
    expect(page.get_by_role("status")).to_contain_text("新增40人")
    # Every account, in bulk, with slips to print.
    page.get_by_role("link", name="账号管理").click()
    page.get_by_role("button", name="为所有学校创建管理员账号").click()
    expect(page.get_by_role("status")).to_contain_text("已创建4个账号")
    expect(page.locator(".slip")).to_have_count(4)
    shot(page, "account-slips", empty_server["db"])
    school_user = page.locator(".slip").first.locator("dd.mono").nth(0).inner_text()
    school_password = page.locator(".slip").first.locator("dd.mono").nth(1).inner_text()
    page.get_by_role("link", name="账号管理").click()
    page.get_by_role("button", name="创建", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("已创建40个账号")
    page.get_by_role("link", name="账号管理").click()
    shot(page, "bureau-accounts", empty_server["db"])
    # The outgoing lists by the ordering rule, the posts, the fair.
    page.get_by_role("link", name="各校名单").click()
    for k in range(4):
        page.get_by_role("link", name=f"新区第{k + 1}小学").click()
        page.get_by_role("button", name="按排序规则确定").click()
        expect(page.get_by_role("status")).to_contain_text("已按排序规则确定流出名单")
        page.get_by_role("link", name="各校名单").click()
    page.get_by_role("button", name="按“先流出再流入”生成各校接收名额").click()
    expect(page.get_by_role("status")).to_contain_text("个岗位的名额")
    page.get_by_role("link", name="洽谈会", exact=True).click()
    confirm_and_press(page, "开放洽谈会")
    expect(page.get_by_role("status")).to_have_text("洽谈会已开放。")
    page.context.close()

    # A school administrator signs in with the slip: the password is changed first.
    phone = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    _login(phone, base, school_user, school_password)
    expect(phone.get_by_role("status")).to_contain_text("请先修改密码")
    shot(phone, "account-first-sign-in-phone", empty_server["db"])
    assert phone.evaluate("document.documentElement.scrollWidth <= innerWidth")
    phone.get_by_label("当前密码").fill(school_password)
    phone.get_by_label("新密码", exact=True).fill("Xuexiao-2027-a")
    phone.get_by_label("再输入一次新密码").fill("Xuexiao-2027-a")
    phone.get_by_role("button", name="修改密码").click()
    expect(phone.get_by_role("status")).to_contain_text("密码已修改")
    phone.get_by_role("link", name="首页").click()
    expect(phone.get_by_text("接下来要做的事")).to_be_visible()
    phone.context.close()
