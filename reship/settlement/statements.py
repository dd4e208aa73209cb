"""The only writer of statements (对账单). Every function: one transaction, the statement row locked
(``select_for_update``), the caller's side checked (``permissions.statement_side``; a statement the
caller may not see is ``StatementNotFound``, 404), the move checked against
``lifecycle.STATEMENT_TRANSITIONS`` (``InvalidTransition``, 409; the wrong side ``ActionNotPermitted``,
403), bad input refused with ``InvalidInput`` (422) and nothing written, one ``StatementEvent`` per
step (actor, side, from/to status, before/after in ``data``), totals kept (``StatementTotal``), and
the other side told (inbox, email, webhook ``statement.*``: ``reship.notifications.statements``).

``actor=None`` with ``as_source=True`` is the source acting through its signed link (its view
checked the token); ``actor=None`` alone is the system (the beat job).

IMPLEMENTATION PENDING (engine helper): the signatures and docstrings below are the contract the
pages, the API and the beat job call.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from reship.accounts.models import User
    from reship.models import Statement, StatementLine, StatementPayment


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
    raise NotImplementedError


def statement_refresh(*, statement_id: int, actor: User | None, now: datetime | None = None) -> Statement:
    """Recalculate a draft's lines (requests closed since it was drawn up, or changed)."""
    raise NotImplementedError


def statement_issue(*, statement_id: int, actor: User | None, now: datetime | None = None) -> Statement:
    """Issue a draft (the partner, or the system at period end): lines recalculated and frozen, the
    issuer's confirmation recorded, ``due_on`` set from the terms, open balances of the pair's earlier
    confirmed statements carried in as ``previous_balance`` (those become ``carried_forward``), the
    counterparty told (``statement.issued``)."""
    raise NotImplementedError


def statement_confirm(
    *, statement_id: int, actor: User | None, as_source: bool = False, now: datetime | None = None
) -> Statement:
    """A side confirms the statement as it stands (every line not disputed). Both confirmed →
    ``confirmed`` (or ``settled`` at once when every balance is zero)."""
    raise NotImplementedError


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
    raise NotImplementedError


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
    raise NotImplementedError


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
    raise NotImplementedError


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
    raise NotImplementedError


def statements_issue_due(*, now: datetime | None = None) -> list[int]:
    """The beat job: for every pair whose period has ended and that has closed requests not on a
    statement, draw up the statement and, on the pair's terms (``auto_issue``), issue it. Idempotent
    (a second run the same day adds nothing). Returns the ids drawn up or issued."""
    raise NotImplementedError
