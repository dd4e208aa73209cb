"""A worker's delivery task takes a batch (``delivery.notifications_deliver``): with its own row, the
rows due that no one is sending, through one connection to the mail server; and a task whose row a
batch already sent still takes the rows due, so rows written after a backlog of such tasks do not
wait for their own (the benchmark's paced submissions after the bulk approvals: 38 s at p95)."""

import uuid
from datetime import timedelta

import pytest
from django.core import mail

from reship.choices import NotificationChannel, NotificationStatus
from reship.models import Notification
from reship.notifications.delivery import notifications_deliver
from tests.notifications.test_delivery import NOW, make_parties, row, submit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.RESHIP_NOTIFY_LEASE_SECONDS = 90


def _emails(count: int) -> list[Notification]:
    """The partner's "new request" email and ``count - 1`` copies of it to other addresses, all pending and due."""
    email = row(submit(make_parties()), "request_submitted", NotificationChannel.EMAIL)
    copies = []
    for number in range(1, count):
        email.pk, email.delivery_key = None, uuid.uuid4()
        email.recipient_address = f"copy{number}@dropship.example"
        email.save()
        copies.append(Notification.objects.get(pk=email.pk))
    return [Notification.objects.get(recipient_address="wang@dropship.example", channel="email"), *copies]


def _sent_to() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


def test_a_task_sends_its_own_row_and_the_rows_due_with_it_once():
    own, second, third = _emails(3)

    assert notifications_deliver(notification_id=own.pk, batch_size=50, now=NOW) == "sent"
    assert notifications_deliver(notification_id=second.pk, batch_size=50, now=NOW) == "skipped"  # its own task, late

    assert _sent_to() == ["copy1@dropship.example", "copy2@dropship.example", "wang@dropship.example"]
    assert set(Notification.objects.filter(channel="email").values_list("status", flat=True)) == {"sent"}


def test_a_task_whose_row_was_sent_takes_the_rows_due_that_no_one_is_sending():
    own, second, third = _emails(3)
    Notification.objects.filter(pk=own.pk).update(status=NotificationStatus.SENT, sent_at=NOW)

    assert notifications_deliver(notification_id=own.pk, batch_size=50, now=NOW) == "skipped"

    assert _sent_to() == ["copy1@dropship.example", "copy2@dropship.example"]


def test_rows_being_sent_not_yet_due_or_webhooks_are_left_to_their_own_tasks():
    own, leased, later = _emails(3)
    Notification.objects.filter(pk=own.pk).update(status=NotificationStatus.SENT, sent_at=NOW)
    Notification.objects.filter(pk=leased.pk).update(leased_until=NOW + timedelta(seconds=30), lease_id=uuid.uuid4())
    Notification.objects.filter(pk=later.pk).update(next_attempt_at=NOW + timedelta(seconds=30))
    Notification.objects.filter(channel=NotificationChannel.INBOX).update(status=NotificationStatus.PENDING)
    Notification.objects.filter(channel=NotificationChannel.INBOX).update(
        channel=NotificationChannel.WEBHOOK, recipient_address="https://hooks.example.com/reship"
    )

    assert notifications_deliver(notification_id=own.pk, batch_size=50, now=NOW) == "skipped"

    assert mail.outbox == []
    assert (
        Notification.objects.filter(status=NotificationStatus.PENDING).count()
        == 2 + Notification.objects.filter(channel=NotificationChannel.WEBHOOK).count()
    )


def test_in_process_a_task_sends_only_its_own_row():
    """Eager (``make run``, the tests): batch size 1, nothing taken along, nothing taken over."""
    own, second = _emails(2)

    assert notifications_deliver(notification_id=own.pk, batch_size=1, now=NOW) == "sent"
    Notification.objects.filter(pk=own.pk).update(status=NotificationStatus.SENT)
    assert notifications_deliver(notification_id=own.pk, batch_size=1, now=NOW) == "skipped"

    assert _sent_to() == ["wang@dropship.example"]
