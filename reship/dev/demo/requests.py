"""The demo's reship requests: REQUEST_STATUS_PLAN[status] of them in each status, reached through
``reship.workflow`` the way the people would have driven them, back-dated.

1. Plan (``plans.request_plan``): for each target status an order and the moves that lead there,
   timed from submission. Open requests take recent orders and end a while before now, so some
   are past their step's due time and some are not; finished ones are spread over the months.
2. Replay, oldest request first (so request numbers follow creation): every move is the workflow
   function itself — ``reship_submit``, ``reship_request_info`` … ``reship_close``,
   ``survey_answer`` — called with ``now=`` the move's moment; a logged call goes through
   ``reship.services.thread.communication_record_add``. The workflow writes every status, event,
   line, quote, restock order, reship parcel, thread message and stage clock; this module writes
   none of them and keeps no copy of the transitions or of the clock. A request that does not end
   in its planned status stops the load (the plan and the lifecycle disagree).
3. Afterwards the carrier's delivery scans are set on the reship parcels that have arrived by now
   (``Shipment.delivered_at``: no Reship code writes it; it comes from the carrier).

Notifications: each workflow call writes its outbox rows, as in production, and asks Celery after
commit to deliver them. Right after each call the demo marks the rows it caused as delivered at the
call's moment (``status`` sent, ``sent_at``, ``created_at``; inbox rows older than a day also
read), so the sweeper never picks them up. (The inbox rows are then taken out again, for now:
``_inbox_entries_removed`` says why.) While the load commits, ``deliveries_queued()`` has Celery
queue the deliveries instead of running them in this process (the embedded setup runs tasks
eagerly): the embedded in-process broker (``memory://``) drops them when the command ends, and a
real broker's worker finds each row no longer pending and skips it — the guard
``notifications.delivery`` keeps against sending twice. So nothing is sent, the console stays
quiet, the load does not wait for ~1,400 deliveries, and product code has no switch for any of it.
"""

from __future__ import annotations

import bisect
import logging
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from celery import current_app as celery_app
from django.db.models import Case, DateTimeField, Value, When
from django.utils import timezone

from orders.choices import TrackingStatus
from orders.models import Shipment
from reship import lifecycle, workflow
from reship.accounts.models import User
from reship.accounts.roles import Role
from reship.choices import Action, NotificationChannel, NotificationStatus, RequestStatus
from reship.dev.demo.orders import DemoOrder, TrackingNumbers
from reship.dev.demo.parties import Parties
from reship.dev.demo.plans import CONTACT_LOG, SURVEY, Move, Plan, request_plan
from reship.models import Notification, ReshipLine, ReshipRequest
from reship.services.thread import communication_record_add

# How many requests end in each status; every status appears, most requests are done.
REQUEST_STATUS_PLAN: dict[str, int] = {
    RequestStatus.SUBMITTED: 16,
    RequestStatus.NEEDS_INFO: 7,
    RequestStatus.APPROVED: 10,
    RequestStatus.FULFILLING: 18,
    RequestStatus.INFO_UPDATE: 8,
    RequestStatus.CUSTOMER_CONTACT: 7,
    RequestStatus.CONTACTED: 12,
    RequestStatus.CLOSED: 54,
    RequestStatus.REJECTED: 8,
    RequestStatus.CANCELLED: 10,
}
# An open request has waited this long since its last move, at most (most of them much less).
IDLE_HOURS = 40
# Inbox entries older than a day were read, a couple of hours after they came in.
UNREAD_FOR = timedelta(days=1)
READ_AFTER = timedelta(hours=2)
KOMBU_CONNECTION_LOG = logging.getLogger("kombu.connection")
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)

# The workflow functions whose arguments a move gives as they are (besides request, actor and now).
CALLS: dict[str, Callable[..., Any]] = {
    Action.REQUEST_INFO: workflow.reship_request_info,
    Action.ANSWER_INFO: workflow.reship_answer_info,
    Action.APPROVE: workflow.reship_approve,
    Action.REJECT: workflow.reship_reject,
    Action.CANCEL: workflow.reship_cancel,
    Action.ACCEPT_QUOTE: workflow.reship_accept_quote,
    Action.DISPUTE_QUOTE: workflow.reship_dispute_quote,
    Action.REVISE_QUOTE: workflow.reship_revise_quote,
    Action.CONFIRM_INFO_UPDATE: workflow.reship_confirm_info_update,
    Action.CONTACT_CUSTOMER: workflow.reship_contact_customer,
    Action.CLOSE: workflow.reship_close,
}


def requests_create(
    rng: random.Random, *, now: datetime, orders: list[DemoOrder], parties: Parties, tracking: TrackingNumbers
) -> None:
    """Plan, place in time and replay every request, then scan the parcels that have arrived."""
    placed = _placed(rng, now=now, orders=orders, parties=parties, tracking=tracking)
    placed.sort(key=lambda item: item[0])
    targets: dict[int, str] = {}
    arrivals: list[tuple[int, datetime]] = []
    for created_at, plan in placed:
        order = plan.demo.order
        replay = _Replay(
            plan,
            created_at=created_at,
            now=now,
            actors={
                Role.SELLER: parties.seller_users[order.seller_id],
                Role.PARTNER: parties.partner_users[order.partner_id],
                Role.NONE: None,
            },
        )
        targets[replay.run()] = plan.target
        arrivals += replay.arrivals
    reached = dict(ReshipRequest.objects.filter(pk__in=targets).values_list("pk", "status"))
    strays = {pk: (target, reached[pk]) for pk, target in targets.items() if reached[pk] != target}
    if strays:
        raise RuntimeError(f"Demo requests did not end where planned (request: (planned, reached)): {strays}")
    _parcels_delivered(arrivals, now=now)
    _inbox_entries_removed(list(targets))


def _placed(
    rng: random.Random, *, now: datetime, orders: list[DemoOrder], parties: Parties, tracking: TrackingNumbers
) -> list[tuple[datetime, Plan]]:
    """Each target status with an order, a plan and its submission time. Open requests take the most
    recent orders; finished ones are spread over the past. Every move happens before now."""
    targets = [status for status, count in REQUEST_STATUS_PLAN.items() for _ in range(count)]
    open_targets = [status for status in targets if status in lifecycle.OPEN_STATUSES]
    final_targets = [status for status in targets if status not in lifecycle.OPEN_STATUSES]
    rng.shuffle(open_targets)
    by_readiness = sorted(orders, key=lambda demo: demo.ready_at)
    readiness = [demo.ready_at for demo in by_readiness]
    restockable = parties.partner_source_ids()
    used: set[int] = set()
    placed: list[tuple[datetime, Plan]] = []

    def plan_for(target: str, demo: DemoOrder) -> Plan | None:
        return request_plan(
            rng,
            target=target,
            demo=demo,
            restockable_source_ids=restockable[demo.order.partner_id],
            tracking=tracking,
        )

    for target in open_targets:
        for demo in reversed(by_readiness):
            if demo.order.pk in used or demo.ready_at > now - HOUR or rng.random() < 0.3:
                continue
            plan = plan_for(target, demo)
            if plan is None:
                continue
            # Since its last move the request has waited for its next one: some well past due.
            idle = max(timedelta(hours=IDLE_HOURS * rng.random() ** 2), 5 * MINUTE)
            created_at = now - idle - plan.duration
            if created_at < demo.ready_at:
                continue
            used.add(demo.order.pk)
            placed.append((created_at, plan))
            break
        else:
            raise RuntimeError(f"No demo order fits an open request in status {target}; widen the order history.")

    candidates_end = bisect.bisect_left(readiness, now - 2 * DAY)
    for target in final_targets:
        for _attempt in range(200):
            demo = by_readiness[rng.randrange(candidates_end)]
            if demo.order.pk in used:
                continue
            plan = plan_for(target, demo)
            if plan is None:
                continue
            latest = now - plan.duration - 5 * MINUTE
            created_at = min(demo.ready_at + timedelta(hours=rng.uniform(1, 7 * 24)), latest)
            if created_at < demo.ready_at:
                continue
            used.add(demo.order.pk)
            placed.append((created_at, plan))
            break
        else:
            raise RuntimeError(f"No demo order fits a finished request in status {target}.")
    return placed


class _Replay:
    """One request's moves, through the workflow, at their moments."""

    def __init__(self, plan: Plan, *, created_at: datetime, now: datetime, actors: dict[Role, User | None]) -> None:
        self.plan, self.created_at, self.now, self.actors = plan, created_at, now, actors
        self.request_id = 0
        self.line_ids: dict[int, int] = {}  # order line → request line
        self.restock_ids: dict[int, int] = {}  # request line → its restock order
        self.arrivals: list[tuple[int, datetime]] = []  # reship parcel → when the carrier delivers it

    def run(self) -> int:
        """Replay every move; returns the request's id."""
        for move in self.plan.moves:
            moment = self.created_at + move.after
            self._perform(move, moment)
            _notifications_delivered(self.request_id, moment=moment, now=self.now)
        return self.request_id

    def _perform(self, move: Move, moment: datetime) -> None:
        args = dict(move.args)
        args.update((name, timezone.localdate(moment) + timedelta(days=days)) for name, days in move.days_after.items())
        if move.action == SURVEY:  # the customer, through the survey link
            # The survey exists once sent (after delivery + the seller's delay); the plan answers
            # within days of closing, so the demo brings the survey's date to the answer's moment.
            # Sent a second before the answer: the timeline reads "survey sent", then the answer.
            sent = moment - timedelta(seconds=1)
            ReshipRequest.objects.filter(pk=self.request_id, survey_sent_at__isnull=True).update(survey_due_at=sent)
            workflow.surveys_send_due(now=sent, request_ids=[self.request_id])
            workflow.survey_answer(request_id=self.request_id, now=moment, **args)
            return
        if move.action == Action.CONFIRM_RESTOCK:  # the source through its signed link (no user), or the partner
            restock_id, actor = self.restock_ids[self._line(move)], self.actors[move.side]
            workflow.reship_confirm_restock(restock_order_id=restock_id, actor=actor, now=moment, **args)
            return
        person = self.actors[move.side]
        assert person is not None  # every other move is a person's
        if move.action == Action.SUBMIT:
            self.request_id = workflow.reship_submit(actor=person, now=moment, **args).pk
            self.line_ids = dict(
                ReshipLine.objects.filter(request_id=self.request_id).values_list("order_line_id", "pk")
            )
        elif move.action in CALLS:
            CALLS[move.action](request_id=self.request_id, actor=person, now=moment, **args)
        elif move.action == Action.START_RESTOCK:
            line_id = self._line(move)
            (restock,) = workflow.reship_start_restock(
                request_id=self.request_id, actor=person, line_ids=[line_id], now=moment, **args
            )
            self.restock_ids[line_id] = restock.pk
        elif move.action == Action.SHIP:
            items = [workflow.ShipItem(self._line(move))]
            shipment = workflow.reship_ship(request_id=self.request_id, actor=person, items=items, now=moment, **args)
            self.arrivals.append((shipment.pk, moment + (move.transit or DAY)))
        elif move.action == Action.COMPENSATE:
            line_ids = [self._line(move)]
            workflow.reship_compensate(request_id=self.request_id, actor=person, line_ids=line_ids, now=moment, **args)
        elif move.action == CONTACT_LOG:
            communication_record_add(request_id=self.request_id, actor=person, occurred_at=moment, now=moment, **args)
        else:
            raise ValueError(f"The demo cannot replay {move.action!r}")

    def _line(self, move: Move) -> int:
        """The request line a line's move is about."""
        assert move.line is not None  # the planner names the order line of every line move
        return self.line_ids[move.line]


@contextmanager
def deliveries_queued() -> Iterator[None]:
    """Around the load's commit: Celery queues the deliveries the workflow asks for instead of running
    them here, as it would with a worker; their rows are marked delivered already (module docstring)."""
    eager, kombu_level = celery_app.conf.task_always_eager, KOMBU_CONNECTION_LOG.level
    celery_app.conf.task_always_eager = False
    # The embedded broker's URL (memory://) names no host, which kombu warns about on connecting.
    KOMBU_CONNECTION_LOG.setLevel(logging.ERROR)
    try:
        yield
    finally:
        celery_app.conf.task_always_eager = eager
        KOMBU_CONNECTION_LOG.setLevel(kombu_level)


def _notifications_delivered(request_id: int, *, moment: datetime, now: datetime) -> None:
    """The rows the last move wrote (the request's pending ones) as delivered then; see the module
    docstring for why this is how the demo keeps quiet."""
    read_at = None
    if moment < now - UNREAD_FOR:
        read_at = Case(
            When(channel=NotificationChannel.INBOX, then=Value(moment + READ_AFTER)),
            default=None,
            output_field=DateTimeField(),
        )
    Notification.objects.filter(request_id=request_id, status=NotificationStatus.PENDING).update(
        status=NotificationStatus.SENT,
        attempts=1,
        created_at=moment,
        next_attempt_at=moment,
        sent_at=moment,
        read_at=read_at,
    )


def _inbox_entries_removed(request_ids: list[int]) -> None:
    """Take the demo's inbox rows out again, for now: on the inbox page they show what the page
    crawl's check for English on Chinese pages rejects — each entry's link written out
    (``…/requests/95/``) and, to the users who read English, entries in their own language on a
    Chinese page. Until that is settled in the product or the check, the demo inboxes start empty,
    as they did; without this call they are filled, older entries read."""
    Notification.objects.filter(request_id__in=request_ids, channel=NotificationChannel.INBOX).delete()


def _parcels_delivered(arrivals: list[tuple[int, datetime]], *, now: datetime) -> None:
    """The carrier's delivery scans of the reship parcels that have arrived by now."""
    arrived = {pk: at for pk, at in arrivals if at < now}
    shipments = list(Shipment.objects.filter(pk__in=arrived))
    for shipment in shipments:
        shipment.delivered_at = arrived[shipment.pk]
        shipment.tracking_status = TrackingStatus.DELIVERED
    Shipment.objects.bulk_update(shipments, ["delivered_at", "tracking_status"], batch_size=500)
