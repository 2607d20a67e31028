"""Realistic synthetic fairs for demos, tests and benchmarks (``matchapp generate``).

A district (or a province) of schools in zones (片区) of about a dozen schools, 优质/一般/薄弱
tiers in the proportions the seeds allow (strong and weak each at most 30%), teachers with
Chinese names in ~15 subjects in the proportions of a compulsory-school staff, posts that the
outflow creates (先流出再流入: a subject's seats about equal its outgoing teachers, leaning
toward weak schools), preferences that favour near and strong schools (most teachers list 5-10),
and rankings that favour backbone and senior teachers, some with ties. Everything is drawn from
one ``numpy.random.Generator`` seeded by ``seed``: the same arguments give the same file.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .instance import INSTANCE_FORMAT, TIERS
from .vocabulary import SUBJECTS

__all__ = ["SUBJECTS", "generate_instance"]


_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
_GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鹏辉斌宇浩凯健俊帆帅旭宁"
    "婷慧颖琳晨欣怡佳雪梅倩琴云莉丹蕾蓉薇晶洁瑶婕馨璐诗思文博睿泽轩豪天一子晓志建国永海峰林春晖宏"
)
_PLACES = (
    "湖塘 武进 天宁 钟楼 新北 金坛 溧阳 雕庄 茶山 青龙 红梅 丽华 兰陵 北郊 博爱 局前街 觅渡桥 解放路 花园 清潭 "
    "东青 郑陆 横林 横山桥 遥观 洛阳 礼嘉 前黄 雪堰 南夏墅 湟里 嘉泽 牛塘 西林 邹区 奔牛 罗溪 薛家 孟河 春江 "
    "魏村 河海 三井 龙虎塘 新桥 百草园 五星 永红 荷花池 怀德 北环 勤业 西横街 广化 虹景 新闸 戚墅堰 丁堰 潞城 "
    "坂上 卜弋 夏溪 寨桥 马杭 鸣凰 星河 滆湖 芙蓉 安家 崔桥 漕桥 运村 焦溪 舜山 芳晖 东坡 鹤溪 延陵 尧塘 薛埠"
).split()
_SUFFIXES = ("小学", "中学", "实验小学", "初级中学", "实验学校", "中心小学")
_DIGITS = "零一二三四五六七八九"
_TIER_SHARE = (0.22, 0.53, 0.25)  # strong, ordinary, weak


def _cn_number(k: int) -> str:
    """Chinese numeral for 1..9999 (二, 十二, 一百零三 ...), enough for school names."""
    if k < 10:
        return _DIGITS[k]
    if k < 20:
        return "十" + (_DIGITS[k - 10] if k > 10 else "")
    units = ((1000, "千"), (100, "百"), (10, "十"))
    out, zero = "", False
    for value, name in units:
        digit = k // value % 10
        if digit:
            if zero and out:
                out += "零"
            out += _DIGITS[digit] + name
            zero = False
        elif out:
            zero = True
    if k % 10:
        out += ("零" if zero else "") + _DIGITS[k % 10]
    return out


def school_names(m: int) -> list[str]:
    n_combos = len(_SUFFIXES) * len(_PLACES)
    names = []
    for k in range(m):
        # Mixed radix: consecutive schools alternate primary and middle schools.
        suffix, place = _SUFFIXES[k % len(_SUFFIXES)], _PLACES[(k // len(_SUFFIXES)) % len(_PLACES)]
        ordinal = k // n_combos
        names.append(place + (f"第{_cn_number(ordinal + 1)}" if ordinal else "") + suffix)
    return names


def _zone_names(z: int) -> list[str]:
    if z <= 5:
        return ["东片区", "西片区", "南片区", "北片区", "中片区"][:z]
    return [f"第{_cn_number(k + 1)}片区" for k in range(z)]


def teacher_names(rng: np.random.Generator, n: int) -> list[str]:
    weights = 1.0 / np.arange(1, len(_SURNAMES) + 1) ** 0.8
    surname = rng.choice(len(_SURNAMES), size=n, p=weights / weights.sum())
    first = rng.integers(0, len(_GIVEN), size=n)
    second = rng.integers(-len(_GIVEN) // 2, len(_GIVEN), size=n)  # negative: a one-character name
    return [
        _SURNAMES[s] + _GIVEN[a] + (_GIVEN[b] if b >= 0 else "")
        for s, a, b in zip(surname.tolist(), first.tolist(), second.tolist())
    ]


def generate_instance(n_teachers: int, n_schools: int | None = None, seed: int = 0) -> dict[str, Any]:
    """A realistic synthetic instance document (see the module docstring).

    Parameters
    ----------
    n_teachers : int
        Outgoing teachers of the year.
    n_schools : int, optional
        Schools (default: one per 20 teachers, at least 3).
    seed : int
        Seed of every random draw; also the instance's lottery seed.

    Examples
    --------
    >>> doc = generate_instance(200, seed=1)
    >>> len(doc["teachers"]), len(doc["schools"]), doc == generate_instance(200, seed=1)
    (200, 10, True)
    """
    if n_teachers < 1:
        raise ValueError("n_teachers must be at least 1")
    m = max(3, n_teachers // 20) if n_schools is None else n_schools
    if m < 2:
        raise ValueError("n_schools must be at least 2")
    rng = np.random.default_rng(seed)
    n = n_teachers

    # Schools: tiers, zones of about a dozen schools (3 zones for a 40-school district).
    n_zones = max(1, round(m / 13.3))
    # Exact shares, shuffled: strong and weak never exceed 30% of the schools.
    n_strong, n_weak = int(m * _TIER_SHARE[0]), int(m * _TIER_SHARE[2])
    tier = rng.permutation(np.repeat([0, 2, 1], [n_strong, n_weak, m - n_strong - n_weak]))
    zone = np.sort(rng.integers(0, n_zones, size=m))
    zone[:n_zones] = np.arange(min(n_zones, m))  # every zone has a school
    zone = np.sort(zone)
    size = rng.lognormal(0.0, 0.5, size=m) * np.where(tier == 0, 1.4, 1.0)
    school_ids = [f"S{j + 1:0{len(str(m))}d}" for j in range(m)]
    names_of_schools = school_names(m)
    zone_names = _zone_names(n_zones)

    # Teachers: home school by school size, subject by share, backbone more often in strong schools.
    codes = list(SUBJECTS)
    share = np.array([SUBJECTS[c][1] for c in codes])
    home = rng.choice(m, size=n, p=size / size.sum())
    subject = rng.choice(len(codes), size=n, p=share / share.sum())
    backbone = rng.random(n) < np.array([0.28, 0.13, 0.07])[tier[home]]
    merit = rng.normal(0.0, 1.0, size=n) + 1.2 * backbone
    teacher_ids = [f"T{i + 1:0{len(str(n))}d}" for i in range(n)]
    names = teacher_names(rng, n)

    # Posts: a subject's seats are about its outflow, spread over schools by their own outflow
    # in the subject (vacancies), leaning toward weak schools.
    capacity = np.zeros((m, len(codes)), dtype=np.int64)
    has_post = np.zeros((m, len(codes)), dtype=bool)
    tier_pull = np.array([0.7, 1.0, 1.4])[tier]
    for s in range(len(codes)):
        outflow = np.bincount(home[subject == s], minlength=m)
        total = int(np.ceil(outflow.sum() * rng.uniform(1.0, 1.06)))
        weight = (outflow + 0.3) * tier_pull
        capacity[:, s] = rng.multinomial(total, weight / weight.sum())
        has_post[:, s] = (capacity[:, s] > 0) | (rng.random(m) < 0.02)  # a few confirmed zero seats

    preferences: list[list[int]] = [[] for _ in range(n)]
    appeal = np.array([1.0, 0.45, 0.0])[tier]
    lengths = rng.choice(np.arange(1, 16), size=n, p=_LENGTH_SHARE)
    for s in range(len(codes)):
        teachers = np.flatnonzero(subject == s)
        posts = np.flatnonzero(has_post[:, s])
        if not len(teachers) or not len(posts):
            continue
        posts = posts[np.argsort(zone[posts], kind="stable")]
        zone_start = np.searchsorted(zone[posts], np.arange(n_zones))
        zone_count = np.searchsorted(zone[posts], np.arange(n_zones), side="right") - zone_start
        width = 24
        tz = zone[home[teachers]]
        near = (rng.random((len(teachers), width)) < 0.7) & (zone_count[tz] > 0)[:, None]
        pick_near = zone_start[tz][:, None] + (rng.random((len(teachers), width)) * zone_count[tz][:, None]).astype(
            np.int64
        )
        pick_any = rng.integers(0, len(posts), size=(len(teachers), width))
        cand = posts[np.where(near, pick_near, pick_any)]
        utility = appeal[cand] + 1.0 * (zone[cand] == tz[:, None]) + rng.gumbel(0.0, 0.6, size=cand.shape)
        utility[cand == home[teachers][:, None]] = -np.inf
        order = np.argsort(cand, axis=1, kind="stable")
        sorted_cand = np.take_along_axis(cand, order, axis=1)
        dup = np.zeros_like(cand, dtype=bool)
        dup[:, 1:] = sorted_cand[:, 1:] == sorted_cand[:, :-1]
        np.put_along_axis(utility, order, np.where(dup, -np.inf, np.take_along_axis(utility, order, axis=1)), axis=1)
        best = np.argsort(-utility, axis=1, kind="stable")
        ranked = np.take_along_axis(cand, best, axis=1)
        valid = np.isfinite(np.take_along_axis(utility, best, axis=1))
        for row, teacher in enumerate(teachers.tolist()):
            k = min(int(lengths[teacher]), int(valid[row].sum()))
            preferences[teacher] = ranked[row, :k].tolist()

    # Rankings: each post ranks the teachers who listed it by merit with its own noise; a few
    # applicants are not acceptable; about one post in four ranks in coarse bands (ties).
    owner = np.repeat(np.arange(n), [len(p) for p in preferences])
    target = np.fromiter((j for p in preferences for j in p), dtype=np.int64, count=len(owner))
    post_of = target * len(codes) + subject[owner]
    score = merit[owner] + rng.normal(0.0, 0.5, size=len(owner))
    keep = rng.random(len(owner)) >= 0.04
    banded = rng.random(m * len(codes)) < 0.25
    band = np.where(banded[post_of], np.floor(score * 1.5), score)
    order = np.lexsort((-score, -band, post_of))
    order = order[keep[order]]
    rankings: dict[int, list] = {}
    ids = teacher_ids
    prev_post, prev_band = -1, None
    for k, t, b in zip(post_of[order].tolist(), owner[order].tolist(), band[order].tolist()):
        groups = rankings.setdefault(k, [])
        if k == prev_post and banded[k] and b == prev_band:
            last = groups[-1]
            groups[-1] = (last if isinstance(last, list) else [last]) + [ids[t]]
        else:
            groups.append(ids[t])
        prev_post, prev_band = k, b

    schools = [
        {"id": school_ids[j], "name": names_of_schools[j], "tier": TIERS[tier[j]], "zone": zone_names[zone[j]]}
        for j in range(m)
    ]
    teachers_doc = [
        {
            "id": teacher_ids[i],
            "name": names[i],
            "school": school_ids[home[i]],
            "subject": codes[subject[i]],
            "backbone": bool(backbone[i]),
            "preferences": [school_ids[j] for j in preferences[i]],
        }
        for i in range(n)
    ]
    posts_doc = [
        {
            "school": school_ids[j],
            "subject": codes[s],
            "capacity": int(capacity[j, s]),
            "ranking": rankings.get(j * len(codes) + s, []),
        }
        for j in range(m)
        for s in range(len(codes))
        if has_post[j, s]
    ]
    return {"format": INSTANCE_FORMAT, "seed": seed, "schools": schools, "teachers": teachers_doc, "posts": posts_doc}


# How many schools a teacher lists (1..15): most list 5-10.
_LENGTH_SHARE = np.array([3, 3, 5, 7, 14, 14, 13, 11, 9, 7, 4, 3, 3, 2, 2], dtype=float)
_LENGTH_SHARE /= _LENGTH_SHARE.sum()
