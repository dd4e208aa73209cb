"""Self-service (售后自助): the problems customers reported themselves on the shop's after-sale page.

- reported: customer reports made in the period, counted by ``reported_at`` (not ``submitted_at``:
  a report is a request before the seller confirms it, and a declined one is never submitted);
- confirmed: ... that the seller (or a rule) confirmed, so they went to the partner;
- time to confirmation: report → confirmation (``submitted_at - reported_at``), median and 90th
  percentile (nearest rank, ``reship.evaluation.sql``) over the confirmed ones;
- auto-confirmed share: confirmed by the shop's rule / confirmed;
- declined: declined by the seller; waiting: still waiting for the seller.

The scope applies as everywhere: a partner never sees a report before it is confirmed
(``lifecycle.BEFORE_PARTNER_STATUSES``), so its "reported" are the confirmed ones only.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from reship import lifecycle
from reship.choices import RequestSource, RequestStatus
from reship.evaluation import sql
from reship.evaluation.links import Link, base_link, narrowed
from reship.evaluation.numbers import hours, rate
from reship.evaluation.scope import EvaluationFilter, requests_for
from reship.models import ReshipRequest

CONFIRMED = Q(submitted_at__isnull=False)


@dataclass(frozen=True)
class SelfService:
    reported: int  # customer reports of the period (by reported_at)
    confirmed: int  # ... confirmed (they went to the partner)
    auto_confirmed: int  # ... confirmed by the shop's rule
    auto_confirmed_share: float | None  # auto_confirmed / confirmed
    declined: int  # ... declined by the seller
    waiting: int  # ... still waiting for the seller
    confirmation_median_hours: float | None  # report → confirmation
    confirmation_p90_hours: float | None
    links: dict[str, Link]  # reported, confirmed, auto_confirmed, declined, waiting


def customer_reports(evaluation_filter: EvaluationFilter) -> QuerySet[ReshipRequest]:
    """The filter's customer reports, their period read on ``reported_at``."""
    f = evaluation_filter
    reports = requests_for(f, period=False).filter(source=RequestSource.CUSTOMER, reported_at__isnull=False)
    if f.start is not None:
        reports = reports.filter(reported_at__gte=f.start)
    if f.end is not None:
        reports = reports.filter(reported_at__lt=f.end)
    return reports


# Confirmed: moved on from the customer's report (the partner's from then on).
CONFIRMED_STATUSES = ",".join(
    status for status in RequestStatus.values if status not in lifecycle.BEFORE_PARTNER_STATUSES
)


def _links(evaluation_filter: EvaluationFilter) -> dict[str, Link]:
    f = evaluation_filter
    reported = narrowed(
        base_link(f, period=False),
        source=RequestSource.CUSTOMER.value,
        reported_from=timezone.localtime(f.start).isoformat() if f.start is not None else None,
        reported_to=timezone.localtime(f.end).isoformat() if f.end is not None else None,
    )
    confirmed = narrowed(reported, status=CONFIRMED_STATUSES)
    return {
        "reported": reported,
        "confirmed": confirmed,
        "auto_confirmed": narrowed(confirmed, auto_confirmed=1),
        "declined": narrowed(reported, status=RequestStatus.DECLINED.value),
        "waiting": narrowed(reported, status=RequestStatus.REPORTED.value),
    }


def self_service_figures(evaluation_filter: EvaluationFilter) -> SelfService:
    reports = customer_reports(evaluation_filter)
    counts = reports.aggregate(
        reported=Count("pk"),
        confirmed=Count("pk", filter=CONFIRMED),
        auto_confirmed=Count("pk", filter=CONFIRMED & Q(auto_confirmed=True)),
        declined=Count("pk", filter=Q(status=RequestStatus.DECLINED)),
        waiting=Count("pk", filter=Q(status=RequestStatus.REPORTED)),
    )
    confirmation = sql.percentiles(
        reports.filter(CONFIRMED), value=sql.SecondsBetween("submitted_at", "reported_at")
    ).get(None, {})
    return SelfService(
        reported=counts["reported"],
        confirmed=counts["confirmed"],
        auto_confirmed=counts["auto_confirmed"],
        auto_confirmed_share=rate(counts["auto_confirmed"], counts["confirmed"]),
        declined=counts["declined"],
        waiting=counts["waiting"],
        confirmation_median_hours=hours(confirmation.get(50)),
        confirmation_p90_hours=hours(confirmation.get(90)),
        links=_links(evaluation_filter),
    )
