"""Loaded into the multi-node test's Celery workers (``celery worker --include tests.multinode.task_sink``):
a line per task run, and one when the worker is ready, appended to the file named in
``RESHIP_TEST_TASK_SINK``, so the test counts who ran what and who sent it from the messages
themselves, whatever the log format.

Each run's line has the task's name and id, the worker's node name (``a@…``/``b@…``), the sending
process's id (Celery's ``origin`` header, ``gen<pid>@<host>``: for a periodic job, the beat that sent
it) and the message's ``expires``: beat sets it to its send time plus the schedule's interval, so the
send times of the runs can be read back exactly, however late a worker took the message.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

from celery import signals

SINK_ENV = "RESHIP_TEST_TASK_SINK"


def _append(entry: dict[str, Any]) -> None:
    path = os.environ.get(SINK_ENV)
    if not path:
        return
    # One write() of one short line to a file opened for appending: lines of the two workers (and
    # their pool processes) never interleave.
    with open(path, "a", encoding="utf-8") as sink:
        sink.write(json.dumps({**entry, "pid": os.getpid(), "at": time.time()}) + "\n")


@signals.worker_ready.connect
def _ready(sender: Any = None, **kwargs: Any) -> None:
    _append({"event": "ready", "hostname": sender.hostname if sender is not None else None})


@signals.task_prerun.connect
def _run(task_id: str | None = None, task: Any = None, **kwargs: Any) -> None:
    request = task.request
    _append(
        {
            "event": "run",
            "task": task.name,
            "id": task_id,
            "hostname": request.hostname,
            "origin": request.origin,
            "expires": str(request.expires) if request.expires is not None else None,
        }
    )
