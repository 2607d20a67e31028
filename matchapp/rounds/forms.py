from flask_babel import lazy_gettext as _l
from wtforms import DecimalField, IntegerField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp

from ..core.forms import BaseForm
from .policy import PRESET_LABELS


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


class PolicyForm(BaseForm):
    years_at_school = IntegerField(_l("在同一学校连续任教满（年）"), validators=[InputRequired(), NumberRange(1, 30)])
    cutoff = StringField(
        _l("年限与年龄计算截止日（月-日）"),
        validators=[InputRequired(), Regexp(r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")],
    )
    min_years_to_retirement = IntegerField(
        _l("距法定退休不足（年）者不交流"), validators=[InputRequired(), NumberRange(0, 20)]
    )
    retirement_age_male = IntegerField(_l("男教师法定退休年龄"), validators=[InputRequired(), NumberRange(50, 70)])
    retirement_age_female = IntegerField(_l("女教师法定退休年龄"), validators=[InputRequired(), NumberRange(45, 70)])
    age_cap_male = IntegerField(_l("男教师年龄上限（空为不限）"), validators=[Optional(), NumberRange(30, 70)])
    age_cap_female = IntegerField(_l("女教师年龄上限（空为不限）"), validators=[Optional(), NumberRange(30, 70)])
    quota_rate = DecimalField(_l("交流比例（占应交流人数）"), places=3, validators=[InputRequired(), NumberRange(0, 1)])
    quota_rate_strong = DecimalField(
        _l("优质学校交流比例（空为同上）"), places=3, validators=[Optional(), NumberRange(0, 1)]
    )
    backbone_rate = DecimalField(
        _l("骨干教师交流比例（占应交流骨干）"), places=3, validators=[Optional(), NumberRange(0, 1)]
    )
    backbone_share_min = DecimalField(
        _l("骨干教师占交流人数不低于"), places=3, validators=[Optional(), NumberRange(0, 1)]
    )
    rounding = SelectField(
        _l("名额取整"),
        choices=[
            SelectChoice("half_up", _l("四舍五入")),
            SelectChoice("ceil", _l("向上取整")),
            SelectChoice("floor", _l("向下取整")),
        ],
    )
    leadership_cap = DecimalField(
        _l("领导班子同时交流不超过"), places=2, validators=[InputRequired(), NumberRange(0, 1)]
    )
    term_years = IntegerField(_l("交流期限（年）"), validators=[InputRequired(), NumberRange(1, 6)])
    submit = SubmitField(_l("保存政策"))
