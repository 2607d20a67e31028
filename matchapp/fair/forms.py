"""The fair's forms: a teacher's ranks of schools, a post's bands of applicants, the bureau's
opening of the fair. Fields are made per school and per applicant (``rank-<school id>``,
``band-<teacher id>``, ``reject-<teacher id>``)."""

from __future__ import annotations

from collections.abc import Iterator

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateTimeLocalField, IntegerField, SubmitField
from wtforms.validators import NumberRange, Optional

from ..core.forms import BaseForm, ConfirmForm
from .rankings import MAX_BAND


class PreferencesForm(BaseForm):
    """Ranks typed next to the schools (1 = most wanted); empty = not listed."""

    version = IntegerField(validators=[Optional(), NumberRange(min=0)])
    draft = SubmitField(_l("保存草稿"))
    submit = SubmitField(_l("提交志愿"))

    @classmethod
    def for_posts(cls, posts, **kwargs) -> PreferencesForm:
        fields = {
            f"rank-{p.school_id}": IntegerField(p.school.name, validators=[Optional(), NumberRange(1, len(posts))])
            for p in posts
        }
        form_class = type("PreferencesFormFor", (cls,), fields)
        form = form_class(**kwargs)
        form.school_count = len(posts)
        return form

    def ranks(self) -> Iterator[tuple[int, IntegerField]]:
        for name, field in self._fields.items():
            if name.startswith("rank-"):
                yield int(name.removeprefix("rank-")), field

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        bad = [str(field.label.text) for _school, field in self.ranks() if field.errors]
        if bad:
            self.form_errors.append(
                _("志愿序号应为1到%(n)s之间的整数：%(schools)s", n=self.school_count, schools="、".join(bad))
            )
            return False
        numbers = [field.data for _school, field in self.ranks() if field.data is not None]
        duplicates = sorted({n for n in numbers if numbers.count(n) > 1})
        if duplicates:
            self.form_errors.append(_("志愿序号%(d)s重复，每个序号只能用一次。", d="、".join(map(str, duplicates))))
            return False
        return ok

    def order(self) -> list[int]:
        """The schools, best first."""
        return [school for _n, school in sorted((f.data, s) for s, f in self.ranks() if f.data is not None)]


class RankingForm(BaseForm):
    """A band per applicant (1 = best; equal bands are ties) or the unacceptable mark."""

    version = IntegerField(validators=[Optional(), NumberRange(min=0)])
    draft = SubmitField(_l("保存草稿"))
    submit = SubmitField(_l("提交排序"))

    @classmethod
    def for_candidates(cls, people, **kwargs) -> RankingForm:
        fields: dict = {}
        for t in people:
            fields[f"band-{t.id}"] = IntegerField(t.name, validators=[Optional(), NumberRange(1, MAX_BAND)])
            fields[f"reject-{t.id}"] = BooleanField(t.name)
        return type("RankingFormFor", (cls,), fields)(**kwargs)

    def _teachers(self) -> Iterator[int]:
        for name in self._fields:
            if name.startswith("band-"):
                yield int(name.removeprefix("band-"))

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        bad = [str(self[f"band-{t}"].label.text) for t in self._teachers() if self[f"band-{t}"].errors]
        if bad:
            self.form_errors.append(_("排序档次应为正整数：%(names)s", names="、".join(bad)))
            return False
        return ok

    def bands(self) -> dict[int, int]:
        return {
            t: self[f"band-{t}"].data
            for t in self._teachers()
            if self[f"band-{t}"].data is not None and not self[f"reject-{t}"].data
        }

    def unacceptable(self) -> set[int]:
        return {t for t in self._teachers() if self[f"reject-{t}"].data}


class OpenFairForm(ConfirmForm):
    closes_at = DateTimeLocalField(
        _l("截止时间"), format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"], validators=[Optional()]
    )
    submit = SubmitField(_l("开放洽谈会"))
