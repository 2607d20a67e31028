"""Reading the PDF files the product makes, as a test needs them: pages, text, fonts (pypdf)."""

from __future__ import annotations

import io

from pypdf import PdfReader


def get_pdf(client, url: str) -> bytes:
    """GET ``url`` with a test client: a PDF, as bytes (the response closed, with any file it sent)."""
    response = client.get(url)
    try:
        assert response.status_code == 200, (url, response.status_code)
        assert response.mimetype == "application/pdf"
        return response.get_data()
    finally:
        response.close()


def pdf_pages(data: bytes) -> list[str]:
    """The text of each page of a PDF, whitespace removed (CJK text has no spaces to keep)."""
    assert data[:5] == b"%PDF-", "not a PDF"
    return ["".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(data)).pages]


def pdf_fonts(data: bytes) -> set[str]:
    """The names of the fonts embedded in a PDF (subset prefixes removed)."""
    names: set[str] = set()
    for page in PdfReader(io.BytesIO(data)).pages:
        fonts = page.get("/Resources", {}).get_object().get("/Font", {})
        for ref in fonts.values():
            base = str(ref.get_object().get("/BaseFont", ""))
            names.add(base.split("+", 1)[-1].lstrip("/"))
    return names
