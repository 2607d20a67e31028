"""Pages of the fair: teachers rank schools, schools rank candidates, the bureau opens and closes it."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..core.access import require_school_access, role_required
from ..core.clock import full_years, local_today, to_utc
from ..core.forms import ConfirmForm
from ..core.transaction import refuse
from ..extensions import db
from ..preparation.lists import is_participant, outgoing_entry
from ..preparation.models import Post
from ..preparation.posts import round_posts
from ..preparation.requirements import describe
from ..roster.models import School
from ..rounds.states import allows
from . import bp
from .forms import OpenFairForm, PreferencesForm, RankingForm
from .preferences import listed_schools, offered_posts, preference_list, receipt_code, save_preferences
from .rankings import candidates, post_ranking, save_ranking, split_candidates
from .window import close_fair, fair_is_open, open_fair, round_for_page


def _no_fair(round_):
    """The fair's pages in a round the bureau arranges without a fair: they say so."""
    return render_template("fair/no_fair.html", round=round_)


# -- teachers -------------------------------------------------------------------------------


@bp.route("/<int:round_id>/preferences", methods=["GET", "POST"])
@role_required("teacher")
def preferences(round_id: int):
    round_ = round_for_page(round_id)
    teacher = current_user.teacher
    if round_.procedure == "arrangement":
        return _no_fair(round_)
    if not is_participant(round_, teacher):
        if round_.procedure == "competition":
            flash(_("请先在“跨校竞聘申请”页面提出申请，经本校同意后再填报竞聘意愿。"), "info")
            return redirect(url_for("procedures.teacher_apply", round_id=round_.id))
        entry = outgoing_entry(round_, teacher)
        if entry is not None and entry.confirmed:  # a school leader: appointed by the bureau
            flash(_("校级领导由教育局按干部任用规定安排，不参加双向选择，无需填报志愿。"), "info")
        else:
            flash(_("您不在本年度流出名单中，无需填报志愿。"), "info")
        return redirect(url_for("home.index"))
    posts, withheld = offered_posts(round_, teacher)
    plist = preference_list(round_, teacher)
    # a field per school only to check what was sent: the page writes its inputs itself
    form = PreferencesForm.for_posts(posts) if request.method == "POST" else PreferencesForm()
    if form.validate_on_submit():
        submit = bool(form.submit.data)
        plist = save_preferences(round_, teacher, form.order(), submit=submit, version=form.version.data)
        if submit:
            flash(_("志愿已提交（回执号 %(code)s）。截止前仍可修改并重新提交。", code=receipt_code(plist)), "success")
        else:
            flash(_("草稿已保存，尚未提交。"), "info")
        return redirect(url_for("fair.preferences", round_id=round_.id))
    for message in form.form_errors:
        refuse(message)
    chosen = listed_schools(plist)
    saved, submitted = chosen["draft"], chosen["submitted"]
    rank_of: dict[int, object] = {school_id: k + 1 for k, school_id in enumerate(saved)}
    if request.method == "POST":  # keep what the teacher typed when the form is refused
        rank_of = {p.school_id: request.form.get(f"rank-{p.school_id}", "") for p in posts}
    schools = {p.school_id: p.school for p in posts}

    def typed(post) -> int | None:
        value = str(rank_of.get(post.school_id, "") or "")
        return int(value) if value.isdigit() else None

    ranked_posts = sorted((p for p in posts if typed(p) is not None), key=lambda p: (typed(p), p.school.code))
    return render_template(
        "fair/preferences.html",
        round=round_,
        teacher=teacher,
        posts=posts,
        form=form,
        rank_of=rank_of,
        plist=plist,
        version=plist.version if plist else 0,
        submitted=[schools[s] for s in submitted if s in schools],
        receipt=receipt_code(plist, submitted) if plist and plist.submitted_at else None,
        ranked_posts=ranked_posts,
        other_posts=[p for p in posts if typed(p) is None],
        withheld=withheld,
        requirements={p.id: describe(p) for p in posts},
        open=fair_is_open(round_),
        draft_differs=plist is not None and plist.submitted_at is not None and saved != submitted,
    )


# -- schools --------------------------------------------------------------------------------


@bp.route("/<int:round_id>/schools/<int:school_id>")
@role_required("bureau", "school")
def school_posts(round_id: int, school_id: int):
    require_school_access(school_id)
    round_, school = round_for_page(round_id), db.get_or_404(School, school_id)
    if round_.procedure == "arrangement":
        return _no_fair(round_)
    if round_.procedure == "competition":
        return redirect(url_for("procedures.school", round_id=round_.id, school_id=school.id))
    rows = [
        {"post": p, "candidates": len(candidates(p)), "ranking": post_ranking(p)}
        for p in round_posts(round_, school.id, with_seats=True)
    ]
    return render_template(
        "fair/school.html",
        round=round_,
        school=school,
        rows=rows,
        open=fair_is_open(round_),
        published=allows(round_, "read_results"),
    )


@bp.route("/<int:round_id>/posts/<int:post_id>/ranking", methods=["GET", "POST"])
@role_required("bureau", "school")
def ranking(round_id: int, post_id: int):
    round_ = round_for_page(round_id)
    post = db.get_or_404(Post, post_id)
    if post.round_id != round_.id:
        abort(404)
    require_school_access(post.school_id)
    if round_.procedure == "arrangement":
        return _no_fair(round_)
    if round_.procedure == "competition":  # a 竞聘 post's ranking follows its assessment scores
        return redirect(url_for("procedures.scores", round_id=round_.id, post_id=post.id))
    people, unqualified = split_candidates(post)
    form = RankingForm.for_candidates(people)
    if form.validate_on_submit():
        submit = bool(form.submit.data)
        save_ranking(post, form.bands(), form.unacceptable(), form.version.data, submit=submit)
        flash(_("排序已提交。") if submit else _("排序已保存为草稿。"), "success")
        return redirect(url_for("fair.ranking", round_id=round_.id, post_id=post.id))
    for message in form.form_errors:
        refuse(message)
    existing = post_ranking(post)
    band_of = {tid: k + 1 for k, group in enumerate(existing.groups() if existing else []) for tid in group}
    today = local_today()
    return render_template(
        "fair/ranking.html",
        round=round_,
        post=post,
        people=people,
        form=form,
        band_of=band_of,
        rejected=set(existing.unacceptable()) if existing else set(),
        ranking=existing,
        open=fair_is_open(round_),
        years_here={t.id: full_years(t.started_at_school, today) for t in people},
        unqualified=unqualified,
        requirements=describe(post),
    )


# -- the bureau opens and closes the fair ----------------------------------------------------


@bp.route("/<int:round_id>/open", methods=["POST"])
@role_required("bureau")
def fair_open(round_id: int):
    round_ = round_for_page(round_id)
    form = OpenFairForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                refuse(message if message else _("截止时间格式不对。"))
    else:
        # Entered in the bureau's time zone, stored in UTC.
        open_fair(round_, to_utc(form.closes_at.data) if form.closes_at.data else None)
        flash(_("竞聘报名已开放。") if round_.procedure == "competition" else _("洽谈会已开放。"), "success")
    return redirect(url_for("runs.control", round_id=round_id))


@bp.route("/<int:round_id>/close", methods=["POST"])
@role_required("bureau")
def fair_close(round_id: int):
    round_ = round_for_page(round_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        close_fair(round_)
        flash(
            _("竞聘报名已截止，请各缺编学校考核并提交成绩。")
            if round_.procedure == "competition"
            else _("洽谈会已截止。"),
            "success",
        )
    else:
        refuse(_("请先核对清单，并勾选确认。"))
    return redirect(url_for("runs.control", round_id=round_id))
