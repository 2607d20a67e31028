"""Policy presets distilled from the seeds (docs/domain.md, "Policy presets").

Every number is a setting of the round, editable by the bureau; a preset only fills them in.
"""

from __future__ import annotations

import copy

#: the settings every round carries, with the Changzhou values
BASE = {
    "years_at_school": 6,  # 在同一学校连续任教满 N 年
    "cutoff": "08-31",  # month-day at which years and ages are counted
    "min_years_to_retirement": 5,  # 距法定退休不足 N 年者不交流
    "retirement_age_male": 60,
    "retirement_age_female": 55,
    "age_cap_male": None,  # 男 ≥ cap 不列入 (None = no cap)
    "age_cap_female": None,
    "quota_rate": 0.15,  # 交流比例 (of eligible full-time teachers)
    "quota_rate_strong": None,  # a different rate for strong/urban schools (Dalian)
    "backbone_rate": 0.15,  # of eligible backbone teachers (Changzhou)
    "backbone_share_min": None,  # or: backbone ≥ share of those going (other seeds)
    "rounding": "half_up",  # half_up | ceil | floor
    "leadership_cap": 0.30,  # at most 30% of a school's leadership team at once
    "term_years": 3,  # 交流期限
    "report_by": "08-31",  # month-day exchanged teachers report to the receiving school (报到)
    "vote_threshold": 2 / 3,  # panel vote: yes votes must exceed this share
    "min_selection_size": 3,  # a subject with fewer outgoing teachers is assigned, not selected
    # -- the exchange after publication and the record's history (issue 12; EXCHANGE_SETTINGS) --
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
#: (applied over BASE by :func:`preset`; a preset this file does not define yet is simply skipped).
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
    # 常州市直属学校 (seed 000 篇四, seed 002 方案15)
    "changzhou": {},
    # 赣州章贡区 (seed 000 篇一)
    "ganzhou": {"quota_rate": 0.20, "backbone_rate": None, "backbone_share_min": 0.20, "rounding": "ceil"},
    # 大连 (seed 000 篇三, seed 001)
    "dalian": {
        "years_at_school": 9,
        "age_cap_male": 55,
        "age_cap_female": 50,
        "quota_rate": 0.10,
        "quota_rate_strong": 0.15,
        "backbone_rate": None,
        "backbone_share_min": 0.20,
    },
    # 大同 (seed 002 方案1)
    "datong": {
        "age_cap_male": 50,
        "age_cap_female": 45,
        "quota_rate": 0.10,
        "backbone_rate": None,
        "backbone_share_min": 0.20,
        "cutoff": "06-30",
    },
}

PRESET_LABELS = {"changzhou": "常州", "ganzhou": "赣州", "dalian": "大连", "datong": "大同"}


def preset(name: str) -> dict:
    """The full settings of a preset (a fresh copy)."""
    if name not in PRESETS:
        raise KeyError(f"unknown policy preset {name!r}")
    settings = copy.deepcopy(BASE)
    settings.update(PRESETS[name])
    settings.update(copy.deepcopy(EXCHANGE_SETTINGS.get(name, {})))
    settings["preset"] = name
    return settings
