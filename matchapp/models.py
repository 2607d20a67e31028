"""Every model, imported in one place (for the factory, Alembic and the tests)."""

from .auth.models import User
from .core.audit import AuditLog
from .core.jobs import Job
from .fair.models import PostRanking, PreferenceEntry, PreferenceList, RankingEntry
from .preparation.models import Outgoing, Post, SchoolRound
from .results.models import Publication
from .roster.models import ExchangeRecord, School, Teacher
from .rounds.models import Round
from .runs.models import Placement, Run

__all__ = [
    "AuditLog",
    "ExchangeRecord",
    "Job",
    "Outgoing",
    "Placement",
    "Post",
    "PostRanking",
    "PreferenceEntry",
    "PreferenceList",
    "Publication",
    "RankingEntry",
    "Round",
    "Run",
    "SchoolRound",
    "School",
    "Teacher",
    "User",
]
