"""Concurrent calls on PostgreSQL: row locks make the second caller see the first one's result."""

import threading
from collections import Counter

import pytest
from django.db import connection

from reship import workflow
from reship.choices import EventKind, RequestStatus
from reship.core.errors import InvalidInput, InvalidTransition
from reship.models import ReshipEvent, ReshipLine, ReshipRequest
from tests.workflow_states import make_parties, submit

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _run_together(calls):
    """Start every call at once on its own thread and connection; collect what each returned or raised."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            outcomes[index] = ("ok", call())
        except Exception as error:  # noqa: BLE001 - the outcome is what the test asserts
            outcomes[index] = (type(error).__name__, error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_two_submissions_cannot_over_claim_a_line():
    parties = make_parties()
    order_line = parties.order.lines.get(product__sku_code="SKU-A")  # quantity 2

    def claim_both():
        return workflow.reship_submit(
            actor=parties.seller,
            order_id=parties.order.pk,
            reason="lost_in_transit",
            lines=[workflow.LineRequest(order_line.pk, 2, "resend")],
        )

    outcomes = _run_together([claim_both, claim_both])

    assert sorted(kind for kind, _value in outcomes) == ["InvalidInput", "ok"]
    refused = next(value for kind, value in outcomes if kind == "InvalidInput")
    assert isinstance(refused, InvalidInput)
    assert "SKU-A has 0 left to claim; you asked for 2." in refused.message
    assert sum(ReshipLine.objects.filter(order_line=order_line).values_list("quantity", flat=True)) == 2


def test_twenty_concurrent_reviews_one_wins_the_rest_conflict():
    parties = make_parties()
    request = submit(parties)

    def approve():
        return workflow.reship_approve(
            request_id=request.pk, actor=parties.partner, quote_goods="10", quote_shipping="5", cost_bearer="partner"
        )

    def reject():
        return workflow.reship_reject(request_id=request.pk, actor=parties.partner, reason="Duplicate request.")

    outcomes = _run_together([approve, reject] * 10)

    kinds = Counter(kind for kind, _value in outcomes)
    assert kinds == {"ok": 1, "InvalidTransition": 19}
    assert all(isinstance(value, InvalidTransition) for kind, value in outcomes if kind != "ok")
    request.refresh_from_db()
    assert request.status in (RequestStatus.APPROVED, RequestStatus.REJECTED)
    decisions = ReshipEvent.objects.filter(request=request, kind__in=[EventKind.APPROVED, EventKind.REJECTED])
    assert decisions.count() == 1
    assert ReshipRequest.objects.count() == 1


def test_an_action_that_waited_for_the_lock_is_stamped_after_the_one_that_held_it():
    """Events in time order under contention: the moment is read once the lock is held, so a
    call that queued behind another can never carry an earlier time than the one it waited for."""
    import time

    from django.db import transaction
    from django.utils import timezone

    parties = make_parties()
    request = submit(parties)
    holding = threading.Event()
    released_at = []

    def hold_the_lock():
        with transaction.atomic():
            ReshipRequest.objects.select_for_update().get(pk=request.pk)
            holding.set()
            time.sleep(0.5)
            released_at.append(timezone.now())
        connection.close()

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    assert holding.wait(5)
    workflow.reship_reject(request_id=request.pk, actor=parties.partner, reason="Duplicate request.")
    holder.join()

    rejected = ReshipEvent.objects.get(request=request, kind=EventKind.REJECTED)
    assert rejected.created_at >= released_at[0]
