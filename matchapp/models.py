"""Every model, imported in one place (for the factory, Alembic and the tests)."""

from .accounts.models import SlipBatch
from .auth.models import ApiToken, LoginFailure, User, UserSession
from .core.audit import AuditLog
from .core.jobs import Job
from .fair.models import PostRanking, PreferenceEntry, PreferenceList, RankingEntry
from .preparation.models import Outgoing, Post, SchoolRound, SubjectQuota
from .results.models import Publication
from .roster.models import Bureau, ExchangeRecord, School, Staffing, Teacher
from .rounds.models import Round
from .runs.models import Placement, Run

__all__ = [
    "ApiToken",
    "AuditLog",
    "Bureau",
    "LoginFailure",
    "SlipBatch",
    "Staffing",
    "UserSession",
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
    "SubjectQuota",
    "School",
    "Teacher",
    "User",
]
