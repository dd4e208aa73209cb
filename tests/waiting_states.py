"""A seller's and a partner's day, for the "waiting for me" tests (landing, list, API): requests in
the states where each side owes something, built through the workflow, with due times set by hand.

| name       | status (quote)          | waits for          | due        | late for |
| ---------- | ----------------------- | ------------------ | ---------- | -------- |
| submitted  | submitted               | partner (review)   | −1 day     | partner  |
| needs_info | needs_info              | seller (answer)    | −2 hours   | seller   |
| approved   | approved (pending)      | seller (quote), partner (fulfilment) | −1 hour | partner |
| disputed   | fulfilling (disputed)   | partner (fulfilment, revise quote) | +5 hours | — |
| reported   | reported                | seller (confirm)   | none       | —        |
| closed     | closed                  | nobody             | none       | —        |
| others     | submitted, another seller's, same partner | partner (review) | +2 hours | — |
"""

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from django.utils import timezone

from reship import workflow
from reship.choices import RequestStatus
from reship.models import ReshipRequest
from tests.factories import OrderFactory, OrderLineFactory
from tests.workflow_states import Parties, request_in

S = RequestStatus


@dataclass
class Day:
    now: datetime
    submitted: ReshipRequest
    needs_info: ReshipRequest
    approved: ReshipRequest
    disputed: ReshipRequest
    reported: ReshipRequest
    closed: ReshipRequest
    others: ReshipRequest


def _another_order(parties: Parties) -> Parties:
    order = OrderFactory(seller=parties.order.seller, partner=parties.order.partner)
    for order_line in parties.order.lines.select_related("product"):
        OrderLineFactory(order=order, product=order_line.product, quantity=2, unit_price=order_line.unit_price)
    return replace(parties, order=order)


def _due(request: ReshipRequest, due: datetime | None) -> ReshipRequest:
    ReshipRequest.objects.filter(pk=request.pk).update(stage_due_at=due)
    return ReshipRequest.objects.get(pk=request.pk)


def a_day(parties: Parties) -> Day:
    now = timezone.now()
    disputed = request_in(S.FULFILLING, _another_order(parties))
    workflow.reship_dispute_quote(request_id=disputed.pk, actor=parties.seller, message="Shipping is too dear.")
    other_order = OrderFactory(seller=parties.other_seller.seller_membership.seller, partner=parties.order.partner)
    others = workflow.reship_submit(
        actor=parties.other_seller,
        order_id=other_order.pk,
        reason="lost_in_transit",
        lines=[workflow.LineRequest(OrderLineFactory(order=other_order).pk, 1, "resend")],
    )
    return Day(
        now=now,
        submitted=_due(request_in(S.SUBMITTED, parties), now - timedelta(days=1)),
        needs_info=_due(request_in(S.NEEDS_INFO, _another_order(parties)), now - timedelta(hours=2)),
        approved=_due(request_in(S.APPROVED, _another_order(parties)), now - timedelta(hours=1)),
        disputed=_due(disputed, now + timedelta(hours=5)),
        reported=_due(request_in(S.REPORTED, _another_order(parties)), None),
        closed=request_in(S.CLOSED, _another_order(parties)),
        others=_due(others, now + timedelta(hours=2)),
    )
