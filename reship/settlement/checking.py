"""Checking a statement: a side confirms; the counterparty disputes a line; the issuer answers it
(adjusts the line, or adds an adjustment line)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db.models import Max
from django.utils.translation import gettext as _

from reship.choices import (
    AuthorRole,
    CostBearer,
    CostPayer,
    StatementAction,
    StatementEventKind,
    StatementItem,
    StatementKind,
    StatementLineStatus,
    StatementSide,
)
from reship.core.errors import InvalidInput, InvalidTransition
from reship.models import (
    RequestMessage,
    ReshipRequest,
    Statement,
    StatementLine,
    StatementTotal,
)
from reship.notifications.statements import statement_announce
from reship.settlement import amounts
from reship.settlement.base import (
    ST,
    ZERO,
    decimal_input,
    event_write,
    line_lock,
    money_text,
    other_side,
    required_text,
    statement_save,
    statement_terms,
    statement_transition,
    totals_data,
    totals_recount,
    zero_balances,
)

if TYPE_CHECKING:
    from reship.accounts.models import User


# --- confirm, dispute, answer ----------------------------------------------------------------------
def statement_confirm(
    *, statement_id: int, actor: User | None, as_source: bool = False, now: datetime | None = None
) -> Statement:
    """A side confirms the statement as it stands (every line not disputed). Both confirmed →
    ``confirmed`` (or ``settled`` at once when every balance is zero)."""
    with statement_transition(StatementAction.CONFIRM, statement_id, actor, as_source, now) as step:
        statement = step.statement
        if StatementLine.objects.filter(statement_id=statement.pk, status=StatementLineStatus.DISPUTED).exists():
            raise InvalidTransition(
                _("A line of statement %(number)s is disputed; it can be confirmed once the partner has answered.")
                % {"number": statement.number}
            )
        issuer = step.side == StatementSide.ISSUER
        if (statement.issuer_confirmed_at if issuer else statement.counterparty_confirmed_at) is not None:
            raise InvalidTransition(
                _("You have confirmed version %(version)s of statement %(number)s already.")
                % {"version": statement.version, "number": statement.number}
            )
        if issuer:
            statement.issuer_confirmed_at, statement.issuer_confirmed_by = step.now, actor
        else:
            statement.counterparty_confirmed_at, statement.counterparty_confirmed_by = step.now, actor
        fields = [
            "issuer_confirmed_at",
            "issuer_confirmed_by",
            "counterparty_confirmed_at",
            "counterparty_confirmed_by",
        ]
        both = statement.issuer_confirmed_at is not None and statement.counterparty_confirmed_at is not None
        settled = both and zero_balances(statement)
        if both:
            statement.status = ST.CONFIRMED
            statement.confirmed_at = step.now
            fields += ["status", "confirmed_at"]
        statement_save(statement, *fields)
        event_write(
            statement,
            kind=StatementEventKind.CONFIRMED,
            actor=actor,
            side=step.side,
            from_status=step.from_status,
            now=step.now,
            data={"version": statement.version, "totals": totals_data(statement)},
        )
        statement_announce(
            statement=statement, template="statement.confirmed", audience=other_side(step.side), context={}
        )
        if settled:
            statement.status = ST.SETTLED
            statement.settled_at = step.now
            statement_save(statement, "status", "settled_at")
            event_write(
                statement,
                kind=StatementEventKind.SETTLED,
                actor=actor,
                side=step.side,
                from_status=ST.CONFIRMED,
                now=step.now,
                message=_("Nothing is owed either way."),
            )
            statement_announce(statement=statement, template="statement.settled", audience="both", context={})
        return statement


def statement_dispute_line(
    *,
    statement_id: int,
    line_id: int,
    actor: User | None,
    reason: str,
    as_source: bool = False,
    now: datetime | None = None,
) -> StatementLine:
    """The counterparty disputes one line with a reason (required). The reason is also written in the
    line's request's thread (so it is discussed there). The statement becomes ``disputed``."""
    with statement_transition(StatementAction.DISPUTE_LINE, statement_id, actor, as_source, now) as step:
        statement = step.statement
        text = required_text(reason, field="reason", message=_("Say why this line is wrong."))
        line = line_lock(statement, line_id)
        if line.status == StatementLineStatus.DISPUTED:
            raise InvalidTransition(_("This line is disputed already; the partner has not answered yet."))
        first_time = line.disputed_at is None
        line.status = StatementLineStatus.DISPUTED
        line.dispute_reason = text
        line.disputed_at = step.now
        line.disputed_by = actor
        line.save(update_fields=["status", "dispute_reason", "disputed_at", "disputed_by"])
        statement.status = ST.DISPUTED
        fields = ["status"]
        if first_time:
            statement.disputed_line_count += 1
            fields.append("disputed_line_count")
        statement_save(statement, *fields)
        if line.request_id is not None:
            body = _("Statement %(number)s, line %(position)s (%(item)s, %(amount)s) disputed: %(reason)s") % {
                "number": statement.number,
                "position": line.position,
                "item": line.get_item_display(),
                "amount": money_text(line.currency, line.amount),
                "reason": text,
            }
            RequestMessage.objects.create(
                request_id=line.request_id,
                author=actor,
                author_role=AuthorRole.SELLER if actor is not None else AuthorRole.SYSTEM,
                body=body,
                created_at=step.now,
            )
        event_write(
            statement,
            kind=StatementEventKind.LINE_DISPUTED,
            actor=actor,
            side=step.side,
            from_status=step.from_status,
            now=step.now,
            line=line,
            message=text,
            data={"line": line.pk, "position": line.position, "due": str(line.due), "currency": line.currency},
        )
        statement_announce(
            statement=statement,
            template="statement.line_disputed",
            audience="issuer",
            context={
                "line_position": line.position,
                "line_request": line.request_number,
                "line_item": line.item,
                "reason": text,
            },
        )
        return line


def _answer(statement: Statement) -> bool:
    """Totals recounted; when no line is disputed any more: ``adjusted``, both confirmations cleared,
    version bumped (the caller's event records the move, and the counterparty is told)."""
    totals_recount(statement)
    if StatementLine.objects.filter(statement_id=statement.pk, status=StatementLineStatus.DISPUTED).exists():
        return False
    statement.status = ST.ADJUSTED
    statement.version += 1
    statement.issuer_confirmed_at = None
    statement.issuer_confirmed_by = None
    statement.counterparty_confirmed_at = None
    statement.counterparty_confirmed_by = None
    statement_save(
        statement,
        "status",
        "version",
        "issuer_confirmed_at",
        "issuer_confirmed_by",
        "counterparty_confirmed_at",
        "counterparty_confirmed_by",
    )
    return True


def _announce_adjusted(statement: Statement) -> None:
    statement_announce(
        statement=statement,
        template="statement.adjusted",
        audience="counterparty",
        context={"version": statement.version},
    )


def _line_state(line: StatementLine) -> dict[str, str]:
    return {"bearer": line.bearer, "counterparty_share": str(line.counterparty_share), "due": str(line.due)}


def statement_adjust_line(
    *,
    statement_id: int,
    line_id: int,
    actor: User | None,
    message: str,
    bearer: str | None = None,
    counterparty_share: Any = None,
    amount: Any = None,
    now: datetime | None = None,
) -> StatementLine:
    """The issuer answers a disputed line: changes who bears it (``bearer``) or the counterparty's
    share (0 … amount), or keeps it, with a message (required). ``amount`` must stay the request's
    recorded cost (``amounts.recorded_costs``) — otherwise ``InvalidInput`` naming
    ``statement_add_adjustment``. Event ``line_adjusted`` with before/after. When no line is disputed
    any more the statement is ``adjusted``: both confirmations are cleared, ``version`` bumped."""
    with statement_transition(StatementAction.ADJUST_LINE, statement_id, actor, False, now) as step:
        statement = step.statement
        text = required_text(message, field="message", message=_("Say how you answer the dispute."))
        line = line_lock(statement, line_id)
        if line.status != StatementLineStatus.DISPUTED:
            raise InvalidTransition(_("Only a disputed line can be adjusted; this one is not disputed."))
        if amount not in (None, ""):
            new_amount = decimal_input(amount, field="amount")
            recorded = (
                amounts.recorded_costs(line.request).get((line.item, line.reship_line_id))
                if line.request is not None
                else line.amount
            )
            if recorded is None or new_amount != recorded:
                shown = money_text(line.currency, recorded if recorded is not None else line.amount)
                error = _(
                    "The amounts would no longer add up to the request's recorded costs (%(recorded)s). "
                    "Add an adjustment line with a reason instead."
                ) % {"recorded": shown}
                raise InvalidInput(error, field_errors={"amount": [error]})
        new_bearer = line.bearer
        if bearer not in (None, ""):
            if bearer not in CostBearer.values:
                error = _("Choose who bears the cost.")
                raise InvalidInput(error, field_errors={"bearer": [error]})
            if line.item == StatementItem.ADJUSTMENT:
                error = _("An adjustment line has no bearer; add another adjustment instead.")
                raise InvalidInput(error, field_errors={"bearer": [error]})
            new_bearer = str(bearer)
        before = _line_state(line)
        if counterparty_share not in (None, ""):
            share = decimal_input(counterparty_share, field="counterparty_share")
            if share < 0 or share > line.amount:
                error = _("The share must be between 0 and %(amount)s.") % {
                    "amount": money_text(line.currency, line.amount)
                }
                raise InvalidInput(error, field_errors={"counterparty_share": [error]})
            paid_by_counterparty = (
                line.amount if statement.kind == StatementKind.SELLER and line.paid_by == CostPayer.SELLER else ZERO
            )
            line.counterparty_share, line.due = share, share - paid_by_counterparty
        elif new_bearer != line.bearer:
            terms = statement_terms(statement)
            line.counterparty_share, line.due = amounts.line_due(
                kind=statement.kind,
                amount=line.amount,
                paid_by=line.paid_by,
                bearer=new_bearer,
                shared_seller_percent=terms.shared_seller_percent,
            )
        line.bearer = new_bearer
        line.status = StatementLineStatus.ADJUSTED
        line.save(update_fields=["bearer", "counterparty_share", "due", "status"])
        adjusted_now = _answer(statement)
        event_write(
            statement,
            kind=StatementEventKind.LINE_ADJUSTED,
            actor=actor,
            side=step.side,
            from_status=step.from_status,
            now=step.now,
            line=line,
            message=text,
            data={
                "line": line.pk,
                "position": line.position,
                "before": before,
                "after": _line_state(line),
                "version": statement.version,
            },
        )
        if adjusted_now:
            _announce_adjusted(statement)
        return line


def _statement_currencies(statement: Statement) -> set[str]:
    currencies = set(StatementTotal.objects.filter(statement_id=statement.pk).values_list("currency", flat=True))
    pair_requests = ReshipRequest.objects.filter(partner_id=statement.partner_id)
    if statement.seller_id is not None:
        pair_requests = pair_requests.filter(seller_id=statement.seller_id)
    else:
        pair_requests = pair_requests.filter(
            lines__order_line__product__supplier_id=statement.supplier_id or 0, cost_bearer=CostBearer.SUPPLIER
        )
    currencies |= set(pair_requests.values_list("currency", flat=True).distinct())
    return currencies


def statement_add_adjustment(
    *,
    statement_id: int,
    actor: User | None,
    due: Any,
    currency: str,
    reason: str,
    adjusts_line_id: int | None = None,
    now: datetime | None = None,
) -> StatementLine:
    """The issuer adds an adjustment line (signed ``due``, a currency of the statement, a reason) —
    the only way an amount may differ from the recorded costs; allowed while the statement is
    ``disputed`` (answering a dispute); the adjusted disputed line (``adjusts_line_id``) is then
    ``adjusted``."""
    with statement_transition(StatementAction.ADJUST_LINE, statement_id, actor, False, now) as step:
        statement = step.statement
        text = required_text(reason, field="reason", message=_("Say why the adjustment is made."))
        code = (currency or "").strip().upper()
        if code not in _statement_currencies(statement):
            error = _("%(currency)s is not a currency of this statement.") % {"currency": code or "—"}
            raise InvalidInput(error, field_errors={"currency": [error]})
        value = decimal_input(due, field="due", currency=code)
        if not value:
            error = _("An adjustment of zero changes nothing.")
            raise InvalidInput(error, field_errors={"due": [error]})
        adjusted: StatementLine | None = None
        if adjusts_line_id is not None:
            adjusted = line_lock(statement, adjusts_line_id)
            if adjusted.currency != code:
                error = _("The adjusted line is in %(currency)s.") % {"currency": adjusted.currency}
                raise InvalidInput(error, field_errors={"currency": [error]})
        position = (
            StatementLine.objects.filter(statement_id=statement.pk).aggregate(last=Max("position"))["last"] or 0
        ) + 1
        line = StatementLine.objects.create(
            statement=statement,
            position=position,
            request_id=adjusted.request_id if adjusted else None,
            request_number=adjusted.request_number if adjusted else "",
            order_number=adjusted.order_number if adjusted else "",
            closed_at=adjusted.closed_at if adjusted else None,
            item=StatementItem.ADJUSTMENT,
            currency=code,
            amount=abs(value),
            counterparty_share=value if value > 0 else ZERO,
            due=value,
            adjusts=adjusted,
            note=text,
        )
        if adjusted is not None and adjusted.status == StatementLineStatus.DISPUTED:
            adjusted.status = StatementLineStatus.ADJUSTED
            adjusted.save(update_fields=["status"])
        adjusted_now = _answer(statement)
        event_write(
            statement,
            kind=StatementEventKind.ADJUSTMENT_ADDED,
            actor=actor,
            side=step.side,
            from_status=step.from_status,
            now=step.now,
            line=line,
            message=text,
            data={
                "line": line.pk,
                "currency": code,
                "due": str(value),
                "adjusts": adjusted.pk if adjusted else None,
                "version": statement.version,
            },
        )
        if adjusted_now:
            _announce_adjusted(statement)
        return line
