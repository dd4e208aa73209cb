"""``/api/v1/requests/{id}/messages/`` and ``…/communications/``: both sides read and write, with an
optional attachment (multipart); another organisation's request is a 404 for every method; a
retried post with the same Idempotency-Key writes one message."""

from datetime import UTC, datetime

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from reship.models import CommunicationRecord, RequestMessage
from reship.services import thread
from tests import workflow_states as states
from tests.api.test_keys import api_client_for
from tests.services.test_evidence import EXE, png_bytes

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TIME_ZONE = "Asia/Shanghai"  # times in answers are in the site's time zone


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    cache.clear()


@pytest.fixture
def parties():
    return states.make_parties()


@pytest.fixture
def reship(parties):
    return states.submit(parties)


def _messages(request_id: int) -> str:
    return f"/api/v1/requests/{request_id}/messages/"


def _communications(request_id: int) -> str:
    return f"/api/v1/requests/{request_id}/communications/"


# --- messages: reading -------------------------------------------------------------------------------


def test_both_sides_read_the_thread_newest_first(parties, reship):
    thread.message_post(
        request_id=reship.pk, actor=parties.seller, body="Is it coming?", now=datetime(2026, 3, 2, 1, tzinfo=UTC)
    )
    thread.message_post(
        request_id=reship.pk, actor=parties.partner, body="Tomorrow.", now=datetime(2026, 3, 2, 2, tzinfo=UTC)
    )
    seller, _key, _raw = api_client_for(parties.seller)
    partner, _key, _raw = api_client_for(parties.partner)

    for client in (seller, partner):
        response = client.get(_messages(reship.pk))
        assert response.status_code == 200
        rows = response.json()["results"]
        assert [(row["body"], row["author_role"]) for row in rows] == [
            ("Tomorrow.", "partner"),
            ("Is it coming?", "seller"),
        ]
        assert rows[1]["author_id"] == parties.seller.pk
        assert rows[1]["attachment_url"] is None
        assert rows[1]["created_at"] == "2026-03-02T09:00:00+08:00"


@pytest.mark.parametrize("who", ["other_seller", "other_partner"])
def test_another_organisation_gets_404_for_the_thread_and_the_log(parties, reship, who):
    thread.message_post(request_id=reship.pk, actor=parties.seller, body="Hello")
    client, _key, _raw = api_client_for(getattr(parties, who))

    responses = [
        client.get(_messages(reship.pk)),
        client.post(_messages(reship.pk), {"body": "Let me in"}, format="json"),
        client.post(_messages(reship.pk), {}, format="json"),
        client.get(_communications(reship.pk)),
        client.post(_communications(reship.pk), {"counterpart": "customer", "channel": "phone", "summary": "x"}),
    ]

    assert [response.status_code for response in responses] == [404] * 5
    assert responses[0].json() == {"code": "not_found", "message": "Not found.", "field_errors": {}}
    assert RequestMessage.objects.count() == 1
    assert not CommunicationRecord.objects.filter(automatic=False).exists()


def test_anonymous_callers_get_401(reship):
    client = APIClient()

    assert client.get(_messages(reship.pk)).status_code == 401
    assert client.post(_messages(reship.pk), {"body": "hi"}, format="json").status_code == 401
    assert client.get(_communications(reship.pk)).status_code == 401


def test_the_thread_is_read_in_a_fixed_number_of_queries(parties, reship):
    client, _key, _raw = api_client_for(parties.seller)
    client.get(_messages(reship.pk))  # the key's first use records it
    thread.message_post(request_id=reship.pk, actor=parties.seller, body="one")
    with CaptureQueriesContext(connection) as few:
        client.get(_messages(reship.pk))
    for number in range(5):
        thread.message_post(request_id=reship.pk, actor=parties.partner, body=f"more {number}")
    with CaptureQueriesContext(connection) as many:
        response = client.get(_messages(reship.pk))

    assert len(response.json()["results"]) == 6
    assert len(many) == len(few)


# --- messages: posting -------------------------------------------------------------------------------


def test_a_side_posts_a_message_as_json(parties, reship):
    client, _key, _raw = api_client_for(parties.partner)

    response = client.post(_messages(reship.pk), {"body": "  The parcel leaves tomorrow.  "}, format="json")

    assert response.status_code == 201
    message = RequestMessage.objects.get()
    assert response.json()["id"] == message.pk
    assert response.json()["body"] == "The parcel leaves tomorrow."
    assert response.json()["author_role"] == "partner"
    assert message.author.username == f"api.partner.{parties.partner.partner_membership.partner.pk}"


def test_the_same_idempotency_key_posts_one_message(parties, reship):
    client, _key, _raw = api_client_for(parties.seller)

    first = client.post(_messages(reship.pk), {"body": "Once"}, format="json", HTTP_IDEMPOTENCY_KEY="msg-1")
    second = client.post(_messages(reship.pk), {"body": "Once"}, format="json", HTTP_IDEMPOTENCY_KEY="msg-1")
    other_body = client.post(_messages(reship.pk), {"body": "Twice"}, format="json", HTTP_IDEMPOTENCY_KEY="msg-1")

    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert other_body.status_code == 422
    assert other_body.json()["code"] == "idempotency_key_reused"
    assert RequestMessage.objects.count() == 1


def test_a_message_with_a_photo_is_posted_as_multipart_and_its_attachment_downloads(parties, reship):
    client, _key, _raw = api_client_for(parties.seller)
    png = png_bytes()

    response = client.post(
        _messages(reship.pk),
        {"body": "The box", "attachment": SimpleUploadedFile("box photo.jpg", png, content_type="image/jpeg")},
        format="multipart",
        HTTP_IDEMPOTENCY_KEY="photo-1",
    )

    assert response.status_code == 201
    message = RequestMessage.objects.get()
    assert message.attachment.name.endswith("box_photo.png")
    url = response.json()["attachment_url"]
    assert url == f"/api/v1/requests/{reship.pk}/messages/{message.pk}/attachment/"
    partner, _key, _raw = api_client_for(parties.partner)
    download = partner.get(url)
    assert download.status_code == 200
    assert download["Content-Type"] == "image/png"
    assert b"".join(download.streaming_content) == png
    stranger, _key, _raw = api_client_for(parties.other_seller)
    assert stranger.get(url).status_code == 404


def test_a_pdf_attachment_downloads_as_a_file(parties, reship):
    client, _key, _raw = api_client_for(parties.partner)
    response = client.post(
        _messages(reship.pk),
        {"body": "The invoice", "attachment": SimpleUploadedFile("invoice.pdf", PDF)},
        format="multipart",
    )

    download = client.get(response.json()["attachment_url"], HTTP_ACCEPT="application/pdf")

    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment;")
    assert b"".join(download.streaming_content) == PDF


def test_a_message_without_an_attachment_has_none_to_download(parties, reship):
    message = thread.message_post(request_id=reship.pk, actor=parties.seller, body="No file")
    client, _key, _raw = api_client_for(parties.seller)

    response = client.get(f"{_messages(reship.pk)}{message.pk}/attachment/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_renamed_executable_is_refused_with_field_errors(parties, reship):
    client, _key, _raw = api_client_for(parties.seller)

    response = client.post(
        _messages(reship.pk),
        {"body": "See attached", "attachment": SimpleUploadedFile("photo.jpg", EXE, content_type="image/jpeg")},
        format="multipart",
    )

    assert response.status_code == 422
    assert response.json() == {
        "code": "invalid",
        "message": "photo.jpg is not one of the accepted files: photos (JPEG, PNG, GIF, WebP) or PDF.",
        "field_errors": {"attachment": ["Not an accepted file type."]},
    }
    assert not RequestMessage.objects.exists()


@pytest.mark.parametrize(
    ("payload", "status", "field_errors"),
    [
        ({"body": "   "}, 422, {"body": ["Required."]}),
        ({}, 400, {"body": ["This field is required."]}),
        ({"body": "x" * 5001}, 422, {"body": ["The text is too long (at most 5000 characters)."]}),
    ],
)
def test_an_empty_or_too_long_message_is_refused(parties, reship, payload, status, field_errors):
    client, _key, _raw = api_client_for(parties.seller)

    response = client.post(_messages(reship.pk), payload, format="json")

    assert response.status_code == status
    assert response.json()["code"] == "invalid"
    assert response.json()["field_errors"] == field_errors
    assert not RequestMessage.objects.exists()


# --- communication records ---------------------------------------------------------------------------


def test_a_side_logs_a_contact_and_both_read_the_log(parties, reship):
    seller, _key, _raw = api_client_for(parties.seller)

    response = seller.post(
        _communications(reship.pk),
        {
            "counterpart": "customer",
            "channel": "phone",
            "direction": "inbound",
            "summary": "The buyer called about the box.",
            "occurred_at": "2026-03-02T09:10:00+08:00",
        },
        format="json",
        HTTP_IDEMPOTENCY_KEY="call-1",
    )

    assert response.status_code == 201
    record = CommunicationRecord.objects.get(automatic=False)
    assert record.occurred_at == datetime(2026, 3, 2, 1, 10, tzinfo=UTC)
    assert (record.counterpart, record.channel, record.direction) == ("customer", "phone", "inbound")
    partner, _key, _raw = api_client_for(parties.partner)
    rows = partner.get(_communications(reship.pk)).json()["results"]
    assert [(row["id"], row["summary"], row["occurred_at"]) for row in rows if not row["automatic"]] == [
        (record.pk, "The buyer called about the box.", "2026-03-02T09:10:00+08:00")
    ]
    # The shop's automatic "request received" to the customer: the partner reads that it went out, not its words.
    assert [row["summary"] for row in rows if row["automatic"]] == [
        "An automatic message from the shop to its customer; its words are for the seller."
    ]


def test_a_contact_with_ones_own_side_is_refused(parties, reship):
    client, _key, _raw = api_client_for(parties.partner)

    response = client.post(
        _communications(reship.pk),
        {"counterpart": "partner", "channel": "im", "summary": "Talked to my colleague."},
        format="json",
    )

    assert response.status_code == 422
    assert response.json()["field_errors"] == {"counterpart": ["That is your own side."]}
    assert not CommunicationRecord.objects.filter(automatic=False).exists()


def test_an_unknown_channel_is_refused_by_the_input_check(parties, reship):
    client, _key, _raw = api_client_for(parties.seller)

    response = client.post(
        _communications(reship.pk),
        {"counterpart": "customer", "channel": "pigeon", "summary": "Sent a bird."},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["field_errors"] == {"channel": ['"pigeon" is not a valid choice.']}
