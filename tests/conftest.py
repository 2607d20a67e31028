"""Fixtures: the app on SQLite always, and on PostgreSQL too when TEST_DATABASE_URL is set."""

from __future__ import annotations

import os
from contextlib import contextmanager

import pytest
from sqlalchemy import text

from matchapp import create_app
from matchapp.extensions import db

DATABASES = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


def _reset_postgres(url: str) -> None:
    """Drop everything in the test database (tables, and Alembic's version table)."""
    from sqlalchemy import create_engine

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(params=DATABASES)
def database_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.sqlite'}"
    url = os.environ["TEST_DATABASE_URL"]
    _reset_postgres(url)
    return url


def make_app(database_url, tmp_path, **overrides):
    config = {
        "MATCHAPP_ENV": "testing",
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "INSTANCE_PATH": str(tmp_path / "instance"),
    }
    config.update(overrides)
    return create_app(config)


@contextmanager
def running(app):
    """An app context with a fresh schema, torn down (and its connections closed) after."""
    with app.app_context():
        db.create_all()
        try:
            yield app
        finally:
            db.session.remove()
            db.drop_all()
            db.engine.dispose()


@pytest.fixture
def app(database_url, tmp_path):
    with running(make_app(database_url, tmp_path)) as app:
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


class AuthActions:
    def __init__(self, client):
        self.client = client

    def login(self, username, password="password123", follow=True):
        return self.client.post("/login", data={"username": username, "password": password}, follow_redirects=follow)

    def logout(self):
        return self.client.post("/logout", follow_redirects=True)


@pytest.fixture
def auth(client):
    return AuthActions(client)
