"""The second year, from the bureau's pages, in Chromium (issue 12): the 2027 results are
published; the bureau confirms a school's reporting, records and decides a refusal, a receiving
school grades its exchange teachers (the share of 优秀 refused, then accepted), the bureau
approves, creates the next year from the rounds page with the carry-overs listed, switches
between the years, and finds the teacher on exchange not due again, marked on both staff lists."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from matchapp.core.clock import local_today
from matchapp.demo import PASSWORDS, seed_demo
from matchapp.demo_years import _hold_fair, _prepare
from matchapp.extensions import db
from matchapp.roster.models import ExchangeRecord, School
from matchapp.rounds.models import Round
from tests.conftest import DATABASES
from tests.e2e.conftest import seeded_server, shot

pytestmark = pytest.mark.e2e
PHONE = {"width": 390, "height": 844}


def _held_a_week_ago() -> dict:
    seed_demo()
    round_ = db.session.scalar(select(Round).where(Round.year == 2027))
    rng = np.random.default_rng(5)
    _prepare(round_, rng)
    _hold_fair(round_, rng, day=local_today() - dt.timedelta(days=9))
    db.session.commit()
    # The receiving school with the most exchange teachers placed there.
    counts: dict[int, int] = {}
    for r in db.session.scalars(select(ExchangeRecord).where(ExchangeRecord.year == 2027)):
        counts[r.to_school_id] = counts.get(r.to_school_id, 0) + 1
    school = db.session.get(School, max(counts, key=lambda k: (counts[k], -k)))
    return {"round": round_.id, "school": school.id, "code": school.code.lower(), "name": school.name}


@pytest.fixture(scope="module", params=DATABASES)
def lived(request, tmp_path_factory):
    """The demo city whose 2027 round was held and published a week ago (today's dates, so that
    the pages accept today as the day of reporting)."""
    with seeded_server(request.param, tmp_path_factory.mktemp("years"), _held_a_week_ago) as (app, url, world):
        yield {"url": url, "app": app, "db": request.param, **world}


def _login(context, base, username, password):
    page = context.new_page()
    page.goto(f"{base}/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(f"{base}/home")
    return page


def test_the_second_year_from_the_bureaus_pages(browser, lived):
    base, db_name = lived["url"], lived["db"]
    bureau = _login(browser.new_context(locale="zh-CN"), base, "bureau", PASSWORDS["bureau"])

    # Reporting in: the school's slip, then the whole school confirmed on one day.
    bureau.get_by_role("link", name="交流管理", exact=True).click()
    bureau.get_by_role("link", name="确认报到与报到单").click()
    expect(bureau.get_by_role("heading", name="确认报到 · 2027年度")).to_be_visible()
    bureau.goto(f"{base}/exchanges/{lived['round']}/reporting?school={lived['school']}")
    section = bureau.locator(f"#s{lived['school']}")
    shot(bureau, "exchanges-reporting", db_name)
    section.get_by_role("link", name="打印报到单").click()
    expect(bureau.get_by_role("heading", name="2027年度义务教育学校教师交流轮岗报到单")).to_be_visible()
    shot(bureau, "reporting-slip", db_name)
    bureau.go_back()
    section = bureau.locator(f"#s{lived['school']}")
    first_name = section.locator("tbody tr td a").first.inner_text()
    # One of them refuses: recorded on the exchange record, decided with the seed's consequences.
    section.get_by_role("link", name=first_name).click()
    refusal = bureau.locator("form", has=bureau.get_by_role("button", name="记录拒不服从交流"))
    refusal.get_by_label("情况与本人说明的理由").fill("不愿到农村学校任教")
    refusal.get_by_role("button", name="记录拒不服从交流").click()
    expect(bureau.locator(".flash-success")).to_contain_text("请作出处理决定")
    decision = bureau.locator("form.decision-form")
    decision.get_by_label("处理决定").select_option("sanction")
    decision.get_by_role("button", name="作出处理决定").click()
    expect(bureau.locator(".lead")).to_contain_text("拒不服从交流")
    expect(bureau.locator(".timeline")).to_contain_text("不得晋升职称、评优评先至")
    shot(bureau, "exchange-record-refused", db_name)
    # The others report together.
    bureau.goto(f"{base}/exchanges/{lived['round']}/reporting?school={lived['school']}")
    bureau.get_by_role("button", name="本校全部已报到").click()
    expect(bureau.locator(".flash-success")).to_contain_text(f"已确认{lived['name']}")
    expect(bureau.locator(f"#s{lived['school']}")).to_contain_text("交流在岗")

    # The receiving school grades them: one 优秀 too many is refused with the count, then saved.
    school = _login(browser.new_context(locale="zh-CN"), base, lived["code"], PASSWORDS["school"])
    school.goto(f"{base}/exchanges/schools/{lived['school']}/assessments?school_year=2027")
    selects = school.locator("select[name$='-grade']")
    count = selects.count()
    assert count >= 1
    for k in range(count):
        selects.nth(k).select_option("excellent")
    school.get_by_role("button", name="保存并报教育局审核").click()
    expect(school.locator(".flash-error")).to_contain_text(f"交流教师共{count}人")
    for k in range(count):
        school.locator("select[name$='-grade']").nth(k).select_option("pass")
    school.get_by_role("button", name="保存并报教育局审核").click()
    expect(school.locator(".flash-success")).to_contain_text(f"已保存{count}名教师的考核等次")
    shot(school, "school-assessments", db_name)
    phone = _login(browser.new_context(locale="zh-CN", viewport=PHONE), base, lived["code"], PASSWORDS["school"])
    phone.goto(f"{base}/exchanges/schools/{lived['school']}/assessments?school_year=2027")
    shot(phone, "school-assessments-phone", db_name)

    # The bureau approves the school's grades.
    bureau.goto(f"{base}/exchanges/assessments?school_year=2027")
    row = bureau.locator(f"#s{lived['school']}")
    row.get_by_role("button", name="审核通过").click()
    expect(bureau.locator(".flash-success")).to_contain_text("已审核")
    shot(bureau, "exchanges-assessments", db_name)

    # The next year, from the rounds page: the carry-overs are listed before it is created.
    bureau.get_by_role("link", name="轮岗年度", exact=True).click()
    carry = bureau.locator(".carry-over")
    expect(carry).to_contain_text("2028年度要承接的事项")
    expect(carry).to_contain_text("暂不交流随年度到期")
    shot(bureau, "rounds-carry-over", db_name)
    bureau.get_by_label("年度", exact=True).fill("2028")
    bureau.get_by_role("button", name="建立年度").click()
    expect(bureau.locator(".flash-success")).to_contain_text("已建立2028年度")
    # The year switcher lists past years with their state.
    switcher = bureau.locator("#year-switch")
    expect(switcher.locator("option")).to_have_text(["2028（准备中）", "2027（已公示）"])

    # In 2028 the teachers on exchange are not due again, on their school's list.
    bureau.get_by_role("link", name="交流管理", exact=True).click()
    expect(bureau.get_by_role("heading", name="交流管理 · 2028年度")).to_be_visible()
    shot(bureau, "exchanges-overview", db_name)
    with lived["app"].app_context():
        serving = db.session.scalar(
            select(ExchangeRecord).where(ExchangeRecord.state == "serving").order_by(ExchangeRecord.id)
        )
        teacher_id, teacher_name, to_school, home = (
            serving.teacher_id,
            serving.teacher.name,
            serving.to_school_id,
            serving.from_school_id,
        )
        round_2028 = db.session.scalar(select(Round.id).where(Round.year == 2028))
        db.session.remove()
    bureau.goto(f"{base}/rounds/{round_2028}/schools/{to_school}")
    row = bureau.locator("tr", has=bureau.get_by_text(teacher_name, exact=False))
    expect(row.first).to_contain_text("不列入")
    expect(row.first).to_contain_text("不列入本年度交流对象")
    # Both staff lists show the exchange.
    bureau.goto(f"{base}/roster/schools/{home}")
    expect(bureau.locator("#exchanges ~ div")).to_contain_text("外出交流")
    bureau.goto(f"{base}/roster/schools/{to_school}")
    expect(bureau.locator("body")).to_contain_text("交流在岗")
    shot(bureau, "staff-list-marks", db_name)
    bureau.goto(f"{base}/roster/teachers/{teacher_id}")
    expect(bureau.locator("body")).to_contain_text("2027")
    shot(bureau, "teacher-file", db_name)
    # Switch back to 2027: its pages are still there, read-only by their state.
    bureau.locator("#year-switch").select_option(label="2027（已公示）")
    bureau.get_by_role("button", name="切换年度").click()
    expect(bureau.locator(".flash-info")).to_contain_text("正在查看2027年度")
    bureau.get_by_role("link", name="交流管理", exact=True).click()
    expect(bureau.get_by_role("heading", name="交流管理 · 2027年度")).to_be_visible()
