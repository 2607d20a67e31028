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

The optimum is exact at every size. The problem splits by subject; each is one min-cost flow
(OR-Tools' ``SimpleMinCostFlow``, integer costs) over a network whose size grows with the
teachers, the posts and the listed schools, never with teachers × seats:

- a teacher who listed at least one post with free seats is a node, with one arc per such post
  (cost: the rank) and one arc to their *class*;
- a class is (home school, backbone): every seat at a school the teacher did not list costs all
  teachers of a class the same, so the teachers who listed no free post enter at their class
  node as one supply;
- for each tier, the tier's free posts are laid out in a row sorted by zone then school id, and
  each zone's stretch of the row gets a segment tree of its own whose leaves are the posts (a
  forest; a zone of one post is its own root). A class reaches its own zone at the own-zone
  cost through the zone's root or, when its home school has a post in the row, through a gate
  over the two stretches beside that post; and every zone through a hub over the zones' roots,
  at the other-zone cost. A post of the own zone reached through the hub costs more than
  through the class's own route, so an optimum never does that; the hub does not leave out the
  home school, though, so when the optimum places a teacher at home that way (rare: one or two
  subjects of a generated 100,000-teacher fair), the subject is solved again on a network
  whose "other zones" gates leave the class's zone out (``exclusive``: a segment tree over the
  zones' roots), exact by construction. Paths are short (class, gate or hub, a few tree
  levels, post), which is what the solver's time follows: a single tree over the whole row,
  reached through its root, took twice as long at a million teachers.

The flow value is fixed to the maximum number placeable (:func:`max_assignable`, König's theorem
on the graph "every teacher to every seat but their own school's", which is the graph the
network encodes), so the solver returns a maximum-cardinality placement of least cost.

The solver (cost scaling) takes a round for every factor of 5 in the largest cost, so a subject
is first solved with an unlisted seat at ``SCALED_UNLISTED`` (2,000) rather than 1,000,000, or
at ``SCALED_UNLISTED_ONE_ZONE`` (100, or twice the deepest listed rank) where the subject is all
in one zone. At a fixed flow value the two costs differ by the same amount per teacher placed
off their list, so an optimum of the first that places no more teachers off their lists than
any placement must (the flow value less the most teachers placeable at listed schools, a
maximum flow) is an optimum of the second. That is checked; when it fails, the subject is
solved again at the documented cost.

Ties. Teachers of one class placed outside their lists are interchangeable for the cost: they
are placed in lottery order (the fair's seeded lottery) and take their class's seats cheapest
first, then by school id. Every other choice between equally cheap placements is the solver's,
on a network built in a canonical order (teachers by the first post they list, then by lottery
position; posts by school id; classes by home school id), so the result depends on the
instance's content, never on the order of its file.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import NamedTuple

import numpy as np

from .instance import Instance

__all__ = [
    "UNLISTED",
    "OTHER_ZONE",
    "BACKBONE_TIER_STEP",
    "RESERVED_SEAT",
    "placement_costs",
    "reserved_free",
    "free_seats",
    "max_assignable",
    "assign_unmatched",
]

UNLISTED = 1_000_000
OTHER_ZONE = 1_000
BACKBONE_TIER_STEP = 10
RESERVED_SEAT = 3_000_000
#: the unlisted cost a subject's network is solved with first (see :func:`_assign_subject`)
SCALED_UNLISTED = 2_000
#: ... and where no teacher of the subject can be placed in another zone (at least twice the
#: subject's deepest listed rank)
SCALED_UNLISTED_ONE_ZONE = 100
#: tier code (strong, ordinary, weak) -> step toward strong
_TIER_STEP = np.array([2, 1, 0], dtype=np.int64)


def _post_lookup(instance: Instance) -> np.ndarray:
    """(school * n_subjects + subject) -> post index, -1 where there is no post."""
    n_subjects = len(instance.subjects)
    lookup = np.full(instance.n_schools * n_subjects, -1, dtype=np.int64)
    lookup[instance.post_school.astype(np.int64) * n_subjects + instance.post_subject] = np.arange(instance.n_posts)
    return lookup


def free_seats(instance: Instance, schools: np.ndarray) -> np.ndarray:
    """Seats of each post left free by a matching (school index per teacher, -1 unmatched).

    Examples
    --------
    >>> from algorithms.instance import parse_instance
    >>> inst = parse_instance({"format": "matchapp.instance/1", "schools": [{"id": "A"}, {"id": "B"}],
    ...     "teachers": [{"id": "t", "school": "A", "subject": "m", "preferences": ["B"]}],
    ...     "posts": [{"school": "B", "subject": "m", "capacity": 1}]})
    >>> free_seats(inst, np.array([-1])).tolist(), free_seats(inst, np.array([1])).tolist()
    ([1], [0])
    """
    schools = np.asarray(schools, dtype=np.int64)
    lookup = _post_lookup(instance)
    matched = np.flatnonzero((schools >= 0) & (schools < instance.n_schools))
    posts = lookup[schools[matched] * len(instance.subjects) + instance.teacher_subject[matched]]
    filled = np.bincount(posts[posts >= 0], minlength=instance.n_posts)
    return np.maximum(instance.post_capacity - filled, 0)


def placement_costs(instance: Instance, teachers: np.ndarray, schools: np.ndarray) -> np.ndarray:
    """The documented cost (module docstring) of placing each ``teachers[k]`` at ``schools[k]``.

    Parameters
    ----------
    instance : Instance
    teachers, schools : (k,) int arrays
        Teacher and school indices, pairwise.

    Returns
    -------
    (k,) int64 array

    Examples
    --------
    >>> from algorithms.instance import parse_instance
    >>> inst = parse_instance({"format": "matchapp.instance/1",
    ...     "schools": [{"id": "A", "zone": "e"}, {"id": "B", "zone": "e"}, {"id": "C", "zone": "w", "tier": "strong"}],
    ...     "teachers": [{"id": "t", "school": "A", "subject": "m", "backbone": True, "preferences": ["B"]}],
    ...     "posts": [{"school": "B", "subject": "m", "capacity": 1}, {"school": "C", "subject": "m", "capacity": 1}]})
    >>> placement_costs(inst, np.array([0, 0]), np.array([1, 2])).tolist()
    [1, 1001020]
    """
    teachers = np.asarray(teachers, dtype=np.int64)
    schools = np.asarray(schools, dtype=np.int64)
    zones = instance.zone_codes()
    home = instance.teacher_school[teachers]
    cost = (
        UNLISTED
        + OTHER_ZONE * (zones[home] != zones[schools]).astype(np.int64)
        + BACKBONE_TIER_STEP * instance.teacher_backbone[teachers] * _TIER_STEP[instance.school_tier[schools]]
    )
    # Listed schools: join the pairs with the teachers' lists on (teacher, school).
    ptr = instance.pref_ptr
    lengths = ptr[teachers + 1] - ptr[teachers]
    rows = np.repeat(np.arange(len(teachers)), lengths)
    entries = np.repeat(ptr[teachers] - np.cumsum(lengths) + lengths, lengths) + np.arange(int(lengths.sum()))
    hit = instance.pref_school[entries] == schools[rows]
    cost[rows[hit]] = entries[hit] - ptr[teachers[rows[hit]]] + 1
    return cost


def max_assignable(home: np.ndarray, seat_school: np.ndarray, seat_count: np.ndarray | None = None) -> int:
    """The most teachers of one subject that fit the seats, none at their own school.

    The graph is complete but for each school's own teachers and seats, so by König's theorem
    the shortfall is the larger of ``U - S`` and, for any school ``X``, ``U_X - (S - S_X)``.

    Parameters
    ----------
    home : (U,) int array
        Home school of each teacher.
    seat_school : (k,) int array
        School of each seat (or of each group of seats, see ``seat_count``).
    seat_count : (k,) int array, optional
        Seats at each ``seat_school`` entry (default one each).

    Examples
    --------
    >>> max_assignable(np.array([0, 0, 0]), np.array([0, 1]), np.array([5, 2]))
    2
    """
    home = np.asarray(home, dtype=np.int64)
    seat_school = np.asarray(seat_school, dtype=np.int64)
    count = np.ones(len(seat_school), dtype=np.int64) if seat_count is None else np.asarray(seat_count, np.int64)
    u, s = len(home), int(count.sum())
    if u == 0 or s == 0:
        return 0
    deficiency = max(0, u - s)
    schools, u_x = np.unique(home, return_counts=True)
    order = np.argsort(seat_school, kind="stable")
    sorted_school = seat_school[order]
    cum = np.concatenate([[0], np.cumsum(count[order])])
    s_x = cum[np.searchsorted(sorted_school, schools, side="right")] - cum[np.searchsorted(sorted_school, schools)]
    deficiency = max(deficiency, int((u_x - (s - s_x)).max()))
    return u - deficiency


class _Arcs:
    """Arcs of a flow network, gathered as arrays and added to the solver in one call."""

    def __init__(self) -> None:
        self.parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        self.count = 0

    def add(self, tails, heads, caps, costs) -> np.ndarray:
        """Add arcs (broadcasting scalars); return their indices."""
        tails = np.asarray(tails, dtype=np.int32)
        k = len(tails)
        heads = np.broadcast_to(np.asarray(heads, dtype=np.int32), (k,))
        caps = np.broadcast_to(np.asarray(caps, dtype=np.int64), (k,))
        costs = np.broadcast_to(np.asarray(costs, dtype=np.int64), (k,))
        self.parts.append((tails, heads, caps, costs))
        index = np.arange(self.count, self.count + k, dtype=np.int64)
        self.count += k
        return index

    def arrays(self):
        return [np.ascontiguousarray(np.concatenate([p[i] for p in self.parts])) for i in range(4)]


class _Network(NamedTuple):
    """A min-cost flow problem as arrays: arcs (tail, head, capacity, cost), node supplies."""

    tails: np.ndarray
    heads: np.ndarray
    caps: np.ndarray
    costs: np.ndarray
    supplies: np.ndarray


def _solve(network: _Network) -> np.ndarray:
    """The least-cost flow of a network (OR-Tools' cost-scaling min-cost flow), per arc."""
    from ortools.graph.python import min_cost_flow

    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(network.tails, network.heads, network.caps, network.costs)
    flow.set_nodes_supplies(np.arange(len(network.supplies), dtype=np.int32), network.supplies)
    status = flow.solve()
    if status != flow.OPTIMAL:  # pragma: no cover - every network carries its flow value
        raise RuntimeError(f"assignment: min-cost flow failed with status {status}")
    return np.asarray(flow.flows(np.arange(len(network.tails), dtype=np.int32)), dtype=np.int64)


def _run_all(jobs: list, run, workers: int) -> list:
    """``[run(job) for job in jobs]`` (each result a pair of int64 arrays, at most ``job[0]``
    long), in up to ``workers`` processes, the larger jobs first.

    The solver holds the interpreter lock, so a second core takes a forked copy of this
    process. Both take the next job from a pipe as they finish one (so a process slowed down
    by a busy core does fewer), and the child writes each result into memory shared with the
    parent. Whatever the child did not finish, or if it fails, the parent does; either way the
    results (and so the assignment) are the same.
    """
    import os

    if workers < 2 or len(jobs) < 2 or not hasattr(os, "fork"):
        return [run(job) for job in jobs]
    import mmap

    # Job k's slot: [done, count, who..., where...], int64, room for all its teachers.
    room = [len(job[0]) for job in jobs]
    offsets = np.cumsum([0] + [2 + 2 * r for r in room]).tolist()
    buffer = mmap.mmap(-1, int(offsets[-1]) * 8)
    shared = np.frombuffer(buffer, dtype=np.int64)
    # What a process claims at a time: one job, or a run of them when there are thousands
    # (the claims must fit the pipe's buffer, 64 KiB, before the child starts reading).
    order = sorted(range(len(jobs)), key=lambda k: -room[k])
    m = min(len(order), 4096)
    claims = [order[i * len(order) // m : (i + 1) * len(order) // m] for i in range(m)]
    read_end, write_end = os.pipe()
    os.write(write_end, np.arange(m, dtype=np.int32).tobytes())
    os.close(write_end)

    def claim() -> list[int]:
        data = os.read(read_end, 4)  # pipe reads are atomic: each claim goes to one process
        return claims[int.from_bytes(data, "little")] if len(data) == 4 else []

    # The solver's module (65-75 ms to import) once, here, rather than in both processes.
    from ortools.graph.python import min_cost_flow  # noqa: F401

    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child's coverage is not collected
        status = 1
        try:
            while ks := claim():
                for k in ks:
                    who, where = run(jobs[k])
                    at, count = offsets[k], len(who)
                    shared[at + 1] = count
                    shared[at + 2 : at + 2 + count] = who
                    shared[at + 2 + room[k] : at + 2 + room[k] + count] = where
                    shared[at] = 1  # written last: the slot is complete
            status = 0
        finally:
            os._exit(status)
    results: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    try:
        while ks := claim():
            for k in ks:
                results[k] = run(jobs[k])
    finally:  # never leave the child behind, even if the parent's share fails
        os.close(read_end)
        os.waitpid(pid, 0)
    for k in range(len(jobs)):
        if k in results:
            continue
        at, count = offsets[k], int(shared[offsets[k] + 1])
        if shared[at] == 1:
            results[k] = (
                shared[at + 2 : at + 2 + count].copy(),
                shared[at + 2 + room[k] : at + 2 + room[k] + count].copy(),
            )
        else:  # the child failed on it (or before it)
            results[k] = run(jobs[k])
    del shared
    buffer.close()
    return [results[k] for k in range(len(jobs))]


def _cover(lo: np.ndarray, hi: np.ndarray, size: int):
    """Nodes of an iterative segment tree over ``size`` leaves that cover each range [lo, hi).

    Returns (query index, tree node) pairs; node ``v`` covers its leaves ``size + i`` below it.
    """
    query: list[np.ndarray] = [np.zeros(0, np.int64)]
    nodes: list[np.ndarray] = [np.zeros(0, np.int64)]
    q = np.arange(len(lo))
    left, right = lo + size, hi + size
    while len(q):
        live = left < right
        q, left, right = q[live], left[live], right[live]
        take = (left & 1) == 1
        query.append(q[take])
        nodes.append(left[take])
        left = left + take
        take = (right & 1) == 1
        right = right - take
        query.append(q[take])
        nodes.append(right[take])
        left, right = left >> 1, right >> 1
    return np.concatenate(query), np.concatenate(nodes)


#: level of a zone's tree's root in :func:`_sink`'s order (gates are at 0, the hub at 1, the
#: exclusive network's tree over the zones' roots at 1 + depth: all below this)
_FOREST = 64


def _tree_node(c, size, base, leaves, first=0) -> np.ndarray:
    """The network node of node ``c`` (1 .. 2 size - 1) of an implicit segment tree over ``size``
    leaves: ``base + c`` for an inner node, ``leaves[first + c - size]`` for a leaf (arrays
    broadcast, so one call serves several trees)."""
    leaf = c >= size
    return np.where(leaf, leaves[first + np.where(leaf, c - size, 0)], base + c)


def _depth(v: np.ndarray) -> np.ndarray:
    """Depth of segment-tree nodes ``v >= 1`` (the root 1 at depth 0): floor(log2 v)."""
    return np.frexp(np.asarray(v, dtype=np.float64))[1].astype(np.int64) - 1


def _sink(unit_node: np.ndarray, down: np.ndarray, level: np.ndarray, tails, heads, flows) -> np.ndarray:
    """Move units down the ``down`` arcs, level by level, until none sits on a levelled node.

    Every ``down`` arc goes from a node of some level to one of a higher level (or to a node
    without one, where units stop), so when a level's turn comes all units that will pass its
    nodes are there, and :func:`_follow` moves them on.
    """
    unit_node = unit_node.copy()
    arc_level = level[tails[down]]
    for lv in np.unique(arc_level).tolist():
        here = level[unit_node] == lv
        if here.any():
            a = down[arc_level == lv]
            unit_node[here] = _follow(unit_node[here], tails[a], heads[a], flows[a])
    return unit_node


def _follow(unit_node: np.ndarray, tails: np.ndarray, heads: np.ndarray, flows: np.ndarray) -> np.ndarray:
    """Move units sitting at ``tails`` nodes along those nodes' arcs, as many per arc as its flow.

    Every unit of a tail node leaves it (flow conservation), so the units sorted by node and the
    arcs' flow units sorted by tail line up one to one.
    """
    order = np.argsort(unit_node, kind="stable")
    slot_tail = np.repeat(tails, flows)
    slot_head = np.repeat(heads, flows)
    slots = np.argsort(slot_tail, kind="stable")
    moved = np.empty(len(unit_node), dtype=np.int64)
    moved[order] = slot_head[slots]
    return moved


def _assign_subject(
    instance, teachers, posts, free, zones, sid_rank, exclusive: bool = False, unlisted: int = UNLISTED
) -> Generator[_Network, np.ndarray, tuple[np.ndarray, np.ndarray] | None]:
    """Least-cost maximum placement of ``teachers`` (sorted by lottery) into ``posts`` (sorted by id).

    A generator: it yields the subject's flow network, is sent the solver's flow on each arc,
    and returns the placements (so that several subjects' networks can be solved at once). It
    may yield a second network (the same with other costs) and is then sent its flow.

    The network first prices an unlisted seat at ``unlisted`` rather than ``UNLISTED``: the
    solver's cost scaling takes a round per factor of 5 in its largest cost, and 2,000 instead
    of 1,000,000 spares about a third of its time (still above the other-zone cost, 1,000, so
    the optimum nearly always stands). Where every post and every teacher of the subject is in
    one zone (a district without zones, say), the network has no other-zone cost and the
    unlisted seat is priced lower still, at ``SCALED_UNLISTED_ONE_ZONE`` (100) or twice the
    deepest listed rank if more: another fifth of the solver's time on 100,000 teachers with
    lists of up to 20 or 40 schools (an unlisted seat then only has to outweigh what the ranks
    of a chain of displaced teachers can gain). The optimum found is certified against the
    documented cost (it places as few teachers off their lists as any placement can) or the
    network is solved again at the documented cost, so the result is exact either way.

    With ``exclusive`` every class reaches "other zones" through gates that leave its own zone
    out (exact by construction, and a larger network). Without, it reaches every zone of the
    tier through a hub at the other-zone cost: an own-zone post reached that way is never in an
    optimum (its own-zone route is cheaper), except the home school itself, which the hub does
    not exclude. So when no unit that came through a hub lands at its home school, the smaller
    network's optimum is feasible, hence optimal; otherwise the subject is solved again with
    ``exclusive`` (rare: one or two subjects of a generated 100,000-teacher fair).

    Returns (teacher, school) index arrays of the placements, or ``None`` (see above).
    """
    # (The subject's network is built first, then yielded; the placements are read from its flow.)
    home = instance.teacher_school[teachers].astype(np.int64)
    seats = free[posts].astype(np.int64)
    post_sch = instance.post_school[posts].astype(np.int64)
    target = max_assignable(home, post_sch, seats)
    if target == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    n_posts = len(posts)

    # Listed arcs: each teacher's entries at posts of this subject with free seats.
    slot_of_post = np.full(instance.n_posts, -1, dtype=np.int64)
    slot_of_post[posts] = np.arange(n_posts)
    ptr = instance.pref_ptr
    lengths = ptr[teachers + 1] - ptr[teachers]
    rows = np.repeat(np.arange(len(teachers)), lengths)
    entries = np.repeat(ptr[teachers] - np.cumsum(lengths) + lengths, lengths) + np.arange(int(lengths.sum()))
    slot = slot_of_post[instance.pref_post[entries]]
    keep = slot >= 0
    l_rows, l_slot, l_rank = rows[keep], slot[keep], (entries - ptr[teachers][rows] + 1)[keep]
    is_listed = np.zeros(len(teachers), dtype=bool)
    is_listed[l_rows] = True

    # Classes (home school, backbone), in the order of the home school's id.
    backbone = instance.teacher_backbone[teachers].astype(np.int64)
    class_keys, class_of = np.unique(sid_rank[home] * 2 + backbone, return_inverse=True)
    n_classes = len(class_keys)
    class_home = np.empty(n_classes, dtype=np.int64)
    class_home[class_of] = home
    class_bb = class_keys % 2
    class_zone = zones[class_home]
    aggregated = np.bincount(class_of[~is_listed], minlength=n_classes)
    post_zone = zones[post_sch]
    if unlisted != UNLISTED and np.all(class_zone == class_zone[0]) and np.all(post_zone == class_zone[0]):
        # One zone: no arc costs OTHER_ZONE, so the scaled cost need not stay above it.
        deepest = int(l_rank.max()) if len(l_rank) else 0
        unlisted = min(unlisted, max(SCALED_UNLISTED_ONE_ZONE, 2 * deepest))

    listed_idx = np.flatnonzero(is_listed)
    source, sink, post_node0 = 0, 1, 2
    class_node0 = post_node0 + n_posts
    # Teachers numbered by the first post they list (then lottery): neighbours in the solver's
    # arrays share posts, which spares cache misses (at a million teachers, an eighth of its time).
    first_slot = np.empty(len(teachers), dtype=np.int64)
    first = np.ones(len(l_rows), dtype=bool)  # l_rows is sorted, each teacher's entries by rank
    first[1:] = l_rows[1:] != l_rows[:-1]
    first_slot[l_rows[first]] = l_slot[first]
    teacher_node = np.empty(len(listed_idx), dtype=np.int64)
    teacher_node[np.argsort(first_slot[listed_idx], kind="stable")] = np.arange(len(listed_idx))
    teacher_node += class_node0 + n_classes
    next_node = class_node0 + n_classes + len(listed_idx)
    big = int(target)

    arcs = _Arcs()
    source_arcs = arcs.add(np.full(len(listed_idx), source), teacher_node, 1, 0)
    has_agg = np.flatnonzero(aggregated > 0)
    agg_arcs = arcs.add(np.full(len(has_agg), source), class_node0 + has_agg, aggregated[has_agg], 0)
    to_class_arcs = arcs.add(teacher_node, class_node0 + class_of[listed_idx], 1, 0)
    node_of_row = np.empty(len(teachers), dtype=np.int64)
    node_of_row[listed_idx] = teacher_node
    listed_arcs = arcs.add(node_of_row[l_rows], post_node0 + l_slot, 1, l_rank)
    sink_arcs = arcs.add(post_node0 + np.arange(n_posts), np.full(n_posts, sink), seats, 0)

    # Unlisted seats, per tier: the tier's free posts in a row sorted by zone then school id, each
    # zone's stretch of the row under a segment tree of its own whose leaves are the posts (a
    # forest; the root of a one-post zone is the post). A class reaches its own zone at the own
    # cost through the zone's root or, when its home school has a post in the row, through a
    # gate over the stretch without that post; other zones at the other-zone cost through a hub
    # over every zone's root, or (exclusive) through a gate over a segment tree of the zones'
    # roots that leaves its own zone out. ``level`` orders the nodes that units pass on the way
    # down (gates, hub or zone tree, the zones' trees) for reading the placements back.
    tier = instance.school_tier[post_sch].astype(np.int64)
    pos_in_row = np.empty(n_posts, dtype=np.int64)  # the post's index in its zone's stretch
    down_arcs = []  # arcs out of gates, hub and trees
    class_gate_arcs = []  # (arc indices, class, entry node, entered through the hub)
    levels: list[tuple[int, np.ndarray]] = []  # (first node, level of each) of the nodes made
    for code in range(3):
        row = np.flatnonzero(tier == code)
        if not len(row):
            continue
        row = row[np.lexsort((sid_rank[post_sch[row]], post_zone[row]))]
        row_zone = post_zone[row]
        rz, zlo = np.unique(row_zone, return_index=True)
        k = np.diff(np.r_[zlo, len(row)])
        nz = len(rz)
        pos_in_row[row] = np.arange(len(row)) - np.repeat(zlo, k)
        # The zones' trees: internal node v (1 .. k-1) of zone j is node base[j] + v; child
        # c >= k is the post at stretch position c - k.
        inner = k - 1
        base = next_node + np.cumsum(inner) - inner - 1
        n_inner = int(inner.sum())
        z_of = np.repeat(np.arange(nz), inner)
        v = np.arange(n_inner) - np.repeat(np.cumsum(inner) - inner, inner) + 1
        levels.append((next_node, _FOREST + _depth(v)))
        next_node += n_inner

        row_node = post_node0 + row
        arc_zone, child = np.repeat(z_of, 2), np.repeat(v, 2) * 2 + np.tile([0, 1], n_inner)
        kid = _tree_node(child, k[arc_zone], base[arc_zone], row_node, zlo[arc_zone])
        down_arcs.append(arcs.add(base[arc_zone] + child // 2, kid, big, 0))
        root = _tree_node(np.ones(nz, np.int64), k, base, row_node, zlo)  # node 1 (the post, for one post)
        own_cost = unlisted + BACKBONE_TIER_STEP * class_bb * _TIER_STEP[code]
        # Own zone.
        at = np.searchsorted(rz, class_zone)
        zone_of_class = np.where((at < nz) & (rz[np.minimum(at, nz - 1)] == class_zone), at, -1)
        home_post = np.full(instance.n_schools, -1, dtype=np.int64)
        home_post[post_sch[row]] = row
        x_post = home_post[class_home]  # the home school's post in this row, if any
        plain = np.flatnonzero((zone_of_class >= 0) & (x_post < 0))
        idx = arcs.add(class_node0 + plain, root[zone_of_class[plain]], big, own_cost[plain])
        class_gate_arcs.append((idx, plain, root[zone_of_class[plain]], False))
        # A gate per such home school, in the order of school ids (the classes' order).
        x_homes = class_home[x_post >= 0]
        if len(x_homes):
            x_homes = x_homes[np.r_[True, x_homes[1:] != x_homes[:-1]]]
            hp = home_post[x_homes]
            j = np.searchsorted(rz, post_zone[hp])
            i = pos_in_row[hp]
            query, node = _cover(np.r_[np.zeros(len(hp), np.int64), i + 1], np.r_[i, k[j]], np.r_[k[j], k[j]])
            zq = np.r_[j, j][query]
            gate0 = next_node
            next_node += len(x_homes)
            levels.append((gate0, np.zeros(len(x_homes), np.int64)))
            gate_q = np.r_[np.arange(len(hp)), np.arange(len(hp))][query]
            down_arcs.append(arcs.add(gate0 + gate_q, _tree_node(node, k[zq], base[zq], row_node, zlo[zq]), big, 0))
            gate_of_home = np.full(instance.n_schools, -1, dtype=np.int64)
            gate_of_home[x_homes] = gate0 + np.arange(len(x_homes))
            reaches = np.zeros(len(x_homes), dtype=bool)  # a home alone in its zone's stretch reaches nothing
            reaches[gate_q] = True
            gated = np.flatnonzero(x_post >= 0)
            gated = gated[reaches[gate_of_home[class_home[gated]] - gate0]]
            idx = arcs.add(class_node0 + gated, gate_of_home[class_home[gated]], big, own_cost[gated])
            class_gate_arcs.append((idx, gated, gate_of_home[class_home[gated]], False))
        # Other zones.
        away = np.flatnonzero(nz - (zone_of_class >= 0) > 0)
        if not exclusive:
            hub = next_node
            next_node += 1
            levels.append((hub, np.ones(1, np.int64)))
            down_arcs.append(arcs.add(np.full(nz, hub), root, big, 0))
            idx = arcs.add(class_node0 + away, np.full(len(away), hub), big, own_cost[away] + OTHER_ZONE)
            class_gate_arcs.append((idx, away, np.full(len(away), hub), True))
            continue
        # Exclusive: a segment tree over the zones' roots, a gate per zone of a class leaving it out.
        top0 = next_node - 1  # top node t (1 .. nz - 1) is node top0 + t; t >= nz is root[t - nz]
        next_node += nz - 1
        t = np.arange(1, nz)
        levels.append((top0 + 1, 1 + _depth(t)))
        kids = np.r_[2 * t, 2 * t + 1]
        down_arcs.append(arcs.add(top0 + np.r_[t, t], _tree_node(kids, nz, top0, root), big, 0))
        own = np.unique(zone_of_class[away])
        query, node = _cover(
            np.r_[np.zeros(len(own), np.int64), own + 1], np.r_[np.maximum(own, 0), np.full(len(own), nz)], nz
        )
        gate0 = next_node
        next_node += len(own)
        levels.append((gate0, np.zeros(len(own), np.int64)))
        gate_q = np.r_[np.arange(len(own)), np.arange(len(own))][query]
        down_arcs.append(arcs.add(gate0 + gate_q, _tree_node(node, nz, top0, root), big, 0))
        gate = gate0 + np.searchsorted(own, zone_of_class[away])
        idx = arcs.add(class_node0 + away, gate, big, own_cost[away] + OTHER_ZONE)
        class_gate_arcs.append((idx, away, gate, False))

    tails, heads, caps, costs = arcs.arrays()
    supplies = np.zeros(next_node, dtype=np.int64)
    supplies[source], supplies[sink] = target, -target
    flows = yield _Network(tails, heads, caps, costs, supplies)
    listed_flow = int(flows[listed_arcs].sum())
    if unlisted != UNLISTED and listed_flow < target:
        # Certify the scaled optimum: a flow of value ``target`` costs the same under both
        # unlisted costs but for (UNLISTED - unlisted) per unit placed off the lists, and no flow
        # places fewer than target - (most teachers placeable at listed schools). So an optimum
        # under the scaled cost that places that few off the lists is an optimum under the
        # documented one. Otherwise, solve again with the documented cost.
        listed_only = np.concatenate([source_arcs, listed_arcs, sink_arcs])
        if _max_flow(tails[listed_only], heads[listed_only], caps[listed_only], source, sink) > listed_flow:
            unlisted_arcs = np.concatenate([a[0] for a in class_gate_arcs])
            costs = costs.copy()
            costs[unlisted_arcs] += UNLISTED - unlisted
            flows = yield _Network(tails, heads, caps, costs, supplies)

    # Teachers placed at a listed school.
    used = flows[listed_arcs] > 0
    out_teacher = [teachers[l_rows[used]]]
    out_school = [post_sch[l_slot[used]]]

    # Teachers placed through their class: follow each class's units through the gates, the hub
    # or the zones' tree, and down the zones' trees to the posts.
    idx = np.concatenate([a[0] for a in class_gate_arcs])
    amount = flows[idx]
    unit_class = np.repeat(np.concatenate([a[1] for a in class_gate_arcs]), amount)
    unit_node = np.repeat(np.concatenate([a[2] for a in class_gate_arcs]), amount)
    via_hub = np.repeat(np.concatenate([np.full(len(a[0]), a[3]) for a in class_gate_arcs]), amount)
    level = np.full(next_node, -1, dtype=np.int64)
    for node0, of in levels:
        level[node0 : node0 + len(of)] = of
    unit_post = _sink(unit_node, np.concatenate(down_arcs), level, tails, heads, flows) - post_node0
    if np.any(via_hub & (post_sch[unit_post] == class_home[unit_class])):
        return None  # this optimum needs a teacher at home: only the exclusive network can say
    # Within a class: teachers in lottery order take its seats cheapest first, then by school id.
    school = post_sch[unit_post]
    unit_cost = (
        UNLISTED
        + OTHER_ZONE * (zones[class_home[unit_class]] != zones[school])
        + BACKBONE_TIER_STEP * class_bb[unit_class] * _TIER_STEP[instance.school_tier[school]]
    )
    order = np.lexsort((sid_rank[school], unit_cost, unit_class))
    school = school[order]
    # The class's placed teachers: its listed teachers routed through it, and the first of its
    # other teachers in lottery order (``teachers`` is in lottery order already).
    via = listed_idx[flows[to_class_arcs] > 0]
    take = np.zeros(n_classes, dtype=np.int64)
    take[has_agg] = flows[agg_arcs]
    rank_in_class = _rank_within(class_of, ~is_listed)
    picked = np.flatnonzero(~is_listed & (rank_in_class < take[class_of]))
    placed = np.concatenate([via, picked])
    placed = placed[np.lexsort((placed, class_of[placed]))]  # by class, then lottery
    out_teacher.append(teachers[placed])
    out_school.append(school)
    return np.concatenate(out_teacher), np.concatenate(out_school)


def reserved_free(instance: Instance, schools: np.ndarray, free: np.ndarray) -> np.ndarray:
    """Of each post's free seats, how many are still reserved for backbone teachers.

    A post's reserved seats (``backbone_seats``) that the fair did not give to backbone
    teachers stay reserved in the assignment, as far as its seats are free.
    """
    schools = np.asarray(schools, dtype=np.int64)
    lookup = _post_lookup(instance)
    matched = np.flatnonzero((schools >= 0) & (schools < instance.n_schools) & instance.teacher_backbone)
    posts = lookup[schools[matched] * len(instance.subjects) + instance.teacher_subject[matched]]
    backbone_there = np.bincount(posts[posts >= 0], minlength=instance.n_posts)
    return np.minimum(free, np.maximum(instance.post_reserve - backbone_there, 0))


def _requirement_sets(instance: Instance, teachers: np.ndarray, posts: np.ndarray):
    """The distinct requirement sets of ``posts`` (a code per post) and, per teacher, which sets
    they meet (a (teachers, sets) bool table)."""
    rptr, rtag = instance.req_ptr, instance.req_tag
    code: dict[tuple[int, ...], int] = {}
    post_set = np.fromiter(
        (code.setdefault(tuple(sorted(rtag[rptr[q] : rptr[q + 1]].tolist())), len(code)) for q in posts.tolist()),
        dtype=np.int64,
        count=len(posts),
    )
    example = np.zeros(len(code), dtype=np.int64)
    example[post_set[::-1]] = posts[::-1]  # the first post of each set
    meets = np.stack([instance.meets(teachers, np.full(len(teachers), q)) for q in example.tolist()], axis=1)
    return post_set, meets


def _refused_pairs(instance: Instance, teachers: np.ndarray, posts: np.ndarray):
    """(teacher row, post row) pairs among ``teachers`` and ``posts`` that the post refuses."""
    row_of = np.full(instance.n_teachers, -1, dtype=np.int64)
    row_of[teachers] = np.arange(len(teachers))
    ptr = instance.refuse_ptr
    lengths = ptr[posts + 1] - ptr[posts]
    post_rows = np.repeat(np.arange(len(posts)), lengths)
    entries = np.repeat(ptr[posts] - np.cumsum(lengths) + lengths, lengths) + np.arange(int(lengths.sum()))
    rows = row_of[instance.refuse_teacher[entries]]
    keep = rows >= 0
    return rows[keep], post_rows[keep]


def is_constrained(instance: Instance, teachers: np.ndarray, posts: np.ndarray, reserve_free: np.ndarray) -> bool:
    """Whether a subject's assignment needs :func:`_assign_constrained`: a seat still reserved
    for backbone teachers, or a post that refuses one of the teachers or requires something one
    of them lacks."""
    if np.any(reserve_free[posts] > 0):
        return True
    if not instance.has_exclusions:
        return False
    if len(_refused_pairs(instance, teachers, posts)[0]):
        return True
    _, meets = _requirement_sets(instance, teachers, posts)
    return not bool(meets.all())


def _stretches_without(lo: int, hi: int, holes: list[int]) -> list[tuple[int, int]]:
    """[lo, hi) without the positions ``holes``, as stretches."""
    out, start = [], lo
    for h in sorted(x for x in set(holes) if lo <= x < hi):
        if h > start:
            out.append((start, h))
        start = h + 1
    if hi > start:
        out.append((start, hi))
    return out


def _assign_constrained(
    instance, teachers, posts, free, reserve_free, zones, sid_rank, exclusive: bool = False
) -> Generator[_Network, np.ndarray, tuple[np.ndarray, np.ndarray] | None]:
    """:func:`_assign_subject` for a subject with refusals, requirements or reserved seats.

    The same network, generalised: a post's free seats are split into the seats still reserved
    for backbone teachers and the others (two "seat groups"); a class is (home school, backbone,
    which requirement sets its teachers meet), and a teacher whom some post refuses is a class
    of their own; the seat groups are laid out in rows by (tier, requirement set, reserved),
    and a class reaches only the rows whose requirements it meets, through gates that leave out
    its home school and the posts that refuse it. A non-backbone teacher in a reserved seat
    costs ``RESERVED_SEAT`` more.

    Each row has one segment tree (not one per zone and a hub, as :func:`_assign_subject` has
    now: the refusals' gates leave out posts anywhere in the row), and other zones are reached
    through its root, except by a teacher whom a post of the row refuses (their gates leave the
    refusing posts out); when the optimum lands a teacher at home through a root, the subject is
    solved again with ``exclusive`` gates. The flow value is the maximum flow of the network
    (the König formula of :func:`max_assignable` assumes every seat but the home school's is
    open): on the smaller network it may count a teacher at home, and then the optimum puts one
    there and the exclusive network, exact, decides.
    """
    home = instance.teacher_school[teachers].astype(np.int64)
    backbone = instance.teacher_backbone[teachers].astype(np.int64)
    n_rows = len(teachers)

    # Seat groups: each post's other seats, then its reserved ones.
    res = reserve_free[posts].astype(np.int64)
    other = free[posts].astype(np.int64) - res
    g_post = np.concatenate([np.flatnonzero(other > 0), np.flatnonzero(res > 0)])
    g_res = np.concatenate([np.zeros(int((other > 0).sum()), bool), np.ones(int((res > 0).sum()), bool)])
    order = np.lexsort((g_res, g_post))
    g_post, g_res = g_post[order], g_res[order]
    g_seats = np.where(g_res, res[g_post], other[g_post])
    g_school = instance.post_school[posts[g_post]].astype(np.int64)
    n_groups = len(g_post)
    group_of = np.full((len(posts), 2), -1, dtype=np.int64)
    group_of[g_post, g_res.astype(np.int64)] = np.arange(n_groups)

    post_set, meets = _requirement_sets(instance, teachers, posts)
    masks, mask_of = np.unique(meets, axis=0, return_inverse=True)
    mask_of = mask_of.reshape(-1)
    ref_rows, ref_posts = _refused_pairs(instance, teachers, posts)
    refused_by = np.zeros(n_rows, dtype=bool)
    refused_by[ref_rows] = True
    singles = np.flatnonzero(refused_by)  # in lottery order
    single_id = np.zeros(n_rows, dtype=np.int64)
    single_id[singles] = 1 + np.arange(len(singles))
    refuses: dict[int, list[int]] = {}  # teacher row -> post rows refusing them
    for r, q in zip(ref_rows.tolist(), ref_posts.tolist()):
        refuses.setdefault(r, []).append(q)

    # Classes, in the order of the home school's id.
    key = ((sid_rank[home] * 2 + backbone) * len(masks) + mask_of) * (len(singles) + 1) + single_id
    _, first_of_class, class_of = np.unique(key, return_index=True, return_inverse=True)
    class_of = class_of.reshape(-1)
    n_classes = len(first_of_class)
    class_home = home[first_of_class]
    class_bb = backbone[first_of_class]
    class_mask = mask_of[first_of_class]
    class_single = np.where(single_id[first_of_class] > 0, first_of_class, -1)
    class_zone = zones[class_home]

    # Listed arcs: each teacher's entries at posts with free seats that may receive them.
    local = np.full(instance.n_posts, -1, dtype=np.int64)
    local[posts] = np.arange(len(posts))
    ptr = instance.pref_ptr
    lengths = ptr[teachers + 1] - ptr[teachers]
    rows = np.repeat(np.arange(n_rows), lengths)
    entries = np.repeat(ptr[teachers] - np.cumsum(lengths) + lengths, lengths) + np.arange(int(lengths.sum()))
    q = local[instance.pref_post[entries]]
    keep = q >= 0
    rows, q, rank = rows[keep], q[keep], (entries - ptr[teachers][rows] + 1)[keep]
    ok = meets[rows, post_set[q]]
    if len(ref_rows):
        refused_keys = np.sort(ref_rows * len(posts) + ref_posts)
        probe = rows * len(posts) + q
        at = np.minimum(np.searchsorted(refused_keys, probe), len(refused_keys) - 1)
        ok &= refused_keys[at] != probe
    rows, q, rank = rows[ok], q[ok], rank[ok]
    l_rows, l_group, l_cost = [], [], []
    for part in (0, 1):
        g = group_of[q, part]
        has = g >= 0
        l_rows.append(rows[has])
        l_group.append(g[has])
        l_cost.append(rank[has] + part * RESERVED_SEAT * (1 - backbone[rows[has]]))
    l_rows_a, l_group_a, l_cost_a = (np.concatenate(x) for x in (l_rows, l_group, l_cost))
    is_listed = np.zeros(n_rows, dtype=bool)
    is_listed[l_rows_a] = True
    aggregated = np.bincount(class_of[~is_listed], minlength=n_classes)

    listed_idx = np.flatnonzero(is_listed)
    source, sink, group_node0 = 0, 1, 2
    class_node0 = group_node0 + n_groups
    teacher_node = class_node0 + n_classes + np.arange(len(listed_idx))
    next_node = class_node0 + n_classes + len(listed_idx)
    big = n_rows

    arcs = _Arcs()
    arcs.add(np.full(len(listed_idx), source), teacher_node, 1, 0)
    has_agg = np.flatnonzero(aggregated > 0)
    agg_arcs = arcs.add(np.full(len(has_agg), source), class_node0 + has_agg, aggregated[has_agg], 0)
    to_class_arcs = arcs.add(teacher_node, class_node0 + class_of[listed_idx], 1, 0)
    node_of_row = np.empty(n_rows, dtype=np.int64)
    node_of_row[listed_idx] = teacher_node
    listed_arcs = arcs.add(node_of_row[l_rows_a], group_node0 + l_group_a, 1, l_cost_a)
    arcs.add(group_node0 + np.arange(n_groups), np.full(n_groups, sink), g_seats, 0)

    # Rows of seat groups by (tier, requirement set, reserved), each under a segment tree.
    g_tier = instance.school_tier[g_school].astype(np.int64)
    g_set = post_set[g_post]
    row_key = (g_tier * meets.shape[1] + g_set) * 2 + g_res
    trees = []  # (row, node before the root, size, tree arcs)
    gate_arc_parts = []  # arc indices from gates into the trees
    class_gate_arcs = []  # (arc indices, class, entry node, entered at the root)
    for rk in np.unique(row_key).tolist():
        tier, reserved, req = rk // 2 // meets.shape[1], rk % 2 == 1, rk // 2 % meets.shape[1]
        row = np.flatnonzero(row_key == rk)
        row = row[np.lexsort((sid_rank[g_school[row]], zones[g_school[row]]))]
        size = len(row)
        row_zone = zones[g_school[row]]
        tree0 = next_node - 1
        next_node += 2 * size - 1
        internal = np.arange(1, size)
        tree_arcs = arcs.add(
            tree0 + np.concatenate([internal, internal]),
            tree0 + np.concatenate([2 * internal, 2 * internal + 1]),
            big,
            0,
        )
        arcs.add(tree0 + size + np.arange(size), group_node0 + row, big, 0)
        trees.append((row, tree0, size, tree_arcs))
        position = np.full(n_groups, -1, dtype=np.int64)
        position[row] = np.arange(size)

        allowed = np.flatnonzero(masks[class_mask, req])
        if not len(allowed):
            continue
        # Gates, each a list of stretches of the row: "other zones" per zone, "own zone" per zone
        # and home school (the home school's seats left out), and for a teacher whom posts refuse,
        # their own two without the refusing posts' seats.
        lo = np.searchsorted(row_zone, class_zone[allowed], side="left")
        hi = np.searchsorted(row_zone, class_zone[allowed], side="right")
        pos_of_school = np.full(instance.n_schools, -1, dtype=np.int64)
        pos_of_school[g_school[row]] = np.arange(size)
        hole = pos_of_school[class_home[allowed]]
        holes_of = {}  # teachers whom posts of this row refuse: the positions they may not reach
        for k in np.flatnonzero(class_single[allowed] >= 0).tolist():
            refusing = [group_of[p, int(reserved)] for p in refuses[int(class_single[allowed[k]])]]
            holes = [int(position[g]) for g in refusing if g >= 0 and position[g] >= 0]
            if holes:
                holes_of[k] = holes + ([int(hole[k])] if hole[k] >= 0 else [])
        rooted = np.full(len(allowed), not exclusive)
        rooted[list(holes_of)] = False
        other_key, other_gate = np.unique(np.stack([lo, hi], axis=1), axis=0, return_inverse=True)
        own_key, own_gate = np.unique(np.stack([lo, hi, hole], axis=1), axis=0, return_inverse=True)
        other_gate, own_gate = other_gate.reshape(-1), own_gate.reshape(-1) + len(other_key)
        n_o, n_w = len(other_key), len(own_key)
        ow_lo, ow_hi, ow_hole = own_key[:, 0], own_key[:, 1], own_key[:, 2]
        split = ow_hole >= 0
        o_used = np.zeros(n_o, dtype=bool)  # "other zones" gates: only for classes not using the root
        o_used[other_gate[~rooted]] = True
        range_lo = [np.zeros(n_o, np.int64), other_key[:, 1], ow_lo, ow_hole[split] + 1]
        range_hi = [np.where(o_used, other_key[:, 0], 0), np.where(o_used, size, 0), np.where(split, ow_hole, ow_hi)]
        range_hi.append(ow_hi[split])
        range_gate = [np.arange(n_o), np.arange(n_o), n_o + np.arange(n_w), n_o + np.flatnonzero(split)]
        n_gates = n_o + n_w
        for k, holes in holes_of.items():
            for kind, stretches in (
                ("other", _stretches_without(0, int(lo[k]), holes) + _stretches_without(int(hi[k]), size, holes)),
                ("own", _stretches_without(int(lo[k]), int(hi[k]), holes)),
            ):
                range_lo.append(np.array([a for a, _ in stretches], np.int64))
                range_hi.append(np.array([b for _, b in stretches], np.int64))
                range_gate.append(np.full(len(stretches), n_gates, np.int64))
                if kind == "other":
                    other_gate[k] = n_gates
                else:
                    own_gate[k] = n_gates
                n_gates += 1
        gate0 = next_node
        next_node += n_gates
        all_gate = np.concatenate(range_gate)
        which, tnode = _cover(np.concatenate(range_lo), np.concatenate(range_hi), size)
        gate_arc_parts.append(arcs.add(gate0 + all_gate[which], tree0 + tnode, big, 0))
        gate_has = np.zeros(n_gates, dtype=bool)
        gate_has[all_gate[which]] = True
        own_cost = UNLISTED + BACKBONE_TIER_STEP * class_bb[allowed] * _TIER_STEP[tier]
        if reserved:
            own_cost = own_cost + RESERVED_SEAT * (1 - class_bb[allowed])
        for gate_of, cost in ((other_gate, own_cost + OTHER_ZONE), (own_gate, own_cost)):
            has = gate_has[gate_of] & ~(rooted & (gate_of is other_gate))
            idx = arcs.add(class_node0 + allowed[has], gate0 + gate_of[has], big, cost[has])
            class_gate_arcs.append((idx, allowed[has], gate0 + gate_of[has], False))
        via = rooted & (hi - lo < size)  # the whole row through the root, for another zone in it
        idx = arcs.add(class_node0 + allowed[via], tree0 + 1, big, own_cost[via] + OTHER_ZONE)
        class_gate_arcs.append((idx, allowed[via], np.full(int(via.sum()), tree0 + 1), True))

    tails, heads, caps, costs = arcs.arrays()
    target = _max_flow(tails, heads, caps, source, sink)
    if target == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    supplies = np.zeros(next_node, dtype=np.int64)
    supplies[source], supplies[sink] = target, -target
    flows = yield _Network(tails, heads, caps, costs, supplies)

    used = flows[listed_arcs] > 0
    out_teacher = [teachers[l_rows_a[used]]]
    out_school = [g_school[l_group_a[used]]]

    parts = class_gate_arcs or [(np.zeros(0, np.int64),) * 3 + (False,)]
    idx = np.concatenate([a[0] for a in parts])
    amount = flows[idx]
    unit_class = np.repeat(np.concatenate([a[1] for a in parts]), amount)
    unit_node = np.repeat(np.concatenate([a[2] for a in parts]), amount)
    via_root = np.repeat(np.concatenate([np.full(len(a[0]), a[3]) for a in parts]), amount)
    if gate_arc_parts:
        gate_idx = np.concatenate(gate_arc_parts)
        at_gate = ~via_root
        unit_node[at_gate] = _follow(unit_node[at_gate], tails[gate_idx], heads[gate_idx], flows[gate_idx])
    level = np.full(next_node, -1, dtype=np.int64)
    group_at = np.full(next_node, -1, dtype=np.int64)  # the seat group below each leaf
    for row, tree0, size, _ in trees:
        level[tree0 + 1 : tree0 + size] = _depth(np.arange(1, size))
        group_at[tree0 + size : tree0 + 2 * size] = row
    tree_arcs = np.concatenate([t[3] for t in trees] or [np.zeros(0, np.int64)])
    unit_group = group_at[_sink(unit_node, tree_arcs, level, tails, heads, flows)]
    school = g_school[unit_group]
    if np.any(via_root & (school == class_home[unit_class])):
        return None  # this optimum needs a teacher at home: only the exclusive network can say
    unit_cost = (
        UNLISTED
        + OTHER_ZONE * (zones[class_home[unit_class]] != zones[school])
        + BACKBONE_TIER_STEP * class_bb[unit_class] * _TIER_STEP[instance.school_tier[school]]
        + RESERVED_SEAT * g_res[unit_group] * (1 - class_bb[unit_class])
    )
    order = np.lexsort((sid_rank[school], unit_cost, unit_class))
    school = school[order]
    via = listed_idx[flows[to_class_arcs] > 0]
    take = np.zeros(n_classes, dtype=np.int64)
    take[has_agg] = flows[agg_arcs]
    rank_in_class = _rank_within(class_of, ~is_listed)
    picked = np.flatnonzero(~is_listed & (rank_in_class < take[class_of]))
    placed = np.concatenate([via, picked])
    placed = placed[np.lexsort((placed, class_of[placed]))]
    out_teacher.append(teachers[placed])
    out_school.append(school)
    return np.concatenate(out_teacher), np.concatenate(out_school)


def _max_flow(tails, heads, caps, source, sink) -> int:
    """The maximum flow of a network from ``source`` to ``sink`` (OR-Tools' push-relabel)."""
    from ortools.graph.python import max_flow

    flow = max_flow.SimpleMaxFlow()
    flow.add_arcs_with_capacity(tails, heads, caps)
    if flow.solve(source, sink) != flow.OPTIMAL:  # pragma: no cover - integer capacities always solve
        raise RuntimeError("assignment: maximum flow failed")
    return int(flow.optimal_flow())


def _rank_within(group: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """For each masked item, how many masked items of its group come before it (-1 unmasked)."""
    rank = np.full(len(group), -1, dtype=np.int64)
    idx = np.flatnonzero(mask)
    order = idx[np.argsort(group[idx], kind="stable")]
    g = group[order]
    start = np.r_[0, np.flatnonzero(g[1:] != g[:-1]) + 1]
    counts = np.diff(np.r_[start, len(g)])
    rank[order] = np.arange(len(g)) - np.repeat(start, counts)
    return rank


def assign_unmatched(
    instance: Instance,
    schools: np.ndarray,
    positions: np.ndarray | None = None,
    exclusive: bool = False,
    workers: int = 1,
) -> np.ndarray:
    """Place the unmatched teachers in free seats (see the module docstring for the cost).

    Parameters
    ----------
    instance : Instance
    schools : (n,) int array
        The fair's matching: school index per teacher, -1 for unmatched.
    positions : (n,) int array, optional
        The lottery (:func:`algorithms.deferred_acceptance.lottery`); drawn from the
        instance's seed when omitted.
    exclusive : bool
        Always use the larger network whose "other zones" gates leave the own zone out,
        rather than only when the smaller one's optimum cannot avoid a teacher's home school
        (both are exact; tests force this one).
    workers : int
        Processes that solve subjects at once (the parent and, above 1, one forked child);
        the result does not depend on it.

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
    if schools.shape != (instance.n_teachers,):
        raise ValueError(f"schools must have shape ({instance.n_teachers},), not {schools.shape}")
    if positions is None:
        from .deferred_acceptance import lottery

        positions = lottery(instance.teacher_ids, instance.seed)
    free = free_seats(instance, schools)
    zones = instance.zone_codes()
    sid_rank = np.empty(instance.n_schools, dtype=np.int64)
    sid_rank[np.argsort(np.asarray(instance.school_ids, dtype=object), kind="stable")] = np.arange(instance.n_schools)
    assigned = np.full(instance.n_teachers, -1, dtype=np.int64)
    unmatched = np.flatnonzero(schools < 0)
    unmatched = unmatched[np.argsort(positions[unmatched], kind="stable")]  # lottery order
    subject_of = instance.teacher_subject[unmatched]
    open_posts = np.flatnonzero(free > 0)
    open_posts = open_posts[np.argsort(sid_rank[instance.post_school[open_posts]], kind="stable")]
    reserve_free = reserved_free(instance, schools, free) if instance.has_reserves else np.zeros_like(free)
    may_constrain = instance.has_reserves or instance.has_exclusions
    jobs = []
    # (np.unique without return_* would import numpy.ma, 8-30 ms, for nothing)
    for subject in np.flatnonzero(np.bincount(subject_of, minlength=len(instance.subjects))):
        teachers = unmatched[subject_of == subject]
        posts = open_posts[instance.post_subject[open_posts] == subject]
        if len(posts):
            jobs.append((teachers, posts, may_constrain and is_constrained(instance, teachers, posts, reserve_free)))

    def start(job, exclusive):
        if job[2]:
            return _assign_constrained(instance, job[0], job[1], free, reserve_free, zones, sid_rank, exclusive)
        return _assign_subject(
            instance, job[0], job[1], free, zones, sid_rank, exclusive=exclusive, unlisted=SCALED_UNLISTED
        )

    def run(job) -> tuple[np.ndarray, np.ndarray]:
        """One subject's placements: its network solved, and solved again exclusive if need be."""
        placed = None
        for attempt in (exclusive, True):
            work = start(job, attempt)
            try:
                network = next(work)
                while True:  # a network may ask for another one
                    network = work.send(_solve(network))
            except StopIteration as done:  # nothing to place (no network), or placed
                placed = done.value
            if placed is not None:  # else the smaller network's optimum needs a teacher at home
                break
        if placed is None:  # pragma: no cover - the exclusive network never places anyone at home
            raise RuntimeError("assignment: no placement of a subject")
        return placed

    for placed in _run_all(jobs, run, workers):
        _place(assigned, placed)
    return assigned


def _place(assigned: np.ndarray, placed) -> None:
    who, where = placed
    assigned[who] = where
