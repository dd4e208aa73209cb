"""The Celery application: ``celery -A reship worker`` / ``celery -A reship beat``.

Tasks live next to what they run (``<package>/tasks.py``); the packages are listed here because
they are not Django apps of their own.
"""

import os

from celery import Celery

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
