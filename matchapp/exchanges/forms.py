from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DecimalField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..core.forms import BaseForm
from ..core.vocab import (
    ASSESSMENT_GRADES,
    EXCHANGE_CONSEQUENCES,
    EXCHANGE_DECISIONS,
    EXCHANGE_KINDS,
    PERSONNEL_RELATIONS,
)

REASON = [InputRequired(_l("请写明理由。")), Length(max=2000)]


class ReportForm(BaseForm):
    """The bureau confirms reporting (a school's teachers, or the ticked ones) on one day."""

    reported_on = DateField(_l("报到日期"), validators=[InputRequired(_l("请填写报到日期。"))])
    submit = SubmitField(_l("确认报到"))


class IncidentForm(BaseForm):
    kind = HiddenField(validators=[AnyOf(["no_show", "refusal"])])
    occurred_on = DateField(_l("日期"), validators=[InputRequired(_l("请填写日期。"))])
    reason = TextAreaField(_l("情况与本人说明的理由"), validators=REASON)
    submit = SubmitField(_l("记录"))


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class DecisionForm(BaseForm):
    event_id = IntegerField(validators=[InputRequired()])
    decision = SelectField(_l("处理决定"), choices=[SelectChoice(k, v) for k, v in EXCHANGE_DECISIONS.items()])
    decided_on = DateField(_l("处理日期"), validators=[InputRequired(_l("请填写处理日期。"))])
    consequences = MultiCheckboxField(
        _l("处理后果"), choices=[SelectChoice(k, v) for k, v in EXCHANGE_CONSEQUENCES.items()], validate_choice=True
    )
    note = TextAreaField(_l("处理意见"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("作出处理决定"))


class KindForm(BaseForm):
    kind = SelectField(_l("交流方式"), choices=[SelectChoice(k, v) for k, v in EXCHANGE_KINDS.items()])
    reason = StringField(_l("理由"), validators=REASON)
    submit = SubmitField(_l("变更交流方式"))


class EndForm(BaseForm):
    action = HiddenField(validators=[AnyOf(["return", "extend", "stay"])])
    years = IntegerField(_l("延长（年）"), validators=[Optional(), NumberRange(1, 3)])
    reason = StringField(_l("理由"), validators=REASON)
    submit = SubmitField(_l("确定"))


class GradeEntry(Form):
    record_id = HiddenField(validators=[InputRequired()])
    grade = SelectField(
        _l("考核等次"),
        choices=[SelectChoice("", _l("未评"))] + [SelectChoice(k, v) for k, v in ASSESSMENT_GRADES.items()],
    )
    note = StringField(_l("评语"), validators=[Optional(), Length(max=500)], filters=[lambda v: v.strip() if v else v])


class GradesForm(FlaskForm):  # FieldList takes no filters: BaseForm's strip is on the entries' own fields
    entries = FieldList(FormField(GradeEntry), min_entries=0)
    submit = SubmitField(_l("保存并报教育局审核"))


class ReviewForm(BaseForm):
    decision = HiddenField(validators=[AnyOf(["approve", "return"])])
    note = StringField(_l("审核意见"), validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("确定"))


class KindEntry(Form):
    entry_id = HiddenField(validators=[InputRequired()])
    kind = SelectField(_l("交流方式"), choices=[SelectChoice(k, v) for k, v in EXCHANGE_KINDS.items()])


class OutgoingKindsForm(FlaskForm):
    entries = FieldList(FormField(KindEntry), min_entries=0)
    submit = SubmitField(_l("保存交流方式"))


class ExchangePolicyForm(BaseForm):
    """The round's settings for the exchange after publication and for the record's history."""

    personnel_relation = SelectField(
        _l("人事关系"), choices=[SelectChoice(k, v) for k, v in PERSONNEL_RELATIONS.items()]
    )
    exchange_counts_as_service = SelectField(
        _l("交流年限计入原学校连续任教年限"),
        choices=[SelectChoice("0", _l("否：回原单位后重新计算")), SelectChoice("1", _l("是：连续计算"))],
    )
    exempt_after_schools = IntegerField(
        _l("已在几所学校工作（空为不适用）"), validators=[Optional(), NumberRange(2, 5)]
    )
    exempt_after_school_years = IntegerField(_l("每所学校满（年）"), validators=[Optional(), NumberRange(1, 20)])
    rural_years_count_as_exchange = IntegerField(
        _l("农村学校任教满（年）视为有交流经历（空为不适用）"), validators=[Optional(), NumberRange(1, 40)]
    )
    remote_years_count_as_exchange = IntegerField(
        _l("边远学校、教学点任教满（年）视为有交流经历"), validators=[Optional(), NumberRange(1, 40)]
    )
    term_part_time = IntegerField(_l("兼职交流期限（年）"), validators=[InputRequired(), NumberRange(1, 6)])
    term_research = IntegerField(_l("教研交流期限（年）"), validators=[InputRequired(), NumberRange(1, 6)])
    term_walking = IntegerField(_l("走教期限（年）"), validators=[InputRequired(), NumberRange(1, 6)])
    term_support = IntegerField(_l("支教期限（年）"), validators=[InputRequired(), NumberRange(1, 6)])
    max_extension_years = IntegerField(_l("延长交流累计不超过（年）"), validators=[InputRequired(), NumberRange(0, 6)])
    poor_assessment_extends_years = IntegerField(
        _l("期满考核基本合格或不合格延长（年）"), validators=[InputRequired(), NumberRange(0, 3)]
    )
    excellent_share = DecimalField(
        _l("优秀等次不超过（占本校交流教师）"), places=2, validators=[InputRequired(), NumberRange(0, 1)]
    )
    no_show_warning_days = IntegerField(_l("逾期超过（天）批评教育"), validators=[InputRequired(), NumberRange(1, 60)])
    no_show_leaving_days = IntegerField(
        _l("逾期超过（天）按自动离职处理"), validators=[InputRequired(), NumberRange(1, 90)]
    )
    refusal_bar_years = IntegerField(
        _l("拒不交流：不得晋升职称、评优评先（年）"), validators=[InputRequired(), NumberRange(0, 10)]
    )
    refusal_consequences = MultiCheckboxField(
        _l("拒不交流的处理后果（默认勾选）"),
        choices=[SelectChoice(k, v) for k, v in EXCHANGE_CONSEQUENCES.items() if k != "leaving"],
        validate_choice=True,
    )
    signature_deferral_years = IntegerField(
        _l("特色课程领衔教师暂缓交流累计不超过（年）"), validators=[InputRequired(), NumberRange(1, 6)]
    )
    fail_voids_experience = SelectField(
        _l("考核不合格的交流经历"),
        choices=[SelectChoice("0", _l("仍予认定")), SelectChoice("1", _l("不予认定"))],
    )
    submit = SubmitField(_l("保存"))
