"""The app served for real in tests: gunicorn in a child process, on a free port, with an environment
that holds nothing of the test run's own but what a test sets.

``clean_environment`` builds that environment, ``database_url`` names the test process's database
for it, and ``gunicorn_serve`` runs the server for the length of a ``with`` block, once it answers.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
import requests

REPO_ROOT = Path(__file__).resolve().parent.parent
# What a child process needs to find its programs, its home, its locale and this virtualenv.
KEPT_VARIABLES = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "PYTHONPATH", "VIRTUAL_ENV")
READY_SECONDS = 60
STOP_SECONDS = 30


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url(settings_dict: dict) -> str:
    """A ``DATABASE_URL`` for the database this process uses (pytest-django's test database)."""
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{credentials}{host}:{port}/{quote(str(settings_dict['NAME']), safe='')}"


def clean_environment(**overrides: str) -> dict[str, str]:
    """Only ``KEPT_VARIABLES`` of this process's environment, the base settings with DEBUG off and
    127.0.0.1 the one allowed host, then ``overrides``: no setting of the test run reaches the child
    unless it is passed here."""
    environment = {name: value for name, value in os.environ.items() if name in KEPT_VARIABLES}
    environment |= {
        "DJANGO_SETTINGS_MODULE": "reship.config.settings.base",
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
    }
    return environment | overrides


@dataclass(frozen=True)
class Served:
    url: str
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@contextmanager
def gunicorn_serve(
    environment: dict[str, str],
    *,
    log_path: Path,
    workers: int,
    threads: int = 1,
    timeout: int,
    port: int | None = None,
    ready_path: str = "/healthz",
) -> Iterator[Served]:
    """gunicorn serving the app on 127.0.0.1 (``port``, or a free one), yielded once ``ready_path``
    answers 200; terminated (killed if it does not end) when the block ends. Its output goes to
    ``log_path``: to a file, since a pipe nobody reads fills up and blocks the server."""
    port = port or free_port()
    command = [sys.executable, "-m", "gunicorn", "reship.config.wsgi:application", "--bind", f"127.0.0.1:{port}"]
    command += ["--workers", str(workers), "--threads", str(threads), "--timeout", str(timeout)]
    with log_path.open("w") as stream:
        process = subprocess.Popen(command, cwd=REPO_ROOT, env=environment, stdout=stream, stderr=subprocess.STDOUT)
    served = Served(url=f"http://127.0.0.1:{port}", process=process, log_path=log_path)
    try:
        _wait_until_ready(served, f"{served.url}{ready_path}")
        yield served
    finally:
        process.terminate()
        try:
            process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_ready(served: Served, url: str) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if served.process.poll() is not None:
            pytest.fail(f"gunicorn exited with {served.process.returncode}:\n{served.log()}")
        try:
            if requests.get(url, timeout=10).status_code == 200:
                return
        except requests.RequestException:  # not listening yet, or its workers still loading
            pass
        time.sleep(0.2)
    pytest.fail(f"gunicorn did not answer {url} with 200 within {READY_SECONDS} s:\n{served.log()}")
