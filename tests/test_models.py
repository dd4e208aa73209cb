"""Integrity the database itself holds: constraints are tested by writing rows that break them."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from orders.models import SellerMembership
from reship.choices import RequestStatus
from reship.models import AppendOnlyError, ReshipEvent
from reship.workflow.numbering import request_number_next
from suppliers.models import PartnerMembership
from tests.factories import (
    OrderFactory,
    OrderLineFactory,
    PartnerContactFactory,
    PartnerFactory,
    ProductFactory,
    ReshipEventFactory,
    ReshipLineFactory,
    ReshipRequestFactory,
    SellerFactory,
    ShipmentFactory,
    SupplierFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _refused(build) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        build()


def test_platform_order_number_is_unique_per_seller_only():
    seller, other_seller = SellerFactory(), SellerFactory()
    OrderFactory(seller=seller, platform_order_number="TB-1")

    _refused(lambda: OrderFactory(seller=seller, platform_order_number="TB-1"))
    assert OrderFactory(seller=other_seller, platform_order_number="TB-1").pk is not None


@pytest.mark.parametrize("quantity", [0, -1])
def test_order_line_quantity_must_be_positive(quantity):
    order = OrderFactory()
    _refused(lambda: OrderLineFactory(order=order, quantity=quantity))


@pytest.mark.parametrize("quantity", [0, -3])
def test_reship_line_quantity_must_be_positive(quantity):
    _refused(lambda: ReshipLineFactory(quantity=quantity))


def test_an_order_line_appears_once_per_request():
    line = ReshipLineFactory()
    _refused(lambda: ReshipLineFactory(request=line.request, order_line=line.order_line))


def test_request_numbers_are_unique():
    ReshipRequestFactory(number="RS-2026-000001")
    _refused(lambda: ReshipRequestFactory(number="RS-2026-000001"))


def test_request_numbers_count_per_year_and_read_well():
    assert request_number_next(year=2026) == "RS-2026-000001"
    assert request_number_next(year=2026) == "RS-2026-000002"
    assert request_number_next(year=2027) == "RS-2027-000001"


def test_a_negative_quote_is_refused():
    _refused(lambda: ReshipRequestFactory(quote_goods=Decimal("-1.00")))


def test_closed_at_is_only_set_on_closed_requests():
    from django.utils import timezone

    _refused(lambda: ReshipRequestFactory(status=RequestStatus.APPROVED, closed_at=timezone.now()))
    assert ReshipRequestFactory(status=RequestStatus.CLOSED, closed_at=timezone.now()).pk is not None


def test_sku_codes_are_unique_per_seller():
    product = ProductFactory(sku_code="MUG-01")
    _refused(lambda: ProductFactory(seller=product.seller, sku_code="MUG-01"))


def test_tracking_number_is_unique_per_carrier():
    ShipmentFactory(carrier="SF Express", tracking_number="SF123456789012")
    _refused(lambda: ShipmentFactory(carrier="SF Express", tracking_number="SF123456789012"))
    assert ShipmentFactory(carrier="ZTO", tracking_number="SF123456789012").pk is not None


def test_a_parcel_cannot_be_delivered_before_it_shipped():
    shipment = ShipmentFactory.build()
    _refused(
        lambda: ShipmentFactory(
            order=OrderFactory(), shipped_at=shipment.shipped_at, delivered_at=shipment.shipped_at - timedelta(hours=1)
        )
    )


def test_a_shipment_is_a_reship_exactly_when_it_belongs_to_a_request():
    original = ShipmentFactory()
    reship = ShipmentFactory(order=original.order, reship_request=ReshipRequestFactory(order=original.order))

    assert original.is_reship is False
    assert reship.is_reship is True


@pytest.mark.parametrize(
    ("field", "value"),
    [("review_sla_hours", 0), ("fulfilment_sla_hours", 0)],
)
def test_partner_sla_hours_must_be_positive(field, value):
    _refused(lambda: PartnerFactory(**{field: value}))


def test_a_partner_webhook_needs_a_secret():
    _refused(lambda: PartnerFactory(webhook_url="https://erp.example.com/hook", webhook_secret=""))
    assert PartnerFactory(webhook_url="https://erp.example.com/hook", webhook_secret="s3cret").pk


def test_a_partner_has_at_most_one_primary_contact():
    contact = PartnerContactFactory(is_primary=True)
    _refused(lambda: PartnerContactFactory(partner=contact.partner, is_primary=True))
    assert PartnerContactFactory(partner=contact.partner, is_primary=False).pk


def test_supplier_lead_time_is_at_most_a_year():
    _refused(lambda: SupplierFactory(restock_lead_days=400))


def test_a_user_works_for_one_organisation_only():
    user = UserFactory()
    SellerMembership.objects.create(user=user, seller=SellerFactory())

    membership = PartnerMembership(user=user, partner=PartnerFactory())
    with pytest.raises(ValidationError, match="another organisation"):
        membership.full_clean()


def test_events_are_append_only():
    event = ReshipEventFactory(message="Submitted by the seller")
    event.message = "rewritten history"

    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    assert ReshipEvent.objects.get(pk=event.pk).message == "Submitted by the seller"
