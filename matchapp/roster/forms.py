from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, Length, NumberRange, Optional, Regexp

from ..core.forms import BaseForm
from ..core.vocab import LOCALITIES, STAGES, TIERS

IMPORT_KINDS = {"roster": _l("教师名册"), "schools": _l("学校名册"), "staffing": _l("分学科编制")}


class ImportForm(BaseForm):
    kind = SelectField(_l("导入内容"), choices=[SelectChoice(k, v) for k, v in IMPORT_KINDS.items()], default="roster")
    file = FileField(
        _l("文件（.xlsx 或 .csv）"),
        validators=[FileRequired(_l("请选择文件")), FileAllowed(["xlsx", "csv"], _l("只接受 .xlsx 或 .csv 文件"))],
    )
    submit = SubmitField(_l("导入"))


class SchoolForm(BaseForm):
    code = StringField(
        _l("学校代码"),
        validators=[
            DataRequired(),
            Length(max=32),
            Regexp(r"^[A-Za-z0-9_-]+$", message=_l("只能包含字母、数字、-、_")),
        ],
    )
    name = StringField(_l("学校名称"), validators=[DataRequired(), Length(max=128)])
    stage = SelectField(_l("学段"), choices=[SelectChoice(k, v) for k, v in STAGES.items()])
    tier = SelectField(_l("类别"), choices=[SelectChoice(k, v) for k, v in TIERS.items()], default="ordinary")
    tier_rated_on = DateField(_l("类别评定时间"), validators=[Optional()])
    zone = StringField(_l("片区（学区）"), validators=[DataRequired(), Length(max=64)])
    locality = SelectField(_l("城乡类型"), choices=[SelectChoice(k, v) for k, v in LOCALITIES.items()])
    alliance = StringField(_l("教育集团或联盟"), validators=[Optional(), Length(max=64)])
    alliance_core = BooleanField(_l("集团核心校"))
    paired_code = StringField(_l("对口支援学校代码"), validators=[Optional(), Length(max=32)])
    leadership_size = IntegerField(_l("领导班子人数"), validators=[Optional(), NumberRange(0, 50)], default=0)
    submit = SubmitField(_l("保存"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.stage.validators = [AnyOf(list(STAGES))]


class BureauForm(BaseForm):
    """The bureau's details as its notice and letters print them."""

    name = StringField(_l("单位名称"), validators=[DataRequired(), Length(max=128)])
    department = StringField(_l("承办部门"), validators=[Optional(), Length(max=64)])
    phone = StringField(
        _l("联系电话"),
        validators=[
            Optional(),
            Length(max=32),
            Regexp(r"^[0-9０-９()（）+\- 转、,，]+$", message=_l("电话只能包含数字、空格、-、括号和“转”")),
        ],
    )
    address = StringField(_l("通信地址"), validators=[Optional(), Length(max=128)])
    document_prefix = StringField(_l("介绍信文号前缀"), validators=[Optional(), Length(max=60)])
    submit = SubmitField(_l("保存"))
