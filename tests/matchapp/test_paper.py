"""Paper (issue 14): the notice, the transfer letters and the reporting-in slips as PDF files —
one teacher's, one school's, the whole round's — in Chinese (a CJK font embedded, the names
readable in the text), with the bureau's details, the notice period and the report-by date."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from matchapp.core.pdf import cjk_fonts
from matchapp.extensions import db
from matchapp.results.models import Publication
from matchapp.results.publication import latest_publication, publish
from matchapp.roster.bureau import bureau_settings
from matchapp.rounds.calendar import notice_ends
from matchapp.runs.assignment import confirm_assignment
from tests.factories import gen_user
from tests.matchapp.test_fair import _run_whole_fair
from tests.paper import get_pdf, pdf_fonts, pdf_pages

START, END = dt.date(2027, 7, 12), dt.date(2027, 7, 16)


def _set_bureau():
    bureau = bureau_settings()
    bureau.name, bureau.department = "常州市天宁区教育局", "人事科"
    bureau.phone, bureau.address = "0519-88001234", "常州市天宁区局前街1号"
    bureau.document_prefix = "天教人〔2027〕"


@pytest.fixture
def published(app):
    round_, s, teachers, music, posts, outcome = _run_whole_fair()
    _set_bureau()
    confirm_assignment(round_)
    publish(round_, actor="renshi", period=(START, END))
    gen_user("bureau", username="renshi")
    gen_user("school", username="s0", school_id=s[0].id)
    gen_user("teacher", username="t-own", teacher_id=teachers[0].id)
    db.session.commit()
    return round_, s, teachers, latest_publication(round_)


def test_one_teachers_letter_is_one_page_in_chinese_with_the_bureaus_number_and_dates(published, client, auth):
    round_, s, teachers, publication = published
    row = next(r for r in publication.rows if r["teacher_id"] == teachers[0].id)
    index = publication.rows.index(row) + 1
    auth.login("t-own")
    pages = pdf_pages(get_pdf(client, f"/fair/{round_.id}/letters/{teachers[0].id}.pdf"))
    assert len(pages) == 1
    text = pages[0]
    assert "工作调动介绍信" in text
    assert teachers[0].name in text and row["from_name"] in text and row["to_name"] in text
    assert f"天教人〔2027〕{index:03d}号" in text
    assert "常州市天宁区教育局人事科" in text
    assert "2027年8月31日前" in text  # report_by of the round's policy (08-31)
    # Not boxes: the glyphs come from an embedded CJK font.
    data = get_pdf(client, f"/fair/{round_.id}/letters/{teachers[0].id}.pdf")
    assert any(name.replace(" ", "") in font for font in pdf_fonts(data) for name in ("WenQuanYi", "Noto", "Han"))


def test_a_school_prints_the_letters_of_the_teachers_it_sends_and_receives_in_one_file(published, client, auth):
    round_, s, teachers, publication = published
    mine = [r for r in publication.rows if s[0].code in (r["from_code"], r["to_code"])]
    assert len(mine) >= 2
    auth.login("s0")
    pages = pdf_pages(get_pdf(client, f"/fair/{round_.id}/letters.pdf"))
    assert len(pages) == len(mine)
    sent = [r for r in mine if r["from_code"] == s[0].code]
    for page, row in zip(pages, sent + [r for r in mine if r["from_code"] != s[0].code]):
        assert row["name"] in page and row["to_name"] in page and row["from_name"] in page
    # … and not another school's.
    assert client.get(f"/fair/{round_.id}/letters.pdf?school={s[1].id}").status_code == 403


def test_the_bureau_prints_every_letter_of_the_round_in_one_file(published, client, auth):
    round_, s, teachers, publication = published
    auth.login("renshi")
    pages = pdf_pages(get_pdf(client, f"/fair/{round_.id}/letters.pdf"))
    assert len(pages) == len(publication.rows) >= 3
    assert [r["name"] in page for r, page in zip(publication.rows, pages)] == [True] * len(pages)
    one_school = pdf_pages(get_pdf(client, f"/fair/{round_.id}/letters.pdf?school={s[1].id}"))
    assert len(one_school) == len([r for r in publication.rows if s[1].code in (r["from_code"], r["to_code"])])


def test_the_public_notice_pdf_names_everyone_its_period_and_how_to_object(published, client):
    round_, s, teachers, publication = published
    pages = pdf_pages(get_pdf(client, f"/fair/{round_.id}/notice.pdf"))  # no account needed
    assert len(pages) == 1
    text = pages[0]
    assert f"{round_.year}年度义务教育学校教师交流轮岗结果公示" in text
    for row in publication.rows:
        assert row["name"] in text and row["to_name"] in text
    assert "公示期：2027年7月12日至2027年7月16日" in text
    assert "0519-88001234" in text and "局前街1号" in text and "异议" in text
    page = client.get(f"/fair/{round_.id}/notice").get_data(as_text=True)
    assert "公示期：2027年7月12日至2027年7月16日" in page and "0519-88001234" in page


def test_the_public_notice_pdf_is_laid_out_once_per_page_and_kept(published, client, app, monkeypatch):
    # Anyone may fetch the notice during its 公示 period; a thousand rows take seconds to lay out.
    from matchapp.core import pdf

    laid_out: list[str] = []
    real = pdf.html_to_pdf
    monkeypatch.setattr(pdf, "html_to_pdf", lambda html: laid_out.append(html) or real(html))
    round_, s, teachers, publication = published
    url = f"/fair/{round_.id}/notice.pdf"
    first = get_pdf(client, url)
    assert get_pdf(client, url) == first and len(laid_out) == 1  # the next reader gets the kept file
    kept = list((Path(app.instance_path) / "notices").glob("*.pdf"))
    assert len(kept) == 1 and kept[0].read_bytes() == first
    with client.get(url) as response:
        etag = response.headers["ETag"]
    with client.get(url, headers={"If-None-Match": etag}) as again:
        assert again.status_code == 304 and not again.get_data()  # a reader's copy still holds
    client.post("/lang/en")
    english = get_pdf(client, url)
    assert len(laid_out) == 2 and english != first  # another page: laid out once more
    assert "公示期" not in pdf_pages(english)[0] and "公示期" in pdf_pages(first)[0]
    # Nothing is stale: whatever changes the page (here the published issuer's phone, which only a
    # new version of the results changes in use) makes a new file.
    client.post("/lang/zh")
    publication.issuer = {**publication.issuer, "phone": "0519-12345678"}
    db.session.commit()
    changed = pdf_pages(get_pdf(client, url))[0]
    assert len(laid_out) == 3 and "0519-12345678" in changed and "0519-88001234" not in changed


def test_reporting_in_slips_one_per_teacher_with_the_report_by_date(published, client, auth):
    round_, s, teachers, publication = published
    auth.login("t-own")
    pages = pdf_pages(get_pdf(client, f"/fair/{round_.id}/report-slips.pdf"))
    assert len(pages) == 1 and "教师交流轮岗报到单" in pages[0] and teachers[0].name in pages[0]
    assert "2027年8月31日" in pages[0] and "0519-88001234" in pages[0]
    assert client.get(f"/fair/{round_.id}/report-slips.pdf?teacher={teachers[3].id}").status_code == 403
    client.post("/logout")
    auth.login("renshi")
    pages = pdf_pages(get_pdf(client, f"/fair/{round_.id}/report-slips.pdf"))
    assert len(pages) == len(publication.rows)
    html = client.get(f"/fair/{round_.id}/report-slips?school={s[0].id}").get_data(as_text=True)
    assert "报到单" in html and s[0].name in html


def test_documents_keep_the_bureaus_details_as_published(published, client, auth):
    round_, s, teachers, publication = published
    bureau_settings().phone = "0519-00000000"  # changed after publication
    db.session.commit()
    text = pdf_pages(get_pdf(client, f"/fair/{round_.id}/notice.pdf"))[0]
    assert "0519-88001234" in text and "0519-00000000" not in text


def test_no_paper_before_publication(app, client, auth):
    round_, *_ = _run_whole_fair()
    gen_user("bureau", username="renshi")
    db.session.commit()
    auth.login("renshi")
    for url in ("notice.pdf", "letters.pdf", "report-slips.pdf", "report-slips"):
        assert client.get(f"/fair/{round_.id}/{url}").status_code == 404, url


def test_the_bureau_sets_its_details_once_on_its_page(app, client, auth):
    gen_user("bureau", username="renshi")
    db.session.commit()
    auth.login("renshi")
    page = client.get("/roster/bureau").get_data(as_text=True)
    assert "尚未填写：联系电话、通信地址、介绍信文号前缀" in page
    home = client.get("/home").get_data(as_text=True)
    assert "填写本局信息" in home and "尚未填写" in home
    page = client.post(
        "/roster/bureau",
        data={"name": "常州市教育局", "department": "人事处", "phone": "abc", "address": "", "document_prefix": ""},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "电话只能包含数字" in page and bureau_settings().phone == ""  # refused, nothing written
    db.session.rollback()
    page = client.post(
        "/roster/bureau",
        data={
            "name": "常州市教育局",
            "department": "人事处",
            "phone": "0519-85581234",
            "address": "常州市龙城大道1280号",
            "document_prefix": "常教人〔2027〕",
        },
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "已保存本局信息" in page and "常教人〔2027〕001号" in page
    db.session.expire_all()
    assert bureau_settings().phone == "0519-85581234"
    assert "常州市教育局人事处，联系电话0519-85581234" in client.get("/home").get_data(as_text=True)


def test_publishing_asks_for_the_notice_period_and_refuses_one_that_ends_before_it_starts(app, client, auth):
    round_, *_ = _run_whole_fair()
    confirm_assignment(round_)
    gen_user("bureau", username="renshi")
    db.session.commit()
    auth.login("renshi")
    control = client.get(f"/fair/{round_.id}/").get_data(as_text=True)
    assert "公示开始日期" in control and "公示结束日期" in control
    assert "本局信息尚未填写联系电话" in control  # the checklist says what the documents will lack
    page = client.post(
        f"/fair/{round_.id}/publish",
        data={"confirm": "y", "notice_starts_on": "2027-07-12", "notice_ends_on": "2027-07-09"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "结束日期不能早于开始日期" in page
    assert db.session.scalar(select(Publication).where(Publication.round_id == round_.id)) is None
    page = client.post(
        f"/fair/{round_.id}/publish",
        data={"confirm": "y", "notice_starts_on": "2027-07-12", "notice_ends_on": "2027-07-16"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "结果已公示（公示期2027年7月12日至2027年7月16日）" in page
    publication = db.session.scalar(select(Publication).where(Publication.round_id == round_.id))
    assert (publication.notice_starts_on, publication.notice_ends_on) == (START, END)


@pytest.mark.parametrize(
    ("starts", "ends"),
    [
        (dt.date(2027, 7, 12), dt.date(2027, 7, 16)),  # Monday: Monday to Friday
        (dt.date(2027, 7, 16), dt.date(2027, 7, 22)),  # Friday: Friday, then Monday to Thursday
        (dt.date(2027, 7, 17), dt.date(2027, 7, 23)),  # Saturday: the weekend does not count
        (dt.date(2027, 7, 18), dt.date(2027, 7, 23)),  # Sunday
        (dt.date(2027, 12, 29), dt.date(2028, 1, 4)),  # over the new year (a Wednesday start)
    ],
)
def test_the_default_notice_period_is_five_working_days(starts, ends):
    assert notice_ends(starts) == ends


def test_a_cjk_font_is_installed_for_the_documents():
    """On a machine without one the PDF would print boxes: `matchapp check` says so too."""
    assert cjk_fonts(), "no CJK font: apt-get install fonts-wqy-microhei"


def test_a_school_without_teachers_in_the_round_is_told_so(published, client, auth):
    round_, s, teachers, publication = published
    gen_user("school", username="lone")  # the administrator of a school of its own, in no exchange
    db.session.commit()
    auth.login("lone")
    page = client.get(f"/fair/{round_.id}/letters.pdf", follow_redirects=True).get_data(as_text=True)
    assert "没有可打印的介绍信" in page


def test_a_large_file_is_made_by_a_background_job_in_parts(published, client, auth, monkeypatch):
    """Above SYNC_LIMIT documents the request hands the file to a job (a thousand slips take about a
    minute); the job renders CHUNK documents at a time and puts the parts together."""
    from matchapp.core.jobs import Job, wait_for_jobs
    from matchapp.results import paper, routes

    round_, s, teachers, publication = published
    monkeypatch.setattr(routes, "SYNC_LIMIT", 2)
    monkeypatch.setattr(paper, "CHUNK", 2)
    auth.login("renshi")
    response = client.get(f"/fair/{round_.id}/report-slips.pdf")
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"]
    wait_for_jobs()
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "已完成" in page and f"已生成{len(publication.rows)}份" in page
    job = db.session.scalar(select(Job).where(Job.kind == "paper"))
    pages = pdf_pages(get_pdf(client, f"/fair/papers/{job.id}.pdf"))
    assert len(pages) == len(publication.rows) >= 3  # parts of 2 put together
    assert [r["name"] in p for r, p in zip(publication.rows, pages)] == [True] * len(pages)
    client.post("/logout")
    auth.login("s0")
    assert client.get(f"/fair/papers/{job.id}.pdf").status_code == 403  # not the school's file
