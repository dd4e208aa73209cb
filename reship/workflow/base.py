"""The skeleton every transition shares: lock the row, check the caller and the status, move, log.

``transition`` opens the transaction, locks the request (a request the caller may not see does not
exist for them: ``RequestNotFound``, a 404), and runs ``action_check``, the one answer to "may this
caller take this action on this request now" — the pages and the API ask it too before they show
or accept an action. ``move`` saves the status with its stage clock and writes the one event.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from reship import lifecycle, permissions
from reship.accounts.roles import Role
from reship.choices import Action
from reship.core.errors import ActionNotPermitted, InvalidTransition, RequestNotFound
from reship.models import ReshipEvent, ReshipRequest
from reship.notifications import awaiting
from reship.workflow import events, timeliness

if TYPE_CHECKING:
    from reship.accounts.models import User


def lock(request_id: int, actor: User | None) -> ReshipRequest:
    """Lock the row; a request the actor may not see does not exist for them."""
    queryset = ReshipRequest.objects.select_for_update(of=("self",)).select_related("order", "partner", "seller")
    if actor is not None:
        queryset = queryset.filter(permissions.visible_requests_filter(actor))
    try:
        return queryset.get(pk=request_id)
    except ReshipRequest.DoesNotExist:
        raise RequestNotFound(_("Reship request not found.")) from None


def lock_many(request_ids: Iterable[int], actor: User | None) -> dict[int, ReshipRequest]:
    """``lock`` for many requests in one query (bulk approval), by id: those the actor may not see
    are absent. Rows are locked in the order of their ids, so two callers locking overlapping sets
    wait for each other instead of deadlocking."""
    queryset = ReshipRequest.objects.select_for_update(of=("self",)).select_related("order", "partner", "seller")
    if actor is not None:
        queryset = queryset.filter(permissions.visible_requests_filter(actor))
    return {request.pk: request for request in queryset.filter(pk__in=sorted(set(request_ids))).order_by("pk")}


def allowed_actions(request: ReshipRequest) -> list[Action]:
    """The actions the request's current status allows, for anyone (see ``actions_for``)."""
    return lifecycle.allowed_actions(request.status)


def actions_for(user: User | None, request: ReshipRequest) -> list[Action]:
    """What this user may do to this request now: their side's actions that the status allows and
    that still make sense (``lifecycle.state_refusal``: a quote to answer, a line to act on)."""
    side = permissions.side_of(user, request)
    return [
        action
        for action in allowed_actions(request)
        if permissions.can(action, user, request) and not lifecycle.state_refusal(action, request, side)
    ]


def action_check(
    request: ReshipRequest,
    actor: User | None,
    action: Action,
    *,
    option_name: Callable[[Action], str] | None = None,
) -> None:
    """May this caller take this action on this request now? The one answer, for the workflow, the
    request page and the API. Raises the error to show if not: ``ActionNotPermitted`` (403, the
    other side's step) before ``InvalidTransition`` (409, not in this status). ``actor=None`` is the
    system, which the status alone limits; a platform admin passes for the actions
    ``lifecycle.ACTORS`` gives ``Role.ADMIN`` (``permissions.admin_may``), and only those.

    The 409 says what is possible instead: by default every action the status allows, by label;
    with ``option_name`` (the API's slugs) the caller's own next actions, as it would call them."""
    if actor is not None and not (permissions.can(action, actor, request) or permissions.admin_may(action, actor)):
        raise ActionNotPermitted(
            _("You may not %(action)s this request: it is the other party's step.") % {"action": action.label.lower()}
        )
    facts = {"number": request.number, "status": request.get_status_display(), "action": action.label}
    if request.status in lifecycle.TRANSITIONS[action]:
        # A line action's function names the line and why it cannot take it (its status, its plan):
        # more than "no line can", and without reading every line here first.
        if action in lifecycle.LINE_ACTIONS:
            return
        refusal = lifecycle.state_refusal(action, request, permissions.side_of(actor, request))
        if not refusal:
            return
        name = option_name or (lambda each: str(each.label))
        own = ", ".join(name(each) for each in actions_for(actor, request)) if actor else ""
        raise InvalidTransition(
            _("“%(action)s” is not possible on request %(number)s now. %(refusal)s") % {**facts, "refusal": refusal}
            + (" " + _("You may now: %(allowed)s.") % {"allowed": own} if own else "")
        )
    if option_name is None:
        # The platform admin's own actions (reassign, escalate) are not the sides' to take: listed to an admin only.
        possible = [
            each
            for each in allowed_actions(request)
            if lifecycle.ACTORS[each] - {Role.ADMIN} or permissions.admin_may(each, actor)
        ]
        allowed = ", ".join(str(each.label) for each in possible) or _("nothing (it is final)")
        raise InvalidTransition(
            _("Request %(number)s is at “%(status)s”, where “%(action)s” is not possible. Possible now: %(allowed)s.")
            % {**facts, "allowed": allowed}
        )
    own = ", ".join(option_name(each) for each in actions_for(actor, request)) or _("nothing")
    raise InvalidTransition(
        _("Request %(number)s is at “%(status)s”, where “%(action)s” is not possible. You may now: %(allowed)s.")
        % {**facts, "allowed": own}
    )


def begin(request_id: int, actor: User | None, action: Action) -> ReshipRequest:
    """Inside a transaction: the locked request, once the caller may take the action now."""
    request = lock(request_id, actor)
    action_check(request, actor, action)
    return request


@contextmanager
def transition(
    action: Action, *, request_id: int, actor: User | None, now: datetime | None
) -> Iterator[tuple[ReshipRequest, datetime]]:
    """The opening of every transition: one transaction, the locked and checked request, and the
    moment it happens (``now`` for tests and imports that replay the past). The moment is read
    after the lock is held, so under contention a later event never carries an earlier time."""
    with transaction.atomic():
        request = begin(request_id, actor, action)
        yield request, now or timezone.now()


def move(
    request: ReshipRequest,
    *,
    actor: User | None,
    kind: str,
    to_status: str | None = None,
    fields: Iterable[str] = (),
    message: str = "",
    data: dict[str, Any] | None = None,
    now: datetime,
) -> ReshipEvent:
    """Save the request (status, stage clock, given fields) and write its one event. The inbox
    entries that waited for what the request no longer waits for are marked done here, whoever
    moved it (``notifications.awaiting.resolve``: one UPDATE)."""
    from_status = request.status
    update = set(fields) | {"updated_at"}
    if to_status is not None and to_status != from_status:
        clock = timeliness.stage_clock(request, from_status=from_status, to_status=to_status, now=now)
        request.status = to_status
        update |= {"status", *timeliness.apply_stage_clock(request, clock)}
    request.save(update_fields=sorted(update))
    awaiting.resolve(request, now=now)
    return events.event_create(
        request=request,
        actor=actor,
        kind=kind,
        from_status=from_status,
        to_status=request.status,
        message=message,
        data=data,
        at=now,
    )
