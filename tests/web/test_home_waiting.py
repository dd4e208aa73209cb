"""The landing pages, "waiting for you" (等待你处理): counts that link to the filtered list, the
requests the side owes something on (overdue first, in words), the other side's apart, an empty
state, and a fixed number of queries. States: tests/waiting_states.py."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reship import workflow
from tests.factories import OrderFactory, OrderLineFactory
from tests.waiting_states import a_day
from tests.workflow_states import make_parties

pytestmark = pytest.mark.django_db


@pytest.fixture
def parties():
    return make_parties()


def _numbers(body: str) -> list[str]:
    return re.findall(r">(RS-\d{4}-\d{6})</a>", body)


def _landing(client, user, name):
    client.force_login(user)
    response = client.get(reverse(name))
    assert response.status_code == 200
    return response.content.decode()


def test_the_seller_lands_on_what_waits_for_it_overdue_first(client, parties):
    day = a_day(parties)

    body = _landing(client, parties.seller, "seller-home")

    assert _numbers(body)[:3] == [day.needs_info.number, day.approved.number, day.reported.number]
    assert day.submitted.number not in _numbers(body)  # the partner's review
    assert day.others.number not in body  # another seller's
    assert "Answer the partner&#x27;s question" in body
    assert "Accept or dispute the quote" in body
    assert "Confirm the customer&#x27;s report" in body
    assert "Overdue by 2\xa0hours" in body
    assert 'href="/requests/?waiting_for=me&amp;step=seller_answer"' in body
    assert 'href="/requests/?waiting_for=me&amp;late=1">1 overdue</a>' in body
    assert 'href="/requests/?waiting_for=other">Waiting for the partner: 3</a>' in body
    assert "2 late on the partner's side" in body
    assert 'href="/requests/?stage=review">Review</a>' in body


def test_the_partner_lands_on_its_reviews_fulfilment_and_disputed_quote(client, parties):
    day = a_day(parties)

    body = _landing(client, parties.partner, "partner-home")

    assert _numbers(body)[:4] == [day.submitted.number, day.approved.number, day.others.number, day.disputed.number]
    assert day.needs_info.number not in _numbers(body)
    assert "Revise the disputed quote" in body
    # Under its "Due" label (a column head, on a phone a card's label), the time alone: not "Due" twice.
    assert '">in 5\xa0hours</time>' in body or '">in 4\xa0hours</time>' in body
    assert 'href="/requests/?waiting_for=other">Waiting for the seller: 2</a>' in body
    assert f'href="{reverse("partner:queue")}"' in body  # the review queue is still one click away


def test_nothing_waiting_is_said(client, parties):
    body = _landing(client, parties.seller, "seller-home")

    assert "Nothing waits for you now." in body
    assert "Waiting for the partner: 0" in body


def _submit(parties, count: int) -> None:
    for _ in range(count):
        order = OrderFactory(seller=parties.order.seller, partner=parties.order.partner)
        workflow.reship_submit(
            actor=parties.seller,
            order_id=order.pk,
            reason="lost_in_transit",
            lines=[workflow.LineRequest(OrderLineFactory(order=order).pk, 1, "resend")],
        )


def _queries(client) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        body = client.get(reverse("partner-home")).content.decode()
    return len(queries), len(_numbers(body))


def test_the_landing_costs_the_same_queries_for_one_request_or_many(client, parties):
    client.force_login(parties.partner)
    _submit(parties, 1)
    for_one, rows = _queries(client)
    assert rows == 1

    _submit(parties, 24)
    for_many, rows = _queries(client)

    assert rows == 20  # capped; the rest behind "see all"
    assert for_many == for_one
    assert "See all 25 waiting for you" in client.get(reverse("partner-home")).content.decode()
