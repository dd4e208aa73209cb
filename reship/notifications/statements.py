"""Who is told what about a statement (对账单), written as outbox rows in the writer's transaction and
delivered after commit (``outbox.enqueue``), like ``outbox.announce`` does for requests.

The issuer is the partner: its active staff (inbox, and email when they take emails), its legacy
``webhook_url`` and its webhook endpoints that chose the event. The counterparty is the seller (the
same channels) or the source, which has no account: an email to ``supplier.email`` with its signed
link (``core.signing.statement_source_path``).

``statement_data`` is the statement as the API shows it (compact: parties, period, status, totals),
sent as a webhook row's ``payload["data"]``; the API uses the same dict.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Literal

from django.core.serializers.json import DjangoJSONEncoder

from reship.choices import StatementKind
from reship.core.signing import statement_source_path
from reship.models import Notification, Statement, StatementTotal
from reship.notifications import outbox
from reship.notifications.outbox import STATEMENT_TEMPLATES
from reship.notifications.rows import staff_rows

if TYPE_CHECKING:
    from reship.accounts.models import User

Audience = Literal["issuer", "counterparty", "both"]


def _json_safe(value: dict[str, Any]) -> dict[str, Any]:
    safe: dict[str, Any] = json.loads(json.dumps(value, cls=DjangoJSONEncoder))
    return safe


def _totals(statement: Statement) -> list[dict[str, str]]:
    return [
        {
            "currency": total.currency,
            "lines_total": str(total.lines_total),
            "previous_balance": str(total.previous_balance),
            "net": str(total.net),
            "paid": str(total.paid),
            "balance": str(total.net - total.paid),
        }
        for total in StatementTotal.objects.filter(statement_id=statement.pk).order_by("currency")
    ]


def statement_data(statement: Statement, *, totals: list[dict[str, str]] | None = None) -> dict[str, Any]:
    """The statement as the API shows it (``GET /api/v1/statements/{id}/``' summary): plain JSON."""
    counterparty: dict[str, Any]
    if statement.kind == StatementKind.SELLER:
        counterparty = {
            "type": "seller",
            "id": statement.seller_id,
            "name": statement.seller.name if statement.seller else "",
        }
    else:
        counterparty = {
            "type": "supplier",
            "id": statement.supplier_id,
            "name": statement.supplier.name if statement.supplier else "",
        }
    return _json_safe(
        {
            "id": statement.pk,
            "number": statement.number,
            "kind": statement.kind,
            "partner": {"id": statement.partner_id, "name": statement.partner.name},
            "counterparty": counterparty,
            "period": statement.period,
            "period_start": statement.period_start,
            "period_end": statement.period_end,
            "status": statement.status,
            "version": statement.version,
            "request_count": statement.request_count,
            "line_count": statement.line_count,
            "disputed_line_count": statement.disputed_line_count,
            "issued_at": statement.issued_at,
            "due_on": statement.due_on,
            "confirmed_at": statement.confirmed_at,
            "settled_at": statement.settled_at,
            "carried_to": statement.carried_to_id,
            "totals": totals if totals is not None else _totals(statement),
        }
    )


def _members(statement: Statement, side: str) -> list[User]:
    from reship.accounts.models import User

    if side == "partner":
        users = User.objects.filter(partner_membership__partner_id=statement.partner_id, is_active=True)
    else:
        users = User.objects.filter(seller_membership__seller_id=statement.seller_id or 0, is_active=True)
    return list(users.order_by("pk"))


def _rows(statement: Statement, side: str, base: dict[str, Any], data: dict[str, Any]) -> list[Notification]:
    """One side's rows: ``partner`` / ``seller`` staff and webhooks, or the ``supplier``'s email."""
    if side == "supplier":
        return outbox.supplier_email_row(base, statement.supplier)
    rows = staff_rows(base, _members(statement, side))
    webhook_base = {**base, "payload": {**base["payload"], "data": data}}
    if side == "partner":
        endpoints = outbox.endpoints_choosing(template=base["template"], partner_id=statement.partner_id)
        return rows + outbox.webhook_rows(webhook_base, endpoints, legacy_url=statement.partner.webhook_url)
    endpoints = outbox.endpoints_choosing(template=base["template"], seller_id=statement.seller_id or 0)
    return rows + outbox.webhook_rows(webhook_base, endpoints)


def statement_announce(
    *, statement: Statement, template: str, audience: Audience, context: dict[str, Any] | None = None
) -> list[Notification]:
    """Write the rows telling ``audience`` (the issuer, the counterparty, or both) of one happening
    on the statement; delivered after commit. Must run inside the writer's transaction."""
    if template not in STATEMENT_TEMPLATES:
        raise ValueError(f"Unknown statement notification template {template!r}")
    totals = _totals(statement)
    counterparty_side = "seller" if statement.kind == StatementKind.SELLER else "supplier"
    sides = {"issuer": ["partner"], "counterparty": [counterparty_side], "both": ["partner", counterparty_side]}[
        audience
    ]
    payload = _json_safe(
        {
            "statement_id": statement.pk,
            "statement_number": statement.number,
            "kind": statement.kind,
            "period_start": statement.period_start,
            "period_end": statement.period_end,
            "partner": statement.partner.name,
            "seller": statement.seller.name if statement.seller else "",
            "supplier": statement.supplier.name if statement.supplier else "",
            "status": statement.status,
            "version": statement.version,
            "due_on": statement.due_on,
            "totals": totals,
            **(context or {}),
        }
    )
    data = statement_data(statement, totals=totals)
    rows: list[Notification] = []
    for side in sides:
        side_payload = {**payload, "audience": side}
        if side == "supplier":
            side_payload["source_path"] = statement_source_path(statement)
        base = {"template": template, "statement": statement, "payload": side_payload}
        rows.extend(_rows(statement, side, base, data))
    created = Notification.objects.bulk_create(rows)
    outbox.enqueue_on_commit(created)
    return created
