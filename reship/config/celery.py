"""The Celery application: ``celery -A reship worker`` / ``celery -A reship beat``.

Tasks live next to what they run (``<package>/tasks.py``); the packages are listed here because
they are not Django apps of their own.
"""

import os
from typing import Any

from celery import Celery, signals

from reship.config import task_log  # noqa: F401  the request id across tasks, a log line per task run

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reship.config.settings.base")

app = Celery("reship")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.autodiscover_tasks(
    [
        "reship.notifications",
        "reship.workflow",
        "reship.evaluation",
        "reship.settlement",
        "reship.services",
        "orders.imports",
    ]
)


@signals.setup_logging.connect
def _log_as_django_does(**kwargs: Any) -> None:
    """Workers and beat log through Django's ``LOGGING`` (JSON in production, the request id on every
    line) instead of Celery's own format; their level is ``LOG_LEVEL``, not the ``-l`` option."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)


def _redbeat_settings() -> dict[str, Any]:
    """celery-redbeat looks its settings up by their own names (``redbeat_redis_url``…) and does not
    find them under Django's ``CELERY_`` namespace as set: it would fall back to the broker's URL and
    transport options (leaving out its own client's timeouts) with a warning. The same values under
    those names."""
    from django.conf import settings

    prefix = "CELERY_REDBEAT_"
    return {
        name.removeprefix("CELERY_").lower(): getattr(settings, name)
        for name in dir(settings)
        if name.startswith(prefix)
    }


app.add_defaults(_redbeat_settings)
