"""The wheel a bureau installs: built from this checkout, installed in a fresh virtual environment
outside it, it creates the demo city and serves its pages (templates, static files, translations
and migrations all travel in the wheel)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import requests

from .conftest import Server, base_env, csrf_of, sign_in

pytestmark = pytest.mark.production
ROOT = Path(__file__).resolve().parents[2]


def _run(*command, cwd, env=None, timeout=900):
    # Nothing of this checkout on the path (a PYTHONPATH would import it instead of the wheel).
    env = {k: v for k, v in (env if env is not None else os.environ).items() if k != "PYTHONPATH"}
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{command}: {done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    return done


def test_the_wheel_installs_and_serves_outside_the_checkout(tmp_path):
    # Built from a clean copy: a build/ folder left in the checkout must not hide a missing step.
    source = tmp_path / "source"
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(
            ".git", "build", "dist", "*.egg-info", "instance", "test-artifacts", "__pycache__"
        ),
    )
    dist = tmp_path / "dist"
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(source), cwd=tmp_path)
    (wheel,) = dist.glob("matchapp-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    templates = sorted(p.relative_to(ROOT / "templates").as_posix() for p in (ROOT / "templates").rglob("*.html"))
    assert sorted(n.removeprefix("matchapp/templates/") for n in names if n.endswith(".html")) == templates
    for needed in (
        "matchapp/static/app.css",
        "matchapp/translations/en/LC_MESSAGES/messages.mo",
        "matchapp/migrations/env.py",
        "matchapp/migrations/alembic.ini",
    ):
        assert needed in names, needed

    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", str(venv), cwd=tmp_path)
    python = venv / "bin" / "python"
    _run(str(python), "-m", "pip", "install", "-q", str(wheel), cwd=tmp_path)
    where = _run(str(python), "-c", "import matchapp; print(matchapp.__file__)", cwd=tmp_path).stdout.strip()
    assert where.startswith(str(venv)), where  # the installed wheel, not this checkout

    site = tmp_path / "bureau"
    site.mkdir()
    database = f"sqlite:///{site / 'instance' / 'demo.sqlite'}"
    env = base_env(database, site / "instance")
    demo_env = {k: v for k, v in env.items() if k != "SECRET_KEY"}
    demo = _run(str(venv / "bin" / "matchapp"), "demo", "--no-serve", cwd=site, env=demo_env)
    bureau_password = next(line.split()[-1] for line in demo.stdout.splitlines() if "demo account: bureau" in line)

    check = subprocess.run(
        [str(venv / "bin" / "matchapp"), "check"], cwd=site, env=env, capture_output=True, text=True, timeout=120
    )
    assert "templates, static files and translations found" in check.stdout, check.stdout + check.stderr
    assert "migrated" in check.stdout

    server = Server(env, site, command=[str(venv / "bin" / "matchapp")])
    try:
        login = requests.get(f"{server.url}/login", timeout=30)
        assert login.status_code == 200 and "登录" in login.text
        assert requests.get(f"{server.url}/static/app.css", timeout=30).status_code == 200
        browser = sign_in(server.url, "bureau", bureau_password)
        home = browser.get(f"{server.url}/home", timeout=30)
        assert home.status_code == 200
        english = browser.post(f"{server.url}/lang/en", data={"csrf_token": csrf_of(home.text)}, timeout=30)
        assert english.status_code == 200 and "Sign out" in english.text  # the compiled catalogue is used
    finally:
        server.stop()

    # The engine from the wheel: a file above the size that is read on two cores (msgspec and the
    # reader travel with the wheel), solved with the assignment, gives the checkout's bytes.
    matchapp = str(venv / "bin" / "matchapp")
    _run(matchapp, "generate", "--teachers", "15000", "--seed", "8", "-o", "fair.json", cwd=site, env=env)
    assert (site / "fair.json").stat().st_size >= 2_000_000  # algorithms.reading.PARALLEL_BYTES
    _run(matchapp, "solve", "fair.json", "--assign", "-o", "wheel.json", cwd=site, env=env)
    _run(sys.executable, "-m", "matchapp", "solve", "fair.json", "--assign", "-o", "checkout.json", cwd=site)
    assert (site / "wheel.json").read_bytes() == (site / "checkout.json").read_bytes()
    assert b'"stable":true' in (site / "wheel.json").read_bytes()
