"""Who may see what. Every rule here has a test that tries to cross it."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required


def role_required(*roles: str):
    """Only signed-in users with one of ``roles`` get through; others get 403."""

    def decorate(view):
        @wraps(view)
        @login_required
        def wrapper(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorate


def require_school_access(school_id: int) -> None:
    """Bureau staff see every school; a school administrator only their own."""
    if current_user.role == "bureau":
        return
    if current_user.role == "school" and current_user.school_id == school_id:
        return
    abort(403)


def require_teacher_access(teacher_id: int, school_id: int | None = None) -> None:
    """A teacher sees only themselves; their school's administrators and the bureau see them too."""
    if current_user.role == "bureau":
        return
    if current_user.role == "teacher" and current_user.teacher_id == teacher_id:
        return
    if current_user.role == "school" and school_id is not None and current_user.school_id == school_id:
        return
    abort(403)
