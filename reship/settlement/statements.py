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
recomputed from the lines with one aggregate query per change (``totals_recount``), never summed in Python.
"""

from reship.settlement.base import actions_for
from reship.settlement.checking import (
    statement_add_adjustment,
    statement_adjust_line,
    statement_confirm,
    statement_dispute_line,
)
from reship.settlement.drawing import statement_draft, statement_issue, statement_refresh, statements_issue_due
from reship.settlement.payments import statement_record_payment

__all__ = [
    "actions_for",
    "statement_add_adjustment",
    "statement_adjust_line",
    "statement_confirm",
    "statement_dispute_line",
    "statement_draft",
    "statement_issue",
    "statement_record_payment",
    "statement_refresh",
    "statements_issue_due",
]
