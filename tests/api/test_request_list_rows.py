"""The request list's rows are written out by hand (``reship.representations.request_list_rows``, a
tenth of the serializer's cost): the answer must stay byte for byte what ``RequestSerializer`` gives,
for the seller and the partner, masked and in full, in any time zone."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from reship import privacy
from reship.api.requests import requests_for_user
from reship.choices import RequestSource, RequestStatus, RevealChannel
from reship.models import ReshipRequest
from reship.representations import RequestSerializer, request_list_rows
from tests import workflow_states
from tests.api.test_requests import LIST, client_for, request_on_new_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def parties():
    parties = workflow_states.make_parties()
    now = timezone.now()
    workflow_states.request_in(RequestStatus.APPROVED, parties)  # a line to ship: the partner reads it in full
    request_on_new_order(parties)  # submitted: masked to the partner
    customers = request_on_new_order(parties)
    ReshipRequest.objects.filter(pk=customers.pk).update(
        source=RequestSource.CUSTOMER,
        reported_at=datetime(2026, 3, 1, 8, 0, tzinfo=UTC),  # no microseconds, UTC
        auto_confirmed=True,
        stage_due_at=now - timedelta(days=2),  # overdue
        follow_up_of=customers.pk - 1,
    )
    closed = request_on_new_order(parties)
    ReshipRequest.objects.filter(pk=closed.pk).update(
        status=RequestStatus.CLOSED, stage_due_at=now - timedelta(days=2), closed_at=now - timedelta(hours=1)
    )
    return parties


def _serialized(user, *, now) -> tuple[bytes, bytes]:
    page = list(privacy.with_ship_to_window(requests_for_user(user)).order_by("-created_at", "-id"))
    shown = privacy.ship_to_for_many(user, page, via=RevealChannel.API)
    expected = RequestSerializer(page, many=True, context={"now": now, "ship_to": shown}).data
    written = request_list_rows(page, now=now, ship_to=shown)
    return JSONRenderer().render(expected), JSONRenderer().render(written)


@pytest.mark.parametrize("who", ["seller", "partner"])
@pytest.mark.parametrize("zone", [None, "UTC", "America/New_York"])
def test_the_written_rows_are_the_serializers(parties, who, zone):
    user = getattr(parties, who)
    with timezone.override(zone) if zone else timezone.override(timezone.get_default_timezone()):
        expected, written = _serialized(user, now=timezone.now())

    assert written == expected
    assert b'"masked":false' in written
    assert (b'"masked":true' in written) == (who == "partner")
    assert b'"overdue":true' in written


@pytest.mark.parametrize("who", ["seller", "partner"])
def test_the_lists_answer_is_the_serializers(parties, who):
    user = getattr(parties, who)
    response = client_for(user).get(LIST, {"page_size": 3})
    body = response.json()
    page = list(privacy.with_ship_to_window(requests_for_user(user)).order_by("-created_at", "-id")[:3])
    shown = privacy.ship_to_for_many(user, page, via=RevealChannel.API)
    results = RequestSerializer(page, many=True, context={"now": timezone.now(), "ship_to": shown}).data

    expected = {"next": body["next"], "previous": None, "results": results}
    assert response.content == JSONRenderer().render(expected)
