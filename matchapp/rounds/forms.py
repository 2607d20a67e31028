from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DecimalField, IntegerField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange, Optional, Regexp

from ..core.vocab import EDUCATION, EXEMPTIONS, TITLES
from .policy import PRESET_LABELS


class PresetForm(FlaskForm):
    preset = SelectField(_l("政策预设"), choices=[SelectChoice(k, v) for k, v in PRESET_LABELS.items()])
    apply = SubmitField(_l("套用预设"))


class PolicyForm(FlaskForm):
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


class ActionForm(FlaskForm):
    """A button that changes something: carries only the CSRF token."""

    submit = SubmitField(_l("确定"))


class VoteForm(FlaskForm):
    teacher_id = IntegerField(_l("被推荐教师"), validators=[InputRequired()])
    members = IntegerField(_l("参加投票人数"), validators=[InputRequired(), NumberRange(1, 99)])
    yes = IntegerField(_l("赞成票"), validators=[InputRequired(), NumberRange(0, 99)])
    submit = SubmitField(_l("记录投票结果"))


class ExemptionForm(FlaskForm):
    teacher_id = IntegerField(validators=[InputRequired()])
    exemption = SelectField(_l("暂不交流理由"), choices=[])
    reason = StringField(_l("具体情况"), validators=[Optional()])
    submit = SubmitField(_l("提交教育局审核"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.exemption.choices = [SelectChoice(k, v) for k, v in EXEMPTIONS.items()]


class SeatsForm(FlaskForm):
    school_id = IntegerField(validators=[InputRequired()])
    subject = StringField(validators=[InputRequired()])
    seats = IntegerField(_l("名额"), validators=[InputRequired(), NumberRange(0, 500)])
    submit = SubmitField(_l("保存"))


class PostConfirmForm(FlaskForm):
    post_id = IntegerField(validators=[InputRequired()])
    min_education = SelectField(_l("学历不低于"), choices=[])
    min_title = SelectField(_l("职称不低于"), choices=[])
    honours = StringField(_l("专业称号要求"), validators=[Optional()])
    backbone_seats = IntegerField(_l("其中骨干教师"), validators=[InputRequired(), NumberRange(0, 500)])
    submit = SubmitField(_l("确认岗位"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.min_education.choices = [SelectChoice("", _l("不限"))] + [SelectChoice(k, v) for k, v in EDUCATION.items()]
        self.min_title.choices = [SelectChoice("", _l("不限"))] + [
            SelectChoice(k, v) for k, v in TITLES.items() if k != "none"
        ]
