"""A round's states and what each allows: one table, one guard, one message per refusal.

The round moves preparing → fair_open → fair_closed → matched → assigned → published. Every
service that changes a round asks :func:`require` first; pages and the API ask :func:`allows` to
decide which buttons to show. Nothing else in the product compares states for permission.

A round's ``procedure`` changes some of the steps (the rest are the fair's):

- ``fair`` — the two-way selection fair (双向选择洽谈会), then the administrative assignment.
- ``competition`` — 跨校竞聘 (seed 003 五(三)): under-staffed schools publish posts while
  preparing; while "open" the teachers of over-staffed schools apply; once closed the receiving
  schools enter the assessment scores (``score``), which become their rankings; the run is the
  fair's matching; "assigned" is the bureau's approval (报教育主管部门批准); there is no
  administrative assignment: an applicant who is not appointed stays at their school.
- ``arrangement`` — 教育局统一安排 (seed 003 五(一)1 "由市教育局根据受援学校申报的岗位需要统一安排",
  002 方案1 五 "统筹安排，确定交流人员的服务学校"): no fair; the run goes from the preparation
  straight to the administrative assignment over the declared posts, with the same checks,
  explanations and publication.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from ..core.errors import Refused

STATES = ("preparing", "fair_open", "fair_closed", "matched", "assigned", "published")

#: action -> (states that allow it, the message when refused)
ACTIONS = {
    "edit_policy": (("preparing",), _l("洽谈会开放后年度政策不可再修改。")),
    "edit_lists": (("preparing",), _l("洽谈会已开放，流出名单不能再修改。")),
    "edit_posts": (("preparing",), _l("洽谈会开放后不能再调整名额或岗位。")),
    "open_fair": (("preparing",), _l("只有准备中的年度可以开放洽谈会。")),
    "close_fair": (("fair_open",), _l("洽谈会未开放。")),
    "take_part": (("fair_open",), _l("洽谈会未开放，不能填报或排序。")),
    "preview": (("fair_open", "fair_closed"), _l("只能在洽谈会期间或截止后预览匹配。")),
    "run": (("fair_closed", "matched"), _l("洽谈会截止后才能正式运行匹配。")),
    "assign": (("matched", "assigned"), _l("匹配完成后、公示之前才能调整行政指定。")),
    "confirm_assignment": (("matched",), _l("只有已匹配的年度可以确认行政指定。")),
    "publish": (("assigned",), _l("确认行政指定后才能公示结果。")),
    "correct": (("published",), _l("只有已公示的结果需要更正。")),
    "read_results": (("published",), _l("结果公示后才能查看。")),
    "score": ((), _l("只有跨校竞聘需要录入考核成绩。")),
    "apply": ((), _l("只有跨校竞聘需要报名。")),
}

PROCEDURES = ("fair", "competition", "arrangement")

_NO_FAIR = _l("本年度由教育局根据受援学校申报的岗位统一安排，不举行双向选择洽谈会，无需填报志愿或排序。")

#: procedure -> action -> (states that allow it, the message when refused), where it differs
BY_PROCEDURE = {
    "competition": {
        "edit_lists": ((), _l("跨校竞聘不需要流出名单：超编学校的教师自行报名。")),
        "open_fair": (("preparing",), _l("只有准备中的年度可以开放竞聘报名。")),
        "close_fair": (("fair_open",), _l("竞聘报名未开放。")),
        "take_part": (("fair_open",), _l("竞聘报名未开放或已截止。")),
        "score": (("fair_closed",), _l("竞聘报名截止后、运行匹配前才能录入考核成绩。")),
        "apply": (("preparing", "fair_open"), _l("竞聘报名已截止。")),
        "preview": (("fair_closed",), _l("报名截止后才能预览竞聘结果。")),
        "run": (("fair_closed", "matched"), _l("报名截止、成绩录入后才能运行匹配。")),
        "assign": ((), _l("跨校竞聘不作行政指定：未被聘任的教师留在原校。")),
        "confirm_assignment": (("matched",), _l("只有已匹配的竞聘结果可以批准。")),
        "publish": (("assigned",), _l("教育局批准竞聘结果后才能公示。")),
    },
    "arrangement": {
        "open_fair": ((), _NO_FAIR),
        "close_fair": ((), _NO_FAIR),
        "take_part": ((), _NO_FAIR),
        "preview": (("preparing",), _l("只能在生成安排方案之前预览。")),
        "run": (("preparing", "matched"), _l("统一安排已确认，不能重新生成。")),
        "confirm_assignment": (("matched",), _l("只有已生成的安排方案可以确认。")),
        "publish": (("assigned",), _l("确认安排后才能公示结果。")),
    },
}


def procedure_of(round_) -> str:
    return getattr(round_, "procedure", None) or "fair"


def _rule(round_, action: str):
    return BY_PROCEDURE.get(procedure_of(round_), {}).get(action) or ACTIONS[action]


class RoundStateError(Refused):
    """The round's state does not allow this action."""

    code = "wrong_state"


def allows(round_, action: str) -> bool:
    """Whether the round's state allows ``action`` (a key of :data:`ACTIONS`), in its procedure."""
    return round_.state in _rule(round_, action)[0]


def require(round_, action: str) -> None:
    """Raise :class:`RoundStateError` with the action's message unless the state allows it."""
    if not allows(round_, action):
        raise RoundStateError(str(_rule(round_, action)[1]))
