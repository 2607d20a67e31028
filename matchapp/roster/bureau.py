"""The bureau's own settings (one row): how its documents are signed and numbered, and whom the
public contacts about the notice (issue 14, "paper": "the bureau sets its name, the document
number and the contact phone once")."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from .models import Bureau

#: What a publication freezes of the bureau (results/publication.py) and the documents print.
ISSUER_FIELDS = ("name", "department", "phone", "address", "document_prefix")


def bureau_settings() -> Bureau:
    """The bureau's settings (made on first use)."""
    row = db.session.scalar(select(Bureau).limit(1))
    if row is None:
        row = Bureau()
        db.session.add(row)
        db.session.flush()
    return row


def issuer_of(bureau: Bureau) -> dict:
    """The bureau as its documents print it."""
    return {name: getattr(bureau, name) or "" for name in ISSUER_FIELDS}


#: The details a bureau should set before publishing, as the settings page names them.
DETAILS = {"phone": _l("联系电话"), "address": _l("通信地址"), "document_prefix": _l("介绍信文号前缀")}


def missing_details(bureau: Bureau) -> list[str]:
    """What the notice and the letters print that the bureau has not set yet, in words."""
    return [str(label) for name, label in DETAILS.items() if not getattr(bureau, name)]


def save_bureau(bureau: Bureau, **values: str) -> None:
    """Change the bureau's settings (audited like every change of a Bureau row)."""
    for name in ISSUER_FIELDS:
        if name in values:
            setattr(bureau, name, values[name] or "")
    db.session.flush()
