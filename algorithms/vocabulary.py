"""The domain's vocabulary (docs/domain.md glossary): codes in English, names in Chinese.

One place for the product: the engine, the synthetic generator and the web application all take
their subjects, tiers, titles and education levels from here. Names are marked with :func:`N_` so
that the web application's translation catalogue extracts them (``babel.cfg``); the engine itself
never translates.
"""

from __future__ import annotations

__all__ = ["N_", "SUBJECTS", "TIERS", "TITLES", "EDUCATION", "GENDERS"]


def N_(text: str) -> str:
    """Mark a name for translation without translating it (gettext's ``gettext_noop``)."""
    return text


#: subject code -> (name, share of a district's teachers), in the order schools list them
SUBJECTS: dict[str, tuple[str, float]] = {
    "chinese": (N_("语文"), 0.21),
    "math": (N_("数学"), 0.19),
    "english": (N_("英语"), 0.13),
    "physics": (N_("物理"), 0.045),
    "chemistry": (N_("化学"), 0.035),
    "biology": (N_("生物"), 0.03),
    "history": (N_("历史"), 0.03),
    "geography": (N_("地理"), 0.025),
    "morality": (N_("道德与法治"), 0.04),
    "music": (N_("音乐"), 0.04),
    "pe": (N_("体育"), 0.06),
    "art": (N_("美术"), 0.04),
    "it": (N_("信息技术"), 0.03),
    "science": (N_("科学"), 0.045),
    "psychology": (N_("心理健康"), 0.015),
}

#: school tier code -> name, strongest first (优质 / 一般 / 薄弱)
TIERS: dict[str, str] = {"strong": N_("优质"), "ordinary": N_("一般"), "weak": N_("薄弱")}

#: professional title (职称) code -> name, in increasing order
TITLES: dict[str, str] = {
    "none": N_("未评"),
    "junior": N_("初级"),
    "intermediate": N_("中级（一级）"),
    "senior": N_("高级"),
    "full_senior": N_("正高级"),
}

#: education (学历) code -> name, in increasing order
EDUCATION: dict[str, str] = {"college": N_("大专"), "bachelor": N_("本科"), "master": N_("硕士"), "doctor": N_("博士")}

GENDERS: dict[str, str] = {"M": N_("男"), "F": N_("女")}
