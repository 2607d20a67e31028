"""The rotation years: create one with a preset, switch between years, set the year's policy."""

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from ..core.access import role_required
from ..core.clock import local_today
from ..core.transaction import refuse
from ..extensions import db
from ..roster.history import carry_over
from . import bp
from .forms import NewRoundForm, PolicyForm, PresetForm
from .models import Round
from .policy import PRESET_LABELS, PRESET_NOTES, PRESETS, SECTIONS, SETTING, SETTINGS, format_share
from .services import all_rounds, apply_preset, create_round, update_policy


@bp.route("/")
@role_required("bureau")
def overview():
    """Every rotation year, newest first, and the form to open the next one."""
    rounds = all_rounds()
    next_year = (rounds[0].year + 1) if rounds else local_today().year + (1 if local_today().month > 8 else 0)
    form = NewRoundForm(year=next_year, name=_("%(year)s年度义务教育学校教师交流轮岗", year=next_year))
    # What earlier years leave to the next one (issue 12): returns due, extensions, assessments …
    return render_template(
        "rounds/overview.html", rounds=rounds, form=form, presets=PRESET_LABELS, carry=carry_over(next_year)
    )


@bp.route("/new", methods=["POST"])
@role_required("bureau")
def new():
    form = NewRoundForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                refuse(message)
        return redirect(url_for("rounds.overview"))
    round_ = create_round(form.year.data, form.name.data, form.preset.data, procedure=form.procedure.data)
    session["round_id"] = round_.id
    flash(
        _(
            "已建立%(year)s年度，并套用%(preset)s政策预设；请核对年度政策。",
            year=round_.year,
            preset=PRESET_LABELS[form.preset.data],
        ),
        "success",
    )
    return redirect(url_for("rounds.policy", round_id=round_.id))


@bp.route("/select", methods=["POST"])
@role_required("bureau", "school", "teacher")
def select_round():
    """The year switcher: look at another year (past years are read-only by their state)."""
    round_ = db.session.get(Round, request.form.get("round_id", type=int) or 0)
    if round_ is None:
        abort(404)
    session["round_id"] = round_.id
    flash(_("正在查看%(year)s年度。", year=round_.year), "info")
    return redirect(url_for("home.index"))


@bp.route("/<int:round_id>/policy", methods=["GET", "POST"])
@role_required("bureau")
def policy(round_id: int):
    """Every setting of the year's policy, by section, each with where its preset's value comes from."""
    round_ = db.get_or_404(Round, round_id)
    form = PolicyForm(data={**round_.policy, "lists_due": round_.lists_due})
    preset_form = PresetForm(preset=round_.policy.get("preset", "changzhou"))
    if form.submit.data and form.validate_on_submit():
        update_policy(round_, {s.key: form[s.key].data for s in SETTINGS}, lists_due=form.lists_due.data)
        flash(_("年度政策已保存。"), "success")
        return redirect(url_for("rounds.policy", round_id=round_.id))
    name = round_.policy.get("preset", "changzhou")
    return render_template(
        "rounds/policy.html",
        round=round_,
        form=form,
        preset_form=preset_form,
        presets=PRESET_LABELS,
        sections={key: [s for s in SETTINGS if s.section == key] for key in SECTIONS},
        section_labels=SECTIONS,
        notes=PRESET_NOTES.get(name, {}),
        preset_values=PRESETS.get(name, {}),
        setting=SETTING,
        format_share=format_share,
    )


@bp.route("/<int:round_id>/preset", methods=["POST"])
@role_required("bureau")
def preset(round_id: int):
    round_ = db.get_or_404(Round, round_id)
    form = PresetForm()
    if form.validate_on_submit():
        apply_preset(round_, form.preset.data)
        flash(_("已套用%(name)s政策预设，可逐项修改。", name=PRESET_LABELS[form.preset.data]), "success")
    return redirect(url_for("rounds.policy", round_id=round_.id))
