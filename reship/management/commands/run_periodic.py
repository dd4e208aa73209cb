"""``manage.py run_periodic``: the beat schedule's jobs in this process, for the embedded default.

A thin wrapper around ``reship.core.periodic``: ``make run`` starts it beside ``runserver`` and stops
it with it. With a broker (``REDIS_URL``), ``celery -A reship beat`` and a worker do this job, and the
command refuses to run a second schedule beside them. SIGTERM or SIGINT (Ctrl-C) stops it once the
job running, if any, has finished.
"""

from __future__ import annotations

import signal
import threading
from argparse import ArgumentParser
from types import FrameType
from typing import Any

from celery import current_app
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from reship.core.periodic import PeriodicRunner


class Command(BaseCommand):
    help = "Run the periodic jobs (CELERY_BEAT_SCHEDULE) in-process, without a broker, until stopped."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--ticks",
            type=int,
            default=None,
            help="Stop after this many rounds (default: run until SIGTERM or SIGINT).",
        )

    def handle(self, *args: Any, ticks: int | None, **options: Any) -> None:
        app = current_app
        if not app.conf.task_always_eager:
            raise CommandError(
                "Celery has a broker here (CELERY_TASK_ALWAYS_EAGER is off): run `celery -A reship beat` "
                "and a worker instead of a second schedule in-process."
            )
        stop = threading.Event()

        def request_stop(signum: int, frame: FrameType | None) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        runner = PeriodicRunner(app=app, beat_schedule=settings.CELERY_BEAT_SCHEDULE)
        names = ", ".join(job.name for job in runner.jobs)
        self.stdout.write(f"Periodic jobs running in-process ({len(runner.jobs)}): {names}", ending="\n")
        self.stdout.flush()
        runner.run(stop=stop, ticks=ticks)
        self.stdout.write("Periodic jobs stopped.")
