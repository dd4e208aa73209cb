"""The inbox page: an entry that asks for an action says "To do" until it is done and then "Done"
with when, apart from "New" (unread); the "To do" filter; excerpts without raw links."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from reship import workflow
from reship.choices import NotificationStatus
from reship.models import Notification
from reship.notifications.delivery import notification_deliver
from reship.services.inbox import inbox_excerpt
from tests import workflow_states as states
from tests.factories import PartnerMembershipFactory

pytestmark = pytest.mark.django_db

INBOX = reverse("account:inbox")
APPROVED_AT = datetime(2030, 6, 1, 8, 0, tzinfo=UTC)


def _deliver_all():
    for pk in Notification.objects.filter(status=NotificationStatus.PENDING).values_list("pk", flat=True):
        notification_deliver(notification_id=pk)


@pytest.fixture
def parties():
    return states.make_parties()


def test_an_entry_is_to_do_until_a_colleague_acts_then_done_with_when_and_still_new(client, parties):
    colleague = PartnerMembershipFactory(partner=parties.partner.partner_membership.partner).user
    request = states.submit(parties)
    _deliver_all()
    client.force_login(parties.partner)

    before = client.get(INBOX).content.decode()
    assert '<span class="entry-state is-to-do">To do</span>' in before

    workflow.reship_approve(
        request_id=request.pk,
        actor=colleague,
        quote_goods="120.00",
        quote_shipping="18.00",
        cost_bearer="partner",
        now=APPROVED_AT,
    )
    after = client.get(INBOX).content.decode()

    assert "To do</span>" not in after
    assert 'Done <time datetime="2030-06-01T16:00:00+08:00">2030-06-01 16:00</time>' in after
    assert '<span class="unread-flag">New</span>' in after


def test_the_to_do_filter_shows_only_open_action_entries(client, parties):
    request = states.submit(parties)
    workflow.reship_request_info(request_id=request.pk, actor=parties.partner, question="A photo?")
    workflow.reship_answer_info(request_id=request.pk, actor=parties.seller, answer="Attached.")
    _deliver_all()
    client.force_login(parties.partner)

    everything = client.get(INBOX)
    to_do = client.get(INBOX, {"show": "to-do"})

    # The first review was done by the question; the answer asks for a review again.
    assert [entry.notification.template for entry in everything.context["entries"]] == [
        "info_answered",
        "request_submitted",
    ]
    assert [entry.notification.template for entry in to_do.context["entries"]] == ["info_answered"]
    assert '<a href="/account/inbox/?show=to-do" aria-current="page">To do</a>' in to_do.content.decode()


def test_the_to_do_filter_says_when_nothing_is_left(client, parties):
    client.force_login(parties.seller)

    page = client.get(INBOX, {"show": "to-do"}).content.decode()

    assert "Nothing to do: every entry that asked for an action is done." in page


def test_the_excerpt_has_no_link_and_ends_the_sentence_that_led_to_it():
    text = (
        "Hello Li,\n\nFast Dropship disagrees with your quote for RS-1:\n\nShipping is 8.00.\n\n"
        "You can revise the quote, or answer in the request's thread:\n"
        "https://reship.example.com/requests/1/\n\nKind regards,\nReship\n\n--\nAn automatic message."
    )

    assert inbox_excerpt(text) == (
        "Fast Dropship disagrees with your quote for RS-1: Shipping is 8.00. "
        "You can revise the quote, or answer in the request's thread."
    )
    assert (
        inbox_excerpt("你好，\n\n请回答问题：\nhttps://reship.example.com/requests/1/\n\n此致\nReship")
        == "请回答问题。"
    )


def test_a_long_excerpt_is_never_cut_inside_a_link():
    text = (
        "Hello,\n\n"
        + "word " * 30
        + "\nhttps://reship.example.com/requests/123456789/with/a/long/path/\n\nKind regards,\nReship"
    )

    excerpt = inbox_excerpt(text, limit=200)

    assert "http" not in excerpt
    assert excerpt == ("word " * 30).strip()


def test_every_inbox_entry_of_a_whole_story_has_an_excerpt_without_links(client, parties):
    request = states.request_in("closed", parties)
    _deliver_all()

    for user in (parties.seller, parties.partner):
        client.force_login(user)
        entries = client.get(INBOX).context["entries"]
        assert entries, user
        for entry in entries:
            assert "http" not in entry.excerpt, (entry.notification.template, entry.excerpt)
            assert entry.url == f"/requests/{request.pk}/"
