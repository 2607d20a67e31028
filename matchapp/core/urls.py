"""Where a person is sent next."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import request, url_for


def safe_next(target: str | None) -> str | None:
    """A local path to go to next, or None: never another site (no open redirect through ``next``).

    >>> safe_next("/rounds/1/schools"), safe_next("//evil.example/x"), safe_next("https://evil.example/")
    ('/rounds/1/schools', None, None)
    """
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


def back(fallback: str = "home.index", **values) -> str:
    """The page the person came from (a form's page), if it is ours; ``fallback`` otherwise."""
    referrer = request.referrer
    if referrer:
        parts = urlsplit(referrer)
        if parts.netloc == request.host and parts.path.startswith("/"):
            return parts.path + (f"?{parts.query}" if parts.query else "")
    return url_for(fallback, **values)
