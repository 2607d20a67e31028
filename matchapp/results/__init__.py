"""Results, publication and paperwork (docs/domain.md steps 7-8)."""

from flask import Blueprint

bp = Blueprint("results", __name__, url_prefix="/fair")

from . import routes  # noqa: E402,F401
