"""The skeleton every statement step shares (the only writer of statements is this package, called
through ``reship.settlement.statements``): lock the row, check the side before the status, write the
event, keep the totals from one aggregate query, write the lines from the money rules."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Literal

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from reship import lifecycle, permissions
from reship.choices import (
    StatementAction,
    StatementKind,
    StatementSide,
    StatementStatus,
)
from reship.core.errors import ActionNotPermitted, InvalidInput, InvalidTransition, StatementNotFound
from reship.models import (
    SettlementTerms,
    Statement,
    StatementEvent,
    StatementLine,
    StatementTotal,
)
from reship.settlement import amounts

if TYPE_CHECKING:
    from reship.accounts.models import User

logger = logging.getLogger(__name__)

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
ST = StatementStatus
OPEN_FOR_CARRY = (ST.CONFIRMED, ST.PARTLY_PAID)


# --- helpers ---------------------------------------------------------------------------------------
def period_label(start: date, end: date) -> str:
    first, last = formats.date_format(start, "SHORT_DATE_FORMAT"), formats.date_format(end, "SHORT_DATE_FORMAT")
    return f"{first} – {last}"


def money_text(currency: str, value: Decimal) -> str:
    return f"{currency} {value.quantize(CENT)}"


def decimal_input(value: Any, *, field: str, currency: str | None = None) -> Decimal:
    """A money amount from a form, the API or code: two decimals at most; ``"CNY 10"`` is accepted
    only when its code is the given currency."""
    if isinstance(value, Decimal):
        number = value
    else:
        text = str(value if value is not None else "").strip().replace(",", "")
        match = re.fullmatch(r"([A-Za-z]{3})?\s*(-?[0-9]*\.?[0-9]+)\s*([A-Za-z]{3})?", text)
        if not match:
            raise InvalidInput(_("Enter an amount such as 120.50."), field_errors={field: [_("Enter a number.")]})
        code = (match.group(1) or match.group(3) or "").upper()
        if code and currency is not None and code != currency:
            message = _("The amount is in %(code)s but the payment is in %(currency)s: one currency per payment.") % {
                "code": code,
                "currency": currency,
            }
            raise InvalidInput(message, field_errors={field: [message]})
        try:
            number = Decimal(match.group(2))
        except InvalidOperation:
            raise InvalidInput(
                _("Enter an amount such as 120.50."), field_errors={field: [_("Enter a number.")]}
            ) from None
    if not number.is_finite() or number != number.quantize(CENT):
        message = _("Amounts have at most two decimals.")
        raise InvalidInput(message, field_errors={field: [message]})
    return number.quantize(CENT)


def required_text(value: str | None, *, field: str, message: str) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput(message, field_errors={field: [message]})
    return text


def terms_for(partner_id: int, seller_id: int | None, supplier_id: int | None) -> SettlementTerms:
    """The pair's terms, or the defaults (an unsaved row) when the partner set none."""
    counterparty = {"seller_id": seller_id} if seller_id is not None else {"supplier_id": supplier_id or 0}
    found = SettlementTerms.objects.filter(partner_id=partner_id, **counterparty).first()
    return found or SettlementTerms(partner_id=partner_id, seller_id=seller_id, supplier_id=supplier_id)


def statement_terms(statement: Statement) -> SettlementTerms:
    return terms_for(statement.partner_id, statement.seller_id, statement.supplier_id)


def pair_q(partner_id: int, seller_id: int | None, supplier_id: int | None) -> Q:
    if seller_id is not None:
        return Q(kind=StatementKind.SELLER, partner_id=partner_id, seller_id=seller_id)
    return Q(kind=StatementKind.SUPPLIER, partner_id=partner_id, supplier_id=supplier_id)


def event_write(
    statement: Statement,
    *,
    kind: str,
    actor: User | None,
    side: str,
    from_status: str,
    now: datetime,
    line: StatementLine | None = None,
    message: str = "",
    data: dict[str, Any] | None = None,
) -> StatementEvent:
    return StatementEvent.objects.create(
        statement=statement,
        actor=actor,
        side=side,
        kind=kind,
        from_status=from_status,
        to_status=statement.status,
        line=line,
        message=message,
        data=data or {},
        created_at=now,
    )


def totals_recount(statement: Statement) -> None:
    """Totals per currency and the counts, from the lines in one aggregate query (plus the existing
    total rows): lines_total, net = lines_total + previous_balance; paid is kept."""
    per_currency = {
        row["currency"]: row
        for row in StatementLine.objects.filter(statement_id=statement.pk)
        .values("currency")
        .annotate(total=Sum("due"), lines=Count("id"), requests=Count("request_id", distinct=True))
        .order_by()
    }
    existing = {total.currency: total for total in StatementTotal.objects.filter(statement_id=statement.pk)}
    to_update: list[StatementTotal] = []
    to_create: list[StatementTotal] = []
    to_delete: list[int] = []
    for currency in sorted(set(per_currency) | set(existing)):
        lines_total = Decimal(per_currency[currency]["total"] or 0) if currency in per_currency else ZERO
        total = existing.get(currency)
        if total is None:
            to_create.append(
                StatementTotal(statement=statement, currency=currency, lines_total=lines_total, net=lines_total)
            )
            continue
        if currency not in per_currency and not total.previous_balance and not total.paid:
            to_delete.append(total.pk)
            continue
        total.lines_total = lines_total
        total.net = lines_total + total.previous_balance
        to_update.append(total)
    if to_create:
        StatementTotal.objects.bulk_create(to_create)
    if to_update:
        StatementTotal.objects.bulk_update(to_update, ["lines_total", "net"])
    if to_delete:
        StatementTotal.objects.filter(pk__in=to_delete).delete()
    statement.line_count = sum(row["lines"] for row in per_currency.values())
    statement.request_count = sum(row["requests"] for row in per_currency.values())
    statement.save(update_fields=["line_count", "request_count", "updated_at"])


def balances_of(statement: Statement) -> dict[str, Decimal]:
    return {
        total.currency: total.net - total.paid
        for total in StatementTotal.objects.filter(statement_id=statement.pk).order_by("currency")
    }


def zero_balances(statement: Statement) -> bool:
    return not any(balances_of(statement).values())


def totals_data(statement: Statement) -> dict[str, dict[str, str]]:
    return {
        total.currency: {
            "lines_total": str(total.lines_total),
            "previous_balance": str(total.previous_balance),
            "net": str(total.net),
            "paid": str(total.paid),
            "balance": str(total.net - total.paid),
        }
        for total in StatementTotal.objects.filter(statement_id=statement.pk).order_by("currency")
    }


def lines_write(statement: Statement, terms: SettlementTerms) -> int:
    """The statement's lines from the money rules, bulk-created in closing order (grouped by request)."""
    lines: list[StatementLine] = []
    for position, item in enumerate(amounts.statement_items(statement), start=1):
        share, due = amounts.line_due(
            kind=statement.kind,
            amount=item.amount,
            paid_by=item.paid_by,
            bearer=item.bearer,
            shared_seller_percent=terms.shared_seller_percent,
        )
        lines.append(
            StatementLine(
                statement=statement,
                position=position,
                request_id=item.request_id,
                reship_line_id=item.reship_line_id,
                request_number=item.request_number,
                order_number=item.order_number,
                closed_at=item.closed_at,
                item=item.item,
                resolution=item.resolution,
                currency=item.currency,
                amount=item.amount,
                paid_by=item.paid_by,
                bearer=item.bearer,
                counterparty_share=share,
                due=due,
                adjusts_id=item.adjusts_line_id,
                note=item.note,
            )
        )
    StatementLine.objects.bulk_create(lines, batch_size=1000)
    return len(lines)


def lines_rewrite(statement: Statement, terms: SettlementTerms) -> tuple[int, int]:
    """A draft's lines drawn up again (a draft's lines are never disputed, so nothing is lost)."""
    before = statement.line_count
    StatementLine.objects.filter(statement_id=statement.pk).delete()
    after = lines_write(statement, terms)
    totals_recount(statement)
    return before, after


# --- the transition skeleton -----------------------------------------------------------------------
@dataclass
class Step:
    statement: Statement
    side: StatementSide
    now: datetime
    from_status: str


def statement_lock(statement_id: int, actor: User | None) -> Statement:
    queryset = Statement.objects.select_for_update(of=("self",)).select_related("partner", "seller", "supplier")
    if actor is not None:
        queryset = queryset.filter(permissions.visible_statements_filter(actor))
    try:
        return queryset.get(pk=statement_id)
    except Statement.DoesNotExist:
        raise StatementNotFound(_("Statement not found.")) from None


def actions_for(statement: Statement, side: StatementSide | None) -> list[StatementAction]:
    """What this side may do to the statement now — the one answer for the pages, the API and the
    source's page: the lifecycle's steps for its status that this side takes, less a confirmation the
    side has already given (issuing is the issuer's confirmation)."""
    if side is None:
        return []
    confirmed = statement.issuer_confirmed_at if side == StatementSide.ISSUER else statement.counterparty_confirmed_at
    return [
        action
        for action in lifecycle.statement_allowed_actions(statement.status)
        if lifecycle.statement_side_may(action, side)
        and not (action == StatementAction.CONFIRM and confirmed is not None)
    ]


def side_for(statement: Statement, actor: User | None, as_source: bool) -> StatementSide | None:
    if as_source:  # a source never sees its statement as a draft
        if statement.kind != StatementKind.SUPPLIER or statement.status == ST.DRAFT:
            return None
        return StatementSide.COUNTERPARTY
    if actor is None:
        return StatementSide.ISSUER  # the system acts for the partner (the beat job)
    return permissions.statement_side(actor, statement)


def wrong_status(action: StatementAction, statement: Statement) -> InvalidTransition:
    status = statement.get_status_display().lower()
    facts = {"number": statement.number, "status": status}
    if action in (StatementAction.REFRESH, StatementAction.ISSUE):
        message = _(
            "Statement %(number)s is %(status)s; it can no longer be recalculated or edited. "
            "The other side may dispute a line, and you answer it."
        )
    elif action == StatementAction.CONFIRM:
        if statement.status == ST.DISPUTED:
            message = _(
                "A line of statement %(number)s is disputed; it can be confirmed once the partner has answered."
            )
        else:
            message = _("Statement %(number)s is %(status)s; it cannot be confirmed now.")
    elif action == StatementAction.DISPUTE_LINE:
        message = _("This statement is %(status)s; a line can no longer be disputed.")
    elif action == StatementAction.ADJUST_LINE:
        message = _("Statement %(number)s is %(status)s; only a disputed statement's lines can be adjusted.")
    elif statement.status == ST.SETTLED:
        message = _("This statement is settled already.")
    else:
        message = _("Statement %(number)s is %(status)s; payments are recorded once both sides have confirmed it.")
    return InvalidTransition(message % facts)


def step_check(
    action: StatementAction, statement: Statement, side: StatementSide | None, actor: User | None
) -> StatementSide:
    if side is None:
        if actor is None:
            raise StatementNotFound(_("Statement not found."))
        raise ActionNotPermitted(_("You may only read this statement."))
    if not lifecycle.statement_side_may(action, side):
        raise ActionNotPermitted(
            _("You may not %(action)s on this statement: it is the other side's step.")
            % {"action": action.label.lower()}
        )
    if statement.status not in lifecycle.STATEMENT_TRANSITIONS[action]:
        raise wrong_status(action, statement)
    return side


@contextmanager
def statement_transition(
    action: StatementAction, statement_id: int, actor: User | None, as_source: bool, now: datetime | None
) -> Iterator[Step]:
    """One transaction, the locked statement, the caller's side checked (403 before 409), and the
    moment (read after the lock is held)."""
    with transaction.atomic():
        statement = statement_lock(statement_id, actor)
        side = step_check(action, statement, side_for(statement, actor, as_source), actor)
        yield Step(statement=statement, side=side, now=now or timezone.now(), from_status=statement.status)


def statement_save(statement: Statement, *fields: str) -> None:
    statement.save(update_fields=sorted({*fields, "updated_at"}))


def other_side(side: StatementSide) -> Literal["issuer", "counterparty"]:
    return "counterparty" if side == StatementSide.ISSUER else "issuer"


def line_lock(statement: Statement, line_id: int) -> StatementLine:
    line = (
        StatementLine.objects.select_for_update(of=("self",))
        .filter(statement_id=statement.pk, pk=line_id)
        .select_related("request")
        .first()
    )
    if line is None:
        message = _("This line is not on statement %(number)s.") % {"number": statement.number}
        raise InvalidInput(message, field_errors={"line_id": [message]})
    return line
