"""A round's states and what each allows: one table, one guard, one message per refusal.

The round moves preparing → fair_open → fair_closed → matched → assigned → published. Every
service that changes a round asks :func:`require` first; pages and the API ask :func:`allows` to
decide which buttons to show. Nothing else in the product compares states for permission.
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
}


class RoundStateError(Refused):
    """The round's state does not allow this action."""

    code = "wrong_state"


def allows(round_, action: str) -> bool:
    """Whether the round's state allows ``action`` (a key of :data:`ACTIONS`)."""
    return round_.state in ACTIONS[action][0]


def require(round_, action: str) -> None:
    """Raise :class:`RoundStateError` with the action's message unless the state allows it."""
    if not allows(round_, action):
        raise RoundStateError(str(ACTIONS[action][1]))
