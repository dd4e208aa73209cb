"""gunicorn's settings for the web service (``gunicorn … --config python:reship.config.gunicorn``).

Each gunicorn worker is a process with its own counters, and a scrape of ``/metrics`` reaches one of
them: prometheus_client's multiprocess mode makes every worker write its figures to files in
``PROMETHEUS_MULTIPROC_DIR`` and ``/metrics`` sum them (``reship.config.metrics``). This sets that
folder (unless the environment already does) before any worker imports the app, empties it when
gunicorn starts (figures of an earlier run would be summed too) and drops a dead worker's live gauges.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

MULTIPROC_DIR = Path(
    os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(Path(tempfile.gettempdir()) / "reship-prometheus"))
)


def on_starting(server: Any) -> None:
    shutil.rmtree(MULTIPROC_DIR, ignore_errors=True)
    MULTIPROC_DIR.mkdir(parents=True, exist_ok=True)


def child_exit(server: Any, worker: Any) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid, str(MULTIPROC_DIR))
