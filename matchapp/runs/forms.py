from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, IntegerField, StringField, SubmitField
from wtforms.validators import InputRequired, Length

from ..core.forms import BaseForm


class RunForm(BaseForm):
    preview = HiddenField()
    confirm = BooleanField(_l("我已核对以上情况，确认执行"))
    submit = SubmitField(_l("运行"))


class AssignForm(BaseForm):
    school_id = IntegerField(_l("指定学校"), validators=[InputRequired()])
    reason = StringField(_l("调整理由"), validators=[Length(max=500)])
    override = BooleanField(_l("越过学校意见"))
    submit = SubmitField(_l("调整"))
