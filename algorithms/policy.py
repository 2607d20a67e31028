"""Policy figures of a result and each teacher's explanation of it."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .flows import backbone_flow
from .instance import Instance

__all__ = ["rank_histogram", "backbone_flows", "Reason", "Explanation", "explain_teacher"]

_STRONG = 0


def rank_histogram(instance: Instance, schools: np.ndarray) -> list[int]:
    """``h[i]``: how many teachers got the (i+1)-th school of their list.

    Its length is that of the longest list. Teachers matched to a school they did not list
    are not counted.
    """
    n = instance.n_teachers
    ptr = instance.pref_ptr
    longest = int(np.diff(ptr).max()) if n else 0
    owner = np.repeat(np.arange(n), np.diff(ptr))
    hit = np.flatnonzero(instance.pref_school == np.asarray(schools)[owner])
    ranks = hit - ptr[owner[hit]]
    return np.bincount(ranks, minlength=longest).tolist()


def backbone_flows(instance: Instance, destination: np.ndarray) -> dict:
    """The backbone reverse-flow rule (防止骨干教师逆交流) over the teachers who move.

    Parameters
    ----------
    destination : (n,) int array
        Where each teacher goes (matching plus administrative assignment), -1 for nowhere.

    Returns
    -------
    dict
        ``backbone_strong_to_other``: backbone teachers moving from strong schools to ordinary
        or weak ones; ``backbone_from_other``: backbone teachers leaving ordinary or weak
        schools; ``reverse_flow_ok``: whether the first exceeds the second.
    """
    destination = np.asarray(destination)
    moving = (destination >= 0) & instance.teacher_backbone
    home_strong = instance.school_tier[instance.teacher_school[moving]] == _STRONG
    dest_strong = instance.school_tier[destination[moving]] == _STRONG
    flow = backbone_flow(home_strong, dest_strong)
    return {
        "backbone_strong_to_other": flow.strong_to_other,
        "backbone_from_other": flow.from_other,
        "reverse_flow_ok": flow.ok,
    }


@dataclass(frozen=True)
class Reason:
    """Why a teacher did not get one school they ranked above their result.

    ``code`` is ``not_ranked`` (the post did not rank them), ``no_seats`` (capacity 0) or
    ``filled`` (its ``seats`` went to candidates it ranked higher: the last admitted was its
    ``last_admitted``-th choice, the teacher its ``your_position``-th; ``tied`` when both were
    in one tie group and the lottery decided).
    """

    school: int
    preference_rank: int
    code: str
    seats: int = 0
    last_admitted: int = 0
    your_position: int = 0
    tied: bool = False

    def message(self, instance: Instance, lang: str = "zh") -> str:
        name = instance.school_names[self.school] or instance.school_ids[self.school]
        if lang == "zh":
            head = f"第{self.preference_rank}志愿 {name}："
            if self.code == "not_ranked":
                return head + "该校未将您列入本学科岗位的排序（不予接收）。"
            if self.code == "no_seats":
                return head + "该校本学科没有接收名额。"
            text = (
                f"该校{self.seats}个名额已由其排序更靠前的教师获得，"
                f"最后录取者是其第{self.last_admitted}顺位，您是第{self.your_position}顺位。"
            )
            if self.tied:
                text += "您与最后录取者在该校排序中并列，由按种子公开抽签的顺序决定。"
            return head + text
        head = f"choice {self.preference_rank}, {name}: "
        if self.code == "not_ranked":
            return head + "the school did not rank you."
        if self.code == "no_seats":
            return head + "the school offered no seats in your subject."
        text = (
            f"its {self.seats} seat{'s' if self.seats != 1 else ''} went to candidates it ranked "
            f"higher; the last admitted was its {_ordinal(self.last_admitted)} choice, "
            f"you were its {_ordinal(self.your_position)}."
        )
        if self.tied:
            text += " You were tied with them in its ranking; the seeded lottery decided."
        return head + text


def _ordinal(k: int) -> str:
    suffix = "th" if 10 <= k % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(k % 10, "th")
    return f"{k}{suffix}"


@dataclass
class Explanation:
    """A teacher's result and the reasons for every school they ranked above it."""

    teacher: int
    school: int  # -1 when the teacher has no school
    how: str  # "matched", "assigned" or "unplaced"
    preference_rank: int  # rank of ``school`` in the teacher's list (matched or assigned), 0 if not listed
    reasons: list[Reason] = field(default_factory=list)

    def lines(self, instance: Instance, lang: str = "zh") -> list[str]:
        tid = instance.teacher_ids[self.teacher]
        name = instance.teacher_names[self.teacher]
        who = f"{name}（{tid}）" if name else tid
        school = (instance.school_names[self.school] or instance.school_ids[self.school]) if self.school >= 0 else ""
        if lang == "zh":
            head = {
                "matched": f"{who}：双向选择录取到 {school}（第{self.preference_rank}志愿）。",
                "assigned": f"{who}：行政指定到 {school}"
                + (f"（第{self.preference_rank}志愿）。" if self.preference_rank else "。"),
                "unplaced": f"{who}：未录取，也没有可指定的空余名额。",
            }[self.how]
        else:
            head = {
                "matched": f"{who}: matched at the fair to {school} (choice {self.preference_rank}).",
                "assigned": f"{who}: assigned by the bureau to {school}"
                + (f" (choice {self.preference_rank})." if self.preference_rank else "."),
                "unplaced": f"{who}: not matched, and no free seat was left to assign.",
            }[self.how]
        return [head] + [r.message(instance, lang) for r in self.reasons]


def explain_teacher(
    instance: Instance,
    teacher: int,
    schools: np.ndarray,
    assigned: np.ndarray | None = None,
    positions: np.ndarray | None = None,
) -> Explanation:
    """Explain a teacher's result, school by school, for every school ranked above it.

    Parameters
    ----------
    instance : Instance
    teacher : int
        Teacher index.
    schools : (n,) int array
        The fair's matching (school index, -1 unmatched).
    assigned : (n,) int array, optional
        The administrative assignment, -1 where none.
    positions : (n,) int array, optional
        The lottery (see :func:`algorithms.deferred_acceptance.lottery`); drawn from the
        instance's seed when omitted.
    """
    from .deferred_acceptance import lottery

    if positions is None:
        positions = lottery(instance.teacher_ids, instance.seed)
    schools = np.asarray(schools)
    start, stop = int(instance.pref_ptr[teacher]), int(instance.pref_ptr[teacher + 1])
    listed = instance.pref_school[start:stop].tolist()
    matched_school = int(schools[teacher])
    if matched_school >= 0:
        how, school = "matched", matched_school
    elif assigned is not None and int(assigned[teacher]) >= 0:
        how, school = "assigned", int(assigned[teacher])
    else:
        how, school = "unplaced", -1
    # Reasons are for the schools listed above the result, whichever way it came: a teacher
    # assigned to a school they listed is not told why they did not get that same school.
    cutoff = listed.index(school) if school in listed else len(listed)
    reasons = []
    for k in range(start, start + cutoff):
        post = int(instance.pref_post[k])
        j = int(instance.pref_school[k])
        rank = k - start + 1
        if instance.pref_group[k] < 0:
            reasons.append(Reason(j, rank, "not_ranked"))
            continue
        capacity = int(instance.post_capacity[post])
        if capacity == 0:
            reasons.append(Reason(j, rank, "no_seats"))
            continue
        r0, r1 = int(instance.rank_ptr[post]), int(instance.rank_ptr[post + 1])
        ranked = instance.rank_teacher[r0:r1]
        key = instance.rank_group[r0:r1].astype(np.int64) * instance.n_teachers + positions[ranked]
        order = ranked[np.argsort(key, kind="stable")]
        place = {int(t): q + 1 for q, t in enumerate(order.tolist())}
        admitted = [t for t in order.tolist() if schools[t] == j]
        last = admitted[-1] if admitted else -1
        group = dict(zip(ranked.tolist(), instance.rank_group[r0:r1].tolist()))
        reasons.append(
            Reason(
                j,
                rank,
                "filled",
                seats=capacity,
                last_admitted=place[last] if last >= 0 else 0,
                your_position=place[teacher],
                tied=last >= 0 and group[last] == group[teacher],
            )
        )
    return Explanation(teacher, school, how, cutoff + 1 if school in listed else 0, reasons)
