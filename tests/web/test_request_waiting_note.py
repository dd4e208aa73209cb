"""The request page's note under "Due" names every side the request waits for (lifecycle.waiting_for:
the step's owner and the price side), as the landings and the lists do, not only the step's owner."""

import pytest

from tests.waiting_states import a_day
from tests.workflow_states import make_parties

pytestmark = pytest.mark.django_db


def _note(client, reship) -> str:
    body = client.get(f"/requests/{reship.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    return body.split('class="due', 1)[1].split("</small>", 1)[0].rsplit("<small>", 1)[1]


def test_the_note_names_the_side_that_owes_the_next_move(client):
    parties = make_parties()
    day = a_day(parties)

    client.force_login(parties.seller)
    # Approved, its quote pending: the partner's work and the seller's answer to the quote.
    assert _note(client, day.approved) == "Waiting for you."
    assert _note(client, day.submitted) == "Waiting for the dropship partner."
    assert _note(client, day.needs_info) == "Waiting for you."

    client.force_login(parties.partner)
    assert _note(client, day.approved) == "Waiting for you."
    assert _note(client, day.needs_info) == "Waiting for the seller."


def test_the_quote_line_is_printed_once_for_the_seller_who_accepts_or_disputes_it(client):
    parties = make_parties()
    day = a_day(parties)
    client.force_login(parties.seller)

    body = client.get(f"/requests/{day.approved.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Accept the quote" in body
    assert "Dispute the quote" in body
    assert body.count("borne by:") == 1
