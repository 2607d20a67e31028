"""Slips: kept encrypted for a day (Fernet, with a key derived from SECRET_KEY), printed on A4
sheets and downloaded as .xlsx by the person who made them."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import asdict
from datetime import timedelta

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app
from sqlalchemy import delete, select

from ..core.clock import utcnow
from ..core.spreadsheet import workbook_bytes
from ..core.vocab import ROLES
from ..extensions import db
from .models import SlipBatch
from .services import Slip

KEEP = timedelta(hours=24)


def _fernet() -> Fernet:
    key = hashlib.sha256(("matchapp-slips:" + current_app.config["SECRET_KEY"]).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def keep(slips: list[Slip], title: str, user_id: int | None) -> SlipBatch:
    """Keep a batch of slips (encrypted) for a day; older batches are deleted."""
    now = utcnow()
    db.session.execute(delete(SlipBatch).where(SlipBatch.expires_at < now))
    batch = SlipBatch(
        created_by_id=user_id,
        expires_at=now + KEEP,
        title=title[:128],
        count=len(slips),
        payload=_fernet().encrypt(json.dumps([asdict(s) for s in slips], ensure_ascii=False).encode("utf-8")),
    )
    db.session.add(batch)
    db.session.flush()
    return batch


def open_batch(batch_id: int, user_id: int) -> tuple[SlipBatch, list[Slip]] | None:
    """A batch's slips, for the person who made it, while it is kept."""
    batch = db.session.get(SlipBatch, batch_id)
    if batch is None or batch.created_by_id != user_id or batch.expires_at < utcnow():
        return None
    try:
        rows = json.loads(_fernet().decrypt(batch.payload))
    except InvalidToken:
        return None  # the secret key changed since
    return batch, [Slip(**row) for row in rows]


def recent_batches(user_id: int) -> list[SlipBatch]:
    return list(
        db.session.scalars(
            select(SlipBatch)
            .where(SlipBatch.created_by_id == user_id, SlipBatch.expires_at >= utcnow())
            .order_by(SlipBatch.id.desc())
        )
    )


def slips_workbook(slips: list[Slip], address: str) -> bytes:
    rows: list[list] = [["角色", "用户名", "初始密码", "姓名", "学校", "工号", "登录地址"]]
    for s in slips:
        rows.append(
            [str(ROLES.get(s.role, s.role)), s.username, s.password, s.display_name, s.school_name, s.staff_no, address]
        )
    return workbook_bytes({"账号与初始密码": rows})
