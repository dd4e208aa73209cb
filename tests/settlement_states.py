"""Closed requests with chosen costs, for settlement tests, built through the workflow functions.

``closed_request`` files a request on a new order of the pair (one resend line A, and a compensated
line C when ``compensation`` is given), approves it with the given goods and shipping quote and
bearer, ships A, compensates C (by the partner or the seller), confirms the info update, tells the
customer if the shop's messages did not, and closes it at ``closed_at``.
"""

from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from reship import workflow
from reship.choices import RequestStatus
from reship.models import ReshipRequest
from tests.factories import OrderFactory, OrderLineFactory, PartnerMembershipFactory, SellerMembershipFactory


def pair(*, seller_language: str = "en", partner_language: str = "en"):
    """A seller's user and a partner's user (each a manager of a new organisation), working together:
    the partner fulfils an order of the seller's (a partner settles only with sellers it works with)."""
    seller_user = SellerMembershipFactory(user__language=seller_language, role="manager").user
    partner_user = PartnerMembershipFactory(user__language=partner_language, role="manager").user
    OrderFactory(seller=seller_user.seller_membership.seller, partner=partner_user.partner_membership.partner)
    return seller_user, partner_user


def closed_request(
    *,
    seller_user,
    partner_user,
    goods: str = "0",
    shipping: str = "0",
    bearer: str = "seller",
    currency: str = "CNY",
    compensation: str | None = None,
    compensated_by: str = "partner",
    closed_at: datetime | None = None,
    follow_up_of: ReshipRequest | None = None,
    supplier=None,
) -> ReshipRequest:
    closed_at = closed_at or timezone.now()
    start = closed_at - timedelta(days=2)
    seller = seller_user.seller_membership.seller
    partner = partner_user.partner_membership.partner
    if follow_up_of is not None:
        order = follow_up_of.order
        lines = list(order.lines.select_related("product").order_by("pk"))
        request = workflow.reship_follow_up(
            request_id=follow_up_of.pk,
            actor=seller_user,
            reason="lost_in_transit",
            description="The replacement was lost too.",
            lines=[workflow.LineRequest(lines[0].pk, 1, "resend")],
            now=start,
        )
    else:
        order = OrderFactory(seller=seller, partner=partner, currency=currency, placed_at=start - timedelta(days=5))
        product_kwargs = {"product__supplier": supplier} if supplier is not None else {}
        line_a = OrderLineFactory(order=order, quantity=2, unit_price=Decimal("30.00"), **product_kwargs)
        requested = [workflow.LineRequest(line_a.pk, 1, "resend")]
        if compensation is not None:
            line_c = OrderLineFactory(order=order, quantity=1, unit_price=Decimal("60.00"), **product_kwargs)
            requested.append(workflow.LineRequest(line_c.pk, 1, "compensation"))
        request = workflow.reship_submit(
            actor=seller_user,
            order_id=order.pk,
            reason="damaged",
            description="The parcel arrived crushed.",
            lines=requested,
            now=start,
        )
    workflow.reship_approve(
        request_id=request.pk,
        actor=partner_user,
        quote_goods=goods,
        quote_shipping=shipping,
        cost_bearer=bearer,
        now=start + timedelta(hours=1),
    )
    lines = list(request.lines.select_related("order_line").order_by("pk"))
    workflow.reship_ship(
        request_id=request.pk,
        actor=partner_user,
        items=[workflow.ShipItem(lines[0].pk)],
        carrier="SF Express",
        tracking_number=f"SF{request.pk:012d}",
        now=start + timedelta(hours=2),
    )
    if compensation is not None and follow_up_of is None:
        workflow.reship_compensate(
            request_id=request.pk,
            actor=seller_user if compensated_by == "seller" else partner_user,
            line_ids=[lines[1].pk],
            method="refund",
            amount=compensation,
            now=start + timedelta(hours=3),
        )
    workflow.reship_confirm_info_update(request_id=request.pk, actor=seller_user, now=start + timedelta(hours=4))
    if ReshipRequest.objects.get(pk=request.pk).status == RequestStatus.CUSTOMER_CONTACT:
        workflow.reship_contact_customer(
            request_id=request.pk, actor=seller_user, channel="email", now=start + timedelta(hours=5)
        )
    workflow.reship_close(
        request_id=request.pk,
        actor=seller_user,
        rating_speed=4,
        rating_quality=5,
        rating_cooperation=4,
        now=closed_at,
    )
    return ReshipRequest.objects.get(pk=request.pk)
