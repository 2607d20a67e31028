"""The JSON API of the fair, for a bureau's HR system (OpenAPI at /api/openapi.json).

Authentication: the browser session (unsafe methods then need the ``X-CSRFToken`` header), or
a bearer token from ``POST /api/v1/token``. The access rules are the pages' own: a teacher
reads and writes only their own list, a school only its own posts, the bureau everything.
"""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api")

from . import routes  # noqa: E402,F401
