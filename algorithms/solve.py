"""One call from an instance to a certified result, and the result file format."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .deferred_acceptance import lottery, match_instance, strict_scores
from .instance import RESULT_FORMAT, Instance, InstanceError, quote
from .policy import backbone_flows, rank_histogram
from .stability import Certificate, certify

__all__ = ["Result", "solve", "result_to_dict", "result_bytes", "parse_result"]


@dataclass
class Result:
    """A solved fair: ``schools`` (the matching) and ``assigned`` are school indices or -1."""

    schools: np.ndarray
    assigned: np.ndarray | None
    certificate: Certificate

    @property
    def destination(self) -> np.ndarray:
        """Where each teacher goes: the matching, else the assignment, else -1."""
        if self.assigned is None:
            return self.schools
        return np.where(self.schools >= 0, self.schools, self.assigned)


def solve(instance: Instance, assign: bool = False, workers: int = 1) -> Result:
    """Run the fair: deferred acceptance, optionally the assignment, the stability certificate.

    ``workers`` above 1 lets the assignment solve subjects in a forked process too (the
    command line does, on a machine with several cores); the result is the same.

    Examples
    --------
    >>> from algorithms.instance import parse_instance
    >>> inst = parse_instance({"format": "matchapp.instance/1", "schools": [{"id": "A"}, {"id": "B"}],
    ...     "teachers": [{"id": "t", "school": "A", "subject": "m", "preferences": ["B"]}],
    ...     "posts": [{"school": "B", "subject": "m", "capacity": 1, "ranking": ["t"]}]})
    >>> result_to_dict(inst, solve(inst))["matching"]
    {'t': 'B'}
    """
    positions = lottery(instance.teacher_ids, instance.seed)
    schools = match_instance(instance, positions)
    assigned = None
    if assign:
        from .assignment import assign_unmatched

        assigned = assign_unmatched(instance, schools, positions, workers=workers)
    # The certificate covers the whole result: the assigned take seats too.
    certificate = certify(instance, schools, strict_scores(instance, positions), assigned)
    return Result(schools=schools, assigned=assigned, certificate=certificate)


def result_to_dict(instance: Instance, result: Result) -> dict[str, Any]:
    """The result document (``matchapp.result/1``); keys in a fixed order, for byte-stable output."""
    ids = instance.teacher_ids
    by_id = np.asarray(sorted(range(len(ids)), key=ids.__getitem__), dtype=np.int64)  # whatever the file's order

    def placed(schools: np.ndarray) -> dict[str, str]:
        """{teacher id: school id} of the teachers placed, in the order of their ids."""
        at = by_id[schools[by_id] >= 0]
        return dict(zip(map(ids.__getitem__, at.tolist()), map(instance.school_ids.__getitem__, schools[at].tolist())))

    matching = placed(result.schools)
    unmatched = list(map(ids.__getitem__, by_id[result.schools[by_id] < 0].tolist()))
    doc: dict[str, Any] = {"format": RESULT_FORMAT, "matching": matching, "unmatched": unmatched}
    stats: dict[str, Any] = {
        "teachers": len(ids),
        "matched": len(matching),
        "unmatched": len(unmatched),
    }
    if result.assigned is not None:
        doc["assigned"] = placed(result.assigned)
        stats["assigned"] = len(doc["assigned"])
    stats["rank_histogram"] = rank_histogram(instance, result.schools)
    stats["stable"] = result.certificate.stable
    doc["stats"] = stats
    doc["policy"] = backbone_flows(instance, result.destination)
    return doc


def result_bytes(instance: Instance, result: Result) -> bytes:
    """The result file exactly as ``matchapp solve`` writes it (UTF-8 JSON and a newline)."""
    import orjson

    return orjson.dumps(result_to_dict(instance, result)) + b"\n"


def parse_result(instance: Instance, data: Any) -> tuple[np.ndarray, np.ndarray]:
    """Read a result document back as (matching, assigned) school-index arrays for ``instance``.

    The result must fit the instance, or the explanations drawn from it would be false: every
    id must be the instance's, and the matching must be stable and break no rule (a teacher at
    a school they did not list or that did not rank them, a post over its seats ...), the
    assignment place only unmatched teachers, never at their own school, in a post of their
    subject with a seat left (see :func:`algorithms.stability.certify`, whose first problem
    the error names).

    Raises
    ------
    InstanceError
        Naming the teacher, school or post that does not fit.
    """
    from .stability import certify

    if not isinstance(data, dict) or data.get("format") != RESULT_FORMAT:
        raise InstanceError("", f"'format' must be \"{RESULT_FORMAT}\"")
    t_index = {t: i for i, t in enumerate(instance.teacher_ids)}
    s_index = {s: j for j, s in enumerate(instance.school_ids)}
    out = []
    for key in ("matching", "assigned"):
        arr = np.full(instance.n_teachers, -1, dtype=np.int64)
        section = data.get(key, {})
        if not isinstance(section, dict):
            raise InstanceError("", f"'{key}' must be an object")
        for tid, sid in section.items():
            if tid not in t_index:
                raise InstanceError(f"{key} {_cut(tid)}", "is not a teacher of the instance")
            if not isinstance(sid, str) or sid not in s_index:
                raise InstanceError(f"{key} {_cut(tid)}", f"school {quote(sid)} is not a school of the instance")
            arr[t_index[tid]] = s_index[sid]
        out.append(arr)
    matching, assigned = out
    positions = lottery(instance.teacher_ids, instance.seed)
    certificate = certify(instance, matching, strict_scores(instance, positions), assigned)
    if not certificate.stable:
        raise InstanceError("", "the result does not fit the instance: " + certificate.describe(instance, 1)[0])
    return matching, assigned


def _cut(text: str) -> str:
    return text if len(text) <= 40 else text[:40] + "…"
