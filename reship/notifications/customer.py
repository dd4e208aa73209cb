"""Telling a customer: one message per event, on the channels the shop chose, in the shop's words.

``customer_tell`` fills the shop's wording of a message (``reship.customers.messages``) with the
request's facts, writes one outbox row per channel the shop chose for it and the order can reach
(``reship.customers.policy``), each logged in the request's contact log as an automatic message
whose delivery result is its outbox row's status. A message has an identity (``dedup_key``: the
request, the message, the channel and what it is about — a parcel, a set of lines): asked again,
it is not written again, so a customer never gets the same message twice. An SMS written in the
customer's quiet hours (22:00–08:00 their time) waits until 08:00.

The rows carry the rendered words (``subject``, ``text``) and the shop's name and logo: rendering
sends them as written (``reship.notifications.rendering.customer_render``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from reship.choices import CompensationMethod, Counterpart, Direction, NotificationChannel
from reship.core import signing
from reship.core.charts import format_money
from reship.customers import branding, messages, policy
from reship.customers.messages import Wording
from reship.models import CommunicationRecord, Notification

if TYPE_CHECKING:
    from datetime import datetime

    from reship.accounts.models import User
    from reship.models import ReshipLine, ReshipRequest

# The seller's own message from the contact step (客户沟通): sent as typed, no placeholders.
CONTACT_MESSAGE = "customer_message"
CONTACT_ABOUT = "contact"
CUSTOMER_AUDIENCE = "customer"


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path if path else ""


def _chinese(language: str) -> bool:
    return messages.language_of(language) == "zh-hans"


def items_text(lines: Sequence[dict[str, Any]], language: str) -> str:
    """ "2 × 保温杯、1 × 杯盖" in Chinese, "2 × Mug, 1 × Lid" in English (a substitute under its own name)."""
    parts = [f"{line.get('quantity', 1)} × {line.get('substitute_name') or line.get('name') or ''}" for line in lines]
    return ("、" if _chinese(language) else ", ").join(parts)


def amount_text(amount: Any, currency: str, language: str) -> str:
    """ "¥12.00" for a Chinese reader, "CNY 12.00" for an English one."""
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        return str(amount or "")
    if _chinese(language):
        with translation.override("zh-hans"):
            return format_money(value, currency)
    return f"{currency} {value.quantize(Decimal('0.01'))}"


def line_facts(lines: Iterable[ReshipLine]) -> list[dict[str, Any]]:
    """What ``{items}`` names of each line: the product (or its substitute) and the quantity."""
    return [
        {
            "name": line.order_line.product.name,
            "quantity": line.quantity,
            "substitute_name": line.substitute_product.name if line.substitute_product else None,
        }
        for line in lines
    ]


def _request_lines(request: ReshipRequest) -> list[dict[str, Any]]:
    return line_facts(request.lines.select_related("order_line__product", "substitute_product").order_by("pk"))


def message_values(request: ReshipRequest, facts: dict[str, Any] | None = None) -> dict[str, str]:
    """Every placeholder's value for this request in the customer's language (``facts``: the
    event's own — a parcel's carrier and number, an amount and method, a survey link, a reason)."""
    facts = facts or {}
    order = request.order
    language = order.customer_language
    chinese = _chinese(language)
    lines = facts.get("lines")
    values: dict[str, str] = {
        "shop": branding.shop_name(request.seller),
        "customer_name": order.customer_name,
        "order_number": order.platform_order_number,
        "follow_link": _absolute(signing.track_path(request)),
        "items": items_text(lines if isinstance(lines, list) else _request_lines(request), language),
    }
    carrier = (facts.get("carrier_name_zh") if chinese else facts.get("carrier_name_en")) or facts.get("carrier")
    if carrier:
        values["carrier"] = str(carrier)
    for key, source in (("tracking_number", "tracking_number"), ("tracking_link", "tracking_url")):
        if facts.get(source):
            values[key] = str(facts[source])
    if facts.get("amount") not in (None, ""):
        values["amount"] = amount_text(facts["amount"], facts.get("currency") or request.currency, language)
    if facts.get("method"):
        with translation.override(language):
            try:
                values["method"] = str(CompensationMethod(facts["method"]).label)
            except ValueError:
                values["method"] = str(facts["method"])
    if facts.get("survey_path"):
        values["survey_link"] = _absolute(facts["survey_path"])
    values["survey_days"] = str(facts.get("survey_days") or settings.RESHIP_SURVEY_LINK_DAYS)
    if facts.get("reason"):
        values["reason"] = str(facts["reason"])
    return values


def filled(request: ReshipRequest, event: str, facts: dict[str, Any] | None = None) -> Wording:
    """The shop's wording of a message, filled for this request (what the customer would read)."""
    wording = messages.wording_for(request.seller_id, event, request.order.customer_language)
    values = message_values(request, facts)
    return Wording(
        messages.fill(wording.subject, values), messages.fill(wording.body, values), messages.fill(wording.sms, values)
    )


def _contact_wording(request: ReshipRequest, text: str) -> Wording:
    """The seller's own message: their text as typed, under the shop's name."""
    with translation.override(request.order.customer_language):
        subject = _("%(shop)s: about your order %(order)s") % {
            "shop": branding.shop_name(request.seller),
            "order": request.order.platform_order_number,
        }
    return Wording(subject, text, text)


def _address(request: ReshipRequest, channel: str) -> str:
    order = request.order
    return order.customer_email if channel == NotificationChannel.EMAIL else order.customer_phone


def customer_tell(
    *,
    request: ReshipRequest,
    event: str,
    now: datetime,
    about: str | int = "",
    facts: dict[str, Any] | None = None,
    channels: Sequence[str] | None = None,
    actor: User | None = None,
) -> list[Notification]:
    """Tell the request's customer about ``event`` (a ``CustomerEvent``, or ``customer_message``
    with ``facts["message"]`` for the seller's own text), inside the caller's transaction. The
    channels are the shop's choice unless given; each is written once per ``about``. Returns the
    rows written: none when the shop chose not to, the order cannot be reached, or it was sent."""
    order = request.order
    if channels is None:
        channels = policy.automatic_channels(order, event)
    channels = [each for each in channels if _address(request, each)]
    if not channels:
        return []
    keys = {each: messages.dedup_key(request.pk, event, each, about) for each in channels}
    sent = set(Notification.objects.filter(dedup_key__in=keys.values()).values_list("dedup_key", flat=True))
    channels = [each for each in channels if keys[each] not in sent]
    if not channels:
        return []
    if event == CONTACT_MESSAGE:
        wording = _contact_wording(request, str((facts or {}).get("message", "")))
    else:
        wording = filled(request, event, facts)
    seller = request.seller
    base_payload = {
        "audience": CUSTOMER_AUDIENCE,
        "request_id": request.pk,
        "order_number": order.platform_order_number,
        "shop": branding.shop_name(seller),
        "logo_url": _absolute(branding.logo_path(seller)),
        "follow_link": _absolute(signing.track_path(request)),
        "customer_name": order.customer_name,
        "subject": wording.subject,
        # The email's button: the survey for the survey's invitation, else the tracking page.
        "survey_link": _absolute(str((facts or {}).get("survey_path") or "")),
    }
    rows: list[Notification] = []
    for channel in channels:
        sms = channel == NotificationChannel.SMS
        row = Notification.objects.create(
            channel=channel,
            template=event,
            request=request,
            recipient_address=_address(request, channel),
            language=messages.language_of(order.customer_language),
            payload={**base_payload, "text": wording.sms if sms else wording.body},
            dedup_key=keys[channel],
            next_attempt_at=policy.sms_send_at(order, now) if sms else now,
            created_at=now,
        )
        CommunicationRecord.objects.create(
            request=request,
            counterpart=Counterpart.CUSTOMER,
            channel=channel,
            direction=Direction.OUTBOUND,
            summary=row.payload["text"],
            automatic=event != CONTACT_MESSAGE,  # the seller's own message is not automatic
            notification=row,
            recorded_by=actor,
            occurred_at=now,
        )
        rows.append(row)
    # A held SMS is not queued now: the sweeper sends it when it falls due (at 08:00 there).
    due = [row.pk for row in rows if row.next_attempt_at <= now]
    if due:
        transaction.on_commit(lambda: _enqueue(due))
    return rows


def _enqueue(ids: list[int]) -> None:
    from reship.notifications import outbox

    outbox.enqueue(ids)
