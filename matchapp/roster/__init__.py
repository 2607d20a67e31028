"""Schools, teachers and their exchange history."""

from flask import Blueprint

bp = Blueprint("roster", __name__, url_prefix="/roster")

from . import routes  # noqa: E402,F401
