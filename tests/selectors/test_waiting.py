"""``selectors.waiting``: what waits for a side (by kind, late ones apart), what waits for the other
side, overdue first, and nothing of another organisation's. States: tests/waiting_states.py."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reship.accounts.roles import Role
from reship.choices import QuoteStatus, RequestStatus
from reship.selectors import waiting
from tests.waiting_states import a_day
from tests.workflow_states import make_parties

pytestmark = pytest.mark.django_db


@pytest.fixture
def parties():
    return make_parties()


def _kinds(counts) -> dict[str, tuple[int, int]]:
    return {each.kind.key: (each.count, each.late) for each in counts.kinds}


def test_a_seller_waits_on_a_question_a_pending_quote_and_a_report_not_on_a_review(parties):
    day = a_day(parties)

    with CaptureQueriesContext(connection) as queries:
        counts = waiting.waiting_counts_for_user(user=parties.seller, now=day.now)

    assert len(queries) == 1
    assert counts.side == Role.SELLER
    assert _kinds(counts) == {
        "confirm_report": (1, 0),
        "seller_answer": (1, 1),
        "accept_quote": (1, 0),  # late, but for the partner: its fulfilment is overdue
        "info_update": (0, 0),
        "customer_contact": (0, 0),
        "close": (0, 0),
    }
    assert (counts.total, counts.late) == (3, 1)
    # The partner's: the submitted one, the approved one (fulfilment) and the disputed quote; the
    # submitted and the approved are late on its side.
    assert (counts.other_side, counts.other_total, counts.other_late) == (Role.PARTNER, 3, 2)


def test_a_partner_waits_on_reviews_fulfilment_and_a_disputed_quote_of_every_seller(parties):
    day = a_day(parties)

    counts = waiting.waiting_counts_for_user(user=parties.partner, now=day.now)

    assert _kinds(counts) == {
        "review": (2, 1),  # its own seller's (late) and the other seller's
        "fulfilment": (2, 1),  # approved (late) and fulfilling
        "revise_quote": (1, 0),
    }
    assert (counts.total, counts.late) == (4, 2)
    # The sellers': the question and the pending quote; the customer's report is not the partner's to see.
    assert (counts.other_side, counts.other_total, counts.other_late) == (Role.SELLER, 2, 1)


def test_the_list_is_the_sides_own_overdue_first_no_due_time_last(parties):
    day = a_day(parties)

    seller_list = list(waiting.waiting_list_for_user(user=parties.seller))
    partner_list = list(waiting.waiting_list_for_user(user=parties.partner))

    assert seller_list == [day.needs_info, day.approved, day.reported]
    assert partner_list == [day.submitted, day.approved, day.others, day.disputed]


def test_another_sellers_requests_are_never_counted(parties):
    day = a_day(parties)

    counts = waiting.waiting_counts_for_user(user=parties.other_seller, now=day.now)

    assert (counts.total, counts.other_total, counts.other_late) == (0, 1, 0)  # its one submitted request
    assert list(waiting.waiting_list_for_user(user=parties.other_seller)) == []


def test_what_a_side_owes_in_words_from_status_and_quote():
    owed = waiting.owed_by(status=RequestStatus.INFO_UPDATE, quote_status=QuoteStatus.PENDING, side=Role.SELLER)
    partner_owes = waiting.owed_by(
        status=RequestStatus.FULFILLING, quote_status=QuoteStatus.DISPUTED, side=Role.PARTNER
    )

    assert [str(kind.label) for kind in owed] == ["Accept or dispute the quote", "Confirm the info update"]
    assert [str(kind.label) for kind in partner_owes] == ["Restock, resend or compensate", "Revise the disputed quote"]
    assert waiting.owed_by(status=RequestStatus.CLOSED, quote_status=QuoteStatus.PENDING, side=Role.SELLER) == []


def test_a_platform_admin_waits_for_nothing():
    assert waiting.other_side(Role.ADMIN) == Role.NONE
