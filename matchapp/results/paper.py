"""The published results on paper (issue 14, "paper"): the public notice (公示), the transfer
letters (工作调动介绍信) and the reporting-in slips (报到单), as pages to print and as PDF files —
one teacher's, one school's, or the whole round's in one file.

Everything here reads the publication (what was published, frozen) and the round's calendar, never
the live placements: a letter printed after a roster change says what the notice said.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app, session
from flask_babel import gettext as _
from sqlalchemy import select

from ..core.pdf import render_pdf
from ..extensions import db
from ..roster.bureau import bureau_settings, issuer_of
from ..roster.models import ExchangeRecord, School
from ..rounds.calendar import report_by, term_ends, term_years
from ..rounds.models import Round
from .models import Publication


@dataclass(frozen=True)
class Paper:
    """One teacher's letter and slip: the notice's row and what the documents add to it."""

    row: dict
    number: str  # 文号, e.g. 教人〔2027〕015号; "" when the bureau set no prefix
    index: int  # the row's place in the notice, from 1
    kind: str = "full_time"  # the kind of exchange (vocab.EXCHANGE_KINDS), from the exchange record
    term: int | None = None  # its term in years (each kind its own, seed 004); None: the round's
    return_on: dt.date | None = None  # the term's end


def issuer(publication: Publication) -> dict:
    """Who issues the documents: as frozen at publication, or the bureau's current settings."""
    return dict(publication.issuer) if publication.issuer else issuer_of(bureau_settings())


def document_number(prefix: str, index: int) -> str:
    """The letter's number: the bureau's prefix, a three-digit sequence and 号 (教人〔2027〕015号).

    >>> document_number("教人〔2027〕", 15)
    '教人〔2027〕015号'
    >>> document_number("", 15)
    ''
    """
    return f"{prefix}{index:03d}号" if prefix else ""


def papers(publication: Publication, school_code: str | None = None, teacher_id: int | None = None) -> list[Paper]:
    """The letters of a publication, in the notice's order: all, one school's (the teachers it
    sends, then those it receives) or one teacher's. Numbers follow the notice's order, so a
    teacher's letter keeps its number whichever file it is printed in."""
    prefix = issuer(publication)["document_prefix"]
    terms = _terms(publication)
    numbered = [
        Paper(row, document_number(prefix, k), k, *terms.get(row["teacher_id"], ("full_time", None, None)))
        for k, row in enumerate(publication.rows, start=1)
    ]
    if teacher_id is not None:
        return [p for p in numbered if p.row["teacher_id"] == teacher_id]
    if school_code is not None:
        sent = [p for p in numbered if p.row["from_code"] == school_code]
        received = [p for p in numbered if p.row["to_code"] == school_code]
        return sent + received
    return numbered


def _terms(publication: Publication) -> dict[int, tuple[str, int, dt.date | None]]:
    """Each published teacher's kind of exchange, term and its end, from the exchange records of
    the round's year (a part-time exchange is one year, a full-time rotation the policy's term)."""
    round_ = db.session.get(Round, publication.round_id)
    if round_ is None:
        return {}
    records = db.session.scalars(select(ExchangeRecord).where(ExchangeRecord.year == round_.year))
    # The term as placed (not later extensions): the letter says what was decided at publication.
    return {r.teacher_id: (r.kind, r.term_years, term_ends(round_, r.term_years)) for r in records}


def document_context(round_: Round, publication: Publication) -> dict:
    """What every document of the round prints besides its rows: the issuer, the dates, the term."""
    years = term_years(round_)
    return {
        "round": round_,
        "publication": publication,
        "issuer": issuer(publication),
        "term": years,
        "report_by": report_by(round_),
        "return_on": term_ends(round_, years),
        "issued_on": publication.published_at,
    }


#: Documents rendered while the person waits; a larger file is made by a background job (a
#: thousand reporting-in slips take about a minute on one core: bench/README.md).
SYNC_LIMIT = 150
#: Documents rendered at once: a larger file is put together from parts, so memory stays bounded.
CHUNK = 100
TEMPLATES = {"letters": "paper/letters.html", "report_slips": "paper/report_slips.html"}
KEEP_SECONDS = 24 * 3600  # files made by jobs are removed a day later


def render_documents(kind: str, found: list[Paper], context: dict, report: Callable[[int, str], None] | None = None):
    """The PDF of ``found`` (letters or slips), one document per page, rendered in parts."""
    template = TEMPLATES[kind]
    if len(found) <= CHUNK:
        return render_pdf(template, papers=found, **context)
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for start in range(0, len(found), CHUNK):
        writer.append(PdfReader(io.BytesIO(render_pdf(template, papers=found[start : start + CHUNK], **context))))
        if report:
            done = min(start + CHUNK, len(found))
            report(5 + 90 * done // len(found), _("已生成%(d)s/%(n)s份", d=done, n=len(found)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def papers_folder() -> str:
    folder = os.path.join(current_app.instance_path, "papers")
    os.makedirs(folder, exist_ok=True)
    return folder


def remove_old_files(now: float | None = None) -> None:
    folder, now = papers_folder(), now or time.time()
    for name in os.listdir(folder):
        path = os.path.join(folder, name)
        if name.endswith(".pdf") and now - os.path.getmtime(path) > KEEP_SECONDS:
            os.unlink(path)


def paper_job(params: dict, report) -> dict:
    """The background form of a large file of letters or slips (the bureau's whole round)."""
    round_ = db.get_or_404(Round, params["round_id"])
    publication = db.get_or_404(Publication, params["publication_id"])
    school = db.session.get(School, params["school_id"]) if params.get("school_id") else None
    found = papers(publication, school_code=school.code if school else None)
    report(5, _("正在生成%(n)s份", n=len(found)))
    # Rendered as the person who asked reads the interface (their language), outside their request.
    with current_app.test_request_context():
        session["lang"] = params.get("lang", "zh")
        data = render_documents(params["kind"], found, document_context(round_, publication), report)
    path = os.path.join(papers_folder(), params["file"])
    with open(path, "wb") as handle:
        handle.write(data)
    return {"file": params["file"], "count": len(found), "name": params["name"]}


def latest_paper_file(file_name: str) -> str | None:
    """The path of a file a job made (None when removed or never made)."""
    path = os.path.join(papers_folder(), os.path.basename(file_name))
    return path if os.path.isfile(path) else None
