from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, IntegerField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length

from ..core.forms import BaseForm


class LoginForm(BaseForm):
    username = StringField(_l("用户名"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("密码"), validators=[DataRequired(), Length(max=128)])
    submit = SubmitField(_l("登录"))


class PasswordForm(BaseForm):
    current = PasswordField(_l("当前密码"), validators=[DataRequired(), Length(max=128)])
    new = PasswordField(_l("新密码"), validators=[DataRequired(), Length(max=128)])
    again = PasswordField(
        _l("再输入一次新密码"), validators=[DataRequired(), EqualTo("new", message=_l("两次输入的新密码不一致。"))]
    )
    submit = SubmitField(_l("修改密码"))


class RevokeForm(BaseForm):
    token_id = IntegerField(validators=[InputRequired()])
    submit = SubmitField(_l("撤销"))


class UserActionForm(BaseForm):
    user_id = IntegerField(validators=[InputRequired()])
    action = HiddenField(validators=[InputRequired()])
    submit = SubmitField(_l("确定"))
