"""An organisation's webhook endpoints: which there are, adding one, deleting one, sending it a test.

A seller's or a partner's staff manage their own organisation's endpoints; anyone else is
``ActionNotPermitted`` and another organisation's endpoint does not exist for them
(``RequestNotFound``). Each endpoint chooses events (names of ``outbox.TEMPLATES``; an empty list
means every event its organisation is told of) and gets its own signing secret, returned on the
new row so the caller shows it once. Every write is one function, in one transaction; the API's
``/api/v1/webhooks/`` parses, calls these and renders.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from reship.accounts.roles import Organisation, organisation_for
from reship.choices import NotificationStatus
from reship.core.errors import ActionNotPermitted, InvalidInput, RequestNotFound
from reship.core.webhook_targets import webhook_url_clean as core_webhook_url_clean
from reship.models import Notification, WebhookEndpoint
from reship.notifications import outbox

if TYPE_CHECKING:
    from reship.accounts.models import User

URL_MAX = 500  # WebhookEndpoint.url
EVENTS_MAX = len(outbox.TEMPLATES)
SECRET_PREFIX = "whsec_"


def webhook_organisation(*, actor: User) -> Organisation:
    """The actor's organisation, whose endpoints they manage; ``ActionNotPermitted`` for a user of
    no seller or partner (a front door may ask this before it reads the input, to answer 403 first)."""
    organisation = organisation_for(actor)
    if organisation.seller is None and organisation.partner is None:
        raise ActionNotPermitted(_("Only a seller's or a partner's staff manage webhook endpoints."))
    return organisation


def webhook_endpoints_for(*, actor: User) -> QuerySet[WebhookEndpoint]:
    """The endpoints of the actor's organisation."""
    organisation = webhook_organisation(actor=actor)
    if organisation.seller is not None:
        return WebhookEndpoint.objects.filter(seller=organisation.seller)
    return WebhookEndpoint.objects.filter(partner=organisation.partner)


def webhook_url_clean(*, url: str) -> str:
    """The address an endpoint may have: the one rule of ``reship.core.webhook_targets``
    (``InvalidInput`` on ``url`` with the reason otherwise)."""
    return core_webhook_url_clean(url, field="url", max_length=URL_MAX)


def webhook_events_clean(*, events: Iterable[str]) -> list[str]:
    """The chosen events, each once and in order; ``InvalidInput`` on ``events`` for a name that is
    not an event."""
    chosen = sorted(set(events))
    if any(event not in outbox.TEMPLATES for event in chosen):
        raise InvalidInput(
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(sorted(outbox.TEMPLATES))},
            field_errors={"events": [_("Not a valid choice.")]},
        )
    return chosen


def webhook_endpoint_create(*, actor: User, url: str, events: Iterable[str]) -> WebhookEndpoint:
    """A new endpoint of the actor's organisation with its own secret (``endpoint.secret``: show it
    to the caller this once)."""
    with transaction.atomic():
        organisation = webhook_organisation(actor=actor)
        return WebhookEndpoint.objects.create(
            seller=organisation.seller,
            partner=organisation.partner,
            url=webhook_url_clean(url=url),
            events=webhook_events_clean(events=events),
            secret=SECRET_PREFIX + secrets.token_urlsafe(32),
        )


def webhook_endpoint_delete(*, actor: User, endpoint_id: int) -> None:
    """Delete one of the organisation's endpoints; its deliveries not yet sent are given up (failed)."""
    with transaction.atomic():
        endpoint = webhook_endpoints_for(actor=actor).select_for_update().filter(pk=endpoint_id).first()
        if endpoint is None:
            raise RequestNotFound(_("Not found."))
        Notification.objects.filter(webhook_endpoint=endpoint, status=NotificationStatus.PENDING).update(
            status=NotificationStatus.FAILED, last_error="The webhook endpoint was deleted."
        )
        endpoint.delete()


def webhook_endpoint_send_test(*, actor: User, endpoint_id: int) -> Notification:
    """Queue a ``webhook_test`` event for one of the organisation's active endpoints, delivered
    (signed, retried) through the outbox after commit like every other event."""
    with transaction.atomic():
        endpoint = webhook_endpoints_for(actor=actor).select_for_update().filter(pk=endpoint_id, is_active=True).first()
        if endpoint is None:
            raise RequestNotFound(_("Not found."))
        return outbox.webhook_test_queue(endpoint)
