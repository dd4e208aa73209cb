"""The request page's actions in reading order: the step this side owes first, the rest after, the
destructive ones last and collapsed; what no longer makes sense is neither shown, nor listed by the
API, nor accepted by the workflow.

State is built through the workflow (tests/workflow_states.py); expected values are written by hand.
"""

import re

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from reship import workflow
from reship.choices import QuoteStatus, RequestStatus
from reship.core.errors import InvalidTransition
from reship.models import RequestMessage, ReshipEvent, ReshipRequest
from reship.services.api_keys import api_key_create
from tests.workflow_states import line, make_parties, request_in

pytestmark = pytest.mark.django_db

CARD = re.compile(r'<(section|details) class="card action-card([^"]*)"[^>]*id="action-([a-z_]+)"')


@pytest.fixture
def parties():
    return make_parties()


def _page(client, user, reship) -> str:
    client.force_login(user)
    response = client.get(reverse("requests:detail", args=[reship.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _cards(html: str) -> list[tuple[str, str]]:
    """Each action card in page order: (its action, "main" / "danger" / "" ), danger ones collapsed."""
    result = []
    for tag, classes, action in CARD.findall(html):
        kind = "main" if "action-card--main" in classes else "danger" if "action-card--danger" in classes else ""
        if kind == "danger":
            assert tag == "details"  # collapsed until asked for
        result.append((action, kind))
    return result


def _api_actions(user, reship) -> list[str]:
    client = APIClient()
    _key, raw = api_key_create(actor=user, name="erp")
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client.get(f"/api/v1/requests/{reship.pk}/").json()["allowed_actions"]


def test_after_filing_the_seller_is_not_first_offered_to_cancel(client, parties):
    reship = request_in(RequestStatus.SUBMITTED, parties)

    cards = _cards(_page(client, parties.seller, reship))

    assert cards == [("change_ship_to", ""), ("cancel", "danger")]
    assert _api_actions(parties.seller, reship) == ["cancel", "change-ship-to"]


def test_after_approval_accepting_the_quote_comes_first_and_cancelling_last(client, parties):
    reship = request_in(RequestStatus.APPROVED, parties)

    cards = _cards(_page(client, parties.seller, reship))

    # Compensation is offered for line C only (planned as one); A, B1, B2 are the partner's resends.
    assert cards == [
        ("accept_quote", "main"),
        ("dispute_quote", ""),
        ("compensate", ""),
        ("change_ship_to", ""),
        ("cancel", "danger"),
    ]
    assert _api_actions(parties.seller, reship) == [
        "cancel",
        "accept-quote",
        "dispute-quote",
        "compensate",
        "change-ship-to",
    ]


def test_the_seller_is_offered_only_compensation_lines_the_partner_also_its_pending_resends(client, parties):
    reship = request_in(RequestStatus.APPROVED, parties)
    c, a = line(reship, "C"), line(reship, "A")

    seller_page = _page(client, parties.seller, reship)
    partner_page = _page(client, parties.partner, reship)

    assert f'name="compensate-line_ids" value="{c.pk}"' in seller_page
    assert f'name="compensate-line_ids" value="{a.pk}"' not in seller_page
    assert f'name="compensate-line_ids" value="{a.pk}"' in partner_page


def test_after_accepting_there_is_no_quote_to_answer(client, parties):
    reship = request_in(RequestStatus.APPROVED, parties)
    workflow.reship_accept_quote(request_id=reship.pk, actor=parties.seller)

    cards = _cards(_page(client, parties.seller, reship))
    partner_cards = _cards(_page(client, parties.partner, reship))

    assert cards == [("compensate", ""), ("change_ship_to", ""), ("cancel", "danger")]
    assert _api_actions(parties.seller, reship) == ["cancel", "compensate", "change-ship-to"]
    assert "revise_quote" not in [action for action, _kind in partner_cards]
    assert "revise-quote" not in _api_actions(parties.partner, reship)


def test_the_partner_reviewing_reads_the_lines_and_photos_before_deciding(client, parties):
    reship = request_in(RequestStatus.SUBMITTED, parties)

    html = _page(client, parties.partner, reship)

    assert _cards(html) == [("approve", "main"), ("request_info", ""), ("reject", "danger")]
    assert html.index('id="lines-heading"') < html.index('id="evidence-heading"') < html.index('id="actions-heading"')
    assert html.count('id="evidence-heading"') == 1


def test_the_seller_after_approval_sees_the_actions_before_the_lines(client, parties):
    reship = request_in(RequestStatus.APPROVED, parties)

    html = _page(client, parties.seller, reship)

    assert html.index('id="actions-heading"') < html.index('id="lines-heading"')


def test_the_workflow_refuses_a_dispute_after_acceptance_and_writes_nothing(parties):
    reship = request_in(RequestStatus.APPROVED, parties)
    workflow.reship_accept_quote(request_id=reship.pk, actor=parties.seller)
    events, messages = ReshipEvent.objects.count(), RequestMessage.objects.count()

    with pytest.raises(InvalidTransition, match="The quote is “Accepted”: it does not wait for the seller’s answer."):
        workflow.reship_dispute_quote(request_id=reship.pk, actor=parties.seller, message="Too much after all.")

    assert ReshipRequest.objects.get(pk=reship.pk).quote_status == QuoteStatus.ACCEPTED
    assert (ReshipEvent.objects.count(), RequestMessage.objects.count()) == (events, messages)


def test_the_page_and_the_api_refuse_a_dispute_after_acceptance_with_409(client, parties):
    reship = request_in(RequestStatus.APPROVED, parties)
    workflow.reship_accept_quote(request_id=reship.pk, actor=parties.seller)
    client.force_login(parties.seller)

    page = client.post(
        reverse("requests:action", args=[reship.pk, "dispute_quote"]), {"dispute_quote-message": "Too much."}
    )
    api = APIClient()
    _key, raw = api_key_create(actor=parties.seller, name="erp")
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    answer = api.post(f"/api/v1/requests/{reship.pk}/dispute-quote/", {"message": "Too much."}, format="json")

    assert page.status_code == 409
    assert answer.status_code == 409
    assert ReshipRequest.objects.get(pk=reship.pk).quote_status == QuoteStatus.ACCEPTED


def test_the_workflow_refuses_the_seller_compensating_a_line_being_resent(parties):
    reship = request_in(RequestStatus.APPROVED, parties)

    with pytest.raises(InvalidTransition, match="SKU SKU-A is being resent"):
        workflow.reship_compensate(
            request_id=reship.pk, actor=parties.seller, line_ids=[line(reship, "A").pk], method="refund", amount="30"
        )

    assert line(reship, "A").status == "pending"


def test_a_seller_who_disputed_may_still_accept_the_price_but_not_dispute_it_twice(parties):
    reship = request_in(RequestStatus.APPROVED, parties)
    workflow.reship_dispute_quote(request_id=reship.pk, actor=parties.seller, message="Shipping looks high.")

    with pytest.raises(InvalidTransition, match="The quote is “Disputed”: it does not wait for the seller’s answer."):
        workflow.reship_dispute_quote(request_id=reship.pk, actor=parties.seller, message="Still high.")
    workflow.reship_accept_quote(request_id=reship.pk, actor=parties.seller)

    assert ReshipRequest.objects.get(pk=reship.pk).quote_status == QuoteStatus.ACCEPTED
