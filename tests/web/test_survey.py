"""The customer's survey page exists once the survey was sent (after the goods arrived), whatever the
request's status; before that its link is a 404."""

from datetime import UTC, datetime

import pytest

from reship import workflow
from reship.choices import RequestStatus
from reship.core import signing
from reship.models import ReshipRequest, SurveyResponse
from tests.workflow.test_delivery import _request, _ship
from tests.workflow_states import make_parties

pytestmark = pytest.mark.django_db


def test_the_link_leads_nowhere_until_the_survey_is_sent_then_takes_one_answer(client):
    parties = make_parties()
    request = _request(parties, [("A", "resend")])
    _ship(parties, request, "A", "SF100000000401")
    url = signing.survey_path(request)

    assert client.get(url).status_code == 404
    response = client.post(url, {"rating": "5"})
    assert response.status_code == 404
    assert "This survey does not exist." in response.content.decode()

    workflow.surveys_send_due(now=datetime(2026, 11, 10, 8, 0, tzinfo=UTC))  # shipped 3 Nov + 7 days
    assert client.get(url).status_code == 200
    response = client.post(url, {"rating": "4", "comment": "Arrived fine."})

    assert response.status_code == 200
    assert "Thank you for your answer" in response.content.decode()
    answer = SurveyResponse.objects.get(request=request)
    assert (answer.rating, answer.comment) == (4, "Arrived fine.")
    # The seller has not closed it yet: the answer does not depend on the request's status.
    assert ReshipRequest.objects.get(pk=request.pk).status == RequestStatus.INFO_UPDATE
    assert client.post(url, {"rating": "1"}).status_code == 409
