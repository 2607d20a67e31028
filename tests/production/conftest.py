"""The production path: the real `matchapp` command in its own process, over HTTP.

These tests start `matchapp demo --no-serve` and `matchapp serve` (gunicorn, forked workers) as
a bureau would, and talk to them with `requests`, each user with a fresh cookie jar, GETting a
form and POSTing it with the page's `csrf_token`, as a browser does.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.conftest import DATABASES, _reset_postgres

SECRET = "production-test-secret-" + "x" * 32


def matchapp_command() -> list[str]:
    """The installed console script (what a bureau runs), next to this interpreter."""
    script = Path(sys.executable).with_name("matchapp")
    return [str(script)] if script.exists() else [shutil.which("matchapp") or "matchapp"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), 0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"nothing answers on port {port}")


class Server:
    """A running `matchapp serve`, stopped with :meth:`stop`."""

    def __init__(
        self,
        env: dict,
        cwd: Path,
        workers: int | None = 2,
        threads: int | None = 4,
        command: list[str] | None = None,
    ):
        """``workers`` or ``threads`` None: not given, so `matchapp serve`'s defaults apply."""
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = cwd / f"serve-{self.port}.log"
        sizes = [*(["--workers", str(workers)] if workers else []), *(["--threads", str(threads)] if threads else [])]
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [*(command or matchapp_command()), "serve", *sizes, "--port", str(self.port)],
                env=env,
                cwd=cwd,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            wait_for_port(self.port, self.process)
        except Exception:
            self.stop()
            raise RuntimeError(self.log.read_text(errors="replace")[-3000:]) from None

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def base_env(database_url: str, instance: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MATCHAPP_", "FLASK_"))}
    env.pop("REDIS_URL", None)
    env.update({"SECRET_KEY": SECRET, "DATABASE_URL": database_url, "MATCHAPP_INSTANCE": str(instance)})
    return env


DEMO_ACCOUNT = re.compile(r"^demo account: (\w+) (\S+) (\S+)$", re.M)


@pytest.fixture(scope="module", params=DATABASES)
def demo_database(request, tmp_path_factory):
    """The demo city made by `matchapp demo --no-serve` on SQLite or PostgreSQL."""
    tmp = tmp_path_factory.mktemp("prod")
    if request.param == "sqlite":
        url = f"sqlite:///{tmp / 'instance' / 'demo.sqlite'}"
    else:
        url = os.environ["TEST_DATABASE_URL"]
        _reset_postgres(url)
    env = base_env(url, tmp / "instance")
    env.pop("SECRET_KEY")
    done = subprocess.run(
        [*matchapp_command(), "demo", "--no-serve"], env=env, cwd=tmp, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    accounts = [m.groups() for m in DEMO_ACCOUNT.finditer(done.stdout)]
    return {"url": url, "tmp": tmp, "accounts": accounts, "db": request.param}


CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match, "no csrf_token on the page"
    return match.group(1)


def sign_in(base: str, username: str, password: str) -> requests.Session:
    """A browser's sign-in: a fresh cookie jar, GET the form, POST it with its token."""
    browser = requests.Session()
    page = browser.get(f"{base}/login", timeout=30)
    assert page.status_code == 200
    answer = browser.post(
        f"{base}/login",
        data={"username": username, "password": password, "csrf_token": csrf_of(page.text)},
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code == 302, (username, answer.status_code, answer.text[:500])
    assert answer.headers["Location"].endswith("/home")
    return browser
