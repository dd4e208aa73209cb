"""The columns of an order export: one row per order line, the order's fields repeated on each, so
the sheet can be filtered by SKU and read back by the order import. How the sheet is written is
``reship.core.exports``'.

Headers are the order import's labels for its fields (``orders.imports.fields``), so the file goes
back in through the import as it is. The ship-to's columns are the reader's view of it
(``reship.privacy.order_ship_to_for``): in full for the seller, masked for a partner once the
order has shipped. Carrier and tracking number are the order's original parcel (a reship's parcel
belongs to its request's export); an order without lines still gets a row, its line cells empty.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import TYPE_CHECKING, Any

from django.db.models import Prefetch, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from orders.imports import fields
from orders.models import Order, OrderLine, Shipment
from orders.ship_to import ShipToView
from reship import privacy
from reship.core.exports import Table, chunked

if TYPE_CHECKING:
    from reship.accounts.models import User


def _imported(key: str) -> Promise:
    return fields.FIELDS_BY_KEY[key].label


# The order import's own labels, so a sheet exported here is mapped by it without a preset.
COLUMNS = (
    _imported(fields.ORDER_NUMBER),
    _imported(fields.PLATFORM),
    _imported(fields.PLACED_AT),
    _imported(fields.CUSTOMER_NAME),
    _imported(fields.CUSTOMER_PHONE),
    _imported(fields.CUSTOMER_EMAIL),
    *(_imported(key) for key in fields.SHIP_TO_KEYS.values()),
    _imported(fields.SKU_CODE),
    _("Product"),
    _imported(fields.QUANTITY),
    _imported(fields.UNIT_PRICE),
    _imported(fields.AMOUNT),
    _("Currency"),
    _imported(fields.PARTNER),
    _imported(fields.CARRIER),
    _imported(fields.TRACKING_NUMBER),
    _("Status"),
)
FILENAME_PREFIX = "orders"


def order_rows(queryset: QuerySet[Order], *, viewer: User | None) -> Iterator[list[Any]]:
    """A row per line of each order, oldest order first; lines (with their SKU), shipments and the
    partner are read once per chunk of orders, whatever the number of rows."""
    original_parcels = (
        Shipment.objects.filter(reship_request__isnull=True).select_related("carrier").order_by("shipped_at", "id")
    )
    orders = (
        queryset.select_related("partner")
        .prefetch_related(None)  # what a list page prefetched is replaced by what the sheet reads
        .prefetch_related(
            Prefetch("lines", queryset=OrderLine.objects.select_related("product").order_by("id")),
            Prefetch("shipments", queryset=original_parcels),  # so order.shipments.all() holds only those
        )
        .order_by("placed_at", "id")
    )
    for order in chunked(orders):
        ship_to = privacy.order_ship_to_for(viewer, order)
        for line in order.lines.all() or [None]:
            yield order_values(order, line, ship_to)


def order_values(order: Order, line: OrderLine | None, ship_to: ShipToView) -> list[Any]:
    """One line's cells, in ``COLUMNS`` order; the order's cells repeated on each of its lines."""
    original_parcels = order.shipments.all()  # prefetched by order_rows: the original parcels only
    parcel = original_parcels[0] if original_parcels else None
    where = ship_to.as_dict()
    return [
        order.platform_order_number,
        order.get_platform_display(),
        order.placed_at,
        order.customer_name,
        order.customer_phone,
        order.customer_email,
        *(where[short] for short in fields.SHIP_TO_KEYS),
        line.product.sku_code if line else None,
        line.product.name if line else None,
        line.quantity if line else None,
        line.unit_price if line else None,
        order.amount,
        order.currency,
        order.partner.name,
        parcel.carrier_name if parcel else None,
        parcel.tracking_number if parcel else None,
        order.get_status_display(),
    ]


def orders_table(viewer: User | None) -> Table:
    """The orders export as ``viewer`` may read it (the ship-to full or masked)."""
    return Table(title=_("Orders"), headers=COLUMNS, rows=partial(order_rows, viewer=viewer))
