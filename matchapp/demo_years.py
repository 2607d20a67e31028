"""The demo city lived over several years (``matchapp demo --through 2029``): every year before
the last is prepared, held, published and lived — teachers report (one refuses, one is late),
receiving schools grade their exchange teachers and the bureau approves, one-year exchanges end
and are certified — and the last year is left in preparation with its carry-overs.

Everything goes through the same services as the pages, each told the day it happens, and draws
from one seeded generator, so every such demo database is the same.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from sqlalchemy import select

from .core.audit import acting_as
from .core.errors import Refused
from .exchanges.assessments import assessable, review, save_grades
from .exchanges.kinds import set_outgoing_kind
from .exchanges.reporting import confirm_reporting, confirm_school_reporting, decide, record_no_show, record_refusal
from .exchanges.rules import excellent_cap
from .exchanges.terms import certificate_problems, ending_in, issue_certificate, return_home
from .extensions import db
from .fair.preferences import posts_for, save_preferences
from .fair.rankings import candidates, save_ranking
from .fair.window import close_fair, open_fair
from .preparation.lists import participants
from .preparation.models import Outgoing, Post
from .preparation.outgoing import apply_ordering_rule, decide_exemption, set_exemption, submit_outgoing, volunteer
from .preparation.posts import confirm_post, propose_posts
from .results.publication import publish
from .roster.models import ExchangeRecord, School, Teacher
from .rounds.models import Round
from .rounds.services import create_round
from .runs.assignment import confirm_assignment
from .runs.service import run_fair

FIRST_YEAR = 2027


def _at(day: dt.date, hour: int = 2) -> dt.datetime:
    """A moment of a day (UTC; 10:00 in Beijing)."""
    return dt.datetime(day.year, day.month, day.day, hour)


def _kinds(round_: Round, rng: np.random.Generator) -> None:
    """Most go full time; some part time, some to 支教, a few on teaching research (seed 004)."""
    entries = db.session.scalars(
        select(Outgoing).where(Outgoing.round_id == round_.id, Outgoing.confirmed.is_(True)).order_by(Outgoing.id)
    ).all()
    for entry in entries:
        draw = rng.random()
        kind = "part_time" if draw < 0.08 else ("support" if draw < 0.13 else ("research" if draw < 0.16 else ""))
        if kind:
            set_outgoing_kind(round_, entry, kind)


def _prepare(round_: Round, rng: np.random.Generator) -> None:
    """Lists completed by the ordering rule and submitted; posts from the outflow, confirmed."""
    day = dt.date(round_.year, 6, 20)
    schools = db.session.scalars(select(School).order_by(School.code)).all()
    for school in schools:
        apply_ordering_rule(round_, school, today=day)
        submit_outgoing(round_, school, now=_at(day))
    _kinds(round_, rng)
    propose_posts(round_)
    for post in db.session.scalars(select(Post).where(Post.round_id == round_.id, Post.seats > 0)):
        if not post.confirmed:
            confirm_post(post, min_education=post.min_education, min_title="", honours="", backbone_seats=0)


def _hold_fair(round_: Round, rng: np.random.Generator, day: dt.date | None = None) -> None:
    """The fair (2 July, or ``day``): every teacher lists a few schools, every post ranks its
    applicants; the run, the assignment confirmed, the results published a week later."""
    day = day or dt.date(round_.year, 7, 2)
    opens = _at(day, 1)
    open_fair(round_, _at(day, 9), now=opens)
    during = _at(day, 3)
    for teacher in participants(round_):
        offered = [p.school_id for p in posts_for(round_, teacher) if p.school_id != teacher.school_id]
        if not offered:
            continue
        chosen = rng.permutation(offered)[: int(rng.integers(2, 6))]
        save_preferences(round_, teacher, [int(s) for s in chosen], submit=True, now=during)
    for post in db.session.scalars(select(Post).where(Post.round_id == round_.id, Post.seats > 0).order_by(Post.id)):
        applicants = candidates(post)
        if applicants:
            order = rng.permutation(len(applicants))
            save_ranking(post, {applicants[k].id: band + 1 for band, k in enumerate(order)}, set(), 0, True, now=during)
    close_fair(round_, now=_at(day, 9))
    run_fair(round_, None)
    confirm_assignment(round_)
    publish(round_, now=_at(day + dt.timedelta(days=8)), actor="bureau")


def _report(round_: Round, rng: np.random.Generator) -> None:
    """Reporting in: one teacher refuses (sanctioned), one is late and warned, the rest report."""
    year = round_.year
    records = db.session.scalars(
        select(ExchangeRecord).where(ExchangeRecord.year == year).order_by(ExchangeRecord.id)
    ).all()
    refuser, late = records[int(rng.integers(0, len(records)))], records[int(rng.integers(0, len(records)))]
    if refuser is not late:
        event = record_refusal(
            refuser, dt.date(year, 8, 20), "以家庭原因为由拒绝到交流学校任教", "bureau", today=dt.date(year, 8, 20)
        )
        decide(event, "sanction", dt.date(year, 8, 26), list(round_.policy.get("refusal_consequences") or []),
               "经谈话仍不服从", "bureau")  # fmt: skip
        event = record_no_show(
            late, dt.date(year, 9, 3), "开学未到岗，电话说明身体不适", "bureau", today=dt.date(year, 9, 3)
        )
        decide(event, "warning", dt.date(year, 9, 9), note="限期到岗", actor="bureau")
        confirm_reporting(late, dt.date(year, 9, 11), "bureau", today=dt.date(year, 9, 11))
    for school in db.session.scalars(select(School).order_by(School.code)):
        waiting = [r for r in records if r.to_school_id == school.id and r.state == "placed"]
        if waiting:
            confirm_school_reporting(round_, school, dt.date(year, 8, 30), None, "bureau", today=dt.date(year, 9, 1))


def _assess(school_year: int, rng: np.random.Generator) -> None:
    """Each receiving school grades the school year; up to its share of 优秀; the bureau approves."""
    policy = db.session.scalar(select(Round.policy).where(Round.year == school_year)) or {}
    for school in db.session.scalars(select(School).order_by(School.code)):
        records = assessable(school, school_year)
        if not records:
            continue
        best = excellent_cap(policy, len(records))
        grades = {}
        for k, record in enumerate(records):
            draw = rng.random()
            grade = "excellent" if k < best and draw < 0.6 else ("basic" if draw > 0.96 else "pass")
            grades[record.id] = (grade, "认真履行交流任务" if grade != "basic" else "教学任务完成一般")
        save_grades(school, school_year, grades, actor=school.code.lower())
        review(school, school_year, approve=True, actor="bureau", on=dt.date(school_year + 1, 7, 5))


def _end_terms(year: int) -> None:
    """Exchanges ending this summer go home, and those graded 合格 get their certificate."""
    for record in ending_in(year):
        if record.planned_return and record.planned_return.year == year:
            return_home(record, "交流期满", "bureau", on=record.planned_return, today=record.planned_return)
            if not certificate_problems(record):
                issue_certificate(record, "bureau", on=dt.date(year, 9, 5))


def _exemptions(round_: Round, rng: np.random.Generator) -> None:
    """A few exemptions recorded by schools for this year (一年一认定), most approved."""
    teachers = db.session.scalars(select(Teacher).order_by(Teacher.staff_no)).all()
    for k, index in enumerate(rng.choice(len(teachers), size=8, replace=False).tolist()):
        teacher = teachers[index]
        code = "illness" if teacher.gender == "M" or k % 2 else "maternity"
        set_exemption(round_, teacher, code, "本人申请，附医院证明")
        if k % 4 != 0:
            decide_exemption(round_, teacher, approve=True)


def live_years(through: int, seed: int = 2027) -> None:
    """Hold and live every year from 2027 up to ``through`` − 1 on the demo city that
    :func:`matchapp.demo.seed_demo` made (its 2027 round in preparation); leave ``through`` in
    preparation."""
    rng = np.random.default_rng(seed + 77)
    with acting_as("demo"):
        first = db.session.scalar(select(Round).where(Round.year == FIRST_YEAR))
        if first is None:
            raise RuntimeError("the demo city has no 2027 round: run seed_demo first")
        round_ = first
        for year in range(FIRST_YEAR, through):
            if year > FIRST_YEAR:
                _end_terms(year)
                round_ = create_round(year, f"{year}年度义务教育学校教师交流轮岗", "changzhou")
                _exemptions(round_, rng)
            _prepare(round_, rng)
            _hold_fair(round_, rng)
            _report(round_, rng)
            _assess(year, rng)  # graded in the summer after: the demo writes the school year at once
            db.session.flush()
        # The terms ending this summer are left to the bureau: the new year's carry-overs.
        last = create_round(through, f"{through}年度义务教育学校教师交流轮岗", "changzhou")
        _exemptions(last, rng)
        # A few volunteers already on the new year's lists.
        for teacher in db.session.scalars(select(Teacher).order_by(Teacher.staff_no)).all()[::97]:
            try:
                volunteer(last, teacher, today=dt.date(through, 5, 10))
            except Refused:  # on exchange, exempt: the record says why not
                continue
        db.session.flush()
