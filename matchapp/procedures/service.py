"""A round's procedure (fair | competition | arrangement), changed while it is being prepared."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from ..core.errors import Refused
from ..extensions import db
from ..preparation.models import Outgoing, Post
from ..rounds.models import Round
from ..rounds.states import PROCEDURES, require


class ProcedureError(Refused):
    """A change of procedure the round's data does not allow."""


def set_procedure(round_: Round, procedure: str) -> Round:
    """Change how the round places teachers, while it is being prepared (like its policy).

    A 跨校竞聘's posts and applicants are not a fair's (posts come from under-staffed schools,
    applicants from over-staffed ones), so a round that already has posts or outgoing entries
    cannot switch to or from it; the fair and the bureau's arrangement share both and switch
    freely.
    """
    require(round_, "edit_policy")
    if procedure not in PROCEDURES:
        raise ProcedureError(_("没有这种交流方式。"))
    if procedure == round_.procedure:
        return round_
    if "competition" in (procedure, round_.procedure):
        has = db.session.scalar(select(Post.id).where(Post.round_id == round_.id).limit(1)) or db.session.scalar(
            select(Outgoing.id).where(Outgoing.round_id == round_.id).limit(1)
        )
        if has:
            raise ProcedureError(
                _("本年度已有接收岗位或流出（报名）名单，不能改为或改出跨校竞聘；请先删除它们，或建立新的年度。")
            )
    round_.procedure = procedure
    db.session.flush()
    return round_
