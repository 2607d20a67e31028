"""The rotation year (轮岗年度): its state, dates and policy, and the preparation of the fair."""

from flask import Blueprint

bp = Blueprint("rounds", __name__, url_prefix="/rounds")

from . import prep_routes, routes  # noqa: E402,F401
