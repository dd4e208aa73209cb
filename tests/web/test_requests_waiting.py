"""The request list's "waiting for" tabs (you / the other side), its step and lateness filters from
the landing's links, the "Waiting for" column, lateness marked for whom it is late, and the same
number of queries. States: tests/waiting_states.py."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.waiting_states import a_day
from tests.workflow_states import make_parties

pytestmark = pytest.mark.django_db


@pytest.fixture
def parties():
    return make_parties()


def _numbers(response) -> list[str]:
    return re.findall(r">(RS-\d{4}-\d{6})</a>", response.content.decode())


def _tabs(response) -> dict[str, int]:
    return {tab["key"]: tab["count"] for tab in response.context["waiting_tabs"]}


def test_the_seller_sees_its_own_and_the_partners_apart(client, parties):
    day = a_day(parties)
    client.force_login(parties.seller)

    mine = client.get("/requests/?waiting_for=me")
    theirs = client.get("/requests/?waiting_for=other")

    assert _numbers(mine) == [day.needs_info.number, day.approved.number, day.reported.number]
    assert _numbers(theirs) == [day.submitted.number, day.approved.number, day.disputed.number]
    assert _tabs(mine) == {"": 6, "me": 3, "other": 3}
    assert 'aria-current="page" data-waiting="me"' in mine.content.decode()
    # The stage tabs count within the chosen tab: of the seller's three, one each in review
    # (the question), fulfilment (the quote) and reported.
    stages = {each["key"]: each["count"] for each in mine.context["filters"]}
    assert (stages[""], stages["review"], stages["fulfilment"], stages["reported"], stages["closed"]) == (3, 1, 1, 1, 0)
    assert 'href="?waiting_for=me&amp;stage=review"' in mine.content.decode()


def test_the_landings_links_narrow_to_a_step_and_to_the_late_ones(client, parties):
    day = a_day(parties)
    client.force_login(parties.partner)

    assert _numbers(client.get("/requests/?waiting_for=me&step=review")) == [day.submitted.number, day.others.number]
    assert _numbers(client.get("/requests/?waiting_for=me&step=revise_quote")) == [day.disputed.number]
    assert _numbers(client.get("/requests/?waiting_for=me&late=1")) == [day.submitted.number, day.approved.number]
    assert _numbers(client.get("/requests/?waiting_for=other&late=1")) == [day.needs_info.number]
    # Unknown values are not applied.
    assert len(_numbers(client.get("/requests/?waiting_for=everyone&step=nap"))) == 6


def test_each_row_says_whom_it_waits_for_and_whose_lateness_it_is(client, parties):
    day = a_day(parties)
    client.force_login(parties.seller)

    rows = {row.reship.number: row for row in client.get("/requests/").context["rows"]}

    assert rows[day.needs_info.number].waiting_for == "You"
    assert rows[day.approved.number].waiting_for == "You · The partner"
    assert rows[day.submitted.number].waiting_for == "The partner"
    assert rows[day.closed.number].waiting_for == ""
    assert str(rows[day.needs_info.number].late_for) == "Late on your side"
    assert str(rows[day.approved.number].late_for) == "Late on the partner's side"
    assert str(rows[day.submitted.number].late_for) == "Late on the partner's side"
    assert rows[day.disputed.number].late_for == ""
    # The status only where the stage has several: needs_info in review, not a lone "Closed".
    assert rows[day.needs_info.number].show_status is True
    assert rows[day.closed.number].show_status is False
    assert rows[day.disputed.number].show_status is False  # fulfilling reads "Restock / resend", as its stage


def test_the_partner_reads_the_same_rows_from_its_side(client, parties):
    day = a_day(parties)
    client.force_login(parties.partner)

    rows = {row.reship.number: row for row in client.get("/requests/").context["rows"]}

    assert rows[day.approved.number].waiting_for == "You · The seller"
    assert str(rows[day.approved.number].late_for) == "Late on your side"
    assert str(rows[day.needs_info.number].late_for) == "Late on the seller's side"
    assert day.reported.number not in rows


def _list_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_waiting_tabs_cost_no_extra_query(client, parties):
    a_day(parties)
    client.force_login(parties.seller)

    assert _list_queries(client, "/requests/?waiting_for=me") == _list_queries(client, "/requests/")
    assert _list_queries(client, "/requests/?waiting_for=other&late=1&step=review") == _list_queries(
        client, "/requests/"
    )
