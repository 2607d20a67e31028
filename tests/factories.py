"""Test factories: each test makes the little world it needs (CTFd-style ``gen_*``)."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

from werkzeug.security import generate_password_hash

from matchapp.auth.models import User
from matchapp.extensions import db
from matchapp.roster.models import School, Teacher
from matchapp.rounds.services import create_round

_seq = itertools.count(1)


@dataclass
class TeacherRecord:
    """A teacher's record as the pure eligibility rules read it (the columns of ``Teacher`` that
    ``preparation/eligibility.py`` uses), for the rule tables; each table file fixes its own
    defaults with ``functools.partial`` (its rows are written against them).

    ``exemption``/``exemption_approved``: this year's exemption as a table writes it, which the
    table turns into the record's ``TeacherExemption`` of the year (preparation/history.py)."""

    gender: str = "F"
    birth_date: dt.date = dt.date(1985, 3, 1)
    started_at_school: dt.date = dt.date(2015, 9, 1)
    title: str = "intermediate"
    title_date: dt.date | None = None
    title_appointed_on: dt.date | None = None
    leader_since: dt.date | None = None
    leadership_role: str = ""
    exemption: str = ""
    exemption_approved: bool = False
    staff_no: str = "T1"
    id: int = 1
    name: str = "教师"
    subject: str = "math"
    backbone: bool = False


_HASH: dict[str, str] = {}


def _hash(password: str) -> str:
    if password not in _HASH:  # scrypt is slow on purpose: hash each test password once
        _HASH[password] = generate_password_hash(password)
    return _HASH[password]


def gen_school(**overrides) -> School:
    k = next(_seq)
    school = School(**{"code": f"S{k:03d}", "name": f"测试学校{k}", "tier": "ordinary", "zone": "东片区", **overrides})
    db.session.add(school)
    db.session.flush()
    return school


def gen_teacher(school: School | None = None, **overrides) -> Teacher:
    k = next(_seq)
    school = school or gen_school()
    values = {
        "staff_no": f"T{k:05d}",
        "name": f"教师{k}",
        "gender": "F",
        "birth_date": dt.date(1985, 3, 1),
        "school_id": school.id,
        "subject": "math",
        "title": "intermediate",
        "education": "bachelor",
        "started_at_school": dt.date(2015, 9, 1),
    }
    values.update(overrides)
    teacher = Teacher(**values)
    db.session.add(teacher)
    db.session.flush()
    return teacher


def gen_user(role: str = "bureau", password: str = "password123", **overrides) -> User:
    k = next(_seq)
    if role == "school" and "school_id" not in overrides:
        overrides["school_id"] = gen_school().id
    if role == "teacher" and "teacher_id" not in overrides:
        overrides["teacher_id"] = gen_teacher().id
    user = User(**{"username": f"{role}{k}", "role": role, "password_hash": _hash(password), **overrides})
    db.session.add(user)
    db.session.flush()
    return user


def gen_round(year: int = 2027, preset: str = "changzhou", **overrides):
    round_ = create_round(year, f"{year}年度教师交流轮岗", preset)
    for key, value in overrides.items():
        setattr(round_, key, value)
    db.session.flush()
    return round_
