"""The demo's statements (``reship.dev.demo.statements``): after ``load_demo_data`` each demo pair has
last month's statement, issued by the partner's staff through the writer, one with a disputed line,
and none of their notifications left to send."""

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from orders.models import Order
from reship.choices import NotificationStatus, StatementStatus
from reship.models import Notification, Statement, StatementEvent
from reship.settlement import periods

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_every_demo_pair_has_last_months_statement_issued_one_disputed():
    call_command("load_demo_data", stdout=io.StringIO())

    pairs = set(Order.objects.values_list("seller_id", "partner_id").distinct())
    statements = list(Statement.objects.order_by("pk"))
    start, end = periods.last_finished("monthly", timezone.now())
    assert {(each.seller_id, each.partner_id) for each in statements} == pairs
    assert {(each.period_start, each.period_end) for each in statements} == {(start, end)}
    assert all(each.issued_by is not None and each.issued_at is not None for each in statements)
    statuses = sorted(each.status for each in statements)
    assert statuses.count(StatementStatus.DISPUTED) == 1
    assert set(statuses) <= {StatementStatus.DISPUTED, StatementStatus.ISSUED}
    disputed = next(each for each in statements if each.status == StatementStatus.DISPUTED)
    assert disputed.disputed_line_count == 1
    assert StatementEvent.objects.filter(statement=disputed, kind="line_disputed").count() == 1
    assert not Notification.objects.filter(statement__isnull=False, status=NotificationStatus.PENDING).exists()


def test_a_second_load_adds_no_statement():
    call_command("load_demo_data", stdout=io.StringIO())
    first = Statement.objects.count()

    call_command("load_demo_data", stdout=io.StringIO())

    assert Statement.objects.count() == first > 0
