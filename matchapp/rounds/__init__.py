"""The rotation year (轮岗年度): its state, dates and policy."""

from flask import Blueprint

bp = Blueprint("rounds", __name__, url_prefix="/rounds")

from . import routes  # noqa: E402,F401
