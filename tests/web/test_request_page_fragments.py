"""The request page's kept fragments (the timeline from the cache, the stage bar once per process):
a copy is never shown once what it shows changed, nor to a reader in another language or time zone.

Each test reads the page twice or from two readers, so the second read is the one a kept copy
would answer. State is built through the workflow; expected values are written by hand.
"""

from datetime import UTC, datetime

import pytest

from reship import workflow
from reship.choices import RequestStatus
from reship.services import thread
from tests.workflow_states import make_parties, request_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def parties():
    return make_parties()


def _timeline(client, user, reship, **headers) -> str:
    client.force_login(user)
    response = client.get(f"/requests/{reship.pk}/", **headers)
    assert response.status_code == 200
    body = response.content.decode()
    return body[body.index('id="timeline-heading"') : body.index('id="thread-heading"')]


def _submitted(parties):
    return workflow.reship_submit(
        actor=parties.seller,
        order_id=parties.order.pk,
        reason="damaged",
        description="Crushed box.",
        lines=[workflow.LineRequest(parties.order.lines.first().pk, 1, "resend")],
        now=datetime(2026, 1, 10, 12, 0, tzinfo=UTC),
    )


def test_a_new_event_shows_on_the_next_read(client, parties):
    reship = _submitted(parties)
    assert "Approved" not in _timeline(client, parties.seller, reship)

    workflow.reship_approve(
        request_id=reship.pk, actor=parties.partner, quote_goods="10", quote_shipping="5", cost_bearer="partner"
    )

    assert "Approved" in _timeline(client, parties.seller, reship)


def test_an_actor_who_changes_their_name_is_shown_by_the_new_one(client, parties):
    reship = _submitted(parties)
    parties.seller.first_name, parties.seller.last_name = "Mei", "Lin"
    parties.seller.save()
    assert "Mei Lin" in _timeline(client, parties.seller, reship)

    parties.seller.first_name = "May"
    parties.seller.save()

    timeline = _timeline(client, parties.seller, reship)
    assert "May Lin" in timeline
    assert "Mei Lin" not in timeline


def test_each_reader_reads_the_times_in_their_own_zone(client, parties):
    reship = _submitted(parties)
    parties.seller.time_zone = "America/New_York"
    parties.seller.save()

    seller_reads = _timeline(client, parties.seller, reship)
    partner_reads = _timeline(client, parties.partner, reship)

    assert "2026-01-10 07:00" in seller_reads  # noon UTC is 07:00 in New York in January
    assert "America/New_York" in seller_reads
    assert "2026-01-10 20:00" in partner_reads  # and 20:00 in Shanghai, the site's zone
    assert "Asia/Shanghai" in partner_reads


def test_each_reader_reads_the_page_in_their_own_language(client, parties):
    reship = request_in(RequestStatus.APPROVED, parties)

    english = _timeline(client, parties.seller, reship, HTTP_ACCEPT_LANGUAGE="en")
    chinese = _timeline(client, parties.seller, reship, HTTP_ACCEPT_LANGUAGE="zh-hans")
    english_again = _timeline(client, parties.seller, reship, HTTP_ACCEPT_LANGUAGE="en")

    assert "Timeline" in english
    assert "Timeline" not in chinese
    assert english_again == english
    client.force_login(parties.seller)
    bar = client.get(f"/requests/{reship.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'aria-label="Stages of this request"' not in bar
    bar = client.get(f"/requests/{reship.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'aria-label="Stages of this request"' in bar


def test_a_message_in_the_thread_shows_on_the_next_read(client, parties):
    reship = _submitted(parties)
    client.force_login(parties.partner)
    client.get(f"/requests/{reship.pk}/")

    thread.message_post(request_id=reship.pk, actor=parties.seller, body="The box was crushed on arrival.")

    assert "The box was crushed on arrival." in client.get(f"/requests/{reship.pk}/").content.decode()


def test_a_follow_up_form_offers_its_own_requests_lines(client, parties):
    others = make_parties()
    mine, theirs = request_in(RequestStatus.CLOSED, parties), request_in(RequestStatus.CLOSED, others)
    my_line, their_line = mine.lines.first().pk, theirs.lines.first().pk

    client.force_login(parties.seller)
    my_page = client.get(f"/requests/{mine.pk}/").content.decode()
    client.force_login(others.seller)
    their_page = client.get(f"/requests/{theirs.pk}/").content.decode()

    assert f'name="follow_up-quantity_{my_line}"' in my_page
    assert f'name="follow_up-quantity_{their_line}"' in their_page
    assert f'name="follow_up-quantity_{my_line}"' not in their_page
    assert f'name="follow_up-resolution_{their_line}"' in their_page


def test_the_message_form_says_the_upload_limit_in_force(client, parties, settings):
    reship = _submitted(parties)
    client.force_login(parties.seller)
    settings.RESHIP_UPLOAD_MAX_BYTES = 10 * 1024 * 1024
    assert 'data-max-bytes="10485760"' in client.get(f"/requests/{reship.pk}/").content.decode()

    settings.RESHIP_UPLOAD_MAX_BYTES = 2 * 1024 * 1024

    page = client.get(f"/requests/{reship.pk}/").content.decode()
    assert 'data-max-bytes="2097152"' in page
    assert 'data-max-bytes="10485760"' not in page
