"""The request page's parcels: each with its status, a "Mark delivered" button for the seller and the
partner, and, for the seller, when the customer's survey goes out."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from reship import workflow
from reship.choices import EventKind
from reship.models import ReshipEvent
from tests.workflow.test_delivery import _request, _ship
from tests.workflow_states import make_parties

pytestmark = pytest.mark.django_db


@pytest.fixture
def parties():
    return make_parties()


@pytest.fixture
def shipped(parties):
    request = _request(parties, [("A", "resend")])
    return request, _ship(parties, request, "A", "SF100000000301")


def _page(client, user, request):
    client.force_login(user)
    return client.get(reverse("requests:detail", args=[request.pk]))


def _mark(client, user, request, parcel, delivered_at=""):
    client.force_login(user)
    return client.post(
        reverse("requests:action", args=[request.pk, "mark_delivered"]),
        {"mark_delivered-shipment": parcel.pk, "mark_delivered-delivered_at": delivered_at},
    )


@pytest.mark.parametrize("who", ["seller", "partner"])
def test_either_side_marks_a_parcel_delivered_from_the_page(client, parties, shipped, who):
    request, parcel = shipped
    page = _page(client, getattr(parties, who), request).content.decode()
    assert "SF100000000301" in page
    assert "Mark delivered" in page
    assert f'id="mark-delivered-at-{parcel.pk}"' in page

    response = _mark(client, getattr(parties, who), request, parcel, "2026-11-05T22:30")  # Shanghai time

    assert response.status_code == 302
    parcel.refresh_from_db()
    assert parcel.delivered_at == datetime(2026, 11, 5, 14, 30, tzinfo=UTC)
    page = client.get(response["Location"]).content.decode()
    assert "The parcel was marked delivered; the customer&#x27;s survey is scheduled." in page
    assert "2026-11-05 22:30" in page
    assert f'id="mark-delivered-at-{parcel.pk}"' not in page


def test_an_empty_time_means_now(client, parties, shipped):
    request, parcel = shipped
    before = timezone.now()

    _mark(client, parties.partner, request, parcel)

    parcel.refresh_from_db()
    assert before <= parcel.delivered_at <= timezone.now()


def test_marking_twice_is_a_409_with_no_second_event(client, parties, shipped):
    request, parcel = shipped
    _mark(client, parties.partner, request, parcel, "2026-11-05T22:30")

    response = _mark(client, parties.seller, request, parcel, "2026-11-06T10:00")

    assert response.status_code == 409
    assert "was already delivered on 2026-11-05 22:30; nothing was changed." in response.content.decode()
    assert ReshipEvent.objects.filter(request=request, kind=EventKind.DELIVERED).count() == 1


def test_a_time_before_shipping_is_refused_next_to_the_field(client, parties, shipped):
    request, parcel = shipped  # shipped 2026-11-03 16:00 in Shanghai

    response = _mark(client, parties.seller, request, parcel, "2026-11-03T15:59")

    assert response.status_code == 400
    assert "A parcel cannot arrive before it was shipped (2026-11-03 16:00)." in response.content.decode()
    parcel.refresh_from_db()
    assert parcel.delivered_at is None


def test_another_partner_gets_a_404(client, parties, shipped):
    request, parcel = shipped

    response = _mark(client, parties.other_partner, request, parcel)

    assert response.status_code == 404
    parcel.refresh_from_db()
    assert parcel.delivered_at is None


def test_a_parcel_of_another_request_is_refused(client, parties, shipped):
    request, _parcel = shipped
    other = _request(parties, [("B1", "resend")])
    other_parcel = _ship(parties, other, "B1", "SF100000000302")

    response = _mark(client, parties.seller, request, other_parcel)

    assert response.status_code == 400
    assert "Select a valid choice." in response.content.decode()
    other_parcel.refresh_from_db()
    assert other_parcel.delivered_at is None


def test_the_seller_reads_when_the_survey_goes_out_and_the_partner_does_not(client, parties, shipped):
    request, parcel = shipped

    seller_page = _page(client, parties.seller, request).content.decode()
    assert "Survey scheduled for 11-10 16:00" in seller_page  # shipped + 7 days, in Shanghai
    assert (
        "The customer's survey goes out 2 days after the last parcel is delivered, "
        "or 7 days after shipping when no delivery is known."
    ) in seller_page
    assert "Survey" not in _page(client, parties.partner, request).content.decode().split('id="delivery"')[1]

    workflow.reship_mark_delivered(
        shipment_id=parcel.pk,
        actor=parties.partner,
        delivered_at=datetime(2026, 11, 5, 14, 30, tzinfo=UTC),
        now=datetime(2026, 11, 6, 9, 0, tzinfo=UTC),
    )
    assert "Survey scheduled for 11-07 22:30" in _page(client, parties.seller, request).content.decode()

    workflow.surveys_send_due(now=datetime(2026, 11, 7, 14, 30, tzinfo=UTC))
    assert "Survey sent 11-07" in _page(client, parties.seller, request).content.decode()


def test_before_every_line_is_resolved_the_seller_reads_why_there_is_no_survey_yet(client, parties):
    request = _request(parties, [("A", "resend"), ("B1", "resend")])
    _ship(parties, request, "A", "SF100000000303")

    page = _page(client, parties.seller, request).content.decode()

    assert "No survey yet: it is scheduled once every line is shipped or compensated." in page


def test_the_list_says_delivered_once_every_parcel_of_a_request_arrived(client, parties):
    both = _request(parties, [("A", "resend"), ("B1", "resend")])
    first = _ship(parties, both, "A", "SF100000000311")
    second = _ship(parties, both, "B1", "SF100000000312")
    compensated = _request(parties, [("C", "compensation")])
    workflow.reship_compensate(
        request_id=compensated.pk,
        actor=parties.partner,
        line_ids=[compensated.lines.get().pk],
        method="cash",
        amount="5",
    )
    client.force_login(parties.seller)

    def delivered_rows():
        body = client.get("/requests/").content.decode()
        return [row for row in body.split("<tr") if ">Delivered<" in row]

    workflow.reship_mark_delivered(shipment_id=first.pk, actor=parties.seller)
    assert delivered_rows() == []  # one of two parcels: not yet

    workflow.reship_mark_delivered(shipment_id=second.pk, actor=parties.seller)
    rows = delivered_rows()
    assert len(rows) == 1
    assert both.number in rows[0]
