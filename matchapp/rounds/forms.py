from fractions import Fraction

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from ..core.forms import BaseForm
from .policy import PRESET_LABELS, SETTINGS, Setting, format_share, month_day_valid, parse_share


def _procedures() -> list[SelectChoice]:
    from ..core.vocab import PROCEDURES

    return [SelectChoice(k, v) for k, v in PROCEDURES.items()]


class NewRoundForm(BaseForm):
    year = IntegerField(_l("年度"), validators=[InputRequired(), NumberRange(2000, 2100)])
    name = StringField(_l("名称"), validators=[InputRequired(), Length(max=128)])
    preset = SelectField(_l("政策预设"), choices=[SelectChoice(k, v) for k, v in PRESET_LABELS.items()])
    procedure = SelectField(_l("交流方式"), choices=_procedures(), default="fair")
    submit = SubmitField(_l("建立年度"))


class ProcedureForm(BaseForm):
    """A round's procedure, changed while it is being prepared."""

    procedure = SelectField(_l("交流方式"), choices=_procedures())
    submit = SubmitField(_l("更改"))


class PresetForm(BaseForm):
    preset = SelectField(_l("政策预设"), choices=[SelectChoice(k, v) for k, v in PRESET_LABELS.items()])
    apply = SubmitField(_l("套用预设"))


class ShareField(StringField):
    """A share typed as 15%, 0.15 or 2/3; its data is an exact :class:`~fractions.Fraction` (or None)."""

    def process_formdata(self, valuelist):
        self.data = None
        text = valuelist[0] if valuelist else ""
        if text.strip():
            self.data = parse_share(text)  # a ValueError becomes the field's error

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return format_share(float(self.data)) if self.data is not None else ""


class ShareRange:
    def __init__(self, setting: Setting):
        self.setting = setting

    def __call__(self, form, field):
        s = self.setting
        if field.data is None or s.low is None or s.high is None:
            return
        value = Fraction(field.data).limit_denominator(1000)
        low, high = format_share(float(s.low)), format_share(float(s.high))
        if s.high_open and not (s.low <= value < s.high):
            raise ValidationError(_("应不低于%(low)s且低于%(high)s", low=low, high=high))
        if not s.low <= value <= s.high:
            raise ValidationError(_("应在%(low)s到%(high)s之间", low=low, high=high))


def _month_day(form, field):
    if field.data and not month_day_valid(field.data):
        raise ValidationError(_("应为月-日，如 08-31（该日须存在）"))


def _field(s: Setting):
    first = Optional() if s.optional else InputRequired()
    if s.kind == "int":
        return IntegerField(s.label, validators=[first, NumberRange(int(s.low or 0), int(s.high or 100))])
    if s.kind == "share":
        return ShareField(s.label, validators=[first, ShareRange(s)])
    if s.kind == "month_day":
        return StringField(s.label, validators=[first, _month_day])
    if s.kind == "choice":
        return SelectField(s.label, choices=[SelectChoice(k, v) for k, v in (s.choices or {}).items()])
    return BooleanField(s.label)


class PolicyForm(BaseForm):
    """Every setting of :data:`~matchapp.rounds.policy.SETTINGS`, and the lists' deadline."""

    lists_due = DateField(_l("流出名单截止报送日期"), validators=[Optional()])
    submit = SubmitField(_l("保存政策"))


for _setting in SETTINGS:
    setattr(PolicyForm, _setting.key, _field(_setting))
