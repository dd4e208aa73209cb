"""The columns of a reship-request export (the dashboard's figures and the requests list); how the
sheet is written is ``reship.core.exports``'.

The requests list's export adds each request's ship-to, as its reader may read it
(``reship.privacy``): in full for the seller, for the partner only while a line is its to ship
(each such row logged as a reveal, one insert per chunk of rows), masked otherwise. The dashboard's
export is about figures and carries no ship-to at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from orders.ship_to import ShipToView
from reship import privacy
from reship.choices import RevealChannel
from reship.core.exports import CHUNK_SIZE, Table, chunked
from reship.models import ReshipRequest

if TYPE_CHECKING:
    from reship.accounts.models import User

RELATED = ("order", "seller", "partner", "survey_response")

# The header row, in the order ``request_values`` gives the cells.
COLUMNS: tuple[Promise, ...] = (
    _("Number"),
    _("Order number"),
    _("Seller"),
    _("Dropship partner"),
    _("Reason"),
    _("Description"),
    _("Status"),
    _("Submitted"),
    _("Reviewed"),
    _("Resolved"),
    _("Closed"),
    _("Goods"),
    _("Shipping"),
    _("Compensation"),
    _("Total cost"),
    _("Currency"),
    _("Cost borne by"),
    _("Rating: speed"),
    _("Rating: quality"),
    _("Rating: cooperation"),
    _("Customer rating"),
    _("Platform dispute"),
    _("Bad review"),
)


def request_rows(queryset: QuerySet[ReshipRequest]) -> Iterator[list[Any]]:
    """One row per request, oldest first, their order, seller, partner and survey answer joined."""
    for reship in chunked(queryset.select_related(*RELATED).order_by("created_at", "pk")):
        yield request_values(reship)


def request_values(reship: ReshipRequest) -> list[Any]:
    """One request's cells, in ``COLUMNS`` order."""
    survey = getattr(reship, "survey_response", None)
    return [
        reship.number,
        reship.order.platform_order_number,
        reship.seller.name,
        reship.partner.name,
        reship.get_reason_display(),
        reship.description,
        reship.get_status_display(),
        reship.submitted_at,
        reship.reviewed_at,
        reship.resolved_at,
        reship.closed_at,
        reship.quote_goods,
        reship.quote_shipping,
        reship.quote_compensation,
        reship.quote_total,
        reship.currency,
        reship.get_cost_bearer_display() if reship.cost_bearer else "",
        reship.rating_speed,
        reship.rating_quality,
        reship.rating_cooperation,
        survey.rating if survey is not None else None,
        _yes_no(reship.platform_dispute),
        _yes_no(reship.bad_review),
    ]


def _yes_no(flag: bool) -> Promise:
    return _("Yes") if flag else _("No")


REQUESTS = Table(title=_("Reship requests"), headers=COLUMNS, rows=request_rows)
FILENAME_PREFIX = "reship-requests"

# The ship-to's columns, after the request's own (``ship_to_values`` gives the cells).
SHIP_TO_COLUMNS: tuple[Promise, ...] = (
    _("Recipient"),
    _("Recipient phone"),
    _("Country"),
    _("Province / state"),
    _("City"),
    _("District"),
    _("Street address"),
    _("Postcode"),
    _("Ship-to masked"),
)


def ship_to_values(view: ShipToView) -> list[Any]:
    return [
        view.name,
        view.phone,
        view.country,
        view.province,
        view.city,
        view.district,
        view.street,
        view.postcode,
        _yes_no(view.masked),
    ]


def _with_ship_to(user: User, batch: list[ReshipRequest]) -> Iterator[list[Any]]:
    shown = privacy.ship_to_for_many(user, batch, via=RevealChannel.EXPORT)
    for reship in batch:
        yield request_values(reship) + ship_to_values(shown[reship.pk])


def _rows_with_ship_to(user: User) -> Callable[[QuerySet[ReshipRequest]], Iterator[list[Any]]]:
    def rows(queryset: QuerySet[ReshipRequest]) -> Iterator[list[Any]]:
        ordered = privacy.with_ship_to_window(queryset.select_related(*RELATED).order_by("created_at", "pk"))
        batch: list[ReshipRequest] = []
        for reship in chunked(ordered):
            batch.append(reship)
            if len(batch) == CHUNK_SIZE:
                yield from _with_ship_to(user, batch)
                batch = []
        if batch:
            yield from _with_ship_to(user, batch)

    return rows


def requests_table_for(user: User) -> Table:
    """The requests list's export for this reader: every column of ``REQUESTS``, then the ship-to."""
    return Table(title=_("Reship requests"), headers=COLUMNS + SHIP_TO_COLUMNS, rows=_rows_with_ship_to(user))
