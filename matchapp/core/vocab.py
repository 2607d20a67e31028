"""The domain's vocabulary for the web application: the codes and names of
:mod:`algorithms.vocabulary` (one place for the whole product) as translatable labels, the
synonyms a roster may use, and the web-only vocabularies (roles, round states, exemptions).

Labels are ``lazy_gettext`` strings so that the English switch translates them.
"""

from flask_babel import lazy_gettext as _l

from algorithms import vocabulary as _v

#: subject code -> label (学科), in the vocabulary's order
SUBJECTS = {code: _l(name) for code, (name, _share) in _v.SUBJECTS.items()}
#: Chinese name -> code, for imports written in Chinese
SUBJECT_BY_NAME = {name: code for code, (name, _share) in _v.SUBJECTS.items()}

#: tier code -> label, strongest first
TIERS = {code: _l(name) for code, name in _v.TIERS.items()}
TIER_ORDER = list(_v.TIERS)
TIER_BY_NAME = {name: code for code, name in _v.TIERS.items()}

#: professional title (职称), in increasing order
TITLES = {code: _l(name) for code, name in _v.TITLES.items()}
TITLE_ORDER = list(_v.TITLES)
TITLE_BY_NAME = {
    **{name: code for code, name in _v.TITLES.items()},
    "二级": "junior",
    "中级": "intermediate",
    "一级": "intermediate",
}

#: education (学历), in increasing order
EDUCATION = {code: _l(name) for code, name in _v.EDUCATION.items()}
EDUCATION_ORDER = list(_v.EDUCATION)
EDUCATION_BY_NAME = {**{name: code for code, name in _v.EDUCATION.items()}, "研究生": "master"}

GENDERS = {code: _l(name) for code, name in _v.GENDERS.items()}
GENDER_BY_NAME = {name: code for code, name in _v.GENDERS.items()}

#: reasons a teacher is not sent this year (暂不交流)
EXEMPTIONS = {
    "investigation": _l("涉嫌违法违纪正在接受审查"),
    "illness": _l("患病不能正常工作"),
    "pregnancy": _l("孕期"),
    "maternity": _l("产假或哺乳期"),
    "signature_course": _l("特色课程领衔教师（暂缓，最长3年）"),
    "family_hardship": _l("配偶或子女长期患病等家庭特殊困难"),
}

#: school stage (学段)
STAGES = {"primary": _l("小学"), "junior": _l("初中"), "nine_year": _l("九年一贯制"), "kindergarten": _l("幼儿园")}
STAGE_BY_NAME = {"小学": "primary", "初中": "junior", "九年一贯制": "nine_year", "幼儿园": "kindergarten"}

#: where a school is (城乡类型); Dalian's "城镇学校" are the urban and town ones (seed 000 篇三)
LOCALITIES = {"urban": _l("城区"), "town": _l("乡镇"), "rural": _l("农村"), "remote": _l("山区海岛")}
LOCALITY_BY_NAME = {
    "城区": "urban",
    "城镇": "urban",
    "乡镇": "town",
    "农村": "rural",
    "山区海岛": "remote",
    "山区": "remote",
    "海岛": "remote",
}

ROLES = {"bureau": _l("教育局"), "school": _l("学校管理员"), "teacher": _l("教师")}

ROUND_STATES = {
    "preparing": _l("准备中"),
    "fair_open": _l("洽谈会进行中"),
    "fair_closed": _l("洽谈会已截止"),
    "matched": _l("已匹配"),
    "assigned": _l("已行政指定"),
    "published": _l("已公示"),
}
ROUND_STATE_ORDER = list(ROUND_STATES)

#: how a round places its teachers (rounds.states: each has its own steps)
PROCEDURES = {
    "fair": _l("双向选择洽谈会"),
    "competition": _l("跨校竞聘"),
    "arrangement": _l("教育局统一安排"),
}
#: the states whose names differ by procedure
_STATE_NAMES = {
    "competition": {
        "fair_open": _l("竞聘报名中"),
        "fair_closed": _l("报名已截止（考核评分）"),
        "assigned": _l("已批准"),
    },
    "arrangement": {"matched": _l("已生成安排方案"), "assigned": _l("已确认安排")},
}


def round_state(round_) -> str:
    """The name of a round's state in its procedure's words (``|state`` in templates)."""
    procedure = getattr(round_, "procedure", None) or "fair"
    return str(_STATE_NAMES.get(procedure, {}).get(round_.state) or ROUND_STATES.get(round_.state, round_.state))


def subject_label(code: str) -> str:
    """A subject's name for a message (never the raw code)."""
    return str(SUBJECTS.get(code, code))
