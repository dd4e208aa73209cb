"""The request id across Celery, and one log line per task run (connected by ``reship.config.celery``).

Publishing — in a web request, or in a task that publishes another — ``before_task_publish`` puts
the current request id in the message's ``reship_request_id`` header. Running, ``task_prerun``
makes the header's id the current one (a task run eagerly, in its publisher's process, keeps the
publisher's, which was never put in a header), so the task's log records carry it and what it
publishes inherits it; ``task_postrun`` writes the task's line and puts back the id before it.
A task beat started has no request id.

The line (logger ``reship.task``, INFO): task name, task id, state (``SUCCESS``, ``FAILURE``,
``RETRY``…), duration in ms, request id. A failure's traceback is Celery's own ERROR line.
"""

from __future__ import annotations

import logging
from contextvars import Token
from time import perf_counter
from typing import Any

from celery import Task
from celery.signals import before_task_publish, task_postrun, task_prerun

from reship.core.request_context import request_id_get, request_id_reset, request_id_sane, request_id_set

HEADER = "reship_request_id"

logger = logging.getLogger("reship.task")

# The tasks running in this process (one at a time per thread; nested when run eagerly): the id
# before each, and when it started.
_running: dict[str, tuple[Token[str], float]] = {}


@before_task_publish.connect(dispatch_uid="reship-request-id-publish")
def _carry_request_id(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    current = request_id_get()
    if current and headers is not None:
        headers.setdefault(HEADER, current)


def carried_request_id(task: Task) -> str:
    """The id a task's message carried: a worker's request has the header as an attribute; a task
    applied with ``headers=`` in-process has it under ``headers``."""
    request = task.request
    value = getattr(request, HEADER, None) or (getattr(request, "headers", None) or {}).get(HEADER)
    return value if request_id_sane(value) else ""


@task_prerun.connect(dispatch_uid="reship-request-id-prerun")
def _task_started(task_id: str | None = None, task: Task | None = None, **kwargs: Any) -> None:
    if task_id is None or task is None:
        return
    request_id = carried_request_id(task) or (request_id_get() if task.request.is_eager else "")
    _running[task_id] = (request_id_set(request_id), perf_counter())


@task_postrun.connect(dispatch_uid="reship-request-id-postrun")
def _task_ended(task_id: str | None = None, task: Task | None = None, state: str | None = None, **kwargs: Any) -> None:
    if task_id is None or task is None:
        return
    entry = _running.pop(task_id, None)
    duration_ms = round((perf_counter() - entry[1]) * 1000, 1) if entry is not None else None
    request_id = request_id_get()
    logger.info(
        "task %s %s %s %s ms",
        task.name,
        task_id,
        state,
        duration_ms,
        extra={
            "task_name": task.name,
            "task_id": task_id,
            "state": state,
            "duration_ms": duration_ms,
            "request_id": request_id or None,
        },
    )
    if entry is not None:
        try:
            request_id_reset(entry[0])
        except ValueError:  # set in another context (never expected): leave none rather than a stale one
            request_id_set("")
