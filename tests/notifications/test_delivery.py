"""Delivering outbox rows: once each, on commit only, retried with backoff, signed webhooks,
the sweeper, the admin's retry and the pluggable SMS/IM backend."""

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from reship import workflow
from reship.api.requests import request_detail_body
from reship.choices import NotificationChannel, NotificationStatus
from reship.config.celery import app as celery_app
from reship.models import CustomerMessageSetting, Notification, ReshipRequest, WebhookEndpoint
from reship.notifications import outbox, tasks
from reship.notifications.delivery import notification_deliver, retry_delay
from reship.notifications.tasks import notification_retry, notifications_sweep
from reship.workflow import tasks as workflow_tasks
from tests.factories import (
    OrderFactory,
    OrderLineFactory,
    PartnerFactory,
    PartnerMembershipFactory,
    SellerMembershipFactory,
)

NOW = datetime(2030, 5, 18, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
WEBHOOK_SECRET = "whsec-test-0123456789"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def delivery_settings(settings):
    """The documented defaults, whatever the environment says."""
    settings.RESHIP_NOTIFY_RETRY_BASE_SECONDS = 30
    settings.RESHIP_NOTIFY_RETRY_CAP_SECONDS = 3600
    settings.RESHIP_NOTIFY_MAX_ATTEMPTS = 6
    settings.RESHIP_NOTIFY_SWEEP_AFTER_SECONDS = 60
    settings.DEFAULT_FROM_EMAIL = "Reship <noreply@reship.example.com>"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def eager_celery():
    """Tasks run in-process, as in the embedded setup, even when the suite runs with a broker."""
    conf = celery_app.conf
    before = (conf.task_always_eager, conf.task_eager_propagates)
    conf.task_always_eager, conf.task_eager_propagates = True, True
    yield
    conf.task_always_eager, conf.task_eager_propagates = before


@dataclass
class Received:
    headers: Message
    body: str


@dataclass
class WebhookServer:
    url: str
    statuses: list[int] = field(default_factory=list)  # answered in turn; 200 once they run out
    received: list[Received] = field(default_factory=list)


@pytest.fixture
def webhook_server(monkeypatch, settings) -> Iterator[WebhookServer]:
    """A partner's webhook receiver on 127.0.0.1, recording every request it gets."""
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    state = WebhookServer(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"])).decode()
            state.received.append(Received(headers=self.headers, body=body))
            status = state.statuses.pop(0) if state.statuses else 200
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"no" if status >= 300 else b"ok")

        def log_message(self, format, *args):
            pass

    settings.RESHIP_WEBHOOK_ALLOW_PRIVATE = True  # the receiver runs on this machine
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_port}/hooks/reship"
    yield state
    server.shutdown()
    server.server_close()


@dataclass
class Parties:
    seller: object
    partner: object
    order: object
    line: object


def make_parties(*, webhook_url: str = "") -> Parties:
    seller = SellerMembershipFactory(
        seller__name="Tom & Jerry Shop", user__username="li", user__email="li@shop.example", user__language="en"
    ).user
    partner_org = PartnerFactory(
        name="Fast Dropship", webhook_url=webhook_url, webhook_secret=WEBHOOK_SECRET if webhook_url else ""
    )
    partner = PartnerMembershipFactory(
        partner=partner_org, user__username="wang", user__email="wang@dropship.example", user__language="en"
    ).user
    order = OrderFactory(
        seller=seller.seller_membership.seller,
        partner=partner_org,
        platform_order_number="TB2030",
        customer_email="buyer@example.com",
        customer_phone="+86 138 0013 8000",
        customer_language="en",
    )
    line = OrderLineFactory(order=order, product__name="Red Mug", product__sku_code="MUG-RED", quantity=2)
    staff_rows_only(order)
    return Parties(seller=seller, partner=partner, order=order, line=line)


def staff_rows_only(order) -> None:
    """These tests are about the outbox's mechanics on the staff's rows: the shop does not send the
    "request received" message (the customer's messages: test_customer_messages.py)."""
    CustomerMessageSetting.objects.create(seller=order.seller, event="request_received", channels="off")


def submit(parties: Parties) -> ReshipRequest:
    return workflow.reship_submit(
        actor=parties.seller,
        order_id=parties.order.pk,
        reason="damaged",
        description="The mug arrived broken.",
        lines=[workflow.LineRequest(parties.line.pk, 1, "resend")],
        now=NOW,
    )


def row(request: ReshipRequest, template: str, channel: str, **filters) -> Notification:
    return Notification.objects.get(request=request, template=template, channel=channel, **filters)


# --- once, and only once ---------------------------------------------------------------------


def test_an_email_is_sent_once_and_a_second_delivery_is_skipped():
    request = submit(make_parties())
    email = row(request, "request_submitted", NotificationChannel.EMAIL)

    first = notification_deliver(notification_id=email.pk, now=NOW)
    second = notification_deliver(notification_id=email.pk, now=NOW + timedelta(seconds=5))

    assert (first, second) == ("sent", "skipped")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["wang@dropship.example"]
    assert message.from_email == "Reship <noreply@reship.example.com>"
    assert message.subject == "New reship request RS-2030-000001 from Tom & Jerry Shop"
    assert message.extra_headers["Message-ID"] == f"<{email.delivery_key}@reship.example.com>"
    assert message.alternatives[0][1] == "text/html"
    email.refresh_from_db()
    assert (email.status, email.sent_at, email.attempts) == (NotificationStatus.SENT, NOW, 1)


def test_the_inbox_row_is_the_message_delivering_marks_it_sent():
    request = submit(make_parties())
    inbox = row(request, "request_submitted", NotificationChannel.INBOX)
    # Inbox rows are written sent now; one written pending before that is still delivered so.
    Notification.objects.filter(pk=inbox.pk).update(status=NotificationStatus.PENDING, sent_at=None, attempts=0)

    assert notification_deliver(notification_id=inbox.pk, now=NOW) == "sent"

    inbox.refresh_from_db()
    assert (inbox.status, inbox.sent_at, inbox.attempts) == (NotificationStatus.SENT, NOW, 1)
    assert mail.outbox == []


def test_a_row_waiting_for_its_retry_time_is_not_sent_early():
    request = submit(make_parties())
    email = row(request, "request_submitted", NotificationChannel.EMAIL)
    Notification.objects.filter(pk=email.pk).update(next_attempt_at=NOW + timedelta(seconds=30))

    assert notification_deliver(notification_id=email.pk, now=NOW) == "not_due"

    email.refresh_from_db()
    assert (email.status, email.attempts) == (NotificationStatus.PENDING, 0)
    assert mail.outbox == []


def test_a_missing_row_is_skipped():
    assert notification_deliver(notification_id=987654, now=NOW) == "skipped"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_row_another_worker_is_sending_is_skipped_not_sent_twice(monkeypatch):
    monkeypatch.setattr(outbox, "enqueue", lambda ids, **kwargs: None)  # this test plays the workers itself
    request = submit(make_parties())
    email = row(request, "request_submitted", NotificationChannel.EMAIL)
    locked, release = threading.Event(), threading.Event()

    def other_worker():
        try:
            with transaction.atomic():
                Notification.objects.select_for_update().get(pk=email.pk)
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=other_worker)
    thread.start()
    try:
        assert locked.wait(10)
        outcome = notification_deliver(notification_id=email.pk, now=NOW)
    finally:
        release.set()
        thread.join()

    assert outcome == "skipped"
    assert mail.outbox == []
    email.refresh_from_db()
    assert (email.status, email.attempts) == (NotificationStatus.PENDING, 0)


# --- after commit only -------------------------------------------------------------------------


def test_delivery_is_queued_on_commit_and_runs_then(django_capture_on_commit_callbacks, eager_celery):
    parties = make_parties()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        request = submit(parties)
        assert mail.outbox == []
        # The inbox row is written sent, in the same transaction (a rollback leaves no row, below).
        assert set(
            Notification.objects.exclude(channel=NotificationChannel.INBOX).values_list("status", flat=True)
        ) == {NotificationStatus.PENDING}

    assert len(callbacks) == 1
    assert [message.to for message in mail.outbox] == [["wang@dropship.example"]]
    assert set(Notification.objects.filter(request=request).values_list("channel", "status")) == {
        (NotificationChannel.INBOX, NotificationStatus.SENT),
        (NotificationChannel.EMAIL, NotificationStatus.SENT),
    }


def test_a_rolled_back_change_leaves_no_rows_and_sends_nothing(django_capture_on_commit_callbacks, eager_celery):
    parties = make_parties()

    def submit_then_fail():
        with transaction.atomic():
            submit(parties)
            raise RuntimeError("the caller failed after announcing")

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        submit_then_fail()

    assert callbacks == []
    assert Notification.objects.count() == 0
    assert ReshipRequest.objects.count() == 0
    assert mail.outbox == []


def test_a_dead_broker_is_logged_not_raised_and_not_retried_per_row(monkeypatch, caplog):
    calls = []

    def broker_down(args, **options):
        calls.append(args)
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.deliver_notification, "apply_async", broker_down)

    tasks.enqueue_delivery([11, 12, 13])

    assert calls == [(11,)]  # each further try would wait out the broker timeout again
    assert "Could not queue notification 11 (and 2 after it)" in caplog.text


# --- retries -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("attempts", "seconds"),
    [(1, 30), (2, 60), (3, 120), (4, 240), (5, 480), (6, 960), (7, 1920), (8, 3600), (12, 3600)],
)
def test_retry_delay_doubles_from_30_seconds_up_to_an_hour(attempts, seconds):
    assert retry_delay(attempts) == timedelta(seconds=seconds)


def test_a_failing_webhook_backs_off_then_fails_and_the_admin_retry_sends_it(
    webhook_server, django_capture_on_commit_callbacks, eager_celery
):
    webhook_server.statuses.extend([500] * 6)
    request = submit(make_parties(webhook_url=webhook_server.url))
    webhook = row(request, "request_submitted", NotificationChannel.WEBHOOK)
    assert webhook.recipient_address == webhook_server.url

    outcomes = []
    schedule = []
    for seconds in (0, 30, 90, 210, 450, 930):
        outcomes.append(notification_deliver(notification_id=webhook.pk, now=NOW + timedelta(seconds=seconds)))
        webhook.refresh_from_db()
        schedule.append((webhook.attempts, webhook.status, webhook.next_attempt_at))
        if seconds == 0:
            early = notification_deliver(notification_id=webhook.pk, now=NOW + timedelta(seconds=29))

    assert early == "not_due"
    assert outcomes == ["retry", "retry", "retry", "retry", "retry", "failed"]
    assert schedule == [
        (1, "pending", NOW + timedelta(seconds=30)),
        (2, "pending", NOW + timedelta(seconds=90)),
        (3, "pending", NOW + timedelta(seconds=210)),
        (4, "pending", NOW + timedelta(seconds=450)),
        (5, "pending", NOW + timedelta(seconds=930)),
        (6, "failed", NOW + timedelta(seconds=1890)),
    ]
    assert webhook.last_error == "DeliveryError: The webhook answered HTTP 500: no"
    assert len(webhook_server.received) == 6
    assert notification_deliver(notification_id=webhook.pk, now=NOW + timedelta(days=1)) == "skipped"
    assert len(webhook_server.received) == 6

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert notification_retry(notification_id=webhook.pk) is True
        webhook.refresh_from_db()
        assert (webhook.status, webhook.attempts) == (NotificationStatus.PENDING, 0)

    assert len(callbacks) == 1
    webhook.refresh_from_db()
    assert (webhook.status, webhook.attempts) == (NotificationStatus.SENT, 1)
    assert len(webhook_server.received) == 7


def test_retry_leaves_a_row_that_is_not_failed_alone(django_capture_on_commit_callbacks):
    request = submit(make_parties())
    email = row(request, "request_submitted", NotificationChannel.EMAIL)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert notification_retry(notification_id=email.pk) is False

    assert callbacks == []
    email.refresh_from_db()
    assert (email.status, email.attempts) == (NotificationStatus.PENDING, 0)


def test_a_webhook_that_fails_once_is_sent_on_retry_with_the_same_delivery_key(webhook_server):
    webhook_server.statuses.append(500)
    request = submit(make_parties(webhook_url=webhook_server.url))
    webhook = row(request, "request_submitted", NotificationChannel.WEBHOOK)

    first = notification_deliver(notification_id=webhook.pk, now=NOW)
    second = notification_deliver(notification_id=webhook.pk, now=NOW + timedelta(seconds=30))

    assert (first, second) == ("retry", "sent")
    keys = [each.headers["X-Reship-Delivery"] for each in webhook_server.received]
    assert keys == [str(webhook.delivery_key), str(webhook.delivery_key)]
    webhook.refresh_from_db()
    assert (webhook.status, webhook.attempts, webhook.sent_at) == ("sent", 2, NOW + timedelta(seconds=30))


def test_a_webhook_redirect_is_a_failure_not_followed(webhook_server):
    webhook_server.statuses.append(302)
    request = submit(make_parties(webhook_url=webhook_server.url))
    webhook = row(request, "request_submitted", NotificationChannel.WEBHOOK)

    assert notification_deliver(notification_id=webhook.pk, now=NOW) == "retry"

    webhook.refresh_from_db()
    assert webhook.last_error.startswith("DeliveryError: The webhook answered HTTP 302")
    assert len(webhook_server.received) == 1


def test_an_unreachable_mail_server_is_retried(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, False, 2
    request = submit(make_parties())
    email = row(request, "request_submitted", NotificationChannel.EMAIL)

    assert notification_deliver(notification_id=email.pk, now=NOW) == "retry"

    email.refresh_from_db()
    assert (email.status, email.attempts, email.next_attempt_at) == ("pending", 1, NOW + timedelta(seconds=30))
    assert email.last_error.startswith("ConnectionRefusedError")


# --- the webhook's signature ---------------------------------------------------------------------


def test_the_webhook_is_signed_over_timestamp_and_body_with_the_partner_secret(webhook_server):
    request = submit(make_parties(webhook_url=webhook_server.url))
    webhook = row(request, "request_submitted", NotificationChannel.WEBHOOK)

    assert notification_deliver(notification_id=webhook.pk, now=NOW) == "sent"

    [received] = webhook_server.received
    timestamp = received.headers["X-Reship-Timestamp"]
    expected = hmac.new(
        b"whsec-test-0123456789", (timestamp + "." + received.body).encode(), hashlib.sha256
    ).hexdigest()
    assert received.headers["X-Reship-Signature"] == "sha256=" + expected
    assert received.headers["X-Reship-Event"] == "request_submitted"
    assert received.headers["X-Reship-Delivery"] == str(webhook.delivery_key)
    assert received.headers["Content-Type"] == "application/json"
    body = json.loads(received.body)
    assert body["id"] == str(webhook.delivery_key)
    assert body["type"] == "request_submitted"
    assert body["created"] == webhook.created_at.isoformat()
    # data: the request as the API's GET /api/v1/requests/{id}/ shows it to the partner, and the
    # event's own fields (none for a submission); not the outbox's internal audience.
    data = body["data"]
    assert (data["id"], data["number"], data["status"]) == (request.pk, "RS-2030-000001", "submitted")
    assert data["order"]["platform_order_number"] == "TB2030"
    assert (data["seller"]["name"], data["partner"]["name"]) == ("Tom & Jerry Shop", "Fast Dropship")
    assert [(line["sku_code"], line["quantity"]) for line in data["lines"]] == [("MUG-RED", 1)]
    assert [event["kind"] for event in data["events"]] == ["submitted"]
    assert data["event"] == {}
    assert "audience" not in data
    parties_partner = request.partner.memberships.get().user
    assert {**data, "event": None} == {**request_detail_body(parties_partner, request.pk), "event": None}


def test_an_events_own_fields_ride_under_event_beside_the_request_as_the_seller_reads_it(webhook_server):
    parties = make_parties()
    WebhookEndpoint.objects.create(
        seller=parties.seller.seller_membership.seller, url=webhook_server.url, events=[], secret="whsec_seller"
    )
    request = submit(parties)
    workflow.reship_approve(
        request_id=request.pk,
        actor=parties.partner,
        quote_goods="20.00",
        quote_shipping="8.00",
        cost_bearer="partner",
        now=NOW,
    )
    webhook = row(request, "request_approved", NotificationChannel.WEBHOOK)

    assert notification_deliver(notification_id=webhook.pk, now=NOW) == "sent"

    data = json.loads(webhook_server.received[-1].body)["data"]
    assert data["event"] == {
        "quote_goods": "20.00",
        "quote_shipping": "8.00",
        "cost_bearer": "partner",
        "promised_date": None,
        "automatic": False,
        "note": "",
    }
    assert (data["status"], data["quote"]["goods"], data["quote"]["total"]) == ("approved", "20.00", "28.00")
    assert data["allowed_actions"] == ["cancel", "accept-quote", "dispute-quote", "change-ship-to"]
    assert {**data, "event": None} == {**request_detail_body(parties.seller, request.pk), "event": None}


def test_a_signature_made_with_another_secret_does_not_match(webhook_server):
    request = submit(make_parties(webhook_url=webhook_server.url))
    notification_deliver(notification_id=row(request, "request_submitted", "webhook").pk, now=NOW)

    [received] = webhook_server.received
    forged = hmac.new(
        b"not-the-secret", (received.headers["X-Reship-Timestamp"] + "." + received.body).encode(), hashlib.sha256
    ).hexdigest()
    assert received.headers["X-Reship-Signature"] != "sha256=" + forged


# --- the sweeper -----------------------------------------------------------------------------------


def test_the_sweeper_queues_only_pending_rows_due_more_than_a_minute_ago(
    monkeypatch, django_capture_on_commit_callbacks
):
    queued: list[list[int]] = []
    monkeypatch.setattr(tasks, "enqueue_delivery", lambda ids, **kwargs: queued.append(list(ids)) or True)
    for number in range(6):
        parties = make_parties_numbered(number)
        submit(parties)
    emails = list(Notification.objects.filter(channel=NotificationChannel.EMAIL).order_by("pk"))
    assert len(emails) == 6
    overdue, on_the_minute, young, future, sent, failed = emails
    Notification.objects.filter(pk=overdue.pk).update(next_attempt_at=NOW - timedelta(seconds=61))
    Notification.objects.filter(pk=on_the_minute.pk).update(next_attempt_at=NOW - timedelta(seconds=60))
    Notification.objects.filter(pk=young.pk).update(next_attempt_at=NOW - timedelta(seconds=59))
    Notification.objects.filter(pk=future.pk).update(next_attempt_at=NOW + timedelta(seconds=30))
    Notification.objects.filter(pk=sent.pk).update(status="sent", next_attempt_at=NOW - timedelta(hours=1))
    Notification.objects.filter(pk=failed.pk).update(status="failed", next_attempt_at=NOW - timedelta(hours=1))
    Notification.objects.exclude(channel=NotificationChannel.EMAIL).update(status="sent")

    with django_capture_on_commit_callbacks(execute=True):
        count = notifications_sweep(now=NOW)

    assert count == 2
    assert queued == [[overdue.pk, on_the_minute.pk]]


def test_the_sweeper_queues_every_row_due_in_chunks_and_not_again_on_its_next_run(monkeypatch):
    """A backlog (the broker was down) drains in one run, however large: the old sweeper took 500
    rows a run, one run a minute."""
    queued: list[list[int]] = []
    monkeypatch.setattr(tasks, "enqueue_delivery", lambda ids, **kwargs: queued.append(list(ids)) or True)
    for number in range(3):
        submit(make_parties_numbered(number))
    ids = sorted(Notification.objects.values_list("pk", flat=True))
    assert len(ids) == 6
    # Six pending rows: the inbox rows, written sent now, as if written before that.
    Notification.objects.update(
        status=NotificationStatus.PENDING, sent_at=None, next_attempt_at=timezone.now() - timedelta(minutes=5)
    )
    now = timezone.now()

    assert notifications_sweep(now=now, chunk_size=4) == 6
    assert queued == [ids[:4], ids[4:]]
    # Queued rows count as queued now: the next run leaves them to their tasks for a minute.
    assert notifications_sweep(now=now + timedelta(seconds=10)) == 0
    assert notifications_sweep(now=now + timedelta(seconds=61)) == 6


def test_a_swept_row_is_delivered_once(django_capture_on_commit_callbacks, eager_celery):
    # The queued task reads the clock itself, so this test runs on the real one.
    request = submit(make_parties())
    email = row(request, "request_submitted", NotificationChannel.EMAIL)
    now = timezone.now()
    # The inbox row pending too, as written before inbox rows were written sent.
    Notification.objects.update(status=NotificationStatus.PENDING, sent_at=None, attempts=0)
    Notification.objects.update(next_attempt_at=now - timedelta(minutes=5))

    with django_capture_on_commit_callbacks(execute=True):
        assert notifications_sweep(now=now) == 2  # the partner's inbox row and email
    with django_capture_on_commit_callbacks(execute=True):
        assert notifications_sweep(now=now) == 0  # a second sweeper run finds nothing left
    assert notification_deliver(notification_id=email.pk) == "skipped"  # the row's own task, arriving late

    assert len(mail.outbox) == 1
    email.refresh_from_db()
    assert email.status == NotificationStatus.SENT


def make_parties_numbered(number: int) -> Parties:
    seller = SellerMembershipFactory(user__username=f"seller{number}", user__language="en").user
    partner = PartnerMembershipFactory(user__username=f"partner{number}", user__language="en").user
    order = OrderFactory(seller=seller.seller_membership.seller, partner=partner.partner_membership.partner)
    line = OrderLineFactory(order=order)
    staff_rows_only(order)
    return Parties(seller=seller, partner=partner, order=order, line=line)


# --- SMS and IM --------------------------------------------------------------------------------------


class RecordingBackend:
    calls: list[dict] = []

    def send(self, *, channel: str, to: str, text: str) -> None:
        RecordingBackend.calls.append({"channel": channel, "to": to, "text": text})


def ship(parties: Parties, request: ReshipRequest) -> None:
    workflow.reship_approve(
        request_id=request.pk,
        actor=parties.partner,
        quote_goods="20.00",
        quote_shipping="8.00",
        cost_bearer="partner",
        now=NOW,
    )
    workflow.reship_ship(
        request_id=request.pk,
        actor=parties.partner,
        items=[workflow.ShipItem(request.lines.get().pk)],
        carrier="SF Express",
        tracking_number="SF123456789012",
        now=NOW,
    )


def texts_the_shipped_message(parties: Parties) -> None:
    """The shop sends the shipped message by SMS (the order has an email address too)."""
    CustomerMessageSetting.objects.create(seller=parties.order.seller, event="lines_shipped", channels="sms")


def test_sms_goes_through_the_backend_named_in_settings(settings, monkeypatch):
    settings.RESHIP_MESSAGING_BACKEND = "tests.notifications.test_delivery.RecordingBackend"
    monkeypatch.setattr(RecordingBackend, "calls", [])
    parties = make_parties()
    texts_the_shipped_message(parties)
    request = submit(parties)
    ship(parties, request)
    sms = row(request, "lines_shipped", NotificationChannel.SMS)

    assert notification_deliver(notification_id=sms.pk, now=NOW) == "sent"

    [call] = RecordingBackend.calls
    assert call["channel"] == "sms"
    assert call["to"] == "+86 138 0013 8000"
    # The shop's SMS wording, filled, sent whole: the link at its end is never cut.
    assert call["text"].startswith(
        "Tom & Jerry Shop: your replacement for order TB2030 left with SF Express, tracking SF123456789012. "
        "Follow it: http"
    )
    assert call["text"].endswith("/")
    assert "/t/" in call["text"]
    sms.refresh_from_db()
    assert sms.status == NotificationStatus.SENT


def test_the_default_messaging_backend_only_logs(settings, caplog):
    settings.RESHIP_MESSAGING_BACKEND = "reship.notifications.channels.LoggingMessagingBackend"
    parties = make_parties()
    texts_the_shipped_message(parties)
    request = submit(parties)
    ship(parties, request)
    sms = row(request, "lines_shipped", NotificationChannel.SMS)

    with caplog.at_level("INFO", logger="reship.notifications.channels"):
        assert notification_deliver(notification_id=sms.pk, now=NOW) == "sent"

    assert "sms message to +86 138 0013 8000 (not sent: logging backend)" in caplog.text


# --- the Celery side ------------------------------------------------------------------------------------


def test_beat_runs_the_sweeper_every_ten_seconds_and_the_deadline_check_every_five_minutes(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE

    assert schedule["reship-sweep-notifications"]["task"] == "reship.sweep_notifications"
    assert schedule["reship-sweep-notifications"]["schedule"] == 10.0
    assert schedule["reship-check-deadlines"]["task"] == "reship.check_deadlines"
    assert schedule["reship-check-deadlines"]["schedule"] == 300.0
    assert {"reship.deliver_notification", "reship.sweep_notifications", "reship.check_deadlines"} <= set(
        celery_app.tasks
    )


def test_the_tasks_call_their_function(monkeypatch, eager_celery):
    seen = []
    monkeypatch.setattr(tasks, "notifications_sweep", lambda *, now: seen.append(("sweep", now.tzinfo)) or 3)
    monkeypatch.setattr("reship.workflow.timeliness.deadlines_check", lambda *, now: {"reminded": 1, "escalated": 0})

    assert tasks.sweep_notifications.delay().get() == 3
    assert workflow_tasks.check_deadlines.delay().get() == {"reminded": 1, "escalated": 0}
    assert seen == [("sweep", UTC)]


def test_a_webhook_to_a_private_address_is_refused_not_sent(db, settings):
    from reship.notifications.channels import DeliveryError, WebhookChannel
    from tests.workflow_states import make_parties, submit

    settings.RESHIP_WEBHOOK_ALLOW_PRIVATE = False
    parties = make_parties()
    partner = parties.order.partner
    partner.webhook_url, partner.webhook_secret = "https://10.0.0.5/hook", "s3cret"
    partner.save(update_fields=["webhook_url", "webhook_secret"])
    submit(parties)
    row = Notification.objects.get(channel="webhook")

    with pytest.raises(DeliveryError, match="not a public one"):
        WebhookChannel().send(row)
