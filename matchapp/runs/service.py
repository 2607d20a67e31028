"""The run: close → solve → certify → write every placement, in one transaction.

The run record keeps the exact instance text, the seed, the engine version and the SHA-256 of
the input, and the result exactly as ``matchapp solve --assign`` writes it: anyone can replay it
and get the same bytes.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from algorithms import ENGINE_VERSION, loads_instance, result_bytes, solve

from ..core.errors import Refused
from ..core.jobs import Job, enqueue
from ..extensions import db
from ..preparation.lists import participants
from ..roster.models import School
from ..rounds.models import Round
from ..rounds.states import require
from .instance import build_instance, canonical_json
from .models import Placement, Run


class RunError(Refused):
    """The run cannot be made or kept (message for the bureau)."""


@dataclass
class RunOutcome:
    run: Run
    notes: list[str]


def run_lock(round_: Round) -> str:
    """The job lock of a round's runs: one run of a round at a time, whichever server starts it."""
    return f"run_fair:{round_.id}"


def require_runnable(round_: Round, preview: bool) -> None:
    """The one guard of runs (pages, API and the job all ask it)."""
    require(round_, "preview" if preview else "run")


def run_fair(round_: Round, user_id: int | None, preview: bool = False, progress=None) -> RunOutcome:
    """Solve the round and write the run and its placements, all in the caller's transaction.

    ``progress(percent, message)``, if given, hears of each phase before anything is written.
    """
    progress = progress or (lambda percent, message: None)
    # Read the round's state under a row lock: two runs of one round never interleave their writes.
    round_ = db.session.scalar(select(Round).where(Round.id == round_.id).with_for_update()) or round_
    require_runnable(round_, preview)
    progress(10, _("读取志愿与排序"))
    doc, notes = build_instance(round_, preview=preview)
    text = canonical_json(doc)
    progress(30, _("运行匹配与行政指定（%(n)s名教师）", n=len(doc["teachers"])))
    instance = loads_instance(text.encode("utf-8"))
    # 跨校竞聘 appoints only whom the schools chose: an applicant not appointed stays at their school.
    result = solve(instance, assign=round_.procedure != "competition")
    if not result.certificate.stable:  # the certificate checks the engine; never expected
        raise RunError(
            _("稳定性校验未通过，结果未保存：%(why)s", why="; ".join(result.certificate.describe(instance, 3)))
        )
    result_text = result_bytes(instance, result).decode("utf-8")  # exactly what `matchapp solve` writes
    progress(70, _("稳定性校验通过，写入结果"))
    run = Run(
        round_id=round_.id,
        kind="preview" if preview else "final",
        created_by_id=user_id,
        seed=round_.seed,
        engine_version=ENGINE_VERSION,
        input_sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        instance_json=text,
        result_json=result_text,
        stable=True,
    )
    db.session.add(run)
    db.session.flush()
    if preview:
        return RunOutcome(run, notes)
    teacher_by_staff = {t.staff_no: t for t in participants(round_)}
    school_by_code = {s.code: s for s in db.session.scalars(select(School))}
    result_doc = json.loads(result_text)
    ranks = {t["id"]: {s: k + 1 for k, s in enumerate(t["preferences"])} for t in doc["teachers"]}
    rows = []
    for staff_no, teacher in teacher_by_staff.items():
        code, how = result_doc["matching"].get(staff_no), "matched"
        if code is None:
            code, how = result_doc.get("assigned", {}).get(staff_no), "assigned"
        rows.append(
            Placement(
                run_id=run.id,
                teacher_id=teacher.id,
                school_id=school_by_code[code].id if code else None,
                how=how if code else "unplaced",
                preference_rank=ranks[staff_no].get(code, 0) if code else 0,
            )
        )
    db.session.add_all(rows)
    round_.state = "matched"
    db.session.flush()
    return RunOutcome(run, notes)


def final_run(round_: Round) -> Run | None:
    return db.session.scalar(select(Run).where(Run.round_id == round_.id, Run.kind == "final").order_by(Run.id.desc()))


def require_final_run(round_: Round) -> Run:
    """The round's final run; refused when there is none yet."""
    run = final_run(round_)
    if run is None:
        raise RunError(_("尚未运行正式匹配。"))
    return run


def run_fair_job(params: dict, report) -> dict:
    """The background form of :func:`run_fair` (the bureau's button and the API)."""
    round_ = db.session.get(Round, params["round_id"])
    if round_ is None:
        raise RunError(_("没有这个年度。"))
    outcome = run_fair(round_, params.get("user_id"), preview=params.get("preview", False), progress=report)
    return {"run_id": outcome.run.id, "kind": outcome.run.kind, "notes": outcome.notes[:20]}


def start_run(round_: Round, preview: bool, user_id: int | None) -> Job:
    """Queue a run of the round (refused in the wrong state, or while another run of it is active)."""
    require_runnable(round_, preview)
    return enqueue(
        "run_fair", {"round_id": round_.id, "preview": preview, "user_id": user_id}, user_id, lock_key=run_lock(round_)
    )
