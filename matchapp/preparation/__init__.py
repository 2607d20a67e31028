"""Before the fair (docs/domain.md steps 1-4): eligibility, quotas, outgoing lists, posts, checks."""

from flask import Blueprint

bp = Blueprint("preparation", __name__, url_prefix="/rounds")

from . import routes  # noqa: E402,F401
