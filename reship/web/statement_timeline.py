"""A statement's timeline as its page shows it: each event with its figures (a payment's amount,
date, method and reference; the totals at settlement; balances carried forward; an adjustment's
amount) and an adjusted line's before → after, labelled in the reader's language."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext as _

from reship.choices import CostBearer, PaymentMethod, StatementEventKind
from reship.models import StatementEvent, StatementLine


@dataclass(frozen=True)
class EventRow:
    event: StatementEvent
    changes: list[tuple[str, str, str]]
    facts: list[tuple[str, str]] = field(default_factory=list)


def event_changes(event: StatementEvent) -> list[tuple[str, str, str]]:
    """An adjustment's before → after, field by field, as the writer put them in ``data``."""
    data = event.data if isinstance(event.data, dict) else {}
    before, after = data.get("before"), data.get("after")
    if not isinstance(before, dict) or not isinstance(after, dict):
        return []
    return [
        (field_label(name), field_value(name, before.get(name)), field_value(name, after.get(name)))
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name)
    ]


def amount_text(amount: Any, currency: Any) -> str:
    """An amount of the event's data ("100.00", "CNY") as the page shows money: 100.00 CNY."""
    return f"{amount} {currency}".strip() if amount not in (None, "") else ""


def totals_facts(totals: Any) -> list[tuple[str, str]]:
    """Per currency: net payable, paid, balance (as the writer put them in ``data["totals"]``)."""
    if not isinstance(totals, dict):
        return []
    facts = []
    for currency, figures in sorted(totals.items()):
        if isinstance(figures, dict):
            facts.append(
                (
                    str(currency),
                    _("net payable %(net)s · paid %(paid)s · balance %(balance)s")
                    % {
                        "net": figures.get("net", "—"),
                        "paid": figures.get("paid", "—"),
                        "balance": figures.get("balance", "—"),
                    },
                )
            )
    return facts


def event_facts(event: StatementEvent) -> list[tuple[str, str]]:
    """The figures an event carries, labelled: a payment's amount, date, method and reference; the
    totals at settlement; the balances carried forward; an adjustment's amount; a line's number."""
    data = event.data if isinstance(event.data, dict) else {}
    kind = event.kind
    facts: list[tuple[str, str]] = []
    if data.get("position") and kind in (StatementEventKind.LINE_DISPUTED, StatementEventKind.LINE_ADJUSTED):
        facts.append((_("Line No."), str(data["position"])))
    if kind == StatementEventKind.LINE_DISPUTED and data.get("due") is not None:
        facts.append((_("Amount due"), amount_text(data.get("due"), data.get("currency"))))
    if kind == StatementEventKind.PAYMENT_RECORDED:
        method = data.get("method")
        facts += [
            (_("Amount"), amount_text(data.get("amount"), data.get("currency"))),
            (_("Paid on"), str(data.get("paid_on") or "—")),
            (_("Method"), str(PaymentMethod(method).label) if method in PaymentMethod.values else str(method or "—")),
            (_("Reference"), str(data.get("reference") or "—")),
        ]
        if data.get("balance_after") is not None:
            facts.append((_("Balance after"), amount_text(data.get("balance_after"), data.get("currency"))))
    elif kind == StatementEventKind.ADJUSTMENT_ADDED:
        facts.append((_("Amount due"), amount_text(data.get("due"), data.get("currency"))))
    elif kind in (StatementEventKind.SETTLED, StatementEventKind.CONFIRMED):
        facts += totals_facts(data.get("totals"))
    elif kind == StatementEventKind.CARRIED_FORWARD:
        balances = data.get("balances")
        if isinstance(balances, dict):
            facts += [
                (_("Carried forward"), amount_text(amount, currency)) for currency, amount in sorted(balances.items())
            ]
        if data.get("carried_to_number"):
            facts.append((_("Into statement"), str(data["carried_to_number"])))
    return [(label, value) for label, value in facts if value]


def field_value(name: str, value: Any) -> str:
    """A choice shows its label (who bears it), anything else as written."""
    if name == "bearer" and value in CostBearer.values:
        return str(CostBearer(value).label)
    return "" if value is None else str(value)


def field_label(name: str) -> str:
    try:
        model_field = StatementLine._meta.get_field(name)
    except FieldDoesNotExist:
        return name
    return str(getattr(model_field, "verbose_name", name))
