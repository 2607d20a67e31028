"""An independent stability certificate for a matching of a fair.

It does not look at how the matching was made: given the instance and who went where, it finds
every violation (a teacher at their own school, at a school they did not list, at a post that
did not rank them, a post over its seats) and every blocking pair (a teacher and a post that
both prefer each other to what the matching gives them).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .instance import Instance

__all__ = ["Violation", "Certificate", "certify"]


@dataclass(frozen=True)
class Violation:
    """One broken rule: ``kind`` is one of ``unknown_school``, ``own_school``, ``not_listed``,
    ``not_ranked``, ``over_capacity``; ``teacher``/``school``/``post`` are indices or -1."""

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


def certify(instance: Instance, schools: np.ndarray, scores: np.ndarray | None = None) -> Certificate:
    """Check a matching for rule violations and blocking pairs.

    Parameters
    ----------
    instance : Instance
    schools : (n,) int array
        The school index each teacher is matched to, -1 for unmatched.
    scores : (E,) int array, optional
        Strict per-preference scores (see :func:`strict_scores`). Without them a post prefers
        teacher ``a`` to ``b`` only when it ranked ``a`` in a strictly better tie group (weak
        stability, the notion that matters with ties); with them, the tie-broken order is used.

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
    violations: list[Violation] = []
    ptr = instance.pref_ptr
    owner = np.repeat(np.arange(n), np.diff(ptr))
    matched = schools >= 0

    unknown = np.flatnonzero(schools >= instance.n_schools)
    violations += [Violation("unknown_school", int(t), int(schools[t])) for t in unknown]
    own = np.flatnonzero(matched & (schools == instance.teacher_school))
    violations += [Violation("own_school", int(t), int(schools[t])) for t in own]

    # Where in their own list each matched teacher sits (the list has no duplicates).
    hit = np.flatnonzero(instance.pref_school == schools[owner])
    position = np.full(n, -1, dtype=np.int64)  # entry index of the match
    position[owner[hit]] = hit
    not_listed = np.flatnonzero(matched & (position < 0))
    not_listed = not_listed[~np.isin(not_listed, np.concatenate([unknown, own]))]
    violations += [Violation("not_listed", int(t), int(schools[t])) for t in not_listed]

    held = position[position >= 0]
    held_post = instance.pref_post[held]
    not_ranked = held[instance.pref_group[held] < 0]
    violations += [
        Violation("not_ranked", int(owner[e]), int(instance.pref_school[e]), int(instance.pref_post[e]))
        for e in not_ranked
    ]
    filled = np.bincount(held_post, minlength=instance.n_posts)
    over = np.flatnonzero(filled > instance.post_capacity)
    violations += [Violation("over_capacity", post=int(p), school=int(instance.post_school[p])) for p in over]

    # A post's worst admitted teacher, by tie group (or by strict score).
    key = instance.pref_group.astype(np.int64) if scores is None else np.asarray(scores, dtype=np.int64)
    # A teacher the post does not accept counts as worse than anyone it does accept.
    held_key = np.where(instance.pref_group[held] < 0, np.iinfo(np.int64).max, key[held])
    worst = np.full(instance.n_posts, -1, dtype=np.int64)
    np.maximum.at(worst, held_post, held_key)

    # Entries a teacher prefers to their match: all of them if unmatched.
    cutoff = np.where(position >= 0, position, ptr[1:])
    better = np.arange(len(owner)) < cutoff[owner]
    post = instance.pref_post
    wants = better & (instance.pref_group >= 0)
    has_room = filled[post] < instance.post_capacity[post]
    prefers = key < worst[post]
    blocking = np.flatnonzero(wants & (has_room | prefers))
    pairs = np.stack([owner[blocking], post[blocking].astype(np.int64)], axis=1)
    return Certificate(violations=violations, blocking_pairs=pairs)
