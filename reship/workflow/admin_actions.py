"""What a platform admin does to a request (through the Django admin): hand it to another partner,
or escalate it. Cancelling is the seller's ``reship_cancel``, which ``lifecycle.ACTORS`` opens to
admins too. Each event names the admin who acted (``actor``).

Reassigning (``reship_reassign_partner``) is possible while the partner has decided nothing yet
(submitted, needs info: no quote to carry over). The new partner must be another active one that
can fulfil the request: it has staff to review it, and for each line to restock first it buys from
that line's source (``DropshipPartner.suppliers``) — a partner that does not could only reject.
The old partner's staff are told the request left them and their open "waiting for you" entries are
closed; the new partner's are told as of a submission. A submitted request's review clock restarts
on the new partner's SLA; one that waits for the seller's answer keeps the seller's clock (the
review clock starts, on the new partner's hours, when the seller answers).

Escalating (``reship_escalate``) changes no status: the event says who escalated and why, and both
sides are told.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from reship import lifecycle
from reship.choices import Action, EventKind, RequestStatus, Resolution
from reship.core import inputs
from reship.core.errors import InvalidInput
from reship.models import ReshipRequest
from reship.notifications import outbox
from reship.workflow import timeliness
from reship.workflow.base import move, transition
from suppliers.models import DropshipPartner

if TYPE_CHECKING:
    from reship.accounts.models import User


def reassign_refusal(request: ReshipRequest, partner: DropshipPartner | None) -> str:
    """Why this partner may not take the request over ("" when it may): the admin's form and the
    workflow both ask it."""
    if partner is None:
        return _("Choose a dropship partner.")
    if partner.pk == request.partner_id:
        return _("The request is already with %(partner)s.") % {"partner": partner.name}
    if not partner.is_active:
        return _("%(partner)s is not active.") % {"partner": partner.name}
    if not partner.memberships.filter(user__is_active=True).exists():
        return _("%(partner)s has no staff to review the request.") % {"partner": partner.name}
    sources = {
        line.order_line.product.supplier_id: line.order_line.product.supplier
        for line in request.lines.select_related("order_line__product__supplier")
        if line.resolution == Resolution.RESTOCK_RESEND and line.order_line.product.supplier_id is not None
    }
    missing = set(sources) - set(partner.suppliers.filter(pk__in=list(sources)).values_list("pk", flat=True))
    if missing:
        names = ", ".join(sorted(str(sources[pk]) for pk in missing))
        return _("%(partner)s does not buy from %(sources)s, which a line must be restocked from.") % {
            "partner": partner.name,
            "sources": names,
        }
    return ""


def reship_reassign_partner(
    *, request_id: int, actor: User, partner_id: int | None, note: str, now: datetime | None = None
) -> ReshipRequest:
    """An admin hands the request to another partner (see the module's notes for who may take it)."""
    with transition(Action.REASSIGN_PARTNER, request_id=request_id, actor=actor, now=now) as (request, now):
        note = inputs.required_text(note, "note", _("The note"))
        partner = DropshipPartner.objects.filter(pk=partner_id).first() if partner_id is not None else None
        refusal = reassign_refusal(request, partner)
        if refusal or partner is None:
            raise InvalidInput(refusal, field_errors={"partner": [refusal]})
        old = request.partner
        # The old partner hears first, while the request is still theirs (its staff, its webhooks).
        outbox.announce(
            request=request, template="request_reassigned", context={"note": note, "new_partner": partner.name}
        )
        # Its staff's open entries are marked done by ``move`` (notifications.awaiting.resolve): the
        # request is no longer theirs.
        request.partner = partner
        fields = ["partner"]
        if request.status == RequestStatus.SUBMITTED:
            sla = timedelta(hours=timeliness.stage_sla_hours(request, "review"))
            clock = timeliness.StageClock(started_at=now, due_at=now + sla, escalate_at=now + 2 * sla)
            fields += timeliness.apply_stage_clock(request, clock)
        move(
            request,
            actor=actor,
            kind=EventKind.PARTNER_REASSIGNED,
            fields=fields,
            message=note,
            data={"from_partner": old.pk, "from_name": old.name, "to_partner": partner.pk, "to_name": partner.name},
            now=now,
        )
        outbox.announce(request=request, template="request_submitted", context={"reassigned_from": old.name})
        return request


def reship_escalate(*, request_id: int, actor: User, note: str, now: datetime | None = None) -> ReshipRequest:
    """An admin escalates an open request: the event names them, both sides are told, and the
    status stays."""
    with transition(Action.ESCALATE, request_id=request_id, actor=actor, now=now) as (request, now):
        note = inputs.required_text(note, "note", _("The note"))
        move(request, actor=actor, kind=EventKind.ESCALATED, message=note, now=now)
        audience = [outbox.Audience.SELLER]
        if request.status not in lifecycle.BEFORE_PARTNER_STATUSES:
            audience.append(outbox.Audience.PARTNER)
        outbox.announce(request=request, template="request_escalated", context={"note": note}, audience=audience)
        return request
