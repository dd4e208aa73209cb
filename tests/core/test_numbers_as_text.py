"""A number typed as text is read by one rule (``reship.core.bounds.int_from_text``): ASCII digits
only, at most 30 of them. ``str.isdigit`` also accepts digits ``int`` cannot read ("²", "①"),
and ``int`` raises on 4,301 digits or more; wherever a check let either through to ``int`` the
answer was a 500 — an API path id, a seller in an auto-approval rule, a tracking sheet's line
number, a survey rating. Each is now refused like any other wrong value.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from reship import workflow
from reship.core.bounds import id_from_text, int_from_text
from reship.core.errors import InvalidInput
from reship.models import AutoApprovalRule, SurveyResponse
from suppliers.choices import MemberRole
from tests import workflow_states as states
from tests.api.test_crafted_input import client_for
from tests.services.test_tracking_import import csv_file, ready_requests, refused_of, run

pytestmark = pytest.mark.django_db

FIVE_THOUSAND_DIGITS = "9" * 5000


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.parametrize(
    ("text", "number"),
    [("42", 42), (" 42 ", 42), ("-7", -7), ("²", None), ("①", None), ("٣", None), ("4 2", None), ("", None)]
    + [("9" * 30, int("9" * 30)), ("9" * 31, None), (FIVE_THOUSAND_DIGITS, None)],
)
def test_a_number_is_ascii_digits_and_at_most_thirty_of_them(text, number):
    assert int_from_text(text) == number


def test_an_id_is_such_a_number_from_1_to_2_63_minus_1():
    assert id_from_text("9223372036854775807") == 2**63 - 1
    assert id_from_text("9223372036854775808") is None
    assert id_from_text("0") is None


@pytest.mark.parametrize("path_id", [FIVE_THOUSAND_DIGITS, "9" * 31])
def test_an_api_path_id_of_thousands_of_digits_is_the_api_404(settings, path_id):
    settings.DEBUG = False
    parties = states.make_parties()
    client = client_for(parties.seller)

    for response in (
        client.get(f"/api/v1/requests/{path_id}/"),
        client.post(f"/api/v1/requests/{path_id}/cancel/", {"reason": "x"}, format="json"),
        client.get(f"/api/v1/requests/{path_id}/messages/"),
    ):
        assert response.status_code == 404
        assert response.json() == {"code": "not_found", "message": "Not found.", "field_errors": {}}


@pytest.mark.parametrize("seller", [FIVE_THOUSAND_DIGITS, "9" * 31])
def test_a_rule_for_a_seller_that_is_no_id_is_refused_on_the_form(settings, seller):
    settings.DEBUG = False
    parties = states.make_parties()
    membership = parties.partner.partner_membership
    membership.role = MemberRole.MANAGER
    membership.save()
    client = Client(raise_request_exception=False)
    client.force_login(parties.partner)

    response = client.post(
        "/partner/settings/rules/add/", {"name": "Small damages", "is_active": "on", "sellers": [seller]}
    )

    assert response.status_code in (200, 400)
    assert "is not one of the available choices" in response.content.decode()
    assert not AutoApprovalRule.objects.exists()


def test_a_tracking_sheets_line_number_in_other_digits_refuses_the_row_only(parties_with_requests):
    parties, number = parties_with_requests
    header = ["补单号", "行号", "快递公司", "快递单号"]

    job = run(
        parties.partner,
        csv_file([[number, "²", "顺丰", "SF100000000001"], [number, "1", "顺丰", "SF100000000002"]], header=header),
    )

    assert job.status == "done"
    assert refused_of(job) == {2: f"Request {number} has no line ²: its lines are numbered 1 to 4."}


@pytest.fixture
def parties_with_requests():
    parties = states.make_parties()
    return parties, ready_requests(parties, 1)[0].number


@pytest.mark.parametrize("rating", ["²", FIVE_THOUSAND_DIGITS])
def test_a_survey_rating_that_is_no_number_is_refused(rating):
    parties = states.make_parties()
    closed = states.send_survey(states.request_in("closed", parties))

    with pytest.raises(InvalidInput, match="Ratings go from 1 to 5."):
        workflow.survey_answer(request_id=closed.pk, rating=rating)

    assert not SurveyResponse.objects.exists()
