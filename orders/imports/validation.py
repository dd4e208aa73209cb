"""Rows of one order → an order draft, or what is wrong with each row.

- Rows with the same order number are one order, one line per row.
- Fields of the order (time, customer, address, partner, platform, amount) are read from the first
  row that gives them; a later row of the same order may leave them blank, but one that gives a
  different value refuses the order. Two rows with the same SKU in one order are refused (give one
  row with the total quantity), as ``order_create`` refuses them.
- An order is validated whole: it is imported whole or refused whole.
- The amount is the mapped column's, else the sum of quantity × unit price.
- Lookups are loaded before validating: active partners once per file, the seller's products once
  per batch for the SKUs not seen before — no query per row.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db.models import Field
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from orders import ship_to
from orders.carriers import OTHER, carrier_find, carrier_index
from orders.choices import Platform
from orders.imports import parsing
from orders.imports.addresses import address_split
from orders.imports.fields import (
    AMOUNT,
    CARRIER,
    CUSTOMER_EMAIL,
    CUSTOMER_NAME,
    CUSTOMER_PHONE,
    FIELDS_BY_KEY,
    ORDER_NUMBER,
    PARTNER,
    PLACED_AT,
    PLATFORM,
    QUANTITY,
    SHIP_NAME,
    SHIP_TO_KEYS,
    SHIPPING_ADDRESS,
    SKU_CODE,
    TRACKING_NUMBER,
    UNIT_PRICE,
)
from orders.models import Carrier, Product, Seller, Shipment
from orders.services import MAX_LENGTHS
from reship.core.errors import InvalidInput
from reship.core.spreadsheets import unneutralised
from suppliers.models import DropshipPartner

ORDER_LEVEL = (
    PLACED_AT,
    CUSTOMER_NAME,
    CUSTOMER_PHONE,
    CUSTOMER_EMAIL,
    *SHIP_TO_KEYS.values(),
    SHIPPING_ADDRESS,
    AMOUNT,
    PARTNER,
    PLATFORM,
)
SHIP_TO_PARTS = set(SHIP_TO_KEYS.values())
LABELS = {key: field.label for key, field in FIELDS_BY_KEY.items()}  # lazy: translated only for a message


def _max_length(column: Field[Any, Any]) -> int:
    """A text column's length (every one the import writes has one)."""
    if column.max_length is None:
        raise TypeError(f"{column} has no max_length")
    return column.max_length


LIMITS = {
    ORDER_NUMBER: MAX_LENGTHS["platform_order_number"],
    CUSTOMER_NAME: MAX_LENGTHS["customer_name"],
    SHIPPING_ADDRESS: 1000,  # split into the ship-to's parts, each checked by ``orders.ship_to.clean``
    CARRIER: _max_length(Shipment._meta.get_field("carrier_label")),
    TRACKING_NUMBER: _max_length(Shipment._meta.get_field("tracking_number")),
}


# --- What applies to the whole file ---------------------------------------------------------------


@dataclass
class Context:
    """The file's mapping and defaults, and lookups loaded once (partners) or once per SKU (products)."""

    seller: Seller
    columns: dict[str, int]  # field key → column index
    platform: str  # for rows that do not name one
    partner_id: int | None  # for rows that do not name one
    zone: tzinfo
    now: datetime
    partners: dict[str, int] = field(default_factory=dict)  # name without case → id
    platforms: dict[str, str] = field(default_factory=dict)  # key or label without case → key
    products: dict[str, int | None] = field(default_factory=dict)  # SKU → product id, None: not the seller's
    carriers: dict[str, Carrier] = field(default_factory=dict)  # ``orders.carriers.carrier_index``

    @classmethod
    def build(
        cls, *, seller: Seller, headers: list[str], mapping: dict[str, str], options: dict[str, Any], time_zone: str
    ) -> Context:
        index = {header: position for position, header in enumerate(headers)}
        columns = {key: index[header] for key, header in mapping.items() if header in index and key in FIELDS_BY_KEY}
        context = cls(
            seller=seller,
            columns=columns,
            platform=options.get("platform") or Platform.OTHER,
            partner_id=options.get("partner_id"),
            zone=_zone(time_zone),
            now=timezone.now(),
        )
        if CARRIER in columns:
            context.carriers = carrier_index()
        for pk, name in DropshipPartner.objects.filter(is_active=True).values_list("pk", "name"):
            context.partners[name.casefold().strip()] = pk
        if context.partner_id is not None and context.partner_id not in context.partners.values():
            context.partner_id = None
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                for key, label in Platform.choices:
                    context.platforms[str(label).casefold()] = key
                    context.platforms[key] = key
        return context

    @property
    def order_columns(self) -> list[str]:
        """The order's fields this file has a column for."""
        return [key for key in ORDER_LEVEL if key in self.columns]

    def cell(self, cells: list[str], key: str) -> str:
        position = self.columns.get(key)
        return "" if position is None else unneutralised(cells[position])

    def load_products(self, groups: Iterable[list[tuple[int, list[str]]]]) -> None:
        """One query for the SKUs of these rows not looked up before."""
        wanted = {self.cell(cells, SKU_CODE) for rows in groups for _number, cells in rows} - self.products.keys()
        wanted.discard("")
        if not wanted:
            return
        for code in wanted:
            self.products[code] = None
        found = Product.objects.filter(seller=self.seller, sku_code__in=wanted).values_list("sku_code", "pk")
        self.products.update(found)


def _zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)


# --- One order: its rows validated whole ----------------------------------------------------------


@dataclass
class LineDraft:
    row: int
    product_id: int
    sku: str
    quantity: int
    unit_price: Decimal


@dataclass
class OrderDraft:
    number: str
    rows: list[tuple[int, list[str]]]
    platform: str
    customer_name: str
    customer_phone: str
    customer_email: str
    ship_to: dict[str, str]  # the order's ship-to model fields (``orders.ship_to.clean``)
    partner_id: int
    amount: Decimal
    placed_at: datetime
    lines: list[LineDraft]
    parcels: dict[tuple[int, str], int]  # (carrier id, tracking number) → row
    parcel_labels: dict[tuple[int, str], str] = field(default_factory=dict)  # the name of an "other" carrier


# row number → [(field key or None, message)]
Problems = dict[int, list[tuple[str | None, str]]]


def validate_group(context: Context, rows: list[tuple[int, list[str]]]) -> tuple[OrderDraft | None, Problems]:
    """The order these rows describe, or what is wrong with them; products must be loaded first."""
    problems: Problems = defaultdict(list)
    first_row = rows[0][0]
    number = context.cell(rows[0][1], ORDER_NUMBER)
    _check(problems, first_row, ORDER_NUMBER, parsing.text, number, LABELS[ORDER_NUMBER], LIMITS[ORDER_NUMBER])
    order: dict[str, Any] = {}
    given_on: dict[str, int] = {}
    given: set[str] = set()  # fields some row fills, valid or not: not "required" then
    first_text: dict[str, str] = {}  # the text that gave each field: rows repeating it are not read again
    order_columns = context.order_columns
    for row, cells in rows:
        for key in order_columns:
            raw = context.cell(cells, key)
            if not raw:
                continue
            given.add(key)
            if first_text.get(key) == raw:
                continue
            value = _check(problems, row, key, _order_value, context, key, raw)
            if value is _INVALID:
                continue
            if key not in order:
                order[key], given_on[key], first_text[key] = value, row, raw
            elif order[key] != value:
                problems[row].append((key, _("Differs from row %(row)s of the same order.") % {"row": given_on[key]}))
    if PLACED_AT not in given:
        problems[first_row].append((PLACED_AT, _("Required.")))
    if CUSTOMER_NAME not in given and SHIP_NAME not in given:
        problems[first_row].append((CUSTOMER_NAME if CUSTOMER_NAME in context.columns else SHIP_NAME, _("Required.")))
    order_ship_to = _ship_to(context, problems, first_row, order, given_on)  # a missing street too
    if PARTNER not in order:
        if PARTNER not in given and context.partner_id is None:
            problems[first_row].append((PARTNER, _("Required: name the partner, or choose one for the whole file.")))
        order[PARTNER] = context.partner_id
    order.setdefault(PLATFORM, context.platform)

    lines: list[LineDraft] = []
    seen_skus: dict[str, int] = {}
    parcels: dict[tuple[int, str], int] = {}
    parcel_labels: dict[tuple[int, str], str] = {}
    for row, cells in rows:
        line = _line(context, problems, row, cells, seen_skus)
        if line is not None:
            lines.append(line)
        parcel = _parcel(context, problems, row, context.cell(cells, CARRIER), context.cell(cells, TRACKING_NUMBER))
        if parcel is not None:
            carrier_id, tracking, label = parcel
            parcels.setdefault((carrier_id, tracking), row)
            parcel_labels.setdefault((carrier_id, tracking), label)
    if any(problems.values()):
        return None, {row: found for row, found in problems.items() if found}
    amount = order.get(AMOUNT)
    if amount is None:
        amount = sum((line.quantity * line.unit_price for line in lines), Decimal("0.00"))
    return (
        OrderDraft(
            number=number,
            rows=rows,
            platform=order[PLATFORM],
            customer_name=order.get(CUSTOMER_NAME) or order_ship_to["ship_name"],
            customer_phone=order.get(CUSTOMER_PHONE) or _customer_phone(order_ship_to["ship_phone"]),
            customer_email=order.get(CUSTOMER_EMAIL, ""),
            ship_to=order_ship_to,
            partner_id=order[PARTNER],
            amount=amount,
            placed_at=order[PLACED_AT],
            lines=lines,
            parcels=parcels,
            parcel_labels=parcel_labels,
        ),
        {},
    )


_INVALID = object()


def _ship_to(
    context: Context, problems: Problems, first_row: int, order: dict[str, Any], given_on: dict[str, int]
) -> dict[str, str]:
    """The order's checked ship-to: the one address column split into parts, the parts' own columns
    over it, and the customer as the recipient when the sheet names none. Each problem is put on the
    column (and row) it came from; an empty dict when there are problems."""
    values = address_split(order.get(SHIPPING_ADDRESS, ""))
    source = dict.fromkeys(values, SHIPPING_ADDRESS)
    for short, key in SHIP_TO_KEYS.items():
        if key in order:
            values[short], source[short] = order[key], key
    for short, key in (("name", CUSTOMER_NAME), ("phone", CUSTOMER_PHONE)):
        if short not in values and key in order:
            values[short], source[short] = order[key], key
    try:
        return ship_to.clean(values)
    except InvalidInput as error:
        for short in ship_to.FIELDS:  # in the ship-to's order, as the columns usually are
            key = source.get(short) or _column_for(context, short)
            for message in error.field_errors.get(short, []):
                problems[given_on.get(key, first_row)].append((key, message))
        return {}


def _column_for(context: Context, short: str) -> str:
    """The field to report a missing ship-to part on: its own column if the file has one, else the
    address column it should have come from (or the customer's, for the recipient)."""
    key = SHIP_TO_KEYS[short]
    if key in context.columns:
        return key
    if short == "name" and CUSTOMER_NAME in context.columns:
        return CUSTOMER_NAME
    if short == "phone" and CUSTOMER_PHONE in context.columns:
        return CUSTOMER_PHONE
    if short not in ("name", "phone") and SHIPPING_ADDRESS in context.columns:
        return SHIPPING_ADDRESS
    return key


def _customer_phone(phone: str) -> str:
    """The recipient's phone as the customer's, in the form the order search reads (digits)."""
    try:
        return parsing.phone(phone)
    except parsing.CellProblem:
        return phone[: MAX_LENGTHS["customer_phone"]]


def _check(problems: Problems, row: int, key: str, parse: Any, *args: Any) -> Any:
    """``parse(*args)``, or ``_INVALID`` with the cell's problem noted."""
    try:
        return parse(*args)
    except parsing.CellProblem as problem:
        problems[row].append((key, problem.message))
        return _INVALID


def _order_value(context: Context, key: str, raw: str) -> Any:
    if key == PLACED_AT:
        return parsing.moment(raw, zone=context.zone, now=context.now)
    if key == CUSTOMER_PHONE:
        return parsing.phone(raw)
    if key == CUSTOMER_EMAIL:
        return parsing.email(raw)
    if key == AMOUNT:
        return parsing.money(raw)
    if key in SHIP_TO_PARTS:
        return " ".join(raw.split())  # checked whole by ``orders.ship_to.clean`` (see ``_ship_to``)
    if key == PARTNER:
        partner_id = context.partners.get(raw.casefold())
        if partner_id is None:
            raise parsing.CellProblem(_("“%(name)s” is not an active dropship partner in Reship.") % {"name": raw[:60]})
        return partner_id
    if key == PLATFORM:
        platform = context.platforms.get(raw.casefold())
        if platform is None:
            raise parsing.CellProblem(
                _("“%(value)s” is not a sales platform Reship knows (%(choices)s).")
                % {"value": raw[:40], "choices": ", ".join(str(label) for _key, label in Platform.choices)}
            )
        return platform
    return parsing.text(raw, LABELS[key], LIMITS[key])


def _line(
    context: Context, problems: Problems, row: int, cells: list[str], seen_skus: dict[str, int]
) -> LineDraft | None:
    sku = context.cell(cells, SKU_CODE)
    product_id = None
    if not sku:
        problems[row].append((SKU_CODE, _("Required.")))
    else:
        product_id = context.products.get(sku)
        if product_id is None:
            problems[row].append((SKU_CODE, _("SKU “%(sku)s” is not one of your products.") % {"sku": sku[:64]}))
        elif sku in seen_skus:
            problems[row].append(
                (
                    SKU_CODE,
                    _("SKU %(sku)s is already on row %(row)s of this order; give one row with the total quantity.")
                    % {"sku": sku, "row": seen_skus[sku]},
                )
            )
            product_id = None
        else:
            seen_skus[sku] = row
    quantity = _required(problems, row, QUANTITY, context.cell(cells, QUANTITY), parsing.quantity)
    unit_price = _required(problems, row, UNIT_PRICE, context.cell(cells, UNIT_PRICE), parsing.money)
    if product_id is None or quantity is _INVALID or unit_price is _INVALID:
        return None
    return LineDraft(row=row, product_id=product_id, sku=sku, quantity=quantity, unit_price=unit_price)


def _required(problems: Problems, row: int, key: str, raw: str, parse: Any) -> Any:
    if not raw:
        problems[row].append((key, _("Required.")))
        return _INVALID
    return _check(problems, row, key, parse, raw)


def _parcel(context: Context, problems: Problems, row: int, carrier: str, tracking: str) -> tuple[int, str, str] | None:
    """(carrier id, tracking number, name as written for "other") of the row's original parcel. A
    carrier not in Reship's list is kept as "other" with its name: the platform shipped it, not us,
    so neither the carrier nor the number's pattern is ours to refuse."""
    tracking = "".join(tracking.split()).upper()  # pasted as "SF 1234 5678"
    if not carrier and not tracking:
        return None
    if not tracking:
        problems[row].append((TRACKING_NUMBER, _("Give the tracking number with the carrier, or neither.")))
        return None
    if not carrier:
        problems[row].append((CARRIER, _("Give the carrier with the tracking number, or neither.")))
        return None
    tracking = _check(
        problems, row, TRACKING_NUMBER, parsing.text, tracking, LABELS[TRACKING_NUMBER], LIMITS[TRACKING_NUMBER]
    )
    found = carrier_find(carrier, context.carriers)
    label = ""
    if found is None or found.code == OTHER:
        label = _check(
            problems, row, CARRIER, parsing.text, " ".join(carrier.split()), LABELS[CARRIER], LIMITS[CARRIER]
        )
        found = found or context.carriers.get(OTHER)
    if found is None:  # no "other" carrier (removed in the admin): the name must be one of the list
        problems[row].append((CARRIER, _("“%(value)s” is not a carrier Reship knows.") % {"value": carrier[:60]}))
        return None
    if tracking is _INVALID or label is _INVALID:
        return None
    return found.pk, tracking, label
