"""Paying a statement: either side records a payment of the balance in one currency until every
balance is zero (settled)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext as _

from reship.choices import (
    PaymentMethod,
    StatementAction,
    StatementEventKind,
    StatementSide,
)
from reship.core.errors import InvalidInput
from reship.models import (
    StatementPayment,
    StatementTotal,
)
from reship.notifications.statements import statement_announce
from reship.settlement.base import (
    ST,
    ZERO,
    decimal_input,
    event_write,
    money_text,
    other_side,
    statement_save,
    statement_transition,
    totals_data,
    zero_balances,
)

if TYPE_CHECKING:
    from reship.accounts.models import User


# --- payments --------------------------------------------------------------------------------------
def _paid_on(value: Any, today: date) -> date:
    if isinstance(value, datetime):
        day = timezone.localdate(value) if timezone.is_aware(value) else value.date()
    elif isinstance(value, date):
        day = value
    else:
        try:
            day = date.fromisoformat(str(value or "").strip())
        except ValueError:
            error = _("Enter the day it was paid, e.g. 2026-12-01.")
            raise InvalidInput(error, field_errors={"paid_on": [error]}) from None
    if day > today:
        error = _("A payment cannot be dated in the future.")
        raise InvalidInput(error, field_errors={"paid_on": [error]})
    return day


def statement_record_payment(
    *,
    statement_id: int,
    actor: User | None,
    amount: Any,
    currency: str,
    paid_on: Any,
    method: str,
    reference: str = "",
    now: datetime | None = None,
) -> StatementPayment:
    """Either side records a payment of the balance in one currency (the side that owes it paid): no
    more than the balance, in a currency with a balance, not in the future; ``partly_paid`` until
    every currency's balance is zero, then ``settled`` (a second settlement is refused)."""
    with statement_transition(StatementAction.RECORD_PAYMENT, statement_id, actor, False, now) as step:
        statement = step.statement
        code = (currency or "").strip().upper()
        value = decimal_input(amount, field="amount", currency=code)
        if value <= 0:
            error = _("A payment is more than zero.")
            raise InvalidInput(error, field_errors={"amount": [error]})
        day = _paid_on(paid_on, timezone.localdate(step.now))
        if method not in PaymentMethod.values:
            error = _("Choose how it was paid.")
            raise InvalidInput(error, field_errors={"method": [error]})
        total = StatementTotal.objects.select_for_update().filter(statement_id=statement.pk, currency=code).first()
        balance = total.net - total.paid if total is not None else ZERO
        if total is None or not balance:
            error = _("This statement has no balance in %(currency)s.") % {"currency": code or "—"}
            raise InvalidInput(error, field_errors={"currency": [error]})
        if value > abs(balance):
            error = _("The payment is larger than the balance (%(balance)s).") % {
                "balance": money_text(code, abs(balance))
            }
            raise InvalidInput(error, field_errors={"amount": [error]})
        payer = StatementSide.COUNTERPARTY if balance > 0 else StatementSide.ISSUER
        payment = StatementPayment.objects.create(
            statement=statement,
            currency=code,
            amount=value,
            payer=payer,
            paid_on=day,
            method=method,
            reference=(reference or "").strip()[:100],
            recorded_by=actor,
            created_at=step.now,
        )
        total.paid += value if balance > 0 else -value
        total.save(update_fields=["paid"])
        settled = zero_balances(statement)
        statement.status = ST.SETTLED if settled else ST.PARTLY_PAID
        if settled:
            statement.settled_at = step.now
        statement_save(statement, "status", "settled_at")
        payment_data = {
            "payment": payment.pk,
            "currency": code,
            "amount": str(value),
            "payer": payer,
            "paid_on": day.isoformat(),
            "method": method,
            "reference": payment.reference,
            "balance_after": str(total.net - total.paid),
        }
        event_write(
            statement,
            kind=StatementEventKind.PAYMENT_RECORDED,
            actor=actor,
            side=step.side,
            from_status=step.from_status,
            now=step.now,
            data=payment_data,
        )
        statement_announce(
            statement=statement,
            template="statement.payment_recorded",
            audience=other_side(step.side),
            context={"payment": payment_data},
        )
        if settled:
            event_write(
                statement,
                kind=StatementEventKind.SETTLED,
                actor=actor,
                side=step.side,
                from_status=step.from_status,
                now=step.now,
                data={"totals": totals_data(statement)},
            )
            statement_announce(statement=statement, template="statement.settled", audience="both", context={})
        return payment
