"""Signing in, with a per-account lock after repeated failures."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from ..core.clock import utcnow
from ..extensions import db
from .models import User

_DUMMY: list[str] = []


def _dummy_hash() -> str:
    if not _DUMMY:
        _DUMMY.append(generate_password_hash("not a password"))
    return _DUMMY[0]


class LoginRefused(Exception):
    """``reason`` is ``bad_credentials``, ``locked`` or ``inactive``."""

    def __init__(self, reason: str, until: datetime | None = None):
        super().__init__(reason)
        self.reason = reason
        self.until = until


def authenticate(username: str, password: str, now: datetime | None = None) -> User:
    """Return the user for these credentials or raise :class:`LoginRefused`.

    After ``LOGIN_MAX_FAILURES`` wrong passwords in a row the account is locked for
    ``LOGIN_LOCK_MINUTES``; the counter is kept even for a wrong password on a locked account.
    """
    now = now or utcnow()
    user = db.session.scalar(select(User).where(func.lower(User.username) == username.lower()))
    if user is None:
        # Same work as a real check, so timing does not reveal which usernames exist.
        check_password_hash(_dummy_hash(), password)
        raise LoginRefused("bad_credentials")
    if user.locked_until and user.locked_until > now:
        raise LoginRefused("locked", user.locked_until)
    if not user.check_password(password):
        user.failed_logins += 1
        if user.failed_logins >= current_app.config["LOGIN_MAX_FAILURES"]:
            user.locked_until = now + timedelta(minutes=current_app.config["LOGIN_LOCK_MINUTES"])
            user.failed_logins = 0
        db.session.flush()
        raise LoginRefused(
            "locked" if user.locked_until and user.locked_until > now else "bad_credentials", user.locked_until
        )
    if not user.active:
        raise LoginRefused("inactive")
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    db.session.flush()
    return user


def create_user(
    username: str,
    password: str,
    role: str,
    *,
    school_id: int | None = None,
    teacher_id: int | None = None,
    display_name: str = "",
) -> User:
    """Create an account; a school account needs a school, a teacher account a teacher."""
    if role not in ("bureau", "school", "teacher"):
        raise ValueError(f"unknown role {role!r}")
    if role == "school" and school_id is None:
        raise ValueError("a school account needs a school")
    if role == "teacher" and teacher_id is None:
        raise ValueError("a teacher account needs a teacher")
    if len(password) < 8:
        raise ValueError("the password must have at least 8 characters")
    if db.session.scalar(select(User).where(func.lower(User.username) == username.lower())):
        raise ValueError(f"the username {username!r} is taken")
    user = User(
        username=username,
        role=role,
        school_id=school_id if role == "school" else None,
        teacher_id=teacher_id if role == "teacher" else None,
        display_name=display_name or username,
    )
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user
