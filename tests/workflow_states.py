"""Build requests in any status through the workflow functions, as a seller and partner would.

The order has four lines so every action has something to act on in every status where it is
allowed: A (resend), B1 and B2 (restock then resend), C (compensation). "fulfilling" means B1's
restock was ordered; "info_update" means every line was resolved.
"""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from reship import workflow
from reship.choices import CustomerChannels, CustomerEvent, RequestStatus
from reship.models import CustomerMessageSetting, ReshipLine, ReshipRequest, RestockOrder
from tests.factories import (
    OrderFactory,
    OrderLineFactory,
    PartnerMembershipFactory,
    SellerMembershipFactory,
)


@dataclass
class Parties:
    seller: object
    partner: object
    other_seller: object
    other_partner: object
    order: object


def make_parties() -> Parties:
    seller = SellerMembershipFactory(user__language="en").user
    partner = PartnerMembershipFactory(user__language="en").user
    order = OrderFactory(
        seller=seller.seller_membership.seller,
        partner=partner.partner_membership.partner,
        customer_email="buyer@example.com",
        customer_phone="+86 138 0013 8000",
    )
    for sku, unit_price in (("A", "30.00"), ("B1", "40.00"), ("B2", "50.00"), ("C", "60.00")):
        OrderLineFactory(order=order, product__sku_code=f"SKU-{sku}", quantity=2, unit_price=Decimal(unit_price))
    return Parties(
        seller=seller,
        partner=partner,
        other_seller=SellerMembershipFactory().user,
        other_partner=PartnerMembershipFactory().user,
        order=order,
    )


def line(request: ReshipRequest, sku: str) -> ReshipLine:
    return request.lines.get(order_line__product__sku_code=f"SKU-{sku}")


def submit(parties: Parties) -> ReshipRequest:
    lines = {ol.product.sku_code: ol for ol in parties.order.lines.select_related("product")}
    return workflow.reship_submit(
        actor=parties.seller,
        order_id=parties.order.pk,
        reason="damaged",
        description="The parcel arrived crushed.",
        lines=[
            workflow.LineRequest(lines["SKU-A"].pk, 1, "resend"),
            workflow.LineRequest(lines["SKU-B1"].pk, 1, "restock_resend"),
            workflow.LineRequest(lines["SKU-B2"].pk, 1, "restock_resend"),
            workflow.LineRequest(lines["SKU-C"].pk, 1, "compensation"),
        ],
    )


def report(parties: Parties, **changes) -> ReshipRequest:
    """The customer reports A, B1, B2 (resend) and C (compensation) on the shop's after-sale page."""
    lines = {ol.product.sku_code: ol for ol in parties.order.lines.select_related("product")}
    return workflow.reship_report(
        order_id=parties.order.pk,
        seller_id=parties.order.seller_id,
        reason="damaged",
        description="The box was crushed.",
        lines=[
            workflow.LineRequest(lines["SKU-A"].pk, 1, "resend"),
            workflow.LineRequest(lines["SKU-B1"].pk, 1, "resend"),
            workflow.LineRequest(lines["SKU-B2"].pk, 1, "resend"),
            workflow.LineRequest(lines["SKU-C"].pk, 1, "compensation"),
        ],
        **changes,
    )


def approve(parties: Parties, request: ReshipRequest) -> None:
    workflow.reship_approve(
        request_id=request.pk,
        actor=parties.partner,
        quote_goods="120.00",
        quote_shipping="18.00",
        cost_bearer="partner",
        promised_date=timezone.localdate() + timedelta(days=3),
    )


def request_in(status: str, parties: Parties) -> ReshipRequest:
    """A request in the given status, reached through the workflow only."""
    if status in (RequestStatus.REPORTED, RequestStatus.DECLINED):
        request = report(parties)
        if status == RequestStatus.DECLINED:
            workflow.reship_decline_report(request_id=request.pk, actor=parties.seller, reason="Delivered, signed for.")
        return _fresh(request)
    if status in (RequestStatus.INFO_UPDATE, RequestStatus.CUSTOMER_CONTACT):
        # The shop does not tell the customer of outcomes automatically: the contact step waits.
        outcome_messages_off(parties.order.seller)
    request = submit(parties)
    if status == RequestStatus.SUBMITTED:
        return _fresh(request)
    if status == RequestStatus.NEEDS_INFO:
        workflow.reship_request_info(request_id=request.pk, actor=parties.partner, question="A photo of the box?")
        return _fresh(request)
    if status == RequestStatus.REJECTED:
        workflow.reship_reject(request_id=request.pk, actor=parties.partner, reason="Delivered per the carrier.")
        return _fresh(request)
    if status == RequestStatus.CANCELLED:
        workflow.reship_cancel(request_id=request.pk, actor=parties.seller, reason="The customer found it.")
        return _fresh(request)
    approve(parties, request)
    if status == RequestStatus.APPROVED:
        return _fresh(request)
    workflow.reship_start_restock(request_id=request.pk, actor=parties.partner, line_ids=[line(request, "B1").pk])
    if status == RequestStatus.FULFILLING:
        return _fresh(request)
    resolve_every_line(parties, request)
    if status == RequestStatus.INFO_UPDATE:
        return _fresh(request)
    workflow.reship_confirm_info_update(request_id=request.pk, actor=parties.seller)
    if status == RequestStatus.CUSTOMER_CONTACT:
        return _fresh(request)
    if _fresh(request).status == RequestStatus.CUSTOMER_CONTACT:
        workflow.reship_contact_customer(request_id=request.pk, actor=parties.seller, channel="email")
    if status == RequestStatus.CONTACTED:
        return _fresh(request)
    workflow.reship_close(
        request_id=request.pk, actor=parties.seller, rating_speed=4, rating_quality=5, rating_cooperation=4
    )
    assert status == RequestStatus.CLOSED, status
    return _fresh(request)


def outcome_messages_off(seller) -> None:
    """The shop chooses not to send the shipped and compensated messages automatically."""
    for event in (CustomerEvent.LINES_SHIPPED, CustomerEvent.LINES_COMPENSATED):
        CustomerMessageSetting.objects.update_or_create(
            seller=seller, event=event, defaults={"channels": CustomerChannels.OFF}
        )


def resolve_every_line(parties: Parties, request: ReshipRequest) -> None:
    """From fulfilling (B1's restock ordered): restock B2, confirm both, ship, compensate C."""
    workflow.reship_start_restock(request_id=request.pk, actor=parties.partner, line_ids=[line(request, "B2").pk])
    for restock in RestockOrder.objects.filter(request=request, status="ordered").order_by("pk"):
        workflow.reship_confirm_restock(
            restock_order_id=restock.pk, actor=parties.partner, ship_date=timezone.localdate()
        )
    workflow.reship_ship(
        request_id=request.pk,
        actor=parties.partner,
        items=[workflow.ShipItem(line(request, sku).pk) for sku in ("A", "B1", "B2")],
        carrier="SF Express",
        tracking_number=f"SF{request.pk:012d}",
        quality_check_note="Checked, no scratches.",
    )
    workflow.reship_compensate(
        request_id=request.pk, actor=parties.partner, line_ids=[line(request, "C").pk], method="voucher", amount="25"
    )


def send_survey(request: ReshipRequest, now=None) -> ReshipRequest:
    """The survey goes out on its own schedule, days after the goods arrived; a test that answers
    it brings its date forward to ``now`` and lets the sender send it, as the beat would then."""
    now = now or timezone.now()
    ReshipRequest.objects.filter(pk=request.pk).update(survey_due_at=now)
    workflow.surveys_send_due(now=now)
    return _fresh(request)


def _fresh(request: ReshipRequest) -> ReshipRequest:
    return ReshipRequest.objects.get(pk=request.pk)
