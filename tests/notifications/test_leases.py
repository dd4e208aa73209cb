"""A delivery leases its row, commits, sends outside any transaction, then records the result; a
lease that ran out (its worker was killed) is claimed again with the same delivery id; each webhook
endpoint has a limit of sends in flight; webhooks have their own queue; rows the broker never got
are swept on the next run; the SMTP timeout reaches the channel's backend."""

import json
import socket
import threading
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone
from kombu.exceptions import OperationalError

from reship.choices import NotificationChannel, NotificationStatus
from reship.config.celery import app as celery_app
from reship.models import Notification, WebhookEndpoint
from reship.notifications import channels, tasks
from reship.notifications.delivery import notification_deliver
from reship.notifications.tasks import notifications_sweep
from tests.notifications.test_delivery import (  # noqa: F401 - fixtures
    NOW,
    delivery_settings,
    make_parties,
    row,
    submit,
    webhook_server,
)

pytestmark = pytest.mark.django_db


def endpoint_of(partner, url="https://hooks.partner.example/reship"):
    return WebhookEndpoint.objects.create(partner=partner, url=url, events=[], secret="whsec_test")


@pytest.mark.django_db(transaction=True)
def test_the_send_runs_outside_any_transaction_with_the_lease_already_committed(monkeypatch):
    monkeypatch.setattr(tasks, "enqueue_delivery", lambda ids, **kwargs: True)
    request = submit(make_parties())
    email = row(request, "request_submitted", NotificationChannel.EMAIL)
    seen = {}

    def send(self, notification):
        seen["in_transaction"] = connection.in_atomic_block
        # What any other connection sees now: committed, not only this one's own writes.
        seen["lease"] = Notification.objects.values_list("leased_until", "status").get(pk=notification.pk)

    monkeypatch.setattr(channels.EmailChannel, "send", send)

    assert notification_deliver(notification_id=email.pk, now=NOW) == "sent"

    assert seen == {"in_transaction": False, "lease": (NOW + timedelta(seconds=90), NotificationStatus.PENDING)}
    email.refresh_from_db()
    assert (email.status, email.attempts, email.leased_until, email.lease_id) == ("sent", 1, None, None)


def test_a_row_another_worker_holds_a_live_lease_on_is_skipped_and_sent_again_once_it_ran_out():
    """A worker killed mid-send leaves its lease: nobody sends the row until it runs out, then the
    next attempt sends it with the same Message-ID, so the receiver can drop the repeat."""
    request = submit(make_parties())
    email = row(request, "request_submitted", NotificationChannel.EMAIL)
    Notification.objects.filter(pk=email.pk).update(leased_until=NOW + timedelta(seconds=90))

    assert notification_deliver(notification_id=email.pk, now=NOW + timedelta(seconds=89)) == "leased"
    assert mail.outbox == []
    assert notification_deliver(notification_id=email.pk, now=NOW + timedelta(seconds=91)) == "sent"

    [message] = mail.outbox
    assert message.extra_headers["Message-ID"] == f"<{email.delivery_key}@reship.example.com>"


def test_the_sweeper_leaves_rows_under_a_live_lease_and_takes_those_whose_lease_ran_out(monkeypatch):
    queued = []
    monkeypatch.setattr(tasks, "enqueue_delivery", lambda ids, **kwargs: queued.extend(ids) or True)
    request = submit(make_parties())
    inbox = row(request, "request_submitted", NotificationChannel.INBOX)
    email = row(request, "request_submitted", NotificationChannel.EMAIL)
    now = timezone.now()
    Notification.objects.update(next_attempt_at=now - timedelta(minutes=5))
    Notification.objects.filter(pk=inbox.pk).update(leased_until=now + timedelta(seconds=1))
    Notification.objects.filter(pk=email.pk).update(leased_until=now - timedelta(seconds=1))

    assert notifications_sweep(now=now) == 1
    assert queued == [email.pk]


def test_a_result_recorded_after_the_row_was_given_up_does_not_revive_it(monkeypatch):
    """The endpoint was deleted while its webhook was in flight: the row stays failed."""
    request = submit(make_parties())
    email = row(request, "request_submitted", NotificationChannel.EMAIL)

    def send(self, notification):
        Notification.objects.filter(pk=notification.pk).update(status=NotificationStatus.FAILED, last_error="deleted")

    monkeypatch.setattr(channels.EmailChannel, "send", send)
    notification_deliver(notification_id=email.pk, now=NOW)

    email.refresh_from_db()
    assert (email.status, email.last_error, email.sent_at) == ("failed", "deleted", None)


# --- webhooks: their own queue, a limit per endpoint -------------------------------------------------


def test_webhook_rows_go_to_the_webhook_task_on_its_own_queue_and_the_others_do_not(monkeypatch):
    published = []
    monkeypatch.setattr(tasks.deliver_webhook, "apply_async", lambda args, **o: published.append(("webhook", *args)))
    monkeypatch.setattr(tasks.deliver_notification, "apply_async", lambda args, **o: published.append(("other", *args)))
    parties = make_parties()
    endpoint = endpoint_of(parties.order.partner)
    request = submit(parties)
    email = row(request, "request_submitted", NotificationChannel.EMAIL)
    inbox = row(request, "request_submitted", NotificationChannel.INBOX)
    webhook = row(request, "request_submitted", NotificationChannel.WEBHOOK, webhook_endpoint=endpoint)

    tasks.enqueue_delivery([inbox.pk, email.pk, webhook.pk])

    assert published == [("other", inbox.pk), ("other", email.pk), ("webhook", webhook.pk)]
    router = celery_app.amqp.router
    assert router.route({}, "reship.deliver_webhook")["queue"].name == "webhooks"
    assert router.route({}, "reship.deliver_notification")["queue"].name == celery_app.conf.task_default_queue


def test_every_delivery_task_has_a_soft_and_a_hard_time_limit_inside_the_lease(settings):
    for name in ("reship.deliver_notification", "reship.deliver_webhook"):
        task = celery_app.tasks[name]
        assert (task.soft_time_limit, task.time_limit) == (60, 75), name
        assert task.time_limit < settings.RESHIP_NOTIFY_LEASE_SECONDS
    assert (celery_app.conf.task_soft_time_limit, celery_app.conf.task_time_limit) == (600, 660)


def _endpoint_rows(parties, endpoint, count):
    return [
        Notification.objects.create(
            channel=NotificationChannel.WEBHOOK,
            template="webhook_test",
            recipient_address=endpoint.url,
            webhook_endpoint=endpoint,
            language="en",
            next_attempt_at=NOW - timedelta(seconds=1),
        )
        for _ in range(count)
    ]


def test_an_endpoint_with_its_limit_of_sends_in_flight_gets_no_more_and_others_are_not_held(
    webhook_server,  # noqa: F811
    monkeypatch,
):
    parties = make_parties()
    slow = endpoint_of(parties.order.partner, webhook_server.url + "/slow")
    other = endpoint_of(parties.order.partner, webhook_server.url + "/other")
    in_flight = _endpoint_rows(parties, slow, 3)
    Notification.objects.filter(pk__in=[each.pk for each in in_flight[:2]]).update(
        leased_until=NOW + timedelta(seconds=30)
    )
    [waiting] = _endpoint_rows(parties, slow, 1)
    [elsewhere] = _endpoint_rows(parties, other, 1)
    requeued = []
    monkeypatch.setattr(tasks.deliver_webhook, "apply_async", lambda args, **o: requeued.append((args, o)))

    assert notification_deliver(notification_id=waiting.pk, now=NOW) == "busy"
    assert notification_deliver(notification_id=elsewhere.pk, now=NOW) == "sent"
    # The task asks again shortly, on the queue it came from, without counting an attempt.
    monkeypatch.setattr("reship.notifications.tasks.notification_deliver", lambda **kwargs: "busy")
    tasks.deliver_webhook.push_request(delivery_info={"routing_key": "webhooks-eu"}, is_eager=False)
    try:
        assert tasks.deliver_webhook.run(waiting.pk) == "busy"
    finally:
        tasks.deliver_webhook.pop_request()
    assert requeued == [((waiting.pk,), {"retry": False, "countdown": 2, "queue": "webhooks-eu"})]
    waiting.refresh_from_db()
    assert (waiting.status, waiting.attempts, waiting.leased_until) == ("pending", 0, None)
    assert [json.loads(each.body)["id"] for each in webhook_server.received] == [str(elsewhere.delivery_key)]
    # Once one of the two finishes (its lease cleared), the waiting row goes out.
    Notification.objects.filter(pk=in_flight[0].pk).update(leased_until=None, status=NotificationStatus.SENT)
    assert notification_deliver(notification_id=waiting.pk, now=NOW) == "sent"


# --- faults of the transports ------------------------------------------------------------------------


def test_rows_the_broker_never_got_are_swept_on_the_next_run_not_a_minute_later(monkeypatch):
    def broker_down(args, **options):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.deliver_notification, "apply_async", broker_down)
    monkeypatch.setattr(tasks, "enqueue_delivery", tasks.enqueue_delivery)
    request = submit(make_parties())  # queued on commit: outside a transaction here, at once
    # The inbox row pending too, as written before inbox rows were written sent.
    Notification.objects.filter(request=request).update(status=NotificationStatus.PENDING, sent_at=None)
    ids = set(Notification.objects.filter(request=request).values_list("pk", flat=True))
    tasks.enqueue_delivery(sorted(ids))

    swept = []
    monkeypatch.setattr(tasks, "enqueue_delivery", lambda ids, **kwargs: swept.extend(ids) or True)
    assert notifications_sweep(now=timezone.now()) == 2
    assert set(swept) == ids


class SilentSmtpServer:
    """Accepts connections and never says a word: an SMTP server that hangs."""

    def __init__(self):
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.held = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        try:
            while True:
                self.held.append(self.socket.accept()[0])
        except OSError:
            pass

    def close(self):
        for each in self.held:
            each.close()
        self.socket.close()


def _deliver_an_email_to(server, settings):
    """Deliver a new request's e-mail through ``server`` with EMAIL_TIMEOUT=1; the row and the time
    the delivery took (the server is closed after it)."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS, settings.EMAIL_TIMEOUT = (
        "127.0.0.1",
        server.port,
        False,
        1,
    )
    request = submit(make_parties())
    email = row(request, "request_submitted", NotificationChannel.EMAIL)
    try:
        started = time.monotonic()
        assert notification_deliver(notification_id=email.pk, now=NOW) == "retry"
        return email, time.monotonic() - started
    finally:
        server.close()


def test_a_mail_server_that_hangs_is_given_up_after_email_timeout(settings):
    server = SilentSmtpServer()
    email, took = _deliver_an_email_to(server, settings)

    assert took < 3
    email.refresh_from_db()
    assert email.last_error == "DeliveryError: The mail server did not finish within 1 s"
    assert email.leased_until is None


def test_a_webhook_receiver_that_never_answers_is_given_up_at_the_deadline(settings):
    server = SilentSmtpServer()  # the same silence, over HTTP
    settings.RESHIP_WEBHOOK_ALLOW_PRIVATE = True
    settings.RESHIP_WEBHOOK_TIMEOUT_SECONDS = 1
    request = submit(make_parties(webhook_url=f"http://127.0.0.1:{server.port}/hook"))
    webhook = row(request, "request_submitted", NotificationChannel.WEBHOOK)
    try:
        started = time.monotonic()
        assert notification_deliver(notification_id=webhook.pk, now=NOW) == "retry"
        took = time.monotonic() - started
    finally:
        server.close()

    assert took < 1.5
    webhook.refresh_from_db()
    assert webhook.last_error == "DeliveryError: The webhook did not answer: no answer within 1 s."


def test_every_webhook_attempt_carries_the_rows_id_in_the_body_and_both_headers(webhook_server):  # noqa: F811
    webhook_server.statuses.append(500)
    request = submit(make_parties(webhook_url=webhook_server.url))
    webhook = row(request, "request_submitted", NotificationChannel.WEBHOOK)

    notification_deliver(notification_id=webhook.pk, now=NOW)
    notification_deliver(notification_id=webhook.pk, now=NOW + timedelta(seconds=30))

    ids = [
        (each.headers["Webhook-Id"], each.headers["X-Reship-Delivery"], json.loads(each.body)["id"])
        for each in webhook_server.received
    ]
    assert ids == [(str(webhook.delivery_key),) * 3] * 2


class TricklingSmtpServer:
    """Accepts connections and sends its greeting one byte every 0.3 s, for up to 8 s: each read
    gets a byte well within EMAIL_TIMEOUT, so a limit per socket operation never fires."""

    def __init__(self):
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.stop = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        try:
            client = self.socket.accept()[0]
        except OSError:
            return
        with client:
            for byte in (b"220 mail.example.com ESMTP " + b"." * 100)[:27]:
                if self.stop.wait(0.3):
                    return
                try:
                    client.sendall(bytes([byte]))
                except OSError:
                    return

    def close(self):
        self.stop.set()
        self.socket.close()


def test_a_mail_server_that_trickles_is_given_up_at_email_timeout_in_all(settings):
    server = TricklingSmtpServer()
    email, took = _deliver_an_email_to(server, settings)

    assert took < 2.5  # the whole exchange within EMAIL_TIMEOUT, not 8 s of trickling
    email.refresh_from_db()
    assert email.last_error == "DeliveryError: The mail server did not finish within 1 s"
    assert email.leased_until is None
