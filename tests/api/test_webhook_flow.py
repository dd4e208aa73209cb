"""A whole reship request driven over the API, with both organisations' webhook endpoints registered
over the API and a local receiver that checks every delivery with the documented snippet.

The request goes submit → approve → ship → confirm info update → contact customer → close through
``/api/v1/requests/``; every change commits, its outbox rows are delivered on commit (Celery eager),
and each event id reaches its endpoint exactly once, signed with that endpoint's secret.
"""

import json
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from reship.api.webhooks import VERIFICATION_SNIPPET
from reship.choices import NotificationChannel, NotificationStatus, RequestStatus
from reship.models import Notification
from reship.notifications.delivery import notification_deliver
from reship.notifications.outbox import WEBHOOK_TEST
from tests.api.test_webhooks import api_client, documented_verifier, receiver  # noqa: F401 - a fixture
from tests.workflow_states import make_parties, outcome_messages_off

pytestmark = pytest.mark.django_db(transaction=True)

README = Path(django_settings.BASE_DIR) / "README.md"


def ok(response, status=200):
    assert response.status_code == status, (response.status_code, response.content[:2000])
    return response.json()


def test_a_whole_request_over_the_api_reaches_both_webhooks_signed_and_once_per_event(receiver):  # noqa: F811
    parties = make_parties()
    outcome_messages_off(parties.order.seller)  # the seller calls the customer in the contact step
    seller_api, partner_api = api_client(parties.seller), api_client(parties.partner)
    endpoints = {
        "/partner": ok(partner_api.post("/api/v1/webhooks/", {"url": receiver.url + "/partner"}, format="json"), 201),
        "/seller": ok(seller_api.post("/api/v1/webhooks/", {"url": receiver.url + "/seller"}, format="json"), 201),
        "/seller-approved": ok(
            seller_api.post(
                "/api/v1/webhooks/",
                {"url": receiver.url + "/seller-approved", "events": ["request_approved"]},
                format="json",
            ),
            201,
        ),
    }
    secrets = {path: body["secret"] for path, body in endpoints.items()}

    # The seller submits one line for a resend, the partner approves and ships it, the seller closes.
    line = parties.order.lines.order_by("pk").first()
    submitted = ok(
        seller_api.post(
            "/api/v1/requests/",
            {
                "order": parties.order.pk,
                "reason": "damaged",
                "description": "The parcel arrived crushed.",
                "lines": [{"order_line": line.pk, "quantity": 1, "resolution": "resend"}],
            },
            format="json",
            HTTP_IDEMPOTENCY_KEY="submit-1",
        ),
        201,
    )
    pk = submitted["id"]
    actions = f"/api/v1/requests/{pk}"
    ok(
        partner_api.post(
            f"{actions}/approve/",
            {
                "quote_goods": "30.00",
                "quote_shipping": "8.00",
                "cost_bearer": "partner",
                "promised_date": str(timezone.localdate() + timedelta(days=3)),
            },
            format="json",
        )
    )
    [reship_line] = submitted["lines"]
    ok(
        partner_api.post(
            f"{actions}/ship/",
            {"items": [{"line": reship_line["id"]}], "carrier": "SF Express", "tracking_number": "SF000000000001"},
            format="json",
        )
    )
    ok(seller_api.post(f"{actions}/confirm-info-update/", {}, format="json"))
    ok(seller_api.post(f"{actions}/contact-customer/", {"channel": "phone", "message": "Called."}, format="json"))
    closed = ok(
        seller_api.post(
            f"{actions}/close/",
            {"rating_speed": 5, "rating_quality": 4, "rating_cooperation": 5},
            format="json",
        )
    )
    assert closed["status"] == RequestStatus.CLOSED

    # And a test event on demand.
    test_event = ok(seller_api.post(f"/api/v1/webhooks/{endpoints['/seller']['id']}/test/"), 202)

    rows = list(Notification.objects.filter(channel=NotificationChannel.WEBHOOK).order_by("pk"))
    assert rows
    assert [(row.template, row.status, row.last_error) for row in rows if row.status != NotificationStatus.SENT] == []
    # Delivering again (a redelivered task, the sweeper) sends nothing more.
    assert {notification_deliver(notification_id=row.pk) for row in rows} == {"skipped"}

    verified = documented_verifier()
    seen = Counter()
    by_path: dict[str, list[str]] = {}
    for received in receiver.received:
        assert verified(secrets[received.path], received.headers, received.body), received.path
        assert not verified(
            secrets["/partner" if received.path != "/partner" else "/seller"], received.headers, received.body
        )
        body = json.loads(received.body)
        assert set(body) == {"id", "type", "created", "data"}
        assert body["id"] == received.headers["X-Reship-Delivery"]
        assert body["type"] == received.headers["X-Reship-Event"]
        seen[body["id"]] += 1
        by_path.setdefault(received.path, []).append(body["type"])

    assert set(seen.values()) == {1}, "an event id arrived twice"
    assert set(seen) == {str(row.delivery_key) for row in rows}
    # The partner hears of the seller's steps too (its webhook chose every event).
    assert by_path["/partner"] == ["request_submitted", "info_updated", "customer_contacted", "request_closed"]
    assert by_path["/seller"] == ["request_approved", "lines_shipped", WEBHOOK_TEST]
    assert by_path["/seller-approved"] == ["request_approved"]
    assert test_event["id"] in seen
    for row in rows:
        if row.template != WEBHOOK_TEST:
            assert row.payload["request_id"] == pk


def test_the_readme_documents_the_same_verification_snippet():
    readme = README.read_text()
    assert "## Webhooks" in readme
    assert VERIFICATION_SNIPPET in readme
