"""Administrative assignment (行政指定) of the teachers the fair left unmatched.

Each unmatched teacher may be placed in a seat still free in a post of their own subject, never
at their own school. As many teachers as possible are placed (maximum cardinality) and, among
all such placements, the total cost is the least, where placing teacher ``t`` at school ``s``
costs:

==========================================  =====================================
the teacher listed ``s`` at rank ``r``        ``r`` (1 for their first choice, ...)
the teacher did not list ``s``                ``1,000,000``
  ... and ``s`` is in another zone (片区)       ``+ 1,000``
  ... and ``t`` is a backbone teacher (骨干)    ``+ 10 × tier step of s`` (weak 0, ordinary 1,
                                                strong 2): toward weak schools, not back
==========================================  =====================================

so a school the teacher listed (best rank first) comes before one they did not, their own zone
before another, and a backbone teacher toward a weak school before a strong one.

The problem splits by subject. A subject whose (teachers × free seats) table has at most
``dense_limit`` cells is solved exactly with :func:`scipy.optimize.linear_sum_assignment`. A
larger one (a province) is solved with
:func:`scipy.sparse.csgraph.min_weight_full_bipartite_matching` on a sparse graph: every seat at
a school the teacher listed, every seat in their own zone, and a seeded sample of seats of each
tier elsewhere (all seats outside a teacher's list and zone of one tier cost them the same). The
number placed is exact: it is checked against the maximum (König's theorem on this graph,
:func:`max_assignable`) and the sample is widened until it is reached. The cost is the least over
this sparse graph, which can exceed the dense optimum when the optimum needs another-zone seats the
sample did not offer (hypothesis finds such small cases). On generated instances of 20,000, 50,000
and 100,000 teachers it equalled the dense optimum exactly. Below ``dense_limit`` cells per subject
(every district, and a 100,000-teacher province) the result is the exact optimum.
"""

from __future__ import annotations

import numpy as np

from .instance import Instance

__all__ = [
    "LISTED",
    "UNLISTED",
    "OTHER_ZONE",
    "BACKBONE_TIER_STEP",
    "assignment_costs",
    "max_assignable",
    "assign_unmatched",
]

UNLISTED = 1_000_000.0
OTHER_ZONE = 1_000.0
BACKBONE_TIER_STEP = 10.0
LISTED = "rank"  # listed schools cost their 1-based rank
#: tier code (strong, ordinary, weak) -> step toward strong
_TIER_STEP = np.array([2.0, 1.0, 0.0])


def _seat_table(instance: Instance, schools: np.ndarray):
    """Free seats per post after the matching."""
    n_subjects = len(instance.subjects)
    lookup = np.full(instance.n_schools * n_subjects, -1, dtype=np.int64)
    lookup[instance.post_school.astype(np.int64) * n_subjects + instance.post_subject] = np.arange(instance.n_posts)
    matched = np.flatnonzero(schools >= 0)
    posts = lookup[schools[matched] * n_subjects + instance.teacher_subject[matched]]
    posts = posts[posts >= 0]
    filled = np.bincount(posts, minlength=instance.n_posts)
    return np.maximum(instance.post_capacity - filled, 0)


def assignment_costs(
    instance: Instance, teachers: np.ndarray, seat_school: np.ndarray, zones: np.ndarray, rank_of=None
) -> np.ndarray:
    """Dense cost table (teachers × seats) per the module's cost, own school = ``inf``."""
    home = instance.teacher_school[teachers]
    cost = np.full((len(teachers), len(seat_school)), UNLISTED)
    cost += OTHER_ZONE * (zones[home][:, None] != zones[seat_school][None, :])
    cost += BACKBONE_TIER_STEP * (
        instance.teacher_backbone[teachers].astype(float)[:, None]
        * _TIER_STEP[instance.school_tier[seat_school]][None, :]
    )
    rows, cols, ranks = _listed_edges(instance, teachers, seat_school)
    cost[rows, cols] = ranks
    cost[home[:, None] == seat_school[None, :]] = np.inf
    return cost


def _listed_edges(instance: Instance, teachers: np.ndarray, seat_school: np.ndarray):
    """(row, seat column, rank) for every seat at a school the row's teacher listed."""
    order = np.argsort(seat_school, kind="stable")
    sorted_school = seat_school[order]
    ptr = instance.pref_ptr
    lengths = ptr[teachers + 1] - ptr[teachers]
    rows = np.repeat(np.arange(len(teachers)), lengths)
    entries = np.repeat(ptr[teachers] - np.cumsum(lengths) + lengths, lengths) + np.arange(lengths.sum())
    ranks = entries - ptr[teachers][rows] + 1
    school = instance.pref_school[entries]
    lo = np.searchsorted(sorted_school, school, side="left")
    hi = np.searchsorted(sorted_school, school, side="right")
    count = hi - lo
    out_rows = np.repeat(rows, count)
    out_ranks = np.repeat(ranks, count).astype(float)
    starts = np.repeat(lo - np.cumsum(count) + count, count) + np.arange(count.sum())
    return out_rows, order[starts], out_ranks


def max_assignable(home: np.ndarray, seat_school: np.ndarray) -> int:
    """The most teachers of one subject that fit the seats, none at their own school.

    The graph is complete but for each school's own teachers and seats, so by König's theorem
    the shortfall is the larger of ``U - S`` and, for any school ``X``, ``U_X - (S - S_X)``.
    """
    u, s = len(home), len(seat_school)
    if u == 0 or s == 0:
        return 0
    deficiency = max(0, u - s)
    schools, u_x = np.unique(home, return_counts=True)
    seats = np.sort(seat_school)
    s_x = np.searchsorted(seats, schools, side="right") - np.searchsorted(seats, schools, side="left")
    deficiency = max(deficiency, int((u_x - (s - s_x)).max()))
    return u - deficiency


def _dense(instance, teachers, seat_school, zones):
    from scipy.optimize import linear_sum_assignment

    cost = assignment_costs(instance, teachers, seat_school, zones)
    forbidden = np.isinf(cost)
    # Larger than any sum of allowed costs: the optimum avoids forbidden cells whenever it can,
    # so dropping them afterwards leaves a maximum-cardinality, least-cost placement.
    cost[forbidden] = (min(cost.shape) + 1) * (UNLISTED + 2 * OTHER_ZONE)
    rows, cols = linear_sum_assignment(cost)
    keep = ~forbidden[rows, cols]
    return rows[keep], cols[keep]


def _candidate_edges(instance, teachers, seat_school, zones, per_tier, rng):
    """The sparse graph of a large subject: (row, seat, cost) for every seat at a listed
    school, every seat in the teacher's own zone, and a seeded sample of ``per_tier`` seats
    of each tier elsewhere (all of which cost the teacher the same)."""
    u, s = len(teachers), len(seat_school)
    home = instance.teacher_school[teachers]
    rows, cols, ranks = _listed_edges(instance, teachers, seat_school)
    # Own-zone seats: join teachers and seats on zone.
    seat_order = np.argsort(zones[seat_school], kind="stable")
    seat_zone_sorted = zones[seat_school][seat_order]
    tz = zones[home]
    lo = np.searchsorted(seat_zone_sorted, tz, side="left")
    hi = np.searchsorted(seat_zone_sorted, tz, side="right")
    count = hi - lo
    z_rows = np.repeat(np.arange(u), count)
    z_cols = seat_order[np.repeat(lo - np.cumsum(count) + count, count) + np.arange(count.sum())]
    z_cost = UNLISTED + BACKBONE_TIER_STEP * (
        instance.teacher_backbone[teachers][z_rows] * _TIER_STEP[instance.school_tier[seat_school[z_cols]]]
    )
    tier = instance.school_tier[seat_school]
    s_rows, s_cols = [], []
    for code in range(3):
        pool = np.flatnonzero(tier == code)
        if len(pool):
            if per_tier >= len(pool):  # every seat of the tier
                pick = np.broadcast_to(pool, (u, len(pool)))
            else:
                pick = pool[rng.integers(0, len(pool), size=(u, per_tier))]
            s_rows.append(np.repeat(np.arange(u), pick.shape[1]))
            s_cols.append(pick.ravel())
    s_rows, s_cols = np.concatenate(s_rows), np.concatenate(s_cols)
    s_cost = (
        UNLISTED
        + OTHER_ZONE * (zones[home][s_rows] != zones[seat_school][s_cols])
        + BACKBONE_TIER_STEP * (instance.teacher_backbone[teachers][s_rows] * _TIER_STEP[tier[s_cols]])
    )
    all_rows = np.concatenate([rows, z_rows, s_rows])
    all_cols = np.concatenate([cols, z_cols, s_cols])
    all_cost = np.concatenate([ranks, z_cost, s_cost])
    # A seat reached twice keeps its cheapest cost (a listed seat is also in the zone, say).
    key = all_rows.astype(np.int64) * s + all_cols
    order = np.lexsort((all_cost, key))
    first = np.ones(len(order), dtype=bool)
    first[1:] = key[order][1:] != key[order][:-1]
    pick = order[first]
    all_rows, all_cols, all_cost = all_rows[pick], all_cols[pick], all_cost[pick]
    ok = home[all_rows] != seat_school[all_cols]
    return all_rows[ok], all_cols[ok], all_cost[ok]


def _min_cost_with_dummies(rows, cols, cost, u, s):
    """Least-cost matching of a sparse graph that places as many rows as it can.

    One private dummy seat per row, dearer than any real seat, keeps a full matching possible
    for :func:`scipy.sparse.csgraph.min_weight_full_bipartite_matching`.
    """
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import min_weight_full_bipartite_matching

    dummy = (min(u, s) + 1) * (UNLISTED + 2 * OTHER_ZONE)
    graph = csr_matrix(
        (
            np.concatenate([cost, np.full(u, dummy)]),
            (np.concatenate([rows, np.arange(u)]), np.concatenate([cols, s + np.arange(u)])),
        ),
        shape=(u, s + u),
    )
    r, c = min_weight_full_bipartite_matching(graph)
    real = c < s
    return r[real], c[real]


def _assign_subject(instance, teachers, seat_school, zones, dense_limit):
    if len(teachers) * len(seat_school) <= dense_limit:
        return _dense(instance, teachers, seat_school, zones)
    target = max_assignable(instance.teacher_school[teachers], seat_school)
    rng = np.random.default_rng(instance.seed)
    per_tier = 4
    while True:
        rows, cols, cost = _candidate_edges(instance, teachers, seat_school, zones, per_tier, rng)
        r, c = _min_cost_with_dummies(rows, cols, cost, len(teachers), len(seat_school))
        if len(r) >= target or per_tier >= len(seat_school):
            return r, c
        per_tier *= 4  # the sample was too thin to place everyone: widen it


def assign_unmatched(instance: Instance, schools: np.ndarray, dense_limit: int = 20_000_000) -> np.ndarray:
    """Place the unmatched teachers in free seats (see the module docstring for the cost).

    Parameters
    ----------
    instance : Instance
    schools : (n,) int array
        The fair's matching: school index per teacher, -1 for unmatched.
    dense_limit : int
        Largest teachers × seats table of one subject solved in one dense step.

    Returns
    -------
    (n,) int64 array
        The school assigned to each unmatched teacher, -1 elsewhere (matched, or no seat left).

    Examples
    --------
    >>> from algorithms.instance import parse_instance
    >>> inst = parse_instance({"format": "matchapp.instance/1",
    ...     "schools": [{"id": "A", "zone": "east"}, {"id": "B", "zone": "east"}, {"id": "C", "zone": "west"}],
    ...     "teachers": [{"id": "t", "school": "A", "subject": "m", "preferences": []}],
    ...     "posts": [{"school": "B", "subject": "m", "capacity": 1}, {"school": "C", "subject": "m", "capacity": 1}]})
    >>> assign_unmatched(inst, np.array([-1])).tolist()   # B: same zone as A
    [1]
    """
    schools = np.asarray(schools, dtype=np.int64)
    free = _seat_table(instance, schools)
    zones = instance.zone_codes()
    assigned = np.full(instance.n_teachers, -1, dtype=np.int64)
    unmatched = np.flatnonzero(schools < 0)
    for subject in np.unique(instance.teacher_subject[unmatched]):
        teachers = unmatched[instance.teacher_subject[unmatched] == subject]
        posts = np.flatnonzero((instance.post_subject == subject) & (free > 0))
        seat_school = np.repeat(instance.post_school[posts], free[posts]).astype(np.int64)
        if len(seat_school) == 0:
            continue
        rows, cols = _assign_subject(instance, teachers, seat_school, zones, dense_limit)
        assigned[teachers[rows]] = seat_school[cols]
    return assigned
