"""Teacher-proposing deferred acceptance over posts with capacities.

Ties in a post's ranking are broken by single tie-breaking: one random order of all teachers
(the lottery), drawn once from the instance's seed, decides every tied group. With strict
rankings the result is the teacher-optimal stable matching (Gale and Shapley 1962; Roth 1984
for capacities); with ties it is the teacher-optimal stable matching of the tie-broken market,
which is stable for the original rankings too.

Backbone seats. A post may reserve some of its seats for backbone teachers (骨干教师; seed 000
篇四: the school confirms how many of the teachers it receives are backbone teachers). Its choice
among the teachers it holds and the new proposals is then made seat by seat, reserved seats
first (slot-specific priorities with this precedence, Kominers and Sönmez 2016; the "minority
reserves" of Hafalir, Yenmez and Yildirim 2013): the reserved seats take the backbone teachers
it ranks best, then the other seats take the best of everyone left, backbone or not. A reserved
seat that too few backbone teachers apply for is thereby released to the others (a soft
reserve: an empty seat helps nobody, and HYY show that soft reserves, unlike hard quotas, never
make the protected group worse off as a whole). This choice is substitutable, obeys the law of
aggregate demand and does not depend on rejected proposals, so teacher-proposing deferred
acceptance still ends at the teacher-optimal stable matching (Roth 1984; Hatfield and Milgrom
2005) and stays strategy-proof for teachers (HYY 2013, Theorem 2). Without reserved seats the
code path, and the result, are the plain ones.
"""

from __future__ import annotations

import numpy as np

from .instance import Instance

__all__ = ["lottery", "strict_scores", "deferred_acceptance", "match_instance"]


def lottery(teacher_ids: list[str], seed: int) -> np.ndarray:
    """Each teacher's position in the seeded lottery (0 = drawn first).

    The draw permutes the teachers sorted by id, so it does not depend on the order in which
    the instance lists them: ``numpy.random.default_rng(seed).permutation(n)`` gives, for each
    lottery position, the id-rank of the teacher drawn there.

    Examples
    --------
    >>> lottery(["b", "a", "c"], 7).tolist() == lottery(["b", "a", "c"], 7).tolist()
    True
    """
    n = len(teacher_ids)
    by_id = np.asarray(sorted(range(n), key=teacher_ids.__getitem__), dtype=np.int64)
    draw = np.random.default_rng(seed).permutation(n)
    position = np.empty(n, dtype=np.int64)
    position[by_id[draw]] = np.arange(n)
    return position


def strict_scores(instance: Instance, positions: np.ndarray | None = None) -> np.ndarray:
    """Each preference's strict score at its post (lower is better; -1 = not acceptable).

    The score is ``group * n + lottery position``: the post's tie group first, the lottery
    inside a group.
    """
    if positions is None:
        positions = lottery(instance.teacher_ids, instance.seed)
    n = instance.n_teachers
    owner = np.repeat(np.arange(n), np.diff(instance.pref_ptr))
    scores = instance.pref_group.astype(np.int64) * n + positions[owner]
    scores[instance.pref_group < 0] = -1
    return scores


def deferred_acceptance(
    pref_ptr: np.ndarray,
    pref_post: np.ndarray,
    pref_score: np.ndarray,
    capacity: np.ndarray,
    reserve: np.ndarray | None = None,
    backbone: np.ndarray | None = None,
) -> np.ndarray:
    """Teacher-proposing deferred acceptance on strict preferences.

    Parameters
    ----------
    pref_ptr : (n + 1,) int array
        Teacher ``i`` ranks the entries ``pref_ptr[i]:pref_ptr[i + 1]``, best first.
    pref_post : (E,) int array
        The post of each entry.
    pref_score : (E,) int array
        How the post ranks the teacher of each entry: lower is better, unique within a post;
        negative means the post does not accept the teacher.
    capacity : (P,) int array
        Seats of each post (zero allowed).
    reserve : (P,) int array, optional
        Seats of each post reserved for backbone teachers (at most its capacity).
    backbone : (n,) bool array, optional
        Which teachers are backbone teachers (needed with ``reserve``).

    Returns
    -------
    (n,) int64 array
        The entry each teacher holds at the end, or -1 for an unmatched teacher.

    Examples
    --------
    Two teachers both prefer post 0, which has one seat and prefers teacher 1:

    >>> deferred_acceptance(np.array([0, 2, 4]), np.array([0, 1, 0, 1]),
    ...                     np.array([1, 0, 0, 1]), np.array([1, 1])).tolist()
    [1, 2]

    The same, but post 0's seat is reserved for backbone teachers and teacher 0 is one:

    >>> deferred_acceptance(np.array([0, 2, 4]), np.array([0, 1, 0, 1]),
    ...                     np.array([1, 0, 0, 1]), np.array([1, 1]),
    ...                     reserve=np.array([1, 0]), backbone=np.array([True, False])).tolist()
    [0, 3]
    """
    pref_ptr = np.asarray(pref_ptr)
    pref_post = np.asarray(pref_post)
    n = len(pref_ptr) - 1
    if len(pref_post) != len(pref_score):
        raise ValueError("pref_post and pref_score must have the same length")
    if n < 0 or np.any(np.diff(pref_ptr) < 0):
        raise ValueError("pref_ptr must be non-decreasing")
    capacity = np.asarray(capacity)
    if np.any(capacity < 0):
        raise ValueError("capacity must be non-negative")
    reserved = reserve is not None and bool(np.any(np.asarray(reserve) > 0))
    if reserved:
        reserve = np.asarray(reserve, dtype=np.int64)
        if reserve.shape != capacity.shape or np.any(reserve < 0) or np.any(reserve > capacity):
            raise ValueError("reserve must be between 0 and the capacity of each post")
        if backbone is None or len(backbone) != n:
            raise ValueError("backbone must give each teacher's status when seats are reserved")
    # Unacceptable entries and entries at posts without seats can never hold: drop them first.
    usable = (np.asarray(pref_score) >= 0) & (capacity[pref_post] > 0) if len(pref_post) else np.zeros(0, bool)
    entries = np.flatnonzero(usable)
    all_owner = np.repeat(np.arange(n), np.diff(pref_ptr))
    counts = np.bincount(all_owner[entries], minlength=n)
    starts = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=starts[1:])

    # Compacted arrays of the usable entries; each teacher's are contiguous, best first.
    e_post = pref_post[entries].astype(np.int64)
    e_score = np.asarray(pref_score)[entries].astype(np.int64)
    e_owner = np.repeat(np.arange(n), counts)
    # A post never holds more than the teachers who may propose to it: bounding its slots by
    # them keeps memory linear in the entries whatever the capacities (10**12 seats, say).
    cap = np.minimum(capacity.astype(np.int64), np.bincount(e_post, minlength=len(capacity)))
    if reserved:
        e_backbone = np.asarray(backbone, dtype=bool)[e_owner]
        res = np.minimum(np.asarray(reserve, dtype=np.int64), cap)
    # Each post owns `capacity` consecutive slots holding the entries it currently accepts.
    slot_start = np.cumsum(cap) - cap
    slots = np.full(int(cap.sum()), -1, dtype=np.int64)
    # Candidates are sorted by (post, score) as one int64 key when it fits: a quicksort of one
    # key is several times faster than a lexsort of two, and the same order when no post gives
    # two entries one score (as strict scores never do; otherwise the stable lexsort decides).
    span = int(e_score.max()) + 1 if len(e_score) else 1
    one_key = len(capacity) * span < 2**62
    cursor = starts[:-1].copy()
    end = starts[1:]
    proposing = np.flatnonzero(cursor < end)
    # Rounds of simultaneous proposals (the outcome does not depend on the order of proposals:
    # Gale and Shapley 1962; McVitie and Wilson 1971): every free teacher proposes to their next
    # post; each post keeps its best `capacity` among what it held and what it was offered.
    while proposing.size:
        offered = cursor[proposing]
        touched = np.sort(e_post[offered])  # np.unique would import numpy.ma (30 ms) at first use
        touched = touched[np.r_[True, touched[1:] != touched[:-1]]]
        width = cap[touched]
        slot_idx = np.repeat(slot_start[touched] - np.cumsum(width) + width, width) + np.arange(width.sum())
        held = slots[slot_idx]
        candidates = np.concatenate([held[held >= 0], offered])
        post = e_post[candidates]
        order = None
        if one_key:
            key = post * span + e_score[candidates]
            order = np.argsort(key)
            key = key[order]
            if np.any(key[1:] == key[:-1]):
                order = None
        if order is None:
            order = np.lexsort((e_score[candidates], post))
        candidates, post = candidates[order], post[order]
        first = np.flatnonzero(np.r_[True, post[1:] != post[:-1]])
        starts_of = np.repeat(first, np.diff(np.r_[first, len(post)]))
        place = np.arange(len(post)) - starts_of
        if reserved:
            keep = _reserved_choice(post, place, starts_of, e_backbone[candidates], res, cap)
            # Kept candidates take the post's slots in their order.
            kept_before = np.cumsum(keep) - keep
            place = kept_before - kept_before[starts_of]
        else:
            keep = place < cap[post]
        slots[slot_idx] = -1
        slots[slot_start[post[keep]] + place[keep]] = candidates[keep]
        rejected = candidates[~keep]
        teachers = e_owner[rejected]
        cursor[teachers] = rejected + 1
        proposing = teachers[cursor[teachers] < end[teachers]]
    result = np.full(n, -1, dtype=np.int64)
    held = slots[slots >= 0]
    result[e_owner[held]] = entries[held]
    return result


def _reserved_choice(post, place, starts_of, is_backbone, reserve, cap) -> np.ndarray:
    """Which candidates each post keeps, reserved seats first (see the module docstring).

    The candidates are sorted by post, then by the post's order; ``place`` is each one's place
    in its post's order and ``starts_of`` the index of its post's first candidate.
    """
    bb = is_backbone.astype(np.int64)
    bb_before = np.cumsum(bb) - bb
    bb_place = bb_before - bb_before[starts_of]  # place among the post's backbone candidates
    on_reserve = is_backbone & (bb_place < reserve[post])
    reserve_used = np.bincount(post[on_reserve], minlength=len(cap))
    rest = ~on_reserve
    rest_before = np.cumsum(rest) - rest
    rest_place = rest_before - rest_before[starts_of]  # place among the others
    return on_reserve | (rest & (rest_place < cap[post] - reserve_used[post]))


def match_instance(instance: Instance, positions: np.ndarray | None = None) -> np.ndarray:
    """Run deferred acceptance on an instance; return each teacher's school index or -1."""
    scores = strict_scores(instance, positions)
    held = deferred_acceptance(
        instance.pref_ptr,
        instance.pref_post,
        scores,
        instance.post_capacity,
        reserve=instance.post_reserve if instance.has_reserves else None,
        backbone=instance.teacher_backbone,
    )
    schools = np.full(instance.n_teachers, -1, dtype=np.int64)
    matched = held >= 0
    schools[matched] = instance.pref_school[held[matched]]
    return schools
