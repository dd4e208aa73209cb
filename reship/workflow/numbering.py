"""Readable request numbers: RS-<year>-<six digits>, counted per year, never reused."""

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from reship.models import RequestNumberSequence


def request_number_next(*, year: int | None = None) -> str:
    """Hand out the next number; the row lock makes concurrent submissions get different numbers."""
    year = year or timezone.localdate().year
    with transaction.atomic():
        RequestNumberSequence.objects.get_or_create(year=year)
        RequestNumberSequence.objects.filter(year=year).update(last_value=F("last_value") + 1)
        value = RequestNumberSequence.objects.select_for_update().get(year=year).last_value
    return f"RS-{year}-{value:06d}"
