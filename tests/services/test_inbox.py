"""The in-app inbox: only the reader's delivered inbox rows, in the reader's language, newest first,
50 a page in a constant number of queries; the unread badge and its fragment; marking read."""

from datetime import UTC, datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reship.choices import NotificationChannel, NotificationStatus
from reship.models import Notification
from reship.notifications import outbox
from reship.notifications.delivery import notification_deliver
from reship.services.inbox import inbox_excerpt
from tests import workflow_states as states

pytestmark = pytest.mark.django_db

INBOX = reverse("account:inbox")
BADGE = reverse("account:inbox-badge")
READ_ALL = reverse("account:inbox-read-all")


@pytest.fixture
def parties():
    return states.make_parties()


@pytest.fixture
def approved(parties, django_capture_on_commit_callbacks):
    """Submitted (the partner is told) and approved (the seller is told); every row delivered."""
    with django_capture_on_commit_callbacks(execute=True):
        request = states.submit(parties)
        states.approve(parties, request)
    return request


def _inbox_rows(user):
    return Notification.objects.filter(recipient_user=user, channel=NotificationChannel.INBOX)


def _remind(request, audience="seller"):
    """A stage reminder written but not delivered yet (its task has not run). Inbox rows are written
    sent now; these are set pending, as one written before that."""
    with transaction.atomic():
        rows = outbox.announce(request=request, template="stage_reminder", audience=[audience])
    Notification.objects.filter(pk__in=[row.pk for row in rows], channel=NotificationChannel.INBOX).update(
        status=NotificationStatus.PENDING, sent_at=None, attempts=0
    )


def _remind_delivered(request, audience="seller"):
    _remind(request, audience)
    for pk in Notification.objects.filter(status=NotificationStatus.PENDING).values_list("pk", flat=True):
        notification_deliver(notification_id=pk)


def _read_url(notification):
    return reverse("account:inbox-read", args=[notification.pk])


# --- what the inbox shows ---------------------------------------------------------------------
def test_the_inbox_shows_only_the_readers_delivered_inbox_rows(client, parties, approved):
    _remind(approved)  # pending: not shown until delivered
    client.force_login(parties.seller)

    response = client.get(INBOX)

    assert response.status_code == 200
    subjects = [entry.subject for entry in response.context["entries"]]
    # The email row of the same message and the partner's "new request" row are not the seller's inbox.
    assert subjects == [f"Reship request {approved.number} approved"]
    assert f"New reship request {approved.number}" not in response.content.decode()


def test_an_english_reader_sees_the_english_subject_and_a_chinese_reader_the_chinese_one(client, parties, approved):
    parties.partner.language = "zh-hans"
    parties.partner.save(update_fields=["language"])
    client.force_login(parties.partner)

    chinese = client.get(INBOX).content.decode()

    assert f'来自 {approved.seller.name} 的新补单 <span class="number">{approved.number}</span>' in chinese


def test_entries_follow_the_readers_language_not_the_one_they_were_written_in(client, parties, approved):
    """The partner's row was written in Chinese; after switching to English it reads in English."""
    Notification.objects.filter(recipient_user=parties.partner).update(language="zh-hans")
    parties.partner.language = "en"
    parties.partner.save(update_fields=["language"])
    client.force_login(parties.partner)

    body = client.get(INBOX).content.decode()

    assert f'New reship request <span class="number">{approved.number}</span> from {approved.seller.name}' in body
    assert "的新补单" not in body


def test_an_entry_links_to_its_request_shows_a_short_text_and_is_highlighted_while_unread(client, parties, approved):
    client.force_login(parties.seller)

    response = client.get(INBOX)

    [entry] = response.context["entries"]
    assert entry.url == f"/requests/{approved.pk}/"
    assert entry.excerpt.startswith(f"{approved.partner.name} approved reship request {approved.number} for order")
    assert "Hello" not in entry.excerpt
    body = response.content.decode()
    assert (
        f'<a href="/requests/{approved.pk}/">Reship request <span class="number">{approved.number}</span> approved</a>'
        in body
    )
    assert 'class="inbox-entry is-unread"' in body
    assert ">Mark as read</button>" in body


def test_the_excerpt_drops_greeting_signature_and_footer():
    text = (
        "Hello Li,\n\nFast Dropship approved reship request RS-1.\n\nThe quote:\n- Goods: 10 CNY\n\n"
        "Kind regards,\nReship\n\n--\nAn automatic message from Reship."
    )

    assert inbox_excerpt(text) == "Fast Dropship approved reship request RS-1. The quote: Goods: 10 CNY"
    assert inbox_excerpt("Just one line.") == "Just one line."
    assert inbox_excerpt("Hello,\n\n" + "word " * 100 + "\n\nKind regards,\nReship", limit=20) == (
        "word word word word…"
    )


def test_a_chinese_excerpt_has_no_space_after_full_width_punctuation_nor_list_dashes():
    text = (
        "李先生，您好：\n\n代发方已批准补单 RS-1。\n原因： 商品破损\n\n报价：\n- 货款： 120.00 CNY\n"
        "- 运费： 18.00 CNY\n\n此致，\nReship\n\n--\nReship 自动发送。"
    )

    assert inbox_excerpt(text) == "代发方已批准补单 RS-1。原因：商品破损 报价：货款：120.00 CNY 运费：18.00 CNY"


def test_the_inbox_is_newest_first_50_a_page(client, parties, approved):
    for _ in range(50):
        _remind_delivered(approved)
    client.force_login(parties.seller)

    first = client.get(INBOX)
    second = client.get(INBOX, {"page": 2})

    reminder = f"Reminder: reship request {approved.number} is waiting for you"
    assert [entry.subject for entry in first.context["entries"]] == [reminder] * 50
    assert [entry.subject for entry in second.context["entries"]] == [f"Reship request {approved.number} approved"]
    assert "Page 1 of 2" in first.content.decode()


def test_the_inbox_page_needs_the_same_queries_for_1_and_for_50_entries(client, parties, approved):
    client.force_login(parties.seller)
    client.get(INBOX)  # warm up: first-request work (e.g. content types) is not the page's
    with CaptureQueriesContext(connection) as one:
        assert len(client.get(INBOX).context["entries"]) == 1

    for _ in range(49):
        _remind_delivered(approved)
    with CaptureQueriesContext(connection) as fifty:
        assert len(client.get(INBOX).context["entries"]) == 50

    assert len(fifty) == len(one)


def test_the_inbox_needs_a_login(client):
    response = client.get(INBOX)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- the badge -------------------------------------------------------------------------------
def test_the_badge_counts_unread_delivered_inbox_rows(client, parties, approved):
    _remind_delivered(approved)
    _remind(approved)  # written, not delivered: not counted (the inbox does not show it either)
    client.force_login(parties.seller)

    fragment = client.get(BADGE).content.decode()

    assert '<span class="badge">2</span>' in fragment
    assert 'hx-trigger="every 30s"' in fragment
    assert 'id="menu-badge" class="badge-slot" hx-swap-oob="true"' in fragment


def test_every_page_shows_the_badge_in_the_navigation(client, parties, approved):
    client.force_login(parties.seller)

    body = client.get(reverse("account:profile")).content.decode()

    assert f'hx-get="{BADGE}" hx-trigger="every 30s" hx-swap="outerHTML"> <span class="badge">1</span>' in body


def test_the_badge_is_empty_when_everything_is_read(client, parties, approved):
    _inbox_rows(parties.seller).update(read_at=datetime(2026, 1, 1, tzinfo=UTC))
    client.force_login(parties.seller)

    fragment = client.get(BADGE).content.decode()

    assert 'class="badge"' not in fragment
    assert 'id="inbox-badge"' in fragment


def test_the_poll_interval_is_a_setting(client, parties, settings):
    settings.RESHIP_INBOX_POLL_SECONDS = 5
    client.force_login(parties.seller)

    assert 'hx-trigger="every 5s"' in client.get(BADGE).content.decode()


def test_a_signed_out_tab_is_told_to_stop_polling(client):
    response = client.get(BADGE)

    assert response.status_code == 286
    assert response.content == b""


def test_the_badge_count_uses_the_unread_index(parties, approved):
    if connection.vendor != "sqlite":
        pytest.skip("the query plan is checked on SQLite; PostgreSQL plans by table statistics")
    from reship.services.inbox import inbox_unread_count

    with CaptureQueriesContext(connection) as queries:
        inbox_unread_count(user=parties.seller)
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + queries[0]["sql"])
        plan = " ".join(str(row) for row in cursor.fetchall())

    assert "notification_unread" in plan


# --- marking read ------------------------------------------------------------------------------
def test_mark_as_read_marks_one_entry_and_returns_to_the_inbox(client, parties, approved):
    _remind_delivered(approved)
    reminder, approval = _inbox_rows(parties.seller).order_by("-created_at", "-id")
    client.force_login(parties.seller)

    response = client.post(_read_url(approval))

    assert response.status_code == 302
    assert response["Location"] == INBOX
    approval.refresh_from_db()
    reminder.refresh_from_db()
    assert approval.read_at is not None
    assert reminder.read_at is None
    assert '<span class="badge">1</span>' in client.get(BADGE).content.decode()


def test_mark_as_read_keeps_the_page_the_reader_was_on(client, parties, approved):
    client.force_login(parties.seller)
    [approval] = _inbox_rows(parties.seller)

    response = client.post(_read_url(approval), {"page": "2"})

    assert response["Location"] == f"{INBOX}?page=2"


def test_mark_as_read_with_htmx_swaps_the_entry_and_updates_the_badges(client, parties, approved):
    client.force_login(parties.seller)
    [approval] = _inbox_rows(parties.seller)

    body = client.post(_read_url(approval), headers={"HX-Request": "true"}).content.decode()

    assert body.startswith(f'<li id="notification-{approval.pk}" class="inbox-entry">')
    assert "Mark as read" not in body
    assert 'id="inbox-badge" class="badge-slot"' in body
    assert 'id="menu-badge" class="badge-slot" hx-swap-oob="true"></span>' in body
    assert "Everything is read." in body


def test_reading_twice_keeps_the_first_time(client, parties, approved):
    client.force_login(parties.seller)
    [approval] = _inbox_rows(parties.seller)
    first_read = datetime(2026, 1, 1, tzinfo=UTC)
    _inbox_rows(parties.seller).update(read_at=first_read)

    client.post(_read_url(approval))

    approval.refresh_from_db()
    assert approval.read_at == first_read


def test_mark_all_as_read_marks_only_the_readers_delivered_rows(client, parties, approved):
    _remind_delivered(approved)
    _remind_delivered(approved, audience="partner")
    _remind(approved)  # pending: stays unread, so it shows as new once delivered
    client.force_login(parties.seller)

    response = client.post(READ_ALL)

    assert response.status_code == 302
    seller_rows = _inbox_rows(parties.seller)
    assert sorted((row.status, row.read_at is None) for row in seller_rows) == [
        ("pending", True),
        ("sent", False),
        ("sent", False),
    ]
    assert not _inbox_rows(parties.partner).filter(read_at__isnull=False).exists()
    assert "All notifications are marked as read." in client.get(INBOX).content.decode()


def test_reading_by_get_changes_nothing(client, parties, approved):
    client.force_login(parties.seller)
    [approval] = _inbox_rows(parties.seller)

    assert client.get(_read_url(approval)).status_code == 405
    assert client.get(READ_ALL).status_code == 405

    assert not _inbox_rows(parties.seller).filter(read_at__isnull=False).exists()


def test_another_users_notification_is_not_found(client, parties, approved):
    [partners] = _inbox_rows(parties.partner)
    client.force_login(parties.seller)

    assert client.post(_read_url(partners)).status_code == 404
    assert client.post(reverse("account:inbox-read", args=[partners.pk + 1000])).status_code == 404

    partners.refresh_from_db()
    assert partners.read_at is None


def test_an_undelivered_row_cannot_be_marked_read(client, parties, approved):
    _remind(approved)
    pending = _inbox_rows(parties.seller).get(status=NotificationStatus.PENDING)
    client.force_login(parties.seller)

    assert client.post(_read_url(pending)).status_code == 404
