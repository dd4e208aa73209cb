"""The multi-node test's starting data, written into its own database by a child process
(``manage.py shell -c "from tests.multinode.seed import main; main()"``, the nodes' settings): a
seller and a partner who sign in with a password, and one order of the seller's, fulfilled by the
partner, with two lines and a customer's email. Prints what the test needs as one JSON line."""

from __future__ import annotations

import json
import sys
from decimal import Decimal

from tests.factories import (
    DEFAULT_PASSWORD,
    OrderFactory,
    OrderLineFactory,
    PartnerMembershipFactory,
    SellerMembershipFactory,
)

MARKER = "SEEDED="


def main() -> None:
    seller = SellerMembershipFactory(
        user__username="seller-ana", user__language="en", seller__name="Lotus Tea House"
    ).user
    partner = PartnerMembershipFactory(
        user__username="partner-bo", user__language="en", partner__name="Swift Dropship"
    ).user
    order = OrderFactory(
        seller=seller.seller_membership.seller,
        partner=partner.partner_membership.partner,
        platform_order_number="TB2026120001",
        customer_email="buyer@example.com",
        customer_language="en",
    )
    lines = [
        OrderLineFactory(order=order, product__sku_code=sku, quantity=2, unit_price=Decimal(price))
        for sku, price in (("SKU-MUG", "30.00"), ("SKU-LID", "8.00"))
    ]
    sys.stdout.write(
        MARKER
        + json.dumps(
            {
                "seller": seller.username,
                "partner": partner.username,
                "password": DEFAULT_PASSWORD,
                "order": order.pk,
                "lines": [line.pk for line in lines],
            }
        )
        + "\n"
    )
