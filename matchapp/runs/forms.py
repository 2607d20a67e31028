from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, HiddenField, IntegerField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, ValidationError

from ..core.forms import BaseForm, ConfirmForm


class RunForm(BaseForm):
    preview = HiddenField()
    confirm = BooleanField(_l("我已核对以上情况，确认执行"))
    submit = SubmitField(_l("运行"))


class AssignForm(BaseForm):
    school_id = IntegerField(_l("指定学校"), validators=[InputRequired()])
    reason = StringField(_l("调整理由"), validators=[Length(max=500)])
    override = BooleanField(_l("越过学校意见"))
    submit = SubmitField(_l("调整"))


class PublishForm(ConfirmForm):
    """Publishing (on the control page): the checklist's confirmation and the notice's period."""

    notice_starts_on = DateField(_l("公示开始日期"), validators=[InputRequired(_l("请填写公示开始日期。"))])
    notice_ends_on = DateField(_l("公示结束日期"), validators=[InputRequired(_l("请填写公示结束日期。"))])

    def validate_notice_ends_on(self, field):
        if self.notice_starts_on.data and field.data and field.data < self.notice_starts_on.data:
            raise ValidationError(_l("公示期的结束日期不能早于开始日期。"))
