"""Turning an outbox row into words: subject, plain text and HTML, in the recipient's language.

Templates live in ``templates/notifications/``: ``<template>.subject.txt``, ``<template>.txt`` and
``<template>.html`` (which extends ``base_email.html``) for each template of ``outbox.WHO_IS_TOLD``.
Their context is the row's payload, plus links made absolute with ``SITE_URL`` and the labels of
stored values, translated here rather than in the payload. The plain-text parts are rendered by a
second engine with autoescaping off ("Tom & Jerry" must not become "Tom &amp; Jerry" in a subject
or an SMS); the HTML part keeps Django's autoescaping.
"""

from __future__ import annotations

import re
from datetime import date
from functools import cache
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.template import Engine, engines
from django.template.backends.django import DjangoTemplates
from django.template.loader import render_to_string
from django.utils import translation

from reship.choices import (
    CompensationMethod,
    CostBearer,
    LineStatus,
    PaymentMethod,
    Reason,
    RequestStatus,
    StatementItem,
    StatementSide,
    StatementStatus,
)
from reship.lifecycle import stage_owner
from suppliers.choices import Channel

if TYPE_CHECKING:
    from reship.models import Notification

STAFF_AUDIENCES = frozenset({"seller", "partner", "admin"})
DATE_KEYS = ("promised_date", "ship_date")
SHORT_TEXT_LENGTH = 300


@cache
def _text_engine() -> Engine:
    """The project's template engine, with autoescaping off, for the subject and plain text."""
    backend = engines["django"]
    assert isinstance(backend, DjangoTemplates)  # TEMPLATES' one backend
    main = backend.engine
    return Engine(dirs=main.dirs, loaders=main.loaders, libraries=main.libraries, debug=main.debug, autoescape=False)


def is_customer_message(notification: Notification) -> bool:
    """A row ``reship.notifications.customer`` wrote: its words are in its payload, as sent."""
    payload = notification.payload or {}
    return payload.get("audience") == "customer" and "text" in payload


def customer_render(notification: Notification) -> tuple[str, str, str]:
    """A customer's message as the shop wrote it (its stored ``subject`` and ``text``), the HTML
    branded with the shop's logo and display name, a button to follow the request, signed by the
    shop: no "Reship", no request number."""
    payload: dict[str, Any] = notification.payload or {}
    subject = " ".join(str(payload.get("subject", "")).split())
    text = str(payload.get("text", "")).strip()
    shop = str(payload.get("shop", ""))
    with translation.override(notification.language):
        html = render_to_string(
            "notifications/customer_email.html",
            {
                "subject": subject,
                "text": text,
                "shop": shop,
                "logo_url": payload.get("logo_url", ""),
                "follow_link": payload.get("follow_link", ""),
                # The shop's wording usually signs with its name already.
                "signed": bool(shop) and text.rstrip().endswith(shop),
            },
        )
    return subject, text + "\n", html


def render(notification: Notification) -> tuple[str, str, str]:
    """``(subject, text, html)`` for the row, in its language."""
    if is_customer_message(notification):
        return customer_render(notification)
    name = notification.template
    with translation.override(notification.language):
        context = notification_context(notification)
        text_engine = _text_engine()
        subject = " ".join(text_engine.render_to_string(f"notifications/{name}.subject.txt", context).split())
        text = _tidy(text_engine.render_to_string(f"notifications/{name}.txt", context))
        html = render_to_string(f"notifications/{name}.html", {**context, "subject": subject})
    return subject, text, html


def short_text(text: str, limit: int = SHORT_TEXT_LENGTH) -> str:
    """The start of the plain text, for an SMS or IM message."""
    text = text.strip()
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "…"


def _tidy(text: str) -> str:
    """Template tags leave trailing spaces and runs of blank lines; keep one blank line at most."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"


def _label(choices: type, value: Any) -> Any:
    """The (lazy, so translated when rendered) label of a stored choice value; the value if unknown."""
    try:
        return choices(value).label
    except ValueError:
        return value or ""


def _date(value: Any) -> Any:
    """ISO dates in the payload become dates, so ``|date`` writes them in the recipient's style."""
    if isinstance(value, str) and value:
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    return value


def _carrier_name(facts: dict[str, Any]) -> Any:
    """A parcel's carrier in the reader's language: the payload keeps both names (its ``carrier``
    alone in rows written before carriers were a table)."""
    name = facts.get("carrier_name_zh") if (translation.get_language() or "").startswith("zh") else None
    return name or facts.get("carrier_name_en") or facts.get("carrier") or ""


def _sender_name(audience: str, payload: dict[str, Any]) -> str:
    """Customers hear from the shop they bought from, a source from the partner ordering from it."""
    if audience == "customer":
        return payload.get("seller") or ""
    if audience == "supplier":
        return payload.get("partner") or ""
    return "Reship"


def _statement_context(payload: dict[str, Any], site_url: str) -> dict[str, Any]:
    """A statement's row: its link (the page for staff, the signed link for a source), its period as
    dates, its status and the balance per currency as "CNY 120.00" (never added across currencies)."""
    audience = payload.get("audience", "")
    if audience == "supplier":
        url = site_url + payload["source_path"] if payload.get("source_path") else ""
    else:
        url = f"{site_url}/statements/{payload['statement_id']}/"
    totals = [
        {
            **total,
            "net_text": f"{total.get('currency', '')} {total.get('net', '')}",
            "balance_text": f"{total.get('currency', '')} {total.get('balance', '')}",
        }
        for total in payload.get("totals") or []
        if isinstance(total, dict)
    ]
    payment = payload.get("payment") if isinstance(payload.get("payment"), dict) else None
    return {
        "statement_url": url,
        "period_start": _date(payload.get("period_start")),
        "period_end": _date(payload.get("period_end")),
        "due_on": _date(payload.get("due_on")),
        "status_label": _label(StatementStatus, payload.get("status")),
        "totals": totals,
        "counterparty": payload.get("seller") or payload.get("supplier") or "",
        "line_item_label": _label(StatementItem, payload.get("line_item")),
        "payment": {
            **payment,
            "amount_text": f"{payment.get('currency', '')} {payment.get('amount', '')}",
            "method_label": _label(PaymentMethod, payment.get("method")),
            "payer_label": _label(StatementSide, payment.get("payer")),
        }
        if payment
        else None,
    }


def notification_context(notification: Notification) -> dict[str, Any]:
    payload: dict[str, Any] = notification.payload or {}
    request = notification.request if notification.request_id else None
    user = notification.recipient_user if notification.recipient_user_id else None
    audience = payload.get("audience", "")
    site_url = settings.SITE_URL.rstrip("/")
    request_id = payload.get("request_id")
    staff = audience in STAFF_AUDIENCES
    context: dict[str, Any] = {
        **payload,
        **{key: _date(payload.get(key)) for key in DATE_KEYS if key in payload},
        "audience": audience,
        "for_staff": staff,
        "for_customer": audience == "customer",
        "for_supplier": audience == "supplier",
        "site_url": site_url,
        "request_url": f"{site_url}/requests/{request_id}/" if staff and request_id else "",
        "status_label": _label(RequestStatus, payload.get("status")),
        "owner": stage_owner(payload.get("status", "")).value,
        "currency": payload.get("currency") or (request.currency if request else ""),
        "customer_name": payload.get("customer_name") or (request.order.customer_name if request else ""),
        "recipient_name": user.get_full_name() if user else "",
        "sender_name": _sender_name(audience, payload),
        "request_reason_label": _label(Reason, request.reason) if request else "",
        "cost_bearer": _label(CostBearer, payload.get("cost_bearer")),
        "method": _label(CompensationMethod, payload.get("method")),
        "restock_link_days": settings.RESHIP_RESTOCK_LINK_DAYS,
        "survey_link_days": settings.RESHIP_SURVEY_LINK_DAYS,
    }
    if "carrier" in payload:
        context["carrier"] = _carrier_name(payload)
    listed = payload.get("channels")
    channels: list[Any] = listed if isinstance(listed, list) else [payload.get("channel")]
    separator = "、" if (translation.get_language() or "").startswith("zh") else ", "
    context["channel_label"] = separator.join(str(_label(Channel, each)) for each in channels if each)
    if payload.get("survey_path"):
        context["survey_url"] = site_url + payload["survey_path"]
    if isinstance(payload.get("items"), list):
        context["items"] = [
            {**item, "confirm_url": site_url + item["confirm_path"] if item.get("confirm_path") else ""}
            for item in payload["items"]
        ]
    if payload.get("statement_id"):
        context.update(_statement_context(payload, site_url))
    if isinstance(payload.get("lines"), list):
        context["lines"] = [
            {
                **line,
                **({"carrier": _carrier_name(line)} if line.get("carrier") else {}),
                "status_label": _label(LineStatus, line.get("status")),
                "compensation_method_label": _label(CompensationMethod, line.get("compensation_method")),
            }
            for line in payload["lines"]
            if isinstance(line, dict)
        ]
    return context
