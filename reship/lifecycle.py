"""The reship request's state machine, as data, once (补单申请 → 审核确认 → 补货/补寄 → 更新信息 → 客户沟通).

Everything that asks "what may happen now, who acts, who owes the next step, which stage is this"
reads these tables: the workflow (the only writer of status), ``permissions`` (which side takes an
action), the SLA clock and reminders (``workflow.timeliness``), the lists and the stage bar
(``selectors``, the pages), the notifications, the evaluation and the demo data.

Two views of a status are kept apart on purpose:
- its *stage* is where the request stands on the stage bar a person reads (申请 → 审核 → 补货/补寄 →
  更新信息 → 客户沟通 → 完成); a partner's question (needs_info) is still part of the review stage;
- its *step* is who owes the next move and by when (the SLA clock): in needs_info that is the
  seller's answer, with the seller's hours, not the partner's review.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from reship.accounts.roles import Role
from reship.choices import (
    Action,
    LineStatus,
    QuoteStatus,
    RequestStatus,
    Resolution,
    RestockStatus,
    StatementAction,
    StatementSide,
    StatementStatus,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

    from reship.models import ReshipLine, ReshipRequest

S = RequestStatus

# --- which moves each action may start from -------------------------------------------------------
# The status an action leads to is decided by its workflow function (some keep the status; shipping
# the last line finishes fulfilment).
_QUOTE_OPEN = frozenset({S.APPROVED, S.FULFILLING, S.INFO_UPDATE, S.CUSTOMER_CONTACT, S.CONTACTED})
TRANSITIONS: dict[Action, frozenset[RequestStatus]] = {
    # A customer's own report (售后自助) waits for the seller: confirmed, it goes to the partner as a
    # submitted request; edited, it stays here; declined, it ends with a reason the customer reads.
    Action.CONFIRM_REPORT: frozenset({S.REPORTED}),
    Action.EDIT_REPORT: frozenset({S.REPORTED}),
    Action.DECLINE_REPORT: frozenset({S.REPORTED}),
    Action.REQUEST_INFO: frozenset({S.SUBMITTED}),
    Action.ANSWER_INFO: frozenset({S.NEEDS_INFO}),
    Action.APPROVE: frozenset({S.SUBMITTED}),
    Action.REJECT: frozenset({S.SUBMITTED, S.NEEDS_INFO}),
    Action.CANCEL: frozenset({S.SUBMITTED, S.NEEDS_INFO, S.APPROVED}),
    Action.ACCEPT_QUOTE: _QUOTE_OPEN,
    Action.DISPUTE_QUOTE: _QUOTE_OPEN,
    Action.REVISE_QUOTE: _QUOTE_OPEN,
    Action.START_RESTOCK: frozenset({S.APPROVED, S.FULFILLING}),
    Action.CONFIRM_RESTOCK: frozenset({S.FULFILLING}),
    Action.SHIP: frozenset({S.APPROVED, S.FULFILLING}),
    Action.COMPENSATE: frozenset({S.APPROVED, S.FULFILLING}),
    # Confirming the info update leads to customer contact, or straight on to contacted when the
    # shop's automatic messages told the customer of every outcome (workflow.closing).
    Action.CONFIRM_INFO_UPDATE: frozenset({S.INFO_UPDATE}),
    Action.CONTACT_CUSTOMER: frozenset({S.CUSTOMER_CONTACT}),
    Action.CLOSE: frozenset({S.CONTACTED}),
    Action.FOLLOW_UP: frozenset({S.CLOSED}),
    # The seller re-addresses the replacement (改地址) until a parcel has left (the workflow says 409).
    Action.CHANGE_SHIP_TO: frozenset({S.REPORTED, S.SUBMITTED, S.NEEDS_INFO, S.APPROVED, S.FULFILLING}),
    Action.PRINT_SLIPS: frozenset({S.APPROVED, S.FULFILLING}),
    # A parcel may arrive at any time after it left, even after the request closed.
    Action.MARK_DELIVERED: frozenset({S.FULFILLING, S.INFO_UPDATE, S.CUSTOMER_CONTACT, S.CONTACTED, S.CLOSED}),
    # Another partner takes over while the first has decided nothing yet (no quote to carry over).
    Action.REASSIGN_PARTNER: frozenset({S.SUBMITTED, S.NEEDS_INFO}),
    Action.ESCALATE: frozenset(
        {
            S.REPORTED,
            S.SUBMITTED,
            S.NEEDS_INFO,
            S.APPROVED,
            S.FULFILLING,
            S.INFO_UPDATE,
            S.CUSTOMER_CONTACT,
            S.CONTACTED,
        }
    ),
}

# --- which side takes each action -----------------------------------------------------------------
# Compensation is both sides': the partner pays the customer, or the seller does it themselves.
ACTORS: dict[Action, frozenset[Role]] = {
    Action.SUBMIT: frozenset({Role.SELLER}),
    Action.CONFIRM_REPORT: frozenset({Role.SELLER}),
    Action.EDIT_REPORT: frozenset({Role.SELLER}),
    Action.DECLINE_REPORT: frozenset({Role.SELLER}),
    Action.REQUEST_INFO: frozenset({Role.PARTNER}),
    Action.ANSWER_INFO: frozenset({Role.SELLER}),
    Action.APPROVE: frozenset({Role.PARTNER}),
    Action.REJECT: frozenset({Role.PARTNER}),
    Action.CANCEL: frozenset({Role.SELLER, Role.ADMIN}),
    Action.ACCEPT_QUOTE: frozenset({Role.SELLER}),
    Action.DISPUTE_QUOTE: frozenset({Role.SELLER}),
    Action.REVISE_QUOTE: frozenset({Role.PARTNER}),
    Action.START_RESTOCK: frozenset({Role.PARTNER}),
    Action.CONFIRM_RESTOCK: frozenset({Role.PARTNER}),
    Action.SHIP: frozenset({Role.PARTNER}),
    Action.COMPENSATE: frozenset({Role.SELLER, Role.PARTNER}),
    Action.CONFIRM_INFO_UPDATE: frozenset({Role.SELLER}),
    Action.CONTACT_CUSTOMER: frozenset({Role.SELLER}),
    Action.CLOSE: frozenset({Role.SELLER}),
    Action.FOLLOW_UP: frozenset({Role.SELLER}),
    Action.CHANGE_SHIP_TO: frozenset({Role.SELLER}),
    Action.PRINT_SLIPS: frozenset({Role.PARTNER}),
    Action.MARK_DELIVERED: frozenset({Role.SELLER, Role.PARTNER}),
    Action.REASSIGN_PARTNER: frozenset({Role.ADMIN}),
    Action.ESCALATE: frozenset({Role.ADMIN}),
}


# --- steps: who owes the next move, on which SLA clock ------------------------------------------------
@dataclass(frozen=True)
class Step:
    """One clock of the SLA (时效性): the side that owes the next move, and whose hours it runs on
    (``review`` / ``fulfilment``: the partner's own SLA hours; ``seller``: RESHIP_SELLER_STAGE_HOURS)."""

    key: str
    owner: Role
    sla: str


STEPS: tuple[Step, ...] = (
    Step("confirm_report", Role.SELLER, "seller"),
    Step("review", Role.PARTNER, "review"),
    Step("seller_answer", Role.SELLER, "seller"),
    Step("fulfilment", Role.PARTNER, "fulfilment"),
    Step("info_update", Role.SELLER, "seller"),
    Step("customer_contact", Role.SELLER, "seller"),
    Step("close", Role.SELLER, "seller"),
)
STEP_BY_KEY: dict[str, Step] = {step.key: step for step in STEPS}


# --- stages: the stage bar a person reads ---------------------------------------------------------
@dataclass(frozen=True)
class Stage:
    """One step of the stage bar (申请 → 审核 → 补货/补寄 → 更新信息 → 客户沟通 → 完成) and the
    statuses during which it is the step in progress."""

    key: str
    label: StrPromise
    statuses: tuple[str, ...]


# The application is complete once submitted (there are no drafts), so no status has it in
# progress; a submitted request is in review until the partner decides.
# A customer's report (售后自助) comes before the application: it becomes one when the seller confirms
# it. Requests the seller filed never pass through it (the stage bar leaves it out for them).
STAGES: tuple[Stage, ...] = (
    Stage("reported", _("Reported by the customer"), (S.REPORTED,)),
    Stage("application", _("Application"), ()),
    Stage("review", _("Review"), (S.SUBMITTED, S.NEEDS_INFO)),
    Stage("fulfilment", _("Restock / resend"), (S.APPROVED, S.FULFILLING)),
    Stage("info_update", _("Info update"), (S.INFO_UPDATE,)),
    Stage("customer_contact", _("Customer contact"), (S.CUSTOMER_CONTACT, S.CONTACTED)),
    Stage("closed", _("Closed"), (S.CLOSED,)),
)
# Where a request left the track: shown as their own filters, and marked on the stage bar.
OFF_TRACK_STAGES: tuple[Stage, ...] = (
    Stage("rejected", _("Rejected"), (S.REJECTED,)),
    Stage("cancelled", _("Cancelled"), (S.CANCELLED,)),
    Stage("declined", _("Declined"), (S.DECLINED,)),
)
FILTER_STAGES: tuple[Stage, ...] = tuple(stage for stage in STAGES if stage.statuses) + OFF_TRACK_STAGES
STAGE_BY_KEY: dict[str, Stage] = {stage.key: stage for stage in STAGES + OFF_TRACK_STAGES}


# --- each status: its stage and its step ----------------------------------------------------------
# A status with no step is final: nobody owes anything and no clock runs.
STEP_OF_STATUS: dict[str, str] = {
    S.REPORTED: "confirm_report",
    S.SUBMITTED: "review",
    S.NEEDS_INFO: "seller_answer",
    S.APPROVED: "fulfilment",
    S.FULFILLING: "fulfilment",
    S.INFO_UPDATE: "info_update",
    S.CUSTOMER_CONTACT: "customer_contact",
    S.CONTACTED: "close",
}
STAGE_OF_STATUS: dict[str, str] = {
    status: stage.key for stage in STAGES + OFF_TRACK_STAGES for status in stage.statuses
}

OPEN_STATUSES: tuple[str, ...] = tuple(STEP_OF_STATUS)
FINAL_STATUSES = frozenset(status for status in RequestStatus if status not in STEP_OF_STATUS)
# Requests in these statuses hold the quantities they claim; rejected and cancelled ones give them back.
CLAIMING_STATUSES: tuple[str, ...] = tuple(
    status for status in RequestStatus if status not in (S.REJECTED, S.CANCELLED, S.DECLINED)
)
# A customer's report is the seller's alone until confirmed: the partner neither sees nor counts
# requests in these statuses (``permissions.visible_requests_filter``); a declined report never was
# the partner's.
BEFORE_PARTNER_STATUSES: tuple[str, ...] = (S.REPORTED, S.DECLINED)


def step_of(status: str) -> Step | None:
    """The step owed in this status, or ``None`` when the request is final."""
    key = STEP_OF_STATUS.get(status)
    return STEP_BY_KEY[key] if key else None


def stage_owner(status: str) -> Role:
    """The side that owes the next step in this status, or NONE when the request is final."""
    step = step_of(status)
    return step.owner if step else Role.NONE


# --- who is waited for: "waiting for me" -------------------------------------------------------------
# The step's owner, and besides it the price side (价格): a quote awaiting the seller is the seller's
# to accept or dispute, a disputed quote the partner's to revise, whatever the stage. The landing
# pages, the lists' "waiting for" column, ``?waiting_for=me`` and the inbox's open entries read this.
# The price side's owner by quote status: the one rule the sides, the steps and the filter below read.
QUOTE_WAITS_FOR: dict[str, Role] = {QuoteStatus.PENDING: Role.SELLER, QuoteStatus.DISPUTED: Role.PARTNER}
QUOTE_STEP = "quote"


def waiting_steps(status: str, quote_status: str) -> frozenset[tuple[Role, str]]:
    """What a request waits for now, as (side, step key) pairs: its step's (``STEPS``), and the price
    side's (``QUOTE_STEP``) while the quote is open. Empty when it is final."""
    steps: set[tuple[Role, str]] = set()
    step = step_of(status)
    if step is not None:
        steps.add((step.owner, step.key))
    if status in _QUOTE_OPEN and quote_status in QUOTE_WAITS_FOR:
        steps.add((QUOTE_WAITS_FOR[quote_status], QUOTE_STEP))
    return frozenset(steps)


def waiting_for(status: str, quote_status: str) -> frozenset[Role]:
    """The sides a request waits for now (none when it is final)."""
    return frozenset(side for side, _step in waiting_steps(status, quote_status))


def waiting_for_filter(side: Role) -> Q:
    """``waiting_for`` as a query filter on requests: those that wait for this side."""
    if side not in (Role.SELLER, Role.PARTNER):
        return Q(pk__in=[])
    owned = [status for status in OPEN_STATUSES if stage_owner(status) == side]
    quotes = sorted(quote for quote, owner in QUOTE_WAITS_FOR.items() if owner == side)
    return Q(status__in=owned) | Q(status__in=sorted(_QUOTE_OPEN), quote_status__in=quotes)


# --- which lines a parcel may take now ----------------------------------------------------------
# A resend still pending, or a restock the source delivered: shipping (the workflow), the ship form,
# the to-ship list and printing all read this one rule (as a row test and as a query filter).
READY_TO_SHIP = {Resolution.RESEND: LineStatus.PENDING, Resolution.RESTOCK_RESEND: LineStatus.RESTOCKED}
LINE_READY_TO_SHIP = Q(resolution=Resolution.RESEND, status=LineStatus.PENDING) | Q(
    resolution=Resolution.RESTOCK_RESEND, status=LineStatus.RESTOCKED
)


def line_ready_to_ship(resolution: str, status: str) -> bool:
    return READY_TO_SHIP.get(Resolution(resolution)) == status


# --- what makes sense now, beyond the status -------------------------------------------------------
# Actions taken line by line: offered (and accepted) only while some line qualifies.
LINE_ACTIONS = frozenset({Action.START_RESTOCK, Action.SHIP, Action.COMPENSATE})


def line_offered(action: Action, line: ReshipLine, side: Role) -> bool:
    """Whether a line-by-line action applies to this line now, for this side: the page's choices,
    the API's allowed actions and the workflow's refusal all read this.

    Compensation (补偿) is for a line planned as one and not resolved; besides, the partner may
    compensate a resend it cannot make (out of stock, the source failed) until the goods are on
    their way: a line restocked, shipped or resolved is never offered."""
    if action == Action.SHIP:
        return line_ready_to_ship(line.resolution, line.status)
    if action == Action.START_RESTOCK:
        return line.resolution == Resolution.RESTOCK_RESEND and line.status == LineStatus.PENDING
    if action == Action.COMPENSATE:
        if line.resolution == Resolution.COMPENSATION:
            return line.status == LineStatus.PENDING
        return side == Role.PARTNER and line.status in (LineStatus.PENDING, LineStatus.RESTOCKING)
    return True


def state_refusal(action: Action, request: ReshipRequest, side: Role) -> str:
    """Why an action the status allows makes no sense on this request now ("" when it does): the
    quote is answered only while it waits for the seller, or accepted after a dispute (accepted, it
    is not disputed any more),
    revised only while pending or disputed; a line action needs a line it applies to."""
    quote = request.quote_status
    # A seller who disputed may still agree to the price as quoted (the talk settled it without a
    # revision): accepting stays open while disputed; disputing again does not.
    answerable = (
        (QuoteStatus.PENDING, QuoteStatus.DISPUTED) if action == Action.ACCEPT_QUOTE else (QuoteStatus.PENDING,)
    )
    if action in (Action.ACCEPT_QUOTE, Action.DISPUTE_QUOTE) and quote not in answerable:
        return _("The quote is “%(state)s”: it does not wait for the seller’s answer.") % {
            "state": request.get_quote_status_display()
        }
    if action == Action.REVISE_QUOTE and quote not in (QuoteStatus.PENDING, QuoteStatus.DISPUTED):
        return _("The quote is “%(state)s”: there is nothing to revise.") % {
            "state": request.get_quote_status_display()
        }
    if action in LINE_ACTIONS and not any(line_offered(action, line, side) for line in request.lines.all()):
        return _("No line of this request can take “%(action)s” now.") % {"action": action.label}
    if action == Action.CONFIRM_RESTOCK and not any(
        restock.status == RestockStatus.ORDERED for restock in request.restock_orders.all()
    ):
        return str(_("No restock order waits for the source’s confirmation."))
    return ""


# Printing packing slips is allowed in these statuses too, but it is done for many requests at once
# from the partner's to-ship list, not as a step on one request: no action card, no API endpoint,
# so it is not offered among a request's next steps.
LIST_ACTIONS = frozenset({Action.PRINT_SLIPS})


def allowed_actions(status: str) -> list[Action]:
    """The steps this status allows on the request, for anyone (which side may take them: ``ACTORS``)."""
    return [action for action, sources in TRANSITIONS.items() if status in sources and action not in LIST_ACTIONS]


def side_may(action: Action, side: Role) -> bool:
    """Whether this side of a request takes this action at all (status aside)."""
    return side in ACTORS[action]


# === Statements (对账单): settlement between the partner and a seller or a source ===================
# The partner issues; the seller (or the source) checks line by line. Written only by
# ``reship.settlement.statements``; ``permissions.statement_side`` says which side a user is on.
#
#   draft ─issue─► issued ─confirm (counterparty)──────────────────► confirmed ─payment─► partly_paid ─► settled
#                    │  ▲                                                 ▲
#                    ▼  │ (dispute again)                                 │
#                 disputed ─adjust every disputed line─► adjusted ─confirm (both)
#
# A statement whose balance is zero when both have confirmed is settled at once. An open balance of a
# confirmed statement is carried into the pair's next statement when that one is issued
# (carried_forward): one balance per pair lives on one statement.
ST = StatementStatus
STATEMENT_TRANSITIONS: dict[StatementAction, frozenset[StatementStatus]] = {
    StatementAction.REFRESH: frozenset({ST.DRAFT}),
    StatementAction.ISSUE: frozenset({ST.DRAFT}),
    StatementAction.CONFIRM: frozenset({ST.ISSUED, ST.ADJUSTED}),
    StatementAction.DISPUTE_LINE: frozenset({ST.ISSUED, ST.DISPUTED, ST.ADJUSTED}),
    StatementAction.ADJUST_LINE: frozenset({ST.DISPUTED}),
    StatementAction.RECORD_PAYMENT: frozenset({ST.CONFIRMED, ST.PARTLY_PAID}),
}
STATEMENT_ACTORS: dict[StatementAction, frozenset[StatementSide]] = {
    StatementAction.REFRESH: frozenset({StatementSide.ISSUER}),
    StatementAction.ISSUE: frozenset({StatementSide.ISSUER}),
    StatementAction.CONFIRM: frozenset({StatementSide.ISSUER, StatementSide.COUNTERPARTY}),
    StatementAction.DISPUTE_LINE: frozenset({StatementSide.COUNTERPARTY}),
    StatementAction.ADJUST_LINE: frozenset({StatementSide.ISSUER}),
    # The payer records that it paid, or the payee that it received: either side.
    StatementAction.RECORD_PAYMENT: frozenset({StatementSide.ISSUER, StatementSide.COUNTERPARTY}),
}
# Whose move a statement waits for in each status (its list's "waiting for" and its reminders).
STATEMENT_WAITING_FOR: dict[StatementStatus, frozenset[StatementSide]] = {
    ST.DRAFT: frozenset({StatementSide.ISSUER}),
    ST.ISSUED: frozenset({StatementSide.COUNTERPARTY}),
    ST.DISPUTED: frozenset({StatementSide.ISSUER}),
    ST.ADJUSTED: frozenset({StatementSide.ISSUER, StatementSide.COUNTERPARTY}),  # each that has not confirmed
    ST.CONFIRMED: frozenset({StatementSide.ISSUER, StatementSide.COUNTERPARTY}),  # the one that owes the balance
    ST.PARTLY_PAID: frozenset({StatementSide.ISSUER, StatementSide.COUNTERPARTY}),
    ST.SETTLED: frozenset(),
    ST.CARRIED_FORWARD: frozenset(),
}
# Statements whose balance is still owed (the evaluation's outstanding balances and ageing).
STATEMENT_OPEN_STATUSES: tuple[str, ...] = (ST.ISSUED, ST.DISPUTED, ST.ADJUSTED, ST.CONFIRMED, ST.PARTLY_PAID)
STATEMENT_FINAL_STATUSES: frozenset[str] = frozenset({ST.SETTLED, ST.CARRIED_FORWARD})


def statement_allowed_actions(status: str) -> list[StatementAction]:
    """The steps a statement in this status allows, for anyone (which side: ``STATEMENT_ACTORS``)."""
    return [action for action, sources in STATEMENT_TRANSITIONS.items() if status in sources]


def statement_side_may(action: StatementAction, side: StatementSide) -> bool:
    return side in STATEMENT_ACTORS[action]
