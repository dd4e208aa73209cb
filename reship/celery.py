"""The Celery application: ``celery -A reship worker`` / ``celery -A reship beat``."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reship.settings.base")

app = Celery("reship")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
