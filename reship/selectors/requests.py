"""Reads of reship requests, always scoped to one organisation, with related rows fetched once."""

from django.db.models import Count, QuerySet

from orders.models import Seller
from reship.choices import RequestStatus
from reship.models import ReshipRequest
from suppliers.models import DropshipPartner

REVIEW_STATUSES = (RequestStatus.SUBMITTED,)


def request_list_for_seller(*, seller: Seller) -> QuerySet[ReshipRequest]:
    return ReshipRequest.objects.filter(seller=seller).select_related("order", "partner").order_by("-created_at", "-id")


def request_list_for_partner(*, partner: DropshipPartner) -> QuerySet[ReshipRequest]:
    return (
        ReshipRequest.objects.filter(partner=partner).select_related("order", "seller").order_by("-created_at", "-id")
    )


def request_review_queue_for_partner(*, partner: DropshipPartner) -> QuerySet[ReshipRequest]:
    """Requests waiting for the partner's review; the most overdue first."""
    return (
        ReshipRequest.objects.filter(partner=partner, status__in=REVIEW_STATUSES)
        .select_related("order", "seller")
        .order_by("stage_due_at", "id")
    )


def request_stage_counts(
    *, seller: Seller | None = None, partner: DropshipPartner | None = None
) -> list[tuple[str, str, int]]:
    """(status, label, count) for every status, zeros included, in one aggregate query."""
    if (seller is None) == (partner is None):
        raise ValueError("Give exactly one of seller or partner.")
    scope = {"seller": seller} if seller is not None else {"partner": partner}
    counts = dict(ReshipRequest.objects.filter(**scope).values_list("status").annotate(total=Count("id")).order_by())
    return [(status.value, status.label, counts.get(status.value, 0)) for status in RequestStatus]
