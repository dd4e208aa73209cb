"""A customer's own report (售后自助): the seller's first stage, before the partner sees anything."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from reship import workflow
from reship.choices import EventKind, RequestStatus
from reship.core.errors import InvalidInput, InvalidTransition, RequestNotFound
from reship.models import CommunicationRecord, Notification, ReshipEvent, ReshipRequest
from tests.factories import ShipmentFactory
from tests.workflow_states import make_parties, report

pytestmark = pytest.mark.django_db


def _order_line(parties, sku):
    return parties.order.lines.get(product__sku_code=f"SKU-{sku}")


def _report_one(parties, sku="A", quantity=1, reason="damaged", **changes):
    return workflow.reship_report(
        order_id=parties.order.pk,
        seller_id=parties.order.seller_id,
        reason=reason,
        lines=[workflow.LineRequest(_order_line(parties, sku).pk, quantity, "resend")],
        **changes,
    )


def _lines(request):
    return [
        (each.order_line.product.sku_code, each.quantity, each.resolution, each.reason)
        for each in request.lines.select_related("order_line__product").order_by("order_line__product__sku_code")
    ]


def _templates(request, audience):
    return sorted(
        Notification.objects.filter(request=request, payload__audience=audience).values_list("template", flat=True)
    )


def test_a_report_waits_for_the_seller_with_the_customers_lines():
    parties = make_parties()
    request = report(parties)

    request.refresh_from_db()
    assert request.status == RequestStatus.REPORTED
    assert request.source == "customer"
    assert request.reported_at is not None
    assert request.submitted_at is None
    assert request.created_by is None
    assert request.auto_confirmed is False
    assert request.description == "The box was crushed."
    assert _lines(request) == [
        ("SKU-A", 1, "resend", "damaged"),
        ("SKU-B1", 1, "resend", "damaged"),
        ("SKU-B2", 1, "resend", "damaged"),
        ("SKU-C", 1, "compensation", "damaged"),
    ]
    event = request.events.get()
    assert (event.kind, event.actor, event.to_status) == (EventKind.REPORTED, None, "reported")
    assert [each["sku"] for each in event.data["lines"]] == ["SKU-A", "SKU-B1", "SKU-B2", "SKU-C"]
    # The seller is told (inbox, and email when they take it); the partner hears nothing yet.
    assert set(_templates(request, "seller")) == {"request_reported"}
    assert _templates(request, "partner") == []
    # The seller's step has a clock: the seller's own hours.
    assert request.stage_due_at is not None


def test_the_customer_is_told_the_report_was_received():
    parties = make_parties()
    request = report(parties)

    told = Notification.objects.get(request=request, template="request_received")
    assert told.channel == "email"
    assert told.recipient_address == "buyer@example.com"
    assert CommunicationRecord.objects.filter(request=request, automatic=True, notification=told).count() == 1


def test_preferred_resolution_applies_to_every_line():
    parties = make_parties()
    request = report(parties, preferred_resolution="compensation")

    assert {resolution for _sku, _q, resolution, _r in _lines(request)} == {"compensation"}


def test_a_customer_may_not_ask_for_a_restock():
    parties = make_parties()
    with pytest.raises(InvalidInput) as raised:
        _report_one(parties, preferred_resolution="restock_resend")

    assert raised.value.field_errors == {"preferred_resolution": ["Choose a resend or a compensation."]}
    assert ReshipRequest.objects.count() == 0


def test_outside_the_return_window_says_until_when():
    parties = make_parties()
    parties.order.placed_at = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.get_fixed_timezone(0))
    parties.order.save(update_fields=["placed_at"])

    with pytest.raises(InvalidTransition) as raised:
        _report_one(parties, now=datetime(2026, 2, 1, 12, 0, tzinfo=timezone.get_fixed_timezone(0)))

    assert raised.value.message == "Problems with this order could be reported until 2026-01-31."
    assert ReshipRequest.objects.count() == 0
    # On the last day it is still possible.
    request = _report_one(parties, now=datetime(2026, 1, 31, 11, 0, tzinfo=timezone.get_fixed_timezone(0)))
    assert request.status == RequestStatus.REPORTED


def test_rejected_cancelled_and_declined_requests_give_their_quantities_back():
    parties = make_parties()
    workflow.reship_decline_report(request_id=report(parties).pk, actor=parties.seller, reason="No.")
    lines = [workflow.LineRequest(ol.pk, 2, "resend") for ol in parties.order.lines.all()]
    submitted = workflow.reship_submit(actor=parties.seller, order_id=parties.order.pk, reason="damaged", lines=lines)
    workflow.reship_cancel(request_id=submitted.pk, actor=parties.seller)
    submitted = workflow.reship_submit(actor=parties.seller, order_id=parties.order.pk, reason="damaged", lines=lines)
    workflow.reship_reject(request_id=submitted.pk, actor=parties.partner, reason="No.")

    assert _lines(_report_one(parties, quantity=2)) == [("SKU-A", 2, "resend", "damaged")]


def test_everything_reported_already_is_a_clear_error():
    parties = make_parties()
    lines = [workflow.LineRequest(ol.pk, 2, "resend") for ol in parties.order.lines.all()]
    held = workflow.reship_submit(actor=parties.seller, order_id=parties.order.pk, reason="damaged", lines=lines)
    ReshipRequest.objects.filter(pk=held.pk).update(status=RequestStatus.CLOSED, closed_at=timezone.now())

    with pytest.raises(InvalidTransition) as raised:
        _report_one(parties)

    assert raised.value.message == "Everything in this order has already been reported."
    assert ReshipRequest.objects.count() == 1


def test_a_second_report_for_lines_in_an_open_request_names_the_open_one():
    parties = make_parties()
    first = _report_one(parties, sku="A")

    with pytest.raises(workflow.ReportAlreadyOpen) as raised:
        _report_one(parties, sku="A")

    assert raised.value.open_request == first
    assert raised.value.message == "A problem with these items is already being handled; follow it on its page."
    assert ReshipRequest.objects.count() == 1
    # Another line of the same order is free to report.
    assert _report_one(parties, sku="C").status == RequestStatus.REPORTED


def test_an_order_of_another_shop_is_not_found():
    parties = make_parties()
    other_shop = parties.other_seller.seller_membership.seller
    with pytest.raises(RequestNotFound):
        workflow.reship_report(
            order_id=parties.order.pk,
            seller_id=other_shop.pk,
            reason="damaged",
            lines=[workflow.LineRequest(_order_line(parties, "A").pk, 1, "resend")],
        )
    assert ReshipRequest.objects.count() == 0


def test_more_than_ordered_is_refused():
    parties = make_parties()
    with pytest.raises(InvalidInput) as raised:
        _report_one(parties, quantity=3)
    assert raised.value.message == "SKU SKU-A has 2 left to claim; you asked for 3."
    assert ReshipRequest.objects.count() == 0


def test_confirm_sends_it_to_the_partner():
    parties = make_parties()
    request = report(parties)

    workflow.reship_confirm_report(request_id=request.pk, actor=parties.seller)

    request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED
    assert request.submitted_at is not None
    assert request.auto_confirmed is False
    assert list(request.events.order_by("pk").values_list("kind", "actor")) == [
        (EventKind.REPORTED, None),
        (EventKind.REPORT_CONFIRMED, parties.seller.pk),
    ]
    assert _templates(request, "partner").count("request_submitted") >= 1
    assert ReshipRequest.objects.filter(pk=request.pk).get().stage_due_at == request.stage_due_at


def test_decline_needs_a_reason():
    parties = make_parties()
    request = report(parties)

    with pytest.raises(InvalidInput) as raised:
        workflow.reship_decline_report(request_id=request.pk, actor=parties.seller, reason="  ")

    assert raised.value.message == "The reason for declining is required."
    request.refresh_from_db()
    assert request.status == RequestStatus.REPORTED
    assert request.events.count() == 1


def test_decline_ends_it_and_tells_the_customer_why():
    parties = make_parties()
    request = report(parties)

    workflow.reship_decline_report(
        request_id=request.pk, actor=parties.seller, reason="The carrier shows it signed for on 3 March."
    )

    request.refresh_from_db()
    assert request.status == RequestStatus.DECLINED
    assert request.decision_note == "The carrier shows it signed for on 3 March."
    event = request.events.order_by("pk").last()
    assert (event.kind, event.message) == (EventKind.REPORT_DECLINED, "The carrier shows it signed for on 3 March.")
    told = Notification.objects.get(request=request, template="report_declined")
    assert told.recipient_address == "buyer@example.com"
    assert "The carrier shows it signed for on 3 March." in told.payload["text"]
    assert {each.status for each in request.lines.all()} == {"cancelled"}
    # Declined quantities are free: the customer may report again.
    assert _report_one(parties).status == RequestStatus.REPORTED


def test_edit_changes_the_lines_and_keeps_before_and_after():
    parties = make_parties()
    request = _report_one(parties, sku="A", quantity=2)

    workflow.reship_edit_report(
        request_id=request.pk,
        actor=parties.seller,
        lines=[
            workflow.LineRequest(_order_line(parties, "A").pk, 1, "resend"),
            workflow.LineRequest(_order_line(parties, "B1").pk, 2, "restock_resend"),
        ],
        reason="missing_item",
        description="Only one mug was missing; the lid too.",
    )

    request.refresh_from_db()
    assert request.status == RequestStatus.REPORTED
    assert request.reason == "missing_item"
    assert request.description == "Only one mug was missing; the lid too."
    assert _lines(request) == [("SKU-A", 1, "resend", "missing_item"), ("SKU-B1", 2, "restock_resend", "missing_item")]
    event = request.events.order_by("pk").last()
    assert event.kind == EventKind.REPORT_EDITED
    assert event.actor == parties.seller
    assert event.data["before"] == {
        "lines": [{"order_line": _order_line(parties, "A").pk, "sku": "SKU-A", "quantity": 2, "resolution": "resend"}],
        "reason": "damaged",
    }
    assert event.data["after"]["reason"] == "missing_item"
    assert [(each["sku"], each["quantity"]) for each in event.data["after"]["lines"]] == [("SKU-A", 1), ("SKU-B1", 2)]


def test_edit_checks_the_quantities_like_a_submit():
    parties = make_parties()
    request = _report_one(parties, sku="A", quantity=2)
    with pytest.raises(InvalidInput):
        workflow.reship_edit_report(
            request_id=request.pk,
            actor=parties.seller,
            lines=[workflow.LineRequest(_order_line(parties, "A").pk, 3, "resend")],
        )
    assert _lines(request) == [("SKU-A", 2, "resend", "damaged")]


def test_the_partner_and_another_shop_cannot_touch_a_report():
    parties = make_parties()
    request = report(parties)
    for actor in (parties.partner, parties.other_seller, parties.other_partner):
        with pytest.raises(RequestNotFound):
            workflow.reship_confirm_report(request_id=request.pk, actor=actor)
        with pytest.raises(RequestNotFound):
            workflow.reship_decline_report(request_id=request.pk, actor=actor, reason="No.")
    assert ReshipRequest.objects.get(pk=request.pk).status == RequestStatus.REPORTED


# --- the shop's rules that confirm at once --------------------------------------------------------
def _shop(parties, **rules):
    seller = parties.order.seller
    for name, value in rules.items():
        setattr(seller, name, value)
    seller.save()


def test_lost_parcel_confirmed_at_once_after_the_shops_days():
    parties = make_parties()
    _shop(parties, auto_confirm_lost_days=7)
    ShipmentFactory(order=parties.order, shipped_at=timezone.now() - timedelta(days=8))

    request = _report_one(parties, reason="lost_in_transit")

    request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED
    assert request.auto_confirmed is True
    assert request.submitted_at is not None
    confirmed = request.events.get(kind=EventKind.REPORT_CONFIRMED)
    assert confirmed.actor is None
    assert confirmed.data == {"automatic": True, "rule": "lost_in_transit", "days": 7}
    assert "request_submitted" in _templates(request, "partner")


@pytest.mark.parametrize(
    ("shipped_days_ago", "delivered", "reason"),
    [(6, False, "lost_in_transit"), (8, True, "lost_in_transit"), (8, False, "damaged")],
    ids=["too-recent", "delivered", "not-lost"],
)
def test_lost_parcel_rule_does_not_hold(shipped_days_ago, delivered, reason):
    parties = make_parties()
    _shop(parties, auto_confirm_lost_days=7)
    shipped = timezone.now() - timedelta(days=shipped_days_ago)
    ShipmentFactory(
        order=parties.order, shipped_at=shipped, delivered_at=shipped + timedelta(days=1) if delivered else None
    )

    request = _report_one(parties, reason=reason)

    assert ReshipRequest.objects.get(pk=request.pk).status == RequestStatus.REPORTED


def test_a_report_worth_at_most_the_shops_value_is_confirmed_at_once():
    parties = make_parties()
    _shop(parties, auto_confirm_max_value=Decimal("60.00"))

    small = _report_one(parties, sku="A", quantity=2)  # 2 × 30.00 = 60.00
    large = _report_one(parties, sku="B1", quantity=2)  # 2 × 40.00 = 80.00

    small.refresh_from_db()
    large.refresh_from_db()
    assert (small.status, small.auto_confirmed) == (RequestStatus.SUBMITTED, True)
    assert small.events.get(kind=EventKind.REPORT_CONFIRMED).data == {
        "automatic": True,
        "rule": "max_value",
        "max_value": "60.00",
        "value": "60.00",
    }
    assert (large.status, large.auto_confirmed) == (RequestStatus.REPORTED, False)


def test_no_rule_no_confirmation():
    parties = make_parties()
    ShipmentFactory(order=parties.order, shipped_at=timezone.now() - timedelta(days=30))
    request = _report_one(parties, reason="lost_in_transit")
    assert ReshipRequest.objects.get(pk=request.pk).status == RequestStatus.REPORTED
    assert not ReshipEvent.objects.filter(kind=EventKind.REPORT_CONFIRMED).exists()
