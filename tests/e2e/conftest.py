"""Browser tests: Playwright driving Debian's Chromium against the app on a live server."""

from __future__ import annotations

import os
import shutil
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from matchapp.demo import PASSWORDS, seed_demo
from matchapp.extensions import db
from tests.conftest import DATABASES, _reset_postgres, make_app

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


def _chromium() -> str | None:
    return os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


def pytest_collection_modifyitems(config, items):
    if _chromium() is None:
        skip = pytest.mark.skip(reason="Chromium is not installed (apt-get install chromium); .ci/run installs it")
        for item in items:
            if "e2e" in str(item.fspath):
                item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": _chromium(), "args": CHROMIUM_ARGS}


_APP_ITER = "matchapp.tests.app_iter"


class _ClosingHandler(WSGIRequestHandler):
    """Werkzeug's handler, closing the response when the browser drops the connection.

    Werkzeug's development server reads what is left of the request in a ``finally`` before it
    closes the response; when Chromium resets the connection (it cancels a favicon or a page it
    navigates away from), that read raises and the response's open static file is left to the
    garbage collector, which the suite's ``error`` warning filter turns into a failure of
    whatever test runs then. gunicorn, which production uses, closes it itself.
    """

    def connection_dropped(self, error, environ=None):
        app_iter = (environ or {}).get(_APP_ITER)
        if app_iter is not None and hasattr(app_iter, "close"):
            app_iter.close()


def _remembering(app):
    """The app, keeping its response in the WSGI environ so the handler can close it."""

    def wsgi(environ, start_response):
        app_iter = app(environ, start_response)
        environ[_APP_ITER] = app_iter
        return app_iter

    return wsgi


def live_server(app):
    """Serve ``app`` on a free port in a background thread; the caller shuts it down."""
    server = make_server("127.0.0.1", 0, _remembering(app), threaded=True, request_handler=_ClosingHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@contextmanager
def seeded_server(db_name: str, tmp: Path, seed):
    """A fresh database (a SQLite file, or the test PostgreSQL emptied), filled by ``seed()`` in
    an app context and committed, served on a free port; dropped when the block ends.

    Yields ``(app, url, what seed() returned)``.
    """
    if db_name == "sqlite":
        url = f"sqlite:///{tmp / 'e2e.sqlite'}"
    else:
        url = os.environ["TEST_DATABASE_URL"]
        _reset_postgres(url)
    app = make_app(url, tmp, WTF_CSRF_ENABLED=True)
    with app.app_context():
        db.create_all()
        world = seed()
        db.session.commit()
        db.session.remove()
    server = live_server(app)
    try:
        yield app, f"http://127.0.0.1:{server.server_port}", world
    finally:
        server.shutdown()
        with app.app_context():
            db.drop_all()
            db.engine.dispose()


@pytest.fixture(scope="module", params=DATABASES)
def demo_server(request, tmp_path_factory):
    """The demo city on a fresh database, served on a free port."""
    with seeded_server(request.param, tmp_path_factory.mktemp("e2e"), seed_demo) as (app, url, accounts):
        yield {"url": url, "accounts": accounts, "passwords": PASSWORDS, "app": app, "db": request.param}


def shot(page, name: str, db_name: str = "sqlite") -> Path:
    """Save a full-page screenshot (looked at by a person: see README)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}{'' if db_name == 'sqlite' else '-' + db_name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def confirm_and_press(page, button: str) -> None:
    """Tick the confirmation box in the form of an irreversible step, then press its button."""
    form = page.locator("form", has=page.get_by_role("button", name=button, exact=True))
    form.get_by_label("我已核对以上情况，确认执行").check()
    form.get_by_role("button", name=button, exact=True).click()
