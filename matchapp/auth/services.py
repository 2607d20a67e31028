"""Signing in and out, sessions that end on the server, API tokens, and failed sign-ins counted
by account *and* address, with delays that grow: an attacker who guesses one account's password
slows down only their own address; the owner signing in from elsewhere is not locked out."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, func, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from ..core.audit import record_change
from ..core.clock import utcnow
from ..core.errors import Refused
from ..extensions import db
from .models import ApiToken, LoginFailure, User, UserSession, digest
from .passwords import password_problems

if TYPE_CHECKING:
    from sqlalchemy.sql.base import ExecutableOption

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


class AccountError(Refused):
    """A change to an account that is not allowed (message for the person)."""


def _failure(username: str, address: str) -> LoginFailure | None:
    return db.session.scalar(
        select(LoginFailure).where(LoginFailure.username == username.lower(), LoginFailure.address == address)
    )


def lock_minutes(count: int) -> int:
    """Minutes an (account, address) pair waits after its ``count``-th failure in a row: none for
    the first ``LOGIN_MAX_FAILURES``, then ``LOGIN_LOCK_MINUTES``, doubling, at most ``LOGIN_LOCK_MAX_MINUTES``."""
    free = current_app.config["LOGIN_MAX_FAILURES"]
    if count < free:
        return 0
    base, cap = current_app.config["LOGIN_LOCK_MINUTES"], current_app.config["LOGIN_LOCK_MAX_MINUTES"]
    return int(min(cap, base * 2 ** min(count - free, 20)))


def authenticate(username: str, password: str, address: str = "", now: datetime | None = None) -> User:
    """Return the user for these credentials or raise :class:`LoginRefused`.

    The failures are counted for this account from this address; the pair waits longer after
    each failure past ``LOGIN_MAX_FAILURES``; a success clears them.
    """
    now = now or utcnow()
    failure = _failure(username, address)
    if failure and failure.locked_until and failure.locked_until > now:
        check_password_hash(_dummy_hash(), password)  # the same work either way
        raise LoginRefused("locked", failure.locked_until)
    user = db.session.scalar(select(User).where(func.lower(User.username) == username.lower()))
    if user is None or not user.check_password(password):
        if user is None:
            check_password_hash(_dummy_hash(), password)  # timing does not reveal which usernames exist
        if failure is None:
            failure = LoginFailure(username=username.lower()[:64], address=address[:64], count=0)
            db.session.add(failure)
        failure.count += 1
        failure.last_failed_at = now
        minutes = lock_minutes(failure.count)
        failure.locked_until = now + timedelta(minutes=minutes) if minutes else None
        db.session.flush()
        raise LoginRefused("locked" if minutes else "bad_credentials", failure.locked_until)
    if not user.active:
        raise LoginRefused("inactive")
    if failure is not None:
        db.session.delete(failure)
    user.last_login_at = now
    db.session.flush()
    return user


def unlock(user: User) -> int:
    """The bureau lifts every delay on an account (all addresses); audited. Returns how many were lifted."""
    rows = db.session.scalars(select(LoginFailure).where(LoginFailure.username == user.username.lower())).all()
    before = {r.address: r.count for r in rows}
    for row in rows:
        db.session.delete(row)
    db.session.flush()
    record_change("users", user.id, {"login_failures": before}, {"login_failures": {}}, "unlock")
    return len(rows)


def locked_addresses(user: User, now: datetime | None = None) -> list[LoginFailure]:
    now = now or utcnow()
    return list(
        db.session.scalars(
            select(LoginFailure).where(LoginFailure.username == user.username.lower(), LoginFailure.locked_until > now)
        )
    )


# -- sessions --------------------------------------------------------------------------------


def start_session(user: User, address: str = "", user_agent: str = "") -> str:
    """A new signed-in session; returns the secret for the cookie."""
    secret = secrets.token_urlsafe(32)
    db.session.add(
        UserSession(
            user_id=user.id, secret_hash=digest(secret), address=address[:64], user_agent=(user_agent or "")[:256]
        )
    )
    db.session.flush()
    return secret


def session_user(
    user_id: int, secret: str | None, now: datetime | None = None, options: Sequence[ExecutableOption] = ()
) -> User | None:
    """The user of a live session (None if it ended, expired, or belongs to someone else).

    The session and its user come in one query; ``options`` load what every page of the user
    needs with it (the factory passes the teacher and the school: one query per request, not four).
    """
    if not secret:
        return None
    now = now or utcnow()
    found = db.session.execute(
        select(UserSession, User)
        .join(User, User.id == UserSession.user_id)
        .where(UserSession.secret_hash == digest(secret))
        .options(*options)
    ).first()
    if found is None:
        return None
    row, user = found
    if row.ended_at is not None or row.user_id != user_id:
        return None
    idle = timedelta(hours=current_app.config["SESSION_IDLE_HOURS"])
    if now - row.last_seen_at > idle:
        row.ended_at, row.ended_why = now, "expired"
        db.session.flush()
        return None
    if now - row.last_seen_at > timedelta(minutes=5):  # seen recently enough: no write on every request
        row.last_seen_at = now
        db.session.flush()
    return user


def end_session(secret: str | None, why: str = "logout", now: datetime | None = None) -> None:
    if not secret:
        return
    db.session.execute(
        update(UserSession)
        .where(UserSession.secret_hash == digest(secret), UserSession.ended_at.is_(None))
        .values(ended_at=now or utcnow(), ended_why=why)
    )


def end_everything(user: User, why: str, keep_session: str | None = None, now: datetime | None = None) -> None:
    """End every session of the user (but ``keep_session``) and revoke every token."""
    now = now or utcnow()
    query = update(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
    if keep_session:
        query = query.where(UserSession.secret_hash != digest(keep_session))
    db.session.execute(query.values(ended_at=now, ended_why=why))
    db.session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now, revoked_why=why)
    )


def live_sessions(user: User) -> list[UserSession]:
    return list(
        db.session.scalars(
            select(UserSession)
            .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
            .order_by(UserSession.last_seen_at.desc())
        )
    )


# -- API tokens ------------------------------------------------------------------------------


def issue_token(user: User, name: str = "", hours: int | None = None) -> tuple[str, ApiToken]:
    """A new bearer token; the secret is returned once and never stored."""
    secret = "mt_" + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=name[:64],
        secret_hash=digest(secret),
        prefix=secret[:8],
        expires_at=utcnow() + timedelta(hours=hours or current_app.config["API_TOKEN_HOURS"]),
    )
    db.session.add(token)
    db.session.flush()
    return secret, token


def token_user(secret: str, now: datetime | None = None) -> tuple[User, ApiToken] | None:
    now = now or utcnow()
    token = db.session.scalar(select(ApiToken).where(ApiToken.secret_hash == digest(secret)))
    if token is None or token.revoked_at is not None or token.expires_at <= now:
        return None
    user = db.session.get(User, token.user_id)
    if user is None or not user.active:
        return None
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        token.last_used_at = now
        db.session.flush()
    return user, token


def tokens_of(user: User) -> list[ApiToken]:
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())))


def revoke_token(token: ApiToken, why: str = "owner", now: datetime | None = None) -> None:
    if token.revoked_at is None:
        token.revoked_at, token.revoked_why = now or utcnow(), why
        db.session.flush()


def forget_expired(now: datetime | None = None) -> None:
    """Drop the records nobody needs any more (old failures; ended sessions after 30 days)."""
    now = now or utcnow()
    db.session.execute(delete(LoginFailure).where(LoginFailure.last_failed_at < now - timedelta(days=1)))
    db.session.execute(delete(UserSession).where(UserSession.ended_at < now - timedelta(days=30)))


# -- accounts --------------------------------------------------------------------------------


def change_password(user: User, current: str, new: str, keep_session: str | None = None) -> None:
    """The user changes their own password; every other session and every token ends."""
    if not user.check_password(current):
        raise AccountError(_("当前密码不正确。"))
    problems = password_problems(new, user.username)
    if problems:
        raise AccountError(_("新密码不符合要求：%(why)s。", why="；".join(problems)))
    if user.check_password(new):
        raise AccountError(_("新密码不能与当前密码相同。"))
    user.set_password(new)
    user.password_changed_at = utcnow()
    user.must_change_password = False
    end_everything(user, "password", keep_session=keep_session)
    db.session.flush()
    record_change("users", user.id, None, {"password": "changed"}, "password")


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
    problems = password_problems(password, username)
    if problems:
        raise ValueError("the password is too weak: " + "; ".join(problems))
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
