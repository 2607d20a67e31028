"""Each role's home page is its to-do list for the year: every step links to its page, says
whether it is done, current or not yet, and what is still missing — read from the data, not
only from the round's state."""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import exists, func, select

from ..auth.models import User
from ..core.dates import day, moment
from ..core.vocab import ROUND_STATE_ORDER, subject_label
from ..extensions import db
from ..fair.models import PostRanking, PreferenceEntry, PreferenceList
from ..fair.preferences import receipt_code
from ..preparation.lists import assess_teacher, in_two_way_selection, outgoing_entry
from ..preparation.models import Outgoing, Post, SchoolRound
from ..roster.bureau import bureau_settings, missing_details
from ..roster.models import School, Staffing, Teacher
from ..rounds.models import Round


@dataclass
class Step:
    label: str
    detail: str = ""
    state: str = "todo"  # done | current | todo
    url: str | None = None


def _stage(round_: Round | None) -> int:
    return ROUND_STATE_ORDER.index(round_.state) if round_ else -1


def _first_not_done(steps: list[Step]) -> list[Step]:
    """Steps marked done stay done; the first of the others is the current one."""
    for step in steps:
        if step.state != "done":
            step.state = "current"
            break
    return steps


def bureau_overview(round_: Round | None) -> dict:
    schools = db.session.scalar(select(func.count(School.id))) or 0
    teachers = db.session.scalar(select(func.count(Teacher.id))) or 0
    school_accounts = db.session.scalar(select(func.count(User.id)).where(User.role == "school")) or 0
    counts = {"schools": schools, "teachers": teachers}
    bureau = bureau_settings()
    missing = missing_details(bureau)
    steps = [
        Step(
            _("登记学校名册"),
            _("已登记%(n)s所学校", n=schools) if schools else _("还没有学校：逐所登记或导入学校名册"),
            "done" if schools else "todo",
            url_for("roster.schools"),
        ),
        Step(
            _("导入教师名册"),
            _("在册教师%(n)s人", n=teachers) if teachers else _("还没有教师：下载模板，导入名册"),
            "done" if teachers else "todo",
            url_for("roster.import_file"),
        ),
        Step(
            _("为学校管理员创建账号"),
            _("%(a)s/%(n)s所学校已有管理员账号", a=school_accounts, n=schools),
            "done" if schools and school_accounts >= schools else "todo",
            url_for("accounts.index"),
        ),
        Step(
            _("填写本局信息"),
            _("尚未填写：%(what)s（公示页、介绍信和报到单上要用）", what="、".join(missing))
            if missing
            else _("%(name)s，联系电话%(phone)s", name=bureau.name + bureau.department, phone=bureau.phone),
            "todo" if missing else "done",
            url_for("roster.bureau"),
        ),
        Step(
            _("建立年度并设定政策"),
            round_.name if round_ else _("还没有本年度：建立年度并选择政策预设"),
            "done" if round_ else "todo",
            url_for("rounds.policy", round_id=round_.id) if round_ else url_for("rounds.overview"),
        ),
    ]
    if round_ is not None:
        stage = _stage(round_)
        submitted = (
            db.session.scalar(
                select(func.count(SchoolRound.id)).where(
                    SchoolRound.round_id == round_.id, SchoolRound.outgoing_submitted_at.is_not(None)
                )
            )
            or 0
        )
        posts = db.session.scalar(select(func.count(Post.id)).where(Post.round_id == round_.id, Post.seats > 0)) or 0
        confirmed = (
            db.session.scalar(
                select(func.count(Post.id)).where(Post.round_id == round_.id, Post.seats > 0, Post.confirmed.is_(True))
            )
            or 0
        )
        outgoing = (
            db.session.scalar(
                select(func.count(Outgoing.id)).where(Outgoing.round_id == round_.id, Outgoing.confirmed.is_(True))
            )
            or 0
        )
        lists = (
            db.session.scalar(
                select(func.count(PreferenceList.id)).where(
                    PreferenceList.round_id == round_.id, PreferenceList.submitted_at.is_not(None)
                )
            )
            or 0
        )
        counts.update(
            outgoing=outgoing,
            seats=db.session.scalar(select(func.coalesce(func.sum(Post.seats), 0)).where(Post.round_id == round_.id)),
            lists=lists,
            rankings=db.session.scalar(
                select(func.count(PostRanking.id))
                .join(Post)
                .where(Post.round_id == round_.id, PostRanking.submitted_at.is_not(None))
            ),
        )
        schools_url = url_for("preparation.schools", round_id=round_.id)
        control = url_for("runs.control", round_id=round_.id)
        steps += [
            Step(
                _("各校报送流出名单"),
                _("%(a)s/%(n)s所学校已报送，确定流出%(o)s人", a=submitted, n=schools, o=outgoing),
                "done" if stage >= 1 else "todo",
                schools_url,
            ),
            Step(
                _("生成并确认接收岗位"),
                _("%(c)s/%(n)s个岗位已由学校确认", c=confirmed, n=posts) if posts else _("尚未生成接收名额"),
                "done" if stage >= 1 else "todo",
                schools_url,
            ),
            Step(
                _("洽谈会：教师填报、学校排序"),
                (
                    _(
                        "截止：%(t)s；已提交志愿%(l)s/%(o)s份",
                        t=moment(round_.fair_closes_at),
                        l=lists,
                        o=outgoing,
                    )
                    if round_.fair_closes_at
                    else _("已提交志愿%(l)s/%(o)s份", l=lists, o=outgoing)
                ),
                "done" if stage >= 2 else "todo",
                control,
            ),
            Step(
                _("截止并运行匹配"),
                _("教师提出的延迟接受算法，结果经稳定性校验"),
                "done" if stage >= 3 else "todo",
                control,
            ),
            Step(
                _("行政指定未匹配教师"),
                _("每项调整须写明理由"),
                "done" if stage >= 4 else "todo",
                url_for("results.results", round_id=round_.id) if stage >= 3 else control,
            ),
            Step(
                _("公示结果并开具介绍信"),
                _("已于%(t)s公示；打印公示、介绍信和报到单", t=day(round_.published_at))
                if round_.published_at
                else _("公示前核对清单，设定公示期"),
                "done" if stage >= 5 else "todo",
                control,
            ),
        ]
        if round_.procedure != "fair":
            steps = steps[:4] + _bureau_procedure_steps(round_, stage, counts)
    return {"counts": counts, "cycle": _first_not_done(steps)}


def _bureau_procedure_steps(round_: Round, stage: int, counts: dict) -> list[Step]:
    """The bureau's steps of a round that is not a fair (rounds/states.py)."""
    control = url_for("runs.control", round_id=round_.id)
    results = url_for("results.results", round_id=round_.id) if stage >= 3 else control
    notice = url_for("results.notice", round_id=round_.id) if stage >= 5 else control
    published = _("已于%(t)s公示", t=day(round_.published_at)) if round_.published_at else ""
    if round_.procedure == "arrangement":
        schools_url = url_for("preparation.schools", round_id=round_.id)
        return [
            Step(
                _("各校报送流出名单"),
                _("确定流出%(o)s人", o=counts["outgoing"]),
                "done" if stage >= 3 else "todo",
                schools_url,
            ),
            Step(
                _("各校申报接收岗位"),
                _("共%(n)s个名额", n=counts["seats"]) if counts["seats"] else _("尚未生成接收名额"),
                "done" if stage >= 3 else "todo",
                schools_url,
            ),
            Step(
                _("生成统一安排方案"),
                _("不举行洽谈会：按行政指定的规则安排全部流出教师"),
                "done" if stage >= 3 else "todo",
                control,
            ),
            Step(_("调整并确认安排"), _("每项调整须写明理由"), "done" if stage >= 4 else "todo", results),
            Step(_("公示结果并开具介绍信"), published, "done" if stage >= 5 else "todo", notice),
        ]
    staffing = db.session.scalar(select(func.count(Staffing.id))) or 0
    entries = db.session.scalars(
        select(Outgoing).where(Outgoing.round_id == round_.id, Outgoing.how == "competition")
    ).all()
    return [
        Step(
            _("登记各校分学科编制（超编、缺编）"),
            _("已登记%(n)s条", n=staffing) if staffing else _("尚未登记：导入分学科编制"),
            "done" if staffing else "todo",
            url_for("roster.import_file", kind="staffing"),
        ),
        Step(
            _("缺编学校发布竞聘岗位"),
            _("共%(n)s个岗位名额", n=counts["seats"]) if counts["seats"] else _("尚无学校发布岗位"),
            "done" if stage >= 1 else "todo",
            control,
        ),
        Step(
            _("开放报名：超编学校教师申请、本校同意，填报竞聘意愿"),
            _(
                "%(a)s份申请，已同意%(c)s份；已提交竞聘意愿%(l)s份",
                a=len(entries),
                c=sum(e.confirmed for e in entries),
                l=counts["lists"],
            ),
            "done" if stage >= 2 else "todo",
            control,
        ),
        Step(
            _("缺编学校考核（说课或试讲、面试）并提交成绩"),
            _("%(n)s个岗位已提交成绩", n=counts["rankings"]),
            "done" if stage >= 3 else "todo",
            control,
        ),
        Step(
            _("运行匹配"),
            _("按考核成绩排序，教师提出的延迟接受算法，结果经稳定性校验"),
            "done" if stage >= 3 else "todo",
            control,
        ),
        Step(
            _("批准竞聘结果"),
            _("报教育主管部门批准（未被聘任的教师留在原校）"),
            "done" if stage >= 4 else "todo",
            results,
        ),
        Step(_("公示结果并开具介绍信"), published, "done" if stage >= 5 else "todo", notice),
    ]


def school_overview(round_: Round | None, school: School) -> dict:
    counts = {"teachers": db.session.scalar(select(func.count(Teacher.id)).where(Teacher.school_id == school.id))}
    steps: list[Step] = []
    waiting = (
        db.session.scalar(
            select(func.count(User.id))
            .join(Teacher, Teacher.id == User.teacher_id)
            .where(Teacher.school_id == school.id, User.must_change_password.is_(True), User.slip_issued_at.is_(None))
        )
        or 0
    )
    if round_ is not None:
        stage = _stage(round_)
        status = db.session.scalar(
            select(SchoolRound).where(SchoolRound.round_id == round_.id, SchoolRound.school_id == school.id)
        )
        posts = db.session.scalars(
            select(Post).where(Post.round_id == round_.id, Post.school_id == school.id, Post.seats > 0)
        ).all()
        unconfirmed = [p for p in posts if not p.confirmed]
        counts["outgoing"] = db.session.scalar(
            select(func.count(Outgoing.id))
            .join(Teacher)
            .where(Outgoing.round_id == round_.id, Teacher.school_id == school.id, Outgoing.confirmed.is_(True))
        )
        counts["seats"] = sum(p.seats for p in posts)
        prep = url_for("preparation.school", round_id=round_.id, school_id=school.id)
        published = status.eligibility_published_at if status else None
        submitted = status.outgoing_submitted_at if status else None
        steps += [
            Step(
                _("公示本校应交流对象名单"),
                _("已于%(t)s公示", t=day(published)) if published else _("尚未公示"),
                "done" if published or stage >= 1 else "todo",
                prep,
            ),
            Step(
                _("确定并报送流出名单"),
                _(
                    "已报送（%(t)s），确定流出%(n)s人",
                    t=moment(submitted),
                    n=counts["outgoing"],
                )
                if submitted
                else _("尚未报送：确定名单后报送教育局"),
                "done" if submitted or stage >= 1 else "todo",
                prep,
            ),
            Step(
                _("确认接收岗位与条件"),
                _("%(n)s个岗位待确认", n=len(unconfirmed))
                if unconfirmed
                else (_("%(n)s个岗位已确认", n=len(posts)) if posts else _("本校本年度没有接收岗位")),
                "done" if not unconfirmed or stage >= 1 else "todo",
                prep,
            ),
        ]
    steps.append(
        Step(
            _("发放教师账号的初始密码条"),
            _("%(n)s名教师的初始密码条待发放", n=waiting) if waiting else _("没有待发放的初始密码条"),
            "done" if not waiting else "todo",
            url_for("accounts.school", school_id=school.id),
        )
    )
    if round_ is not None:
        stage = _stage(round_)
        # posts someone has applied to whose ranking is not submitted (none, or a draft): one query
        unranked = (
            db.session.scalar(
                select(func.count(Post.id))
                .outerjoin(PostRanking, PostRanking.post_id == Post.id)
                .where(
                    Post.round_id == round_.id,
                    Post.school_id == school.id,
                    Post.seats > 0,
                    PostRanking.submitted_at.is_(None),
                    exists().where(PreferenceEntry.post_id == Post.id, PreferenceEntry.stage == "submitted"),
                )
            )
            or 0
        )
        steps += [
            Step(
                _("洽谈会：为申请本校岗位的教师排序"),
                _("洽谈会尚未开放")
                if stage < 1
                else (
                    (_("%(n)s个岗位的排序尚未提交", n=unranked) if unranked else _("各岗位的排序均已提交"))
                    if stage == 1
                    else (
                        _("洽谈会已截止；%(n)s个岗位的排序未提交，其申请者按同一档次处理", n=unranked)
                        if unranked
                        else _("洽谈会已截止，各岗位的排序均已提交")
                    )
                ),
                "done" if stage >= 2 else "todo",
                url_for("fair.school_posts", round_id=round_.id, school_id=school.id),
            ),
            Step(
                _("查看接收与流出结果，打印介绍信和报到单"),
                _("结果已公示：查看本校接收和流出的教师，打印介绍信和报到单") if stage >= 5 else _("公示后可查看"),
                "todo",
                url_for("results.school_results", round_id=round_.id, school_id=school.id) if stage >= 5 else None,
            ),
        ]
    if round_ is not None and round_.procedure == "competition":
        steps = _school_competition_steps(round_, school) + [
            s for s in steps if s.label == _("发放教师账号的初始密码条")
        ]
    elif round_ is not None and round_.procedure == "arrangement":
        steps = [s for s in steps if s.label != _("洽谈会：为申请本校岗位的教师排序")]
    return {"counts": counts, "cycle": _first_not_done(steps)}


def _school_competition_steps(round_: Round, school: School) -> list[Step]:
    """A school's steps in a 跨校竞聘: as a receiving school (缺编) and as a sending one (超编)."""
    stage = _stage(round_)
    page = url_for("procedures.school", round_id=round_.id, school_id=school.id)
    short = {s.subject for s in school.staffing if s.balance < 0}
    surplus = {s.subject for s in school.staffing if s.balance > 0}
    posts = db.session.scalars(
        select(Post).where(Post.round_id == round_.id, Post.school_id == school.id, Post.seats > 0)
    ).all()
    pending = (
        db.session.scalar(
            select(func.count(Outgoing.id))
            .join(Teacher)
            .where(
                Outgoing.round_id == round_.id,
                Outgoing.how == "competition",
                Outgoing.confirmed.is_(False),
                Teacher.school_id == school.id,
            )
        )
        or 0
    )
    unscored = [
        p
        for p in posts
        if not db.session.scalar(
            select(PostRanking.id).where(PostRanking.post_id == p.id, PostRanking.submitted_at.is_not(None))
        )
    ]
    steps = []
    if short or posts:
        steps += [
            Step(
                _("发布竞聘岗位（缺编学科）"),
                _("已发布%(n)s个岗位", n=len(posts))
                if posts
                else _("本校缺编学科：%(s)s", s="、".join(sorted(map(subject_label, short)))),
                "done" if posts and stage >= 1 else "todo",
                page,
            ),
            Step(
                _("报名截止后考核评分并提交成绩"),
                _("报名截止后进行")
                if stage < 2
                else (_("%(n)s个岗位的成绩尚未提交", n=len(unscored)) if unscored else _("各岗位成绩均已提交")),
                "done" if stage >= 3 or (stage == 2 and posts and not unscored) else "todo",
                page,
            ),
        ]
    if surplus:
        steps.append(
            Step(
                _("同意本校教师的竞聘申请（超编学科）"),
                _("%(n)s份申请待同意", n=pending) if pending else _("没有待同意的申请"),
                "done" if not pending or stage >= 2 else "todo",
                page + "#applications",
            )
        )
    if not steps:
        steps.append(Step(_("本校既不缺编也不超编，不参加本年度跨校竞聘"), "", "done", page))
    steps.append(
        Step(
            _("查看竞聘结果"),
            _("结果已公示") if stage >= 5 else _("公示后可查看"),
            "todo",
            url_for("results.school_results", round_id=round_.id, school_id=school.id) if stage >= 5 else None,
        )
    )
    return steps


def teacher_overview(round_: Round | None, teacher: Teacher) -> dict:
    outgoing = eligibility = plist = None
    headline, action = _("本年度轮岗工作尚未开始。"), None
    steps = [Step(_("查看本人档案与交流资格"), "", "done", url_for("roster.me"))]
    if round_ is not None:
        stage = _stage(round_)
        outgoing = outgoing_entry(round_, teacher)
        eligibility = assess_teacher(teacher, round_)
        plist = db.session.scalar(
            select(PreferenceList).where(PreferenceList.round_id == round_.id, PreferenceList.teacher_id == teacher.id)
        )
        on_list = outgoing is not None and outgoing.confirmed
        steps.append(
            Step(
                _("本年度流出名单"),
                _("您在本年度流出名单中")
                if on_list
                else (
                    _("已自主申报，待学校确认")
                    if outgoing and stage == 0
                    else (
                        _("您不在本年度流出名单中；如有意交流，可在学校确认名单前自主申报")
                        if stage == 0
                        else _("您不在本年度流出名单中")
                    )
                ),
                "done" if on_list or stage >= 1 else "todo",
                url_for("home.index"),
            )
        )
        submitted = plist is not None and plist.submitted_at is not None
        leader = on_list and not in_two_way_selection(teacher)
        if leader:
            steps.append(
                Step(
                    _("校级领导：由教育局按干部任用规定安排"),
                    _("校级领导不参加双向选择，无需填报志愿；去向由教育局统筹安排并公示"),
                    "done" if stage >= 2 else "todo",
                    None,
                )
            )
        elif on_list or stage == 0:
            if stage == 0:
                detail = (
                    _("洽谈会将于%(t)s开放", t=moment(round_.fair_opens_at))
                    if round_.fair_opens_at
                    else _("洽谈会开放后，按真实意愿为学校排序")
                )
            elif submitted and plist is not None:
                detail = _("已提交（回执号 %(c)s）", c=receipt_code(plist))
            elif stage == 1:
                detail = (
                    _("尚未提交；截止：%(t)s", t=moment(round_.fair_closes_at))
                    if round_.fair_closes_at
                    else _("尚未提交")
                )
            else:
                detail = _("洽谈会已截止，您没有提交志愿")
            steps.append(
                Step(
                    _("洽谈会：按真实意愿为学校排序并提交"),
                    detail,
                    "done" if submitted or stage >= 2 else "todo",
                    url_for("fair.preferences", round_id=round_.id) if on_list and stage >= 1 else None,
                )
            )
        steps.append(
            Step(
                _("查看我的结果"),
                (_("结果已公示") if on_list else _("结果已公示：您本年度不参加交流"))
                if stage >= 5
                else _("结果公示后可查看"),
                "todo",
                url_for("results.my_result", round_id=round_.id) if stage >= 5 and on_list else None,
            )
        )
        headline, action = _teacher_headline(round_, stage, on_list, outgoing is not None, submitted, plist)
        if round_.procedure != "fair":
            steps = _teacher_procedure_steps(round_, teacher, steps, outgoing, plist)
            headline, action = _procedure_headline(round_, stage, on_list, outgoing, plist) or (headline, action)
    return {
        "outgoing": outgoing,
        "eligibility": eligibility,
        "cycle": _first_not_done(steps),
        "headline": headline,
        "action": action,
    }


def _teacher_headline(
    round_: Round, stage: int, on_list: bool, applied: bool, submitted: bool, plist: PreferenceList | None
) -> tuple[str, tuple[str, str] | None]:
    """What the teacher's home page says first, and the one button it offers, in this state."""
    if not on_list:
        if stage == 0:
            if applied:
                return _("您已申报，待学校确认流出名单。"), None
            return _("您目前不在本年度流出名单中。如有意交流，可在学校确认名单前自主申报。"), None
        return _("您不在本年度流出名单中，本年度无需填报志愿。"), None
    if stage == 0:
        return (
            _(
                "您在本年度流出名单中。洽谈会开放后，请按您真实的意愿为学校排序：在本系统使用的算法下，如实填报始终是对您最有利的做法。"
            ),
            None,
        )
    preferences = url_for("fair.preferences", round_id=round_.id)
    if stage == 1:
        if submitted and plist is not None:
            return (
                _("您的志愿已提交（回执号 %(c)s）。截止前仍可修改，修改后须重新提交。", c=receipt_code(plist)),
                (_("查看或修改志愿"), preferences),
            )
        closes = moment(round_.fair_closes_at) if round_.fair_closes_at else ""
        return (
            _("洽谈会正在进行：请在%(t)s前按真实意愿为学校排序并提交。", t=closes)
            if closes
            else _("洽谈会正在进行：请按真实意愿为学校排序并提交。"),
            (_("填报志愿"), preferences),
        )
    if stage < 5:
        return (
            _("洽谈会已截止，您的志愿已提交。结果公示后将在这里通知您。")
            if submitted
            else _("洽谈会已截止，您没有提交志愿，将由教育局行政指定。结果公示后将在这里通知您。"),
            None,
        )
    return _("结果已公示。"), (_("查看我的结果"), url_for("results.my_result", round_id=round_.id))


def _procedure_headline(
    round_: Round, stage: int, on_list: bool, outgoing, plist: PreferenceList | None
) -> tuple[str, tuple[str, str] | None] | None:
    """The first words of a teacher's home page in a round that is not a fair (None: as a fair's)."""
    if stage >= 5:
        return None  # published: the results, whatever the procedure
    if round_.procedure == "arrangement":
        if on_list:
            return _(
                "您在本年度流出名单中。本年度不举行洽谈会，由教育局统一安排交流学校，结果公示后将在这里通知您。"
            ), None
        return None
    apply_url = url_for("procedures.teacher_apply", round_id=round_.id)
    if outgoing is None:
        return _("本年度为跨校竞聘：超编学科、参加工作满3年的教师可以申请竞聘缺编学校的岗位。"), (
            _("申请跨校竞聘"),
            apply_url,
        )
    if not outgoing.confirmed:
        return _("您已申请跨校竞聘，待本校同意。"), None
    if plist is not None and plist.submitted_at:
        return _("您的竞聘意愿已提交（回执号 %(c)s）。请留意各校考核通知。", c=receipt_code(plist)), None
    if stage >= 1:
        return _("本校已同意您参加跨校竞聘：请填报想去的缺编学校岗位。"), (
            _("填报竞聘意愿"),
            url_for("fair.preferences", round_id=round_.id),
        )
    return _("本校已同意您参加跨校竞聘；报名开始后填报想去的缺编学校岗位。"), None


def _teacher_procedure_steps(round_: Round, teacher: Teacher, steps: list[Step], outgoing, plist) -> list[Step]:
    """A teacher's steps when the round is not a fair."""
    stage = _stage(round_)
    first, last = steps[0], steps[-1]
    if round_.procedure == "arrangement":
        on_list = outgoing is not None and outgoing.confirmed
        middle = [s for s in steps[1:-1] if s.label == _("本年度流出名单")]
        if on_list:
            middle.append(
                Step(
                    _("由教育局统一安排交流学校"),
                    _("本年度不举行洽谈会，无需填报志愿"),
                    "done" if stage >= 3 else "todo",
                    None,
                )
            )
        return [first, *middle, last]
    apply_url = url_for("procedures.teacher_apply", round_id=round_.id)
    approved = outgoing is not None and outgoing.confirmed
    detail = (
        _("学校已同意")
        if approved
        else (_("已申请，待学校同意") if outgoing is not None else _("超编学科、参加工作满3年的教师可以申请"))
    )
    middle = [Step(_("向本校提出跨校竞聘申请"), detail, "done" if approved or stage >= 2 else "todo", apply_url)]
    if approved:
        submitted = plist is not None and plist.submitted_at
        middle.append(
            Step(
                _("填报竞聘意愿（想去的缺编学校岗位）"),
                _("已提交（回执号 %(c)s）", c=receipt_code(plist)) if submitted else _("报名期间填报"),
                "done" if submitted or stage >= 2 else "todo",
                url_for("fair.preferences", round_id=round_.id) if stage >= 1 else None,
            )
        )
        middle.append(
            Step(_("参加缺编学校的考核（说课或试讲、面试）"), _("由各校通知"), "done" if stage >= 3 else "todo", None)
        )
    last = Step(
        _("查看竞聘结果"),
        last.detail,
        "todo",
        url_for("results.my_result", round_id=round_.id) if stage >= 5 and approved else None,
    )
    return [first, *middle, last]
