"""The demo's orders: ORDER_COUNT of them over the last ORDER_HISTORY_DAYS days, each with one to
three lines and its original parcel, more of them recent (a growing shop). Written directly in
bulk: orders are the seller's records, not workflow rows.

Some parcels were lost or refused (never delivered); the others arrived after the carrier's usual
transit time. ``DemoOrder.ready_at`` is when a customer would first complain about one.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from orders.choices import Currency, OrderStatus, Platform
from orders.models import Order, OrderLine, Shipment
from reship.dev.demo.catalogue import CENT, USD_PER_CNY, CatalogueItem, money
from reship.dev.demo.parties import SELLERS, Parties
from reship.dev.demo.rows import rows_insert
from reship.dev.demo.tables import (
    CN_ESTATES,
    CN_GIVEN_NAMES,
    CN_MOBILE_PREFIXES,
    CN_PLACES,
    CN_SURNAMES,
    DOMESTIC_CARRIERS,
    EMAIL_DOMAINS,
    EN_FIRST_NAMES,
    EN_LAST_NAMES,
    EN_STREETS,
    OVERSEAS_CARRIERS,
    OVERSEAS_PLACES,
    fill,
)

ORDER_COUNT = 300
ORDER_HISTORY_DAYS = 180
OVERSEAS_PLATFORMS = frozenset({Platform.SHOPIFY, Platform.AMAZON, Platform.OWN_SITE})
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)


class TrackingNumbers:
    """Carrier tracking numbers, unique across everything the demo ships (originals and reships)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[tuple[str, str]] = set()

    def pick(self, *, overseas: bool) -> tuple[str, str, tuple[int, int]]:
        """A carrier, a new number of its shape, and its usual days in transit (low, high)."""
        carrier, pattern, transit_days = self.rng.choice(OVERSEAS_CARRIERS if overseas else DOMESTIC_CARRIERS)
        while True:
            number = fill(self.rng, pattern)
            if (carrier, number) not in self.used:
                self.used.add((carrier, number))
                return carrier, number, transit_days


@dataclass
class DemoOrder:
    """An order as the request planner needs it: its rows, and when a complaint becomes plausible."""

    order: Order
    lines: list[OrderLine]
    catalogue: list[CatalogueItem]
    shipment: Shipment
    overseas: bool
    ready_at: datetime  # earliest moment a customer would report a problem

    @property
    def delivered(self) -> bool:
        return self.shipment.delivered_at is not None

    @property
    def language(self) -> int:  # index into the (zh, en) text pairs
        return 1 if self.overseas else 0


def orders_create(
    rng: random.Random,
    *,
    now: datetime,
    parties: Parties,
    products: dict[int, list[CatalogueItem]],
    tracking: TrackingNumbers,
) -> list[DemoOrder]:
    """The orders with their lines and original parcels, oldest first."""
    drafts = []
    for _ in range(ORDER_COUNT):
        spec = rng.choices(SELLERS, weights=[seller.share for seller in SELLERS])[0]
        platform = rng.choices(list(spec.platforms), weights=list(spec.platforms.values()))[0]
        days_ago = 0.5 + (ORDER_HISTORY_DAYS - 0.5) * rng.random() ** 2
        drafts.append((now - timedelta(days=days_ago), spec, platform))
    drafts.sort(key=lambda draft: draft[0])

    serials: Counter[str] = Counter()  # orders per seller so far, for the shops' own order numbers
    demo_orders = []
    for placed_at, spec, platform in drafts:
        seller = parties.sellers[spec.key]
        overseas = platform in OVERSEAS_PLATFORMS
        currency = Currency.USD if overseas else Currency.CNY
        serials[spec.key] += 1
        catalogue = rng.sample(products[seller.pk], k=rng.choices([1, 2, 3], weights=[60, 30, 10])[0])
        lines = [
            OrderLine(
                product=item.product,
                quantity=rng.choices([1, 2, 3], weights=[70, 20, 10])[0],
                unit_price=_unit_price(rng, item.list_price, currency),
            )
            for item in catalogue
        ]
        order = Order(
            seller=seller,
            platform=platform,
            platform_order_number=_platform_order_number(rng, platform, placed_at, spec.sku_prefix, serials[spec.key]),
            partner=parties.partners["overseas" if overseas else "domestic"],
            amount=sum((line.unit_price * line.quantity for line in lines), Decimal("0.00")),
            currency=currency,
            placed_at=placed_at,
            **_customer(rng, overseas=overseas),
        )
        carrier, number, transit_days = tracking.pick(overseas=overseas)
        age_hours = (now - placed_at) / HOUR
        shipped_at = placed_at + timedelta(hours=rng.uniform(3, min(40, age_hours - 1)))
        arrival = shipped_at + timedelta(days=rng.uniform(*transit_days))
        lost = rng.random() < 0.15  # lost or refused
        delivered_at = None if lost or arrival > now - 10 * MINUTE else arrival  # or still on its way
        order.status = OrderStatus.DELIVERED if delivered_at else OrderStatus.SHIPPED
        shipment = Shipment(carrier=carrier, tracking_number=number, shipped_at=shipped_at, delivered_at=delivered_at)
        # A missing parcel is reported after the usual transit time; a bad one once it arrived.
        ready_at = delivered_at + HOUR if delivered_at else shipped_at + timedelta(days=transit_days[1] + 1)
        demo_orders.append(DemoOrder(order, lines, catalogue, shipment, overseas, ready_at))

    rows_insert(Order, [demo.order for demo in demo_orders])
    for demo in demo_orders:
        for line in demo.lines:
            line.order = demo.order
        demo.shipment.order = demo.order
    rows_insert(OrderLine, [line for demo in demo_orders for line in demo.lines])
    rows_insert(Shipment, [demo.shipment for demo in demo_orders])
    return demo_orders


def _customer(rng: random.Random, *, overseas: bool) -> dict[str, str]:
    if overseas:
        if rng.random() < 0.2:  # Chinese diaspora customers, name in pinyin
            surname, given = rng.choice(CN_SURNAMES)[1], rng.choice(CN_GIVEN_NAMES)[1]
            first, last = given.capitalize(), surname.capitalize()
        else:
            first, last = rng.choice(EN_FIRST_NAMES), rng.choice(EN_LAST_NAMES)
        city, region, country, phone_pattern = rng.choice(OVERSEAS_PLACES)
        street = f"{rng.randint(12, 9800)} {rng.choice(EN_STREETS)}"
        if rng.random() < 0.4:
            street += f", Apt {rng.randint(1, 30)}{rng.choice('ABCDEF')}"
        return {
            "customer_name": f"{first} {last}",
            "customer_phone": fill(rng, phone_pattern),
            "customer_email": f"{first.lower()}.{last.lower()}{rng.randint(1, 99)}@{rng.choice(EMAIL_DOMAINS)}",
            "shipping_address": f"{street}\n{city}, {fill(rng, region)}\n{country}",
            "customer_language": "en",
        }
    (surname, surname_py), (given, given_py) = rng.choice(CN_SURNAMES), rng.choice(CN_GIVEN_NAMES)
    province, city, districts, streets = rng.choice(CN_PLACES)
    place = " ".join(part for part in (province, city, rng.choice(districts), rng.choice(streets)) if part)
    address = (
        f"{place} {rng.randint(1, 999)} 号 {rng.choice(CN_ESTATES)} "
        f"{rng.randint(1, 30)} 栋 {rng.randint(1, 32)}{rng.randint(1, 4):02d} 室"
    )
    phone = f"+86 {rng.choice(CN_MOBILE_PREFIXES)} {rng.randint(0, 9999):04d} {rng.randint(0, 9999):04d}"
    email = ""
    if rng.random() < 0.7:  # platforms often hide the buyer's email
        email = f"{given_py}.{surname_py}{rng.randint(1, 999)}@{rng.choice(EMAIL_DOMAINS)}"
    return {
        "customer_name": surname + given,
        "customer_phone": phone,
        "customer_email": email,
        "shipping_address": address,
        "customer_language": "zh-hans",
    }


def _platform_order_number(rng: random.Random, platform: str, placed_at: datetime, prefix: str, serial: int) -> str:
    local = timezone.localtime(placed_at)
    if platform in (Platform.TAOBAO, Platform.TMALL):
        return str(rng.randrange(10**18, 4 * 10**18))
    if platform == Platform.JD:
        return str(rng.randrange(2 * 10**11, 4 * 10**11))
    if platform == Platform.PINDUODUO:
        return f"{local:%y%m%d}-{rng.randrange(10**14, 10**15)}"
    if platform == Platform.DOUYIN:
        return f"69{rng.randrange(10**16, 10**17)}"
    if platform == Platform.AMAZON:
        return f"11{rng.randint(1, 4)}-{rng.randrange(10**6, 10**7)}-{rng.randrange(10**6, 10**7)}"
    if platform == Platform.SHOPIFY:
        return f"{prefix}-{1000 + serial}"
    return f"{prefix}{local:%Y%m%d}{serial:04d}"


def _unit_price(rng: random.Random, list_price: Decimal, currency: str) -> Decimal:
    if currency == Currency.USD:
        return Decimal(int(list_price / USD_PER_CNY) + 1) - CENT  # 129 CNY → 17.99 USD
    return money(list_price * Decimal(rng.choice(["1", "1", "0.95", "0.9", "0.85"])))
