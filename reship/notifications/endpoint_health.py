"""When a webhook endpoint "keeps failing", and telling its organisation so — the one place of that rule.

The delivery records every send to a ``WebhookEndpoint`` here (``endpoint_send_recorded``): a failed
attempt adds one to the endpoint's ``consecutive_failures`` (and starts ``failing_since``), a send
that goes through clears both. Once ``RESHIP_WEBHOOK_FAILING_AFTER`` attempts in a row have failed,
the endpoint keeps failing: the admin's health page lists it (``endpoints_failing``), and its
organisation's staff get one ``webhook_failing`` entry in their inbox (and an email if they take
emails) — once per streak: ``failing_told_at`` is set by one conditional UPDATE, so of two workers
recording failures at the same moment only one writes the entry, and a send that goes through
clears it for the next streak.

The entries are written by the delivery itself, which must not import the tasks (they import it):
inbox rows are written delivered, and the email rows are left pending for the sweeper, which sends
them within ``RESHIP_NOTIFY_SWEEP_AFTER_SECONDS`` plus one sweep.

A partner's legacy ``webhook_url`` has no endpoint row and is not followed here.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce

from reship.models import Notification, WebhookEndpoint
from reship.notifications.rows import staff_rows

if TYPE_CHECKING:
    from reship.accounts.models import User

# The inbox entry's template (``templates/notifications/webhook_failing.*``): told to staff, never
# sent as a webhook event, so it is not one of ``outbox.TEMPLATES``.
WEBHOOK_FAILING = "webhook_failing"


def failing_after() -> int:
    after: int = settings.RESHIP_WEBHOOK_FAILING_AFTER
    return max(after, 1)


def keeps_failing() -> Q:
    """Endpoints whose last ``RESHIP_WEBHOOK_FAILING_AFTER`` sends (or more) all failed."""
    return Q(consecutive_failures__gte=failing_after())


def endpoints_failing() -> QuerySet[WebhookEndpoint]:
    """The endpoints that keep failing, with their organisation, the longest streak first."""
    return (
        WebhookEndpoint.objects.filter(keeps_failing())
        .select_related("seller", "partner")
        .order_by("-consecutive_failures", "failing_since", "pk")
    )


def endpoint_send_recorded(*, notification: Notification, now: datetime, error: str | None = None) -> None:
    """The delivery's record of one attempt at an endpoint's row (``notification`` as claimed, with
    its ``webhook_endpoint`` loaded by the claim): sent when ``error`` is None, else failed with it.
    Rows with no endpoint (a legacy URL) are ignored. A send that went through costs no query
    unless the endpoint was failing when its row was claimed."""
    endpoint = notification.webhook_endpoint if notification.webhook_endpoint_id is not None else None
    if endpoint is None:
        return
    if error is None:
        if endpoint.consecutive_failures or endpoint.failing_told_at is not None:
            WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
                consecutive_failures=0, failing_since=None, failing_told_at=None
            )
        return
    with transaction.atomic():
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
            consecutive_failures=F("consecutive_failures") + 1, failing_since=Coalesce(F("failing_since"), now)
        )
        first_to_tell = (
            WebhookEndpoint.objects.filter(keeps_failing(), pk=endpoint.pk, failing_told_at__isnull=True).update(
                failing_told_at=now
            )
            == 1
        )
        if first_to_tell:
            endpoint_failing_tell(endpoint_id=endpoint.pk, last_error=error)


def _members(endpoint: WebhookEndpoint) -> QuerySet[User]:
    from reship.accounts.models import User

    if endpoint.seller_id is not None:
        users = User.objects.filter(seller_membership__seller_id=endpoint.seller_id)
    else:
        users = User.objects.filter(partner_membership__partner_id=endpoint.partner_id)
    return users.filter(is_active=True).order_by("pk")


def endpoint_failing_tell(*, endpoint_id: int, last_error: str = "") -> list[Notification]:
    """Write the ``webhook_failing`` entry for each active member of the endpoint's organisation:
    inbox rows (delivered as written) and, for those who take emails, email rows the sweeper sends."""
    endpoint = WebhookEndpoint.objects.select_related("seller", "partner").get(pk=endpoint_id)
    organisation = endpoint.seller or endpoint.partner
    payload = {
        "audience": "seller" if endpoint.seller_id is not None else "partner",
        "webhook_endpoint_id": endpoint.pk,
        "url": endpoint.url,
        "host": urlsplit(endpoint.url).hostname or endpoint.url,
        "failures": endpoint.consecutive_failures,
        "organisation": organisation.name if organisation else "",
        "last_error": last_error[:300],
    }
    return Notification.objects.bulk_create(
        staff_rows({"template": WEBHOOK_FAILING, "payload": payload}, _members(endpoint))
    )
