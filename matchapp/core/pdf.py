"""Paper as PDF (issue 14, "paper"): one function turns a template and its context into the bytes
of a PDF, with WeasyPrint.

Chinese needs a CJK font. The PDF names the font families in ``PDF_FONTS`` (``MATCHAPP_PDF_FONT``
first, then the common free and Windows CJK fonts); fontconfig finds whichever of them the server
has. The wheel carries no font: WeasyPrint already needs Pango from the operating system, and a
bureau's Debian server gets the font the same way (``apt-get install fonts-wqy-microhei``).
``matchapp check`` says when no CJK font is installed, since the PDF would then show boxes.

A PDF never fetches anything: the documents are built only from the template (no images, no
style sheets from URLs), so a name typed into the roster cannot make the server open a URL.
"""

from __future__ import annotations

import hashlib
import os
import subprocess  # noqa: S404 - fc-list, a fixed command without user input

from flask import current_app, render_template

from .files import write_atomically

#: Fallback CJK families, after the configured one: the free fonts of Debian, then Windows' own.
PDF_FONTS = (
    "WenQuanYi Micro Hei",
    "Noto Serif CJK SC",
    "Noto Sans CJK SC",
    "Source Han Serif SC",
    "WenQuanYi Zen Hei",
    "AR PL UMing CN",
    "FangSong",
    "SimSun",
)


class PaperError(RuntimeError):
    """WeasyPrint or its system libraries are missing."""


def font_families() -> str:
    """The CSS font-family list of the documents: the configured font first."""
    # Font names go into a style sheet: keep only what a family name has.
    first = "".join(c for c in current_app.config.get("PDF_FONT") or "" if c.isalnum() or c in " -_")[:64].strip()
    names = [first] if first else []
    names += [n for n in PDF_FONTS if n != first]
    return ", ".join(f'"{n}"' for n in names) + ", sans-serif"


def _weasyprint():
    try:
        import weasyprint
        from weasyprint.urls import URLFetcher
    except (ImportError, OSError) as exc:  # OSError: Pango is not installed
        raise PaperError(f"WeasyPrint cannot run here: {exc}") from exc
    return weasyprint, URLFetcher


def html_to_pdf(html: str) -> bytes:
    """The PDF of a page of HTML."""
    weasyprint, fetcher = _weasyprint()
    # Only data: URLs may be read (none are used today): never a file or a network address.
    return weasyprint.HTML(string=html, url_fetcher=fetcher(allowed_protocols=["data"])).write_pdf()


def _page(template: str, **context) -> str:
    """``template``'s HTML for paper, with the fonts for Chinese."""
    return render_template(template, pdf_fonts=font_families(), **context)


def render_pdf(template: str, **context) -> bytes:
    """Render ``template`` with ``context`` (as :func:`flask.render_template` does) to a PDF."""
    return html_to_pdf(_page(template, **context))


def kept_pdf(template: str, folder: str, **context) -> tuple[bytes, str]:
    """``template``'s PDF and its digest (an ETag), made once for each distinct page and kept in
    ``folder``.

    For a document anyone may fetch again and again (the public notice during its 公示 period: a
    thousand rows take seconds to lay out, bench/README.md), while rendering its HTML takes
    milliseconds. The file is named by a digest of that HTML and of WeasyPrint's version, so it
    is never stale: a page that changes in any way (a new version of the results, another
    language, a new release's template) is a new file. It is written to a temporary file and
    renamed, so a concurrent request never reads half of one.
    """
    weasyprint, _fetcher = _weasyprint()
    html = _page(template, **context)
    digest = hashlib.sha256(f"{weasyprint.__version__}\n{html}".encode()).hexdigest()[:40]
    path = os.path.join(folder, f"{digest}.pdf")
    try:
        with open(path, "rb") as kept:
            return kept.read(), digest
    except FileNotFoundError:
        pass
    data = html_to_pdf(html)
    os.makedirs(folder, exist_ok=True)
    write_atomically(path, data)
    return data, digest


def cjk_fonts() -> list[str]:
    """The CJK font families installed on this machine (fontconfig), for ``matchapp check``."""
    try:
        out = subprocess.run(  # noqa: S603
            ["fc-list", ":lang=zh", "family"],  # noqa: S607 - fontconfig's own tool
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return sorted({line.split(",")[0].strip() for line in out.splitlines() if line.strip()})
