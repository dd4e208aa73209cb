"""Every action × every status × every role.

Allowed calls succeed with the right event and notifications; refused ones raise the right error
and change nothing: no event, no notification, no row touched. The expectations are written out
by hand here, independently of reship.lifecycle.TRANSITIONS and reship.permissions.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from orders.models import Carrier, Shipment
from reship import workflow
from reship.choices import Action, EventKind, RequestStatus
from reship.core.errors import ActionNotPermitted, InvalidTransition, RequestNotFound
from reship.models import Notification, RequestMessage, ReshipEvent, ReshipLine, ReshipRequest, RestockOrder
from suppliers.models import Supplier
from tests.factories import UserFactory
from tests.workflow_states import line, make_parties, request_in

S = RequestStatus
ALL_STATUSES = list(RequestStatus)
# "admin": platform staff (of no organisation), who see every request and take only cancel, reassign
# and escalate.
ROLES = ["seller", "partner", "other_seller", "other_partner", "anonymous", "admin"]


@dataclass(frozen=True)
class Expect:
    side: frozenset[str]  # who may act: "seller", "partner", "admin"
    statuses: frozenset[str]  # where it is allowed
    event: str  # the event kind written
    to_status: str | None  # None: the status stays
    templates: frozenset[str] = field(default_factory=frozenset)  # notification templates written


OPEN_QUOTE = frozenset({S.APPROVED, S.FULFILLING, S.INFO_UPDATE, S.CUSTOMER_CONTACT, S.CONTACTED})
EXPECTED: dict[Action, Expect] = {
    # A customer's report: the seller's alone; the partner does not see it at all (404).
    Action.CONFIRM_REPORT: Expect(
        frozenset({"seller"}),
        frozenset({S.REPORTED}),
        EventKind.REPORT_CONFIRMED,
        S.SUBMITTED,
        frozenset({"request_submitted"}),
    ),
    Action.EDIT_REPORT: Expect(frozenset({"seller"}), frozenset({S.REPORTED}), EventKind.REPORT_EDITED, None),
    Action.DECLINE_REPORT: Expect(
        frozenset({"seller"}),
        frozenset({S.REPORTED}),
        EventKind.REPORT_DECLINED,
        S.DECLINED,
        frozenset({"report_declined"}),
    ),
    Action.REQUEST_INFO: Expect(
        frozenset({"partner"}),
        frozenset({S.SUBMITTED}),
        EventKind.INFO_REQUESTED,
        S.NEEDS_INFO,
        frozenset({"info_requested"}),
    ),
    Action.ANSWER_INFO: Expect(
        frozenset({"seller"}),
        frozenset({S.NEEDS_INFO}),
        EventKind.INFO_ANSWERED,
        S.SUBMITTED,
        frozenset({"info_answered"}),
    ),
    Action.APPROVE: Expect(
        frozenset({"partner"}),
        frozenset({S.SUBMITTED}),
        EventKind.APPROVED,
        S.APPROVED,
        frozenset({"request_approved"}),
    ),
    Action.REJECT: Expect(
        frozenset({"partner"}),
        frozenset({S.SUBMITTED, S.NEEDS_INFO}),
        EventKind.REJECTED,
        S.REJECTED,
        frozenset({"request_rejected"}),
    ),
    Action.CANCEL: Expect(
        frozenset({"seller", "admin"}),
        frozenset({S.SUBMITTED, S.NEEDS_INFO, S.APPROVED}),
        EventKind.CANCELLED,
        S.CANCELLED,
        frozenset({"request_cancelled"}),
    ),
    Action.ACCEPT_QUOTE: Expect(
        frozenset({"seller"}), OPEN_QUOTE, EventKind.QUOTE_ACCEPTED, None, frozenset({"quote_accepted"})
    ),
    Action.DISPUTE_QUOTE: Expect(
        frozenset({"seller"}), OPEN_QUOTE, EventKind.QUOTE_DISPUTED, None, frozenset({"quote_disputed"})
    ),
    Action.PRINT_SLIPS: Expect(
        frozenset({"partner"}), frozenset({S.APPROVED, S.FULFILLING}), EventKind.SLIP_PRINTED, None
    ),
    Action.REVISE_QUOTE: Expect(
        frozenset({"partner"}), OPEN_QUOTE, EventKind.QUOTE_REVISED, None, frozenset({"quote_revised"})
    ),
    Action.START_RESTOCK: Expect(
        frozenset({"partner"}),
        frozenset({S.APPROVED, S.FULFILLING}),
        EventKind.RESTOCK_STARTED,
        S.FULFILLING,
        frozenset({"restock_ordered"}),
    ),
    Action.CONFIRM_RESTOCK: Expect(
        frozenset({"partner"}),
        frozenset({S.FULFILLING}),
        EventKind.RESTOCK_CONFIRMED,
        None,
        frozenset({"restock_confirmed"}),
    ),
    Action.SHIP: Expect(
        frozenset({"partner"}),
        frozenset({S.APPROVED, S.FULFILLING}),
        EventKind.SHIPPED,
        S.FULFILLING,
        frozenset({"lines_shipped"}),
    ),
    Action.COMPENSATE: Expect(
        frozenset({"seller", "partner"}),
        frozenset({S.APPROVED, S.FULFILLING}),
        EventKind.COMPENSATED,
        S.FULFILLING,
        frozenset({"lines_compensated"}),
    ),
    Action.CONFIRM_INFO_UPDATE: Expect(
        frozenset({"seller"}),
        frozenset({S.INFO_UPDATE}),
        EventKind.INFO_UPDATED,
        S.CUSTOMER_CONTACT,
        frozenset({"info_updated"}),
    ),
    Action.CONTACT_CUSTOMER: Expect(
        frozenset({"seller"}),
        frozenset({S.CUSTOMER_CONTACT}),
        EventKind.CUSTOMER_CONTACTED,
        S.CONTACTED,
        frozenset({"customer_message", "customer_contacted"}),
    ),
    Action.CLOSE: Expect(
        frozenset({"seller"}),
        frozenset({S.CONTACTED}),
        EventKind.CLOSED,
        S.CLOSED,  # no survey_invitation: the survey waits for the goods
        frozenset({"request_closed"}),
    ),
    Action.MARK_DELIVERED: Expect(
        frozenset({"seller", "partner"}),
        frozenset({S.FULFILLING, S.INFO_UPDATE, S.CUSTOMER_CONTACT, S.CONTACTED, S.CLOSED}),
        EventKind.DELIVERED,
        None,
        frozenset({"parcel_delivered"}),
    ),
    # A follow-up is a new request: the partner is told, and the customer that it was received.
    Action.FOLLOW_UP: Expect(
        frozenset({"seller"}),
        frozenset({S.CLOSED}),
        EventKind.FOLLOWED_UP,
        None,
        frozenset({"request_submitted", "request_received"}),
    ),
    # The partner is told only once it is packing (approved, fulfilling): see _templates_expected.
    Action.CHANGE_SHIP_TO: Expect(
        frozenset({"seller"}),
        frozenset({S.REPORTED, S.SUBMITTED, S.NEEDS_INFO, S.APPROVED, S.FULFILLING}),
        EventKind.SHIP_TO_CHANGED,
        None,
        frozenset({"ship_to_changed"}),
    ),
    # The platform's own: the old partner is told the request left, the new one as of a submission.
    Action.REASSIGN_PARTNER: Expect(
        frozenset({"admin"}),
        frozenset({S.SUBMITTED, S.NEEDS_INFO}),
        EventKind.PARTNER_REASSIGNED,
        None,
        frozenset({"request_reassigned", "request_submitted"}),
    ),
    Action.ESCALATE: Expect(
        frozenset({"admin"}),
        frozenset(
            {
                S.REPORTED,
                S.SUBMITTED,
                S.NEEDS_INFO,
                S.APPROVED,
                S.FULFILLING,
                S.INFO_UPDATE,
                S.CUSTOMER_CONTACT,
                S.CONTACTED,
            }
        ),
        EventKind.ESCALATED,
        None,
        frozenset({"request_escalated"}),
    ),
}


def _templates_expected(action: Action, status: str) -> frozenset[str]:
    if action == Action.CHANGE_SHIP_TO and status not in (S.APPROVED, S.FULFILLING):
        return frozenset()
    return EXPECTED[action].templates


def _restock_order_for(request: ReshipRequest) -> RestockOrder:
    """B1's open restock order; in statuses that cannot have one, a stray row proves the status check."""
    ordered = RestockOrder.objects.filter(request=request, status="ordered").first()
    if ordered is not None:
        return ordered
    existing = RestockOrder.objects.filter(request=request).first()
    if existing is not None:
        return existing
    b1 = line(request, "B1")
    return RestockOrder.objects.create(request=request, line=b1, supplier=b1.order_line.product.supplier, quantity=1)


def _parcel_for(request: ReshipRequest) -> Shipment:
    """The request's parcel; in statuses that cannot have one, a stray row proves the status check."""
    parcel = Shipment.objects.filter(reship_request=request).first()
    if parcel is not None:
        return parcel
    return Shipment.objects.create(
        order=request.order,
        reship_request=request,
        carrier=Carrier.objects.get(code="SF"),
        tracking_number=f"SF{request.pk + 500000000000}",
        shipped_at=timezone.now() - timedelta(days=1),
    )


def _call(action: Action, request: ReshipRequest, actor: Any, context: dict) -> Any:
    rid = request.pk
    if action == Action.CONFIRM_REPORT:
        return workflow.reship_confirm_report(request_id=rid, actor=actor)
    if action == Action.EDIT_REPORT:
        return workflow.reship_edit_report(
            request_id=rid, actor=actor, lines=[workflow.LineRequest(line(request, "A").order_line_id, 2, "resend")]
        )
    if action == Action.DECLINE_REPORT:
        return workflow.reship_decline_report(request_id=rid, actor=actor, reason="Signed for by the customer.")
    if action == Action.REQUEST_INFO:
        return workflow.reship_request_info(request_id=rid, actor=actor, question="Which side was crushed?")
    if action == Action.ANSWER_INFO:
        return workflow.reship_answer_info(request_id=rid, actor=actor, answer="The left side; photo attached.")
    if action == Action.APPROVE:
        return workflow.reship_approve(
            request_id=rid, actor=actor, quote_goods="40", quote_shipping="12", cost_bearer="carrier"
        )
    if action == Action.REJECT:
        return workflow.reship_reject(request_id=rid, actor=actor, reason="Signed for by the customer.")
    if action == Action.CANCEL:
        return workflow.reship_cancel(request_id=rid, actor=actor)
    if action == Action.ACCEPT_QUOTE:
        return workflow.reship_accept_quote(request_id=rid, actor=actor)
    if action == Action.DISPUTE_QUOTE:
        return workflow.reship_dispute_quote(request_id=rid, actor=actor, message="Shipping should be 8.")
    if action == Action.REVISE_QUOTE:
        return workflow.reship_revise_quote(
            request_id=rid, actor=actor, quote_goods="40", quote_shipping="8", cost_bearer="shared"
        )
    if action == Action.START_RESTOCK:
        return workflow.reship_start_restock(request_id=rid, actor=actor, line_ids=[context["restock_line"]])
    if action == Action.CONFIRM_RESTOCK:
        return workflow.reship_confirm_restock(
            restock_order_id=context["restock_order"], actor=actor, ship_date=timezone.localdate()
        )
    if action == Action.SHIP:
        return workflow.reship_ship(
            request_id=rid,
            actor=actor,
            items=[workflow.ShipItem(line(request, "A").pk)],
            carrier="ZTO",
            tracking_number="750000000001",
        )
    if action == Action.COMPENSATE:
        return workflow.reship_compensate(
            request_id=rid, actor=actor, line_ids=[line(request, "C").pk], method="refund", amount="60"
        )
    if action == Action.CONFIRM_INFO_UPDATE:
        return workflow.reship_confirm_info_update(request_id=rid, actor=actor)
    if action == Action.CONTACT_CUSTOMER:
        return workflow.reship_contact_customer(request_id=rid, actor=actor, channel="email")
    if action == Action.CLOSE:
        return workflow.reship_close(
            request_id=rid, actor=actor, rating_speed=3, rating_quality=4, rating_cooperation=5
        )
    if action == Action.MARK_DELIVERED:
        return workflow.reship_mark_delivered(shipment_id=context["parcel"], actor=actor)
    if action == Action.CHANGE_SHIP_TO:
        return workflow.reship_change_ship_to(
            request_id=rid, actor=actor, ship_to={"street": "漕溪北路 88 号", "postcode": "200030"}
        )
    if action == Action.PRINT_SLIPS:
        return workflow.reship_print_slips(actor=actor, line_ids=[line(request, "A").pk], kind="slip")
    if action == Action.REASSIGN_PARTNER:
        return workflow.reship_reassign_partner(
            request_id=rid, actor=actor, partner_id=context["new_partner"], note="The partner is on holiday."
        )
    if action == Action.ESCALATE:
        return workflow.reship_escalate(request_id=rid, actor=actor, note="Three days without an answer.")
    if action == Action.FOLLOW_UP:
        return workflow.reship_follow_up(
            request_id=rid,
            actor=actor,
            reason="lost_in_transit",
            description="The new parcel was lost too.",
            lines=[workflow.LineRequest(line(request, "A").order_line_id, 1, "resend")],
        )
    raise AssertionError(action)


def _snapshot(request: ReshipRequest) -> dict:
    return {
        "request": ReshipRequest.objects.filter(pk=request.pk).values().get(),
        "lines": list(ReshipLine.objects.filter(request=request).order_by("pk").values()),
        "events": ReshipEvent.objects.count(),
        "notifications": Notification.objects.count(),
        "restocks": list(RestockOrder.objects.order_by("pk").values()),
        "shipments": Shipment.objects.count(),
        "messages": RequestMessage.objects.count(),
        "requests": ReshipRequest.objects.count(),
    }


def _expected_error(action: Action, status: str, role: str):
    if role not in ("seller", "partner", "admin"):
        return RequestNotFound
    if role == "partner" and status in (S.REPORTED, S.DECLINED):
        return RequestNotFound  # the seller's until confirmed: the partner does not see it
    expect = EXPECTED[action]
    if role not in expect.side:
        return ActionNotPermitted
    if status not in expect.statuses:
        return InvalidTransition
    return None


CASES = [
    (action, status, role) for action in Action if action != Action.SUBMIT for status in ALL_STATUSES for role in ROLES
]


def test_the_table_covers_every_action_but_submit():
    assert set(EXPECTED) == set(Action) - {Action.SUBMIT}


@pytest.mark.django_db
@pytest.mark.parametrize(("action", "status", "role"), CASES, ids=[f"{a}-{s}-{r}" for a, s, r in CASES])
def test_action_by_status_by_role(action, status, role, django_capture_on_commit_callbacks):
    parties = make_parties()
    request = request_in(status, parties)
    context = {
        "restock_line": line(request, "B2" if status == S.FULFILLING else "B1").pk,
    }
    if action == Action.CONFIRM_RESTOCK:
        context["restock_order"] = _restock_order_for(request).pk
    if action == Action.MARK_DELIVERED:
        context["parcel"] = _parcel_for(request).pk
    if action == Action.REASSIGN_PARTNER:
        # Another partner that buys from the sources of the lines to restock (B1, B2).
        new_partner = parties.other_partner.partner_membership.partner
        new_partner.suppliers.set(Supplier.objects.filter(products__order_lines__order=parties.order))
        context["new_partner"] = new_partner.pk
    if role == "anonymous":
        actor = AnonymousUser()
    elif role == "admin":
        actor = UserFactory(is_staff=True, language="en")
    else:
        actor = getattr(parties, role)
    before = _snapshot(request)
    last_event_id = ReshipEvent.objects.order_by("-pk").values_list("pk", flat=True).first()
    last_notification_id = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    error = _expected_error(action, status, role)

    if error is not None:
        with django_capture_on_commit_callbacks() as callbacks, pytest.raises(error) as raised:
            _call(action, request, actor, context)
        assert raised.value.message
        assert callbacks == []
        assert _snapshot(request) == before
        return

    with django_capture_on_commit_callbacks() as callbacks:
        _call(action, request, actor, context)

    expect = EXPECTED[action]
    new_events = list(ReshipEvent.objects.filter(pk__gt=last_event_id).order_by("pk"))
    events_on_request = [event for event in new_events if event.request_id == request.pk]
    assert [event.kind for event in events_on_request] == [expect.event]
    assert events_on_request[0].actor == actor
    request.refresh_from_db()
    assert request.status == (expect.to_status or status)
    assert events_on_request[0].from_status == status
    assert events_on_request[0].to_status == request.status
    templates = set(Notification.objects.filter(pk__gt=last_notification_id).values_list("template", flat=True))
    assert templates == set(_templates_expected(action, status))
    # Delivery is queued after commit: the outbox's rows, and the customer's message on its own.
    assert bool(callbacks) == bool(_templates_expected(action, status))
