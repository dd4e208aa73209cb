"""Reminders when a stage falls due and escalations at twice the SLA: once each, to the right people."""

from datetime import timedelta

import pytest
from django.utils import timezone

from reship import workflow
from reship.choices import EventKind
from reship.models import Notification, ReshipEvent
from reship.workflow.timeliness import deadlines_check
from tests.factories import UserFactory
from tests.workflow_states import make_parties

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(db):
    """A request submitted at T; the partner's review SLA is 24 hours."""
    parties = make_parties()
    UserFactory(username="ops", is_superuser=True, is_staff=True, email="ops@reship.example")
    start = timezone.now()
    order_line = parties.order.lines.first()
    request = workflow.reship_submit(
        actor=parties.seller,
        order_id=parties.order.pk,
        reason="damaged",
        lines=[workflow.LineRequest(order_line.pk, 1, "resend")],
        now=start,
    )
    Notification.objects.all().delete()
    return parties, request, start


def _overdue_events(request):
    return list(
        ReshipEvent.objects.filter(request=request, kind=EventKind.OVERDUE).values_list("data__level", flat=True)
    )


def test_nothing_happens_before_the_due_time(submitted):
    _parties, request, start = submitted

    assert deadlines_check(now=start + timedelta(hours=23, minutes=59)) == {"reminded": 0, "escalated": 0}
    assert Notification.objects.count() == 0


def test_the_owner_is_reminded_once_when_due(submitted):
    parties, request, start = submitted

    first = deadlines_check(now=start + timedelta(hours=24))
    again = deadlines_check(now=start + timedelta(hours=30))

    assert first == {"reminded": 1, "escalated": 0}
    assert again == {"reminded": 0, "escalated": 0}
    reminders = Notification.objects.filter(template="stage_reminder")
    assert {row.payload["audience"] for row in reminders} == {"partner"}
    assert {row.recipient_user for row in reminders if row.channel == "inbox"} == {parties.partner}
    assert _overdue_events(request) == ["reminder"]


def test_escalation_at_twice_the_sla_goes_to_the_seller_and_admins_once(submitted):
    parties, request, start = submitted
    deadlines_check(now=start + timedelta(hours=24))

    first = deadlines_check(now=start + timedelta(hours=48))
    again = deadlines_check(now=start + timedelta(hours=100))

    assert first == {"reminded": 0, "escalated": 1}
    assert again == {"reminded": 0, "escalated": 0}
    escalations = Notification.objects.filter(template="stage_escalated")
    assert {(row.payload["audience"], row.channel, row.recipient_address) for row in escalations} == {
        ("seller", "inbox", ""),
        ("seller", "email", parties.seller.email),
        ("admin", "email", "ops@reship.example"),
    }
    assert _overdue_events(request) == ["reminder", "escalation"]


def test_a_sweeper_that_was_down_reminds_and_escalates_once_each(submitted):
    _parties, request, start = submitted

    assert deadlines_check(now=start + timedelta(hours=50)) == {"reminded": 1, "escalated": 1}
    assert deadlines_check(now=start + timedelta(hours=51)) == {"reminded": 0, "escalated": 0}


def test_moving_on_resets_the_clock_for_the_next_owner(submitted):
    parties, request, start = submitted
    deadlines_check(now=start + timedelta(hours=25))
    approved_at = start + timedelta(hours=26)
    workflow.reship_approve(
        request_id=request.pk,
        actor=parties.partner,
        quote_goods="0",
        quote_shipping="0",
        cost_bearer="partner",
        now=approved_at,
    )

    request.refresh_from_db()
    assert request.stage_due_at == approved_at + timedelta(hours=72)
    assert request.stage_reminded_at is None
    assert deadlines_check(now=approved_at + timedelta(hours=71)) == {"reminded": 0, "escalated": 0}
    assert deadlines_check(now=approved_at + timedelta(hours=72)) == {"reminded": 1, "escalated": 0}


def test_final_requests_are_never_reminded(submitted):
    parties, request, start = submitted
    workflow.reship_cancel(request_id=request.pk, actor=parties.seller)

    assert deadlines_check(now=start + timedelta(days=30)) == {"reminded": 0, "escalated": 0}
