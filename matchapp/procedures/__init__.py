"""How a round places teachers besides the fair: 跨校竞聘 (seed 003 五(三)) and the bureau's
arrangement without a fair (seed 003 五(一)1, 002 方案1). The steps they share with the fair
(preferences, the run, the assignment, publication) stay in their own packages; this one holds
the round's choice of procedure and the pages only 竞聘 has: the school's posts and applications,
the teacher's application, and the assessment scores."""

from flask import Blueprint

bp = Blueprint("procedures", __name__, url_prefix="/procedures")

from . import routes  # noqa: E402,F401
