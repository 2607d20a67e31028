"""Forms of 跨校竞聘: a school's post, the assessment scores (typed or imported)."""

from __future__ import annotations

from collections.abc import Iterator

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import IntegerField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from ..core.forms import BaseForm
from ..core.vocab import EDUCATION, SUBJECTS, TITLES
from ..fair.scores import VERDICTS, parse_score
from ..preparation.posts import MAX_SEATS


class CompetitionPostForm(BaseForm):
    """A post an under-staffed school publishes (缺编学校公布需求岗位)."""

    subject = SelectField(_l("学科"), choices=[])
    seats = IntegerField(_l("岗位数"), validators=[InputRequired(), NumberRange(1, MAX_SEATS)], default=1)
    min_education = SelectField(_l("学历不低于"), choices=[])
    min_title = SelectField(_l("职称不低于"), choices=[])
    honours = StringField(_l("专业称号要求"), validators=[Optional(), Length(max=128)])
    backbone_seats = IntegerField(
        _l("其中骨干教师"), validators=[InputRequired(), NumberRange(0, MAX_SEATS)], default=0
    )
    note = StringField(_l("岗位说明（任教年级、考核安排等）"), validators=[Optional(), Length(max=500)])
    submit = SubmitField(_l("发布岗位"))

    def __init__(self, *args, shortages: dict[str, int] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.subject.choices = [
            SelectChoice(code, _("%(s)s（缺%(n)s人）", s=SUBJECTS.get(code, code), n=n))
            for code, n in sorted((shortages or {}).items())
        ]
        self.min_education.choices = [SelectChoice("", _l("不限"))] + [SelectChoice(k, v) for k, v in EDUCATION.items()]
        self.min_title.choices = [SelectChoice("", _l("不限"))] + [
            SelectChoice(k, v) for k, v in TITLES.items() if k != "none"
        ]


class ScoresForm(BaseForm):
    """Per applicant: the teaching test and interview scores, and the verdict."""

    draft = SubmitField(_l("保存成绩"))
    submit = SubmitField(_l("提交成绩并生成排序"))

    @classmethod
    def for_applicants(cls, people, **kwargs) -> ScoresForm:
        verdicts = [
            SelectChoice("", _l("合格（按总分排序）")),
            SelectChoice("fail", _l("不合格")),
            SelectChoice("absent", _l("缺考")),
        ]
        fields: dict = {}
        for t in people:
            fields[f"teaching-{t.id}"] = StringField(t.name, validators=[Optional(), Length(max=8)])
            fields[f"interview-{t.id}"] = StringField(t.name, validators=[Optional(), Length(max=8)])
            fields[f"verdict-{t.id}"] = SelectField(t.name, choices=verdicts, default="")
        return type("ScoresFormFor", (cls,), fields)(**kwargs)

    def teachers(self) -> Iterator[int]:
        for name in self._fields:
            if name.startswith("teaching-"):
                yield int(name.removeprefix("teaching-"))

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        bad = []
        for t in self.teachers():
            for kind in ("teaching", "interview"):
                field = self[f"{kind}-{t}"]
                if field.data and parse_score(field.data) is None:
                    bad.append(f"{field.label.text}（{field.data[:8]}）")
            if self[f"verdict-{t}"].data not in VERDICTS.values():
                bad.append(str(self[f"verdict-{t}"].label.text))
        if bad:
            self.form_errors.append(
                _("成绩应为0到100之间、至多一位小数的数：%(names)s", names="、".join(dict.fromkeys(bad)))
            )
            return False
        return ok

    def scores(self) -> dict:
        from ..fair.scores import Score

        out = {}
        for t in self.teachers():
            teaching, interview = self[f"teaching-{t}"].data, self[f"interview-{t}"].data
            out[t] = Score(
                parse_score(teaching) if teaching else None,
                parse_score(interview) if interview else None,
                self[f"verdict-{t}"].data or "",
            )
        return out


class ScoreImportForm(BaseForm):
    file = FileField(
        _l("成绩表（.xlsx 或 .csv）"),
        validators=[FileRequired(_l("请选择文件")), FileAllowed(["xlsx", "csv"], _l("只接受 .xlsx 或 .csv 文件"))],
    )
    submit = SubmitField(_l("导入成绩"))
