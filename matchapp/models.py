"""Every model, imported in one place (for the factory, Alembic and the tests)."""

from .auth.models import User
from .core.audit import AuditLog
from .core.jobs import Job
from .fair.models import Placement, PostRanking, PreferenceList, Run
from .roster.models import ExchangeRecord, School, Teacher
from .rounds.models import Outgoing, Post, Round, SchoolRound

__all__ = [
    "AuditLog",
    "ExchangeRecord",
    "Job",
    "Outgoing",
    "Placement",
    "Post",
    "PostRanking",
    "PreferenceList",
    "Round",
    "Run",
    "SchoolRound",
    "School",
    "Teacher",
    "User",
]
