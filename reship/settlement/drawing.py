"""Drawing statements up: draft, recalculate, issue (open balances carried in), and the beat job that
issues each pair's statement when its period ends."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import Exists, F, Max, OuterRef, Subquery
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from reship import permissions
from reship.choices import (
    CostBearer,
    RequestStatus,
    StatementAction,
    StatementEventKind,
    StatementKind,
    StatementSide,
)
from reship.core.errors import ActionNotPermitted, InvalidInput, WorkflowError
from reship.models import (
    ReshipLine,
    ReshipRequest,
    SettlementTerms,
    Statement,
    StatementLine,
    StatementTotal,
)
from reship.notifications.statements import statement_announce
from reship.selectors.statements import statement_counterparty_known
from reship.settlement import amounts, periods
from reship.settlement.base import (
    OPEN_FOR_CARRY,
    ST,
    ZERO,
    event_write,
    lines_rewrite,
    lines_write,
    logger,
    pair_q,
    period_label,
    statement_save,
    statement_terms,
    statement_transition,
    terms_for,
    totals_data,
    totals_recount,
)

if TYPE_CHECKING:
    from reship.accounts.models import User


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
            terms = terms_for(partner_id, seller_id, supplier_id)
            pair = Statement.objects.filter(pair_q(partner_id, seller_id, supplier_id))
            if period_start is None or period_end is None:
                last_end = pair.aggregate(last=Max("period_end"))["last"]
                period_start, period_end = periods.following(terms.period, last_end, moment)
            if period_end < period_start:
                raise InvalidInput(_("The period ends before it starts."))
            if not periods.has_ended(period_end, moment):
                raise InvalidInput(
                    _("The period %(period)s has not ended yet; it can be drawn up from %(cut_off)s.")
                    % {
                        "period": period_label(period_start, period_end),
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
                        "period": period_label(overlapping.period_start, overlapping.period_end),
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
            statement_save(statement, "number")
            count = lines_write(statement, terms)
            totals_recount(statement)
            event_write(
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
    with statement_transition(StatementAction.REFRESH, statement_id, actor, False, now) as step:
        statement = step.statement
        before, after = lines_rewrite(statement, statement_terms(statement))
        event_write(
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
        .filter(pair_q(statement.partner_id, statement.seller_id, statement.supplier_id))
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
        statement_save(each, "status", "carried_to")
        event_write(
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
    with statement_transition(StatementAction.ISSUE, statement_id, actor, False, now) as step:
        statement = step.statement
        terms = statement_terms(statement)
        lines_rewrite(statement, terms)
        carried = _carry_balances(statement, actor=actor, now=step.now)
        statement.status = ST.ISSUED
        statement.issued_at = step.now
        statement.issued_by = actor
        statement.issuer_confirmed_at = step.now
        statement.issuer_confirmed_by = actor
        statement.due_on = timezone.localdate(step.now) + timedelta(days=terms.payment_days)
        statement_save(
            statement, "status", "issued_at", "issued_by", "issuer_confirmed_at", "issuer_confirmed_by", "due_on"
        )
        event_write(
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
                "totals": totals_data(statement),
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
        terms = terms_for(partner_id, seller_id, supplier_id)
        pair = Statement.objects.filter(pair_q(partner_id, seller_id, supplier_id))
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
