"""Pages of the fair: teachers rank schools, schools rank candidates, the bureau runs and publishes."""

from __future__ import annotations

import datetime as dt
import io
import json

from flask import Response, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from ..core.access import require_school_access, role_required
from ..core.jobs import enqueue
from ..core.spreadsheet import workbook_bytes
from ..core.vocab import SUBJECTS, TIERS
from ..extensions import db
from ..roster.models import School, Teacher
from ..rounds.forms import ActionForm
from ..rounds.models import Post, Round
from . import bp
from .models import Placement, Run
from .services import (
    FairError,
    StaleRanking,
    applicant_counts,
    candidates,
    change_assignment,
    check_assignment,
    close_fair,
    confirm_assignment,
    explanation_for,
    fair_is_open,
    final_run,
    groups_of,
    ids_of,
    is_participant,
    open_fair,
    post_ranking,
    posts_for,
    preference_list,
    publish,
    receipt_code,
    result_figures,
    save_preferences,
    save_ranking,
    sync_state,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _round(round_id: int) -> Round:
    round_ = db.get_or_404(Round, round_id)
    if round_.state == "fair_open" and not fair_is_open(round_):
        sync_state(round_)
        db.session.commit()
    return round_


# -- teachers -------------------------------------------------------------------------------


@bp.route("/<int:round_id>/preferences", methods=["GET", "POST"])
@role_required("teacher")
def preferences(round_id: int):
    round_ = _round(round_id)
    teacher = current_user.teacher
    if not is_participant(round_, teacher):
        flash(_("您不在本年度流出名单中，无需填报志愿。"), "info")
        return redirect(url_for("core.home"))
    form = ActionForm()
    posts = posts_for(round_, teacher)
    if form.validate_on_submit():
        chosen: list[tuple[int, int]] = []
        bad = []
        for post in posts:
            text = request.form.get(f"rank-{post.school_id}", "").strip()
            if not text:
                continue
            if not text.isdigit() or not 1 <= int(text) <= len(posts):
                bad.append(post.school.name)
                continue
            chosen.append((int(text), post.school_id))
        numbers = [n for n, _ in chosen]
        if bad:
            flash(_("志愿序号应为1到%(n)s之间的整数：%(schools)s", n=len(posts), schools="、".join(bad)), "error")
        elif len(set(numbers)) != len(numbers):
            dup = sorted({n for n in numbers if numbers.count(n) > 1})
            flash(_("志愿序号%(d)s重复，每个序号只能用一次。", d="、".join(map(str, dup))), "error")
        else:
            order = [school_id for _n, school_id in sorted(chosen)]
            submit = "submit" in request.form
            try:
                plist = save_preferences(round_, teacher, order, submit=submit)
            except FairError as error:
                db.session.rollback()
                flash(str(error), "error")
            else:
                db.session.commit()
                if submit:
                    flash(
                        _("志愿已提交（回执号 %(code)s）。截止前仍可修改并重新提交。", code=receipt_code(plist)),
                        "success",
                    )
                else:
                    flash(_("草稿已保存，尚未提交。"), "info")
                return redirect(url_for("fair.preferences", round_id=round_.id))
    plist = preference_list(round_, teacher)
    saved = ids_of(plist.school_ids) if plist else []
    submitted = ids_of(plist.submitted_school_ids) if plist else []
    rank_of = {school_id: k + 1 for k, school_id in enumerate(saved)}
    if request.method == "POST":  # keep what the teacher typed when the form is refused
        rank_of = {p.school_id: request.form.get(f"rank-{p.school_id}", "") for p in posts}
    schools = {p.school_id: p.school for p in posts}
    return render_template(
        "fair/preferences.html",
        round=round_,
        teacher=teacher,
        posts=posts,
        form=form,
        rank_of=rank_of,
        plist=plist,
        submitted=[schools.get(s) for s in submitted if s in schools],
        receipt=receipt_code(plist) if plist and plist.submitted_at else None,
        counts=applicant_counts(round_),
        open=fair_is_open(round_),
        draft_differs=plist is not None and plist.school_ids != (plist.submitted_school_ids or ""),
    )


@bp.route("/<int:round_id>/my-result")
@role_required("teacher")
def my_result(round_id: int):
    round_ = _round(round_id)
    if round_.state != "published":
        flash(_("结果公示后才能查看。"), "info")
        return redirect(url_for("core.home"))
    run = final_run(round_)
    teacher = current_user.teacher
    placement = db.session.scalar(
        select(Placement).where(Placement.run_id == run.id, Placement.teacher_id == teacher.id)
    )
    if placement is None:
        abort(404)
    lines = explanation_for(run, teacher, "zh" if request.args.get("lang") != "en" else "en")
    school = db.session.get(School, placement.school_id) if placement.school_id else None
    return render_template(
        "fair/my_result.html", round=round_, teacher=teacher, placement=placement, school=school, lines=lines
    )


# -- schools --------------------------------------------------------------------------------


@bp.route("/<int:round_id>/schools/<int:school_id>")
@role_required("bureau", "school")
def school_posts(round_id: int, school_id: int):
    require_school_access(school_id)
    round_, school = _round(round_id), db.get_or_404(School, school_id)
    posts = db.session.scalars(
        select(Post)
        .where(Post.round_id == round_.id, Post.school_id == school.id, Post.seats > 0)
        .order_by(Post.subject)
    ).all()
    rows = [{"post": p, "candidates": len(candidates(p)), "ranking": post_ranking(p)} for p in posts]
    results = None
    if round_.state == "published":
        run = final_run(round_)
        incoming = db.session.scalars(
            select(Placement).where(Placement.run_id == run.id, Placement.school_id == school.id)
        ).all()
        outgoing = db.session.scalars(
            select(Placement)
            .join(Teacher, Teacher.id == Placement.teacher_id)
            .where(Placement.run_id == run.id, Teacher.school_id == school.id)
        ).all()
        results = {
            "incoming": incoming,
            "outgoing": outgoing,
            "teachers": {
                t.id: t
                for t in db.session.scalars(
                    select(Teacher).where(Teacher.id.in_([p.teacher_id for p in incoming + outgoing]))
                )
            },
            "schools": {s.id: s for s in db.session.scalars(select(School))},
        }
    return render_template(
        "fair/school.html", round=round_, school=school, rows=rows, results=results, open=fair_is_open(round_)
    )


@bp.route("/<int:round_id>/posts/<int:post_id>/ranking", methods=["GET", "POST"])
@role_required("bureau", "school")
def ranking(round_id: int, post_id: int):
    round_ = _round(round_id)
    post = db.get_or_404(Post, post_id)
    if post.round_id != round_.id:
        abort(404)
    require_school_access(post.school_id)
    form = ActionForm()
    people = candidates(post)
    existing = post_ranking(post)
    if form.validate_on_submit():
        groups, unacceptable, bad = {}, set(), []
        for t in people:
            if request.form.get(f"reject-{t.id}"):
                unacceptable.add(t.id)
                continue
            text = request.form.get(f"band-{t.id}", "").strip()
            if not text:
                continue
            if not text.isdigit():
                bad.append(t.name)
                continue
            groups[t.id] = int(text)
        version = request.form.get("version", type=int)
        submit = "submit" in request.form
        if bad:
            flash(_("排序档次应为正整数：%(names)s", names="、".join(bad)), "error")
        else:
            try:
                save_ranking(post, groups, unacceptable, version, submit=submit)
                db.session.commit()
            except (StaleRanking, StaleDataError) as error:
                db.session.rollback()
                message = (
                    str(error)
                    if isinstance(error, StaleRanking)
                    else _("该岗位的排序刚被其他管理员修改，请刷新页面后重新排序，您的修改未保存。")
                )
                flash(message, "error")
                return redirect(url_for("fair.ranking", round_id=round_.id, post_id=post.id))
            except FairError as error:
                db.session.rollback()
                flash(str(error), "error")
            else:
                flash(_("排序已提交。") if submit else _("排序已保存为草稿。"), "success")
                return redirect(url_for("fair.ranking", round_id=round_.id, post_id=post.id))
    band_of: dict[int, int] = {}
    rejected = set(ids_of(existing.unacceptable)) if existing else set()
    if existing:
        for k, group in enumerate(groups_of(existing.groups)):
            for tid in group:
                band_of[tid] = k + 1
    from ..core.clock import local_today
    from ..rounds.preparation import full_years

    years_here = {t.id: full_years(t.started_at_school, local_today()) for t in people}
    return render_template(
        "fair/ranking.html",
        round=round_,
        post=post,
        people=people,
        form=form,
        band_of=band_of,
        rejected=rejected,
        ranking=existing,
        open=fair_is_open(round_),
        years_here=years_here,
    )


# -- the bureau -----------------------------------------------------------------------------


@bp.route("/<int:round_id>/")
@role_required("bureau")
def control(round_id: int):
    round_ = _round(round_id)
    runs = db.session.scalars(select(Run).where(Run.round_id == round_.id).order_by(Run.id.desc()).limit(20)).all()
    # The closing time is entered and shown in Beijing time (UTC+8); the server stores UTC.
    beijing_tomorrow = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=8 + 24)).date()
    default_close = f"{beijing_tomorrow.isoformat()}T17:00"
    return render_template(
        "fair/control.html",
        round=round_,
        runs=runs,
        form=ActionForm(),
        open=fair_is_open(round_),
        default_close=default_close,
    )


def _act(round_id: int, action):
    round_ = _round(round_id)
    if not ActionForm().validate_on_submit():
        return redirect(url_for("fair.control", round_id=round_id))
    try:
        message = action(round_)
    except FairError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("fair.control", round_id=round_id))
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("fair.control", round_id=round_id))


@bp.route("/<int:round_id>/open", methods=["POST"])
@role_required("bureau")
def fair_open(round_id: int):
    def action(round_):
        text = request.form.get("closes_at", "").strip()
        closes = None
        if text:
            try:
                local = dt.datetime.fromisoformat(text)
            except ValueError:
                raise FairError(_("截止时间格式不对。")) from None
            closes = local - dt.timedelta(hours=8)  # entered in Beijing time, stored in UTC
        open_fair(round_, closes)
        return _("洽谈会已开放。")

    return _act(round_id, action)


@bp.route("/<int:round_id>/close", methods=["POST"])
@role_required("bureau")
def fair_close(round_id: int):
    return _act(round_id, lambda r: (close_fair(r), _("洽谈会已截止。"))[1])


@bp.route("/<int:round_id>/run", methods=["POST"])
@role_required("bureau")
def fair_run(round_id: int):
    """Start a run in the background (a province-size run must not block a web worker)."""
    round_ = _round(round_id)
    preview = bool(request.form.get("preview"))
    if not ActionForm().validate_on_submit():
        return redirect(url_for("fair.control", round_id=round_id))
    allowed = ("fair_open", "fair_closed") if preview else ("fair_closed", "matched")
    if round_.state not in allowed:
        flash(_("只能在洽谈会期间或截止后预览匹配。") if preview else _("洽谈会截止后才能正式运行匹配。"), "error")
        return redirect(url_for("fair.control", round_id=round_id))
    job = enqueue("run_fair", {"round_id": round_.id, "preview": preview, "user_id": current_user.id}, current_user.id)
    return redirect(url_for("core.job", job_id=job.id))


@bp.route("/<int:round_id>/confirm", methods=["POST"])
@role_required("bureau")
def fair_confirm(round_id: int):
    return _act(round_id, lambda r: (confirm_assignment(r), _("行政指定已确认。"))[1])


@bp.route("/<int:round_id>/publish", methods=["POST"])
@role_required("bureau")
def fair_publish(round_id: int):
    return _act(round_id, lambda r: (publish(r), _("结果已公示，交流经历已记入教师档案。"))[1])


@bp.route("/runs/<int:run_id>/<kind>.json")
@role_required("bureau")
def run_file(run_id: int, kind: str):
    run = db.get_or_404(Run, run_id)
    if kind not in ("instance", "result"):
        abort(404)
    text = run.instance_json if kind == "instance" else run.result_json
    return Response(
        text,
        mimetype="application/json",
        headers={"Content-Disposition": f"attachment; filename=run-{run.id}-{kind}.json"},
    )


@bp.route("/<int:round_id>/results")
@role_required("bureau")
def results(round_id: int):
    round_ = _round(round_id)
    run = final_run(round_)
    if run is None:
        flash(_("尚未运行正式匹配。"), "info")
        return redirect(url_for("fair.control", round_id=round_id))
    placements = db.session.scalars(select(Placement).where(Placement.run_id == run.id)).all()
    teachers = {
        t.id: t for t in db.session.scalars(select(Teacher).where(Teacher.id.in_([p.teacher_id for p in placements])))
    }
    schools = {s.id: s for s in db.session.scalars(select(School).order_by(School.code))}
    figures = result_figures(run)
    chart = {
        "labels": [_("第%(k)s志愿", k=k + 1) for k in range(len(figures["histogram"]))],
        "values": figures["histogram"],
        "title": _("录取志愿分布"),
        "flows": {
            "labels": [str(TIERS[a]) for a in figures["tiers"]],
            "series": [
                {
                    "label": _("到%(t)s学校", t=str(TIERS[b])),
                    "values": [figures["tier_flow"][a][b] for a in figures["tiers"]],
                }
                for b in figures["tiers"]
            ],
        },
    }
    order = {"unplaced": 0, "assigned": 1, "matched": 2}
    placements.sort(key=lambda p: (order[p.how], teachers[p.teacher_id].subject, teachers[p.teacher_id].staff_no))
    return render_template(
        "fair/results.html",
        round=round_,
        run=run,
        placements=placements,
        teachers=teachers,
        schools=schools,
        figures=figures,
        chart=json.dumps(chart, ensure_ascii=False),
        form=ActionForm(),
    )


@bp.route("/<int:round_id>/assign/<int:teacher_id>", methods=["POST"])
@role_required("bureau")
def assign(round_id: int, teacher_id: int):
    round_ = _round(round_id)
    run = final_run(round_)
    teacher = db.get_or_404(Teacher, teacher_id)
    school = db.session.get(School, request.form.get("school_id", type=int) or 0)
    if run is None or school is None or not ActionForm().validate_on_submit():
        flash(_("请选择学校。"), "error")
        return redirect(url_for("fair.results", round_id=round_id))
    try:
        check = change_assignment(run, teacher, school, request.form.get("reason", ""))
    except FairError as error:
        db.session.rollback()
        flash(_("未调整%(name)s：%(why)s", name=teacher.name, why=str(error)), "error")
        return redirect(url_for("fair.results", round_id=round_id) + f"#t{teacher.id}")
    db.session.commit()
    flash(_("已将%(name)s指定到%(school)s。", name=teacher.name, school=school.name), "success")
    for warning in check.warnings:
        flash(_("注意：%(w)s", w=warning), "info")
    return redirect(url_for("fair.results", round_id=round_id) + f"#t{teacher.id}")


@bp.route("/<int:round_id>/assign/<int:teacher_id>/check")
@role_required("bureau")
def assign_check(round_id: int, teacher_id: int):
    """What a change would break or bend (for the page, before saving)."""
    run = final_run(_round(round_id))
    teacher = db.get_or_404(Teacher, teacher_id)
    school = db.get_or_404(School, request.args.get("school_id", type=int) or 0)
    if run is None:
        abort(404)
    check = check_assignment(run, teacher, school)
    return {"refusals": check.refusals, "warnings": check.warnings}


@bp.route("/<int:round_id>/results.xlsx")
@role_required("bureau")
def results_xlsx(round_id: int):
    round_ = _round(round_id)
    run = final_run(round_)
    if run is None:
        abort(404)
    placements = db.session.scalars(select(Placement).where(Placement.run_id == run.id)).all()
    teachers = {
        t.id: t for t in db.session.scalars(select(Teacher).where(Teacher.id.in_([p.teacher_id for p in placements])))
    }
    schools = {s.id: s for s in db.session.scalars(select(School))}
    how = {"matched": "双向选择", "assigned": "行政指定", "unplaced": "未安排"}
    rows = [["工号", "姓名", "学科", "原学校", "原学校类别", "交流学校", "交流学校类别", "方式", "志愿", "调整理由"]]
    for p in sorted(placements, key=lambda p: teachers[p.teacher_id].staff_no):
        t = teachers[p.teacher_id]
        dst = schools.get(p.school_id)
        rows.append(
            [
                t.staff_no,
                t.name,
                str(SUBJECTS.get(t.subject, t.subject)),
                schools[t.school_id].name,
                str(TIERS[schools[t.school_id].tier]),
                dst.name if dst else "",
                str(TIERS[dst.tier]) if dst else "",
                how[p.how],
                p.preference_rank or "",
                p.reason,
            ]
        )
    data = workbook_bytes({"交流结果": rows})
    return send_file(
        io.BytesIO(data), mimetype=XLSX, as_attachment=True, download_name=f"{round_.year}年教师交流轮岗结果.xlsx"
    )


# -- publication ----------------------------------------------------------------------------


@bp.route("/<int:round_id>/notice")
def notice(round_id: int):
    """The public notice (公示): readable without an account once published; printable."""
    round_ = db.get_or_404(Round, round_id)
    if round_.state != "published":
        abort(404)
    run = final_run(round_)
    placements = db.session.scalars(
        select(Placement).where(Placement.run_id == run.id, Placement.school_id.is_not(None))
    ).all()
    teachers = {
        t.id: t for t in db.session.scalars(select(Teacher).where(Teacher.id.in_([p.teacher_id for p in placements])))
    }
    schools = {s.id: s for s in db.session.scalars(select(School))}
    placements.sort(key=lambda p: (schools[teachers[p.teacher_id].school_id].code, teachers[p.teacher_id].staff_no))
    return render_template("fair/notice.html", round=round_, placements=placements, teachers=teachers, schools=schools)


@bp.route("/<int:round_id>/letters/<int:teacher_id>")
@role_required("bureau", "school", "teacher")
def letter(round_id: int, teacher_id: int):
    """The transfer letter (工作调动介绍信) of one teacher."""
    round_ = _round(round_id)
    teacher = db.get_or_404(Teacher, teacher_id)
    run = final_run(round_)
    if round_.state != "published" or run is None:
        abort(404)
    placement = db.session.scalar(
        select(Placement).where(Placement.run_id == run.id, Placement.teacher_id == teacher.id)
    )
    if placement is None or placement.school_id is None:
        abort(404)
    if current_user.role == "teacher" and current_user.teacher_id != teacher.id:
        abort(403)
    if current_user.role == "school" and current_user.school_id not in (teacher.school_id, placement.school_id):
        abort(403)
    term = int(round_.policy.get("term_years", 3))
    return render_template(
        "fair/letter.html",
        round=round_,
        teacher=teacher,
        placement=placement,
        to_school=db.session.get(School, placement.school_id),
        term=term,
        report_by=dt.date(round_.year, 8, 31),
        return_on=dt.date(round_.year + term, 8, 31),
    )
