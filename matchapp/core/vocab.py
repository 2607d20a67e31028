"""The domain's vocabulary (docs/domain.md glossary): codes in English, labels in Chinese.

Labels are wrapped in ``lazy_gettext`` so that the English switch can translate them.
"""

from flask_babel import lazy_gettext as _l

from algorithms.generate import SUBJECTS as _ENGINE_SUBJECTS

#: subject code -> label (学科); the codes are the engine's
SUBJECTS = {
    "chinese": _l("语文"),
    "math": _l("数学"),
    "english": _l("英语"),
    "physics": _l("物理"),
    "chemistry": _l("化学"),
    "biology": _l("生物"),
    "history": _l("历史"),
    "geography": _l("地理"),
    "morality": _l("道德与法治"),
    "music": _l("音乐"),
    "pe": _l("体育"),
    "art": _l("美术"),
    "it": _l("信息技术"),
    "science": _l("科学"),
    "psychology": _l("心理健康"),
}
assert set(SUBJECTS) == set(_ENGINE_SUBJECTS)
#: Chinese label -> code, for imports written in Chinese
SUBJECT_BY_NAME = {name: code for code, (name, _) in _ENGINE_SUBJECTS.items()}

TIERS = {"strong": _l("优质"), "ordinary": _l("一般"), "weak": _l("薄弱")}
TIER_BY_NAME = {"优质": "strong", "一般": "ordinary", "薄弱": "weak"}

#: professional title (职称), in increasing order
TITLES = {
    "none": _l("未评"),
    "junior": _l("初级"),
    "intermediate": _l("中级（一级）"),
    "senior": _l("高级"),
    "full_senior": _l("正高级"),
}
TITLE_ORDER = list(TITLES)
TITLE_BY_NAME = {
    "未评": "none",
    "初级": "junior",
    "二级": "junior",
    "中级": "intermediate",
    "一级": "intermediate",
    "中级（一级）": "intermediate",
    "高级": "senior",
    "正高级": "full_senior",
}

#: education (学历), in increasing order
EDUCATION = {"college": _l("大专"), "bachelor": _l("本科"), "master": _l("硕士"), "doctor": _l("博士")}
EDUCATION_ORDER = list(EDUCATION)
EDUCATION_BY_NAME = {"大专": "college", "本科": "bachelor", "硕士": "master", "博士": "doctor", "研究生": "master"}

GENDERS = {"M": _l("男"), "F": _l("女")}
GENDER_BY_NAME = {"男": "M", "女": "F"}

#: reasons a teacher is not sent this year (暂不交流)
EXEMPTIONS = {
    "investigation": _l("涉嫌违法违纪正在接受审查"),
    "illness": _l("患病不能正常工作"),
    "pregnancy": _l("孕期"),
    "maternity": _l("产假或哺乳期"),
    "signature_course": _l("特色课程领衔教师（暂缓，最长3年）"),
    "family_hardship": _l("配偶或子女长期患病等家庭特殊困难"),
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
