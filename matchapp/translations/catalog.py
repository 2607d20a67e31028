"""The translation catalogue, kept the way Flask projects keep it: the ``.po`` files are the source
(translators edit them), ``babel.cfg`` says where the strings are, and one command runs Babel's
``extract`` → ``update`` → ``compile``::

    matchapp translations update    # after changing interface strings: new ones appear untranslated
    matchapp translations check     # CI: fails on an untranslated, fuzzy or missing entry, or a stale .mo

Chinese is the source language (the interface speaks it by default); English is the translation.
"""

from __future__ import annotations

import io
import os
import tempfile
from dataclasses import dataclass, field

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
LOCALES = ("en",)
KEYWORDS = ("_l", "lazy_gettext", "N_", "_raw")


def _pybabel(*args: str) -> None:
    from babel.messages.frontend import CommandLineInterface

    CommandLineInterface().run(["pybabel", "-q", *args])


def po_path(locale: str) -> str:
    return os.path.join(HERE, locale, "LC_MESSAGES", "messages.po")


def extract(pot: str) -> None:
    """Every interface string of the sources named in ``babel.cfg``, into a template (``.pot``)."""
    keywords = [arg for k in KEYWORDS for arg in ("-k", k)]
    config = os.path.join(ROOT, "babel.cfg")
    _pybabel("extract", "-F", config, *keywords, "--no-location", "--sort-output", "-o", pot, ROOT)


def update() -> None:
    """Extract, merge into each locale's ``.po`` (new strings untranslated, gone ones dropped), compile."""
    with tempfile.TemporaryDirectory() as tmp:
        pot = os.path.join(tmp, "messages.pot")
        extract(pot)
        for locale in LOCALES:
            _pybabel(
                "update", "-i", pot, "-d", HERE, "-l", locale, "--no-fuzzy-matching", "--ignore-obsolete", "-w", "120"
            )
    compile_all()


def compile_all() -> None:
    for locale in LOCALES:
        _pybabel("compile", "-d", HERE, "-l", locale)


@dataclass
class Problems:
    untranslated: list[str] = field(default_factory=list)
    fuzzy: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # in the sources, not in the .po
    stale_mo: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.untranslated or self.fuzzy or self.missing or self.stale_mo)

    def lines(self) -> list[str]:
        out = [f"untranslated: {m}" for m in self.untranslated]
        out += [f"fuzzy: {m}" for m in self.fuzzy]
        out += [f"not in the catalogue (run `matchapp translations update`): {m}" for m in self.missing]
        out += [f"compiled catalogue out of date (run `matchapp translations update`): {m}" for m in self.stale_mo]
        return out


def _messages(handle) -> dict:
    from babel.messages.mofile import read_mo

    return {m.id: m.string for m in read_mo(handle) if m.id}


def check() -> Problems:
    """What is wrong with the catalogues, without changing them."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    problems = Problems()
    with tempfile.TemporaryDirectory() as tmp:
        pot = os.path.join(tmp, "messages.pot")
        extract(pot)
        with open(pot, "rb") as handle:
            source = {m.id for m in read_po(handle) if m.id}
    for locale in LOCALES:
        with open(po_path(locale), "rb") as handle:
            catalog = read_po(handle, locale=locale)
        if catalog.fuzzy:
            problems.fuzzy.append(
                f"{po_path(locale)}: the catalogue's header is marked fuzzy (it would not be compiled)"
            )
        ids = {m.id for m in catalog if m.id}
        problems.missing += sorted(str(m) for m in source - ids)
        for message in catalog:
            if not message.id:
                continue
            if message.fuzzy:
                problems.fuzzy.append(str(message.id))
            elif not message.string:
                problems.untranslated.append(str(message.id))
        compiled = io.BytesIO()
        write_mo(compiled, catalog)
        compiled.seek(0)
        mo = po_path(locale)[:-3] + ".mo"
        if not os.path.exists(mo):
            problems.stale_mo.append(mo)
            continue
        with open(mo, "rb") as handle:
            if _messages(compiled) != _messages(handle):
                problems.stale_mo.append(mo)
    return problems
