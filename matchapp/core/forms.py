"""The forms every feature builds on."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SubmitField
from wtforms.validators import DataRequired


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class BaseForm(FlaskForm):
    """Every text field is stripped of surrounding whitespace before it is validated."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            filters = [_strip, *unbound_field.kwargs.get("filters", ())]
            return unbound_field.bind(form=form, filters=filters, **options)


class ActionForm(BaseForm):
    """A button that changes something: carries only the CSRF token."""

    submit = SubmitField(_l("确定"))


class ConfirmForm(BaseForm):
    """A step that cannot be taken back: the person ticks that they have read its checklist."""

    confirm = BooleanField(
        _l("我已核对以上情况，确认执行"), validators=[DataRequired(_l("请先核对清单，并勾选确认。"))]
    )
    submit = SubmitField(_l("确定"))
