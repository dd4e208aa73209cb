"""Timeliness (时效性): who owes the next step, by when, and the reminders when they are late.

Each open stage has an owner and an SLA. On entering a stage the workflow asks ``stage_clock`` for
the start, due and escalation times (escalation at twice the SLA). The periodic
``deadlines_check`` reminds the owner once when the due time passes and escalates to the seller
and the admins once at the escalation time; the ``*_at`` flags on the row make both fire once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction

from reship import lifecycle
from reship.accounts.roles import Role
from reship.choices import EventKind
from reship.models import ReshipRequest
from reship.notifications import outbox
from reship.workflow import events

# Statuses that share one step share one clock (``lifecycle.STEP_OF_STATUS``): approval starts
# the fulfilment SLA and the first restock or shipment does not restart it.


@dataclass(frozen=True)
class StageClock:
    started_at: datetime | None
    due_at: datetime | None
    escalate_at: datetime | None


NO_CLOCK = StageClock(None, None, None)


def stage_sla_hours(request: ReshipRequest, step: str) -> int:
    """The hours a step may take: the partner's own SLA for review and fulfilment, else the seller's."""
    sla = lifecycle.STEP_BY_KEY[step].sla
    if sla == "review":
        return request.partner.review_sla_hours
    if sla == "fulfilment":
        return request.partner.fulfilment_sla_hours
    return settings.RESHIP_SELLER_STAGE_HOURS


def stage_clock(request: ReshipRequest, *, from_status: str, to_status: str, now: datetime) -> StageClock | None:
    """The new clock when the move enters another stage; ``None`` when the stage (and clock) stays."""
    new_stage = lifecycle.STEP_OF_STATUS.get(to_status)
    if new_stage is None:
        return NO_CLOCK
    if lifecycle.STEP_OF_STATUS.get(from_status) == new_stage and request.stage_started_at is not None:
        return None
    sla = timedelta(hours=stage_sla_hours(request, new_stage))
    return StageClock(started_at=now, due_at=now + sla, escalate_at=now + 2 * sla)


def apply_stage_clock(request: ReshipRequest, clock: StageClock | None) -> list[str]:
    """Set the clock fields on the row; returns the fields to save."""
    if clock is None:
        return []
    request.stage_started_at = clock.started_at
    request.stage_due_at = clock.due_at
    request.stage_escalate_at = clock.escalate_at
    request.stage_reminded_at = None
    request.stage_escalated_at = None
    return ["stage_started_at", "stage_due_at", "stage_escalate_at", "stage_reminded_at", "stage_escalated_at"]


def deadlines_check(*, now: datetime, batch_size: int = 200) -> dict[str, int]:
    """Remind and escalate what fell due. Each row is locked and flagged in its own transaction,
    so a second sweeper running at the same time skips it and nothing is announced twice."""
    counts = {"reminded": 0, "escalated": 0}
    due = ReshipRequest.objects.filter(
        status__in=lifecycle.OPEN_STATUSES, stage_due_at__lte=now, stage_reminded_at__isnull=True
    ).values_list("pk", flat=True)[:batch_size]
    for request_id in list(due):
        with transaction.atomic():
            request = (
                ReshipRequest.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("partner", "seller", "order")
                .filter(pk=request_id, stage_reminded_at__isnull=True, stage_due_at__lte=now)
                .first()
            )
            if request is None or request.stage_due_at is None:  # the filter rules out no due time
                continue
            request.stage_reminded_at = now
            request.save(update_fields=["stage_reminded_at", "updated_at"])
            owner = lifecycle.stage_owner(request.status)
            events.event_create(
                request=request,
                actor=None,
                kind=EventKind.OVERDUE,
                data={"level": "reminder", "owner": owner.value, "due_at": request.stage_due_at.isoformat()},
                at=now,
            )
            outbox.announce(request=request, template="stage_reminder", audience=[owner])
            counts["reminded"] += 1

    escalate = ReshipRequest.objects.filter(
        status__in=lifecycle.OPEN_STATUSES, stage_escalate_at__lte=now, stage_escalated_at__isnull=True
    ).values_list("pk", flat=True)[:batch_size]
    for request_id in list(escalate):
        with transaction.atomic():
            request = (
                ReshipRequest.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("partner", "seller", "order")
                .filter(pk=request_id, stage_escalated_at__isnull=True, stage_escalate_at__lte=now)
                .first()
            )
            if request is None or request.stage_due_at is None:  # set with stage_escalate_at (StageClock)
                continue
            request.stage_escalated_at = now
            fields = ["stage_escalated_at", "updated_at"]
            if request.stage_reminded_at is None:  # a sweeper that was down: remind and escalate once
                request.stage_reminded_at = now
                fields.append("stage_reminded_at")
            request.save(update_fields=fields)
            owner = lifecycle.stage_owner(request.status)
            events.event_create(
                request=request,
                actor=None,
                kind=EventKind.OVERDUE,
                data={"level": "escalation", "owner": owner.value, "due_at": request.stage_due_at.isoformat()},
                at=now,
            )
            outbox.announce(request=request, template="stage_escalated", audience=[Role.SELLER, Role.ADMIN])
            counts["escalated"] += 1
    return counts
