"""Refusals: what the rules, the calendar or a round's state do not allow.

A service raises a :class:`Refused` (or a subclass of its feature) with a message for the person
who asked, already translated. Nobody catches it in a route: the request's transaction is rolled
back, a page shows the message where the person was (the form they sent), and the JSON API
answers 409 with it (see :mod:`matchapp.core.transaction`).
"""

from __future__ import annotations


class Refused(Exception):
    """A change that is not allowed; ``str(error)`` is the message for the user."""

    code = "refused"


class StaleEdit(Refused):
    """Someone else saved the same thing since it was loaded: nothing was saved."""

    code = "stale"
