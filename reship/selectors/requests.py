"""Reads of reship requests, always scoped to one organisation, with related rows fetched once.

The request pages (both sides) read through ``request_page_for_user`` and friends, which apply
``permissions.visible_requests_filter``: another organisation's request simply is not there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateTimeField,
    Exists,
    F,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Concat, Trim

from orders.models import Shipment
from reship import permissions, privacy
from reship.accounts.roles import organisation_for
from reship.lifecycle import FILTER_STAGES, OPEN_STATUSES, STAGE_BY_KEY
from reship.models import (
    CommunicationRecord,
    Evidence,
    RequestMessage,
    ReshipEvent,
    ReshipLine,
    ReshipRequest,
    RestockOrder,
    ShipToReveal,
)

if TYPE_CHECKING:
    from reship.accounts.models import User

SEARCH_MAX_LENGTH = 100


# --- the request pages (both sides) ------------------------------------------------------------


def _visible(user: User) -> QuerySet[ReshipRequest]:
    return ReshipRequest.objects.filter(permissions.visible_requests_filter(user))


def _searched(queryset: QuerySet[ReshipRequest], search: str) -> QuerySet[ReshipRequest]:
    """Request number, platform order number, or a tracking number of the order's parcels (the
    original shipment or a reship: the customer quotes whichever they have)."""
    search = search.strip()[:SEARCH_MAX_LENGTH]
    if not search:
        return queryset
    parcels = Shipment.objects.filter(order_id=OuterRef("order_id"), tracking_number__icontains=search)
    return queryset.filter(
        Q(number__icontains=search) | Q(order__platform_order_number__icontains=search) | Exists(parcels)
    )


def request_overdue(now: datetime) -> Q:
    """Open requests whose current stage was due before ``now``: the lists' "overdue"."""
    return Q(status__in=OPEN_STATUSES, stage_due_at__lt=now)


def requests_overdue_by_partner(*, now: datetime) -> Sequence[Mapping[str, Any]]:
    """Every partner's overdue requests (``request_overdue``), counted in SQL, with the earliest due
    time: for platform admins, who see all partners. The most overdue requests first."""
    return list(
        ReshipRequest.objects.filter(request_overdue(now))
        .values("partner_id", "partner__name")
        .annotate(overdue=Count("pk"), earliest_due=Min("stage_due_at"))
        .order_by("-overdue", "earliest_due", "partner_id")
    )


def request_search_for_user(
    *, user: User, now: datetime, stage: str = "", search: str = "", narrowed: Q | None = None
) -> QuerySet[ReshipRequest]:
    """The requests list: the user's organisation's requests, optionally one stage's and matching a
    search; overdue ones first (the longest overdue on top), then the newest. ``narrowed`` is a
    figure's filter (a dashboard link): it narrows within the tenancy filter, never widens it."""
    queryset = _searched(_visible(user), search).filter(narrowed or Q())
    if stage in STAGE_BY_KEY:
        queryset = queryset.filter(status__in=STAGE_BY_KEY[stage].statuses)
    overdue = request_overdue(now)
    return (
        queryset.select_related("order", "seller", "partner")
        .annotate(
            overdue_since=Case(
                When(overdue, then=F("stage_due_at")), default=Value(None), output_field=DateTimeField()
            ),
            parcels_delivered=_parcels_delivered(),
        )
        .order_by(F("overdue_since").asc(nulls_last=True), "-created_at", "-id")
    )


def _parcels_delivered() -> Case:
    """True when the request has reship parcels and every one of them was delivered (the list's
    "Delivered"): two subqueries in the list's one query, whatever the page size."""
    parcels = Shipment.objects.filter(reship_request_id=OuterRef("pk"))
    return Case(
        When(Q(Exists(parcels)) & ~Q(Exists(parcels.filter(delivered_at__isnull=True))), then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )


def request_stage_counts_for_user(
    *,
    user: User,
    search: str = "",
    narrowed: Q | None = None,
    within: Q | None = None,
    tabs: Mapping[str, Q] | None = None,
) -> dict[str, int]:
    """How many of the user's requests (matching the search) are in each stage, and in all
    (``"all"``), among those of the chosen tab (``within``, e.g. waiting for me); and how many each
    tab holds whatever the stage (``"tab_<key>"``). One aggregate query."""
    visible = _searched(_visible(user), search).filter(narrowed or Q())
    chosen = within if within is not None else Q(pk__isnull=False)
    aggregates = {stage.key: Count("pk", filter=Q(status__in=stage.statuses) & chosen) for stage in FILTER_STAGES}
    aggregates["all"] = Count("pk", filter=chosen)
    aggregates.update({f"tab_{key}": Count("pk", filter=query) for key, query in (tabs or {}).items()})
    return visible.aggregate(**aggregates)


def request_page_for_user(*, user: User, request_id: int) -> ReshipRequest | None:
    """One request with everything its page shows, in a fixed number of queries however long its
    history; ``None`` when it does not exist or belongs to another organisation. Annotated with the
    ship-to window (``privacy.with_ship_to_window``), so the page's and the API's ship-to rule reads
    no more rows (for a partner's user: it alone reads it), and for the seller with its partner's
    views of the ship-to (which only the seller reads). Each annotation is a subquery Django compiles
    on every call: the two were a third of the page's CPU before they were limited to their readers."""
    queryset = privacy.with_ship_to_window(_visible(user), reader=user)
    if organisation_for(user).seller is not None:
        queryset = _with_last_reveal(queryset)
    return (
        # The request it follows up is shown by its number only: one column, not its whole row.
        queryset.select_related("order", "seller", "partner")
        .annotate(follow_up_of_number=F("follow_up_of__number"))
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=ReshipLine.objects.select_related(
                    "order_line__product", "substitute_product", "shipment__carrier"
                ).order_by("pk"),
            ),
            Prefetch("evidence", queryset=Evidence.objects.order_by("uploaded_at", "pk")),
            Prefetch("events", queryset=ReshipEvent.objects.select_related("actor").order_by("created_at", "pk")),
            Prefetch("messages", queryset=RequestMessage.objects.select_related("author").order_by("created_at", "pk")),
            Prefetch(
                "communications",
                queryset=CommunicationRecord.objects.select_related("recorded_by", "notification").order_by(
                    "occurred_at", "pk"
                ),
            ),
            Prefetch(
                "restock_orders",
                queryset=RestockOrder.objects.select_related("supplier", "line__order_line__product").order_by(
                    "created_at", "pk"
                ),
            ),
            Prefetch(
                "follow_ups",
                queryset=ReshipRequest.objects.only("pk", "number", "follow_up_of").order_by("created_at", "pk"),
            ),
        )
        .filter(pk=request_id)
        .first()
    )


def request_for_user(*, user: User, request_id: int) -> ReshipRequest | None:
    """The request alone, if the user may see it (another organisation's is None)."""
    return _visible(user).filter(pk=request_id).first()


def request_is_visible(*, user: User, request_id: int) -> bool:
    return _visible(user).filter(pk=request_id).exists()


def request_evidence_for_user(*, user: User, request_id: int, evidence_id: int) -> Evidence | None:
    return Evidence.objects.filter(
        pk=evidence_id, request_id=request_id, request__in=_visible(user).values("pk")
    ).first()


def request_message_for_user(*, user: User, request_id: int, message_id: int) -> RequestMessage | None:
    return RequestMessage.objects.filter(
        pk=message_id, request_id=request_id, request__in=_visible(user).values("pk")
    ).first()


def request_thread_for_user(*, user: User, request_id: int) -> ReshipRequest | None:
    """The request with its messages only: what the thread partial needs after a post."""
    return (
        _visible(user)
        .prefetch_related(
            Prefetch("messages", queryset=RequestMessage.objects.select_related("author").order_by("created_at", "pk"))
        )
        .filter(pk=request_id)
        .first()
    )


def _with_last_reveal(queryset: QuerySet[ReshipRequest]) -> QuerySet[ReshipRequest]:
    """How often the partner saw the ship-to in full, and the last time (who, when, where), on the
    request's own row: the page's summary costs no query of its own (the index reveal_request_recent
    answers each subquery); the whole log is its own page."""
    reveals = ShipToReveal.objects.filter(request_id=OuterRef("pk"))
    last = reveals.order_by("-revealed_at", "-pk")
    return queryset.annotate(
        reveal_count=Coalesce(
            Subquery(reveals.order_by().values("request_id").annotate(total=Count("pk")).values("total")[:1]),
            Value(0),
        ),
        last_reveal_at=Subquery(last.values("revealed_at")[:1]),
        last_reveal_via=Subquery(last.values("via")[:1]),
        last_reveal_username=Subquery(last.values("user__username")[:1]),
        last_reveal_name=Subquery(
            last.annotate(name=Trim(Concat("user__first_name", Value(" "), "user__last_name"))).values("name")[:1]
        ),
    )


REVEALS_PER_PAGE = 50


def request_reveals_for_seller(*, request: ReshipRequest) -> QuerySet[ShipToReveal]:
    """Every full reveal of the request's ship-to to its partner's users (who, when, where), the
    latest first. Only for the request's seller: the caller has checked the side."""
    return ShipToReveal.objects.filter(request_id=request.pk).select_related("user").order_by("-revealed_at", "-pk")
