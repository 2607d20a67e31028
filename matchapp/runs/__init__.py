"""The run and the administrative assignment (docs/domain.md steps 6-7)."""

from flask import Blueprint

bp = Blueprint("runs", __name__, url_prefix="/fair")

from . import routes  # noqa: E402,F401
