"""A webhook names the request whose change it announces (``X-Request-ID``), however late it goes:
the id is kept on the outbox row when the change writes it."""

import re

import pytest
from rest_framework.test import APIClient

from reship.choices import NotificationChannel
from reship.core.request_context import request_id_get
from reship.models import Notification
from reship.notifications.delivery import notification_deliver
from reship.services.api_keys import api_key_create
from tests.log_support import logs_captured
from tests.notifications.test_delivery import delivery_settings, make_parties, submit, webhook_server  # noqa: F401

pytestmark = pytest.mark.django_db


def test_a_webhook_sent_after_the_request_carries_that_requests_id(
    webhook_server,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    parties = make_parties(webhook_url=webhook_server.url)
    _key, raw = api_key_create(actor=parties.seller, name="erp")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")

    # The change commits; its deliveries are not run now (a broker, a batch or the sweeper sends later).
    with django_capture_on_commit_callbacks(execute=False):
        response = api.post(
            "/api/v1/requests/",
            {
                "order": parties.order.pk,
                "reason": "damaged",
                "description": "The mug arrived broken.",
                "lines": [{"order_line": parties.line.pk, "quantity": 1, "resolution": "resend"}],
            },
            format="json",
            HTTP_X_REQUEST_ID="erp-submit-9",
        )
    assert response.status_code == 201, response.content
    assert webhook_server.received == []

    webhook = Notification.objects.get(channel=NotificationChannel.WEBHOOK, template="request_submitted")
    assert request_id_get() == ""  # long after the request: no id in hand
    assert notification_deliver(notification_id=webhook.pk) == "sent"

    [received] = webhook_server.received
    assert received.headers["X-Request-ID"] == "erp-submit-9"
    assert received.headers["X-Reship-Event"] == "request_submitted"


def test_a_webhook_for_a_change_no_request_made_has_no_request_id(webhook_server):  # noqa: F811
    # As beat's jobs and management commands change things: outside any request.
    request = submit(make_parties(webhook_url=webhook_server.url))
    webhook = Notification.objects.get(request=request, channel=NotificationChannel.WEBHOOK)

    assert notification_deliver(notification_id=webhook.pk) == "sent"

    [received] = webhook_server.received
    assert "X-Request-ID" not in received.headers
    assert webhook.origin_request_id == ""


def found(page: str) -> int:
    """The count of the admin list's search, as it says it ("1 result (12 total)")."""
    [count] = re.findall(r"(\d+) results? \(", page)
    return int(count)


def test_the_admin_finds_the_rows_of_a_request_id(admin_client, webhook_server):  # noqa: F811
    request = submit(make_parties(webhook_url=webhook_server.url))
    Notification.objects.filter(request=request, channel=NotificationChannel.WEBHOOK).update(
        origin_request_id="erp-submit-9"
    )

    page = admin_client.get("/admin/reship/notification/", {"q": "erp-submit-9"}).content.decode()
    other = admin_client.get("/admin/reship/notification/", {"q": "erp-submit"}).content.decode()

    assert found(page) == 1
    assert found(other) == 0  # exactly the id, not a part of it


def test_a_late_sends_failure_is_logged_under_the_request_that_caused_it(webhook_server):  # noqa: F811
    request = submit(make_parties(webhook_url=webhook_server.url))
    webhook = Notification.objects.get(request=request, channel=NotificationChannel.WEBHOOK)
    Notification.objects.filter(pk=webhook.pk).update(origin_request_id="erp-submit-9")
    webhook_server.statuses = [500]

    with logs_captured("json") as logs:
        assert notification_deliver(notification_id=webhook.pk) == "retry"

    [failure] = logs.of("reship.notifications.delivery")
    assert failure["level"] == "WARNING"
    assert failure["message"].startswith(f"Notification {webhook.pk} (webhook, request_submitted) failed on attempt 1")
    assert failure["request_id"] == "erp-submit-9"
    assert request_id_get() == ""
