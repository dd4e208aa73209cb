"""The entry point: load the demo once, in one transaction, and say what is there.

Deterministic (one ``random.Random(SEED)``), dated relative to now, and loaded once: the demo
sellers are the natural key, so a second run finds them and creates nothing.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from orders.models import Order, OrderLine, Product, Seller, Shipment
from reship.choices import RequestStatus
from reship.dev.demo.catalogue import products_create
from reship.dev.demo.orders import TrackingNumbers, orders_create
from reship.dev.demo.parties import (
    PARTNER_NAMES,
    SELLER_NAMES,
    SOURCE_NAMES,
    DemoDataConflict,
    DemoLogin,
    demo_logins,
    parties_create,
)
from reship.dev.demo.reports import customer_reports_create
from reship.dev.demo.requests import deliveries_queued, requests_create
from reship.dev.demo.statements import statements_create
from reship.evaluation.rollup import rebuild_rollups
from reship.models import (
    CommunicationRecord,
    RequestMessage,
    ReshipEvent,
    ReshipLine,
    ReshipRequest,
    RestockOrder,
    SurveyResponse,
)
from suppliers.models import DropshipPartner, PartnerContact, Supplier

SEED = 2026


@dataclass
class DemoResult:
    created: bool
    counts: dict[str, int]
    status_counts: dict[str, int]
    logins: list[DemoLogin]
    seconds: float = 0.0


def demo_data_load(*, now: datetime | None = None) -> DemoResult:
    """Load everything once, in one transaction; when the demo sellers exist, change nothing."""
    started = time.monotonic()
    now = now or timezone.now()
    with deliveries_queued(), transaction.atomic():
        if Seller.objects.filter(name__in=SELLER_NAMES).exists():
            return DemoResult(
                created=False, counts=demo_data_counts(), status_counts=_status_counts(), logins=demo_logins()
            )
        if (
            DropshipPartner.objects.filter(name__in=PARTNER_NAMES).exists()
            or Supplier.objects.filter(name__in=SOURCE_NAMES).exists()
        ):
            raise DemoDataConflict(
                "Demo partners or sources exist but the demo sellers do not (a partly deleted demo?); "
                "delete them in the admin, then load again."
            )
        rng = random.Random(SEED)
        parties = parties_create()
        products = products_create(parties)
        tracking = TrackingNumbers(rng)
        orders = orders_create(rng, now=now, parties=parties, products=products, tracking=tracking)
        requests_create(rng, now=now, orders=orders, parties=parties, tracking=tracking)
        customer_reports_create(now=now, parties=parties)
        statements_create(now=now, parties=parties)
        # The dashboard's per-day rollups for what was just written (PostgreSQL; nothing on SQLite).
        rebuild_rollups()
    return DemoResult(
        created=True,
        counts=demo_data_counts(),
        status_counts=_status_counts(),
        logins=demo_logins(kept=parties.kept),
        seconds=time.monotonic() - started,
    )


def demo_data_counts() -> dict[str, int]:
    """What the demo sellers own and the demo partners and sources, in one small query each."""
    requests = ReshipRequest.objects.filter(seller__name__in=SELLER_NAMES)
    return {
        "sellers": Seller.objects.filter(name__in=SELLER_NAMES).count(),
        "partners": DropshipPartner.objects.filter(name__in=PARTNER_NAMES).count(),
        "partner_contacts": PartnerContact.objects.filter(partner__name__in=PARTNER_NAMES).count(),
        "sources": Supplier.objects.filter(name__in=SOURCE_NAMES).count(),
        "products": Product.objects.filter(seller__name__in=SELLER_NAMES).count(),
        "orders": Order.objects.filter(seller__name__in=SELLER_NAMES).count(),
        "order_lines": OrderLine.objects.filter(order__seller__name__in=SELLER_NAMES).count(),
        "original_shipments": Shipment.objects.filter(
            order__seller__name__in=SELLER_NAMES, reship_request__isnull=True
        ).count(),
        "reship_requests": requests.count(),
        "reship_lines": ReshipLine.objects.filter(request__in=requests).count(),
        "reship_shipments": Shipment.objects.filter(reship_request__in=requests).count(),
        "restock_orders": RestockOrder.objects.filter(request__in=requests).count(),
        "events": ReshipEvent.objects.filter(request__in=requests).count(),
        "thread_messages": RequestMessage.objects.filter(request__in=requests).count(),
        "communication_records": CommunicationRecord.objects.filter(request__in=requests).count(),
        "survey_responses": SurveyResponse.objects.filter(request__in=requests).count(),
    }


def _status_counts() -> dict[str, int]:
    counts = Counter(
        ReshipRequest.objects.filter(seller__name__in=SELLER_NAMES).values_list("status", flat=True).order_by()
    )
    return {status.value: counts.get(status.value, 0) for status in RequestStatus}
