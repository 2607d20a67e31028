"""The year's policy: every setting a rule reads, and one preset per seed city.

Every number is a setting of the round, editable by the bureau on the policy page; a preset only
fills them in. **A preset states every setting, with the seed passage it comes from** (or, where
the seed is silent or ambiguous, the choice made and why): nothing is inherited from another
city. ``None`` means "this city has no such rule" (no age cap, no retirement rule, no quota).

Seeds (docs/domain.md "Policy presets"): Changzhou 000 篇四 and 002 方案15; Ganzhou (章贡区)
000 篇一; Dalian 000 篇三; Datong 002 方案1; a district 001 (its third plan); the town school
大观区海口中心学校 in 000 (not Haikou city). The Civil Code's rule on numbers decides the wording
"以上/以下" (民法典 第一千二百五十九条: "以上、以下、以内、届满，包括本数；不满、超过、以外，不包括本数").

History-based settings (exchanges already made, e.g. 001's "2 schools × 3 years exempts") belong
beside these and are added with the exchange history; they are not here yet.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from fractions import Fraction

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

# -- the settings ---------------------------------------------------------------------------------

#: how an age cap compares: "inclusive" — the cap's age is still due (及以下);
#: "exclusive" — the cap's age is no longer due (…以上不作为对象)
AGE_CAP_MODES = {
    "inclusive": _l("含上限（及以下：满上限年龄仍应交流）"),
    "exclusive": _l("不含上限（以上不作为对象：满上限年龄不列入）"),
}
#: who counts in the second quota group (骨干 / 骨干及中级以上职称)
GROUP_KINDS = {
    "backbone": _l("骨干教师"),
    "backbone_or_intermediate": _l("骨干教师及中级以上职称教师"),
}
#: what the group's rate is measured against
GROUP_BASES = {
    "eligible_group": _l("本组应交流对象（如常州）"),
    "going": _l("交流人数（如赣州、大连）"),
    "eligible": _l("全部应交流对象（如大同）"),
}
ROUNDINGS = {"half_up": _l("四舍五入"), "ceil": _l("向上取整（“不低于”）"), "floor": _l("向下取整")}
SECTIONS = {
    "teachers": _l("应交流对象（教师）"),
    "quotas": _l("交流比例与名额"),
    "leaders": _l("校级领导"),
    "procedure": _l("程序与期限"),
}


@dataclass(frozen=True)
class Setting:
    """One number or choice of the policy, as the policy page shows and checks it."""

    key: str
    section: str
    kind: str  # int | share | month_day | choice | bool
    label: object
    optional: bool = False  # blank allowed: "no such rule"
    low: Fraction | None = None
    high: Fraction | None = None
    high_open: bool = False  # the high bound itself is not allowed
    choices: dict | None = None


def _f(text: str) -> Fraction:
    return Fraction(text)


SETTINGS: tuple[Setting, ...] = (
    Setting("years_at_school", "teachers", "int", _l("在同一学校连续任教满（年）"), low=_f("1"), high=_f("30")),
    Setting("cutoff", "teachers", "month_day", _l("年限与年龄计算截止日（月-日）")),
    Setting(
        "min_years_to_retirement",
        "teachers",
        "int",
        _l("距法定退休不足（年）者不列入（空为无此规定）"),
        optional=True,
        low=_f("0"),
        high=_f("20"),
    ),
    Setting("retirement_age_male", "teachers", "int", _l("男教师法定退休年龄"), low=_f("50"), high=_f("70")),
    Setting("retirement_age_female", "teachers", "int", _l("女教师法定退休年龄"), low=_f("45"), high=_f("70")),
    Setting(
        "age_cap_male", "teachers", "int", _l("男教师年龄上限（空为不限）"), optional=True, low=_f("30"), high=_f("70")
    ),
    Setting(
        "age_cap_female",
        "teachers",
        "int",
        _l("女教师年龄上限（空为不限）"),
        optional=True,
        low=_f("30"),
        high=_f("70"),
    ),
    Setting("age_cap_mode", "teachers", "choice", _l("年龄上限的比较"), choices=AGE_CAP_MODES),
    Setting(
        "quota_rate",
        "quotas",
        "share",
        _l("交流比例（占应交流对象，空为不规定比例）"),
        optional=True,
        low=_f("0"),
        high=_f("1"),
    ),
    Setting(
        "quota_rate_urban_or_strong",
        "quotas",
        "share",
        _l("城镇学校或优质学校的交流比例（空为同上）"),
        optional=True,
        low=_f("0"),
        high=_f("1"),
    ),
    Setting("rounding", "quotas", "choice", _l("名额取整"), choices=ROUNDINGS),
    Setting("quotas_by_subject", "quotas", "bool", _l("分学科下达交流名额")),
    Setting("group_kind", "quotas", "choice", _l("比例要求的教师组"), choices=GROUP_KINDS),
    Setting("group_base", "quotas", "choice", _l("该组比例的计算基数"), choices=GROUP_BASES),
    Setting(
        "group_rate", "quotas", "share", _l("该组交流比例（空为无此要求）"), optional=True, low=_f("0"), high=_f("1")
    ),
    Setting(
        "leader_years_in_post",
        "leaders",
        "int",
        _l("校级领导在同一学校任现职满（年）应交流（空为按干部管理权限另行安排）"),
        optional=True,
        low=_f("1"),
        high=_f("30"),
    ),
    Setting(
        "leader_min_years_to_retirement",
        "leaders",
        "int",
        _l("校级领导距法定退休不足（年）者不列入（空为无此规定）"),
        optional=True,
        low=_f("0"),
        high=_f("20"),
    ),
    Setting("leader_age_caps", "leaders", "bool", _l("教师年龄上限也适用于校级领导")),
    Setting(
        "leadership_cap",
        "leaders",
        "share",
        _l("同一学校领导班子同时交流不超过（空为不限）"),
        optional=True,
        low=_f("0"),
        high=_f("1"),
    ),
    Setting(
        "leader_quota_rate",
        "leaders",
        "share",
        _l("校级领导交流总量不少于应交流校级领导的（空为不规定）"),
        optional=True,
        low=_f("0"),
        high=_f("1"),
    ),
    Setting(
        "vote_threshold",
        "procedure",
        "share",
        _l("推荐小组投票：赞成票须超过参加投票人数的"),
        low=_f("1/2"),
        high=_f("1"),
        high_open=True,
    ),
    Setting(
        "min_selection_size",
        "procedure",
        "int",
        _l("流出人数少于此数的学科不进行双向选择，直接行政指定"),
        low=_f("1"),
        high=_f("50"),
    ),
    Setting("term_years", "procedure", "int", _l("交流期限（年）"), low=_f("1"), high=_f("6")),
    Setting("report_by", "procedure", "month_day", _l("到新学校报到日（月-日）")),
)
SETTING = {s.key: s for s in SETTINGS}

# -- the presets ----------------------------------------------------------------------------------
# Each preset: every key of SETTINGS, as (value, where it comes from). The note quotes the seed, or
# says the choice made where the seed is silent or ambiguous; the policy page shows it beside the
# setting (a quotation, so it is not translated).

_SILENT_CUTOFF = "原文未规定计算日：取8月31日，即交流所在学年开始前一日（各预设相同）"
_TERM_CHOICE = "原文未规定期限：取3学年（常见期限）"
_NO_VOTE = "原文不用推荐小组投票（按排序规则等确定）：保留本系统默认的三分之二，学校使用投票时适用"
_SELECTION = "本系统设置：流出人数过少的学科无法双选（“部分学科交流人数少而无法双选的，由教育局指定”，000 篇四）"
_RETIREMENT = "法定退休年龄"
_REPORT = "新学期开学前报到"

_PRESET_SOURCES: dict[str, dict[str, tuple[object, str]]] = {
    # 常州市教育局直属学校 (seed 000 篇四, seed 002 方案15)
    "changzhou": {
        "years_at_school": (6, "000 篇四：“原则上为距法定退休年龄满5年的、在一所学校工作满6年的专任教师”"),
        "cutoff": ("08-31", _SILENT_CUTOFF),
        "min_years_to_retirement": (5, "000 篇四：“距法定退休年龄满5年的”"),
        "retirement_age_male": (60, _RETIREMENT),
        "retirement_age_female": (55, _RETIREMENT),
        "age_cap_male": (None, "原文无年龄上限"),
        "age_cap_female": (None, "原文无年龄上限"),
        "age_cap_mode": ("inclusive", "原文无年龄上限"),
        "quota_rate": (0.15, "000 篇四：“原则上参加交流的专任教师为本次应交流对象的15%”"),
        "quota_rate_urban_or_strong": (None, "原文各校比例相同"),
        "rounding": ("half_up", "“为……15%”（非“不低于”）：四舍五入"),
        "quotas_by_subject": (False, "按学校下达（《流出、接收数量与类别情况统计表》）"),
        "group_kind": ("backbone", "000 篇四：“具有市新秀及以上专业荣誉的专任教师”"),
        "group_base": (
            "eligible_group",
            "000 篇四：“参加交流的骨干教师为本次应交流对象中具有市新秀及以上专业荣誉的专任教师的15%”",
        ),
        "group_rate": (0.15, "000 篇四：骨干教师“15%”"),
        "leader_years_in_post": (None, "原文只规定专任教师；干部按干部管理权限另行安排"),
        "leader_min_years_to_retirement": (None, "原文未规定"),
        "leader_age_caps": (False, "原文未规定"),
        "leadership_cap": (None, "原文未规定"),
        "leader_quota_rate": (None, "原文未规定"),
        "vote_threshold": (2 / 3, "000 篇四：“同意轮岗交流的票数超过推荐小组投票成员数三分之二以上的”"),
        "min_selection_size": (3, _SELECTION),
        "term_years": (3, _TERM_CHOICE),
        "report_by": ("08-31", "000 篇四：“新学期开学前……到流入学校报到”"),
    },
    # 赣州市章贡区 (seed 000 篇一)
    "ganzhou": {
        "years_at_school": (
            6,
            "000 篇一：“在同一学校连续任教满20xx年的专任教师均应交流”——原文年数缺失，取6年（docs/domain.md）",
        ),
        "cutoff": ("08-31", _SILENT_CUTOFF),
        "min_years_to_retirement": (
            5,
            "000 篇一：“距法定退休年龄不足5年的校长教师”可暂不参加——按不列入处理",
        ),
        "retirement_age_male": (60, _RETIREMENT),
        "retirement_age_female": (55, _RETIREMENT),
        "age_cap_male": (None, "原文无年龄上限"),
        "age_cap_female": (None, "原文无年龄上限"),
        "age_cap_mode": ("inclusive", "原文无年龄上限"),
        "quota_rate": (0.20, "000 篇一：“一般不低于符合交流条件教师总数的20%”"),
        "quota_rate_urban_or_strong": (None, "原文各校比例相同"),
        "rounding": ("ceil", "“不低于”：向上取整"),
        "quotas_by_subject": (True, "000 篇一：“分学科下达交流轮岗指标”"),
        "group_kind": (
            "backbone_or_intermediate",
            "000 篇一：“优秀教师（特级教师、教学能手、学科带头人和各级名师等）、取得中级及以上专业技术资格并聘任了相应职务的教师”",
        ),
        "group_base": ("going", "000 篇一：“不低于交流总数的20%”"),
        "group_rate": (0.20, "000 篇一：“不低于交流总数的20%”"),
        "leader_years_in_post": (
            6,
            "000 篇一：“校长在同一学校、同一岗位任职满20xx年的，应进行交流轮岗”——原文年数缺失，取6年",
        ),
        "leader_min_years_to_retirement": (5, "000 篇一：“距法定退休年龄不足5年的校长教师”"),
        "leader_age_caps": (False, "原文无年龄上限"),
        "leadership_cap": (0.30, "000 篇一：“同一学校班子成员每次轮岗人数一般不超过班子成员的30%”"),
        "leader_quota_rate": (None, "原文未规定"),
        "vote_threshold": (2 / 3, _NO_VOTE),
        "min_selection_size": (3, _SELECTION),
        "term_years": (3, "000 篇一：“校长教师交流轮岗时间每三年为一轮”"),
        "report_by": ("08-31", _REPORT),
    },
    # 大连 (seed 000 篇三)
    "dalian": {
        "years_at_school": (9, "000 篇三：“在同一所学校任教满9年及以上的教师……必须交流轮岗”"),
        "cutoff": ("08-31", _SILENT_CUTOFF),
        "min_years_to_retirement": (None, "原文无距退休年限的规定"),
        "retirement_age_male": (60, _RETIREMENT),
        "retirement_age_female": (55, _RETIREMENT),
        "age_cap_male": (55, "000 篇三：“男55周岁及以下，女50周岁及以下”"),
        "age_cap_female": (50, "000 篇三：“男55周岁及以下，女50周岁及以下”"),
        "age_cap_mode": ("inclusive", "“及以下”：满55周岁的男教师仍应交流"),
        "quota_rate": (0.10, "000 篇三：“一般学校每年教师交流轮岗的比例不低于符合交流轮岗条件总数的10%”"),
        "quota_rate_urban_or_strong": (
            0.15,
            "000 篇三：“城镇学校或优质学校每学年教师交流轮岗的比例不低于符合交流轮岗条件教师总数的15%”",
        ),
        "rounding": ("ceil", "“不低于”：向上取整"),
        "quotas_by_subject": (False, "000 篇三：“将应交流教师指标落实到具体学校”"),
        "group_kind": ("backbone", "000 篇三：“其中骨干教师交流轮岗应不低于交流总数的20%”"),
        "group_base": ("going", "000 篇三：“不低于交流总数的20%”"),
        "group_rate": (0.20, "000 篇三：“不低于交流总数的20%”"),
        "leader_years_in_post": (
            9,
            "000 篇三：“校长、副校长及其他校级干部在同一所学校连续任职满三届（每届三年）应交流轮岗”",
        ),
        "leader_min_years_to_retirement": (3, "000 篇三：“距法定退休年龄不满一届的可不交流轮岗”"),
        "leader_age_caps": (False, "年龄上限是教师的条件"),
        "leadership_cap": (None, "原文未规定每校比例"),
        "leader_quota_rate": (
            0.15,
            "000 篇三：“区市县每年交流轮岗校长、副校长及其他校级干部总量应不少于符合交流轮岗条件总量的15%”",
        ),
        "vote_threshold": (2 / 3, _NO_VOTE),
        "min_selection_size": (3, _SELECTION),
        "term_years": (3, "000 篇三：“原则上不少于2年”，集团内“不少于3年”：取3学年，两者均满足"),
        "report_by": ("08-31", _REPORT),
    },
    # 大同 (seed 002 方案1)
    "datong": {
        "years_at_school": (
            6,
            "002 方案1：“在同一所学校连续任教满6年及以上且完成一轮教学任务的专任教师”（教学轮次由学校核实）",
        ),
        "cutoff": ("08-31", _SILENT_CUTOFF),
        "min_years_to_retirement": (None, "原文无距退休年限的规定"),
        "retirement_age_male": (60, _RETIREMENT),
        "retirement_age_female": (55, _RETIREMENT),
        "age_cap_male": (50, "002 方案1：“凡男50周岁、女45周岁及以下”"),
        "age_cap_female": (45, "002 方案1：“凡男50周岁、女45周岁及以下”"),
        "age_cap_mode": ("inclusive", "“及以下”：满50周岁的男教师仍应交流"),
        "quota_rate": (0.10, "002 方案1：“教师每年交流人数要达到应交流对象总数的10%以上”"),
        "quota_rate_urban_or_strong": (None, "原文各校比例相同"),
        "rounding": ("ceil", "“以上”：向上取整"),
        "quotas_by_subject": (True, "002 方案1：“下达各学校应交流的学科及交流名额指标”"),
        "group_kind": (
            "backbone_or_intermediate",
            "002 方案1：“特级教师、学科带头人、教学能手、骨干教师、县级以上模范(优秀)教师以及中高级教师”",
        ),
        "group_base": ("eligible", "002 方案1：“要达到应交流对象总数的20%以上”——按原文以全部应交流对象计"),
        "group_rate": (0.20, "002 方案1：“要达到应交流对象总数的20%以上”"),
        "leader_years_in_post": (6, "002 方案1：“在同一所学校连续任职满6年及以上的校长(含其他校级领导)”"),
        "leader_min_years_to_retirement": (None, "原文未规定"),
        "leader_age_caps": (True, "002 方案1：“凡男50周岁、女45周岁及以下……的校长(含其他校级领导)”"),
        "leadership_cap": (0.30, "002 方案1：“同一学校级领导每次交流人数一般不超过校级领导总人数的30%”"),
        "leader_quota_rate": (None, "原文未规定"),
        "vote_threshold": (2 / 3, _NO_VOTE),
        "min_selection_size": (3, _SELECTION),
        "term_years": (3, _TERM_CHOICE),
        "report_by": ("08-31", _REPORT),
    },
    # a district's plan (seed 001, its third plan "义务教育学校教师交流轮岗工作实施方案")
    "district": {
        "years_at_school": (6, "001 第三篇：“在同一所学校连续任教6年的，原则上应该交流”"),
        "cutoff": ("06-30", "001 第三篇：“年龄计算至当年6月30日”"),
        "min_years_to_retirement": (None, "原文无距退休年限的规定"),
        "retirement_age_male": (60, _RETIREMENT),
        "retirement_age_female": (55, _RETIREMENT),
        "age_cap_male": (50, "001 第三篇：“凡男50周岁、女45周岁以下”"),
        "age_cap_female": (45, "001 第三篇：“凡男50周岁、女45周岁以下”"),
        "age_cap_mode": ("inclusive", "“以下”包括本数（民法典第一千二百五十九条）"),
        "quota_rate": (0.10, "001 第三篇：“每学年交流比例不低于符合条件教师总数的10%”"),
        "quota_rate_urban_or_strong": (None, "原文各校比例相同"),
        "rounding": ("ceil", "“不低于”：向上取整"),
        "quotas_by_subject": (False, "原文未分学科"),
        "group_kind": ("backbone", "001 第三篇：“骨干教师（市区级特级教师……市区校级学科带头人）”"),
        "group_base": ("going", "001 第三篇：“交流比例不低于交流教师总数的20%”"),
        "group_rate": (0.20, "001 第三篇：“不低于交流教师总数的20%”"),
        "leader_years_in_post": (None, "原文只规定教师"),
        "leader_min_years_to_retirement": (None, "原文未规定"),
        "leader_age_caps": (False, "原文未规定"),
        "leadership_cap": (None, "原文未规定"),
        "leader_quota_rate": (None, "原文未规定"),
        "vote_threshold": (2 / 3, _NO_VOTE),
        "min_selection_size": (3, _SELECTION),
        "term_years": (3, "001：“交流期限为1-3年”：取最长的3学年"),
        "report_by": ("08-31", "001：“交流工作以每学年秋季学期开学为起始”"),
    },
    # 大观区海口中心学校, a town school in Anqing (seed 000; not Haikou city)
    "haikou": {
        "years_at_school": (3, "000 海口中心学校方案：“在现任教学校服务已满3年的专任教师，均为轮岗对象”"),
        "cutoff": ("08-31", "000 海口中心学校方案：“计算时间按20xx年8月执行”"),
        "min_years_to_retirement": (None, "原文无距退休年限的规定"),
        "retirement_age_male": (60, _RETIREMENT),
        "retirement_age_female": (55, _RETIREMENT),
        "age_cap_male": (55, "000 海口中心学校方案：“年龄男55周岁以上，女50周岁以上的专任教师”不作为轮岗交流对象"),
        "age_cap_female": (50, "000 海口中心学校方案：“年龄男55周岁以上，女50周岁以上的专任教师”不作为轮岗交流对象"),
        "age_cap_mode": (
            "exclusive",
            "“以上”包括本数（民法典第一千二百五十九条）：满55周岁的男教师不作为对象；同一方案“男年满55周岁”亦不受偏远任教要求限制",
        ),
        "quota_rate": (None, "原文未规定比例：符合条件者“均为轮岗对象”"),
        "quota_rate_urban_or_strong": (None, "原文未规定比例"),
        "rounding": ("half_up", "原文未规定比例"),
        "quotas_by_subject": (False, "原文未规定比例"),
        "group_kind": ("backbone", "原文无骨干比例"),
        "group_base": ("going", "原文无骨干比例"),
        "group_rate": (None, "原文无骨干比例"),
        "leader_years_in_post": (None, "000 海口中心学校方案：“中层管理干部、教导主任轮岗交流方案另行制定”"),
        "leader_min_years_to_retirement": (None, "另行制定"),
        "leader_age_caps": (False, "另行制定"),
        "leadership_cap": (None, "另行制定"),
        "leader_quota_rate": (None, "另行制定"),
        "vote_threshold": (2 / 3, _NO_VOTE),
        "min_selection_size": (3, _SELECTION),
        "term_years": (2, "000 海口中心学校方案：“到偏远地区学校轮岗交流任教时间为2年”"),
        "report_by": ("08-31", _REPORT),
    },
}
#: The exchange after publication and the record's history (issue 12): settings every round
#: carries; each preset's own values are in EXCHANGE_SETTINGS.
EXCHANGE_DEFAULTS: dict[str, object] = {
    "personnel_relation": "moves",  # moves: 人走关系动 | stays: 人事关系保留在原学校
    "exchange_counts_as_service": False,  # True: the exchange's years count at the home school
    "exempt_after_schools": None,  # served at N+ schools …
    "exempt_after_school_years": 3,  # … for M+ years each: not rotated again (None = no such rule)
    "rural_years_count_as_exchange": None,  # N+ years at a rural school count as exchange experience
    "remote_years_count_as_exchange": None,  # … N+ years at a remote school (山区海岛)
    "kind_terms": {"part_time": 1, "research": 1, "walking": 1, "support": 1},  # others: term_years
    "max_extension_years": 3,  # 延长时间不超过三年
    "poor_assessment_extends_years": 1,  # a final 基本合格/不合格 extends the service by N years
    "excellent_share": 0.15,  # 优秀 at most this share of a school's exchange teachers (rounded down)
    "no_show_warning_days": 7,  # 超过一周拒不到岗：批评教育
    "no_show_leaving_days": 15,  # 超过半个月拒不到岗：按自动离职处理
    "refusal_bar_years": 3,  # N 年内不得晋升职称、评优评先
    "refusal_consequences": ["annual_fail", "no_promotion", "no_honours"],
    "signature_deferral_years": 3,  # 特色课程领衔教师暂缓交流，延长时间不超过3年
    "fail_voids_experience": False,  # 考核不合格的，交流经历不予认定
}

#: Each seed's rules for the exchange after publication and for the record's history, by preset
#: (over EXCHANGE_DEFAULTS, in PRESETS below).
EXCHANGE_SETTINGS: dict[str, dict] = {
    # 000 篇四 "轮岗交流须同时调整人事关系"; "不按规定参加轮岗交流的教师，不得享受上述待遇，年度考核等第为不合格"
    "changzhou": {"personnel_relation": "moves"},
    # 000 篇一 "人事关系随转"; "可适当申请延长交流任教时间，但延长时间不超过三年"; "暂缓交流轮岗的教师一年一认定"
    "ganzhou": {"personnel_relation": "moves", "max_extension_years": 3},
    # 000 篇三 "城区学校之间…要调转人事关系，形成真正意义的'人走关系动'"; "特色课程的领衔教师…延长时间原则上不超过3年"
    "dalian": {"personnel_relation": "moves", "signature_deferral_years": 3},
    # 002 方案1 "在山区、丘陵地区农村学校任教满9年或在条件更为艰苦的边远农村学校、教学点任教满6年的教师，
    # 自愿继续留校任教的…视为具有交流经历"; its kinds 走教、支教 keep the unit, and it says nothing of
    # the personnel relation: we keep it at the home school (a choice, README "The exchange after publication")
    "datong": {
        "personnel_relation": "stays",
        "rural_years_count_as_exchange": 9,
        "remote_years_count_as_exchange": 6,
    },
    # 001 third plan "交流任教期间不转人事关系、工资关系"; "对于已有2所以上学校的工作经历，且每所学校工作
    # 时间均达到3年及以上的教师…可暂不纳入交流范围"; "考核不合格的教师，其交流经历不予认定"
    "district": {
        "personnel_relation": "stays",
        "exempt_after_schools": 2,
        "exempt_after_school_years": 3,
        "fail_voids_experience": True,
    },
    # 000 大观区海口中心学校 "到偏远地区学校轮岗交流任教时间为2年"; "轮岗交流教师的工资关系不变";
    # "超过一周拒不到岗的…批评教育；超过半个月时间拒不到岗的，按自动离职处理"
    "haikou": {"personnel_relation": "stays", "term_years": 2, "no_show_warning_days": 7, "no_show_leaving_days": 15},
}


PRESETS: dict[str, dict] = {
    name: {
        **{key: value for key, (value, _note) in entries.items()},
        **copy.deepcopy(EXCHANGE_DEFAULTS),
        **copy.deepcopy(EXCHANGE_SETTINGS.get(name, {})),
    }
    for name, entries in _PRESET_SOURCES.items()
}
#: preset -> setting -> where its value comes from (the seed's words, or the choice made)
PRESET_NOTES: dict[str, dict[str, str]] = {
    name: {key: note for key, (_value, note) in entries.items()} for name, entries in _PRESET_SOURCES.items()
}

PRESET_LABELS = {
    "changzhou": _l("常州"),
    "ganzhou": _l("赣州章贡区"),
    "dalian": _l("大连"),
    "datong": _l("大同"),
    "district": _l("区县方案（学区制）"),
    "haikou": _l("大观区海口中心学校"),
}


def preset(name: str) -> dict:
    """The full settings of a preset (a fresh copy)."""
    if name not in PRESETS:
        raise KeyError(f"unknown policy preset {name!r}")
    settings = copy.deepcopy(PRESETS[name])
    settings["preset"] = name
    return settings


def upgrade_policy(policy: dict) -> dict:
    """A round's policy written by an older version, in today's settings.

    Renamed settings keep their values (``quota_rate_strong`` → ``quota_rate_urban_or_strong``;
    ``backbone_rate`` → a group rate of the eligible group; ``backbone_share_min`` → a group rate of
    those going); settings it never had take the values of its preset. Values it has are kept: a
    past year's policy is what the bureau set that year.
    """
    old = dict(policy)
    out: dict = {}
    if "quota_rate_strong" in old:
        out["quota_rate_urban_or_strong"] = old.pop("quota_rate_strong")
    backbone_rate, share_min = old.pop("backbone_rate", None), old.pop("backbone_share_min", None)
    if backbone_rate:
        out.update(group_kind="backbone", group_base="eligible_group", group_rate=backbone_rate)
    elif share_min:
        out.update(group_kind="backbone", group_base="going", group_rate=share_min)
    out.update({k: v for k, v in old.items() if k in SETTING or k in EXCHANGE_DEFAULTS or k == "preset"})
    name = str(out.get("preset")) if out.get("preset") in PRESETS else "changzhou"
    for key, value in PRESETS[name].items():
        out.setdefault(key, value)
    out.setdefault("preset", name)
    return out


# -- reading and writing shares ------------------------------------------------------------------

_SHARE = re.compile(r"^(\d{1,3}(?:\.\d{1,6})?)(%?)$|^(\d{1,4})/(\d{1,4})$|^(0?\.\d{1,6})$")


def parse_share(text: str) -> Fraction:
    """A share as a person types it: ``15%``, ``0.15``, ``2/3`` (full-width characters too).

    Raises ``ValueError`` with a message for the person on anything else.

    >>> parse_share("15%"), parse_share("0.15"), parse_share("2/3"), parse_share("１５％")
    (Fraction(3, 20), Fraction(3, 20), Fraction(2, 3), Fraction(3, 20))
    """
    cleaned = unicodedata.normalize("NFKC", text).strip().replace(" ", "")
    match = _SHARE.match(cleaned)
    if not match:
        raise ValueError(_("“%(text)s”不是比例（应如 15%%、0.15 或 2/3）", text=text.strip()[:20]))
    number, percent, top, bottom, bare = match.groups()
    if top is not None:
        if int(bottom) == 0:
            raise ValueError(_("比例的分母不能为0"))
        return Fraction(int(top), int(bottom))
    value = Fraction(number if number is not None else bare)
    if percent:
        return value / 100
    if value > 1 and number is not None and "." not in number:
        return value / 100  # "15" means 15%: a share above 1 is never meant
    return value


def format_share(value: float | None) -> str:
    """A stored share as the bureau reads it: 15%, 2/3 (thirds are not rounded to 66.7%).

    >>> format_share(0.15), format_share(2 / 3), format_share(0.125), format_share(None)
    ('15%', '2/3', '12.5%', '')
    """
    if value is None:
        return ""
    exact = Fraction(value).limit_denominator(1000)
    percent = exact * 100
    if percent.denominator == 1:
        return f"{percent.numerator}%"
    if exact.denominator <= 12 and (percent * 10).denominator != 1:
        return f"{exact.numerator}/{exact.denominator}"
    return f"{float(percent):g}%"


def month_day_valid(text: str) -> bool:
    """A month-day like 08-31 that exists in a leap year (02-29 allowed, 02-30 not)."""
    if not re.fullmatch(r"\d{2}-\d{2}", text or ""):
        return False
    try:
        dt.date(2000, int(text[:2]), int(text[3:]))
    except ValueError:
        return False
    return True


def check_policy(values: dict) -> dict[str, str]:
    """The problems of a complete set of settings, by key (empty: the policy is valid)."""
    problems: dict[str, str] = {}
    for s in SETTINGS:
        value = values.get(s.key)
        if value is None:
            if not s.optional and s.kind != "bool":
                problems[s.key] = _("必填")
            continue
        if s.kind == "int":
            if isinstance(value, bool) or not isinstance(value, int):
                problems[s.key] = _("应为整数")
            elif (s.low is not None and value < s.low) or (s.high is not None and value > s.high):
                problems[s.key] = _("应在%(low)s到%(high)s之间", low=s.low, high=s.high)
        elif s.kind == "share":
            if isinstance(value, bool) or not isinstance(value, (int, float, Fraction)):
                problems[s.key] = _("应为比例")
                continue
            exact = Fraction(value).limit_denominator(1000)
            assert s.low is not None and s.high is not None
            if exact < s.low or exact > s.high or (s.high_open and exact >= s.high):
                low, high = format_share(float(s.low)), format_share(float(s.high))
                problems[s.key] = (
                    _("应不低于%(low)s且低于%(high)s", low=low, high=high)
                    if s.high_open
                    else _("应在%(low)s到%(high)s之间", low=low, high=high)
                )
        elif s.kind == "month_day":
            if not isinstance(value, str) or not month_day_valid(value):
                problems[s.key] = _("应为月-日，如 08-31")
        elif s.kind == "choice":
            if value not in (s.choices or {}):
                problems[s.key] = _("不在可选范围内")
        elif s.kind == "bool" and not isinstance(value, bool):
            problems[s.key] = _("应为是或否")
    return problems


def describe_group(policy: dict) -> str:
    """The second quota group in words, e.g. "骨干教师及中级以上职称教师：不低于交流人数的20%"."""
    rate = policy.get("group_rate")
    kind = GROUP_KINDS.get(policy.get("group_kind", "backbone"), "")
    if not rate:
        return _("%(group)s：无比例要求", group=kind)
    base = policy.get("group_base", "going")
    if base == "eligible_group":
        return _("%(group)s：本组应交流对象的%(rate)s", group=kind, rate=format_share(rate))
    if base == "eligible":
        return _("%(group)s：达到全部应交流对象的%(rate)s", group=kind, rate=format_share(rate))
    return _("%(group)s：不低于交流人数的%(rate)s", group=kind, rate=format_share(rate))


def describe_rate(policy: dict) -> str:
    """The quota rate in words, e.g. "应交流对象的10%；城镇学校或优质学校15%（向上取整）"."""
    rate = policy.get("quota_rate")
    if rate is None:
        return _("本年度政策未规定比例")
    text = _("应交流对象的%(rate)s", rate=format_share(rate))
    special = policy.get("quota_rate_urban_or_strong")
    if special is not None:
        text = _("%(text)s；城镇学校或优质学校%(rate)s", text=text, rate=format_share(special))
    rounding = ROUNDINGS.get(policy.get("rounding", "half_up"), "")
    return _("%(text)s；名额%(rounding)s", text=text, rounding=rounding)
