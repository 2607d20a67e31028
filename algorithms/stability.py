"""An independent stability certificate for a matching of a fair.

It does not look at how the matching was made: given the instance and who went where, it finds
every violation (a teacher at their own school, at a school they did not list, at a post that
did not rank them, refused them or whose requirements they lack, a post over its seats) and
every blocking pair (a teacher and a post that both prefer each other to what the matching
gives them).

With seats reserved for backbone teachers, "the post prefers the teacher" means the post's
choice (see :mod:`algorithms.deferred_acceptance`) from its occupants and the teacher keeps the
teacher (Hafalir, Yenmez and Yildirim 2013, Definition 1): the post has a free seat; or the
teacher beats its worst occupant outside the reserved seats; or the teacher is a backbone
teacher who beats the backbone occupant of its last reserved seat (or a reserved seat went to
someone else for want of backbone applicants).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .instance import Instance

__all__ = ["Violation", "Certificate", "certify"]


@dataclass(frozen=True)
class Violation:
    """One broken rule: ``kind`` is one of ``unknown_school``, ``own_school``, ``not_listed``,
    ``not_ranked``, ``refused`` (at a post that refuses them), ``unqualified`` (at a post whose
    requirements they lack), ``over_capacity``, ``no_post`` (placed at a school without a post
    of their subject), ``matched_and_assigned``; ``teacher``/``school``/``post`` are indices or
    -1."""

    kind: str
    teacher: int = -1
    school: int = -1
    post: int = -1


@dataclass
class Certificate:
    """The outcome of :func:`certify`."""

    violations: list[Violation] = field(default_factory=list)
    #: (k, 2) int array of (teacher, post) blocking pairs.
    blocking_pairs: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), dtype=np.int64))

    @property
    def stable(self) -> bool:
        return not self.violations and len(self.blocking_pairs) == 0

    def describe(self, instance: Instance, limit: int = 20) -> list[str]:
        """Human-readable lines for the first ``limit`` problems."""
        lines = []
        for v in self.violations[:limit]:
            who = instance.teacher_ids[v.teacher] if v.teacher >= 0 else ""
            where = (
                instance.post_label(v.post)
                if v.post >= 0
                else (instance.school_ids[v.school] if 0 <= v.school < instance.n_schools else str(v.school))
            )
            lines.append(f"{v.kind}: teacher {who} at {where}" if who else f"{v.kind}: {where}")
        for t, p in self.blocking_pairs[: max(0, limit - len(lines))].tolist():
            lines.append(f"blocking pair: teacher {instance.teacher_ids[t]} and post {instance.post_label(p)}")
        return lines


def certify(
    instance: Instance,
    schools: np.ndarray,
    scores: np.ndarray | None = None,
    assigned: np.ndarray | None = None,
) -> Certificate:
    """Check a matching (and the administrative assignment) for broken rules and blocking pairs.

    Parameters
    ----------
    instance : Instance
    schools : (n,) int array
        The school index each teacher is matched to, -1 for unmatched.
    scores : (E,) int array, optional
        Strict per-preference scores (see :func:`strict_scores`). Without them a post prefers
        teacher ``a`` to ``b`` only when it ranked ``a`` in a strictly better tie group (weak
        stability, the notion that matters with ties); with them, the tie-broken order is used.
    assigned : (n,) int array, optional
        The administrative assignment of unmatched teachers (-1 where none). An assigned teacher
        may be at a school they did not list or that did not rank them, but never at their own
        school, at a school without a post of their subject, or while also matched.

    Every teacher placed at a post, listed or not, matched or assigned, takes one of its seats:
    over capacity counts them all, and so does "has room" for blocking pairs. A post prefers
    anyone it ranked to anyone placed there that it did not rank.

    Returns
    -------
    Certificate

    Examples
    --------
    >>> from algorithms.instance import parse_instance
    >>> inst = parse_instance({"format": "matchapp.instance/1", "schools": [{"id": "A"}, {"id": "B"}],
    ...     "teachers": [{"id": "t", "school": "A", "subject": "m", "preferences": ["B"]}],
    ...     "posts": [{"school": "B", "subject": "m", "capacity": 1, "ranking": ["t"]}]})
    >>> certify(inst, np.array([-1])).stable      # t and B block an empty matching
    False
    >>> certify(inst, np.array([1])).stable
    True
    """
    n = instance.n_teachers
    schools = np.asarray(schools, dtype=np.int64)
    if schools.shape != (n,):
        raise ValueError(f"schools must have shape ({n},), not {schools.shape}")
    if assigned is None:
        assigned = np.full(n, -1, dtype=np.int64)
    assigned = np.asarray(assigned, dtype=np.int64)
    if assigned.shape != (n,):
        raise ValueError(f"assigned must have shape ({n},), not {assigned.shape}")
    violations: list[Violation] = []
    ptr = instance.pref_ptr
    owner = np.repeat(np.arange(n), np.diff(ptr))
    matched = schools >= 0
    both = np.flatnonzero(matched & (assigned >= 0))
    violations += [Violation("matched_and_assigned", int(t), int(assigned[t])) for t in both]
    by_bureau = ~matched & (assigned >= 0)
    dest = np.where(matched, schools, assigned)
    placed = dest >= 0

    unknown = np.flatnonzero(placed & (dest >= instance.n_schools))
    violations += [Violation("unknown_school", int(t), int(dest[t])) for t in unknown]
    known = placed & (dest < instance.n_schools)
    own = np.flatnonzero(known & (dest == instance.teacher_school))
    violations += [Violation("own_school", int(t), int(dest[t])) for t in own]

    # The post each placed teacher occupies: the one of their subject at their school.
    n_subjects = len(instance.subjects)
    lookup = np.full(instance.n_schools * n_subjects + 1, -1, dtype=np.int64)
    lookup[instance.post_school.astype(np.int64) * n_subjects + instance.post_subject] = np.arange(instance.n_posts)
    occupied = np.full(n, -1, dtype=np.int64)
    occupied[known] = lookup[dest[known] * n_subjects + instance.teacher_subject[known]]

    # Where in their own list each placed teacher sits (the list has no duplicates).
    hit = np.flatnonzero(instance.pref_school == dest[owner])
    position = np.full(n, -1, dtype=np.int64)  # entry index of the placement
    position[owner[hit]] = hit
    flagged = np.zeros(n, dtype=bool)
    flagged[unknown] = flagged[own] = True
    no_post = np.flatnonzero(known & (occupied < 0) & ~flagged & (by_bureau | (position >= 0)))
    violations += [Violation("no_post", int(t), int(dest[t])) for t in no_post]
    not_listed = np.flatnonzero(matched & (position < 0) & ~flagged)
    violations += [Violation("not_listed", int(t), int(dest[t])) for t in not_listed]

    held = position[matched & (position >= 0)]
    not_ranked = held[instance.pref_group[held] < 0]
    violations += [
        Violation("not_ranked", int(owner[e]), int(instance.pref_school[e]), int(instance.pref_post[e]))
        for e in not_ranked
    ]
    seated = np.flatnonzero(occupied >= 0)
    if instance.has_exclusions:  # matched or assigned, nobody is where the post refuses them
        refused = instance.refuses(seated, occupied[seated])
        violations += [Violation("refused", int(t), int(dest[t]), int(occupied[t])) for t in seated[refused]]
        unmet = ~instance.meets(seated, occupied[seated])
        violations += [Violation("unqualified", int(t), int(dest[t]), int(occupied[t])) for t in seated[unmet]]
    filled = np.bincount(occupied[seated], minlength=instance.n_posts)
    over = np.flatnonzero(filled > instance.post_capacity)
    violations += [Violation("over_capacity", post=int(p), school=int(instance.post_school[p])) for p in over]

    # A post's worst occupant, by tie group (or by strict score); one it did not rank (or who
    # did not list it) counts as worse than anyone it does accept.
    key = instance.pref_group.astype(np.int64) if scores is None else np.asarray(scores, dtype=np.int64)
    entry = position[seated]
    listed_here = entry >= 0
    occupant_key = np.full(len(seated), np.iinfo(np.int64).max, dtype=np.int64)
    ranked = listed_here.copy()
    ranked[listed_here] = instance.pref_group[entry[listed_here]] >= 0
    occupant_key[ranked] = key[entry[ranked]]
    _rank_unlisted_occupants(
        instance, seated[~listed_here], occupied[seated[~listed_here]], occupant_key, ~listed_here, scores is not None
    )
    worst = np.full(instance.n_posts, -1, dtype=np.int64)
    reserve_cut = None
    if instance.has_reserves:
        worst, reserve_cut = _reserve_thresholds(
            instance.post_reserve, occupied[seated], occupant_key, instance.teacher_backbone[seated]
        )
    else:
        np.maximum.at(worst, occupied[seated], occupant_key)

    # Entries a teacher prefers to their place: all of them if they have none or an unlisted one.
    cutoff = np.where(position >= 0, position, ptr[1:])
    better = np.arange(len(owner)) < cutoff[owner]
    post = instance.pref_post
    wants = better & (instance.pref_group >= 0)
    has_room = filled[post] < instance.post_capacity[post]
    prefers = key < worst[post]
    if reserve_cut is not None:
        prefers |= instance.teacher_backbone[owner] & (key < reserve_cut[post])
    blocking = np.flatnonzero(wants & (has_room | prefers))
    pairs = np.stack([owner[blocking], post[blocking].astype(np.int64)], axis=1)
    return Certificate(violations=violations, blocking_pairs=pairs)


def _reserve_thresholds(reserve, posts, keys, backbone):
    """Per post: the worst occupant's key outside the reserved seats (-1 when none), and the key
    a backbone teacher must beat to take a reserved seat (-1 without reserved seats; above every
    key when a reserved seat went to someone else for want of backbone occupants)."""
    n_posts = len(reserve)
    order = np.lexsort((keys, posts))
    posts, keys, backbone = posts[order], keys[order], backbone[order]
    first = np.flatnonzero(np.r_[True, posts[1:] != posts[:-1]]) if len(posts) else np.zeros(0, np.int64)
    starts_of = np.repeat(first, np.diff(np.r_[first, len(posts)]))
    bb = backbone.astype(np.int64)
    bb_before = np.cumsum(bb) - bb
    bb_place = bb_before - bb_before[starts_of]
    on_reserve = backbone & (bb_place < reserve[posts])
    worst_open = np.full(n_posts, -1, dtype=np.int64)
    np.maximum.at(worst_open, posts[~on_reserve], keys[~on_reserve])
    cut = np.where(reserve > 0, np.iinfo(np.int64).max, -1).astype(np.int64)
    last = on_reserve & (bb_place == reserve[posts] - 1)  # the post's k-th backbone occupant
    cut[posts[last]] = keys[last]
    return worst_open, cut


def _rank_unlisted_occupants(instance, teachers, posts, out, where, strict):
    """Key of occupants placed at posts they did not list, from the posts' own rankings.

    A post may rank a teacher who did not list it; placed there (by the bureau, say), that
    teacher counts by their tie group (and, with strict scores, by the lottery inside it).
    """
    if not len(teachers) or not len(instance.rank_teacher):
        return
    wanted = np.zeros(instance.n_posts, dtype=bool)
    wanted[posts] = True
    rank_post = np.repeat(np.arange(instance.n_posts), np.diff(instance.rank_ptr))
    subset = np.flatnonzero(wanted[rank_post])
    rank_key = rank_post[subset] * instance.n_teachers + instance.rank_teacher[subset]
    order = np.argsort(rank_key)
    sorted_key = rank_key[order]
    if not len(sorted_key):
        return
    probe = posts * instance.n_teachers + teachers
    at = np.minimum(np.searchsorted(sorted_key, probe), len(sorted_key) - 1)
    found = sorted_key[at] == probe
    if not found.any():
        return
    group = instance.rank_group[subset[order[at[found]]]].astype(np.int64)
    if strict:
        from .deferred_acceptance import lottery

        group = group * instance.n_teachers + lottery(instance.teacher_ids, instance.seed)[teachers[found]]
    slots = np.flatnonzero(where)[found]
    out[slots] = group
