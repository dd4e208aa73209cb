"""Reads of statements (对账单), always scoped to the caller's organisation
(``permissions.visible_statements_filter``): another organisation's statement is not there (404).

The pages and the API read through these, so a list costs the same few queries at any size: the
list carries its totals (one query for the page of statements, one for their totals), and a
statement's lines are read one page at a time, filtered in SQL.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from orders.models import Order, Seller
from reship import lifecycle, permissions
from reship.accounts.roles import organisation_for
from reship.choices import (
    CostBearer,
    StatementEventKind,
    StatementKind,
    StatementLineStatus,
    StatementSide,
    StatementStatus,
)
from reship.core.errors import StatementNotFound
from reship.models import (
    ReshipLine,
    ReshipRequest,
    Statement,
    StatementEvent,
    StatementLine,
    StatementPayment,
    StatementTotal,
)
from suppliers.models import Supplier

if TYPE_CHECKING:
    from reship.accounts.models import User


def statements_for(user: User | None) -> QuerySet[Statement]:
    """The statements this user may read, with their parties and totals (two queries per page)."""
    return (
        Statement.objects.filter(permissions.visible_statements_filter(user))
        .select_related("partner", "seller", "supplier")
        .prefetch_related(Prefetch("totals", queryset=StatementTotal.objects.order_by("currency")))
        .order_by("-period_start", "-id")
    )


@dataclass(frozen=True)
class StatementFilter:
    """A statements list's filters; empty means all."""

    status: str = ""
    seller_id: int | None = None
    partner_id: int | None = None
    supplier_id: int | None = None
    kind: str = ""
    open_only: bool = False


def statement_list(*, user: User | None, filters: StatementFilter | None = None) -> QuerySet[Statement]:
    f = filters or StatementFilter()
    statements = statements_for(user)
    if f.status:
        statements = statements.filter(status=f.status)
    if f.open_only:
        statements = statements.filter(status__in=lifecycle.STATEMENT_OPEN_STATUSES)
    if f.kind:
        statements = statements.filter(kind=f.kind)
    if f.seller_id is not None:
        statements = statements.filter(seller_id=f.seller_id)
    if f.partner_id is not None:
        statements = statements.filter(partner_id=f.partner_id)
    if f.supplier_id is not None:
        statements = statements.filter(supplier_id=f.supplier_id)
    return statements


def statement_get(*, user: User | None, statement_id: int) -> Statement:
    """One statement the user may read, with its parties and totals; otherwise ``StatementNotFound``."""
    statement = statements_for(user).filter(pk=statement_id).first()
    if statement is None:
        raise StatementNotFound(_("Statement not found."))
    return statement


@dataclass(frozen=True)
class LineFilter:
    """A statement page's line filters: disputed lines only, by resolution, by bearer, by item."""

    disputed: bool = False
    resolution: str = ""
    bearer: str = ""
    item: str = ""
    request_id: int | None = None


def statement_lines(*, statement: Statement, filters: LineFilter | None = None) -> QuerySet[StatementLine]:
    """The statement's lines in order (grouped by request: they are written request by request),
    filtered in SQL; page it with the caller's paginator."""
    f = filters or LineFilter()
    lines = StatementLine.objects.filter(statement_id=statement.pk).select_related("adjusts__statement")
    if f.disputed:
        lines = lines.filter(Q(status=StatementLineStatus.DISPUTED) | Q(disputed_at__isnull=False))
    if f.resolution:
        lines = lines.filter(resolution=f.resolution)
    if f.bearer:
        lines = lines.filter(bearer=f.bearer)
    if f.item:
        lines = lines.filter(item=f.item)
    if f.request_id is not None:
        lines = lines.filter(request_id=f.request_id)
    return lines.order_by("position", "pk")


def statement_events(*, statement: Statement) -> QuerySet[StatementEvent]:
    return StatementEvent.objects.filter(statement_id=statement.pk).select_related("actor").order_by("created_at", "pk")


def statement_payments(*, statement: Statement) -> QuerySet[StatementPayment]:
    return (
        StatementPayment.objects.filter(statement_id=statement.pk)
        .select_related("recorded_by")
        .order_by("paid_on", "pk")
    )


def disputed_open_count(*, statement: Statement) -> int:
    return StatementLine.objects.filter(statement_id=statement.pk, status=StatementLineStatus.DISPUTED).count()


def waiting_for(statement: Statement, totals: Iterable[StatementTotal] | None = None) -> frozenset[StatementSide]:
    """Whose move the statement waits for: from the lifecycle's table, narrowed by who has already
    confirmed (adjusted) and by who owes the balance (confirmed, partly paid)."""
    sides = lifecycle.STATEMENT_WAITING_FOR[StatementStatus(statement.status)]
    if statement.status == StatementStatus.ADJUSTED:
        return frozenset(
            side
            for side in sides
            if (side == StatementSide.ISSUER and statement.issuer_confirmed_at is None)
            or (side == StatementSide.COUNTERPARTY and statement.counterparty_confirmed_at is None)
        )
    if statement.status in (StatementStatus.CONFIRMED, StatementStatus.PARTLY_PAID):
        rows = list(totals if totals is not None else statement.totals.all())
        owing = set()
        for row in rows:
            balance = row.net - row.paid
            if balance > 0:
                owing.add(StatementSide.COUNTERPARTY)
            elif balance < 0:
                owing.add(StatementSide.ISSUER)
        return frozenset(owing)
    return sides


# --- the pages' choices (added with the statements pages) -----------------------------------------


def statement_counterparty_choices(user: User | None) -> list[tuple[str, str]]:
    """The other parties of the statements this user may read, as the list's filter choices
    (``seller-<id>``, ``source-<id>`` for the partner; ``partner-<id>`` for a seller): one query."""
    rows = (
        Statement.objects.filter(permissions.visible_statements_filter(user))
        .values_list(
            "kind", "partner_id", "partner__name", "seller_id", "seller__name", "supplier_id", "supplier__name"
        )
        .distinct()
    )
    organisation = organisation_for(user) if user is not None else None
    seller_side = organisation is not None and organisation.seller is not None
    choices: dict[str, str] = {}
    for kind, partner_id, partner_name, seller_id, seller_name, supplier_id, supplier_name in rows:
        if seller_side:
            choices[f"partner-{partner_id}"] = partner_name
        elif kind == StatementKind.SUPPLIER:
            choices[f"source-{supplier_id}"] = supplier_name
        else:
            choices[f"seller-{seller_id}"] = seller_name
    return sorted(choices.items(), key=lambda choice: (choice[1].casefold(), choice[0]))


def _draftable_sellers(partner_id: int) -> QuerySet[Seller]:
    """Sellers whose orders the partner fulfils (an index probe per seller: order_seller_partner)."""
    return Seller.objects.filter(Exists(Order.objects.filter(seller_id=OuterRef("pk"), partner_id=partner_id)))


def _draftable_sources(partner_id: int) -> QuerySet[Supplier]:
    """Sources the partner buys from, or whose products' costs they bear on its requests."""
    bearing = ReshipLine.objects.filter(
        order_line__product__supplier_id=OuterRef("pk"),
        request__partner_id=partner_id,
        request__cost_bearer=CostBearer.SUPPLIER,
    )
    return Supplier.objects.filter(Q(partners__pk=partner_id) | Exists(bearing))


def statement_draftable_counterparties(*, partner_id: int) -> list[tuple[str, str]]:
    """The sellers (``seller-<id>``) whose orders the partner fulfils, and the sources (``source-<id>``)
    it buys from or that bear costs on its requests: whom it may draw up a statement for (a pair with
    no closed request gets an empty statement; a stranger none: its name would leak)."""
    sellers = _draftable_sellers(partner_id).values_list("pk", "name").distinct().order_by("name")
    sources = _draftable_sources(partner_id).values_list("pk", "name").distinct().order_by("name")
    return [
        *((f"seller-{pk}", name) for pk, name in sellers),
        *((f"source-{pk}", _("%(name)s (source)") % {"name": name}) for pk, name in sources),
    ]


def statement_counterparty_known(*, partner_id: int, seller_id: int | None, supplier_id: int | None) -> bool:
    """Whether the partner may draw up a statement with this seller or source (the rule of
    ``statement_draftable_counterparties``, for one)."""
    if seller_id is not None:
        return _draftable_sellers(partner_id).filter(pk=seller_id).exists()
    return supplier_id is not None and _draftable_sources(partner_id).filter(pk=supplier_id).exists()


def statement_visible_request_ids(*, user: User | None, request_ids: Iterable[int]) -> frozenset[int]:
    """Which of these requests the user may open (a statement page links only those): one query."""
    wanted = {pk for pk in request_ids if pk}
    if not wanted:
        return frozenset()
    return frozenset(
        ReshipRequest.objects.filter(permissions.visible_requests_filter(user), pk__in=wanted).values_list(
            "pk", flat=True
        )
    )


# --- how a line reads (one rule for the page, the print and the exports) ----------------------------

# Once both sides agreed (confirmed) or money moved, a line nobody disputed is agreed, not "to check".
AGREED_STATUSES = frozenset(
    {
        StatementStatus.CONFIRMED,
        StatementStatus.PARTLY_PAID,
        StatementStatus.SETTLED,
        StatementStatus.CARRIED_FORWARD,
    }
)


def line_state_label(statement: Statement, line_status: str) -> str:
    """A line's status as a reader sees it: an open line of a confirmed (or paid, settled, carried
    forward) statement is "Agreed"; otherwise the line's own status."""
    if line_status == StatementLineStatus.OPEN and statement.status in AGREED_STATUSES:
        return _("Agreed")
    if line_status in StatementLineStatus.values:
        return str(StatementLineStatus(line_status).label)
    return line_status


def line_state_css(statement: Statement, line_status: str) -> str:
    """The status's style key (``agreed`` for an agreed open line, else the line's status)."""
    if line_status == StatementLineStatus.OPEN and statement.status in AGREED_STATUSES:
        return "agreed"
    return line_status


def line_answers(*, statement: Statement) -> dict[int, list[str]]:
    """The partner's answers to disputed lines, by line id, oldest first: the message of each
    "line adjusted" event, and the reason of each adjustment line added in answer to it. One query."""
    answers: dict[int, list[str]] = {}
    events = (
        StatementEvent.objects.filter(
            statement_id=statement.pk,
            kind__in=(StatementEventKind.LINE_ADJUSTED, StatementEventKind.ADJUSTMENT_ADDED),
        )
        .order_by("created_at", "pk")
        .values_list("kind", "line_id", "data", "message")
    )
    for kind, line_id, data, message in events:
        answered: int | None = line_id
        if kind == StatementEventKind.ADJUSTMENT_ADDED:
            adjusts = data.get("adjusts") if isinstance(data, dict) else None
            answered = adjusts if isinstance(adjusts, int) else None
        if answered is not None and message:
            answers.setdefault(answered, []).append(message)
    return answers
