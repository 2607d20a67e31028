from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, IntegerField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, InputRequired, Length, Optional

from ..core.forms import BaseForm


class BulkForm(BaseForm):
    role = HiddenField(validators=[AnyOf(["school", "teacher"])])
    school_id = IntegerField(validators=[Optional()])
    submit = SubmitField(_l("创建账号"))


class AccountActionForm(BaseForm):
    user_id = IntegerField(validators=[InputRequired()])
    action = HiddenField(validators=[AnyOf(["reset", "disable", "enable", "unlock"])])
    reason = StringField(_l("理由"), validators=[Optional(), Length(max=200)])
    submit = SubmitField(_l("确定"))


class IssueForm(BaseForm):
    submit = SubmitField(_l("为待发放的账号生成初始密码条"))


class UsernameSourceForm(BaseForm):
    teacher_usernames = SelectField(
        _l("教师账号的用户名"),
        choices=[SelectChoice("staff_no", _l("工号")), SelectChoice("id_number", _l("身份证号"))],
    )
    submit = SubmitField(_l("保存"))
