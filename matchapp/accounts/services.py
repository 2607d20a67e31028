"""Accounts in bulk, the way the national teacher information system hands out default passwords:
one action makes an account for every school administrator or every teacher, each with a random
initial password printed on a slip; the first sign-in must replace it.

- School administrators: username = the school code in lower case (``s01``).
- Teachers: username = 工号, or 身份证号 if the bureau chooses (``Bureau.teacher_usernames``).
- An initial password is 10 characters from 54 unambiguous letters and digits (about 57 bits):
  it is hashed with a lighter scrypt (N = 2^10, r = 8: 1 MiB) so that 20,000 slips take seconds, which is safe
  for a random password of that strength; the password the person chooses at the first sign-in
  is hashed at the full cost (Werkzeug's scrypt, N = 2^15).
- A teacher who enters an outgoing list later gets an account then (without a usable password);
  the school issues the slip, and sees whose slips are still to be handed out.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from ..auth.models import LoginFailure, User
from ..auth.services import end_everything
from ..core.audit import record_change
from ..core.clock import utcnow
from ..core.errors import Refused
from ..extensions import db
from ..roster.bureau import bureau_settings
from ..roster.models import School, Teacher

INITIAL_HASH = "scrypt:1024:8:1"
NO_PASSWORD = "!"  # noqa: S105 - not a hash: no password can match it
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"  # no 0/O, 1/l/I
_UPPER, _LOWER, _DIGITS = "ABCDEFGHJKLMNPQRSTUVWXYZ", "abcdefghijkmnpqrstuvwxyz", "23456789"


class AccountRefused(Refused):
    """An account action that is not allowed."""


@dataclass(frozen=True)
class Slip:
    """What a person is handed: where to sign in, as whom, with which initial password."""

    role: str
    username: str
    password: str
    display_name: str
    school_name: str
    staff_no: str = ""


def initial_password() -> str:
    """10 random characters with an upper-case letter, a lower-case letter and a digit."""
    while True:
        text = "".join(secrets.choice(_ALPHABET) for _ in range(10))
        if any(c in _UPPER for c in text) and any(c in _LOWER for c in text) and any(c in _DIGITS for c in text):
            return text


def _hash_initial(password: str) -> str:
    return generate_password_hash(password, method=INITIAL_HASH)


def _hash_all(passwords: list[str]) -> list[str]:
    """Hash many initial passwords, on every core when there are many."""
    if len(passwords) < 200:
        return [_hash_initial(p) for p in passwords]
    import multiprocessing
    import os

    with multiprocessing.get_context("fork").Pool(min(4, os.cpu_count() or 1)) as pool:
        return pool.map(_hash_initial, passwords, chunksize=256)


def teacher_username(teacher: Teacher, source: str) -> str | None:
    if source == "id_number":
        return teacher.id_number or None
    return teacher.staff_no.lower()


def _taken(usernames: Iterable[str]) -> set[str]:
    names = sorted({u.lower() for u in usernames})
    taken: set[str] = set()
    for start in range(0, len(names), 5000):
        taken.update(
            db.session.scalars(
                select(func.lower(User.username)).where(func.lower(User.username).in_(names[start : start + 5000]))
            )
        )
    return taken


@dataclass(frozen=True)
class _Candidate:
    username: str
    fields: dict
    display_name: str
    school_name: str
    staff_no: str = ""


def _make(candidates: list[_Candidate], password_for: Callable[[str], str] | None, must_change: bool) -> list[Slip]:
    """Create the accounts whose username is free; return their slips."""
    taken = _taken(c.username for c in candidates)
    fresh = [c for c in candidates if c.username.lower() not in taken]
    passwords = [password_for(c.username) if password_for else initial_password() for c in fresh]
    now = utcnow()
    for c, hashed in zip(fresh, _hash_all(passwords)):
        db.session.add(
            User(
                username=c.username,
                display_name=c.display_name,
                password_hash=hashed,
                must_change_password=must_change,
                slip_issued_at=now,
                **c.fields,
            )
        )
    db.session.flush()
    return [
        Slip(c.fields["role"], c.username, p, c.display_name, c.school_name, c.staff_no)
        for c, p in zip(fresh, passwords)
    ]


def create_school_accounts(
    schools: list[School] | None = None, password_for: Callable[[str], str] | None = None, must_change: bool = True
) -> list[Slip]:
    """An administrator account for every school that has none (username: the school code)."""
    schools = list(schools) if schools is not None else list(db.session.scalars(select(School).order_by(School.code)))
    has = set(db.session.scalars(select(User.school_id).where(User.role == "school", User.school_id.is_not(None))))
    candidates = [
        _Candidate(s.code.lower(), {"role": "school", "school_id": s.id}, _("%(school)s管理员", school=s.name), s.name)
        for s in schools
        if s.id not in has
    ]
    return _make(candidates, password_for, must_change)


def create_teacher_accounts(
    teachers: list[Teacher] | None = None,
    password_for: Callable[[str], str] | None = None,
    must_change: bool = True,
    issue: bool = True,
) -> list[Slip]:
    """An account for every teacher given (all teachers by default) who has none.

    ``issue=False`` makes the accounts without a usable password: their slips are issued later
    (:func:`issue_slips`), by the school that hands them out.
    """
    source = bureau_settings().teacher_usernames
    if teachers is None:
        teachers = list(db.session.scalars(select(Teacher).order_by(Teacher.staff_no)))
    has = set(db.session.scalars(select(User.teacher_id).where(User.teacher_id.is_not(None))))
    schools = {s.id: s.name for s in db.session.scalars(select(School))}
    candidates, missing = [], []
    for t in teachers:
        if t.id in has:
            continue
        username = teacher_username(t, source)
        if username is None:
            missing.append(t.staff_no)
            continue
        candidates.append(
            _Candidate(
                username, {"role": "teacher", "teacher_id": t.id}, t.name, schools.get(t.school_id, ""), t.staff_no
            )
        )
    if missing:
        raise AccountRefused(
            _("以身份证号为用户名，但%(n)s名教师没有身份证号：%(who)s", n=len(missing), who="、".join(missing[:10]))
        )
    if not issue:
        taken = _taken(c.username for c in candidates)
        for c in candidates:
            if c.username.lower() not in taken:
                # No password matches "!": the school issues the slip when it hands it out.
                db.session.add(
                    User(
                        username=c.username,
                        display_name=c.display_name,
                        password_hash=NO_PASSWORD,
                        must_change_password=True,
                        **c.fields,
                    )
                )
        db.session.flush()
        return []
    return _make(candidates, password_for, must_change)


def ensure_teacher_account(teacher: Teacher) -> User | None:
    """A teacher who has entered an outgoing list gets an account (slip to be issued by the school)."""
    existing = db.session.scalar(select(User).where(User.teacher_id == teacher.id))
    if existing is not None:
        return existing
    try:
        create_teacher_accounts([teacher], issue=False)
    except AccountRefused:
        return None  # no 身份证号 while the bureau names accounts by it: the school sees it missing
    return db.session.scalar(select(User).where(User.teacher_id == teacher.id))


def slip_of(user: User, password: str) -> Slip:
    school = user.school.name if user.school else (user.teacher.school.name if user.teacher else "")
    staff_no = user.teacher.staff_no if user.teacher else ""
    return Slip(user.role, user.username, password, user.display_name, school, staff_no)


def issue_slips(users: list[User]) -> list[Slip]:
    """New initial passwords, on slips, for accounts nobody has signed in to yet."""
    waiting = [u for u in users if u.must_change_password and u.active]
    passwords = [initial_password() for _ in waiting]
    now = utcnow()
    for user, hashed in zip(waiting, _hash_all(passwords)):
        user.password_hash, user.slip_issued_at = hashed, now
    db.session.flush()
    return [slip_of(u, p) for u, p in zip(waiting, passwords)]


def may_manage(actor: User, user: User) -> bool:
    """The bureau manages school administrators and teachers; a school its own teachers."""
    if actor.role == "bureau":
        return user.role in ("school", "teacher") or (user.role == "bureau" and user.id != actor.id)
    if actor.role == "school" and user.role == "teacher" and user.teacher is not None:
        return user.teacher.school_id == actor.school_id
    return False


def reset_password(actor: User, user: User) -> Slip:
    """A new initial password (a new slip); every session and token of the account ends. Audited."""
    if not may_manage(actor, user):
        raise AccountRefused(_("无权重置该账号的密码。"))
    password = initial_password()
    user.password_hash = _hash_initial(password)
    user.must_change_password, user.slip_issued_at = True, utcnow()
    end_everything(user, "reset")
    for failure in db.session.scalars(select(LoginFailure).where(LoginFailure.username == user.username.lower())):
        db.session.delete(failure)
    db.session.flush()
    record_change("users", user.id, None, {"password": "reset", "by": actor.username}, "reset_password")
    return slip_of(user, password)


def set_active(actor: User, user: User, active: bool, reason: str = "") -> None:
    """Disable an account (a teacher who retired or left) or enable it again. Audited."""
    if not may_manage(actor, user):
        raise AccountRefused(_("无权停用或启用该账号。"))
    if not active and not reason.strip():
        raise AccountRefused(_("请写明停用理由（如退休、调离）。"))
    if user.active == active:
        return
    from ..core.audit import acting_as

    with acting_as(actor.username, actor.id, reason.strip()):
        user.active = active
        db.session.flush()
    if not active:
        end_everything(user, "disabled")


def account_state(user: User, locked: set[str], now: datetime | None = None) -> str:
    """never | active | locked | disabled — as the account pages filter them."""
    if not user.active:
        return "disabled"
    if user.username.lower() in locked:
        return "locked"
    if user.last_login_at is None:
        return "never"
    return "active"


def locked_usernames(now: datetime | None = None) -> set[str]:
    now = now or utcnow()
    return set(db.session.scalars(select(LoginFailure.username).where(LoginFailure.locked_until > now)))
