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
    settings["preset"] = name
    return settings
