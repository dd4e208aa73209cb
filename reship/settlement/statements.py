"""The only writer of statements (对账单). Every function: one transaction, the statement row locked
(``select_for_update``), the caller's side checked (``permissions.statement_side``; a statement the
caller may not see is ``StatementNotFound``, 404), the move checked against
``lifecycle.STATEMENT_TRANSITIONS`` (``InvalidTransition``, 409; the wrong side ``ActionNotPermitted``,
403), bad input refused with ``InvalidInput`` (422) and nothing written, one ``StatementEvent`` per
step (actor, side, from/to status, before/after in ``data``), totals kept (``StatementTotal``), and
the other side told (inbox, email, webhook ``statement.*``: ``reship.notifications.statements``).

``actor=None`` with ``as_source=True`` is the source acting through its signed link (its view
checked the token); ``actor=None`` alone is the system (the beat job).

Every check runs before the first write, so a refused call leaves nothing behind; totals are
recomputed from the lines with one aggregate query per change (``_recount``), never summed in Python.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Literal

from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, F, Max, OuterRef, Q, Subquery, Sum
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from reship import lifecycle, permissions
from reship.choices import (
    AuthorRole,
    CostBearer,
    CostPayer,
    PaymentMethod,
    RequestStatus,
    StatementAction,
    StatementEventKind,
    StatementItem,
    StatementKind,
    StatementLineStatus,
    StatementSide,
    StatementStatus,
)
from reship.core.errors import ActionNotPermitted, InvalidInput, InvalidTransition, StatementNotFound, WorkflowError
from reship.models import (
    RequestMessage,
    ReshipLine,
    ReshipRequest,
    SettlementTerms,
    Statement,
    StatementEvent,
    StatementLine,
    StatementPayment,
    StatementTotal,
)
from reship.notifications.statements import statement_announce
from reship.selectors.statements import statement_counterparty_known
from reship.settlement import amounts, periods

if TYPE_CHECKING:
    from reship.accounts.models import User

logger = logging.getLogger(__name__)

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
ST = StatementStatus
OPEN_FOR_CARRY = (ST.CONFIRMED, ST.PARTLY_PAID)


# --- helpers ---------------------------------------------------------------------------------------
def _period_label(start: date, end: date) -> str:
    first, last = formats.date_format(start, "SHORT_DATE_FORMAT"), formats.date_format(end, "SHORT_DATE_FORMAT")
    return f"{first} – {last}"


def _money(currency: str, value: Decimal) -> str:
    return f"{currency} {value.quantize(CENT)}"


def _decimal(value: Any, *, field: str, currency: str | None = None) -> Decimal:
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


def _required_text(value: str | None, *, field: str, message: str) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput(message, field_errors={field: [message]})
    return text


def _terms(partner_id: int, seller_id: int | None, supplier_id: int | None) -> SettlementTerms:
    """The pair's terms, or the defaults (an unsaved row) when the partner set none."""
    counterparty = {"seller_id": seller_id} if seller_id is not None else {"supplier_id": supplier_id or 0}
    found = SettlementTerms.objects.filter(partner_id=partner_id, **counterparty).first()
    return found or SettlementTerms(partner_id=partner_id, seller_id=seller_id, supplier_id=supplier_id)


def _statement_terms(statement: Statement) -> SettlementTerms:
    return _terms(statement.partner_id, statement.seller_id, statement.supplier_id)


def _pair_q(partner_id: int, seller_id: int | None, supplier_id: int | None) -> Q:
    if seller_id is not None:
        return Q(kind=StatementKind.SELLER, partner_id=partner_id, seller_id=seller_id)
    return Q(kind=StatementKind.SUPPLIER, partner_id=partner_id, supplier_id=supplier_id)


def _event(
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


def _recount(statement: Statement) -> None:
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


def _balances(statement: Statement) -> dict[str, Decimal]:
    return {
        total.currency: total.net - total.paid
        for total in StatementTotal.objects.filter(statement_id=statement.pk).order_by("currency")
    }


def _totals_data(statement: Statement) -> dict[str, dict[str, str]]:
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


def _write_lines(statement: Statement, terms: SettlementTerms) -> int:
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


def _rewrite_lines(statement: Statement, terms: SettlementTerms) -> tuple[int, int]:
    """A draft's lines drawn up again (a draft's lines are never disputed, so nothing is lost)."""
    before = statement.line_count
    StatementLine.objects.filter(statement_id=statement.pk).delete()
    after = _write_lines(statement, terms)
    _recount(statement)
    return before, after


# --- the transition skeleton -----------------------------------------------------------------------
@dataclass
class _Step:
    statement: Statement
    side: StatementSide
    now: datetime
    from_status: str


def _lock(statement_id: int, actor: User | None) -> Statement:
    queryset = Statement.objects.select_for_update(of=("self",)).select_related("partner", "seller", "supplier")
    if actor is not None:
        queryset = queryset.filter(permissions.visible_statements_filter(actor))
    try:
        return queryset.get(pk=statement_id)
    except Statement.DoesNotExist:
        raise StatementNotFound(_("Statement not found.")) from None


def _side(statement: Statement, actor: User | None, as_source: bool) -> StatementSide | None:
    if as_source:  # a source never sees its statement as a draft
        if statement.kind != StatementKind.SUPPLIER or statement.status == ST.DRAFT:
            return None
        return StatementSide.COUNTERPARTY
    if actor is None:
        return StatementSide.ISSUER  # the system acts for the partner (the beat job)
    return permissions.statement_side(actor, statement)


def _wrong_status(action: StatementAction, statement: Statement) -> InvalidTransition:
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


def _check(
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
        raise _wrong_status(action, statement)
    return side


@contextmanager
def _statement_transition(
    action: StatementAction, statement_id: int, actor: User | None, as_source: bool, now: datetime | None
) -> Iterator[_Step]:
    """One transaction, the locked statement, the caller's side checked (403 before 409), and the
    moment (read after the lock is held)."""
    with transaction.atomic():
        statement = _lock(statement_id, actor)
        side = _check(action, statement, _side(statement, actor, as_source), actor)
        yield _Step(statement=statement, side=side, now=now or timezone.now(), from_status=statement.status)


def _save(statement: Statement, *fields: str) -> None:
    statement.save(update_fields=sorted({*fields, "updated_at"}))


def _other(side: StatementSide) -> Literal["issuer", "counterparty"]:
    return "counterparty" if side == StatementSide.ISSUER else "issuer"


def _lock_line(statement: Statement, line_id: int) -> StatementLine:
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


# --- draw up, recalculate, issue -------------------------------------------------------------------
def _serialise_pair(partner_id: int) -> None:
    """Drafts of one partner are drawn up one at a time (its row locked): two concurrent drafts of a
    pair cannot both pass the overlap and one-draft checks."""
    from suppliers.models import DropshipPartner

    if not DropshipPartner.objects.select_for_update().filter(pk=partner_id).exists():
        raise InvalidInput(_("Unknown dropship partner."))


def statement_draft(
    *,
    actor: User | None,
    partner_id: int,
    seller_id: int | None = None,
    supplier_id: int | None = None,
    period_start: date | None = None,
    period_end: date | None = None,
    now: datetime | None = None,
) -> Statement:
    """Draw up the pair's next statement (the partner's staff, or the system). Without dates it
    covers the pair's next period (``periods.following`` from its last statement, on its terms); a
    period must have ended, must not overlap another of the pair's statements, and the pair may have
    one draft at a time. Lines come from ``amounts.statement_items``; an empty statement is allowed
    and says so (no lines, totals zero)."""
    if (seller_id is None) == (supplier_id is None):
        raise InvalidInput(_("A statement is between the partner and one seller, or one source."))
    kind = StatementKind.SELLER if seller_id is not None else StatementKind.SUPPLIER
    probe = Statement(kind=kind, partner_id=partner_id, seller_id=seller_id, supplier_id=supplier_id)
    if actor is not None and permissions.statement_side(actor, probe) != StatementSide.ISSUER:
        raise ActionNotPermitted(_("Only the partner's staff draw up its statements."))
    if (period_start is None) != (period_end is None):
        raise InvalidInput(_("Give both the first and the last day of the period, or neither."))
    try:
        with transaction.atomic():
            _serialise_pair(partner_id)
            if not statement_counterparty_known(partner_id=partner_id, seller_id=seller_id, supplier_id=supplier_id):
                field = "seller_id" if seller_id is not None else "supplier_id"
                raise InvalidInput(
                    _("You do not fulfil orders for this seller or buy from this source: there is nothing to settle."),
                    field_errors={field: [_("Not a seller or source you work with.")]},
                )
            moment = now or timezone.now()
            terms = _terms(partner_id, seller_id, supplier_id)
            pair = Statement.objects.filter(_pair_q(partner_id, seller_id, supplier_id))
            if period_start is None or period_end is None:
                last_end = pair.aggregate(last=Max("period_end"))["last"]
                period_start, period_end = periods.following(terms.period, last_end, moment)
            if period_end < period_start:
                raise InvalidInput(_("The period ends before it starts."))
            if not periods.has_ended(period_end, moment):
                raise InvalidInput(
                    _("The period %(period)s has not ended yet; it can be drawn up from %(cut_off)s.")
                    % {
                        "period": _period_label(period_start, period_end),
                        "cut_off": formats.date_format(
                            timezone.localtime(periods.cut_off(period_end)), "DATETIME_FORMAT"
                        ),
                    }
                )
            overlapping = (
                pair.filter(period_start__lte=period_end, period_end__gte=period_start).order_by("period_start").first()
            )
            if overlapping is not None:
                raise InvalidInput(
                    _("This period overlaps statement %(number)s (%(period)s).")
                    % {
                        "number": overlapping.number,
                        "period": _period_label(overlapping.period_start, overlapping.period_end),
                    }
                )
            draft = pair.filter(status=ST.DRAFT).first()
            if draft is not None:
                raise InvalidInput(
                    _("Statement %(number)s is still a draft: issue it before drawing up the next one.")
                    % {"number": draft.number}
                )
            statement = Statement.objects.create(
                number=f"tmp-{uuid.uuid4().hex[:24]}",
                kind=kind,
                partner_id=partner_id,
                seller_id=seller_id,
                supplier_id=supplier_id,
                period=terms.period,
                period_start=period_start,
                period_end=period_end,
                cut_off=periods.cut_off(period_end),
                created_at=moment,
            )
            statement.number = f"ST-{period_start:%Y%m}-{statement.pk:05d}"
            _save(statement, "number")
            count = _write_lines(statement, terms)
            _recount(statement)
            _event(
                statement,
                kind=StatementEventKind.DRAFTED,
                actor=actor,
                side=StatementSide.ISSUER,
                from_status="",
                now=moment,
                message="" if count else _("No request closed in this period."),
                data={"lines": count, "shared_seller_percent": terms.shared_seller_percent, "period": terms.period},
            )
            return statement
    except IntegrityError:
        raise InvalidInput(_("This pair already has a statement for this period.")) from None


def statement_refresh(*, statement_id: int, actor: User | None, now: datetime | None = None) -> Statement:
    """Recalculate a draft's lines (requests closed since it was drawn up, or changed)."""
    with _statement_transition(StatementAction.REFRESH, statement_id, actor, False, now) as step:
        statement = step.statement
        before, after = _rewrite_lines(statement, _statement_terms(statement))
        _event(
            statement,
            kind=StatementEventKind.REFRESHED,
            actor=actor,
            side=step.side,
            from_status=step.from_status,
            now=step.now,
            message="" if after else _("No request closed in this period."),
            data={"lines_before": before, "lines_after": after},
        )
        return statement


def _carry_balances(statement: Statement, *, actor: User | None, now: datetime) -> list[Statement]:
    """Open balances of the pair's earlier confirmed (or partly paid) statements come in as this
    one's previous balance; those become carried forward."""
    earlier = list(
        Statement.objects.select_for_update(of=("self",))
        .filter(_pair_q(statement.partner_id, statement.seller_id, statement.supplier_id))
        .filter(status__in=OPEN_FOR_CARRY, period_start__lt=statement.period_start)
        .filter(Exists(StatementTotal.objects.filter(statement_id=OuterRef("pk")).exclude(net=F("paid"))))
        .order_by("period_start", "pk")
    )
    if not earlier:
        return []
    carried: dict[str, Decimal] = {}
    per_statement: dict[int, dict[str, str]] = {}
    for total in StatementTotal.objects.filter(statement__in=earlier).order_by("statement_id", "currency"):
        balance = total.net - total.paid
        if balance:
            carried[total.currency] = carried.get(total.currency, ZERO) + balance
            per_statement.setdefault(total.statement_id, {})[total.currency] = str(balance)
    existing = {total.currency: total for total in StatementTotal.objects.filter(statement_id=statement.pk)}
    for currency, balance in carried.items():
        row = existing.get(currency)
        if row is None:
            StatementTotal.objects.create(statement=statement, currency=currency, previous_balance=balance, net=balance)
        else:
            row.previous_balance += balance
            row.net = row.lines_total + row.previous_balance
            row.save(update_fields=["previous_balance", "net"])
    for each in earlier:
        from_status = each.status
        each.status = ST.CARRIED_FORWARD
        each.carried_to = statement
        _save(each, "status", "carried_to")
        _event(
            each,
            kind=StatementEventKind.CARRIED_FORWARD,
            actor=actor,
            side=StatementSide.ISSUER,
            from_status=from_status,
            now=now,
            message=_("Balance carried into statement %(number)s.") % {"number": statement.number},
            data={
                "carried_to": statement.pk,
                "carried_to_number": statement.number,
                "balances": per_statement.get(each.pk, {}),
            },
        )
    return earlier


def statement_issue(*, statement_id: int, actor: User | None, now: datetime | None = None) -> Statement:
    """Issue a draft (the partner, or the system at period end): lines recalculated and frozen, the
    issuer's confirmation recorded, ``due_on`` set from the terms, open balances of the pair's earlier
    confirmed statements carried in as ``previous_balance`` (those become ``carried_forward``), the
    counterparty told (``statement.issued``)."""
    with _statement_transition(StatementAction.ISSUE, statement_id, actor, False, now) as step:
        statement = step.statement
        terms = _statement_terms(statement)
        _rewrite_lines(statement, terms)
        carried = _carry_balances(statement, actor=actor, now=step.now)
        statement.status = ST.ISSUED
        statement.issued_at = step.now
        statement.issued_by = actor
        statement.issuer_confirmed_at = step.now
        statement.issuer_confirmed_by = actor
        statement.due_on = timezone.localdate(step.now) + timedelta(days=terms.payment_days)
        _save(statement, "status", "issued_at", "issued_by", "issuer_confirmed_at", "issuer_confirmed_by", "due_on")
        _event(
            statement,
            kind=StatementEventKind.ISSUED,
            actor=actor,
            side=step.side,
            from_status=step.from_status,
            now=step.now,
            message="" if statement.line_count else _("No request closed in this period."),
            data={
                "lines": statement.line_count,
                "due_on": statement.due_on.isoformat(),
                "carried_from": [each.number for each in carried],
                "totals": _totals_data(statement),
            },
        )
        # Issued by the beat at period end, the partner hears of it too: nobody of its staff acted.
        statement_announce(
            statement=statement,
            template="statement.issued",
            audience="counterparty" if actor is not None else "both",
            context={"automatic": actor is None},
        )
        return statement


# --- confirm, dispute, answer ----------------------------------------------------------------------
def _zero_balances(statement: Statement) -> bool:
    return not any(_balances(statement).values())


def statement_confirm(
    *, statement_id: int, actor: User | None, as_source: bool = False, now: datetime | None = None
) -> Statement:
    """A side confirms the statement as it stands (every line not disputed). Both confirmed →
    ``confirmed`` (or ``settled`` at once when every balance is zero)."""
    with _statement_transition(StatementAction.CONFIRM, statement_id, actor, as_source, now) as step:
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
        settled = both and _zero_balances(statement)
        if both:
            statement.status = ST.CONFIRMED
            statement.confirmed_at = step.now
            fields += ["status", "confirmed_at"]
        _save(statement, *fields)
        _event(
            statement,
            kind=StatementEventKind.CONFIRMED,
            actor=actor,
            side=step.side,
            from_status=step.from_status,
            now=step.now,
            data={"version": statement.version, "totals": _totals_data(statement)},
        )
        statement_announce(statement=statement, template="statement.confirmed", audience=_other(step.side), context={})
        if settled:
            statement.status = ST.SETTLED
            statement.settled_at = step.now
            _save(statement, "status", "settled_at")
            _event(
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
    with _statement_transition(StatementAction.DISPUTE_LINE, statement_id, actor, as_source, now) as step:
        statement = step.statement
        text = _required_text(reason, field="reason", message=_("Say why this line is wrong."))
        line = _lock_line(statement, line_id)
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
        _save(statement, *fields)
        if line.request_id is not None:
            body = _("Statement %(number)s, line %(position)s (%(item)s, %(amount)s) disputed: %(reason)s") % {
                "number": statement.number,
                "position": line.position,
                "item": line.get_item_display(),
                "amount": _money(line.currency, line.amount),
                "reason": text,
            }
            RequestMessage.objects.create(
                request_id=line.request_id,
                author=actor,
                author_role=AuthorRole.SELLER if actor is not None else AuthorRole.SYSTEM,
                body=body,
                created_at=step.now,
            )
        _event(
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
    _recount(statement)
    if StatementLine.objects.filter(statement_id=statement.pk, status=StatementLineStatus.DISPUTED).exists():
        return False
    statement.status = ST.ADJUSTED
    statement.version += 1
    statement.issuer_confirmed_at = None
    statement.issuer_confirmed_by = None
    statement.counterparty_confirmed_at = None
    statement.counterparty_confirmed_by = None
    _save(
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
    with _statement_transition(StatementAction.ADJUST_LINE, statement_id, actor, False, now) as step:
        statement = step.statement
        text = _required_text(message, field="message", message=_("Say how you answer the dispute."))
        line = _lock_line(statement, line_id)
        if line.status != StatementLineStatus.DISPUTED:
            raise InvalidTransition(_("Only a disputed line can be adjusted; this one is not disputed."))
        if amount not in (None, ""):
            new_amount = _decimal(amount, field="amount")
            recorded = (
                amounts.recorded_costs(line.request).get((line.item, line.reship_line_id))
                if line.request is not None
                else line.amount
            )
            if recorded is None or new_amount != recorded:
                shown = _money(line.currency, recorded if recorded is not None else line.amount)
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
            share = _decimal(counterparty_share, field="counterparty_share")
            if share < 0 or share > line.amount:
                error = _("The share must be between 0 and %(amount)s.") % {
                    "amount": _money(line.currency, line.amount)
                }
                raise InvalidInput(error, field_errors={"counterparty_share": [error]})
            paid_by_counterparty = (
                line.amount if statement.kind == StatementKind.SELLER and line.paid_by == CostPayer.SELLER else ZERO
            )
            line.counterparty_share, line.due = share, share - paid_by_counterparty
        elif new_bearer != line.bearer:
            terms = _statement_terms(statement)
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
        _event(
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
    with _statement_transition(StatementAction.ADJUST_LINE, statement_id, actor, False, now) as step:
        statement = step.statement
        text = _required_text(reason, field="reason", message=_("Say why the adjustment is made."))
        code = (currency or "").strip().upper()
        if code not in _statement_currencies(statement):
            error = _("%(currency)s is not a currency of this statement.") % {"currency": code or "—"}
            raise InvalidInput(error, field_errors={"currency": [error]})
        value = _decimal(due, field="due", currency=code)
        if not value:
            error = _("An adjustment of zero changes nothing.")
            raise InvalidInput(error, field_errors={"due": [error]})
        adjusted: StatementLine | None = None
        if adjusts_line_id is not None:
            adjusted = _lock_line(statement, adjusts_line_id)
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
        _event(
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
    with _statement_transition(StatementAction.RECORD_PAYMENT, statement_id, actor, False, now) as step:
        statement = step.statement
        code = (currency or "").strip().upper()
        value = _decimal(amount, field="amount", currency=code)
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
            error = _("The payment is larger than the balance (%(balance)s).") % {"balance": _money(code, abs(balance))}
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
        settled = _zero_balances(statement)
        statement.status = ST.SETTLED if settled else ST.PARTLY_PAID
        if settled:
            statement.settled_at = step.now
        _save(statement, "status", "settled_at")
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
        _event(
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
            audience=_other(step.side),
            context={"payment": payment_data},
        )
        if settled:
            _event(
                statement,
                kind=StatementEventKind.SETTLED,
                actor=actor,
                side=step.side,
                from_status=step.from_status,
                now=step.now,
                data={"totals": _totals_data(statement)},
            )
            statement_announce(statement=statement, template="statement.settled", audience="both", context={})
        return payment


# --- the beat job ----------------------------------------------------------------------------------
def _pending_pairs() -> list[tuple[int, int | None, int | None]]:
    """(partner, seller, None) and (partner, None, source) pairs with closed requests on none of the
    pair's statements."""
    seller_lines = StatementLine.objects.filter(
        request_id=OuterRef("pk"),
        statement__kind=StatementKind.SELLER,
        statement__partner_id=OuterRef("partner_id"),
        statement__seller_id=OuterRef("seller_id"),
    )
    closed = ReshipRequest.objects.filter(status=RequestStatus.CLOSED)
    sellers = closed.filter(~Exists(seller_lines)).values_list("partner_id", "seller_id").distinct().order_by()
    first_source = (
        ReshipLine.objects.filter(request_id=OuterRef("pk"))
        .order_by("pk")
        .values("order_line__product__supplier_id")[:1]
    )
    source_lines = StatementLine.objects.filter(
        request_id=OuterRef("pk"),
        statement__kind=StatementKind.SUPPLIER,
        statement__partner_id=OuterRef("partner_id"),
        statement__supplier_id=OuterRef("source_id"),
    )
    sources = (
        closed.filter(cost_bearer=CostBearer.SUPPLIER)
        .annotate(source_id=Subquery(first_source))
        .filter(source_id__isnull=False)
        .filter(~Exists(source_lines))
        .values_list("partner_id", "source_id")
        .distinct()
        .order_by()
    )
    pairs: list[tuple[int, int | None, int | None]] = [(p, s, None) for p, s in sellers]
    pairs += [(p, None, s) for p, s in sources]
    return sorted(set(pairs), key=lambda pair: (pair[0], pair[1] or 0, pair[2] or 0))


def _due_by_last_period(
    partner_id: int, seller_id: int | None, supplier_id: int | None, terms: SettlementTerms, now: datetime
) -> bool:
    """Whether the pair has a closed request on none of its statements that was closed before the
    cut-off of its last finished period (the money rules' own query, for a statement not yet made)."""
    last_end = periods.last_finished(terms.period, now)[1]
    probe = Statement(
        kind=StatementKind.SELLER if seller_id is not None else StatementKind.SUPPLIER,
        partner_id=partner_id,
        seller_id=seller_id,
        supplier_id=supplier_id,
        cut_off=periods.cut_off(last_end),
    )
    return amounts.requests_due(probe).exists()


# A pair that missed many periods catches up over several runs rather than in one long transaction.
MAX_PERIODS_PER_RUN = 24


def statements_issue_due(*, now: datetime | None = None) -> list[int]:
    """The beat job: for every pair whose period has ended and that has closed requests not on a
    statement, draw up the statement and, on the pair's terms (``auto_issue``), issue it. Idempotent
    (a second run the same day adds nothing). Returns the ids drawn up or issued."""
    moment = now or timezone.now()
    touched: list[int] = []
    for partner_id, seller_id, supplier_id in _pending_pairs():
        terms = _terms(partner_id, seller_id, supplier_id)
        pair = Statement.objects.filter(_pair_q(partner_id, seller_id, supplier_id))
        if not _due_by_last_period(partner_id, seller_id, supplier_id, terms, moment):
            continue
        for _round in range(MAX_PERIODS_PER_RUN):
            draft = pair.filter(status=ST.DRAFT).first()
            if draft is not None:
                if terms.auto_issue:
                    try:
                        statement_issue(statement_id=draft.pk, actor=None, now=moment)
                        touched.append(draft.pk)
                    except WorkflowError:
                        logger.exception("Could not issue statement %s", draft.pk)
                        break
                    continue
                break  # the partner issues its drafts itself
            last_end = pair.aggregate(last=Max("period_end"))["last"]
            start, end = periods.following(terms.period, last_end, moment)
            if not periods.has_ended(end, moment):
                break
            try:
                statement = statement_draft(
                    actor=None,
                    partner_id=partner_id,
                    seller_id=seller_id,
                    supplier_id=supplier_id,
                    period_start=start,
                    period_end=end,
                    now=moment,
                )
            except WorkflowError:
                logger.exception("Could not draw up the statement of %s", (partner_id, seller_id, supplier_id))
                break
            touched.append(statement.pk)
            if not terms.auto_issue:
                break
    return list(dict.fromkeys(touched))
