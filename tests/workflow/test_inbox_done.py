"""Inbox entries that ask for an action are marked done when the request stops waiting for it —
whoever of the organisation acted — and stay open through a change that keeps it waiting; the
partner's switches for being told of the seller's steps."""

from datetime import UTC, datetime

import pytest

from reship import workflow
from reship.choices import NotificationChannel
from reship.models import Notification, WebhookEndpoint
from tests import workflow_states as states
from tests.factories import PartnerMembershipFactory

pytestmark = pytest.mark.django_db

LATER = datetime(2030, 6, 1, 8, 0, tzinfo=UTC)


def _entries(request, template):
    return Notification.objects.filter(request=request, template=template, channel=NotificationChannel.INBOX)


def test_a_new_request_waits_for_the_partners_review_in_each_staff_members_inbox():
    parties = states.make_parties()
    colleague = PartnerMembershipFactory(partner=parties.partner.partner_membership.partner).user

    request = states.submit(parties)

    rows = _entries(request, "request_submitted").order_by("recipient_user_id")
    assert [(row.recipient_user_id, row.awaits, row.done_at) for row in rows] == [
        (parties.partner.pk, "partner:review", None),
        (colleague.pk, "partner:review", None),
    ]
    # The email of the same happening carries no "done": only the inbox does.
    assert set(
        Notification.objects.filter(template="request_submitted")
        .exclude(channel="inbox")
        .values_list("awaits", flat=True)
    ) <= {""}


def test_one_staff_member_approving_marks_both_staff_members_entries_done():
    parties = states.make_parties()
    colleague = PartnerMembershipFactory(partner=parties.partner.partner_membership.partner).user
    request = states.submit(parties)

    workflow.reship_approve(
        request_id=request.pk,
        actor=colleague,
        quote_goods="120.00",
        quote_shipping="18.00",
        cost_bearer="partner",
        now=LATER,
    )

    assert list(_entries(request, "request_submitted").values_list("done_at", flat=True)) == [LATER, LATER]
    # Still unread: "new" is a different thing from "done".
    assert list(_entries(request, "request_submitted").values_list("read_at", flat=True)) == [None, None]


def test_the_sellers_question_entry_is_done_when_answered_and_not_by_a_change_that_keeps_it_waiting():
    parties = states.make_parties()
    request = states.submit(parties)
    workflow.reship_request_info(request_id=request.pk, actor=parties.partner, question="A photo of the box?")
    question = _entries(request, "info_requested").get()
    assert (question.awaits, question.done_at) == ("seller:seller_answer", None)

    # The seller re-addresses the replacement: the request still waits for their answer.
    workflow.reship_change_ship_to(request_id=request.pk, actor=parties.seller, ship_to={"street": "88 Caoxi Road"})
    question.refresh_from_db()
    assert question.done_at is None

    workflow.reship_answer_info(request_id=request.pk, actor=parties.seller, answer="Attached.", now=LATER)
    question.refresh_from_db()
    assert question.done_at == LATER
    # The answer asks the partner to review again: a new open entry.
    assert _entries(request, "info_answered").get().awaits == "partner:review"


def test_the_quote_entry_waits_for_the_sellers_answer_until_accepted():
    parties = states.make_parties()
    request = states.submit(parties)
    states.approve(parties, request)
    approved = _entries(request, "request_approved").get()
    assert (approved.awaits, approved.done_at) == ("seller:quote", None)

    # The partner's fulfilment step (a restock ordered) leaves the price waiting.
    workflow.reship_start_restock(
        request_id=request.pk, actor=parties.partner, line_ids=[states.line(request, "B1").pk]
    )
    approved.refresh_from_db()
    assert approved.done_at is None

    workflow.reship_accept_quote(request_id=request.pk, actor=parties.seller, now=LATER)
    approved.refresh_from_db()
    assert approved.done_at == LATER


def test_a_dispute_waits_for_the_partner_and_is_done_when_the_quote_is_revised():
    parties = states.make_parties()
    request = states.submit(parties)
    states.approve(parties, request)
    workflow.reship_dispute_quote(request_id=request.pk, actor=parties.seller, message="Shipping is 8.00.")
    disputed = _entries(request, "quote_disputed").get()
    assert disputed.awaits == "partner:quote"
    assert _entries(request, "request_approved").get().done_at is not None  # the seller answered

    workflow.reship_revise_quote(
        request_id=request.pk,
        actor=parties.partner,
        quote_goods="120.00",
        quote_shipping="8.00",
        cost_bearer="partner",
        now=LATER,
    )

    disputed.refresh_from_db()
    assert disputed.done_at == LATER
    assert _entries(request, "quote_revised").get().awaits == "seller:quote"


def test_news_entries_ask_for_nothing():
    parties = states.make_parties()
    request = states.submit(parties)

    workflow.reship_reject(request_id=request.pk, actor=parties.partner, reason="Not ours.")

    assert _entries(request, "request_rejected").get().awaits == ""


# --- the partner is told of the seller's steps, each switchable ------------------------------------
def test_the_partner_is_told_the_quote_was_accepted():
    parties = states.make_parties()
    request = states.submit(parties)
    states.approve(parties, request)

    workflow.reship_accept_quote(request_id=request.pk, actor=parties.seller)

    told = Notification.objects.filter(request=request, template="quote_accepted")
    assert {(row.channel, row.recipient_user_id) for row in told} == {
        (NotificationChannel.INBOX, parties.partner.pk),
        (NotificationChannel.EMAIL, parties.partner.pk),
    }
    assert told.first().payload["quote_shipping"] == "18.00"


def test_a_partner_that_turned_a_switch_off_gets_no_inbox_or_email_row_but_its_webhook_does():
    parties = states.make_parties()
    partner = parties.partner.partner_membership.partner
    partner.notify_quote_accepted = False
    partner.save(update_fields=["notify_quote_accepted"])
    WebhookEndpoint.objects.create(partner=partner, url="https://hooks.partner.example/reship", secret="s" * 32)
    request = states.submit(parties)
    states.approve(parties, request)

    workflow.reship_accept_quote(request_id=request.pk, actor=parties.seller)

    told = Notification.objects.filter(request=request, template="quote_accepted")
    assert [(row.channel, row.recipient_address) for row in told] == [
        (NotificationChannel.WEBHOOK, "https://hooks.partner.example/reship")
    ]


def test_the_partner_is_told_the_request_was_closed_with_its_ratings():
    parties = states.make_parties()
    request = states.request_in("contacted", parties)

    workflow.reship_close(
        request_id=request.pk,
        actor=parties.seller,
        rating_speed=4,
        rating_quality=5,
        rating_cooperation=3,
        note="Quick and careful.",
    )

    row = _entries(request, "request_closed").get()
    assert row.recipient_user_id == parties.partner.pk
    assert {key: row.payload[key] for key in ("rating_speed", "rating_quality", "rating_cooperation", "note")} == {
        "rating_speed": 4,
        "rating_quality": 5,
        "rating_cooperation": 3,
        "note": "Quick and careful.",
    }


def test_closing_with_the_switch_off_tells_the_partners_staff_nothing():
    parties = states.make_parties()
    partner = parties.partner.partner_membership.partner
    partner.notify_closed = False
    partner.save(update_fields=["notify_closed"])
    request = states.request_in("contacted", parties)

    workflow.reship_close(
        request_id=request.pk, actor=parties.seller, rating_speed=4, rating_quality=5, rating_cooperation=3
    )

    assert not Notification.objects.filter(request=request, template="request_closed").exists()


def test_only_the_outcome_that_resolved_the_last_line_asks_for_the_info_update_which_marks_it_done():
    parties = states.make_parties()
    request = states.request_in("info_update", parties)  # shipped A, B1, B2, then compensated C
    assert _entries(request, "lines_shipped").get().awaits == ""  # C was still open: news only
    compensated = _entries(request, "lines_compensated").get()
    assert (compensated.awaits, compensated.done_at) == ("seller:info_update", None)

    workflow.reship_confirm_info_update(request_id=request.pk, actor=parties.seller, now=LATER)

    compensated.refresh_from_db()
    assert compensated.done_at == LATER
    assert _entries(request, "info_updated").get().recipient_user_id == parties.partner.pk
