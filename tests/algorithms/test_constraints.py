"""Backbone seats, refusals and requirements in the engine, against independent oracles.

Seed 000 篇四: "确认…接收专任教师、骨干教师的数量、学历、学科、职称、专业称号" — a post says how
many of its seats are for backbone teachers and what education, title and honours it requires;
a school's 不接受 (refused) holds. The oracles below are written from the definitions, not from
the engine: a brute-force enumeration of every matching of a small market with the post's
choice made seat by seat (reserved seats first), an explicit teachers × seats table for the
assignment, and the `matching` library where nothing is reserved.
"""

from __future__ import annotations

import itertools
import random

import numpy as np
import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment

from algorithms import (
    InstanceError,
    assign_unmatched,
    certify,
    explain_teacher,
    instance_to_dict,
    loads_instance,
    match_instance,
    parse_instance,
    result_bytes,
    solve,
)
from algorithms.assignment import RESERVED_SEAT
from tests.algorithms.strategies import constrained_docs, reserve_markets
from tests.algorithms.test_deferred_acceptance import _library_matching
from tests.algorithms.test_order_independence import _shuffled

# -- an independent model of the fair ---------------------------------------------------------


class Market:
    """The fair as plain Python, read from the document (strict rankings only)."""

    def __init__(self, doc):
        self.teachers = {t["id"]: t for t in doc["teachers"]}
        self.posts = {(p["school"], p["subject"]): p for p in doc["posts"]}
        self.position = {key: {t: k for k, t in enumerate(p["ranking"])} for key, p in self.posts.items()}

    def post_of(self, tid, school):
        return (school, self.teachers[tid]["subject"])

    def acceptable(self, tid, school):
        key = self.post_of(tid, school)
        return key in self.posts and tid in self.position[key]

    def choose(self, key, applicants):
        """The post's choice: its best backbone applicants take the reserved seats, then its best
        among all the others take the remaining seats."""
        post = self.posts[key]
        order = sorted(applicants, key=self.position[key].__getitem__)
        reserved = [t for t in order if self.teachers[t].get("backbone")][: post.get("backbone_seats", 0)]
        rest = [t for t in order if t not in reserved][: post["capacity"] - len(reserved)]
        return set(reserved) | set(rest)

    def is_stable(self, matching):
        """No teacher and post that would both take each other (HYY 2013, Definition 1)."""
        holders = {}
        for tid, school in matching.items():
            if school is not None:
                holders.setdefault(self.post_of(tid, school), set()).add(tid)
        for key, held in holders.items():
            if len(held) > self.posts[key]["capacity"] or self.choose(key, held) != held:
                return False
        for tid, teacher in self.teachers.items():
            prefs = teacher["preferences"]
            mine = matching.get(tid)
            better = prefs[: prefs.index(mine)] if mine is not None else prefs
            for school in better:
                key = self.post_of(tid, school)
                if self.acceptable(tid, school) and tid in self.choose(key, holders.get(key, set()) | {tid}):
                    return False
        return True

    def all_matchings(self):
        """Every matching where each teacher is unmatched or at a listed post that accepts them."""
        ids = sorted(self.teachers)
        options = [[None] + [s for s in self.teachers[t]["preferences"] if self.acceptable(t, s)] for t in ids]
        for choice in itertools.product(*options):
            matching = dict(zip(ids, choice))
            count: dict = {}
            for tid, school in matching.items():
                if school is not None:
                    key = self.post_of(tid, school)
                    count[key] = count.get(key, 0) + 1
            if all(n <= self.posts[key]["capacity"] for key, n in count.items()):
                yield matching


def _ours(doc):
    inst = parse_instance(doc)
    schools = match_instance(inst)
    return inst, {t: (inst.school_ids[j] if j >= 0 else None) for t, j in zip(inst.teacher_ids, schools.tolist())}


SMALL = {"ties": False, "max_teachers": 5, "max_schools": 4, "max_capacity": 2}


@settings(max_examples=250, deadline=None)
@given(st.one_of(reserve_markets(), constrained_docs(**SMALL)))
def test_with_backbone_seats_deferred_acceptance_is_stable_and_teacher_optimal_by_brute_force(doc):
    market = Market(doc)
    inst, ours = _ours(doc)
    stable = [m for m in market.all_matchings() if market.is_stable(m)]
    assert ours in stable
    for other in stable:
        for tid, teacher in market.teachers.items():
            prefs = teacher["preferences"]
            rank = {s: k for k, s in enumerate(prefs)}
            assert rank.get(ours[tid], len(prefs)) <= rank.get(other[tid], len(prefs))


@settings(max_examples=150, deadline=None)
@given(st.one_of(reserve_markets(max_teachers=5), constrained_docs(**SMALL)))
def test_the_certificate_agrees_with_the_brute_force_definition_of_stability(doc):
    market = Market(doc)
    inst = parse_instance(doc)
    index = {s: j for j, s in enumerate(inst.school_ids)}
    for matching in market.all_matchings():
        schools = np.array([index[matching[t]] if matching[t] else -1 for t in inst.teacher_ids])
        assert certify(inst, schools).stable == market.is_stable(matching), matching


@settings(max_examples=200, deadline=None)
@given(constrained_docs(reserves=False, ties=False))
def test_without_backbone_seats_the_matching_library_agrees(doc):
    # Refusals and requirements only remove teachers from rankings: the library, which knows
    # nothing of them, gives the same resident-optimal matching.
    inst, ours = _ours(doc)
    assert {t: s for t, s in ours.items() if s} == _library_matching(doc)


def _without_constraints(doc):
    doc = orjson.loads(orjson.dumps(doc))
    for post in doc["posts"]:
        for key in ("backbone_seats", "refused", "requires"):
            post.pop(key, None)
    for teacher in doc["teachers"]:
        teacher.pop("qualifications", None)
    return doc


@settings(max_examples=200, deadline=None)
@given(constrained_docs(reserves=False, ties=True, max_teachers=12), st.sampled_from([0, None]))
def test_the_fair_ignores_the_new_fields_when_nothing_is_reserved(doc, zero):
    # The same bytes for the matching as the file without the fields; and an explicit
    # "backbone_seats": 0 changes nothing at all.
    plain = _without_constraints(doc)
    a, b = parse_instance(doc), parse_instance(plain)
    assert result_bytes(a, solve(a)) == result_bytes(b, solve(b))
    if zero == 0:
        for post in plain["posts"]:
            post["backbone_seats"] = 0
        c = parse_instance(plain)
        assert result_bytes(c, solve(c, assign=True)) == result_bytes(b, solve(b, assign=True))


@settings(max_examples=200, deadline=None)
@given(
    constrained_docs(ties=True, max_teachers=16, max_schools=7, zones=("东", "西", "南"), max_capacity=4),
    st.randoms(use_true_random=False),
    st.booleans(),
)
def test_with_constraints_any_order_of_the_file_gives_the_same_bytes(doc, rng, assign):
    shuffled = _shuffled(doc, rng)
    for post in shuffled["posts"]:
        for key in ("refused", "requires"):
            if key in post:
                post[key] = rng.sample(post[key], len(post[key]))
    for teacher in shuffled["teachers"]:
        if "qualifications" in teacher:
            teacher["qualifications"] = rng.sample(teacher["qualifications"], len(teacher["qualifications"]))
    a, b = loads_instance(orjson.dumps(doc)), loads_instance(orjson.dumps(shuffled))
    assert result_bytes(a, solve(a, assign=assign)) == result_bytes(b, solve(b, assign=assign))


# -- the assignment ---------------------------------------------------------------------------


def _allowed(doc, tid, school):
    teacher = next(t for t in doc["teachers"] if t["id"] == tid)
    post = next((p for p in doc["posts"] if p["school"] == school and p["subject"] == teacher["subject"]), None)
    return (
        post is not None
        and school != teacher["school"]
        and tid not in post.get("refused", [])
        and set(post.get("requires", [])) <= set(teacher.get("qualifications", []))
    )


def _reference_cost(doc, tid, school):
    """The documented cost (algorithms/assignment.py), written out again from its table."""
    teacher = next(t for t in doc["teachers"] if t["id"] == tid)
    if school in teacher["preferences"]:
        return teacher["preferences"].index(school) + 1
    zone = {s["id"]: s["zone"] for s in doc["schools"]}
    tier = {s["id"]: s["tier"] for s in doc["schools"]}
    cost = 1_000_000 + (1_000 if zone[school] != zone[teacher["school"]] else 0)
    if teacher["backbone"]:
        cost += 10 * {"strong": 2, "ordinary": 1, "weak": 0}[tier[school]]
    return cost


def _seat_table_optimum(doc, matching):
    """Maximum placements, then the least cost, over an explicit teachers x seats table: each
    post's free seats, those still reserved for backbone teachers apart (a non-backbone teacher
    there costs RESERVED_SEAT more); pairs the post may not receive are not in the table."""
    teacher = {t["id"]: t for t in doc["teachers"]}
    seats = []
    for post in doc["posts"]:
        here = [t for t, s in matching.items() if s == post["school"] and teacher[t]["subject"] == post["subject"]]
        free = post["capacity"] - len(here)
        reserved = min(free, max(0, post.get("backbone_seats", 0) - sum(teacher[t]["backbone"] for t in here)))
        seats += [(post, True)] * reserved + [(post, False)] * (free - reserved)
    unmatched = sorted(t for t, s in matching.items() if s is None)
    if not unmatched or not seats:
        return 0, 0
    big = 10**12
    table = np.full((len(unmatched), len(seats)), float(big))
    for r, tid in enumerate(unmatched):
        for c, (post, reserved) in enumerate(seats):
            if teacher[tid]["subject"] == post["subject"] and _allowed(doc, tid, post["school"]):
                extra = RESERVED_SEAT if reserved and not teacher[tid]["backbone"] else 0
                table[r, c] = _reference_cost(doc, tid, post["school"]) + extra
    rows, cols = linear_sum_assignment(table)
    legal = table[rows, cols] < big
    return int(legal.sum()), int(table[rows, cols][legal].sum())


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from([("东", "西"), ("",), ("东", "西", "南", "北")]).flatmap(
        lambda zones: constrained_docs(ties=True, max_teachers=10, max_schools=7, zones=zones, max_capacity=3)
    ),
    st.booleans(),
)
def test_the_constrained_assignment_has_the_least_documented_cost(doc, exclusive):
    # With the smaller network (and its fallback) and with the exclusive one forced.
    inst, matching = _ours(doc)
    assigned = assign_unmatched(inst, match_instance(inst), exclusive=exclusive)
    placed = {inst.teacher_ids[i]: inst.school_ids[j] for i, j in enumerate(assigned.tolist()) if j >= 0}
    for tid, school in placed.items():
        assert matching[tid] is None and _allowed(doc, tid, school)
    teacher = {t["id"]: t for t in doc["teachers"]}
    # Which seats the placements took does not show in the result; the cheapest way is backbone
    # teachers in the reserved seats first, the others in the other seats first: a non-backbone
    # teacher pays RESERVED_SEAT only when the other seats are all taken.
    total = 0
    by_post: dict = {}
    for tid, school in placed.items():
        by_post.setdefault((school, teacher[tid]["subject"]), []).append(tid)
        total += _reference_cost(doc, tid, school)
    for (school, subject), tids in by_post.items():
        post = next(p for p in doc["posts"] if p["school"] == school and p["subject"] == subject)
        here = [t for t, s in matching.items() if s == school and teacher[t]["subject"] == subject]
        free = post["capacity"] - len(here)
        reserved = min(free, max(0, post.get("backbone_seats", 0) - sum(teacher[t]["backbone"] for t in here)))
        backbone_placed = sum(teacher[t]["backbone"] for t in tids)
        others_free = free - reserved - max(0, backbone_placed - reserved)
        total += RESERVED_SEAT * max(0, len(tids) - backbone_placed - others_free)
    assert (len(placed), total) == _seat_table_optimum(doc, matching)


@settings(max_examples=200, deadline=None)
@given(constrained_docs(ties=True, max_teachers=14, max_schools=6, max_capacity=3))
def test_a_refusal_or_a_requirement_is_never_broken_by_the_fair_or_the_assignment(doc):
    inst = parse_instance(doc)
    result = solve(inst, assign=True)
    assert result.certificate.stable
    for i, j in enumerate(result.destination.tolist()):
        if j >= 0:
            assert _allowed(doc, inst.teacher_ids[i], inst.school_ids[j])


def test_constrained_subjects_on_a_generated_district_equal_an_explicit_optimum():
    # 400 teachers, 30 schools, schools ranking few applicants; a third of the posts require a
    # senior title, some reserve seats, some refuse teachers: hundreds placed by the assignment.
    from algorithms import generate_instance

    rng = random.Random(5)
    doc = generate_instance(400, 30, seed=5)
    for teacher in doc["teachers"]:
        if rng.random() < 0.5:
            teacher["qualifications"] = ["职称:高级及以上"]
    for post in doc["posts"]:
        post["ranking"] = []
        if rng.random() < 0.33:
            post["requires"] = ["职称:高级及以上"]
        subject = [t["id"] for t in doc["teachers"] if t["subject"] == post["subject"]]
        post["refused"] = rng.sample(subject, min(len(subject), rng.randint(0, 3)))
        post["backbone_seats"] = rng.randint(0, post["capacity"])
    inst, matching = _ours(doc)
    assigned = assign_unmatched(inst, match_instance(inst))
    placed = np.count_nonzero(assigned >= 0)
    count, _ = _seat_table_optimum(doc, matching)
    assert placed == count > 150
    for i, j in enumerate(assigned.tolist()):
        if j >= 0:
            assert _allowed(doc, inst.teacher_ids[i], inst.school_ids[j])


# -- by hand -----------------------------------------------------------------------------------


def _doc(teachers, posts, schools=("H", "X", "Y")):
    return {
        "format": "matchapp.instance/1",
        "schools": [{"id": s, "zone": "东"} for s in schools],
        "teachers": [
            {"id": t, "school": "H", "subject": "m", "backbone": bb, "preferences": prefs, **extra}
            for t, bb, prefs, extra in teachers
        ],
        "posts": [{"school": s, "subject": "m", **p} for s, p in posts],
    }


def test_a_reserved_seat_goes_to_the_best_backbone_applicant_then_is_released():
    # X has 2 seats, 1 for a backbone teacher, and ranks a > b > c; only c is a backbone
    # teacher: c takes the reserved seat, a the other; b, whom X ranks above c, is rejected.
    doc = _doc(
        [("a", False, ["X"], {}), ("b", False, ["X"], {}), ("c", True, ["X"], {})],
        [("X", {"capacity": 2, "backbone_seats": 1, "ranking": ["a", "b", "c"]})],
    )
    assert _ours(doc)[1] == {"a": "X", "b": None, "c": "X"}
    lines = explain_teacher(parse_instance(doc), 1, match_instance(parse_instance(doc))).lines(parse_instance(doc))
    assert "2个名额中1个为骨干教师专用，其中1个由骨干教师获得" in lines[1]
    assert "最后录取者是其第1顺位；您是第2顺位" in lines[1]
    # Without a backbone applicant the reserved seat is released to the school's next choice.
    doc["teachers"][2]["backbone"] = False
    assert _ours(doc)[1] == {"a": "X", "b": "X", "c": None}


def test_the_assignment_fills_a_reserved_seat_with_a_backbone_teacher_first():
    # Nobody applied: Y reserves its one seat for a backbone teacher. The non-backbone teacher
    # listed Y first, but the backbone teacher takes it; the other goes to X.
    doc = _doc(
        [("plain", False, ["Y"], {}), ("bb", True, [], {})],
        [("X", {"capacity": 1, "ranking": []}), ("Y", {"capacity": 1, "backbone_seats": 1, "ranking": []})],
    )
    inst = parse_instance(doc)
    assigned = assign_unmatched(inst, match_instance(inst))
    assert {t: inst.school_ids[j] for t, j in zip(inst.teacher_ids, assigned.tolist())} == {"bb": "Y", "plain": "X"}


@pytest.mark.parametrize("exclusive", [False, True])
def test_a_constrained_subject_never_places_a_teacher_at_home_even_where_home_is_cheapest(exclusive):
    # As in test_assignment.py, with a reserved seat making the subject constrained: the backbone
    # teacher's weak home is cheapest, the smaller network's root takes it, the fallback does not.
    doc = {
        "format": "matchapp.instance/1",
        "schools": [{"id": "H", "zone": "东", "tier": "weak"}, {"id": "X", "zone": "西", "tier": "strong"}],
        "teachers": [{"id": "t", "school": "H", "subject": "m", "backbone": True}],
        "posts": [
            {"school": "H", "subject": "m", "capacity": 1, "backbone_seats": 1},
            {"school": "X", "subject": "m", "capacity": 1, "backbone_seats": 1},
        ],
    }
    inst = parse_instance(doc)
    assert inst.school_ids[assign_unmatched(inst, match_instance(inst), exclusive=exclusive)[0]] == "X"


def test_the_assignment_leaves_a_teacher_unplaced_rather_than_where_refused_or_unqualified():
    doc = _doc(
        [("t", False, ["X"], {"qualifications": ["学历:本科及以上"]})],
        [
            ("X", {"capacity": 1, "ranking": [], "refused": ["t"]}),
            ("Y", {"capacity": 1, "ranking": [], "requires": ["职称:高级及以上"]}),
        ],
    )
    inst = parse_instance(doc)
    result = solve(inst, assign=True)
    assert result.assigned.tolist() == [-1] and result.certificate.stable
    lines = explain_teacher(inst, 0, result.schools, result.assigned).lines(inst)
    assert "将您标记为不接受" in lines[1]
    # Forcing the placements the engine refused: the certificate names each broken rule.
    cert = certify(inst, np.array([-1]), assigned=np.array([1]))
    assert [v.kind for v in cert.violations] == ["refused"]
    cert = certify(inst, np.array([-1]), assigned=np.array([2]))
    assert [v.kind for v in cert.violations] == ["unqualified"]
    unqualified = explain_teacher(
        parse_instance(_doc([("t", False, ["Y"], {})], [("Y", {"capacity": 1, "requires": ["职称:高级及以上"]})])),
        0,
        np.array([-1]),
    )
    assert unqualified.reasons[0].code == "unqualified" and unqualified.reasons[0].missing == ("职称:高级及以上",)


def test_the_new_fields_survive_a_round_trip():
    doc = _doc(
        [("t", True, ["X"], {"qualifications": ["a", "b"]}), ("u", False, [], {})],
        [("X", {"capacity": 2, "backbone_seats": 1, "ranking": ["t"], "refused": ["u"], "requires": ["a"]})],
    )
    back = instance_to_dict(parse_instance(doc))
    assert back["posts"][0]["backbone_seats"] == 1
    assert back["posts"][0]["refused"] == ["u"] and back["posts"][0]["requires"] == ["a"]
    assert back["teachers"][0]["qualifications"] == ["a", "b"] and "qualifications" not in back["teachers"][1]
    assert instance_to_dict(parse_instance(back)) == back


BAD = [
    ({"backbone_seats": 3}, "post X/m: 'backbone_seats' 3 is more than its capacity 2"),
    ({"backbone_seats": -1}, "post X/m: 'backbone_seats' -1 is not a non-negative integer"),
    ({"backbone_seats": 1.0}, "post X/m: 'backbone_seats' 1.0 is not a non-negative integer"),
    ({"backbone_seats": True}, "post X/m: 'backbone_seats' True is not a non-negative integer"),
    ({"refused": "u"}, "post X/m: 'refused' must be a list of teacher ids"),
    ({"refused": ["nobody"]}, "post X/m: refused teacher 'nobody' is not a teacher"),
    ({"refused": ["u", "u"]}, "post X/m: teacher u is refused twice"),
    ({"refused": ["t"]}, "post X/m: teacher t is both ranked and refused"),
    ({"refused": ["music"]}, "post X/m: refused teacher music teaches art, not m"),
    ({"requires": "a"}, "post X/m: 'requires' must be a list of non-empty strings"),
    ({"requires": [""]}, "post X/m: 'requires' must be a list of non-empty strings"),
    ({"requires": ["z"]}, "post X/m: ranked teacher t lacks its requirement 'z'"),
]


@pytest.mark.parametrize("extra,message", BAD)
def test_malformed_constraints_are_named(extra, message):
    doc = _doc([("t", True, ["X"], {}), ("u", False, [], {})], [("X", {"capacity": 2, "ranking": ["t"], **extra})])
    doc["teachers"].append({"id": "music", "school": "H", "subject": "art"})
    with pytest.raises(InstanceError) as error:
        parse_instance(doc)
    assert str(error.value) == message


@pytest.mark.parametrize("value", ["a", [1], [""], None, {"a": 1}])
def test_malformed_qualifications_are_named(value):
    doc = _doc([("t", False, [], {"qualifications": value})], [("X", {"capacity": 1})])
    if value is None:
        parse_instance(doc)  # null reads as none
        return
    with pytest.raises(InstanceError, match="teacher t: 'qualifications' must be a list of non-empty strings"):
        parse_instance(doc)


def test_explain_on_the_command_line_names_the_reserved_seats_and_the_missing_requirement(tmp_path):
    import json
    import subprocess
    import sys

    doc = _doc(
        [("a", False, ["X"], {}), ("b", False, ["Y", "X"], {}), ("c", True, ["X"], {})],
        [
            ("X", {"capacity": 2, "backbone_seats": 1, "ranking": ["a", "b", "c"]}),
            ("Y", {"capacity": 1, "requires": ["职称:高级及以上"]}),
        ],
    )
    instance, result = tmp_path / "fair.json", tmp_path / "result.json"
    instance.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "matchapp", *args], capture_output=True, check=False)

    assert cli("solve", str(instance), "--assign", "-o", str(result)).returncode == 0
    proc = cli("explain", str(instance), str(result), "b", "--json")
    assert proc.returncode == 0, proc.stderr
    reasons = json.loads(proc.stdout)["reasons"]
    assert reasons[0]["code"] == "unqualified" and reasons[0]["missing"] == ["职称:高级及以上"]
    assert reasons[1]["code"] == "filled" and reasons[1]["backbone_seats"] == 1 and reasons[1]["reserve_taken"] == 1
    assert "骨干教师专用" in reasons[1]["message"]
