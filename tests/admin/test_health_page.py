"""The admin's health page (/admin/health/, reship.admin.health): the outbox's figures, retrying one
row, a selection and all of an endpoint's failed rows through the delivery's own retry, the endpoints
that keep failing (and the organisation told once per streak), stuck imports, overdue requests by
partner, who may see it, and its query count."""

from datetime import timedelta

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Permission
from django.utils import timezone

from orders.choices import ImportKind, ImportStatus
from orders.models import ImportJob
from reship.choices import NotificationChannel, NotificationStatus, RequestStatus
from reship.models import Notification, WebhookEndpoint
from reship.notifications import tasks as notification_tasks
from reship.notifications.delivery import notification_deliver
from reship.services.inbox import inbox_entry
from tests.admin_factories import NotificationFactory
from tests.factories import (
    OrderFactory,
    PartnerFactory,
    PartnerMembershipFactory,
    ReshipRequestFactory,
    SellerFactory,
    SellerMembershipFactory,
    UserFactory,
)
from tests.notifications.test_delivery import webhook_server  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db

HEALTH = "/admin/health/"


def failed(**fields):
    return NotificationFactory(
        **{
            "status": NotificationStatus.FAILED,
            "attempts": 6,
            "sent_at": None,
            "last_error": "HTTPError: 500",
            **fields,
        }
    )


def endpoint_of(seller=None, partner=None, url="https://hooks.example.com/reship", **fields):
    return WebhookEndpoint.objects.create(seller=seller, partner=partner, url=url, secret="s" * 32, **fields)


def import_job(*, status, seller, **moments):
    return ImportJob.objects.create(
        kind=ImportKind.ORDERS,
        seller=seller,
        file="imports/orders.csv",
        original_filename="orders-december.csv",
        language="en",
        status=status,
        **moments,
    )


@pytest.fixture
def scene(db):
    return make_scene()


def make_scene():
    """Three pending rows (the oldest written 2 h 30 min ago); six failed in the last day (two emails,
    three to a seller's endpoint, one to a partner's legacy address) and one two days ago; sent rows;
    an endpoint 10 failures into a streak and one 9 in; imports stuck and not; overdue requests."""
    now = timezone.now()
    shop = SellerFactory(name="Blue Shop")
    north = PartnerFactory(
        name="North Dropship", webhook_url="https://north.example.com/legacy-hook", webhook_secret="n" * 32
    )
    south = PartnerFactory(name="South Dropship")
    for minutes in (150, 30, 5):
        NotificationFactory(
            status=NotificationStatus.PENDING, attempts=0, sent_at=None, created_at=now - timedelta(minutes=minutes)
        )
    NotificationFactory.create_batch(2)  # sent
    emails = [failed(created_at=now - timedelta(hours=hours)) for hours in (1, 3)]
    shop_endpoint = endpoint_of(seller=shop)
    to_endpoint = [
        failed(
            channel=NotificationChannel.WEBHOOK,
            webhook_endpoint=shop_endpoint,
            recipient_address=shop_endpoint.url,
            created_at=now - timedelta(hours=hours),
        )
        for hours in (2, 4, 6)
    ]
    legacy_request = ReshipRequestFactory(order=OrderFactory(partner=north))
    legacy = failed(
        channel=NotificationChannel.WEBHOOK,
        recipient_address="https://north.example.com/legacy-hook",
        request=legacy_request,
        created_at=now - timedelta(hours=5),
    )
    old = failed(created_at=now - timedelta(days=2))
    streak = endpoint_of(
        partner=south,
        url="https://south.example.com/hooks",
        consecutive_failures=10,
        failing_since=now - timedelta(hours=7),
        failing_told_at=now - timedelta(hours=6),
    )
    endpoint_of(
        seller=shop,
        url="https://almost.example.com/hooks",
        consecutive_failures=9,
        failing_since=now - timedelta(hours=1),
    )
    stuck_queued = import_job(status=ImportStatus.QUEUED, seller=shop, progress_at=now - timedelta(minutes=45))
    stuck_running = import_job(
        status=ImportStatus.RUNNING,
        seller=shop,
        started_at=now - timedelta(hours=2),
        progress_at=now - timedelta(hours=1),
    )
    import_job(status=ImportStatus.RUNNING, seller=shop, started_at=now - timedelta(minutes=5))
    import_job(status=ImportStatus.QUEUED, seller=shop, progress_at=now - timedelta(minutes=10))
    import_job(status=ImportStatus.DONE, seller=shop, started_at=now - timedelta(hours=3))
    for partner, hours, status in [
        (north, 3, RequestStatus.SUBMITTED),
        (north, 30, RequestStatus.APPROVED),
        (north, 50, RequestStatus.CLOSED),  # past its due time, but closed
        (south, 1, RequestStatus.NEEDS_INFO),
        (south, -5, RequestStatus.SUBMITTED),  # due in five hours
    ]:
        ReshipRequestFactory(
            order=OrderFactory(partner=partner), status=status, stage_due_at=now - timedelta(hours=hours)
        )
    return {
        "now": now,
        "shop": shop,
        "north": north,
        "south": south,
        "emails": emails,
        "shop_endpoint": shop_endpoint,
        "to_endpoint": to_endpoint,
        "legacy": legacy,
        "old": old,
        "streak": streak,
        "stuck": [stuck_running, stuck_queued],
    }


def test_the_page_shows_the_outbox_imports_and_overdue_figures(admin_client, scene, settings):
    settings.RESHIP_WEBHOOK_FAILING_AFTER = 10
    settings.RESHIP_IMPORT_STUCK_MINUTES = 30

    response = admin_client.get(HEALTH)

    assert response.status_code == 200
    context = response.context
    outbox = context["outbox"]
    assert outbox.pending == 3
    assert (
        outbox.oldest_pending_at
        == Notification.objects.get(
            status="pending", attempts=0, created_at__lt=scene["now"] - timedelta(minutes=100)
        ).created_at
    )
    assert timedelta(minutes=150) <= context["oldest_pending_age"] < timedelta(minutes=152)
    assert outbox.failed == 6
    assert [(row["label"], row["failed"]) for row in context["failed_by_channel"]] == [("Webhook", 4), ("Email", 2)]
    assert [(row["url"], row["side"], row["organisation"], row["failed"]) for row in outbox.failed_by_endpoint] == [
        ("https://hooks.example.com/reship", "seller", "Blue Shop", 3),
        ("https://north.example.com/legacy-hook", "partner", "North Dropship", 1),
    ]
    assert outbox.failed_by_endpoint[0]["endpoint_id"] == scene["shop_endpoint"].pk
    assert outbox.failed_by_endpoint[1]["legacy_url"] == "https://north.example.com/legacy-hook"
    failed_ids = [each["row"].pk for each in context["failed_rows"]]
    expected = [
        scene["emails"][0],
        scene["to_endpoint"][0],
        scene["emails"][1],
        scene["to_endpoint"][1],
        scene["legacy"],
        scene["to_endpoint"][2],
    ]
    assert failed_ids == [row.pk for row in expected]  # the latest first; not the one of two days ago
    assert [endpoint.url for endpoint in outbox.endpoints_failing] == ["https://south.example.com/hooks"]
    assert [job.pk for job in context["stuck_imports"]] == [job.pk for job in scene["stuck"]]
    assert context["stuck_count"] == 2
    assert [(row["partner__name"], row["overdue"]) for row in context["overdue_by_partner"]] == [
        ("North Dropship", 2),
        ("South Dropship", 1),
    ]
    assert context["overdue_total"] == 3
    page = response.content.decode()
    assert "Seller: Blue Shop" in page
    assert "Dropship partner: North Dropship" in page
    assert "Retry all 3 failed" in page
    assert "Imports stuck: 2" in page
    assert "Overdue requests: 3" in page
    assert scene["now"].astimezone(timezone.get_current_timezone()).strftime("%Y-%m-%d") in page


def test_the_index_links_to_the_page(admin_client):
    page = admin_client.get("/admin/").content.decode()

    assert f'<a href="{HEALTH}">Platform health: notifications, webhooks, imports and overdue requests</a>' in page


def test_the_page_reads_in_chinese(admin_client, admin_user, scene):
    admin_user.language = "zh-hans"
    admin_user.save(update_fields=["language"])

    page = admin_client.get(HEALTH, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert "平台健康状况" in page
    assert "卖家：Blue Shop" in page
    assert "代发方：North Dropship" in page
    assert "Failed" not in page
    assert "Retry" not in page


# --- retrying ------------------------------------------------------------------------------------


@pytest.fixture
def queued(monkeypatch):
    """What the retry hands to Celery after its commit (the broker's side is the delivery tests')."""
    calls: list[list[int]] = []
    monkeypatch.setattr(notification_tasks, "enqueue_delivery", lambda ids: calls.append(list(ids)))
    return calls


def statuses(*rows):
    return [
        (row.status, row.attempts)
        for row in Notification.objects.filter(pk__in=[row.pk for row in rows]).order_by("pk")
    ]


def test_retrying_one_row_queues_it_again(admin_client, admin_user, scene, queued, django_capture_on_commit_callbacks):
    row = scene["emails"][0]

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(HEALTH, {"one": str(row.pk), "notification": [str(scene["legacy"].pk)]})

    assert (response.status_code, response["Location"]) == (302, HEALTH)
    assert statuses(row, scene["legacy"]) == [("pending", 0), ("failed", 6)]
    assert queued == [[row.pk]]
    page = admin_client.get(HEALTH)
    assert [str(message) for message in page.context["messages"]] == ["Queued 1 notification for delivery again."]
    assert LogEntry.objects.get(action_flag=CHANGE, user=admin_user).object_id == str(row.pk)


def test_retrying_a_selection_queues_the_failed_ones_and_skips_the_others(
    admin_client, scene, queued, django_capture_on_commit_callbacks
):
    chosen = [scene["emails"][1], scene["legacy"]]
    sent = NotificationFactory()

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            HEALTH, {"selected": "1", "notification": [str(row.pk) for row in [*chosen, sent]]}, follow=True
        )

    assert statuses(*chosen) == [("pending", 0), ("pending", 0)]
    assert statuses(sent) == [("sent", 1)]
    assert queued == [sorted(row.pk for row in chosen)]
    assert [str(message) for message in response.context["messages"]] == [
        "Queued 2 notifications for delivery again.",
        "Skipped 1 notification that had not failed.",
    ]


def test_retrying_all_of_an_endpoint_queues_its_failed_rows_of_the_day(
    admin_client, scene, queued, django_capture_on_commit_callbacks
):
    endpoint = scene["shop_endpoint"]
    older = failed(
        channel=NotificationChannel.WEBHOOK, webhook_endpoint=endpoint, created_at=scene["now"] - timedelta(days=3)
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(HEALTH, {"endpoint": str(endpoint.pk)}, follow=True)

    assert statuses(*scene["to_endpoint"]) == [("pending", 0)] * 3
    assert statuses(older, scene["legacy"], *scene["emails"]) == [("failed", 6)] * 4
    assert queued == [sorted(row.pk for row in scene["to_endpoint"])]
    assert [str(message) for message in response.context["messages"]] == ["Queued 3 notifications for delivery again."]


def test_retrying_all_of_a_legacy_address(admin_client, scene, queued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(HEALTH, {"legacy": "https://north.example.com/legacy-hook"})

    assert statuses(scene["legacy"]) == [("pending", 0)]
    assert queued == [[scene["legacy"].pk]]


def test_a_retried_row_leaves_the_page(admin_client, scene, queued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(HEALTH, {"endpoint": str(scene["shop_endpoint"].pk)})

    outbox = admin_client.get(HEALTH).context["outbox"]
    assert (outbox.pending, outbox.failed) == (6, 3)


def test_rows_of_a_deleted_endpoint_show_by_address_with_no_retry_all(admin_client, scene, queued):
    gone = failed(
        channel=NotificationChannel.WEBHOOK,
        recipient_address="https://gone.example.com/hooks",
        last_error="The webhook endpoint was deleted.",
    )

    response = admin_client.get(HEALTH)
    admin_client.post(HEALTH, {"legacy": "https://gone.example.com/hooks"})

    rows = {row["url"]: row for row in response.context["outbox"].failed_by_endpoint}
    assert (rows[gone.recipient_address]["organisation"], rows[gone.recipient_address]["legacy_url"]) == ("", "")
    assert rows["https://north.example.com/legacy-hook"]["organisation"] == "North Dropship"
    page = response.content.decode()
    assert 'https://gone.example.com/hooks <span class="quiet">(endpoint deleted)</span>' in page
    assert page.count('name="legacy"') == 1  # the partner's own address only
    assert statuses(gone) == [("failed", 6)]
    assert queued == []


# --- who may see it --------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["seller", "partner", "anonymous"])
def test_others_get_the_admin_login_and_change_nothing(client, scene, who, django_capture_on_commit_callbacks):
    if who == "seller":
        client.force_login(SellerMembershipFactory(seller=scene["shop"]).user)
    elif who == "partner":
        client.force_login(PartnerMembershipFactory(partner=scene["north"]).user)

    page = client.get(HEALTH)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        posted = client.post(HEALTH, {"endpoint": str(scene["shop_endpoint"].pk)})

    assert page.status_code == posted.status_code == 302
    assert page["Location"] == f"/admin/login/?next={HEALTH}"
    assert statuses(*scene["to_endpoint"]) == [("failed", 6)] * 3
    assert callbacks == []


def test_staff_of_an_organisation_get_a_404(client, scene):
    member = SellerMembershipFactory(seller=scene["shop"], user=UserFactory(is_staff=True, is_superuser=True)).user
    client.force_login(member)

    assert client.get(HEALTH).status_code == 404
    assert client.post(HEALTH, {"endpoint": str(scene["shop_endpoint"].pk)}).status_code == 404
    assert statuses(*scene["to_endpoint"]) == [("failed", 6)] * 3


def test_staff_who_may_only_view_notifications_see_the_page_without_retry(client, scene):
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_notification"))
    client.force_login(viewer)

    page = client.get(HEALTH)
    posted = client.post(HEALTH, {"one": str(scene["emails"][0].pk)})

    assert page.status_code == 200
    assert "Retry" not in page.content.decode()
    assert posted.status_code == 404
    assert statuses(scene["emails"][0]) == [("failed", 6)]


def test_staff_who_may_not_view_notifications_get_a_404(client, db):
    client.force_login(UserFactory(is_staff=True))

    assert client.get(HEALTH).status_code == 404


# --- the query count ---------------------------------------------------------------------------------

# session, user, pending, failed by channel, failed by endpoint, latest failed, endpoints failing,
# stuck imports, overdue by partner.
PAGE_QUERIES = 9


def test_the_page_costs_the_same_queries_however_many_rows(admin_client, scene, django_assert_num_queries):
    with django_assert_num_queries(PAGE_QUERIES):
        admin_client.get(HEALTH)

    now = scene["now"]
    for index in range(20):
        failed(
            channel=NotificationChannel.WEBHOOK,
            recipient_address=f"https://more{index}.example.com/",
            created_at=now - timedelta(minutes=index),
        )
        endpoint_of(partner=scene["south"], url=f"https://south{index}.example.com/", consecutive_failures=20)
        import_job(status=ImportStatus.QUEUED, seller=scene["shop"], progress_at=now - timedelta(hours=1))
        ReshipRequestFactory(order=OrderFactory(partner=PartnerFactory()), stage_due_at=now - timedelta(hours=1))

    with django_assert_num_queries(PAGE_QUERIES):
        admin_client.get(HEALTH)


# --- an endpoint that keeps failing --------------------------------------------------------------------


def test_the_organisation_is_told_once_per_streak(settings, webhook_server):  # noqa: F811
    settings.RESHIP_WEBHOOK_FAILING_AFTER = 3
    settings.RESHIP_NOTIFY_MAX_ATTEMPTS = 6
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    shop = SellerFactory(name="Blue Shop")
    reader = SellerMembershipFactory(seller=shop, user=UserFactory(email_notifications=False)).user
    emailed = SellerMembershipFactory(seller=shop, user=UserFactory(email_notifications=True, language="zh-hans")).user
    SellerMembershipFactory(seller=SellerFactory())  # another shop's staff
    endpoint = endpoint_of(seller=shop, url=webhook_server.url)

    def pending_webhook(**fields):
        return NotificationFactory(
            channel=NotificationChannel.WEBHOOK,
            webhook_endpoint=endpoint,
            recipient_address=endpoint.url,
            status=NotificationStatus.PENDING,
            attempts=0,
            sent_at=None,
            **fields,
        )

    first, second = [pending_webhook(template="request_approved") for _ in range(2)]
    moment = timezone.now()

    def attempt(row, status):
        nonlocal moment
        moment += timedelta(hours=2)  # past any retry delay
        webhook_server.statuses.append(status)
        return notification_deliver(notification_id=row.pk, now=moment)

    def told():
        return list(Notification.objects.filter(template="webhook_failing").order_by("pk"))

    assert [attempt(first, 500), attempt(second, 500)] == ["retry", "retry"]
    endpoint.refresh_from_db()
    assert (endpoint.consecutive_failures, told()) == (2, [])

    assert attempt(first, 500) == "retry"  # the third in a row
    rows = told()
    assert [(row.channel, row.recipient_user, row.status) for row in rows] == [
        ("inbox", reader, "sent"),
        ("inbox", emailed, "sent"),
        ("email", emailed, "pending"),  # the sweeper sends it
    ]
    entry = inbox_entry(rows[0], user=reader)
    assert entry.subject == "Your webhook to 127.0.0.1 keeps failing"
    assert entry.excerpt.startswith("The last 3 sends to your webhook endpoint at 127.0.0.1 failed, one after another.")
    assert rows[0].payload["last_error"] == "DeliveryError: The webhook answered HTTP 500: no"
    assert inbox_entry(rows[1], user=emailed).subject == "发往 127.0.0.1 的 Webhook 持续失败"

    assert [attempt(second, 500), attempt(first, 500)] == ["retry", "retry"]  # the streak goes on
    endpoint.refresh_from_db()
    assert (endpoint.consecutive_failures, len(told())) == (5, 3)

    assert attempt(second, 200) == "sent"  # a send goes through: the streak ends
    endpoint.refresh_from_db()
    assert (endpoint.consecutive_failures, endpoint.failing_since, endpoint.failing_told_at) == (0, None, None)

    third = pending_webhook()
    assert [attempt(first, 500), attempt(third, 500)] == ["retry", "retry"]  # a new streak: 1, 2
    assert len(told()) == 3
    assert attempt(third, 500) == "retry"  # the new streak's third
    assert len(told()) == 6
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failures == 3
