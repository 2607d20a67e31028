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

    ``code`` is ``refused`` (the post refuses the teacher outright), ``unqualified`` (the
    teacher lacks the post's requirements ``missing``), ``not_ranked`` (the post did not rank
    them), ``no_seats`` (capacity 0) or ``filled`` (its ``seats`` went to candidates it ranked
    higher: the last admitted was its ``last_admitted``-th choice, the teacher its
    ``your_position``-th; ``tied`` when both were in one tie group and the lottery decided).

    With seats reserved for backbone teachers (``reserved`` of them, ``reserve_taken`` taken by
    backbone teachers), ``last_admitted`` is the last admitted to the other seats (0 when there
    are none) and ``last_reserved`` the last backbone teacher admitted to a reserved seat;
    ``backbone`` says whether the teacher is one.
    """

    school: int
    preference_rank: int
    code: str
    seats: int = 0
    last_admitted: int = 0
    your_position: int = 0
    tied: bool = False
    missing: tuple[str, ...] = ()
    reserved: int = 0
    reserve_taken: int = 0
    last_reserved: int = 0
    backbone: bool = False

    def message(self, instance: Instance, lang: str = "zh") -> str:
        name = instance.school_names[self.school] or instance.school_ids[self.school]
        if lang == "zh":
            head = f"第{self.preference_rank}志愿 {name}："
            if self.code == "refused":
                return head + "该校将您标记为不接受（本学科岗位）。"
            if self.code == "unqualified":
                return head + f"您不符合该校本学科岗位的要求（{'、'.join(self.missing)}）。"
            if self.code == "not_ranked":
                return head + "该校未将您列入本学科岗位的排序（不予接收）。"
            if self.code == "no_seats":
                return head + "该校本学科没有接收名额。"
            return head + self._filled_zh()
        head = f"choice {self.preference_rank}, {name}: "
        if self.code == "refused":
            return head + "the school marked you as not acceptable for the post."
        if self.code == "unqualified":
            return head + f"you do not meet the post's requirements ({', '.join(self.missing)})."
        if self.code == "not_ranked":
            return head + "the school did not rank you."
        if self.code == "no_seats":
            return head + "the school offered no seats in your subject."
        return head + self._filled_en()

    def _filled_zh(self) -> str:
        you = f"您是第{self.your_position}顺位。"
        tie = "您与最后录取者在该校排序中并列，由按种子公开抽签的顺序决定。" if self.tied else ""
        if not self.reserved:
            return (
                f"该校{self.seats}个名额已由其排序更靠前的教师获得，最后录取者是其第{self.last_admitted}顺位，"
                + you
                + tie
            )
        other = self.seats - self.reserve_taken
        text = f"该校{self.seats}个名额中{self.reserved}个为骨干教师专用，其中{self.reserve_taken}个由骨干教师获得"
        if self.backbone:
            text += f"（最后一位是其第{self.last_reserved}顺位）"
        if other and self.last_admitted:
            text += f"；其余{other}个名额已由其排序更靠前的教师获得，最后录取者是其第{self.last_admitted}顺位；"
        else:
            text += "，没有其余名额；" if not other else "；"
        if not self.backbone and not other:
            return text + "您不是骨干教师。"
        return text + you + tie

    def _filled_en(self) -> str:
        you = f"you were its {_ordinal(self.your_position)}."
        tie = " You were tied with them in its ranking; the seeded lottery decided." if self.tied else ""
        plural = "s" if self.seats != 1 else ""
        if not self.reserved:
            return (
                f"its {self.seats} seat{plural} went to candidates it ranked higher; the last admitted "
                f"was its {_ordinal(self.last_admitted)} choice, " + you + tie
            )
        other = self.seats - self.reserve_taken
        text = (
            f"of its {self.seats} seat{plural}, {self.reserved} are reserved for backbone teachers and "
            f"{self.reserve_taken} went to backbone teachers"
        )
        if self.backbone:
            text += f" (the last its {_ordinal(self.last_reserved)} choice)"
        if other and self.last_admitted:
            text += (
                f"; the other {other} went to candidates it ranked higher, the last admitted "
                f"its {_ordinal(self.last_admitted)} choice; "
            )
        else:
            text += "; there are no other seats; " if not other else "; "
        if not self.backbone and not other:
            return text + "you are not a backbone teacher."
        return text + you + tie


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
    backbone = bool(instance.teacher_backbone[teacher])
    for k in range(start, start + cutoff):
        post = int(instance.pref_post[k])
        j = int(instance.pref_school[k])
        rank = k - start + 1
        if instance.has_exclusions and instance.refuses([teacher], [post])[0]:
            reasons.append(Reason(j, rank, "refused"))
            continue
        if instance.has_exclusions and not instance.meets([teacher], [post])[0]:
            reasons.append(Reason(j, rank, "unqualified", missing=tuple(instance.missing(teacher, post))))
            continue
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
        group = dict(zip(ranked.tolist(), instance.rank_group[r0:r1].tolist()))
        reserved = int(instance.post_reserve[post])
        # The post's own choice, seat by seat: its best backbone admitted take the reserved seats.
        on_reserve = [t for t in admitted if instance.teacher_backbone[t]][:reserved]
        others = [t for t in admitted if t not in on_reserve]
        last = others[-1] if others else -1
        last_res = on_reserve[-1] if on_reserve else -1
        closest = [last] + ([last_res] if backbone else [])
        reasons.append(
            Reason(
                j,
                rank,
                "filled",
                seats=capacity,
                last_admitted=place[last] if last >= 0 else 0,
                your_position=place[teacher],
                tied=any(t >= 0 and group[t] == group[teacher] for t in closest),
                reserved=reserved,
                reserve_taken=len(on_reserve),
                last_reserved=place[last_res] if last_res >= 0 else 0,
                backbone=backbone,
            )
        )
    return Explanation(teacher, school, how, cutoff + 1 if school in listed else 0, reasons)
