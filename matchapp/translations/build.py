"""Rebuild the English catalog from the source strings and translations/en.py.

python -m matchapp.translations.build
"""

from __future__ import annotations

import os
import sys

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import write_po

from .en import EN

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
METHODS = [("matchapp/**.py", "python"), ("templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None}


def source_messages() -> set[str]:
    found = set()
    for _, _, message, _, _ in extract_from_dir(ROOT, METHODS, keywords=KEYWORDS):
        if isinstance(message, str) and message:
            found.add(message)
    return found


def build() -> list[str]:
    messages = source_messages()
    catalog = Catalog(locale="en", project="matchapp")
    for msgid in sorted(messages | set(EN)):
        catalog.add(msgid, EN.get(msgid, ""))
    out = os.path.join(HERE, "en", "LC_MESSAGES")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "messages.po"), "wb") as handle:
        write_po(handle, catalog, width=120)
    with open(os.path.join(out, "messages.mo"), "wb") as handle:
        write_mo(handle, catalog)
    return sorted(m for m in messages if m not in EN)


if __name__ == "__main__":
    missing = build()
    for m in missing:
        print(f"untranslated: {m}", file=sys.stderr)
    sys.exit(1 if missing else 0)
