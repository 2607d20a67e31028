"""Accounts, their sign-in sessions and API tokens, and failed sign-ins by account and address."""

from __future__ import annotations

import hashlib
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..core.clock import utcnow
from ..extensions import Model, db


def digest(secret: str) -> str:
    """How a session or token secret is stored: its SHA-256 (the secret itself never is)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class User(UserMixin, Model):
    """A person who signs in: bureau staff, a school's administrator, or a teacher."""

    __tablename__ = "users"
    __audited__ = True
    __audit_exclude__ = {"password_hash", "failed_logins", "locked_until", "last_login_at"}

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64), default="")
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16))  # bureau | school | teacher
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"))
    teacher_id: Mapped[int | None] = mapped_column(ForeignKey("teachers.id"), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)  # kept for older databases; see LoginFailure
    locked_until: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    password_changed_at: Mapped[datetime | None]
    # An initial password (from a slip) must be replaced at the first sign-in.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    slip_issued_at: Mapped[datetime | None]  # when the slip with the initial password was made
    locale: Mapped[str | None] = mapped_column(String(8))

    school = relationship("School", foreign_keys=[school_id])
    teacher = relationship("Teacher", foreign_keys=[teacher_id])

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def set_password(self, password: str) -> None:
        # scrypt (Werkzeug's default): a deliberately slow, memory-hard hash.
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"


class UserSession(Model):
    """One signed-in browser: the cookie carries a random secret, the database its digest, so
    signing out (or a password change) ends it on the server and a copied cookie stops working."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    address: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(256), default="")
    ended_at: Mapped[datetime | None]
    ended_why: Mapped[str] = mapped_column(String(32), default="")  # logout | password | bureau | expired

    user = relationship("User")


class ApiToken(Model):
    """A bearer token of the JSON API: random, shown once, stored as its digest; listed and
    revoked by its owner and by the bureau."""

    __tablename__ = "api_tokens"
    __audited__ = True
    __audit_exclude__ = {"secret_hash", "last_used_at"}

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(64), default="")
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(8), default="")  # the first characters, to recognise it
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    revoked_why: Mapped[str] = mapped_column(String(32), default="")

    user = relationship("User")


class LoginFailure(Model):
    """Failed sign-ins of one account from one address: the delay grows with them, so an attacker
    slows down only their own address, never the account's owner signing in from elsewhere."""

    __tablename__ = "login_failures"
    __table_args__ = (UniqueConstraint("username", "address", name="uq_login_failures_username_address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), index=True)  # lower-cased, as typed
    address: Mapped[str] = mapped_column(String(64))
    count: Mapped[int] = mapped_column(default=0)
    last_failed_at: Mapped[datetime] = mapped_column(default=utcnow)
    locked_until: Mapped[datetime | None]


def session_by_secret(secret: str) -> UserSession | None:
    return db.session.scalar(db.select(UserSession).where(UserSession.secret_hash == digest(secret)))
