"""Accounts for everyone, in bulk: school administrators and teachers from the register and the
roster, with initial passwords on printable slips; resets, disabling, and the pages that manage
them. Above ``roster`` and ``auth`` (it needs both), below ``rounds``."""

from flask import Blueprint

bp = Blueprint("accounts", __name__)

from . import routes  # noqa: E402,F401
