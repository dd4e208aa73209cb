"""How fast notifications are delivered: ``python -m bench.notify_throughput --rows 5000``.

Writes ``rows`` pending e-mail rows, copies of the newest e-mail row in the database (each with its
own delivery id), and times their delivery:

- ``worker`` (default): hands them to Celery as the outbox does (``enqueue_delivery``, one message
  per row) and waits until none is pending: what the running worker(s) on the configured broker
  deliver per second, publishing included. Start the worker first, on the same database and broker.
- ``in_process``: runs the worker's delivery function for each row in this process, no broker, so
  the same work can be profiled (``--profile``).

The copies are deleted afterwards. Needs a database with data (``python -m bench.load --scale
small`` into a database of your own) and the settings production uses (DATABASE_URL, REDIS_URL,
the SMTP sink ``bench.smtp_sink`` or whatever EMAIL_BACKEND says). ``delivery_throughput`` is the
function ``bench.run`` can call.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import time
from typing import Any


def _setup() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reship.config.settings.production")
    django.setup()


def _copies(count: int) -> list[int]:
    from django.utils import timezone

    from reship.choices import NotificationChannel, NotificationStatus
    from reship.models import Notification

    model = (
        Notification.objects.filter(channel=NotificationChannel.EMAIL, request__isnull=False)
        .exclude(recipient_address="")
        .order_by("-pk")
        .first()
    )
    if model is None:
        raise SystemExit("no e-mail notification to copy: load data first (python -m bench.load --scale small)")
    now = timezone.now()
    rows = Notification.objects.bulk_create(
        (
            Notification(
                channel=model.channel,
                template=model.template,
                language=model.language,
                recipient_user_id=model.recipient_user_id,
                recipient_address=model.recipient_address,
                request_id=model.request_id,
                payload=model.payload,
                status=NotificationStatus.PENDING,
                next_attempt_at=now,
                created_at=now,
            )
            for _ in range(count)
        ),
        batch_size=1000,
    )
    return [row.pk for row in rows]


def _pending(ids: list[int]) -> int:
    from reship.choices import NotificationStatus
    from reship.models import Notification

    return Notification.objects.filter(pk__in=ids, status=NotificationStatus.PENDING).count()


def delivery_throughput(*, rows: int = 5000, mode: str = "worker", timeout: float = 300.0) -> dict[str, Any]:
    """Deliver ``rows`` copies of an e-mail row and time it; Django must be set up. Returns the
    figures: rows, seconds (first hand-over to the last row sent), per_second, still pending."""
    from django.conf import settings

    from reship.models import Notification
    from reship.notifications.tasks import enqueue_delivery

    ids = _copies(rows)
    try:
        started = time.monotonic()
        if mode == "in_process":
            from reship.notifications.delivery import notifications_deliver

            for notification_id in ids:
                notifications_deliver(notification_id=notification_id, batch_size=settings.RESHIP_NOTIFY_BATCH_SIZE)
        else:
            enqueue_delivery(ids, webhook_ids=set())
        published = time.monotonic() - started
        left = _pending(ids)
        while left and time.monotonic() - started < timeout:
            time.sleep(0.1)
            left = _pending(ids)
        seconds = time.monotonic() - started
        return {
            "mode": mode,
            "rows": rows,
            "batch_size": getattr(settings, "RESHIP_NOTIFY_BATCH_SIZE", 1),
            "seconds": round(seconds, 2),
            "handed_over_s": round(published, 2),
            "per_second": round((rows - left) / seconds, 1) if seconds else None,
            "pending": left,
        }
    finally:
        for start in range(0, len(ids), 5000):
            Notification.objects.filter(pk__in=ids[start : start + 5000]).delete()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--mode", choices=("worker", "in_process"), default="worker")
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--profile", help="write a cProfile of the run here and print its top 30")
    args = parser.parse_args()
    _setup()
    profiler = cProfile.Profile() if args.profile else None
    if profiler:
        profiler.enable()
    figures = delivery_throughput(rows=args.rows, mode=args.mode, timeout=args.timeout)
    if profiler:
        profiler.disable()
        profiler.dump_stats(args.profile)
        pstats.Stats(args.profile).sort_stats("cumulative").print_stats(30)
    print(json.dumps(figures))  # noqa: T201 - a command-line tool reports on stdout


if __name__ == "__main__":
    main()
