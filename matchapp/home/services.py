"""What each role should do next in this year's cycle (the home pages)."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..core.vocab import ROUND_STATE_ORDER
from ..extensions import db
from ..fair.models import PostRanking, PreferenceList
from ..preparation.lists import assess_teacher, outgoing_entry
from ..preparation.models import Outgoing, Post
from ..roster.models import School, Teacher
from ..rounds.models import Round


@dataclass
class Step:
    label: str
    detail: str = ""
    state: str = "todo"  # done | current | todo
    endpoint: str | None = None


def _stage(round_: Round | None) -> int:
    return ROUND_STATE_ORDER.index(round_.state) if round_ else -1


def _mark(steps: list[Step], current: int) -> list[Step]:
    for k, step in enumerate(steps):
        step.state = "done" if k < current else ("current" if k == current else "todo")
    return steps


def bureau_overview(round_: Round | None) -> dict:
    counts = {
        "schools": db.session.scalar(select(func.count(School.id))),
        "teachers": db.session.scalar(select(func.count(Teacher.id))),
    }
    if round_:
        counts["outgoing"] = db.session.scalar(select(func.count(Outgoing.id)).where(Outgoing.round_id == round_.id))
        counts["seats"] = db.session.scalar(
            select(func.coalesce(func.sum(Post.seats), 0)).where(Post.round_id == round_.id)
        )
        counts["lists"] = db.session.scalar(
            select(func.count(PreferenceList.id)).where(
                PreferenceList.round_id == round_.id, PreferenceList.submitted_at.is_not(None)
            )
        )
        counts["rankings"] = db.session.scalar(
            select(func.count(PostRanking.id))
            .join(Post)
            .where(Post.round_id == round_.id, PostRanking.submitted_at.is_not(None))
        )
    steps = [
        Step(_l("设定年度政策与名额"), _l("交流比例、任教年限、年龄与退休限制")),
        Step(_l("洽谈会开放：教师填报志愿、学校排序"), _l("截止前可随时修改")),
        Step(_l("截止并运行匹配"), _l("教师提出的延迟接受算法，结果经稳定性校验")),
        Step(_l("行政指定未匹配教师"), _l("对每项调整记录理由")),
        Step(_l("公示结果并开具介绍信")),
    ]
    return {"counts": counts, "cycle": _mark(steps, max(0, _stage(round_)))}


def school_overview(round_: Round | None, school: School) -> dict:
    counts = {"teachers": db.session.scalar(select(func.count(Teacher.id)).where(Teacher.school_id == school.id))}
    if round_:
        counts["outgoing"] = db.session.scalar(
            select(func.count(Outgoing.id))
            .join(Teacher)
            .where(Outgoing.round_id == round_.id, Teacher.school_id == school.id)
        )
        counts["seats"] = db.session.scalar(
            select(func.coalesce(func.sum(Post.seats), 0)).where(
                Post.round_id == round_.id, Post.school_id == school.id
            )
        )
    steps = [
        Step(_l("确认本校流出名单"), _l("自主申报，不足时由推荐小组投票或按排序规则确定")),
        Step(_l("确认本校接收岗位与条件"), _l("学科、名额、学历、职称、专业称号")),
        Step(_l("洽谈会：为申请本校岗位的教师排序"), _l("可并列，可标记不接受")),
        Step(_l("查看接收与流出结果")),
    ]
    stage = _stage(round_)
    current = 0 if stage <= 0 else (2 if stage == 1 else 3)
    return {"counts": counts, "cycle": _mark(steps, current)}


def teacher_overview(round_: Round | None, teacher: Teacher) -> dict:
    outgoing = eligibility = None
    if round_:
        outgoing = outgoing_entry(round_, teacher)
        eligibility = assess_teacher(teacher, round_)
    steps = [
        Step(_l("查看本人交流资格及理由")),
        Step(_l("填写《教师轮岗交流表》，可自主申报")),
        Step(_l("洽谈会：按真实意愿为学校排序并提交")),
        Step(_l("查看结果与说明")),
    ]
    stage = _stage(round_)
    current = 0 if stage < 0 else (1 if stage == 0 else (2 if stage == 1 else 3))
    return {"outgoing": outgoing, "eligibility": eligibility, "cycle": _mark(steps, current)}
