"""Why a teacher got their result, from the run's own stored files (the engine explains it)."""

from __future__ import annotations

import json

from sqlalchemy import select

from algorithms import explain_teacher, loads_instance, parse_result

from ..extensions import db
from ..roster.models import Teacher
from ..runs.models import Placement, Run


def explanation_for(run: Run, teacher: Teacher, lang: str = "zh") -> list[str]:
    instance = loads_instance(run.instance_json.encode("utf-8"))
    matching, assigned = parse_result(instance, json.loads(run.result_json))
    index = instance.teacher_ids.index(teacher.staff_no)
    placement = db.session.scalar(
        select(Placement).where(Placement.run_id == run.id, Placement.teacher_id == teacher.id)
    )
    if placement is not None and placement.how == "assigned" and placement.school is not None:
        code = placement.school.code
        assigned = assigned.copy()
        assigned[index] = instance.school_ids.index(code)  # a change by hand counts as the assignment
    lines = explain_teacher(instance, index, matching, assigned).lines(instance, lang)
    if placement is not None and placement.how == "unplaced" and run.round.procedure == "competition":
        # 跨校竞聘 assigns nobody: an applicant no school appointed stays at their own school.
        who = f"{teacher.name}（{teacher.staff_no}）"
        lines[0] = f"{who}：未被聘任，留在原校。" if lang == "zh" else f"{who}: not appointed; stays at their school."
    return lines
