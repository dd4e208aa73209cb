"""The smaller endpoints: ``me/``, a request's evidence (upload, list, download), the inbox, restock
orders and shipments. Each answers its organisation only: another organisation's object is a 404,
an anonymous caller a 401."""

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from reship import workflow
from reship.choices import NotificationChannel, NotificationStatus
from reship.models import Evidence, Notification, RestockOrder
from reship.services.evidence import evidence_add
from tests import workflow_states as states
from tests.api.test_keys import api_client_for
from tests.factories import ShipmentFactory, UserFactory
from tests.services.test_evidence import EXE, JPEG, png_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.TIME_ZONE = "Asia/Shanghai"
    cache.clear()


@pytest.fixture
def parties():
    return states.make_parties()


@pytest.fixture
def reship(parties):
    return states.submit(parties)


# --- me ------------------------------------------------------------------------------------------


def test_me_describes_a_partners_key(parties):
    parties.partner.time_zone = "Europe/Berlin"
    parties.partner.save(update_fields=["time_zone"])
    client, key, _raw = api_client_for(parties.partner)
    partner = parties.partner.partner_membership.partner

    response = client.get("/api/v1/me/")

    assert response.status_code == 200
    assert response.json() == {
        "user": {
            "id": key.service_user_id,
            "username": f"api.partner.{partner.pk}",
            "name": f"API {partner.name}",
            "email": "",
        },
        "role": "partner",
        "organisation": {"id": partner.pk, "name": partner.name, "kind": "partner"},
        "language": "zh-hans",
        "time_zone": "Asia/Shanghai",
        "is_api_key": True,
    }


def test_me_describes_a_signed_in_person(parties):
    parties.seller.time_zone = "Europe/Berlin"
    parties.seller.save(update_fields=["time_zone"])
    client = APIClient()
    client.force_login(parties.seller)

    body = client.get("/api/v1/me/").json()

    assert body["user"]["id"] == parties.seller.pk
    assert (body["role"], body["language"], body["time_zone"], body["is_api_key"]) == (
        "seller",
        "en",
        "Europe/Berlin",
        False,
    )
    assert body["organisation"]["kind"] == "seller"


def test_me_of_a_platform_admin_has_no_organisation():
    client = APIClient()
    client.force_login(UserFactory(is_staff=True))

    body = client.get("/api/v1/me/").json()

    assert (body["role"], body["organisation"]) == ("admin", None)


def test_me_needs_credentials():
    assert APIClient().get("/api/v1/me/").status_code == 401


# --- evidence ------------------------------------------------------------------------------------


def _evidence(request_id: int) -> str:
    return f"/api/v1/requests/{request_id}/evidence/"


def test_the_seller_uploads_a_png_and_downloads_the_same_bytes(parties, reship):
    client, _key, _raw = api_client_for(parties.seller)
    png = png_bytes()

    response = client.post(
        _evidence(reship.pk),
        {"evidence": [SimpleUploadedFile("crushed box.jpg", png, content_type="image/jpeg")]},
        format="multipart",
        HTTP_IDEMPOTENCY_KEY="evidence-1",
    )

    assert response.status_code == 201
    evidence = Evidence.objects.get()
    assert response.json() == [
        {
            "id": evidence.pk,
            "request_id": reship.pk,
            "original_name": "crushed box.png",  # named for what it is (a PNG)
            "content_type": "image/png",
            "size_bytes": len(png),
            "uploaded_by": "API " + parties.seller.seller_membership.seller.name,
            "uploaded_at": response.json()[0]["uploaded_at"],
            "download_url": f"/api/v1/requests/{reship.pk}/evidence/{evidence.pk}/file/",
        }
    ]
    download = client.get(response.json()[0]["download_url"], HTTP_ACCEPT="image/png")
    assert download.status_code == 200
    assert download["Content-Type"] == "image/png"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == png


def test_several_photos_are_added_at_once_and_both_sides_list_them(parties, reship):
    seller, _key, _raw = api_client_for(parties.seller)
    seller.post(
        _evidence(reship.pk),
        {"evidence": [SimpleUploadedFile("a.png", png_bytes()), SimpleUploadedFile("b.jpg", JPEG)]},
        format="multipart",
    )
    partner, _key, _raw = api_client_for(parties.partner)

    rows = partner.get(_evidence(reship.pk)).json()["results"]

    assert sorted((row["original_name"], row["content_type"]) for row in rows) == [
        ("a.png", "image/png"),
        ("b.jpg", "image/jpeg"),
    ]


def test_a_renamed_executable_is_refused_with_field_errors_and_nothing_is_stored(parties, reship):
    client, _key, _raw = api_client_for(parties.seller)

    response = client.post(
        _evidence(reship.pk),
        {"evidence": [SimpleUploadedFile("ok.png", png_bytes()), SimpleUploadedFile("setup.jpg", EXE)]},
        format="multipart",
    )

    assert response.status_code == 422
    assert response.json() == {
        "code": "invalid",
        "message": "setup.jpg is not one of the accepted files: JPEG, PNG, GIF or WebP photos.",
        "field_errors": {"evidence": ["Not an accepted file type."]},
    }
    assert not Evidence.objects.exists()


def test_an_upload_without_files_is_refused(parties, reship):
    client, _key, _raw = api_client_for(parties.seller)

    response = client.post(_evidence(reship.pk), {}, format="multipart")

    assert response.status_code == 400
    assert list(response.json()["field_errors"]) == ["evidence"]


def test_the_partner_may_not_add_evidence(parties, reship):
    client, _key, _raw = api_client_for(parties.partner)

    response = client.post(_evidence(reship.pk), {"evidence": [SimpleUploadedFile("a.png", png_bytes())]})

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert not Evidence.objects.exists()


@pytest.mark.parametrize("who", ["other_seller", "other_partner"])
def test_another_organisation_gets_404_for_evidence(parties, reship, who):
    (evidence,) = evidence_add(request=reship, actor=parties.seller, files=[SimpleUploadedFile("a.png", png_bytes())])
    client, _key, _raw = api_client_for(getattr(parties, who))

    responses = [
        client.get(_evidence(reship.pk)),
        client.post(_evidence(reship.pk), {"evidence": [SimpleUploadedFile("b.png", png_bytes())]}),
        client.get(f"{_evidence(reship.pk)}{evidence.pk}/file/", HTTP_ACCEPT="image/png"),
    ]

    assert [response.status_code for response in responses] == [404, 404, 404]
    assert responses[2].json() == {"code": "not_found", "message": "Not found.", "field_errors": {}}
    assert Evidence.objects.count() == 1


def test_a_photo_is_found_only_under_its_own_request(parties, reship):
    other_request = states.submit(parties)
    (evidence,) = evidence_add(request=reship, actor=parties.seller, files=[SimpleUploadedFile("a.png", png_bytes())])
    client, _key, _raw = api_client_for(parties.seller)

    assert client.get(f"{_evidence(other_request.pk)}{evidence.pk}/file/").status_code == 404
    assert client.get(_evidence(other_request.pk)).json()["results"] == []


def test_evidence_needs_credentials(reship):
    assert APIClient().get(_evidence(reship.pk)).status_code == 401


# --- inbox ---------------------------------------------------------------------------------------


@pytest.fixture
def inbox(parties, django_capture_on_commit_callbacks):
    """The seller's key exists first, so its service user is told of the approval like any member."""
    client, key, _raw = api_client_for(parties.seller)
    with django_capture_on_commit_callbacks(execute=True):
        request = states.submit(parties)
        states.approve(parties, request)
    return client, key, request


def _service_inbox(key):
    return Notification.objects.filter(
        recipient_user=key.service_user, channel=NotificationChannel.INBOX, status=NotificationStatus.SENT
    )


def test_the_inbox_lists_the_callers_delivered_entries(inbox):
    client, key, request = inbox
    (row,) = _service_inbox(key)

    response = client.get("/api/v1/inbox/")

    assert response.status_code == 200
    (entry,) = response.json()["results"]
    assert entry["id"] == row.pk
    assert entry["template"] == "request_approved"
    # Rendered in the reader's language: the service user keeps the site's default, Chinese.
    assert entry["subject"] == f"补单 {request.number} 已通过"
    assert entry["request_id"] == request.pk
    assert entry["url"] == f"/requests/{request.pk}/"
    assert (entry["read_at"], entry["is_unread"]) == (None, True)


def test_the_unread_count_and_marking_one_read(inbox):
    client, key, _request = inbox
    (row,) = _service_inbox(key)

    before = client.get("/api/v1/inbox/unread-count/").json()
    marked = client.post(f"/api/v1/inbox/{row.pk}/read/", HTTP_IDEMPOTENCY_KEY="read-1")
    after = client.get("/api/v1/inbox/unread-count/").json()

    assert before == {"unread": 1}
    assert marked.status_code == 200
    assert marked.json()["is_unread"] is False
    assert after == {"unread": 0}
    row.refresh_from_db()
    assert row.read_at is not None


def test_marking_all_read(inbox):
    client, key, _request = inbox

    response = client.post("/api/v1/inbox/read-all/")

    assert response.json() == {"marked": 1}
    assert client.get("/api/v1/inbox/unread-count/").json() == {"unread": 0}
    assert client.post("/api/v1/inbox/read-all/").json() == {"marked": 0}


def test_another_users_notification_is_not_found(inbox, parties):
    _client, _key, _request = inbox
    persons_row = Notification.objects.filter(recipient_user=parties.seller, channel=NotificationChannel.INBOX).get()
    partner, _key, _raw = api_client_for(parties.partner)

    response = partner.post(f"/api/v1/inbox/{persons_row.pk}/read/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    persons_row.refresh_from_db()
    assert persons_row.read_at is None
    assert partner.get("/api/v1/inbox/").json()["results"] == []


def test_the_inbox_needs_credentials():
    client = APIClient()
    assert client.get("/api/v1/inbox/").status_code == 401
    assert client.get("/api/v1/inbox/unread-count/").status_code == 401
    assert client.post("/api/v1/inbox/read-all/").status_code == 401


# --- restock orders ------------------------------------------------------------------------------


@pytest.fixture
def fulfilling(parties):
    """B1's restock ordered (status fulfilling)."""
    return states.request_in("fulfilling", parties)


def test_both_sides_list_their_restock_orders(parties, fulfilling):
    (restock,) = RestockOrder.objects.all()
    b1 = states.line(fulfilling, "B1")
    for user in (parties.seller, parties.partner):
        client, _key, _raw = api_client_for(user)

        response = client.get("/api/v1/restock-orders/")

        assert response.status_code == 200
        (row,) = response.json()["results"]
        assert {key: row[key] for key in ("id", "request_id", "request_number", "line_id", "sku_code")} == {
            "id": restock.pk,
            "request_id": fulfilling.pk,
            "request_number": fulfilling.number,
            "line_id": b1.pk,
            "sku_code": "SKU-B1",
        }
        assert (row["quantity"], row["status"], row["ship_date"]) == (1, "ordered", None)
        assert row["supplier_id"] == b1.order_line.product.supplier_id


def test_restock_orders_filter_by_status_and_request(parties, fulfilling):
    client, _key, _raw = api_client_for(parties.partner)

    assert len(client.get("/api/v1/restock-orders/", {"status": "ordered"}).json()["results"]) == 1
    assert client.get("/api/v1/restock-orders/", {"status": "confirmed"}).json()["results"] == []
    assert len(client.get("/api/v1/restock-orders/", {"request": fulfilling.pk}).json()["results"]) == 1
    assert client.get("/api/v1/restock-orders/", {"request": fulfilling.pk + 1}).json()["results"] == []
    assert client.get("/api/v1/restock-orders/", {"status": "lost"}).status_code == 400


def test_one_restock_order_is_retrieved_by_its_sides_and_404_for_others(parties, fulfilling):
    (restock,) = RestockOrder.objects.all()
    own, _key, _raw = api_client_for(parties.partner)

    assert own.get(f"/api/v1/restock-orders/{restock.pk}/").json()["id"] == restock.pk
    for stranger in (parties.other_seller, parties.other_partner):
        client, _key, _raw = api_client_for(stranger)
        assert client.get("/api/v1/restock-orders/").json()["results"] == []
        response = client.get(f"/api/v1/restock-orders/{restock.pk}/")
        assert response.status_code == 404
        assert response.json() == {"code": "not_found", "message": "Not found.", "field_errors": {}}


def test_the_restock_list_is_read_in_a_fixed_number_of_queries(parties):
    client, _key, _raw = api_client_for(parties.partner)
    client.get("/api/v1/restock-orders/")  # the key's first use records it
    first = states.request_in("fulfilling", parties)
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/restock-orders/")
    second = states.request_in("fulfilling", parties)  # the order's lines allow two requests
    for request in (first, second):
        workflow.reship_start_restock(
            request_id=request.pk, actor=parties.partner, line_ids=[states.line(request, "B2").pk]
        )
    with CaptureQueriesContext(connection) as many:
        response = client.get("/api/v1/restock-orders/")

    assert len(response.json()["results"]) == 4
    assert len(many) == len(few)


def test_restock_orders_need_credentials():
    assert APIClient().get("/api/v1/restock-orders/").status_code == 401


# --- shipments -----------------------------------------------------------------------------------


@pytest.fixture
def shipped(parties):
    """The original parcel, then every line resolved (one reship parcel)."""
    ShipmentFactory(order=parties.order, carrier="ZTO", tracking_number="750000000001")
    return states.request_in("info_update", parties)


def test_a_requests_shipments_are_its_reship_parcels(parties, shipped):
    client, _key, _raw = api_client_for(parties.seller)

    response = client.get(f"/api/v1/requests/{shipped.pk}/shipments/")

    assert response.status_code == 200
    number = f"SF{shipped.pk:012d}"
    assert [
        (
            row["carrier"],
            row["tracking_number"],
            row["tracking_url"],
            row["tracking_status"],
            row["is_reship"],
            row["request_id"],
            row["order_id"],
        )
        for row in response.json()["results"]
    ] == [
        (
            {"code": "SF", "name_zh": "顺丰速运", "name_en": "SF Express"},
            number,
            f"https://www.sf-express.com/chn/sc/waybill/waybill-detail/{number}",
            "shipped",
            True,
            shipped.pk,
            parties.order.pk,
        )
    ]


def test_an_orders_shipments_are_the_original_and_the_reships(parties, shipped):
    client, _key, _raw = api_client_for(parties.partner)

    response = client.get(f"/api/v1/orders/{parties.order.pk}/shipments/")

    assert response.status_code == 200
    assert sorted((row["tracking_number"], row["is_reship"]) for row in response.json()["results"]) == [
        ("750000000001", False),
        (f"SF{shipped.pk:012d}", True),
    ]


@pytest.mark.parametrize("who", ["other_seller", "other_partner"])
def test_another_organisation_gets_404_for_shipments(parties, shipped, who):
    client, _key, _raw = api_client_for(getattr(parties, who))

    assert client.get(f"/api/v1/requests/{shipped.pk}/shipments/").status_code == 404
    assert client.get(f"/api/v1/orders/{parties.order.pk}/shipments/").status_code == 404


def test_shipments_need_credentials(parties, shipped):
    assert APIClient().get(f"/api/v1/requests/{shipped.pk}/shipments/").status_code == 401
    assert APIClient().get(f"/api/v1/orders/{parties.order.pk}/shipments/").status_code == 401


# --- ids in URLs -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/requests/abc/messages/",
        "/api/v1/requests/0/evidence/",
        f"/api/v1/requests/{2**63}/communications/",
        "/api/v1/requests/1/evidence/x/file/",
        "/api/v1/orders/-1/shipments/",
        "/api/v1/restock-orders/9999999999999999999999/",
    ],
)
def test_a_malformed_id_is_the_apis_json_404(parties, url):
    client, _key, _raw = api_client_for(parties.seller)

    response = client.get(url)

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "Not found.", "field_errors": {}}


def test_a_malformed_id_still_needs_credentials_first():
    assert APIClient().get("/api/v1/requests/abc/messages/").status_code == 401
