from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import DateField, HiddenField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, InputRequired, Length, NumberRange, Optional

from ..core.forms import BaseForm
from ..core.vocab import EDUCATION, EXEMPTIONS, SUBJECTS, TITLES
from .posts import MAX_SEATS


class VoteForm(BaseForm):
    teacher_id = IntegerField(_l("被推荐教师"), validators=[InputRequired()])
    members = IntegerField(_l("参加投票人数"), validators=[InputRequired(), NumberRange(1, 99)])
    yes = IntegerField(_l("赞成票"), validators=[InputRequired(), NumberRange(0, 99)])
    submit = SubmitField(_l("记录投票结果"))


class SubjectQuotaImportForm(BaseForm):
    file = FileField(
        _l("分学科名额表（.xlsx 或 .csv）"),
        validators=[FileRequired(_l("请选择文件")), FileAllowed(["xlsx", "csv"], _l("只接受 .xlsx 或 .csv 文件"))],
    )
    submit = SubmitField(_l("导入名额"))


class BureauApprovalForm(BaseForm):
    """The bureau puts a teacher on a school's list (教育局审批列入), with its written reason."""

    teacher_id = IntegerField(_l("教师"), validators=[InputRequired()])
    reason = TextAreaField(_l("审批理由"), validators=[InputRequired(), Length(max=500)])
    submit = SubmitField(_l("审批列入流出名单"))


class BureauRemovalForm(BaseForm):
    teacher_id = IntegerField(validators=[InputRequired()])
    submit = SubmitField(_l("撤回"))


class ExemptionForm(BaseForm):
    teacher_id = IntegerField(validators=[InputRequired()])
    exemption = SelectField(_l("暂不交流理由"), choices=[])
    reason = StringField(_l("具体情况"), validators=[Optional()])
    until = DateField(_l("暂缓至（特色课程领衔教师）"), validators=[Optional()])
    submit = SubmitField(_l("提交教育局审核"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.exemption.choices = [SelectChoice(k, v) for k, v in EXEMPTIONS.items()]


class ExemptionDecisionForm(BaseForm):
    teacher_id = IntegerField(validators=[InputRequired()])
    decision = HiddenField(validators=[AnyOf(["approve", "reject"])])


class VolunteerForm(BaseForm):
    withdraw = HiddenField()


class SeatsForm(BaseForm):
    school_id = IntegerField(validators=[InputRequired()])
    subject = StringField(validators=[InputRequired(), AnyOf(list(SUBJECTS))])
    seats = IntegerField(_l("名额"), validators=[InputRequired(), NumberRange(0, MAX_SEATS)])
    next = HiddenField()
    submit = SubmitField(_l("保存"))


class PostConfirmForm(BaseForm):
    post_id = IntegerField(validators=[InputRequired()])
    min_education = SelectField(_l("学历不低于"), choices=[])
    min_title = SelectField(_l("职称不低于"), choices=[])
    honours = StringField(_l("专业称号要求"), validators=[Optional()])
    backbone_seats = IntegerField(_l("其中骨干教师"), validators=[InputRequired(), NumberRange(0, MAX_SEATS)])
    submit = SubmitField(_l("确认岗位"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.min_education.choices = [SelectChoice("", _l("不限"))] + [SelectChoice(k, v) for k, v in EDUCATION.items()]
        self.min_title.choices = [SelectChoice("", _l("不限"))] + [
            SelectChoice(k, v) for k, v in TITLES.items() if k != "none"
        ]
