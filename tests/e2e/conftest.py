"""Browser tests: Playwright driving Debian's Chromium against the app on a live server."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

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


@pytest.fixture(scope="module", params=DATABASES)
def demo_server(request, tmp_path_factory):
    """The demo city on a fresh database, served on a free port."""
    tmp = tmp_path_factory.mktemp("e2e")
    if request.param == "sqlite":
        url = f"sqlite:///{tmp / 'demo.sqlite'}"
    else:
        url = os.environ["TEST_DATABASE_URL"]
        _reset_postgres(url)
    app = make_app(url, tmp, WTF_CSRF_ENABLED=True)
    with app.app_context():
        db.create_all()
        accounts = seed_demo()
        db.session.commit()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {
        "url": f"http://127.0.0.1:{server.server_port}",
        "accounts": accounts,
        "passwords": PASSWORDS,
        "app": app,
        "db": request.param,
    }
    server.shutdown()
    with app.app_context():
        db.drop_all()
        db.engine.dispose()


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
