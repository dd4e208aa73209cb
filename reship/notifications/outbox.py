"""Who is told what, written as outbox rows in the caller's transaction.

``announce`` turns one happening on a request into rows — one per recipient and channel — and
asks Celery to deliver them only after the transaction commits (a rollback sends nothing). If the
broker is down then, the rows stay pending and the sweeper sends them later.

Webhooks: a partner's legacy ``webhook_url`` gets every partner event; each active
``WebhookEndpoint`` of the told organisation (seller or partner) gets the events it chose (all when
its list is empty), one row per endpoint, signed with the endpoint's own secret.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from typing import TYPE_CHECKING, Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reship.accounts.roles import Role
from reship.choices import NotificationChannel, NotificationStatus
from reship.models import Notification
from reship.notifications import awaiting
from reship.notifications.rows import staff_rows
from reship.representations import request_detail_load, request_representation

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from reship.accounts.models import User
    from reship.models import ReshipRequest, WebhookEndpoint
    from suppliers.models import Supplier


class Audience(models.TextChoices):
    SELLER = "seller", _("Seller staff")
    PARTNER = "partner", _("Partner staff")
    ADMIN = "admin", _("Platform admins")
    CUSTOMER = "customer", _("Customer")
    SUPPLIER = "supplier", _("Source")


# The notification table of DESIGN.md: which happening reaches whom.
WHO_IS_TOLD: dict[str, tuple[Audience, ...]] = {
    "request_reported": (Audience.SELLER,),  # a customer's own report (售后自助), the seller's until confirmed
    "request_submitted": (Audience.PARTNER,),
    "info_requested": (Audience.SELLER,),
    "info_answered": (Audience.PARTNER,),
    "request_approved": (Audience.SELLER,),
    "request_rejected": (Audience.SELLER,),
    "request_cancelled": (Audience.PARTNER,),
    # The seller's steps the partner hears of, each switchable by the partner (PARTNER_SWITCHES).
    "quote_accepted": (Audience.PARTNER,),
    "quote_disputed": (Audience.PARTNER,),
    "quote_revised": (Audience.SELLER,),
    "restock_ordered": (Audience.SUPPLIER,),
    "restock_confirmed": (Audience.PARTNER,),
    # The customer hears of a parcel or a compensation from the shop, once, on the channels the shop
    # chose (reship.notifications.customer), never through here.
    "lines_shipped": (Audience.SELLER,),
    "lines_compensated": (Audience.SELLER,),
    "ship_to_changed": (Audience.PARTNER,),  # sent only once the partner is packing (workflow.ship_to)
    "parcel_delivered": (Audience.SELLER, Audience.PARTNER),  # webhook event "parcel_delivered"
    "stage_reminder": (),  # the stage's owner, given by the caller
    "stage_escalated": (Audience.SELLER, Audience.ADMIN),
    # A platform admin's actions (workflow.admin_actions): the partner losing a request is told before
    # it leaves (the new one gets "request_submitted"); an escalation reaches both sides.
    "request_reassigned": (Audience.PARTNER,),
    "request_escalated": (Audience.SELLER, Audience.PARTNER),
    "info_updated": (Audience.PARTNER,),
    "customer_contacted": (Audience.PARTNER,),
    "request_closed": (Audience.PARTNER,),  # with the seller's three ratings and note
}
# A partner may turn these off (its settings page): no inbox or email rows for its staff then. Its
# webhook endpoints keep the events they chose.
PARTNER_SWITCHES: dict[str, str] = {
    "quote_accepted": "notify_quote_accepted",
    "quote_disputed": "notify_quote_disputed",
    "info_updated": "notify_info_updated",
    "customer_contacted": "notify_customer_contacted",
    "request_closed": "notify_closed",
}
# A statement's happenings (reship.notifications.statements tells whom): webhook event types too.
STATEMENT_TEMPLATES: frozenset[str] = frozenset(
    {
        "statement.issued",
        "statement.line_disputed",
        "statement.adjusted",
        "statement.confirmed",
        "statement.payment_recorded",
        "statement.settled",
    }
)
# Every event a webhook endpoint can choose.
TEMPLATES = frozenset(WHO_IS_TOLD) | STATEMENT_TEMPLATES
# Sent to one webhook endpoint on request (``POST /api/v1/webhooks/{id}/test/``); no audience and no
# request, so it is kept out of ``TEMPLATES`` (the events an endpoint can choose).
WEBHOOK_TEST = "webhook_test"


def _json_safe(context: dict[str, Any]) -> dict[str, Any]:
    """Payloads hold plain JSON: decimals, dates and lazy strings become strings once, here."""
    safe: dict[str, Any] = json.loads(json.dumps(context, cls=DjangoJSONEncoder))
    return safe


def supplier_language(supplier: Supplier) -> str:
    """A source writes in English when overseas, else Chinese (its emails, its pages)."""
    return "en" if supplier.region == "overseas" else "zh-hans"


def _member_users(request: ReshipRequest, audience: Audience) -> QuerySet[User]:
    from reship.accounts.models import User

    if audience == Audience.SELLER:
        return User.objects.filter(seller_membership__seller_id=request.seller_id, is_active=True).order_by("pk")
    if audience == Audience.PARTNER:
        return User.objects.filter(partner_membership__partner_id=request.partner_id, is_active=True).order_by("pk")
    return User.objects.filter(is_superuser=True, is_active=True).exclude(email="").order_by("pk")


def endpoints_choosing(
    *, template: str, seller_id: int | None = None, partner_id: int | None = None
) -> list[WebhookEndpoint]:
    """An organisation's active endpoints that chose this event (an empty choice means all)."""
    from reship.models import WebhookEndpoint

    owner = {"seller_id": seller_id} if seller_id is not None else {"partner_id": partner_id}
    endpoints = WebhookEndpoint.objects.filter(is_active=True, **owner).order_by("pk")
    # In Python: JSON "contains" on a list is not portable to SQLite, and an organisation has few.
    return [endpoint for endpoint in endpoints if not endpoint.events or template in endpoint.events]


def webhook_rows(
    base: dict[str, Any], endpoints: Iterable[WebhookEndpoint], *, legacy_url: str = ""
) -> list[Notification]:
    """A row per endpoint, and one for a partner's legacy ``webhook_url`` (signed with its secret)."""
    rows = (
        [Notification(**base, channel=NotificationChannel.WEBHOOK, recipient_address=legacy_url, language="en")]
        if legacy_url
        else []
    )
    rows.extend(
        Notification(
            **base,
            channel=NotificationChannel.WEBHOOK,
            recipient_address=endpoint.url,
            webhook_endpoint=endpoint,
            language="en",
        )
        for endpoint in endpoints
    )
    return rows


def supplier_email_row(base: dict[str, Any], supplier: Supplier | None) -> list[Notification]:
    """The source's email (it has no account), in its language, when it has an address."""
    if supplier is None or not supplier.email:
        return []
    return [
        Notification(
            **base,
            channel=NotificationChannel.EMAIL,
            recipient_address=supplier.email,
            language=supplier_language(supplier),
        )
    ]


def _rows_for(
    request: ReshipRequest,
    audience: Audience,
    base: dict[str, Any],
    supplier: Supplier | None,
) -> list[Notification]:
    if audience == Audience.SUPPLIER:
        return supplier_email_row(base, supplier)
    if audience not in (Audience.SELLER, Audience.PARTNER, Audience.ADMIN):
        return []
    switch = PARTNER_SWITCHES.get(base["template"]) if audience == Audience.PARTNER else None
    told = switch is None or getattr(request.partner, switch)
    rows = staff_rows(base, _member_users(request, audience), inbox=audience != Audience.ADMIN) if told else []
    if audience == Audience.SELLER:
        rows += webhook_rows(base, endpoints_choosing(template=base["template"], seller_id=request.seller_id))
    elif audience == Audience.PARTNER:
        rows += webhook_rows(
            base,
            endpoints_choosing(template=base["template"], partner_id=request.partner_id),
            legacy_url=request.partner.webhook_url,
        )
    return rows


def announce(
    *,
    request: ReshipRequest,
    template: str,
    context: dict[str, Any] | None = None,
    audience: Iterable[str] | None = None,
    supplier: Supplier | None = None,
    channels: Iterable[str] | None = None,
) -> list[Notification]:
    """Write the rows for one happening and deliver them after commit. Must run inside the
    transaction of the change it announces. ``channels`` limits the rows to those channels. The
    customer is never told through here: ``reship.notifications.customer.customer_tell``."""
    if template not in WHO_IS_TOLD:
        raise ValueError(f"Unknown notification template {template!r}")
    audiences = [Audience(value) for value in (audience if audience is not None else WHO_IS_TOLD[template])]
    payload = _json_safe(
        {
            "request_id": request.pk,
            "request_number": request.number,
            "order_number": request.order.platform_order_number,
            "seller": request.seller.name,
            "partner": request.partner.name,
            "status": request.status,
            **(context or {}),
        }
    )
    chosen = frozenset(channels) if channels is not None else None
    rows: list[Notification] = []
    for each in audiences:
        base = {"template": template, "request": request, "payload": {**payload, "audience": each.value}}
        rows.extend(_rows_for(request, each, base, supplier))
    if chosen is not None:
        rows = [row for row in rows if row.channel in chosen]
    awaiting.awaits_mark(rows, request)
    _webhook_data_add(request, [row for row in rows if row.channel == NotificationChannel.WEBHOOK], context or {})
    created = Notification.objects.bulk_create(rows)
    enqueue_on_commit(created)
    return created


def enqueue_on_commit(created: list[Notification]) -> None:
    """After the caller's transaction commits, hand the rows still to be sent to Celery (inbox rows
    are written sent: nothing to queue for them)."""
    ids = [row.pk for row in created if row.status == NotificationStatus.PENDING]
    webhook_ids = {row.pk for row in created if row.channel == NotificationChannel.WEBHOOK}
    if ids:
        transaction.on_commit(lambda: enqueue(ids, webhook_ids=webhook_ids & set(ids)))


def _webhook_data_add(request: ReshipRequest, rows: list[Notification], context: dict[str, Any]) -> None:
    """What a webhook row's receiver gets as ``data``, kept on the row (``payload["data"]``) as of the
    change it announces: the request as ``GET /api/v1/requests/{id}/`` shows it to the receiving
    side, and the event's own fields under ``event``. Read once per side, only when a webhook goes."""
    if not rows:
        return
    loaded = request_detail_load(request.pk)
    if loaded is None:
        return
    now = timezone.now()
    event = _json_safe(context)
    by_side: dict[str, dict[str, Any]] = {}
    for row in rows:
        audience = row.payload["audience"]
        if audience not in by_side:
            side = Role.SELLER if audience == Audience.SELLER else Role.PARTNER
            by_side[audience] = {**request_representation(loaded, side=side, now=now), "event": event}
        row.payload = {**row.payload, "data": by_side[audience]}


def webhook_test_queue(endpoint: WebhookEndpoint) -> Notification:
    """A ``webhook_test`` event for one endpoint, delivered after commit like any other row."""
    row = Notification.objects.create(
        channel=NotificationChannel.WEBHOOK,
        template=WEBHOOK_TEST,
        recipient_address=endpoint.url,
        webhook_endpoint=endpoint,
        language="en",
        payload={
            "webhook_endpoint_id": endpoint.pk,
            "message": "A test event from Reship: your endpoint is reachable and the signature checks out.",
        },
    )
    transaction.on_commit(lambda: enqueue([row.pk], webhook_ids={row.pk}))
    return row


def enqueue(notification_ids: list[int], *, webhook_ids: Collection[int] | None = None) -> None:
    """Hand rows to Celery (``webhook_ids``: those of them that are webhooks, which have a queue of
    their own). A broker that is down costs nothing: the rows stay pending and the sweeper picks
    them up, so this never raises into the request that committed them."""
    from reship.notifications.tasks import enqueue_delivery

    enqueue_delivery(notification_ids, webhook_ids=webhook_ids)
