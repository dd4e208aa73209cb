"""The admin's daily work on requests (issue 18, item 7): cancel, reassign and escalate through the
workflow, request by request; the search and the seller filter; the index's "waiting for you"."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from reship.choices import EventKind, NotificationStatus, RequestStatus
from reship.models import Notification, ReshipEvent, ReshipRequest
from reship.notifications.rendering import render
from suppliers.models import Supplier
from tests.factories import (
    OrderFactory,
    PartnerMembershipFactory,
    ReshipRequestFactory,
    SellerFactory,
    ShipmentFactory,
)
from tests.workflow_states import approve, make_parties, submit

CHANGELIST = "admin:reship_reshiprequest_changelist"


def _act(client, action, requests, **form):
    """Choose the action on the list (the intermediate page), then apply it with the form."""
    ids = [str(each.pk) for each in requests]
    url = reverse(CHANGELIST)
    page = client.post(url, {"action": action, "_selected_action": ids})
    assert page.status_code == 200
    return page, client.post(url, {"action": action, "_selected_action": ids, "apply": "1", **form}, follow=True)


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_escalating_writes_an_event_naming_the_admin_and_tells_both_sides(admin_client, admin_user):
    parties = make_parties()
    request = submit(parties)

    page, response = _act(admin_client, "escalate_requests", [request], note="Four days without a word.")

    assert request.number in page.content.decode()
    assert _messages(response) == [f"Done: {request.number}."]
    event = ReshipEvent.objects.filter(request=request).latest("pk")
    assert (event.kind, event.actor, event.message) == (EventKind.ESCALATED, admin_user, "Four days without a word.")
    request.refresh_from_db()
    assert request.status == RequestStatus.SUBMITTED
    told = set(Notification.objects.filter(template="request_escalated").values_list("payload__audience", flat=True))
    assert told == {"seller", "partner"}


def test_reassigning_hands_the_request_over_and_restarts_the_review_clock(admin_client, admin_user):
    parties = make_parties()
    request = submit(parties)
    old_partner = request.partner
    new_partner = PartnerMembershipFactory(partner__review_sla_hours=6).partner
    new_partner.suppliers.set(Supplier.objects.all())  # it buys from the sources of the lines to restock
    before = timezone.now()

    _, response = _act(admin_client, "reassign_requests", [request], partner=new_partner.pk, note="On holiday.")

    assert _messages(response) == [f"Done: {request.number}."]
    request.refresh_from_db()
    assert request.partner == new_partner
    assert request.stage_due_at - request.stage_started_at == timedelta(hours=6)
    assert request.stage_started_at >= before
    event = ReshipEvent.objects.filter(request=request).latest("pk")
    assert (event.kind, event.actor) == (EventKind.PARTNER_REASSIGNED, admin_user)
    assert (event.data["from_partner"], event.data["to_partner"]) == (old_partner.pk, new_partner.pk)
    left = Notification.objects.filter(template="request_reassigned", recipient_user=parties.partner)
    assert left.exists()
    # The old partner's "please review" entry is done; the new partner's staff have theirs.
    assert not Notification.objects.filter(
        recipient_user=parties.partner, done_at__isnull=True, awaits__startswith="partner:"
    ).exists()
    assert Notification.objects.filter(
        template="request_submitted", recipient_user__partner_membership__partner=new_partner, done_at__isnull=True
    ).exists()


def test_a_refused_request_is_reported_and_left_alone_while_the_others_go_through(admin_client, admin_user):
    parties = make_parties()
    approved = submit(parties)
    approve(parties, approved)
    open_one = ReshipRequestFactory(status=RequestStatus.SUBMITTED)
    approved.refresh_from_db()
    before = ReshipRequest.objects.filter(pk=approved.pk).values().get()
    events_before = ReshipEvent.objects.filter(request=approved).count()
    notifications_before = Notification.objects.filter(request=approved).count()
    other = PartnerMembershipFactory().partner

    _, response = _act(admin_client, "reassign_requests", [approved, open_one], partner=other.pk, note="Swap.")

    shown = _messages(response)
    assert shown[0].startswith(f"{approved.number}: not done. Request {approved.number} is at “Approved”")
    assert shown[1] == f"Done: {open_one.number}."
    assert ReshipRequest.objects.filter(pk=approved.pk).values().get() == before
    assert ReshipEvent.objects.filter(request=approved).count() == events_before
    assert Notification.objects.filter(request=approved).count() == notifications_before
    open_one.refresh_from_db()
    assert open_one.partner == other


def test_the_admin_cancels_with_a_reason_both_sides_read(admin_client, admin_user):
    parties = make_parties()
    request = submit(parties)

    _, response = _act(admin_client, "cancel_requests", [request], note="Duplicate of another request.")

    assert _messages(response) == [f"Done: {request.number}."]
    request.refresh_from_db()
    assert request.status == RequestStatus.CANCELLED
    event = ReshipEvent.objects.filter(request=request).latest("pk")
    assert (event.kind, event.actor) == (EventKind.CANCELLED, admin_user)
    assert event.message == "Duplicate of another request."
    # The seller did not cancel it: both sides' staff are told, in words naming the platform.
    told = Notification.objects.filter(request=request, template="request_cancelled", channel="inbox")
    assert sorted(told.values_list("recipient_user__username", flat=True)) == sorted(
        [parties.seller.username, parties.partner.username]
    )
    assert all("The platform cancelled reship request" in render(row)[1] for row in told)


def test_the_intermediate_page_keeps_the_selection_until_the_note_is_given(admin_client):
    request = ReshipRequestFactory(status=RequestStatus.SUBMITTED)

    _, response = _act(admin_client, "escalate_requests", [request], note="")

    assert response.status_code == 200
    assert response.context["form"].errors == {"note": ["This field is required."]}
    assert not ReshipEvent.objects.filter(request=request, kind=EventKind.ESCALATED).exists()


# --- search and the seller filter ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("term", "wanted"),
    [
        ("SF7700112233", "tracked"),
        ("13912345678", "by_phone"),
        ("139123", "by_phone"),
        ("欧阳", "by_name"),
        ("Lantern", "by_seller"),
        ("lantern", "by_seller"),
    ],
)
def test_the_search_finds_by_tracking_phone_customer_and_seller(admin_client, term, wanted):
    rows = {
        "tracked": ReshipRequestFactory(),
        "by_phone": ReshipRequestFactory(order=OrderFactory(customer_phone="13912345678")),
        "by_name": ReshipRequestFactory(order=OrderFactory(customer_name="欧阳娜娜")),
        "by_seller": ReshipRequestFactory(seller=SellerFactory(name="Red Lantern Shop")),
        "none": ReshipRequestFactory(order=OrderFactory(customer_phone="13800000000", customer_name="李雷")),
    }
    tracked = rows["tracked"]
    ShipmentFactory(order=tracked.order, reship_request=tracked, tracking_number="SF7700112233")
    ShipmentFactory(tracking_number="SF7700112233X")

    response = admin_client.get(reverse(CHANGELIST), {"q": term})

    assert [row.pk for row in response.context["cl"].result_list] == [rows[wanted].pk]


def test_the_seller_filter_shows_only_that_sellers_requests(admin_client):
    mine = ReshipRequestFactory()
    ReshipRequestFactory()

    response = admin_client.get(reverse(CHANGELIST), {"seller__id__exact": mine.seller_id})

    assert [row.pk for row in response.context["cl"].result_list] == [mine.pk]


def test_notification_templates_are_shown_by_their_label(admin_client):
    request = ReshipRequestFactory()
    Notification.objects.create(request=request, template="request_escalated", channel="email", language="en")

    response = admin_client.get(reverse("admin:reship_notification_changelist"))

    assert "Escalated by the platform" in response.content.decode()
    assert ">request_escalated<" not in response.content.decode()


# --- the admin's "waiting for you" ----------------------------------------------------------------------


def _panel_rows(count: int, now) -> None:
    for hours in range(count):
        ReshipRequestFactory(status=RequestStatus.SUBMITTED, stage_escalate_at=now - timedelta(hours=hours + 1))
        row = Notification.objects.create(
            request=ReshipRequestFactory(), template="request_submitted", channel="email", language="en"
        )
        Notification.objects.filter(pk=row.pk).update(status=NotificationStatus.FAILED)


def test_the_index_lists_escalated_requests_overdue_first_and_recent_failures(admin_client):
    now = timezone.now()
    later = ReshipRequestFactory(status=RequestStatus.SUBMITTED, stage_escalate_at=now - timedelta(hours=1))
    earliest = ReshipRequestFactory(status=RequestStatus.NEEDS_INFO, stage_escalate_at=now - timedelta(days=2))
    ReshipRequestFactory(status=RequestStatus.SUBMITTED, stage_escalate_at=now + timedelta(hours=1))  # not yet
    ReshipRequestFactory(status=RequestStatus.CANCELLED, stage_escalate_at=now - timedelta(days=3))  # closed
    failed = Notification.objects.create(request=later, template="request_submitted", channel="email", language="en")
    old = Notification.objects.create(request=later, template="request_submitted", channel="email", language="en")
    Notification.objects.filter(pk=failed.pk).update(status=NotificationStatus.FAILED)
    Notification.objects.filter(pk=old.pk).update(status=NotificationStatus.FAILED, created_at=now - timedelta(days=2))

    response = admin_client.get(reverse("admin:index"))

    waiting = response.context["waiting"]
    assert [row.pk for row in waiting["escalated"]] == [earliest.pk, later.pk]
    assert (waiting["escalated_count"], waiting["failed_count"]) == (2, 1)
    body = response.content.decode()
    assert "Requests past their escalation time: 2" in body
    assert "Notifications failed in the last day: 1" in body
    listed = admin_client.get(waiting["escalated_url"])
    assert sorted(row.pk for row in listed.context["cl"].result_list) == sorted([earliest.pk, later.pk])
    failures = admin_client.get(waiting["failed_url"])
    assert [row.pk for row in failures.context["cl"].result_list] == [failed.pk]
    by_template = admin_client.get(waiting["failed_by_template"][0]["url"])
    assert [row.pk for row in by_template.context["cl"].result_list] == [failed.pk]


def test_the_index_panel_costs_the_same_queries_for_many_rows(admin_client):
    now = timezone.now()
    _panel_rows(2, now)
    url = reverse("admin:index")
    admin_client.get(url)
    with CaptureQueriesContext(connection) as few:
        admin_client.get(url)
    _panel_rows(12, now)
    with CaptureQueriesContext(connection) as many:
        response = admin_client.get(url)

    assert response.context["waiting"]["escalated_count"] == 14
    assert len(many) == len(few)


# --- one date format, the app's ------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_lists_write_dates_as_the_app_does_in_both_languages(admin_client, admin_user, language):
    admin_user.language = language
    admin_user.save(update_fields=["language"])
    moment = datetime(2026, 11, 20, 6, 3, tzinfo=UTC)  # 14:03 in Shanghai
    request = ReshipRequestFactory(stage_due_at=moment)
    ReshipRequest.objects.filter(pk=request.pk).update(created_at=moment)

    body = admin_client.get(reverse(CHANGELIST), HTTP_ACCEPT_LANGUAGE=language).content.decode()

    assert body.count("2026-11-20 14:03") == 2
    assert "Nov. 20, 2026" not in body
    assert "2026年11月20日" not in body


def test_a_notifications_page_names_its_template_by_its_label(admin_client):
    row = Notification.objects.create(
        request=ReshipRequestFactory(), template="request_reassigned", channel="email", language="en"
    )

    body = admin_client.get(reverse("admin:reship_notification_change", args=[row.pk])).content.decode()

    assert "Handed to another partner" in body
