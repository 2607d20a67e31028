from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _

from ..core.access import role_required
from ..extensions import db
from . import bp
from .forms import PolicyForm, PresetForm
from .models import Round
from .policy import PRESET_LABELS
from .services import apply_preset, current_round, update_policy


@bp.route("/")
@role_required("bureau")
def overview():
    round_ = current_round()
    if round_ is None:
        return render_template("rounds/none.html")
    return redirect(url_for("rounds.policy", round_id=round_.id))


@bp.route("/<int:round_id>/policy", methods=["GET", "POST"])
@role_required("bureau")
def policy(round_id: int):
    round_ = db.get_or_404(Round, round_id)
    form = PolicyForm(data=round_.policy)
    preset_form = PresetForm(preset=round_.policy.get("preset", "changzhou"))
    if form.submit.data and form.validate_on_submit():
        update_policy(round_, {k: v for k, v in form.data.items() if k not in ("submit", "csrf_token")})
        flash(_("年度政策已保存。"), "success")
        return redirect(url_for("rounds.policy", round_id=round_.id))
    return render_template(
        "rounds/policy.html", round=round_, form=form, preset_form=preset_form, presets=PRESET_LABELS
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
