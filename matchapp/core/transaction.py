"""One commit per request, in one place (the way Indico's request handler does it).

Routes and services never commit: services change objects and ``flush()``; when the view has
returned, :func:`finish_request` commits if the response succeeded (status below 400) and no
refusal was recorded, and rolls back otherwise. Any exception rolls the whole request back.
Command-line commands and background jobs commit once each, themselves.

Work that must wait until the changes are visible to other connections (handing a job to a
worker) is registered with :func:`after_commit`.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Response, flash, request
from sqlalchemy import event

from ..extensions import db

# Flags of the request itself (its WSGI environ), never of ``g``: an app context can outlive a
# request (tests, the command line), and nothing of one request may leak into the next.
_DISCARD = "matchapp.discard_changes"
_KEEP = "matchapp.keep_changes"


def discard_changes() -> None:
    """This request's changes are not kept, even though it answers normally."""
    request.environ[_DISCARD] = True


def keep_changes() -> None:
    """Commit this request's changes even though it answers with an error (a failed sign-in's
    counter, answered 401)."""
    request.environ[_KEEP] = True


def refuse(message: object, category: str = "error") -> None:
    """Tell the person what was refused (a flashed message) and drop the request's changes."""
    flash(str(message), category)
    discard_changes()


def after_commit(callback: Callable[[], None]) -> None:
    """Run ``callback`` once the current transaction has committed (never if it rolls back)."""
    session = db.session()

    def run(_session) -> None:
        callback()

    event.listen(session, "after_commit", run, once=True)

    def forget(_session, _previous=None) -> None:
        if event.contains(session, "after_commit", run):
            event.remove(session, "after_commit", run)

    event.listen(session, "after_soft_rollback", forget, once=True)


def finish_request(response: Response) -> None:
    """Commit the request's work if it succeeded, roll it back otherwise."""
    if request.environ.get(_KEEP) or (response.status_code < 400 and not request.environ.get(_DISCARD)):
        db.session.commit()
    else:
        db.session.rollback()
