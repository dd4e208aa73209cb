"""The order export's ship-to columns (``orders.exports``): in full for the seller; for a partner,
in full while the order awaits shipment and masked once it shipped — the rule of the order page
and the API (``reship.privacy.order_ship_to_for``). Expected cells are written by hand."""

import pytest

from orders.exports import COLUMNS, orders_table
from orders.models import Order
from tests.factories import OrderFactory, OrderLineFactory, PartnerMembershipFactory, SellerMembershipFactory

pytestmark = pytest.mark.django_db

FULL = ["张三", "13800138000", "CN", "上海市", "上海市", "浦东新区", "世纪大道 100 号", "200120"]
MASKED = ["张*", "138****8000", "CN", "上海市", "上海市", "浦东新区", "世纪大****", "200***"]


@pytest.fixture
def order():
    seller = SellerMembershipFactory(user__language="en").user
    partner = PartnerMembershipFactory(user__language="en").user
    order = OrderFactory(seller=seller.seller_membership.seller, partner=partner.partner_membership.partner)
    OrderLineFactory(order=order)
    order.seller_user, order.partner_user = seller, partner
    return order


def _ship_to_cells(viewer, order) -> list:
    table = orders_table(viewer)
    first = [str(header) for header in table.headers].index("Recipient")
    rows = list(table.rows(Order.objects.filter(pk=order.pk)))
    assert len(rows) == 1
    assert len(rows[0]) == len(COLUMNS)
    return rows[0][first : first + 8]


def test_the_seller_exports_its_customers_ship_to_in_full(order):
    Order.objects.filter(pk=order.pk).update(status="delivered")

    assert _ship_to_cells(order.seller_user, order) == FULL


def test_a_partner_exports_a_pending_orders_ship_to_in_full_and_a_shipped_ones_masked(order):
    assert _ship_to_cells(order.partner_user, order) == FULL

    Order.objects.filter(pk=order.pk).update(status="shipped")

    assert _ship_to_cells(order.partner_user, order) == MASKED
