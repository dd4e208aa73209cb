"""``manage.py run_reship_story``: four reship requests from submission to closed, one per resolution.

A thin wrapper around ``reship.dev.story``: it reads the options, runs the story and prints per
request the stages passed and the notification rows written per (template, channel, audience),
then how delivery went. Embedded (Celery eager), rows are sent as each change commits; with a real
broker it waits up to ``--wait`` seconds for the worker and fails if any row is still pending or
failed then.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from reship.dev import story
from reship.dev.story import StoryRun


class Command(BaseCommand):
    help = (
        "Drive four reship requests (resend, restock then resend, compensation, a mix) from submission to "
        "closed, and report the notifications each party was sent."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--fresh",
            action="store_true",
            help="Create a new seller, partner, source and users for this run instead of reusing the story's own.",
        )
        parser.add_argument(
            "--wait",
            type=float,
            default=60.0,
            help="With a real broker: seconds to wait for the worker to send every notification (0: do not wait).",
        )

    def handle(self, *args: Any, fresh: bool, wait: float, **options: Any) -> None:
        tag = story.story_tag()
        try:
            cast = story.cast_ensure(tag=tag, fresh=fresh)
        except story.StoryCastConflict as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.MIGRATE_HEADING(
                f"Reship story {tag}: seller “{cast.order.seller.name}”, partner “{cast.order.partner.name}”, "
                f"source “{cast.source.name}”, order {cast.order.platform_order_number} with "
                f"{cast.order.lines.count()} lines"
            )
        )
        runs = story.stories_drive(cast)
        for number, run in enumerate(runs, start=1):
            self._write_run(number, run)

        eager = story.delivery_is_eager()
        if eager:
            self.stdout.write("Delivery: embedded (Celery eager), each row was sent as its change committed.")
        elif wait > 0:
            self.stdout.write(f"Delivery: waiting up to {wait:g} s for the Celery worker to send every row…")
        counts = story.delivery_wait([run.request for run in runs], timeout=0 if eager else wait)
        summary = f"{counts.total} notifications: sent {counts.sent}, pending {counts.pending}, failed {counts.failed}"
        closed = sum(1 for run in runs if run.closed)
        self.stdout.write(f"{closed} of {len(runs)} requests closed; {summary}")
        if counts.short_of_delivered(waited=eager or wait > 0):
            raise CommandError(f"Not every notification was delivered: {summary}.")
        self.stdout.write(self.style.SUCCESS("Every party was notified through the outbox."))

    def _write_run(self, number: int, run: StoryRun) -> None:
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"{number}. {run.story} — {run.request.number}"))
        self.stdout.write(f"   stages: {' → '.join(run.stages)}")
        self.stdout.write(f"   steps:  {'; '.join(run.steps)}")
        self.stdout.write("   notifications written (template, channel, audience: rows):")
        for (template, channel, audience), count in story.notifications_written(run.request).items():
            self.stdout.write(f"     {template:<20} {channel:<7} {audience:<9} {count}")
