"""The ship-to a person reads, and the log of every full reveal to a partner (PIPL, 收件人信息保护).

Every page, sheet, export, slip and API answer that shows a ship-to asks here: ``permissions``
decides full or masked (``can_see_ship_to``), ``orders.ship_to`` masks, and this module records each
time a partner's user was shown one in full (who, when, on what), which the seller reads on the
request. Sellers reading their own customers are not logged: the data is theirs.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from orders import ship_to
from orders.ship_to import ShipToView
from reship import permissions
from reship.accounts.roles import Role, organisation_for
from reship.choices import RevealChannel
from reship.models import CommunicationRecord, ReshipLine, ReshipRequest, ShipToReveal
from reship.models.requests import LINE_TO_SHIP

if TYPE_CHECKING:
    from orders.models import Order
    from reship.accounts.models import User


def with_ship_to_window(queryset: QuerySet[ReshipRequest], *, reader: User | None = None) -> QuerySet[ReshipRequest]:
    """Annotate ``has_line_to_ship`` so ``can_see_ship_to`` needs no query per request of a list.

    Given the ``reader``, only where ``can_see_ship_to`` reads it: for a partner's user. The others'
    answer does not depend on the lines (the seller reads its own in full), and PostgreSQL runs the
    EXISTS as one scan of every line in the system when it expects many requests (90 ms of the
    biggest seller's 94 ms page of closed requests, for an annotation nobody read)."""
    if reader is not None and organisation_for(reader).partner is None:
        return queryset
    open_lines = ReshipLine.objects.filter(LINE_TO_SHIP, request_id=OuterRef("pk"))
    return queryset.annotate(has_line_to_ship=Exists(open_lines))


def _log(user: User | None, requests: Iterable[ReshipRequest], via: RevealChannel) -> None:
    if user is None or not user.is_authenticated:
        return
    now = timezone.now()
    ShipToReveal.objects.bulk_create(
        ShipToReveal(request_id=request.pk, user_id=user.pk, via=via, revealed_at=now) for request in requests
    )


def ship_to_for(user: User | None, request: ReshipRequest, *, via: RevealChannel) -> ShipToView:
    """The request's ship-to as ``user`` may read it; a partner's full view is logged."""
    full = permissions.can_see_ship_to(user, request)
    if full and permissions.side_of(user, request) == Role.PARTNER:
        _log(user, [request], via)
    return ship_to.view(request, full=full)


def ship_to_for_many(
    user: User | None, requests: Iterable[ReshipRequest], *, via: RevealChannel
) -> dict[int, ShipToView]:
    """The ship-to of each request of a list (by pk), with one insert for all of a partner's reveals.
    Pass requests from ``with_ship_to_window`` to avoid a query per request."""
    views: dict[int, ShipToView] = {}
    revealed: list[ReshipRequest] = []
    for request in requests:
        if request.pk in views:
            continue
        full = permissions.can_see_ship_to(user, request)
        views[request.pk] = ship_to.view(request, full=full)
        if full and permissions.side_of(user, request) == Role.PARTNER:
            revealed.append(request)
    if revealed:
        _log(user, revealed, via)
    return views


def order_ship_to_for(user: User | None, order: Order) -> ShipToView:
    """An order's own ship-to (the original parcel's): full for its seller, and for its partner while
    the order awaits shipment; masked otherwise."""
    return ship_to.view(order, full=permissions.can_see_order_ship_to(user, order))


def reveals_of(request: ReshipRequest, *, limit: int = 50) -> list[ShipToReveal]:
    """The latest full reveals of the request's ship-to, for its seller."""
    return list(request.ship_to_reveals.select_related("user").order_by("-revealed_at", "-pk")[:limit])


def communication_summary(user: User | None, request: ReshipRequest, record: CommunicationRecord) -> str:
    """A contact log entry's words as this user may read them: an automatic message to the customer
    says what it said to the seller only (``permissions.can_read_customer_messages``)."""
    if record.automatic and not permissions.can_read_customer_messages(user, request):
        return _("An automatic message from the shop to its customer; its words are for the seller.")
    return record.summary
