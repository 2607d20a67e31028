"""What a receiving post requires and whether a teacher meets it (pure: no database).

Seed 000 篇四: "教师对照市教育局测算的轮岗交流数量、学历、学科、职称、专业称号等要求，自主申报" and the
school's 《接收…数量确认表》 confirms "数量、学历、学科、职称、专业称号": a post may require a least
education (学历), a least professional title (职称) and a professional honour (专业称号). These
requirements are enforced, not displayed: a teacher may list only posts whose requirements they
meet, a school may rank only such applicants, and neither the fair nor the administrative
assignment places anyone else there (the engine receives them as ``requires``/``qualifications``).

Our reading, where the seeds say no more:
- education and title are "at least": 本科 admits 本科, 硕士 and 博士; 高级 admits 高级 and 正高级;
- the honour requirement names one or more honours, separated by commas (，、,;/ or spaces), of
  which the teacher must hold one, spelled as on the roster (市学科带头人, 市骨干教师 …): honours
  are free text on the roster, so the school confirms the post with names the roster uses.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import gettext as _

from algorithms import vocabulary as _v

from ..core.vocab import EDUCATION, EDUCATION_ORDER, TITLE_ORDER, TITLES

_SEPARATORS = re.compile(r"[,，、;；/／\s]+")


def honour_names(text: str) -> list[str]:
    """The honours a text names, in order, without repeats.

    Examples
    --------
    >>> honour_names("市学科带头人，市骨干教师、 市学科带头人")
    ['市学科带头人', '市骨干教师']
    """
    return list(dict.fromkeys(name for name in _SEPARATORS.split(text or "") if name))


def _level(order: list[str], code: str) -> int:
    return order.index(code) if code in order else -1


@dataclass(frozen=True)
class Requirement:
    """One requirement of a post: ``tag`` names it in the engine's file (Chinese, untranslated,
    the same for every post that requires the same), ``met`` decides a teacher."""

    tag: str
    met: Callable[[object], bool]
    words: Callable[[object], str]  # why a teacher does not meet it, in the interface's language


def _at_least(order: list[str], field: str, need: int) -> Callable[[object], bool]:
    def met(teacher) -> bool:
        return _level(order, getattr(teacher, field)) >= need

    return met


def _holds_one(wanted: set[str]) -> Callable[[object], bool]:
    def met(teacher) -> bool:
        return bool(wanted & set(honour_names(getattr(teacher, "honours", ""))))

    return met


def requirements(post) -> list[Requirement]:
    """The requirements of a post (education, title, honours), each with its test."""
    out = []
    if post.min_education:
        name = _v.EDUCATION.get(post.min_education, post.min_education)

        def education_words(t, post=post) -> str:
            return _(
                "学历须%(need)s及以上（本人：%(have)s）",
                need=EDUCATION.get(post.min_education, post.min_education),
                have=EDUCATION.get(t.education, t.education or "—"),
            )

        out.append(
            Requirement(
                f"学历:{name}及以上",
                _at_least(EDUCATION_ORDER, "education", _level(EDUCATION_ORDER, post.min_education)),
                education_words,
            )
        )
    if post.min_title:
        name = _v.TITLES.get(post.min_title, post.min_title)

        def title_words(t, post=post) -> str:
            return _(
                "职称须%(need)s及以上（本人：%(have)s）",
                need=TITLES.get(post.min_title, post.min_title),
                have=TITLES.get(t.title, t.title or "—"),
            )

        out.append(
            Requirement(
                f"职称:{name}及以上", _at_least(TITLE_ORDER, "title", _level(TITLE_ORDER, post.min_title)), title_words
            )
        )
    names = honour_names(post.honours)
    if names:

        def honour_words(t, names=names) -> str:
            held = honour_names(t.honours)
            return _(
                "须具有专业称号：%(need)s（本人：%(have)s）",
                need=_("或").join(names),
                have="、".join(held) if held else _("无"),
            )

        out.append(Requirement("专业称号:" + "/".join(sorted(names)), _holds_one(set(names)), honour_words))
    return out


def unmet(teacher, post) -> list[str]:
    """Why ``teacher`` does not meet ``post``'s requirements, in words (empty: they do)."""
    return [r.words(teacher) for r in requirements(post) if not r.met(teacher)]


def meets(teacher, post) -> bool:
    return all(r.met(teacher) for r in requirements(post))


def describe(post) -> str:
    """A post's requirements in words, for pages (empty when it has none)."""
    parts = []
    if post.min_education:
        parts.append(_("学历%(e)s及以上", e=EDUCATION.get(post.min_education, post.min_education)))
    if post.min_title:
        parts.append(_("职称%(t)s及以上", t=TITLES.get(post.min_title, post.min_title)))
    names = honour_names(post.honours)
    if names:
        parts.append(_("专业称号：%(h)s", h=_("或").join(names)))
    return "，".join(parts)
