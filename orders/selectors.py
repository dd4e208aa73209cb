"""Reads of a seller's orders, always scoped to that seller, with related rows fetched once.

Search uses what the indexes can answer: prefix matches on the platform order number, the
customer's phone (normalised first, then tried in the formats orders store) and the shipment
tracking number; only the customer's name is matched anywhere inside, as people remember part of
a name.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from django.db.models import Case, Count, DateTimeField, Exists, OuterRef, Prefetch, Q, QuerySet, When, Window
from django.db.models.functions import Coalesce
from django.utils import timezone

from orders.choices import ImportStatus
from orders.models import ImportJob, Order, OrderLine, Seller, Shipment
from reship.models import ReshipLine, ReshipRequest
from suppliers.models import DropshipPartner

# Separators people type inside phone numbers: "+86 138-0013 8000", "(0086) 13800138000".
_PHONE_SEPARATORS = re.compile(r"[\s\-().]")
_CHINA_PREFIX = re.compile(r"^(?:\+86|0086|86(?=1\d{10}$))")
# "+1 604 555 0133", "+44 20 7946 0958": a plus, then digits and separators.
_FOREIGN_PHONE = re.compile(r"^\+\d[\d\s\-().]{5,}$")


def phone_normalise(text: str) -> str:
    """A phone number reduced to its digits, without China's +86 / 0086 prefix.

    Returns "" when the text is not a phone number at all (letters, too short), so a search for an
    order number does not also scan phone numbers.
    """
    digits = _CHINA_PREFIX.sub("", _PHONE_SEPARATORS.sub("", text.strip()))
    if not digits.isdigit() or len(digits) < 4:
        return ""
    return digits


def phone_candidates(text: str) -> list[str]:
    """The ways an order may store the phone typed: imports keep the platform's format, so a mobile
    number is "13800138000", "+8613800138000" or "+86 138 0013 8000". Each is a prefix match the
    (seller, customer_phone) index answers, unlike a search inside the stored text."""
    typed = text.strip()
    digits = phone_normalise(text)
    if not digits:
        # Not a mainland number: a number from elsewhere is found as typed, or without its spaces.
        if not _FOREIGN_PHONE.match(typed):
            return []
        return sorted({typed, _PHONE_SEPARATORS.sub("", typed)})
    candidates = [digits, f"+86{digits}", f"+86 {digits}"]
    if typed not in candidates:
        candidates.append(typed)
    if len(digits) == 11:  # a mainland mobile number, written 3-4-4
        grouped = f"{digits[:3]} {digits[3:7]} {digits[7:]}"
        candidates += [grouped, f"+86 {grouped}", f"{digits[:3]}-{digits[3:7]}-{digits[7:]}"]
    return candidates


def tracking_candidates(text: str) -> list[str]:
    """Tracking numbers are pasted from chats and emails: spaces removed; as typed and in capitals,
    since carriers print them in capitals but people type them in lower case."""
    tracking = re.sub(r"\s+", "", text)
    return sorted({tracking, tracking.upper()}) if tracking else []


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def order_list_for_seller(
    *,
    seller: Seller,
    search: str = "",
    platform: str = "",
    partner: DropshipPartner | None = None,
    placed_from: date | None = None,
    placed_to: date | None = None,
) -> QuerySet[Order]:
    """The seller's orders, newest first, with partner and shipments loaded for the list page."""
    orders = Order.objects.filter(seller=seller)
    search = search.strip()
    if search:
        orders = orders.filter(_search_match(seller, search))
    if platform:
        orders = orders.filter(platform=platform)
    if partner is not None:
        orders = orders.filter(partner=partner)
    # Dates are calendar days in the active time zone (the user's), compared as an aware range the
    # index can use rather than a per-row date conversion.
    if placed_from is not None:
        orders = orders.filter(placed_at__gte=_day_start(placed_from))
    if placed_to is not None:
        orders = orders.filter(placed_at__lt=_day_start(placed_to + timedelta(days=1)))
    return (
        orders.select_related("partner")
        .prefetch_related(Prefetch("shipments", queryset=Shipment.objects.order_by("shipped_at", "id")))
        .order_by("-placed_at", "-id")
    )


# More orders than anyone reads from one search; the parcels' orders are fetched as ids first.
TRACKING_MATCH_LIMIT = 500


def _search_match(seller: Seller, search: str) -> Q:
    """Every branch is a prefix or an id match an index answers, so PostgreSQL combines index scans
    (a bitmap OR) instead of reading all of the seller's orders. The parcels' orders are looked up
    first, as ids: a subquery inside the OR would make it test every order. A customer's name is
    matched anywhere inside, which no plain index answers, so only for a search with no digit in
    it: names have none, while the numbers people paste (order, phone, tracking) do."""
    match = Q(platform_order_number__startswith=search)
    for phone in phone_candidates(search):
        match |= Q(customer_phone__startswith=phone)
    if not any(char.isdigit() for char in search):
        match |= Q(customer_name__icontains=search)
    tracking = Q()
    for candidate in tracking_candidates(search):
        tracking |= Q(tracking_number__startswith=candidate)
    if tracking:
        order_ids = list(
            Shipment.objects.filter(tracking, order__seller=seller)
            .values_list("order_id", flat=True)
            .distinct()[:TRACKING_MATCH_LIMIT]
        )
        if order_ids:
            match |= Q(pk__in=order_ids)
    return match


def order_partners_for_seller(*, seller: Seller) -> QuerySet[DropshipPartner]:
    """The partners that fulfil at least one of the seller's orders: the choices of the list filter."""
    fulfils = Order.objects.filter(seller=seller, partner_id=OuterRef("pk"))
    return DropshipPartner.objects.filter(Exists(fulfils)).order_by("name")


def order_get_for_seller(*, seller: Seller, order_id: int) -> Order | None:
    """One order of the seller with everything its detail and new-request pages show, or None."""
    return (
        Order.objects.filter(seller=seller, pk=order_id)
        .select_related("partner")
        .prefetch_related(
            Prefetch("lines", queryset=OrderLine.objects.select_related("product").order_by("id")),
            Prefetch(
                "shipments",
                queryset=Shipment.objects.select_related("reship_request", "carrier").order_by("shipped_at", "id"),
            ),
            Prefetch(
                "reship_requests",
                queryset=ReshipRequest.objects.order_by("-created_at", "-id").prefetch_related(
                    Prefetch("lines", queryset=ReshipLine.objects.select_related("order_line__product").order_by("id"))
                ),
            ),
        )
        .first()
    )


def order_find_by_tracking(*, seller: Seller, tracking_number: str) -> list[Order]:
    """The seller's orders with a parcel (original or reship) of exactly this tracking number."""
    candidates = tracking_candidates(tracking_number)
    if not candidates:
        return []
    order_ids = Shipment.objects.filter(tracking_number__in=candidates, order__seller=seller).values("order_id")
    return list(Order.objects.filter(seller=seller, pk__in=order_ids).order_by("-placed_at", "-id"))


def request_get_for_seller(*, seller: Seller, request_id: int) -> ReshipRequest | None:
    """A request of the seller, with its order, lines and evidence, for the confirmation page."""
    return (
        ReshipRequest.objects.filter(seller=seller, pk=request_id)
        .select_related("order", "partner")
        .prefetch_related(
            Prefetch("lines", queryset=ReshipLine.objects.select_related("order_line__product").order_by("id")),
            "evidence",
        )
        .first()
    )


def import_jobs_stuck(*, now: datetime, after: timedelta, limit: int) -> tuple[int, list[ImportJob]]:
    """Order and tracking imports queued or running for longer than ``after``: running since they
    started, queued since they were handed to a worker (``progress_at``, else written). The sweeper
    (``orders.sweep_import_jobs``) ends or re-queues lost ones after ``STALE_AFTER``; any left past
    that are for an operator (no beat, no worker). How many in all (a window, in the same query) and
    the first ``limit``, the oldest first, each with ``stuck_since`` and its owner loaded."""
    since = Case(
        When(status=ImportStatus.RUNNING, then=Coalesce("started_at", "progress_at", "created_at")),
        default=Coalesce("progress_at", "created_at"),
        output_field=DateTimeField(),
    )
    rows = list(
        ImportJob.objects.filter(status__in=[ImportStatus.QUEUED, ImportStatus.RUNNING])
        .annotate(stuck_since=since)
        .filter(stuck_since__lte=now - after)
        .annotate(stuck_count=Window(Count("pk")))
        .select_related("seller", "partner")
        .order_by("stuck_since", "pk")[:limit]
    )
    return (rows[0].stuck_count if rows else 0), list(rows)
