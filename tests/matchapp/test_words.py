"""No raw codes in the interface (issue 14): every page each role can open, in the published
round, says 数学 and 已公示, never ``math`` or ``published``. The visible text is read the way a
person reads it (no tags, scripts, styles or attribute values)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from algorithms import vocabulary
from matchapp.core import vocab
from tests.matchapp.test_route_access import ROLES, cases, world  # noqa: F401  (the fixture)

CODES = sorted(
    {
        *vocabulary.SUBJECTS,
        *vocabulary.TIERS,
        *vocabulary.TITLES,
        *vocabulary.EDUCATION,
        *vocab.EXEMPTIONS,
        *vocab.STAGES,
        *vocab.LOCALITIES,
        *vocab.ROUND_STATES,
        "matched",
        "unplaced",
        "pending",
        "approved",
        "rejected",
        "submitted",
        "draft",
        "None",
        "True",
        "False",
    },
    key=len,
    reverse=True,
)
RAW = re.compile(r"(?<![A-Za-z0-9_./-])(" + "|".join(re.escape(c) for c in CODES) + r")(?![A-Za-z0-9_.-])")


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def test_visible_text_reader_finds_a_code_and_ignores_attributes():
    assert RAW.findall(visible_text('<td class="math">数学</td><script>var s="math"</script>')) == []
    assert RAW.findall(visible_text("<p>学科math只有2名流出教师</p>")) == ["math"]


@pytest.mark.parametrize("role", [r for r in ROLES if r != "anon"])
def test_no_page_shows_a_raw_code(app, world, role):  # noqa: F811
    client = app.test_client()
    client.post("/login", data={"username": world["users"][role].username, "password": "password123"})
    found, seen = [], 0
    for endpoint, method, url, allowed in cases(world):
        if method != "GET" or role not in allowed or endpoint in ("static", "api.openapi") or "/api/" in url:
            continue
        response = client.get(url, headers={"Accept-Language": "zh-CN"})
        if response.status_code != 200 or not response.mimetype.startswith("text/html"):
            continue
        seen += 1
        text = visible_text(response.get_data(as_text=True))
        for match in RAW.finditer(text):
            found.append(f"{url}: …{text[max(0, match.start() - 20) : match.end() + 20]}…")
    assert seen >= 3
    assert found == [], "\n".join(found)


CODED_ATTRIBUTES = {"subject", "tier", "state", "how", "title", "education", "exemption", "stage", "locality", "role"}


def test_no_message_puts_a_code_into_its_words():
    """Messages that pages and the API show (flashes, refusals, a run's notes) are hard to reach
    all from a page walk: none may pass a coded attribute (``post.subject``, ``round_.state``)
    into a translated string; it goes through its label (``subject_label``, ``SUBJECTS[…]``)."""
    import ast
    from pathlib import Path

    found = []
    for path in sorted(Path("matchapp").rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") in ("_", "_l", "gettext", "lazy_gettext"):
                for keyword in node.keywords:
                    value = keyword.value
                    if isinstance(value, ast.Attribute) and value.attr in CODED_ATTRIBUTES:
                        found.append(f"{path}:{node.lineno}: {keyword.arg}={ast.unparse(value)}")
    assert found == [], "\n".join(found)
