from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, StringField, SubmitField
from wtforms.validators import InputRequired, Length

from ..core.forms import BaseForm


class CorrectionForm(BaseForm):
    school_id = IntegerField(_l("更正为"), validators=[InputRequired()])
    reason = StringField(_l("更正理由"), validators=[Length(max=500)])
    submit = SubmitField(_l("更正并重新公示"))
