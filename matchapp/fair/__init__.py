"""The two-way selection fair: preferences, rankings, runs and results."""

from flask import Blueprint

bp = Blueprint("fair", __name__, url_prefix="/fair")

from . import routes  # noqa: E402,F401
