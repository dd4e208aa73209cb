"""Celery entry points of settlement: thin, safe to run twice."""

from celery import shared_task
from django.utils import timezone

from reship.settlement import statements


@shared_task(name="reship.issue_due_statements")
def issue_due_statements() -> int:
    """Beat, hourly: draw up (and, on the pair's terms, issue) the statements of the periods that
    ended. Returns how many statements it drew up or issued."""
    return len(statements.statements_issue_due(now=timezone.now()))
