"""Celery entry points of the workflow: thin, safe to run twice."""

from celery import shared_task
from django.utils import timezone

from reship.workflow import timeliness


@shared_task(name="reship.check_deadlines")
def check_deadlines() -> dict[str, int]:
    """Beat: remind and escalate the stages that fell due."""
    return timeliness.deadlines_check(now=timezone.now())
