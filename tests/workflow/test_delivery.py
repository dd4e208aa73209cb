"""Parcels delivered (marked, reported) and the customer's survey that waits for the goods."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from orders.models import Shipment
from reship import workflow
from reship.choices import EventKind, RequestStatus
from reship.core.errors import InvalidInput, InvalidTransition, RequestNotFound
from reship.models import Notification, ReshipEvent, ReshipRequest
from tests.workflow_states import line, make_parties

pytestmark = pytest.mark.django_db

SUBMITTED = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
APPROVED = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
SHIPPED = datetime(2026, 11, 3, 8, 0, tzinfo=UTC)
SHIPPED_2 = datetime(2026, 11, 4, 8, 0, tzinfo=UTC)
DELIVERED = datetime(2026, 11, 5, 14, 30, tzinfo=UTC)
LATER = datetime(2026, 11, 6, 9, 0, tzinfo=UTC)


@pytest.fixture
def parties():
    return make_parties()


def _request(parties, resolutions):
    lines = {ol.product.sku_code: ol for ol in parties.order.lines.select_related("product")}
    request = workflow.reship_submit(
        actor=parties.seller,
        order_id=parties.order.pk,
        reason="damaged",
        description="Crushed.",
        lines=[workflow.LineRequest(lines[f"SKU-{sku}"].pk, 1, resolution) for sku, resolution in resolutions],
        now=SUBMITTED,
    )
    workflow.reship_approve(
        request_id=request.pk,
        actor=parties.partner,
        quote_goods="30.00",
        quote_shipping="12.00",
        cost_bearer="partner",
        now=APPROVED,
    )
    return request


def _ship(parties, request, sku, number, now=SHIPPED):
    return workflow.reship_ship(
        request_id=request.pk,
        actor=parties.partner,
        items=[workflow.ShipItem(line(request, sku).pk)],
        carrier="SF",
        tracking_number=number,
        now=now,
    )


def _shipped(parties):
    """One line (A) resent in one parcel: the request leaves fulfilment (info update)."""
    request = _request(parties, [("A", "resend")])
    return request, _ship(parties, request, "A", "SF100000000001")


def _fresh(request):
    return ReshipRequest.objects.get(pk=request.pk)


# --- marking delivered --------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["seller", "partner"])
def test_either_side_marks_the_parcel_delivered_once_with_one_event_and_notifications(
    parties, who, django_capture_on_commit_callbacks
):
    request, parcel = _shipped(parties)
    last_notification = Notification.objects.order_by("-pk").values_list("pk", flat=True).first()

    with django_capture_on_commit_callbacks() as callbacks:
        workflow.reship_mark_delivered(
            shipment_id=parcel.pk, actor=getattr(parties, who), delivered_at=DELIVERED, now=LATER
        )

    parcel.refresh_from_db()
    assert parcel.delivered_at == DELIVERED
    assert parcel.tracking_status == "delivered"
    event = ReshipEvent.objects.get(request=request, kind=EventKind.DELIVERED)
    assert event.actor == getattr(parties, who)
    assert event.created_at == LATER
    assert event.data == {
        "shipment": parcel.pk,
        "carrier": "SF",
        "tracking_number": "SF100000000001",
        "delivered_at": "2026-11-05T14:30:00+00:00",
        "by": "person",
    }
    rows = Notification.objects.filter(pk__gt=last_notification)
    assert {(row.template, row.channel, row.recipient_user) for row in rows} >= {
        ("parcel_delivered", "inbox", parties.seller),
        ("parcel_delivered", "inbox", parties.partner),
    }
    assert len(callbacks) == 1
    # The survey: two days (the seller's default) after the delivery.
    assert _fresh(request).survey_due_at == datetime(2026, 11, 7, 14, 30, tzinfo=UTC)


def test_marking_a_delivered_parcel_again_is_refused_and_writes_nothing(parties):
    request, parcel = _shipped(parties)
    workflow.reship_mark_delivered(shipment_id=parcel.pk, actor=parties.partner, delivered_at=DELIVERED, now=LATER)
    events = ReshipEvent.objects.count()
    notifications = Notification.objects.count()

    with pytest.raises(InvalidTransition, match="already delivered on 2026-11-05"):
        workflow.reship_mark_delivered(shipment_id=parcel.pk, actor=parties.seller, now=LATER)

    assert ReshipEvent.objects.count() == events
    assert Notification.objects.count() == notifications
    parcel.refresh_from_db()
    assert parcel.delivered_at == DELIVERED


@pytest.mark.parametrize("who", ["other_partner", "other_seller"])
def test_another_organisation_cannot_find_the_parcel(parties, who):
    _request_, parcel = _shipped(parties)

    with pytest.raises(RequestNotFound):
        workflow.reship_mark_delivered(shipment_id=parcel.pk, actor=getattr(parties, who), now=LATER)

    parcel.refresh_from_db()
    assert parcel.delivered_at is None


def test_the_original_parcel_of_the_order_is_not_a_reship_parcel(parties):
    from tests.factories import ShipmentFactory

    original = ShipmentFactory(order=parties.order)

    with pytest.raises(RequestNotFound, match="Parcel not found."):
        workflow.reship_mark_delivered(shipment_id=original.pk, actor=parties.seller)


@pytest.mark.parametrize(
    ("delivered_at", "message"),
    [
        (datetime(2026, 11, 3, 7, 59, tzinfo=UTC), "A parcel cannot arrive before it was shipped"),
        (datetime(2026, 11, 6, 9, 1, tzinfo=UTC), "The delivery time cannot be in the future."),
    ],
)
def test_a_delivery_time_before_shipping_or_in_the_future_is_refused(parties, delivered_at, message):
    request, parcel = _shipped(parties)
    events = ReshipEvent.objects.count()

    with pytest.raises(InvalidInput, match=message) as raised:
        workflow.reship_mark_delivered(
            shipment_id=parcel.pk, actor=parties.seller, delivered_at=delivered_at, now=LATER
        )

    assert list(raised.value.field_errors) == ["delivered_at"]
    assert ReshipEvent.objects.count() == events
    parcel.refresh_from_db()
    assert (parcel.delivered_at, parcel.tracking_status) == (None, "shipped")


# --- tracking statuses short of delivered -------------------------------------------------------


def test_a_new_tracking_status_is_one_event_and_the_same_status_again_none(parties):
    request, parcel = _shipped(parties)

    workflow.reship_record_tracking(shipment_id=parcel.pk, status="in_transit", now=LATER)
    workflow.reship_record_tracking(shipment_id=parcel.pk, status="in_transit", now=LATER)
    workflow.reship_record_tracking(shipment_id=parcel.pk, status="out_for_delivery", now=LATER)

    updates = list(ReshipEvent.objects.filter(request=request, kind=EventKind.TRACKING_UPDATED).order_by("pk"))
    assert [(event.data["from"], event.data["to"]) for event in updates] == [
        ("shipped", "in_transit"),
        ("in_transit", "out_for_delivery"),
    ]
    assert [event.actor for event in updates] == [None, None]
    parcel.refresh_from_db()
    assert parcel.tracking_status == "out_for_delivery"


def test_a_delivered_report_marks_the_parcel_delivered_by_the_provider(parties):
    request, parcel = _shipped(parties)

    workflow.reship_record_tracking(shipment_id=parcel.pk, status="delivered", at=DELIVERED, now=LATER)

    parcel.refresh_from_db()
    assert parcel.delivered_at == DELIVERED
    event = ReshipEvent.objects.get(request=request, kind=EventKind.DELIVERED)
    assert (event.actor, event.data["by"]) == (None, "provider")


def test_an_unknown_tracking_status_is_refused(parties):
    _request_, parcel = _shipped(parties)

    with pytest.raises(InvalidInput, match="Unknown tracking status lost"):
        workflow.reship_record_tracking(shipment_id=parcel.pk, status="lost", now=LATER)


# --- the survey waits for the goods -------------------------------------------------------------


def _close(parties, request):
    workflow.reship_confirm_info_update(request_id=request.pk, actor=parties.seller, now=LATER)
    if _fresh(request).status == RequestStatus.CUSTOMER_CONTACT:  # not told automatically
        workflow.reship_contact_customer(request_id=request.pk, actor=parties.seller, channel="email", now=LATER)
    workflow.reship_close(
        request_id=request.pk, actor=parties.seller, rating_speed=4, rating_quality=5, rating_cooperation=4, now=LATER
    )


def test_closing_no_longer_sends_the_survey(parties):
    request, _parcel = _shipped(parties)

    _close(parties, request)

    request = _fresh(request)
    assert request.status == RequestStatus.CLOSED
    assert request.survey_sent_at is None
    assert not Notification.objects.filter(template="survey_invitation").exists()
    # No delivery known: seven days (the seller's fallback) after shipping.
    assert request.survey_due_at == datetime(2026, 11, 10, 8, 0, tzinfo=UTC)


def test_the_survey_goes_out_once_after_delivery_and_the_delay(parties):
    request, parcel = _shipped(parties)
    workflow.reship_mark_delivered(shipment_id=parcel.pk, actor=parties.partner, delivered_at=DELIVERED, now=LATER)
    due = datetime(2026, 11, 7, 14, 30, tzinfo=UTC)

    assert workflow.surveys_send_due(now=due - timedelta(minutes=1)) == 0
    assert not Notification.objects.filter(template="survey_invitation").exists()

    assert workflow.surveys_send_due(now=due) == 1
    assert workflow.surveys_send_due(now=due + timedelta(days=1)) == 0

    request = _fresh(request)
    assert request.survey_sent_at == due
    invitations = Notification.objects.filter(template="survey_invitation")
    # One invitation, on the shop's default choice: by email, the order having an address.
    assert {(row.channel, row.recipient_address) for row in invitations} == {("email", "buyer@example.com")}
    assert "/survey/" in invitations[0].payload["text"]
    sent = ReshipEvent.objects.get(request=request, kind=EventKind.SURVEY_SENT)
    assert (sent.actor, sent.created_at, sent.data["channels"]) == (None, due, ["email"])


def test_without_a_delivery_the_survey_goes_out_after_the_fallback_from_shipping(parties):
    request, _parcel = _shipped(parties)

    assert _fresh(request).survey_due_at == datetime(2026, 11, 10, 8, 0, tzinfo=UTC)
    assert workflow.surveys_send_due(now=datetime(2026, 11, 10, 7, 59, tzinfo=UTC)) == 0
    assert workflow.surveys_send_due(now=datetime(2026, 11, 10, 8, 0, tzinfo=UTC)) == 1


def test_the_sellers_own_delays_set_the_date(parties):
    seller = parties.order.seller
    seller.survey_delay_days = 5
    seller.survey_fallback_days = 10
    seller.save()
    request, parcel = _shipped(parties)
    assert _fresh(request).survey_due_at == datetime(2026, 11, 13, 8, 0, tzinfo=UTC)  # shipped + 10 days

    workflow.reship_mark_delivered(shipment_id=parcel.pk, actor=parties.seller, delivered_at=DELIVERED, now=LATER)

    assert _fresh(request).survey_due_at == datetime(2026, 11, 10, 14, 30, tzinfo=UTC)  # delivered + 5 days


def test_with_two_parcels_the_survey_waits_for_both(parties):
    request = _request(parties, [("A", "resend"), ("B1", "resend")])
    first = _ship(parties, request, "A", "SF100000000011", now=SHIPPED)
    assert _fresh(request).survey_due_at is None  # B1 still to ship: fulfilment goes on
    second = _ship(parties, request, "B1", "SF100000000012", now=SHIPPED_2)
    assert _fresh(request).survey_due_at == datetime(2026, 11, 11, 8, 0, tzinfo=UTC)  # the later parcel + 7

    workflow.reship_mark_delivered(shipment_id=first.pk, actor=parties.seller, delivered_at=DELIVERED, now=LATER)
    assert _fresh(request).survey_due_at == datetime(2026, 11, 11, 8, 0, tzinfo=UTC)  # the second is not heard of

    workflow.reship_mark_delivered(
        shipment_id=second.pk, actor=parties.seller, delivered_at=datetime(2026, 11, 6, 8, 0, tzinfo=UTC), now=LATER
    )
    assert _fresh(request).survey_due_at == datetime(2026, 11, 8, 8, 0, tzinfo=UTC)  # the last delivery + 2


def test_a_compensation_only_request_has_its_survey_after_the_delay(parties):
    request = _request(parties, [("C", "compensation")])

    workflow.reship_compensate(
        request_id=request.pk,
        actor=parties.partner,
        line_ids=[line(request, "C").pk],
        method="voucher",
        amount="25",
        now=SHIPPED,
    )

    assert _fresh(request).survey_due_at == datetime(2026, 11, 5, 8, 0, tzinfo=UTC)


def test_a_cancelled_request_has_no_survey(parties):
    request = _request(parties, [("A", "resend")])

    workflow.reship_cancel(request_id=request.pk, actor=parties.seller, reason="Found it.")

    assert _fresh(request).survey_due_at is None
    assert workflow.surveys_send_due(now=LATER + timedelta(days=60)) == 0


def test_a_sent_survey_is_not_rescheduled_by_a_late_delivery(parties):
    request, parcel = _shipped(parties)
    workflow.surveys_send_due(now=datetime(2026, 11, 10, 8, 0, tzinfo=UTC))

    workflow.reship_mark_delivered(
        shipment_id=parcel.pk,
        actor=parties.seller,
        delivered_at=DELIVERED,
        now=datetime(2026, 11, 11, 8, 0, tzinfo=UTC),
    )

    request = _fresh(request)
    assert request.survey_sent_at == datetime(2026, 11, 10, 8, 0, tzinfo=UTC)
    assert request.survey_due_at == datetime(2026, 11, 10, 8, 0, tzinfo=UTC)
    assert Notification.objects.filter(template="survey_invitation", channel="email").count() == 1


# --- the survey's answer ------------------------------------------------------------------------


def test_the_survey_is_answered_once_it_was_sent_whatever_the_status(parties):
    request, _parcel = _shipped(parties)  # at info update, not closed

    with pytest.raises(RequestNotFound, match="This survey does not exist."):
        workflow.survey_answer(request_id=request.pk, rating=5)

    workflow.surveys_send_due(now=datetime(2026, 11, 10, 8, 0, tzinfo=UTC))
    response = workflow.survey_answer(request_id=request.pk, rating=4, comment="Quick, thanks.")

    assert (response.rating, response.comment) == (4, "Quick, thanks.")
    assert _fresh(request).status == RequestStatus.INFO_UPDATE


# --- two workers send each survey once ----------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_send_a_due_survey_exactly_once():
    parties = make_parties()
    request = _request(parties, [("A", "resend")])
    _ship(parties, request, "A", "SF100000000021")
    due = datetime(2026, 11, 10, 8, 0, tzinfo=UTC)
    barrier = threading.Barrier(2)
    sent = []

    def worker():
        try:
            barrier.wait()
            sent.append(workflow.surveys_send_due(now=due))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(sent) == [0, 1]
    assert ReshipEvent.objects.filter(request=request, kind=EventKind.SURVEY_SENT).count() == 1
    assert Notification.objects.filter(template="survey_invitation", channel="email").count() == 1
    assert Shipment.objects.count() == 1
