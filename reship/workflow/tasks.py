"""Celery entry points of the workflow: thin, safe to run twice."""

from celery import shared_task
from django.utils import timezone

from reship.workflow import delivery, timeliness


@shared_task(name="reship.check_deadlines")
def check_deadlines() -> dict[str, int]:
    """Beat: remind and escalate the stages that fell due."""
    return timeliness.deadlines_check(now=timezone.now())


@shared_task(name="reship.send_due_surveys")
def send_due_surveys() -> int:
    """Beat, every minute: send the customers' surveys that fell due (after delivery), each once."""
    return delivery.surveys_send_due(now=timezone.now())
