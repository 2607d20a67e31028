"""The exchange after publication (issue 12): reporting in (报到), no-shows and refusals, yearly
assessments, the end of the term, the certificate, the teacher's record and the bureau's reports;
and the kinds of exchange (issue 13 item 12)."""

from flask import Blueprint

bp = Blueprint("exchanges", __name__)

from . import routes  # noqa: E402,F401
