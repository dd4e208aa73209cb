"""Writes of orders: a seller's system (or a person) records an order with its lines.

``order_create`` is the one way an order is made outside the admin and the demo data: it checks the
actor is a seller's member, the partner is active, every SKU is one of the seller's products and
the platform order number is new for the seller, then writes the order and its lines in one
transaction. Errors are ``reship.core.errors`` ones, so the API maps them like the workflow's.

The field rules (``clean_text``, ``clean_money``, ``clean_choice``, ``quantity_allowed``,
``check_placed_at``) are public: the order import (``orders.imports``) applies the same ones.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from orders import ship_to as ship_to_rules
from orders.choices import Currency, Platform
from orders.models import Order, OrderLine, Product
from reship import permissions
from reship.accounts.roles import organisation_for
from reship.core.bounds import moment_in_range
from reship.core.errors import ActionNotPermitted, InvalidInput, WorkflowError
from suppliers.models import DropshipPartner

if TYPE_CHECKING:
    from reship.accounts.models import User

MAX_MONEY = Decimal("1e10")  # what a 12-digit, 2-decimal column holds
MAX_QUANTITY = 100_000
CLOCK_SKEW = timedelta(minutes=5)  # a shop system's clock may run a little ahead of ours
# The longest text each field of an order takes (the order import checks the same).
MAX_LENGTHS = {
    "platform_order_number": 64,
    "customer_name": 100,
    "customer_phone": 40,
    "customer_email": 254,
}


class OrderExists(WorkflowError):
    """The seller already has an order with this platform order number: a conflict, not bad input."""

    code = "order_exists"
    http_status = 409


@dataclass(frozen=True)
class OrderLineInput:
    """One line of a new order, as the seller's system sends it."""

    sku_code: str
    quantity: int
    unit_price: Any


def clean_text(value: str | None, field: str, max_length: int, *, required: bool) -> str:
    text = (value or "").strip()
    if required and not text:
        raise InvalidInput(_("%(field)s is required.") % {"field": field}, field_errors={field: [_("Required.")]})
    if len(text) > max_length:
        raise InvalidInput(
            _("%(field)s is too long (at most %(max)d characters).") % {"field": field, "max": max_length},
            field_errors={field: [_("Too long.")]},
        )
    return text


def clean_money(value: Any, field: str) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, TypeError, ValueError):
        raise InvalidInput(_("Enter an amount of money."), field_errors={field: [_("Not a number.")]}) from None
    if not amount.is_finite() or amount < 0 or amount >= MAX_MONEY:
        raise InvalidInput(
            _("The amount must be between 0 and 9,999,999,999.99."), field_errors={field: [_("Out of range.")]}
        )
    return amount


def clean_choice(value: Any, choices: Sequence[tuple[str, Any]], field: str) -> str:
    if value not in {key for key, _label in choices}:
        raise InvalidInput(
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(key for key, _label in choices)},
            field_errors={field: [_("Not a valid choice.")]},
        )
    return value


def quantity_allowed(quantity: Any) -> bool:
    """An order line's quantity: a whole number from 1 to ``MAX_QUANTITY`` (not a bool, not 1.5)."""
    return not isinstance(quantity, bool) and isinstance(quantity, int) and 1 <= quantity <= MAX_QUANTITY


def check_placed_at(placed_at: datetime, *, now: datetime) -> datetime:
    """When an order was placed: a time with a zone, from 2000 on and not in the future."""
    if timezone.is_naive(placed_at) or not moment_in_range(placed_at) or placed_at > now + CLOCK_SKEW:
        raise InvalidInput(
            _("The order's time must be a time with a zone, from 2000 on and not in the future."),
            field_errors={"placed_at": [_("Out of range.")]},
        )
    return placed_at


def clean_ship_to(
    data: Mapping[str, Any] | None, *, customer_name: str, customer_phone: str, prefix: str = "ship_to."
) -> dict[str, str]:
    """The order's ship-to model fields from short-named input; a recipient or phone left out is the
    customer's (most orders ship to the buyer), so only the address itself must be given."""
    values = {key: value for key, value in (data or {}).items() if key in ship_to_rules.FIELDS}
    if not str(values.get("name") or "").strip():
        values["name"] = customer_name
    if not str(values.get("phone") or "").strip():
        values["phone"] = customer_phone
    return ship_to_rules.clean(values, prefix=prefix)


def _validated_lines(seller_id: int, lines: Sequence[OrderLineInput]) -> list[tuple[Product, int, Decimal]]:
    if not lines:
        raise InvalidInput(_("An order has at least one line."), field_errors={"lines": [_("Required.")]})
    codes = [(line.sku_code or "").strip() for line in lines]
    products = {
        product.sku_code: product for product in Product.objects.filter(seller_id=seller_id, sku_code__in=codes)
    }
    seen: set[str] = set()
    validated = []
    for index, (line, code) in enumerate(zip(lines, codes, strict=True)):
        field = f"lines.{index}"
        product = products.get(code)
        if product is None:
            raise InvalidInput(
                _("Line %(index)d: SKU “%(sku)s” is not one of your products.") % {"index": index + 1, "sku": code},
                field_errors={f"{field}.sku_code": [_("Unknown SKU.")]},
            )
        if code in seen:
            raise InvalidInput(
                _("Line %(index)d: SKU %(sku)s is listed twice; give one line with the total quantity.")
                % {"index": index + 1, "sku": code},
                field_errors={f"{field}.sku_code": [_("Listed twice.")]},
            )
        seen.add(code)
        quantity = line.quantity
        if not quantity_allowed(quantity):
            raise InvalidInput(
                _("Line %(index)d: the quantity is a whole number from 1 to %(max)d.")
                % {"index": index + 1, "max": MAX_QUANTITY},
                field_errors={f"{field}.quantity": [_("Out of range.")]},
            )
        validated.append((product, quantity, clean_money(line.unit_price, f"{field}.unit_price")))
    return validated


def order_create(
    *,
    actor: User,
    platform: str,
    platform_order_number: str,
    customer_name: str,
    ship_to: Mapping[str, Any],
    partner_id: int,
    amount: Any,
    placed_at: datetime,
    lines: Sequence[OrderLineInput],
    customer_phone: str = "",
    customer_email: str = "",
    customer_language: str = "zh-hans",
    currency: str = Currency.CNY,
    now: datetime | None = None,
) -> Order:
    """A seller's order with its lines, for the actor's own shop. Nothing is written on any error.

    ``ship_to`` has the short keys of ``orders.ship_to`` (name, phone, country, province, city,
    district, street, postcode); its problems are reported under ``ship_to.<key>``."""
    now = now or timezone.now()
    seller = organisation_for(actor).seller
    if seller is None or not permissions.can_record_orders(actor):  # the rule is the predicate's
        raise ActionNotPermitted(_("Only a seller's staff record orders."))
    platform = clean_choice(platform, Platform.choices, "platform")
    number = clean_text(
        platform_order_number, "platform_order_number", MAX_LENGTHS["platform_order_number"], required=True
    )
    customer_name = clean_text(customer_name, "customer_name", MAX_LENGTHS["customer_name"], required=True)
    customer_phone = clean_text(customer_phone, "customer_phone", MAX_LENGTHS["customer_phone"], required=False)
    ship_to_fields = clean_ship_to(ship_to, customer_name=customer_name, customer_phone=customer_phone)
    customer_email = clean_text(customer_email, "customer_email", MAX_LENGTHS["customer_email"], required=False)
    customer_language = clean_choice(customer_language, settings.LANGUAGES, "customer_language")
    currency = clean_choice(currency, Currency.choices, "currency")
    amount = clean_money(amount, "amount")
    check_placed_at(placed_at, now=now)
    partner = DropshipPartner.objects.filter(pk=partner_id, is_active=True).first()
    if partner is None:
        raise InvalidInput(
            _("Dropship partner %(id)s does not exist or is not active.") % {"id": partner_id},
            field_errors={"partner": [_("Unknown or inactive partner.")]},
        )
    validated = _validated_lines(seller.pk, lines)
    duplicate = OrderExists(
        _("You already have an order numbered %(number)s.") % {"number": number},
        field_errors={"platform_order_number": [_("Already used.")]},
    )
    if Order.objects.filter(seller=seller, platform_order_number=number).exists():
        raise duplicate
    try:
        with transaction.atomic():
            order = Order.objects.create(
                seller=seller,
                platform=platform,
                platform_order_number=number,
                customer_name=customer_name,
                customer_phone=customer_phone,
                customer_email=customer_email,
                customer_language=customer_language,
                partner=partner,
                amount=amount,
                currency=currency,
                placed_at=placed_at,
                **ship_to_fields,
            )
            OrderLine.objects.bulk_create(
                OrderLine(order=order, product=product, quantity=quantity, unit_price=unit_price)
                for product, quantity, unit_price in validated
            )
    except IntegrityError:  # the same number recorded at the same moment by another call
        raise duplicate from None
    return order
