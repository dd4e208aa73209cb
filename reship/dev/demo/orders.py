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

from orders import ship_to
from orders.carriers import OTHER, carrier_find, carrier_index
from orders.choices import Currency, OrderStatus, Platform
from orders.models import Carrier, Order, OrderLine, Shipment
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

# The first digits of a city's postcodes (邮编), for the demo's mainland addresses.
CN_POSTCODE_PREFIXES = {
    "上海市": "200",
    "北京市": "100",
    "广州市": "510",
    "深圳市": "518",
    "杭州市": "310",
    "南京市": "210",
    "成都市": "610",
    "武汉市": "430",
    "西安市": "710",
    "厦门市": "361",
}
GIFT_SHARE = 0.15  # orders sent to someone other than the buyer (a gift, a relative, the office)

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
    carriers = carrier_index()
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
        carrier_row, label = demo_carrier(carrier, carriers)
        shipment = Shipment(
            carrier=carrier_row,
            carrier_label=label,
            tracking_number=number,
            shipped_at=shipped_at,
            delivered_at=delivered_at,
        )
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


def demo_carrier(text: str, index: dict[str, Carrier]) -> tuple[Carrier, str]:
    """The carrier row of a demo carrier name ("顺丰速运 SF Express", "SF", "DHL Express"): the whole
    name, else one of its words, else "other" with the name as written."""
    found = carrier_find(text, index)
    for word in text.split():
        found = found or carrier_find(word, index)
    if found is not None:
        return found, ""
    return index[OTHER], text[:60]


def _customer(rng: random.Random, *, overseas: bool) -> dict[str, str]:
    """The buyer and where the parcel goes: usually the buyer, sometimes someone else."""
    buyer = _overseas_person(rng) if overseas else _chinese_person(rng)
    recipient = buyer
    if rng.random() < GIFT_SHARE:
        recipient = _overseas_person(rng) if overseas else _chinese_person(rng)
    address = _overseas_address(rng) if overseas else _chinese_address(rng)
    phone = recipient["phone"]
    return {
        "customer_name": buyer["name"],
        "customer_phone": buyer["phone"],
        "customer_email": buyer["email"],
        "customer_language": "en" if overseas else "zh-hans",
        "ship_name": recipient["name"],
        "ship_phone": phone,
        "ship_phone_e164": ship_to.phone_e164(phone, address["ship_country"]) or "",
        **address,
    }


def _overseas_person(rng: random.Random) -> dict[str, str]:
    if rng.random() < 0.2:  # Chinese diaspora customers, name in pinyin
        surname, given = rng.choice(CN_SURNAMES)[1], rng.choice(CN_GIVEN_NAMES)[1]
        first, last = given.capitalize(), surname.capitalize()
    else:
        first, last = rng.choice(EN_FIRST_NAMES), rng.choice(EN_LAST_NAMES)
    _city, _region, _country, phone_pattern = rng.choice(OVERSEAS_PLACES)
    return {
        "name": f"{first} {last}",
        "phone": fill(rng, phone_pattern),
        "email": f"{first.lower()}.{last.lower()}{rng.randint(1, 99)}@{rng.choice(EMAIL_DOMAINS)}",
    }


def _chinese_person(rng: random.Random) -> dict[str, str]:
    (surname, surname_py), (given, given_py) = rng.choice(CN_SURNAMES), rng.choice(CN_GIVEN_NAMES)
    phone = f"+86 {rng.choice(CN_MOBILE_PREFIXES)} {rng.randint(0, 9999):04d} {rng.randint(0, 9999):04d}"
    if rng.random() < 0.5:  # typed as the platform exports it: 11 digits, no country code
        phone = phone.removeprefix("+86 ").replace(" ", "")
    email = ""
    if rng.random() < 0.7:  # platforms often hide the buyer's email
        email = f"{given_py}.{surname_py}{rng.randint(1, 999)}@{rng.choice(EMAIL_DOMAINS)}"
    return {"name": surname + given, "phone": phone, "email": email}


def _chinese_address(rng: random.Random) -> dict[str, str]:
    province, city, districts, streets = rng.choice(CN_PLACES)
    city = city or province  # a municipality (直辖市) is its own city
    street = (
        f"{rng.choice(streets)} {rng.randint(1, 999)} 号 {rng.choice(CN_ESTATES)} "
        f"{rng.randint(1, 30)} 栋 {rng.randint(1, 32)}{rng.randint(1, 4):02d} 室"
    )
    prefix = CN_POSTCODE_PREFIXES.get(city)
    return {
        "ship_country": "CN",
        "ship_province": province,
        "ship_city": city,
        "ship_district": rng.choice(districts),
        "ship_street": street,
        "ship_postcode": f"{prefix}{rng.randint(0, 999):03d}" if prefix and rng.random() < 0.8 else "",
    }


def _overseas_address(rng: random.Random) -> dict[str, str]:
    city, region, country, _phone = rng.choice(OVERSEAS_PLACES)
    street = f"{rng.randint(12, 9800)} {rng.choice(EN_STREETS)}"
    if rng.random() < 0.4:
        street += f", Apt {rng.randint(1, 30)}{rng.choice('ABCDEF')}"
    region = fill(rng, region)
    state, _space, postcode = region.partition(" ")
    if not (len(state) == 2 and state.isalpha()):  # "SE1 7PB": a postcode alone (no state in the UK)
        state, postcode = "", region
    return {
        "ship_country": ship_to.country_code(country) or "",
        "ship_province": state,
        "ship_city": city,
        "ship_district": "",
        "ship_street": street,
        "ship_postcode": postcode,
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
