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


# -- the exchange after publication (issue 12) --------------------------------------------------

#: kinds of exchange (交流方式) with the seed naming each; the term of each is a policy setting
#: (``kind_terms``): seed 004 "全职轮岗…任期一般为2年", "兼职交流…任期一般为1年", "教研交流…不改变
#: 工作单位"; 002 方案1 "走教型交流", "支教"; 003 五(一) "对口支援", "集团内部"; 003 五(三) "跨校竞聘"
EXCHANGE_KINDS = {
    "full_time": _l("全职轮岗"),
    "part_time": _l("兼职交流"),
    "research": _l("教研交流"),
    "walking": _l("走教"),
    "support": _l("支教"),
    "paired": _l("对口支援"),
    "group": _l("集团内交流"),
    "competition": _l("跨校竞聘"),
}
#: kinds in which the teacher keeps their unit and post at home (seed 004 "在原任职学校保留部分教学
#: 任务", "不改变工作单位"; 003 六.1 "交流教师可兼课（走教）"): the personnel relation never moves
UNIT_KEEPING_KINDS = frozenset({"part_time", "research", "walking"})

EXCHANGE_STATES = {
    "placed": _l("待报到"),
    "serving": _l("交流在岗"),
    "returned": _l("期满回原单位"),
    "stayed": _l("期满调入交流学校"),
    "refused": _l("拒不服从交流"),
    "left": _l("逾期未到岗，按自动离职处理"),
    "cancelled": _l("已撤销"),
}
#: a current exchange: the teacher has a place at the receiving school
CURRENT_STATES = ("placed", "serving")

#: 学年度考核等次 (seed 003 六.2), best first
ASSESSMENT_GRADES = {"excellent": _l("优秀"), "pass": _l("合格"), "basic": _l("基本合格"), "fail": _l("不合格")}
ASSESSMENT_STATES = {"submitted": _l("待教育局审核"), "approved": _l("已审核"), "returned": _l("已退回学校")}

PERSONNEL_RELATIONS = {"moves": _l("人走关系动（人事关系随转）"), "stays": _l("人事关系保留在原学校")}

EXCHANGE_EVENTS = {
    "reported": _l("报到"),
    "no_show": _l("未按时报到"),
    "refusal": _l("拒不服从交流"),
    "kind": _l("变更交流方式"),
    "extended": _l("延长交流期限"),
    "returned": _l("期满回原单位"),
    "stayed": _l("期满调入"),
    "certificate": _l("颁发交流服务合格证书"),
}
#: the bureau's decision on a no-show or a refusal
EXCHANGE_DECISIONS = {
    "warning": _l("批评教育（告诫），限期到岗"),
    "leaving": _l("按自动离职处理，上报教育局"),
    "sanction": _l("按拒不服从交流处理"),
    "excused": _l("理由成立，撤销本次交流"),
}
#: what a refusal or a no-show brings (seeds 000 篇二, 000 篇四, 003 六.5, 000 海口中心学校 / 篇五)
EXCHANGE_CONSEQUENCES = {
    "annual_fail": _l("年度考核确定为不合格等次"),
    "no_promotion": _l("期限内不得晋升职称、聘任高一级岗位"),
    "no_honours": _l("期限内不得评优评先"),
    "demotion": _l("职务聘任合同期满后高职低聘"),
    "leaving": _l("按自动离职处理，上报教育局予以除名"),
}
