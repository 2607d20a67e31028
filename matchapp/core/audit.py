"""The audit log: who changed what, when, from what to what.

Every model marked ``__audited__ = True`` is watched: after each flush, one row per inserted,
updated or deleted object is written in the same transaction, so a rolled-back request leaves
no audit trace either. The actor is the signed-in user, or the name set with :func:`acting_as`
(command line, demo, background jobs).
"""

from __future__ import annotations

import contextvars
import datetime as dt
from contextlib import contextmanager
from typing import cast

from sqlalchemy import JSON, Integer, String, Table, event, insert, inspect
from sqlalchemy.orm import Mapped, Session, mapped_column

from ..extensions import Model, db

_actor: contextvars.ContextVar[tuple[int | None, str, str] | None] = contextvars.ContextVar("audit_actor", default=None)


class AuditLog(Model):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(16))  # insert | update | delete
    entity: Mapped[str] = mapped_column(String(64), index=True)
    entity_id: Mapped[int | None] = mapped_column(Integer, index=True)
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(String(512), default="")


@contextmanager
def acting_as(name: str, user_id: int | None = None, reason: str = ""):
    """Attribute the changes made inside the block to ``name`` (and a reason)."""
    token = _actor.set((user_id, name, reason))
    try:
        yield
    finally:
        _actor.reset(token)


def _current_actor() -> tuple[int | None, str, str]:
    explicit = _actor.get()
    if explicit is not None:
        return explicit
    try:
        from flask import has_request_context
        from flask_login import current_user

        if has_request_context() and current_user.is_authenticated:
            return current_user.id, current_user.username, ""
    except ImportError:  # pragma: no cover
        pass
    return None, "system", ""


def record_change(
    entity: str, entity_id: int | None, before: dict | None, after: dict | None, action: str = "update"
) -> None:
    """Write one audit row by hand, in the current transaction: for changes the ORM does not see
    as one object's columns (the entries of a preference list or a ranking)."""
    actor_id, actor, reason = _current_actor()
    db.session.execute(
        insert(cast(Table, AuditLog.__table__)).values(
            at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
            actor_id=actor_id,
            actor=actor,
            action=action,
            entity=entity,
            entity_id=entity_id,
            before=before,
            after=after,
            reason=reason,
        )
    )


def _plain(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, dict)):
        return value
    return str(value)


def _columns(obj):
    mapper = inspect(obj).mapper
    skip = getattr(obj, "__audit_exclude__", set())
    return [c.key for c in mapper.column_attrs if c.key not in skip]


@event.listens_for(db.Model, "mapper_configured", propagate=True)
def _load_old_values(mapper, class_) -> None:
    """Audited columns load their old value before a change, even on an expired object,
    so that "before" is always known."""
    if getattr(class_, "__audited__", False):
        for prop in mapper.column_attrs:
            mapper.class_manager[prop.key].impl.active_history = True


@event.listens_for(Session, "after_flush")
def _write_audit_rows(session: Session, flush_context) -> None:
    rows: list[tuple[str, object, dict | None, dict | None]] = []
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    actor_id, actor, reason = _current_actor()
    for obj in session.new:
        if getattr(obj, "__audited__", False):
            after = {k: _plain(getattr(obj, k)) for k in _columns(obj)}
            rows.append(("insert", obj, None, after))
    for obj in session.dirty:
        if not getattr(obj, "__audited__", False) or not session.is_modified(obj, include_collections=False):
            continue
        state = inspect(obj)
        before, after = {}, {}
        for key in _columns(obj):
            hist = state.attrs[key].history
            if hist.has_changes():
                before[key] = _plain(hist.deleted[0]) if hist.deleted else None
                after[key] = _plain(hist.added[0]) if hist.added else None
        if after:
            rows.append(("update", obj, before, after))
    for obj in session.deleted:
        if getattr(obj, "__audited__", False):
            before = {k: _plain(getattr(obj, k)) for k in _columns(obj)}
            rows.append(("delete", obj, before, None))
    if rows:
        session.connection().execute(
            insert(AuditLog),
            [
                {
                    "at": now,
                    "actor_id": actor_id,
                    "actor": actor,
                    "action": action,
                    "entity": getattr(obj, "__tablename__", type(obj).__name__),
                    "entity_id": getattr(obj, "id", None),
                    "before": before,
                    "after": after,
                    "reason": reason,
                }
                for action, obj, before, after in rows
            ],
        )
