"""Administrative assignment: legal, maximum (against an independent max flow), cheapest."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import maximum_flow

from algorithms import assign_unmatched, match_instance, parse_instance, solve
from algorithms.assignment import max_assignable
from tests.algorithms.strategies import instance_docs


def _free_seats(inst, schools):
    free = inst.post_capacity.copy()
    for i, j in enumerate(schools.tolist()):
        if j >= 0:
            p = np.flatnonzero((inst.post_school == j) & (inst.post_subject == inst.teacher_subject[i]))
            free[p] -= 1
    return free


def _max_flow_size(inst, schools):
    """Source -> unmatched teacher -> free post of their subject (not home) -> sink."""
    free = _free_seats(inst, schools)
    unmatched = np.flatnonzero(schools < 0)
    u, p = len(unmatched), inst.n_posts
    source, sink = 0, 1 + u + p
    rows, cols, caps = [], [], []
    for k, t in enumerate(unmatched):
        rows.append(source), cols.append(1 + k), caps.append(1)
        for q in range(p):
            if (
                inst.post_subject[q] == inst.teacher_subject[t]
                and inst.post_school[q] != inst.teacher_school[t]
                and free[q] > 0
            ):
                rows.append(1 + k), cols.append(1 + u + q), caps.append(1)
    for q in range(p):
        if free[q] > 0:
            rows.append(1 + u + q), cols.append(sink), caps.append(int(free[q]))
    graph = csr_matrix((np.array(caps, dtype=np.int32), (rows, cols)), shape=(sink + 1, sink + 1))
    return maximum_flow(graph, source, sink).flow_value


def _check_legal(inst, schools, assigned):
    free = _free_seats(inst, schools)
    for i in np.flatnonzero(assigned >= 0):
        assert schools[i] < 0, "only unmatched teachers are assigned"
        j = assigned[i]
        assert j != inst.teacher_school[i], "never their own school"
        q = np.flatnonzero((inst.post_school == j) & (inst.post_subject == inst.teacher_subject[i]))
        assert len(q) == 1, "a post of their own subject"
        free[q[0]] -= 1
    assert (free >= 0).all(), "never more than the free seats"


@settings(max_examples=300, deadline=None)
@given(instance_docs(ties=True, zero_capacity=True), st.just(0))
def test_assignment_is_legal_and_as_large_as_an_independent_max_flow(doc, dense_limit):
    # dense_limit=0 forces the two-stage sparse method used for province-size subjects.
    inst = parse_instance(doc)
    schools = match_instance(inst)
    assigned = assign_unmatched(inst, schools)
    _check_legal(inst, schools, assigned)
    assert np.count_nonzero(assigned >= 0) == _max_flow_size(inst, schools)


def _reference_cost(inst, teacher, school):
    """The documented cost, written out again from the docstring."""
    lst = inst.pref_school[inst.pref_ptr[teacher] : inst.pref_ptr[teacher + 1]].tolist()
    if school in lst:
        return lst.index(school) + 1
    cost = 1_000_000
    if inst.school_zone[school] != inst.school_zone[inst.teacher_school[teacher]]:
        cost += 1_000
    if inst.teacher_backbone[teacher]:
        cost += 10 * {"strong": 2, "ordinary": 1, "weak": 0}[("strong", "ordinary", "weak")[inst.school_tier[school]]]
    return cost


@settings(max_examples=300, deadline=None)
@given(instance_docs(ties=True, max_teachers=10), st.just(0))
def test_assignment_has_the_least_documented_cost(doc, dense_limit):
    # The dense method (districts) is exact. The sparse method (provinces) places exactly as many,
    # at a cost that is never below the optimum and may exceed it (documented in assignment.py).
    inst = parse_instance(doc)
    schools = match_instance(inst)
    assigned = assign_unmatched(inst, schools)
    ours = sum(_reference_cost(inst, i, j) for i, j in enumerate(assigned.tolist()) if j >= 0)
    # Brute force the same problem with an explicit seat table.
    free = _free_seats(inst, schools)
    unmatched = np.flatnonzero(schools < 0)
    seats = [(q, int(inst.post_school[q])) for q in range(inst.n_posts) for _ in range(int(free[q]))]
    if not len(unmatched) or not seats:
        assert ours == 0
        return
    big = 10**12
    table = np.full((len(unmatched), len(seats)), float(big))
    for r, t in enumerate(unmatched):
        for c, (q, j) in enumerate(seats):
            if inst.post_subject[q] == inst.teacher_subject[t] and j != inst.teacher_school[t]:
                table[r, c] = _reference_cost(inst, t, j)
    rows, cols = linear_sum_assignment(table)
    legal = table[rows, cols] < big
    assert np.count_nonzero(assigned >= 0) == legal.sum()
    optimum = table[rows, cols][legal].sum()
    assert ours == optimum


def test_listed_school_beats_own_zone_which_beats_other_zone():
    doc = {
        "format": "matchapp.instance/1",
        "schools": [
            {"id": "H", "zone": "东"},
            {"id": "Near", "zone": "东"},
            {"id": "Far", "zone": "西"},
            {"id": "Listed", "zone": "西"},
            {"id": "Full", "zone": "东"},
        ],
        "teachers": [
            {"id": "a", "school": "H", "subject": "m", "preferences": ["Full", "Listed"]},
            {"id": "b", "school": "H", "subject": "m", "preferences": ["Full"]},
            {"id": "c", "school": "H", "subject": "m", "preferences": ["Full"]},
            {"id": "w", "school": "Near", "subject": "m", "preferences": ["Full"]},
        ],
        "posts": [
            {"school": "Full", "subject": "m", "capacity": 1, "ranking": ["w"]},
            {"school": "Listed", "subject": "m", "capacity": 1, "ranking": []},
            {"school": "Near", "subject": "m", "capacity": 1, "ranking": []},
            {"school": "Far", "subject": "m", "capacity": 1, "ranking": []},
        ],
    }
    inst = parse_instance(doc)
    result = solve(inst, assign=True)
    got = {inst.teacher_ids[i]: inst.school_ids[j] for i, j in enumerate(result.assigned.tolist()) if j >= 0}
    assert got["a"] == "Listed"
    assert {got["b"], got["c"]} == {"Near", "Far"}  # one gets the own-zone seat, the other must cross


def test_backbone_teacher_goes_toward_the_weak_school():
    doc = {
        "format": "matchapp.instance/1",
        "schools": [{"id": "H", "tier": "strong"}, {"id": "Weak", "tier": "weak"}, {"id": "Strong", "tier": "strong"}],
        "teachers": [
            {"id": "bb", "school": "H", "subject": "m", "backbone": True, "preferences": []},
            {"id": "plain", "school": "H", "subject": "m", "preferences": []},
        ],
        "posts": [
            {"school": "Weak", "subject": "m", "capacity": 1},
            {"school": "Strong", "subject": "m", "capacity": 1},
        ],
    }
    inst = parse_instance(doc)
    assigned = assign_unmatched(inst, match_instance(inst))
    assert inst.school_ids[assigned[0]] == "Weak" and inst.school_ids[assigned[1]] == "Strong"


@given(st.lists(st.integers(0, 4), max_size=12), st.lists(st.integers(0, 4), max_size=12))
def test_max_assignable_formula_matches_max_flow(homes, seats):
    home, seat = np.array(homes, dtype=np.int64), np.array(seats, dtype=np.int64)
    n, m = len(home), len(seat)
    size = n + m + 2
    rows = [0] * n + [1 + n + c for c in range(m)]
    cols = [1 + r for r in range(n)] + [size - 1] * m
    for r in range(n):
        for c in range(m):
            if home[r] != seat[c]:
                rows.append(1 + r), cols.append(1 + n + c)
    graph = csr_matrix((np.ones(len(rows), dtype=np.int32), (rows, cols)), shape=(size, size))
    flow = maximum_flow(graph, 0, size - 1).flow_value if n and m else 0
    assert max_assignable(home, seat) == flow
