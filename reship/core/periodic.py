"""The beat schedule run in-process, for the embedded default (``make run``: SQLite, Celery eager,
no broker), where no ``celery beat`` and no worker run: ``manage.py run_periodic`` loops over
``CELERY_BEAT_SCHEDULE`` and runs each task in its own process when it falls due, as beat would
have queued it — the notification sweeper (so a failed delivery is retried with its backoff and
ends failed after the last attempt), the SLA reminders, the surveys, the purges.

Like beat, a job first runs one interval after the start (a crontab at its next time), and a job
that ran late is not run again to catch up. A task that raises is logged and the loop goes on.
The clock is a parameter, so tests drive the loop tick by tick.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from celery import Celery
from celery.schedules import BaseSchedule, schedule
from django.db import close_old_connections, connections
from django.utils import timezone

logger = logging.getLogger(__name__)

# The loop looks again at least this often, so a stop request or a clock change is seen soon.
MAX_SLEEP_SECONDS = 5.0


@dataclass
class PeriodicJob:
    """One entry of the beat schedule and when it last ran (or when the runner started)."""

    name: str
    task: str
    schedule: BaseSchedule
    last_run_at: datetime
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    runs: int = 0
    failures: int = 0


def _as_schedule(value: Any, *, app: Celery, clock: Callable[[], datetime]) -> BaseSchedule:
    """Beat's own reading of an entry's ``schedule``: seconds, a timedelta, or a schedule object
    (``crontab``, ``schedule``, ``solar``), asked the time by ``clock``."""
    if isinstance(value, int | float):
        value = timedelta(seconds=value)
    if isinstance(value, timedelta):
        value = schedule(value, app=app)
    if not isinstance(value, BaseSchedule):
        raise TypeError(f"Not a beat schedule: {value!r}")
    value.nowfun = clock  # type: ignore[attr-defined]  # celery-types spells it nowfunc; Celery reads nowfun
    return value


def _release_connections() -> None:
    """What a worker does around each task: drop connections past their age or broken, so a
    long-running loop never holds a dead one. Not inside a transaction (a test's): not ours."""
    if not any(connection.in_atomic_block for connection in connections.all(initialized_only=True)):
        close_old_connections()


class PeriodicRunner:
    """Runs the entries of a beat schedule by task name, in this process, when each is due."""

    def __init__(
        self,
        *,
        app: Celery,
        beat_schedule: Mapping[str, Mapping[str, Any]],
        clock: Callable[[], datetime] = timezone.now,
    ) -> None:
        self.app = app
        self.clock = clock
        started = clock()
        self.jobs = [
            PeriodicJob(
                name=name,
                task=entry["task"],
                schedule=_as_schedule(entry["schedule"], app=app, clock=clock),
                last_run_at=started,
                args=tuple(entry.get("args", ())),
                kwargs=dict(entry.get("kwargs", {})),
            )
            for name, entry in beat_schedule.items()
        ]
        if any(job.task not in app.tasks for job in self.jobs):
            # The tasks' modules (the autodiscovered <package>/tasks.py), imported as a worker's start
            # does; Celery's Django fix-up runs django.setup() again with them, logging included.
            app.loader.import_default_modules()
        unknown = sorted(job.task for job in self.jobs if job.task not in app.tasks)
        if unknown:
            raise LookupError(f"The beat schedule names tasks no module defines: {', '.join(unknown)}")

    def tick(self) -> float:
        """Run every job that is due now; return how many seconds until the next one may be."""
        wait = MAX_SLEEP_SECONDS
        for job in self.jobs:
            due, next_check = job.schedule.is_due(job.last_run_at)
            if due:
                self._run(job)
                due, next_check = job.schedule.is_due(job.last_run_at)
            wait = min(wait, max(float(next_check), 0.0))
        return wait

    def _run(self, job: PeriodicJob) -> None:
        job.last_run_at = self.clock()
        job.runs += 1
        started = time.monotonic()
        _release_connections()
        try:
            result = self.app.tasks[job.task].apply(args=job.args, kwargs=job.kwargs, throw=True)
            outcome = f"done: {result.result!r}"
        except Exception as error:  # one task's failure must not stop the others
            job.failures += 1
            outcome = f"failed: {type(error).__name__}: {error}"
            logger.exception("Periodic job %s (%s) failed", job.name, job.task)
        finally:
            _release_connections()
        logger.info("Periodic job %s (%s) %s in %.2f s", job.name, job.task, outcome, time.monotonic() - started)

    def run(
        self,
        *,
        stop: threading.Event,
        ticks: int | None = None,
        sleep: Callable[[float], object] | None = None,
    ) -> None:
        """Loop until ``stop`` is set (or for ``ticks`` rounds), sleeping between rounds with
        ``sleep`` (by default: waiting on ``stop``, so a stop request wakes it at once)."""
        wait = sleep or stop.wait
        done = 0
        while not stop.is_set() and (ticks is None or done < ticks):
            seconds = self.tick()
            done += 1
            if stop.is_set() or (ticks is not None and done >= ticks):
                break
            wait(seconds)
