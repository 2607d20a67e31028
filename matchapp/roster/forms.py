from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import SubmitField


class ImportForm(FlaskForm):
    file = FileField(
        _l("名册文件（.xlsx 或 .csv）"),
        validators=[FileRequired(_l("请选择文件")), FileAllowed(["xlsx", "csv"], _l("只接受 .xlsx 或 .csv 文件"))],
    )
    submit = SubmitField(_l("导入"))
