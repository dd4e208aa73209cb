"""The path of one demo request, planned before anything is written: the order lines it claims and
how each is to be resolved, then its moves — each a ``reship.workflow`` call (or a contact logged
through ``reship.services.thread``, or the customer's survey answer) with its arguments, the side
that takes it and its time after submission.

A plan heads for a target status along the moves ``reship.lifecycle.TRANSITIONS`` allows, and the
side taking each move is the one ``reship.lifecycle.ACTORS`` names. A plan never works out a status
or a deadline: ``requests`` replays the moves through the workflow, which decides both, and checks
that the request ended in its target.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from orders.models import OrderLine, Product
from reship import lifecycle
from reship.accounts.roles import Role
from reship.choices import Action, CompensationMethod, Counterpart, Reason, RequestStatus, Resolution
from reship.dev.demo.catalogue import in_currency, money
from reship.dev.demo.orders import DemoOrder, TrackingNumbers
from reship.dev.demo.tables import (
    COST_BEARERS,
    DESCRIPTIONS,
    PLATFORM_NAMES,
    REASONS_FOR_DELIVERED,
    REASONS_FOR_UNDELIVERED,
    RESOLUTION_WEIGHTS,
    TEXTS,
)
from reship.workflow import LineRequest
from suppliers.choices import Channel

S = RequestStatus
# Moves that are not workflow actions.
CONTACT_LOG = "contact_log"  # a call or chat with the other party, logged by the seller
SURVEY = "survey_answer"  # the customer's answer through the survey link: no user, no status
MINUTE = timedelta(minutes=1)
# Targets a request reaches through fulfilment, where its lines to be compensated are compensated.
COMPENSATING_TARGETS = frozenset({S.FULFILLING, S.INFO_UPDATE, S.CUSTOMER_CONTACT, S.CONTACTED, S.CLOSED})


@dataclass(frozen=True)
class Move:
    """One thing that happens to the request, ``after`` its submission."""

    after: timedelta
    action: str  # an ``Action``, ``CONTACT_LOG`` or ``SURVEY``
    side: Role  # who takes it; NONE: the source through its signed link, or the customer
    args: dict[str, Any] = field(default_factory=dict)  # the called function's own arguments
    line: int | None = None  # the order line a line's move is about; its request line exists once submitted
    days_after: dict[str, int] = field(default_factory=dict)  # date arguments, in days after the move's day
    transit: timedelta | None = None  # a parcel's time with the carrier, for its delivery scan (SHIP)


@dataclass
class Plan:
    demo: DemoOrder
    target: str
    moves: list[Move]

    @property
    def duration(self) -> timedelta:
        return self.moves[-1].after


@dataclass
class _Line:
    order_line: OrderLine
    product: Product
    quantity: int
    reason: str
    resolution: str
    compensation: tuple[str, Decimal] | None = None  # method, amount
    restock_ship_days: int = 0  # the source ships this many days after confirming

    @property
    def lead_days(self) -> int:
        """How long the product's source takes to restock (every demo product has a source)."""
        return self.product.supplier.restock_lead_days if self.product.supplier else 0


def request_plan(
    rng: random.Random,
    *,
    target: str,
    demo: DemoOrder,
    restockable_source_ids: set[int],
    tracking: TrackingNumbers,
) -> Plan | None:
    """The moves from submission to ``target``; None when this order cannot rest in that status."""
    names, weights = REASONS_FOR_DELIVERED if demo.delivered else REASONS_FOR_UNDELIVERED
    reason = rng.choices(names, weights=weights)[0]
    # A line to be compensated says how (method, amount) only once it is: requests that stop before
    # fulfilment, or end rejected or cancelled, ask for goods only.
    compensating = target in COMPENSATING_TARGETS
    lines = _lines(rng, demo, reason, restockable_source_ids, compensating=compensating)
    planner = _Planner(rng, demo, reason, lines, tracking)
    planner.submit()
    if target == S.NEEDS_INFO:
        planner.request_info()
        return planner.plan(target)
    if rng.random() < 0.25:  # the partner asks a question first
        planner.request_info()
        if target == S.CANCELLED and rng.random() < 0.3:
            planner.cancel()
            return planner.plan(target)
        if target == S.REJECTED and rng.random() < 0.3:
            planner.reject()  # the answer never came
            return planner.plan(target)
        planner.answer_info()
    if target == S.SUBMITTED:
        return planner.plan(target)
    if target == S.REJECTED:
        planner.reject()
        return planner.plan(target)
    if target == S.CANCELLED and rng.random() < 0.5:
        planner.cancel()
        return planner.plan(target)
    planner.approve()
    roll = rng.random()
    if target == S.CANCELLED:
        if roll < 0.6:
            planner.dispute_quote()  # the price was not acceptable
        planner.cancel()
        return planner.plan(target)
    if roll < 0.15:
        planner.dispute_quote()
        # Settled before closing (closing refuses a disputed quote), often at a revised price; some still open.
        if target == S.CLOSED or rng.random() < 0.5:
            if rng.random() < 0.5:
                planner.revise_quote()
            planner.accept_quote()
    elif target != S.APPROVED or roll < 0.7:  # an approved one may still wait for the seller
        planner.accept_quote()
    if target == S.APPROVED:
        return planner.plan(target)
    actions = planner.fulfilment_actions()
    if target == S.FULFILLING:
        if len(actions) < 2:
            return None  # one action resolves it all: it would never rest in fulfilment
        # Stop before the last action, but after every compensation (see ``compensating``).
        compensations = [index for index, (_at, action, _line) in enumerate(actions) if action == Action.COMPENSATE]
        first_stop = max(1, max(compensations, default=-1) + 1)
        if first_stop > len(actions) - 1:
            return None
        actions = actions[: rng.randint(first_stop, len(actions) - 1)]
    for at, action, line in actions:
        planner.fulfil(at, action, line)
    if target in (S.FULFILLING, S.INFO_UPDATE):
        return planner.plan(target)
    planner.confirm_info_update()
    if target == S.CUSTOMER_CONTACT:
        return planner.plan(target)
    planner.contact_customer()
    if target == S.CONTACTED:
        return planner.plan(target)
    planner.close()
    if rng.random() < 0.65:
        planner.survey_answer()
    return planner.plan(target)


def _lines(
    rng: random.Random, demo: DemoOrder, reason: str, restockable_source_ids: set[int], *, compensating: bool
) -> list[_Line]:
    """Which order lines the request covers, how many of each, and how each is to be resolved."""
    whole = reason in (Reason.LOST_IN_TRANSIT, Reason.REFUSED_BY_CUSTOMER)
    pairs = list(zip(demo.lines, demo.catalogue, strict=True))
    if whole:
        chosen = pairs  # the whole parcel
    else:
        chosen = rng.sample(pairs, k=rng.choices(range(1, len(pairs) + 1), weights=[6, 3, 1][: len(pairs)])[0])
    lines = []
    for index, (order_line, item) in enumerate(chosen):
        quantity = order_line.quantity if whole else rng.randint(1, order_line.quantity)
        line_reason = reason
        if index > 0 and not whole and rng.random() < 0.2:
            line_reason = rng.choice([Reason.DAMAGED, Reason.MISSING_ITEM, Reason.QUALITY_DEFECT])
        weights = list(RESOLUTION_WEIGHTS[line_reason])
        if item.product.supplier_id not in restockable_source_ids:
            weights[1] = 0  # restock only from a source the partner buys from
        if not compensating:
            weights[2] = 0
        resolution = rng.choices(
            [Resolution.RESEND, Resolution.RESTOCK_RESEND, Resolution.COMPENSATION], weights=weights
        )[0]
        line = _Line(order_line, item.product, quantity, line_reason, resolution)
        if resolution == Resolution.COMPENSATION:
            method = rng.choices(
                [CompensationMethod.REFUND, CompensationMethod.VOUCHER, CompensationMethod.CASH], weights=[50, 30, 20]
            )[0]
            share = Decimal(1) if method == CompensationMethod.REFUND else Decimal(rng.choice(["0.2", "0.3", "0.5"]))
            line.compensation = (method, money(order_line.unit_price * quantity * share))
        lines.append(line)
    return lines


class _Planner:
    """Writes the moves in order, keeping the time since submission; each method is one move (or
    two) as the people would make it, with the waits between them."""

    def __init__(
        self, rng: random.Random, demo: DemoOrder, reason: str, lines: list[_Line], tracking: TrackingNumbers
    ) -> None:
        self.rng, self.demo, self.reason, self.lines, self.tracking = rng, demo, reason, lines, tracking
        self.partner = demo.order.partner
        self.lang = demo.language
        self.clock = timedelta(0)
        self.moves: list[Move] = []
        self.quote: dict[str, Any] = {}

    def plan(self, target: str) -> Plan:
        return Plan(self.demo, target, self.moves)

    # Helpers ---------------------------------------------------------------------------------
    def _hours(self, low: float, high: float) -> timedelta:
        return max(timedelta(hours=self.rng.uniform(low, high)), MINUTE)

    def _wait(self, low_hours: float, high_hours: float) -> None:
        self.clock += self._hours(low_hours, high_hours)

    def _text(self, key: str, **values: str) -> str:
        return self.rng.choice(TEXTS[key][self.lang]).format(**values)

    def _side(self, action: Action) -> Role:
        """The side the lifecycle names for the action; where both may, either (the demo's admin
        takes no step in a request's story: it has no account among the replay's actors)."""
        return self.rng.choice(sorted(lifecycle.ACTORS[action] - {Role.ADMIN}))

    def _move(self, action: Action, days_after: dict[str, int] | None = None, **args: Any) -> None:
        self.moves.append(Move(self.clock, action, self._side(action), args, days_after=days_after or {}))

    # Application and review ------------------------------------------------------------------
    def submit(self) -> None:
        description = DESCRIPTIONS[self.reason][self.lang].format(
            days=self.rng.randint(4, 9),
            product=", ".join(line.product.name for line in self.lines),
            quantity=self.lines[0].quantity,
        )
        requested = [
            LineRequest(line.order_line.pk, line.quantity, line.resolution, line.reason) for line in self.lines
        ]
        self._move(
            Action.SUBMIT, order_id=self.demo.order.pk, reason=self.reason, description=description, lines=requested
        )

    def request_info(self) -> None:
        self._wait(0.3, self.partner.review_sla_hours * 0.8)
        self._move(
            Action.REQUEST_INFO,
            question=self._text("info_question" if self.demo.delivered else "info_question_undelivered"),
        )

    def answer_info(self) -> None:
        self._wait(0.5, 30)
        if self.rng.random() < 0.4:  # some sellers call or chat with the partner first, then answer in the thread
            channel = self.rng.choice([Channel.PHONE, Channel.IM])
            summary = self._text("partner_phone" if channel == Channel.PHONE else "partner_im")
            args = {"counterpart": Counterpart.PARTNER, "channel": channel, "summary": summary}
            self.moves.append(Move(self.clock - 20 * MINUTE, CONTACT_LOG, Role.SELLER, args))
        self._move(Action.ANSWER_INFO, answer=self._text("info_answer"))

    def reject(self) -> None:
        self._wait(0.3, self.partner.review_sla_hours * 1.3)
        self._move(Action.REJECT, reason=self._text("reject"))

    def cancel(self) -> None:
        self._wait(1, 40)
        self._move(Action.CANCEL, reason=self._text("cancel"))

    def approve(self) -> None:
        self._wait(0.3, self.partner.review_sla_hours * 1.3)  # some reviews are late
        currency = self.demo.order.currency
        goods = [line for line in self.lines if line.resolution != Resolution.COMPENSATION]
        cost = sum((line.product.unit_cost * line.quantity for line in goods), Decimal(0))
        shipping_cny = (self.rng.randint(80, 160) if self.demo.overseas else self.rng.randint(10, 25)) if goods else 0
        bearers, weights = COST_BEARERS[self.reason]
        self.quote = {
            "quote_goods": in_currency(cost, currency),
            "quote_shipping": in_currency(Decimal(shipping_cny), currency),
            "cost_bearer": self.rng.choices(bearers, weights=weights)[0],
        }
        restocking = [line for line in self.lines if line.resolution == Resolution.RESTOCK_RESEND]
        lead_days = max((line.lead_days for line in restocking), default=0)
        promised_days = (lead_days + 2 if restocking else 2) + (4 if self.demo.overseas else 0)
        self._move(
            Action.APPROVE, days_after={"promised_date": promised_days}, note=self._text("approve"), **self.quote
        )

    # The price -------------------------------------------------------------------------------
    def accept_quote(self) -> None:
        self._wait(0.2, 10)
        self._move(Action.ACCEPT_QUOTE)

    def dispute_quote(self) -> None:
        self._wait(0.2, 10)
        self._move(Action.DISPUTE_QUOTE, message=self._text("dispute"))

    def revise_quote(self) -> None:
        self._wait(1, 24)
        self.quote["quote_shipping"] = money(self.quote["quote_shipping"] * Decimal("0.8"))
        self._move(Action.REVISE_QUOTE, message=self._text("revise"), **self.quote)

    # Fulfilment ------------------------------------------------------------------------------
    def fulfilment_actions(self) -> list[tuple[timedelta, Action, _Line]]:
        """Every line's actions with their times: lines progress side by side, each at its own pace."""
        actions = []
        for line in self.lines:
            at = self.clock
            if line.resolution == Resolution.COMPENSATION:
                actions.append((at + self._hours(1, 20), Action.COMPENSATE, line))
                continue
            if line.resolution == Resolution.RESTOCK_RESEND:
                lead_hours = line.lead_days * 24
                at += self._hours(1, 10)
                actions.append((at, Action.START_RESTOCK, line))
                at += self._hours(lead_hours * 0.6, lead_hours * 1.3)
                actions.append((at, Action.CONFIRM_RESTOCK, line))  # naming its ship date
                line.restock_ship_days = self.rng.randint(0, 2)
                at += timedelta(days=line.restock_ship_days) + self._hours(6, 30)  # arrived and checked
            else:
                at += self._hours(2, 36)
            actions.append((at, Action.SHIP, line))
        actions.sort(key=lambda action: action[0])
        return actions

    def fulfil(self, at: timedelta, action: Action, line: _Line) -> None:
        self.clock = max(at, self.clock + MINUTE)
        order_line = line.order_line.pk
        if action == Action.COMPENSATE:
            assert line.compensation is not None  # set for every line to be compensated
            method, amount = line.compensation
            self.moves.append(
                Move(self.clock, action, self._side(action), {"method": method, "amount": amount}, order_line)
            )
        elif action == Action.START_RESTOCK:
            self.moves.append(Move(self.clock, action, self._side(action), {}, order_line))
        elif action == Action.CONFIRM_RESTOCK:
            # Mostly the source, through the signed link it was emailed; sometimes the partner for it.
            side = Role.NONE if self.rng.random() < 0.75 else self._side(action)
            days = {"ship_date": line.restock_ship_days}
            self.moves.append(Move(self.clock, action, side, {}, order_line, days_after=days))
        else:
            carrier, number, transit_days = self.tracking.pick(overseas=self.demo.overseas)
            note = ""
            if line.resolution == Resolution.RESTOCK_RESEND:
                note = "到货质检通过。" if self.lang == 0 else "Passed the arrival quality check."
            args = {"carrier": carrier, "tracking_number": number, "quality_check_note": note}
            transit = timedelta(days=self.rng.uniform(*transit_days))
            self.moves.append(Move(self.clock, action, self._side(action), args, order_line, transit=transit))

    # Closing ---------------------------------------------------------------------------------
    def confirm_info_update(self) -> None:
        self._wait(0.5, 30)
        platform = PLATFORM_NAMES.get(self.demo.order.platform, ("", ""))[self.lang]
        self._move(Action.CONFIRM_INFO_UPDATE, note=self._text("info_updated", platform=platform))

    def contact_customer(self) -> None:
        self._wait(0.5, 24)
        if self.demo.overseas:
            channel = self.rng.choice([Channel.EMAIL, Channel.EMAIL, Channel.SITE_MESSAGE])
        else:
            channel = self.rng.choice([Channel.PHONE, Channel.IM, Channel.SMS, Channel.SITE_MESSAGE])
        # Email and SMS may send the system's own message (carrier and tracking); others say what was said.
        automatic = channel in (Channel.EMAIL, Channel.SMS) and self.rng.random() < 0.5
        self._move(Action.CONTACT_CUSTOMER, channel=channel, message="" if automatic else self._text("contact"))

    def close(self) -> None:
        self._wait(12, 120)
        self._move(
            Action.CLOSE,
            rating_speed=self.rng.choices([5, 4, 3, 2, 1], weights=[40, 35, 15, 7, 3])[0],
            rating_quality=self.rng.choices([5, 4, 3, 2, 1], weights=[45, 35, 12, 5, 3])[0],
            rating_cooperation=self.rng.choices([5, 4, 3, 2, 1], weights=[50, 30, 12, 5, 3])[0],
            platform_dispute=self.rng.random() < 0.08,
            bad_review=self.rng.random() < 0.06,
            note=self._text("close"),
        )

    def survey_answer(self) -> None:
        self._wait(2, 72)
        rating = self.rng.choices([5, 4, 3, 2, 1], weights=[45, 30, 12, 8, 5])[0]
        comment = self._text("survey") if self.rng.random() < 0.7 else ""
        self.moves.append(Move(self.clock, SURVEY, Role.NONE, {"rating": rating, "comment": comment}))
