"""What the application is made of, registered explicitly: its blueprints and its job handlers."""

from __future__ import annotations


def blueprints() -> list:
    from .accounts import bp as accounts
    from .api import bp as api
    from .auth import bp as auth
    from .core.routes import bp as core
    from .exchanges import bp as exchanges
    from .fair import bp as fair
    from .home import bp as home
    from .preparation import bp as preparation
    from .procedures import bp as procedures
    from .results import bp as results
    from .roster import bp as roster
    from .rounds import bp as rounds
    from .runs import bp as runs

    return [core, home, auth, accounts, rounds, preparation, roster, fair, procedures, runs, results, exchanges, api]


def job_handlers() -> dict:
    """Background job kinds and the function that runs each (params, report) -> result."""
    from .results.paper import paper_job
    from .roster.importer import import_roster_job
    from .runs.service import run_fair_job

    return {"run_fair": run_fair_job, "import_roster": import_roster_job, "paper": paper_job}
