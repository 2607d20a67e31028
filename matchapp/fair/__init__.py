"""The fair (docs/domain.md step 5): teachers rank schools, schools rank candidates."""

from flask import Blueprint

bp = Blueprint("fair", __name__, url_prefix="/fair")

from . import routes  # noqa: E402,F401
