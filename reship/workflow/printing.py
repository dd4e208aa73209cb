"""Printing packing slips (发货单) and pick lists (拣货单): the record that a parcel's paper was made.

Printing changes no status, but the timeline says it happened ("Packing slip printed"), and each
printed line remembers when (``slip_printed_at``, shown on the to-ship list), so the workflow writes
it: all of the selection or nothing. A line of a request the partner cannot see is a 404
(``RequestNotFound``); a line no longer to ship (shipped, compensated, its request moved on) is
refused with what became of it (``InvalidTransition``, 409: the list moved on since it loaded), so the
packer reloads the list.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from reship import lifecycle, permissions
from reship.choices import Action, EventKind
from reship.core.errors import ActionNotPermitted, InvalidInput, InvalidTransition, RequestNotFound
from reship.models import ReshipLine, ReshipRequest
from reship.workflow.base import move

if TYPE_CHECKING:
    from reship.accounts.models import User

SLIP, PICK_LIST = "slip", "pick_list"
KINDS = (SLIP, PICK_LIST)
A4, LABEL = "a4", "label"
SIZES = (A4, LABEL)
# A page of the to-ship list holds 50 lines; whole requests ticked may add a few more.
MAX_LINES = 200


@dataclass(frozen=True)
class Printed:
    """What was recorded: the lines (in the order asked) and their requests, at one moment."""

    line_ids: list[int]
    request_ids: list[int]
    printed_at: datetime


def _check_input(line_ids: Sequence[int], kind: str, size: str) -> list[int]:
    if kind not in KINDS:
        raise InvalidInput(_("Choose what to print: packing slips or a pick list."), field_errors={"kind": []})
    if size not in SIZES:
        raise InvalidInput(_("Choose a paper size: A4 or a 100×150 mm label."), field_errors={"size": []})
    unique = list(dict.fromkeys(line_ids))
    if not unique:
        message = _("Select at least one line to print.")
        raise InvalidInput(message, field_errors={"line": [message]})
    if len(unique) > MAX_LINES:
        message = _("Print at most %(limit)d lines at a time; %(count)d were selected.") % {
            "limit": MAX_LINES,
            "count": len(unique),
        }
        raise InvalidInput(message, field_errors={"line": [message]})
    return unique


def _lock_requests(actor: User, line_ids: list[int]) -> tuple[dict[int, int], dict[int, ReshipRequest]]:
    """The lines' requests, locked in id order (no deadlock between two packers' selections); a
    line that does not exist or whose request the actor cannot see makes the whole selection a 404."""
    request_of = dict(ReshipLine.objects.filter(pk__in=line_ids).values_list("pk", "request_id"))
    requests = {
        reship.pk: reship
        for reship in ReshipRequest.objects.select_for_update(of=("self",))
        .filter(permissions.visible_requests_filter(actor), pk__in=set(request_of.values()))
        .order_by("pk")
    }
    if len(request_of) != len(line_ids) or any(request_id not in requests for request_id in request_of.values()):
        raise RequestNotFound(_("Some of the selected lines were not found."))
    return request_of, requests


def _refuse_lines_not_to_ship(line_ids: list[int], requests: dict[int, ReshipRequest]) -> None:
    ready = set(ReshipLine.objects.filter(lifecycle.LINE_READY_TO_SHIP, pk__in=line_ids).values_list("pk", flat=True))
    open_statuses = lifecycle.TRANSITIONS[Action.PRINT_SLIPS]
    gone = [
        line
        for line in ReshipLine.objects.filter(pk__in=line_ids).select_related("order_line__product").order_by("pk")
        if line.pk not in ready or requests[line.request_id].status not in open_statuses
    ]
    if not gone:
        return
    reasons = []
    for line in gone:
        reship = requests[line.request_id]
        state = line.get_status_display() if reship.status in open_statuses else reship.get_status_display()
        reasons.append(
            _("%(number)s %(sku)s (%(state)s)")
            % {"number": reship.number, "sku": line.order_line.product.sku_code, "state": state}
        )
    message = ngettext(
        "A selected line is no longer to ship: %(lines)s. Reload the list and select again.",
        "Some selected lines are no longer to ship: %(lines)s. Reload the list and select again.",
        len(gone),
    ) % {"lines": "; ".join(reasons)}
    raise InvalidTransition(message)


def reship_print_slips(
    *, actor: User, line_ids: Sequence[int], kind: str, size: str = A4, now: datetime | None = None
) -> Printed:
    """Record that the partner printed packing slips (``kind="slip"``, one per request, A4 or label
    ``size``) or a pick list (``kind="pick_list"``) for these lines: slips set each line's
    ``slip_printed_at``; either writes one SLIP_PRINTED event per request (data: its lines, kind,
    size). Printing again is allowed and simply recorded again."""
    unique = _check_input(line_ids, kind, size)
    with transaction.atomic():
        request_of, requests = _lock_requests(actor, unique)
        for reship in requests.values():
            if not permissions.can(Action.PRINT_SLIPS, actor, reship):
                raise ActionNotPermitted(_("Only the partner shipping a request prints its packing slips."))
        _refuse_lines_not_to_ship(unique, requests)
        moment = now or timezone.now()
        if kind == SLIP:
            ReshipLine.objects.filter(pk__in=unique).update(slip_printed_at=moment)
        for reship in requests.values():
            own = [line_id for line_id in unique if request_of[line_id] == reship.pk]
            data: dict[str, Any] = {"kind": kind, "line_ids": own}
            if kind == SLIP:
                data["size"] = size
            move(reship, actor=actor, kind=EventKind.SLIP_PRINTED, data=data, now=moment)
    return Printed(line_ids=unique, request_ids=list(requests), printed_at=moment)
