"""The evaluation figures against a fixed fixture whose expected values are worked out by hand.

The fixture is built through the workflow with backdated ``now=`` (local time, Asia/Shanghai).
The period is 2–8 March 2026 (``[2 Mar 00:00, 9 Mar 00:00)``); "now" is 9 March 12:00.

Partners: Alpha (review SLA 24 h, fulfilment SLA 72 h), Beta (12 h, 48 h).
Sources: Acme (promises restocks in 2 days), Bolt (2 days).
Shop 1 sells SKU A (Acme) and B (Bolt); shop 2 sells C (Acme).

===  ======  =====  ===================  ===========================================================
req  shop    partn  reason (line reasons) what happened
===  ======  =====  ===================  ===========================================================
R0   1       Beta   other                submitted 20 Feb 09:00 (before the period), never reviewed
R1   1       Alpha  damaged (A damaged,  submitted 2 Mar 09:00; approved 13:00 (4 h) goods 100 +
                    B quality_defect)    shipping 20, borne by the supplier; B restocked from Bolt
                                         (ordered 2 Mar 14:00, ships 5 Mar: 3 days); A+B shipped
                                         4 Mar 11:00 (50 h from submission, 46 h from review);
                                         closed 5 Mar rated 4/5/4; survey 5 "Fast and friendly"
R2   1       Beta   lost_in_transit (A)  submitted 3 Mar 09:00; approved 4 Mar 05:00 (20 h) at 0 + 0,
                                         borne by the carrier; A compensated 30 on 4 Mar 11:00 (26 h
                                         from submission, 6 h from review); closed 5 Mar rated
                                         2/3/2 with a platform dispute and a bad review; no survey
R3   1       Alpha  damaged (A)          submitted 4 Mar 09:00; rejected 5 Mar 15:00 (30 h)
R4   2       Alpha  quality_defect (C)   submitted 4 Mar 09:00; approved 13:00 (4 h) goods 50 +
                                         shipping 10, borne by the seller; C restocked from Acme
                                         (ordered 5 Mar 01:30 local — 4 Mar in UTC — ships 7 Mar:
                                         2 days); shipped 8 Mar 13:00 (100 h from submission, 96 h
                                         from review); closed 8 Mar rated 3/3/3; survey 3, no comment
R5   1       Alpha  missing_item (B)     submitted 7 Mar 09:00, never reviewed
R6   1       Alpha  wrong_item (A)       follow-up of R1, submitted 6 Mar 09:00, never reviewed
===  ======  =====  ===================  ===========================================================

The deadline sweeper ran on 8 Mar 10:00: reminders for R0, R4 (fulfilment due 7 Mar 13:00), R5
(due 8 Mar 09:00) and R6 (due 7 Mar 09:00); escalations for R0 (due 21 Feb 09:00) and R6 (8 Mar
09:00). Orders: R1 and R3 are on order O1 (200.00), R2 on O2 (100.00), R4 on O3 (300.00), R5 on
O4 (150.00), R0 on O5 (80.00). Everything is in CNY.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Q

from reship import workflow
from reship.accounts.roles import Role
from reship.evaluation import (
    EvaluationFilter,
    Scope,
    evaluation_figures,
    evaluation_link_filter,
    evaluation_period,
    evaluation_scope_for,
)
from reship.evaluation.scope import ADMIN_SCOPE, NO_SCOPE
from reship.evaluation.sql import nearest_rank
from reship.models import ReshipRequest, RestockOrder
from reship.workflow.timeliness import deadlines_check
from tests.factories import (
    OrderFactory,
    OrderLineFactory,
    PartnerFactory,
    PartnerMembershipFactory,
    ProductFactory,
    ReshipRequestFactory,
    SellerMembershipFactory,
    SupplierFactory,
    UserFactory,
)
from tests.workflow_states import outcome_messages_off, send_survey

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int, minute: int = 0, *, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=TZ)


PERIOD_START = at(2, 0)
PERIOD_END = at(9, 0)
NOW = at(9, 12)


@dataclass
class World:
    seller1: object
    seller2: object
    partner1: object
    partner2: object
    admin: object
    lonely: object  # signed in, but works for nobody
    alpha: object
    beta: object
    acme: object
    bolt: object
    requests: dict[str, ReshipRequest]

    def figures(self, scope: Scope = ADMIN_SCOPE, **filters):
        filters.setdefault("start", PERIOD_START)
        filters.setdefault("end", PERIOD_END)
        return evaluation_figures(filter=EvaluationFilter(scope=scope, **filters), now=NOW)

    def numbers(self, *names: str) -> list[str]:
        return [self.requests[name].number for name in names]


def _order(seller, partner, amount: str, *lines):
    order = OrderFactory(seller=seller, partner=partner, amount=Decimal(amount), placed_at=at(1, 9, month=2))
    return order, {
        product.sku_code: OrderLineFactory(order=order, product=product, quantity=quantity, unit_price=Decimal("50"))
        for product, quantity in lines
    }


def _line(request, sku: str) -> int:
    return request.lines.get(order_line__product__sku_code=sku).pk


def _finish(request, seller, *, contacted_at: datetime, closed_at: datetime, ratings, **close) -> None:
    workflow.reship_confirm_info_update(request_id=request.pk, actor=seller, now=contacted_at)
    workflow.reship_contact_customer(
        request_id=request.pk, actor=seller, channel="phone", message="Called the customer.", now=contacted_at
    )
    speed, quality, cooperation = ratings
    workflow.reship_close(
        request_id=request.pk,
        actor=seller,
        rating_speed=speed,
        rating_quality=quality,
        rating_cooperation=cooperation,
        now=closed_at,
        **close,
    )


def build_world() -> World:
    acme = SupplierFactory(name="Acme Source", restock_lead_days=2)
    bolt = SupplierFactory(name="Bolt Source", restock_lead_days=2)
    alpha = PartnerFactory(name="Alpha Dropship", review_sla_hours=24, fulfilment_sla_hours=72)
    beta = PartnerFactory(name="Beta Dropship", review_sla_hours=12, fulfilment_sla_hours=48)
    seller1 = SellerMembershipFactory(seller__name="First Shop").user
    seller2 = SellerMembershipFactory(seller__name="Second Shop").user
    partner1 = PartnerMembershipFactory(partner=alpha).user
    partner2 = PartnerMembershipFactory(partner=beta).user
    shop1, shop2 = seller1.seller_membership.seller, seller2.seller_membership.seller
    for shop in (shop1, shop2):  # the sellers contact their customers in the contact step, timed here
        outcome_messages_off(shop)
    a = ProductFactory(seller=shop1, sku_code="A", supplier=acme)
    b = ProductFactory(seller=shop1, sku_code="B", supplier=bolt)
    c = ProductFactory(seller=shop2, sku_code="C", supplier=acme)
    o1, o1_lines = _order(shop1, alpha, "200.00", (a, 2), (b, 2))
    o2, o2_lines = _order(shop1, beta, "100.00", (a, 1))
    o3, o3_lines = _order(shop2, alpha, "300.00", (c, 3))
    o4, o4_lines = _order(shop1, alpha, "150.00", (b, 1))
    o5, o5_lines = _order(shop1, beta, "80.00", (b, 1))
    line = workflow.LineRequest

    r0 = workflow.reship_submit(
        actor=seller1,
        order_id=o5.pk,
        reason="other",
        lines=[line(o5_lines["B"].pk, 1, "resend")],
        now=at(20, 9, month=2),
    )

    r1 = workflow.reship_submit(
        actor=seller1,
        order_id=o1.pk,
        reason="damaged",
        lines=[line(o1_lines["A"].pk, 1, "resend"), line(o1_lines["B"].pk, 1, "restock_resend", "quality_defect")],
        now=at(2, 9),
    )
    workflow.reship_approve(
        request_id=r1.pk, actor=partner1, quote_goods="100", quote_shipping="20", cost_bearer="supplier", now=at(2, 13)
    )
    workflow.reship_start_restock(request_id=r1.pk, actor=partner1, line_ids=[_line(r1, "B")], now=at(2, 14))
    workflow.reship_confirm_restock(
        restock_order_id=RestockOrder.objects.get(request=r1).pk,
        actor=partner1,
        ship_date=date(2026, 3, 5),
        now=at(3, 9),
    )
    workflow.reship_ship(
        request_id=r1.pk,
        actor=partner1,
        items=[workflow.ShipItem(_line(r1, "A")), workflow.ShipItem(_line(r1, "B"))],
        carrier="SF Express",
        tracking_number="SF100000000001",
        now=at(4, 11),
    )
    _finish(r1, seller1, contacted_at=at(4, 12), closed_at=at(5, 9), ratings=(4, 5, 4))
    send_survey(r1, now=at(5, 10))
    workflow.survey_answer(request_id=r1.pk, rating=5, comment="Fast and friendly", now=at(5, 10))

    r2 = workflow.reship_submit(
        actor=seller1,
        order_id=o2.pk,
        reason="lost_in_transit",
        lines=[line(o2_lines["A"].pk, 1, "compensation")],
        now=at(3, 9),
    )
    workflow.reship_approve(
        request_id=r2.pk, actor=partner2, quote_goods="0", quote_shipping="0", cost_bearer="carrier", now=at(4, 5)
    )
    workflow.reship_compensate(
        request_id=r2.pk, actor=partner2, line_ids=[_line(r2, "A")], method="refund", amount="30", now=at(4, 11)
    )
    _finish(
        r2,
        seller1,
        contacted_at=at(4, 12),
        closed_at=at(5, 9),
        ratings=(2, 3, 2),
        platform_dispute=True,
        bad_review=True,
    )

    r3 = workflow.reship_submit(
        actor=seller1, order_id=o1.pk, reason="damaged", lines=[line(o1_lines["A"].pk, 1, "resend")], now=at(4, 9)
    )
    workflow.reship_reject(request_id=r3.pk, actor=partner1, reason="Delivered per the carrier.", now=at(5, 15))

    r4 = workflow.reship_submit(
        actor=seller2,
        order_id=o3.pk,
        reason="quality_defect",
        lines=[line(o3_lines["C"].pk, 1, "restock_resend")],
        now=at(4, 9),
    )
    workflow.reship_approve(
        request_id=r4.pk, actor=partner1, quote_goods="50", quote_shipping="10", cost_bearer="seller", now=at(4, 13)
    )
    workflow.reship_start_restock(request_id=r4.pk, actor=partner1, line_ids=[_line(r4, "C")], now=at(5, 1, 30))
    workflow.reship_confirm_restock(
        restock_order_id=RestockOrder.objects.get(request=r4).pk,
        actor=partner1,
        ship_date=date(2026, 3, 7),
        now=at(5, 9),
    )

    r6 = workflow.reship_follow_up(
        request_id=r1.pk,
        actor=seller1,
        reason="wrong_item",
        lines=[line(o1_lines["A"].pk, 1, "resend")],
        description="The replacement came in the wrong colour.",
        now=at(6, 9),
    )
    r5 = workflow.reship_submit(
        actor=seller1, order_id=o4.pk, reason="missing_item", lines=[line(o4_lines["B"].pk, 1, "resend")], now=at(7, 9)
    )

    assert deadlines_check(now=at(8, 10)) == {"reminded": 4, "escalated": 2}

    workflow.reship_ship(
        request_id=r4.pk,
        actor=partner1,
        items=[workflow.ShipItem(_line(r4, "C"))],
        carrier="SF Express",
        tracking_number="SF100000000004",
        now=at(8, 13),
    )
    _finish(r4, seller2, contacted_at=at(8, 15), closed_at=at(8, 20), ratings=(3, 3, 3))
    send_survey(r4, now=at(8, 21))
    workflow.survey_answer(request_id=r4.pk, rating=3, comment="", now=at(8, 21))

    requests = {
        name: ReshipRequest.objects.get(pk=request.pk)
        for name, request in {"R0": r0, "R1": r1, "R2": r2, "R3": r3, "R4": r4, "R5": r5, "R6": r6}.items()
    }
    return World(
        seller1=seller1,
        seller2=seller2,
        partner1=partner1,
        partner2=partner2,
        admin=UserFactory(username="ops", is_staff=True),
        lonely=UserFactory(username="lonely"),
        alpha=alpha,
        beta=beta,
        acme=acme,
        bolt=bolt,
        requests=requests,
    )


@pytest.fixture
def world(settings) -> World:
    settings.TIME_ZONE = "Asia/Shanghai"
    return build_world()


def _requests_behind(link: dict[str, str]) -> list[str]:
    return sorted(ReshipRequest.objects.filter(evaluation_link_filter(link, now=NOW)).values_list("number", flat=True))


# --- the whole fixture, as the platform's admin sees it ------------------------------------------


def test_satisfaction(world):
    figures = world.figures()
    satisfaction = figures.satisfaction

    assert figures.requests == 6  # R1–R6; R0 was submitted before the period
    assert satisfaction.closed == 3  # R1, R2, R4
    assert satisfaction.answered == 2  # R1 (5), R4 (3); R2's customer never answered
    assert satisfaction.response_rate == 0.6667  # 2 / 3
    assert satisfaction.average_rating == 4.0  # (5 + 3) / 2
    assert [(bucket.rating, bucket.count) for bucket in satisfaction.distribution] == [
        (1, 0),
        (2, 0),
        (3, 1),
        (4, 0),
        (5, 1),
    ]
    assert satisfaction.comments == 1  # R4's answer has no comment
    assert [(c.number, c.rating, c.comment) for c in satisfaction.latest_comments] == [
        (world.requests["R1"].number, 5, "Fast and friendly")
    ]
    # Alpha: R1 (5) and R4 (3) → 2 of 2, average 4; Beta: R2, unanswered.
    assert [
        (row.label, row.closed, row.answered, row.response_rate, row.average_rating) for row in satisfaction.by_partner
    ] == [
        ("Alpha Dropship", 2, 2, 1.0, 4.0),
        ("Beta Dropship", 1, 0, 0.0, None),
    ]
    # A request counts under its own reason and its lines' reasons: R1 is damaged and (line B)
    # quality_defect, so quality_defect has R1 (5) and R4 (3).
    assert [
        (row.key, row.closed, row.answered, row.response_rate, row.average_rating) for row in satisfaction.by_reason
    ] == [
        ("lost_in_transit", 1, 0, 0.0, None),
        ("damaged", 1, 1, 1.0, 5.0),
        ("quality_defect", 2, 2, 1.0, 4.0),
    ]


def test_cost(world):
    cost = world.figures().cost

    # Costed: R1, R2, R4 (R3 rejected; R5, R6 not reviewed).
    assert cost.requests == 3
    (cny,) = cost.totals
    assert cny.currency == "CNY"
    assert cny.goods == Decimal("150.00")  # 100 + 0 + 50
    assert cny.shipping == Decimal("30.00")  # 20 + 0 + 10
    assert cny.compensation == Decimal("30.00")  # 0 + 30 + 0
    assert cny.total == Decimal("210.00")  # R1 120 + R2 30 + R4 60
    assert cny.average_per_request == Decimal("70.00")  # 210 / 3
    assert cny.order_value == Decimal("600.00")  # O1 200 + O2 100 + O3 300
    assert cny.share_of_order_value == 0.35  # 210 / 600
    assert cny.recovered == Decimal("150.00")  # supplier (R1 120) + carrier (R2 30); R4 is the seller's
    assert cny.recovered_share == 0.7143  # 150 / 210 = 0.714285…
    assert cost.recovered_bearers == ["partner", "supplier", "carrier"]
    assert [(row.key, row.requests, row.total) for row in cost.by_bearer] == [
        ("supplier", 1, Decimal("120.00")),
        ("seller", 1, Decimal("60.00")),
        ("carrier", 1, Decimal("30.00")),
    ]
    # quality_defect: R1 (line B) 120 + R4 60; damaged: R1; lost_in_transit: R2.
    assert [(row.key, row.requests, row.total) for row in cost.by_reason] == [
        ("quality_defect", 2, Decimal("180.00")),
        ("damaged", 1, Decimal("120.00")),
        ("lost_in_transit", 1, Decimal("30.00")),
    ]
    assert [(row.label, row.requests, row.total) for row in cost.by_partner] == [
        ("Alpha Dropship", 2, Decimal("180.00")),  # R1 120 + R4 60
        ("Beta Dropship", 1, Decimal("30.00")),  # R2
    ]
    # Acme: R1 (line A), R2 (A), R4 (C) → 120 + 30 + 60; Bolt: R1 (line B).
    assert [(row.label, row.requests, row.total) for row in cost.by_supplier] == [
        ("Acme Source", 3, Decimal("210.00")),
        ("Bolt Source", 1, Decimal("120.00")),
    ]


def test_money_is_never_added_across_currencies(world):
    # R7: shop 1's USD order O6 (50.00) with two Acme SKUs, submitted 8 Mar 10:00, approved 11:00
    # at goods 10 + shipping 5, borne by the partner.
    shop1 = world.seller1.seller_membership.seller
    order = OrderFactory(seller=shop1, partner=world.alpha, amount=Decimal("50.00"), currency="USD")
    lines = [
        OrderLineFactory(order=order, product=ProductFactory(seller=shop1, supplier=world.acme), quantity=1)
        for _ in range(2)
    ]
    r7 = workflow.reship_submit(
        actor=world.seller1,
        order_id=order.pk,
        reason="damaged",
        lines=[workflow.LineRequest(each.pk, 1, "resend") for each in lines],
        now=at(8, 10),
    )
    workflow.reship_approve(
        request_id=r7.pk,
        actor=world.partner1,
        quote_goods="10",
        quote_shipping="5",
        cost_bearer="partner",
        now=at(8, 11),
    )

    figures = world.figures()

    assert figures.cost.requests == 4  # R1, R2, R4 in CNY; R7 in USD
    cny, usd = figures.cost.totals
    assert (cny.currency, cny.total, cny.order_value) == ("CNY", Decimal("210.00"), Decimal("600.00"))  # unchanged
    assert (usd.currency, usd.requests, usd.goods, usd.shipping, usd.compensation, usd.total) == (
        "USD",
        1,
        Decimal("10.00"),
        Decimal("5.00"),
        Decimal("0.00"),
        Decimal("15.00"),
    )
    assert (usd.order_value, usd.share_of_order_value, usd.recovered, usd.recovered_share) == (
        Decimal("50.00"),
        0.3,  # 15 / 50
        Decimal("15.00"),  # the partner bore it
        1.0,
    )
    # R7's two Acme lines make one Acme request, not two.
    assert [(row.currency, row.label, row.requests, row.total) for row in figures.cost.by_supplier] == [
        ("CNY", "Acme Source", 3, Decimal("210.00")),
        ("CNY", "Bolt Source", 1, Decimal("120.00")),
        ("USD", "Acme Source", 1, Decimal("15.00")),
    ]
    assert figures.trend.points[-1].cost == {"USD": Decimal("15.00")}  # 8 March


def test_timeliness(world):
    timeliness = world.figures().timeliness

    # Reviewed: R1 4 h, R2 20 h, R3 30 h, R4 4 h → sorted 4, 4, 20, 30 (a tie at the median).
    # Nearest rank: median at ⌈0.5 × 4⌉ = 2 → 4 h; 90th percentile at ⌈0.9 × 4⌉ = 4 → 30 h.
    assert (timeliness.review.count, timeliness.review.median_hours, timeliness.review.p90_hours) == (4, 4.0, 30.0)
    # Resolved: R2 26 h, R1 50 h, R4 100 h → median at rank 2 → 50 h; p90 at ⌈2.7⌉ = 3 → 100 h.
    assert (timeliness.resolution.count, timeliness.resolution.median_hours, timeliness.resolution.p90_hours) == (
        3,
        50.0,
        100.0,
    )
    # Review SLA: R1 4 ≤ 24 hit, R2 20 > 12 (Beta) missed, R3 30 > 24 missed, R4 4 ≤ 24 hit.
    assert (timeliness.review_sla.reached, timeliness.review_sla.hit, timeliness.review_sla.rate) == (4, 2, 0.5)
    # Fulfilment SLA (from review): R1 46 ≤ 72 hit, R2 6 ≤ 48 hit, R4 96 > 72 missed.
    assert (timeliness.fulfilment_sla.reached, timeliness.fulfilment_sla.hit, timeliness.fulfilment_sla.rate) == (
        3,
        2,
        0.6667,
    )
    # Now (9 Mar 12:00), whatever the period: R0 (due 20 Feb 21:00), R5 (8 Mar 09:00), R6 (7 Mar
    # 09:00) are overdue, and past their escalation times (21 Feb 09:00, 9 Mar 09:00, 8 Mar 09:00).
    assert (timeliness.overdue_now, timeliness.escalated_now) == (3, 3)
    # In the period, the sweeper reminded R4, R5, R6 and escalated R6 (R0 is outside it).
    assert (timeliness.were_overdue, timeliness.were_escalated) == (3, 1)


def test_brand(world):
    brand = world.figures().brand

    assert brand.closed == 3  # R1, R2, R4
    assert (brand.disputes, brand.dispute_rate) == (1, 0.3333)  # R2
    assert (brand.bad_reviews, brand.bad_review_rate) == (1, 0.3333)  # R2
    assert (brand.disputed_or_bad_review, brand.disputed_or_bad_review_rate) == (1, 0.3333)  # R2 (both at once)
    assert (brand.followed_up, brand.follow_up_rate) == (1, 0.3333)  # R1 got the follow-up R6
    assert (brand.requests, brand.follow_up_requests) == (6, 1)  # R6 is a follow-up


def test_partner_scorecards(world):
    alpha, beta = world.figures().partners

    # Alpha: R1, R3, R4, R5, R6. Reviewed R1, R3, R4; R3 rejected → 2 / 3 approved. Review times
    # 4, 4, 30 → median at rank 2 → 4 h. Review SLA: R1, R4 hit, R3 missed → 2 / 3. Fulfilment:
    # R1 hit, R4 missed → 1 / 2. Closed R1, R4; R1 got a follow-up → 1 / 2. Ratings: speed
    # (4 + 3) / 2, quality (5 + 3) / 2, cooperation (4 + 3) / 2.
    assert (alpha.partner_id, alpha.name, alpha.requests, alpha.reviewed, alpha.approved) == (
        world.alpha.pk,
        "Alpha Dropship",
        5,
        3,
        2,
    )
    assert (alpha.approval_rate, alpha.median_review_hours, alpha.review_sla_rate, alpha.fulfilment_sla_rate) == (
        0.6667,
        4.0,
        0.6667,
        0.5,
    )
    assert (alpha.closed, alpha.followed_up, alpha.follow_up_rate, alpha.rated) == (2, 1, 0.5, 2)
    assert (alpha.rating_speed, alpha.rating_quality, alpha.rating_cooperation) == (3.5, 4.0, 3.5)
    # Beta: R2 only (R0 is before the period): approved, 20 h (missed 12 h), fulfilled in 6 h (hit).
    assert (beta.name, beta.requests, beta.reviewed, beta.approved, beta.approval_rate) == (
        "Beta Dropship",
        1,
        1,
        1,
        1.0,
    )
    assert (beta.median_review_hours, beta.review_sla_rate, beta.fulfilment_sla_rate) == (20.0, 0.0, 1.0)
    assert (beta.closed, beta.followed_up, beta.follow_up_rate) == (1, 0, 0.0)
    assert (beta.rating_speed, beta.rating_quality, beta.rating_cooperation) == (2.0, 3.0, 2.0)


def test_supplier_scorecards(world):
    acme, bolt = world.figures().suppliers

    # Acme's lines: R1 A, R2 A, R3 A, R4 C (quality defect), R6 A → 1 of 5. Its restock: R4's C,
    # ordered 5 Mar 01:30 local (4 Mar in UTC) shipping 7 Mar → 2 days, within its 2.
    # It bore R1's cost (120) as one of R1's two sources.
    assert (acme.name, acme.lines, acme.quality_defects, acme.quality_defect_share) == ("Acme Source", 5, 1, 0.2)
    assert (acme.restock_orders, acme.confirmed_restocks, acme.average_lead_days, acme.promised_lead_days) == (
        1,
        1,
        2.0,
        2,
    )
    assert (acme.on_time_restocks, acme.on_time_rate) == (1, 1.0)
    assert (acme.cost_borne_requests, acme.cost_borne) == (1, {"CNY": Decimal("120.00")})
    # Bolt's lines: R1 B (quality defect), R5 B → 1 of 2. Its restock: R1's B, ordered 2 Mar,
    # shipping 5 Mar → 3 days, over its 2.
    assert (bolt.name, bolt.lines, bolt.quality_defects, bolt.quality_defect_share) == ("Bolt Source", 2, 1, 0.5)
    assert (bolt.restock_orders, bolt.confirmed_restocks, bolt.average_lead_days, bolt.promised_lead_days) == (
        1,
        1,
        3.0,
        2,
    )
    assert (bolt.on_time_restocks, bolt.on_time_rate) == (0, 0.0)
    assert (bolt.cost_borne_requests, bolt.cost_borne) == (1, {"CNY": Decimal("120.00")})


def test_trend_is_daily_for_a_week_with_empty_days(world):
    trend = world.figures().trend

    assert trend.unit == "day"
    assert [(point.start, point.requests, point.cost) for point in trend.points] == [
        (date(2026, 3, 2), 1, {"CNY": Decimal("120.00")}),  # R1
        (date(2026, 3, 3), 1, {"CNY": Decimal("30.00")}),  # R2
        (date(2026, 3, 4), 2, {"CNY": Decimal("60.00")}),  # R3 (rejected: no cost), R4
        (date(2026, 3, 5), 0, {}),
        (date(2026, 3, 6), 1, {}),  # R6, not reviewed
        (date(2026, 3, 7), 1, {}),  # R5, not reviewed
        (date(2026, 3, 8), 0, {}),
    ]


def test_trend_is_weekly_for_longer_periods(world):
    trend = world.figures(start=at(1, 0, month=2), end=PERIOD_END).trend

    assert trend.unit == "week"
    # Weeks start on Monday: R0 on Fri 20 Feb is in the week of 16 Feb; 2 Mar is a Monday.
    assert [(point.start, point.requests, point.cost) for point in trend.points] == [
        (date(2026, 1, 26), 0, {}),  # 1 Feb is a Sunday: its week began on 26 Jan
        (date(2026, 2, 2), 0, {}),
        (date(2026, 2, 9), 0, {}),
        (date(2026, 2, 16), 1, {}),
        (date(2026, 2, 23), 0, {}),
        (date(2026, 3, 2), 6, {"CNY": Decimal("210.00")}),
    ]


# --- each figure links to exactly the requests it counted ---------------------------------------


def test_links_list_the_requests_behind_each_figure(world):
    figures = world.figures()
    satisfaction, cost, timeliness, brand = figures.satisfaction, figures.cost, figures.timeliness, figures.brand
    alpha = figures.partners[0]
    acme_cost, bolt_cost = cost.by_supplier
    links = [
        (figures.link, ["R1", "R2", "R3", "R4", "R5", "R6"]),
        (satisfaction.links["closed"], ["R1", "R2", "R4"]),
        (satisfaction.links["answered"], ["R1", "R4"]),
        (satisfaction.links["unanswered"], ["R2"]),
        (satisfaction.distribution[4].link, ["R1"]),  # rated 5
        (satisfaction.by_reason[2].link, ["R1", "R4"]),  # quality_defect
        (cost.link, ["R1", "R2", "R4"]),
        (cost.by_bearer[0].link, ["R1"]),  # supplier
        (acme_cost.link, ["R1", "R2", "R4"]),
        (bolt_cost.link, ["R1"]),
        (timeliness.review.link, ["R1", "R2", "R3", "R4"]),
        (timeliness.review_sla.link_hit, ["R1", "R4"]),
        (timeliness.review_sla.link_missed, ["R2", "R3"]),
        (timeliness.fulfilment_sla.link_hit, ["R1", "R2"]),
        (timeliness.fulfilment_sla.link_missed, ["R4"]),
        (timeliness.links["overdue_now"], ["R0", "R5", "R6"]),
        (timeliness.links["were_overdue"], ["R4", "R5", "R6"]),
        (timeliness.links["were_escalated"], ["R6"]),
        (brand.links["disputed_or_bad_review"], ["R2"]),
        (brand.links["followed_up"], ["R1"]),
        (brand.links["follow_up_requests"], ["R6"]),
        (alpha.link, ["R1", "R3", "R4", "R5", "R6"]),
        (figures.suppliers[1].link, ["R1", "R5"]),  # Bolt
        (figures.trend.points[2].link, ["R3", "R4"]),  # 4 March
    ]
    for link, names in links:
        assert _requests_behind(link) == sorted(world.numbers(*names)), link


def test_a_bad_link_value_is_refused():
    with pytest.raises(ValueError, match="status"):
        evaluation_link_filter({"status": "lost"}, now=NOW)


# --- filters ---------------------------------------------------------------------------------------


def test_an_empty_period_gives_zeros_and_none(world):
    figures = world.figures(start=at(5, 0, month=1), end=at(12, 0, month=1))

    assert figures.requests == 0
    s = figures.satisfaction
    assert (s.closed, s.answered, s.response_rate, s.average_rating, s.comments) == (0, 0, None, None, 0)
    assert [bucket.count for bucket in s.distribution] == [0, 0, 0, 0, 0]
    assert (s.latest_comments, s.by_partner, s.by_reason) == ([], [], [])
    c = figures.cost
    assert (c.requests, c.totals, c.by_bearer, c.by_reason, c.by_partner, c.by_supplier) == (0, [], [], [], [], [])
    t = figures.timeliness
    assert (t.review.count, t.review.median_hours, t.review.p90_hours) == (0, None, None)
    assert (t.resolution.count, t.resolution.median_hours, t.resolution.p90_hours) == (0, None, None)
    assert (t.review_sla.rate, t.fulfilment_sla.rate, t.were_overdue, t.were_escalated) == (None, None, 0, 0)
    # "Overdue now" is about today, whatever the period: R0, R5, R6 still are.
    assert t.overdue_now == 3
    b = figures.brand
    assert (b.closed, b.dispute_rate, b.bad_review_rate, b.disputed_or_bad_review_rate, b.follow_up_rate) == (
        0,
        None,
        None,
        None,
        None,
    )
    assert (figures.partners, figures.suppliers) == ([], [])
    assert [(point.requests, point.cost) for point in figures.trend.points] == [(0, {})] * 7


def test_one_request(world):
    # Only R2 is lost in transit.
    figures = world.figures(reason="lost_in_transit")

    assert figures.requests == 1
    assert (figures.satisfaction.closed, figures.satisfaction.response_rate) == (1, 0.0)
    assert figures.satisfaction.average_rating is None  # closed, never answered
    (cny,) = figures.cost.totals
    assert (cny.total, cny.order_value, cny.share_of_order_value, cny.recovered) == (
        Decimal("30.00"),
        Decimal("100.00"),
        0.3,  # 30 / 100
        Decimal("30.00"),  # the carrier bore it
    )
    # With one value every percentile is that value.
    t = figures.timeliness
    assert (t.review.median_hours, t.review.p90_hours, t.resolution.median_hours, t.resolution.p90_hours) == (
        20.0,
        20.0,
        26.0,
        26.0,
    )
    assert (t.review_sla.rate, t.fulfilment_sla.rate) == (0.0, 1.0)
    assert (figures.brand.closed, figures.brand.disputed_or_bad_review_rate) == (1, 1.0)
    assert [partner.name for partner in figures.partners] == ["Beta Dropship"]
    (acme,) = figures.suppliers
    assert (acme.name, acme.lines, acme.restock_orders, acme.average_lead_days, acme.cost_borne) == (
        "Acme Source",
        1,
        0,
        None,
        {},
    )
    assert [row.key for row in figures.satisfaction.by_reason] == ["lost_in_transit"]


def test_supplier_filter_keeps_requests_with_a_line_of_its_products(world):
    figures = world.figures(supplier_id=world.bolt.pk)

    assert figures.requests == 2  # R1 (line B) and R5, each once although R1 also has an Acme line
    assert [card.name for card in figures.suppliers] == ["Bolt Source"]
    assert [(row.label, row.total) for row in figures.cost.by_supplier] == [("Bolt Source", Decimal("120.00"))]
    assert figures.cost.totals[0].total == Decimal("120.00")  # R1 only: R5 is not reviewed


def test_partner_filter(world):
    figures = world.figures(partner_id=world.beta.pk)

    assert figures.requests == 1  # R2
    assert [partner.name for partner in figures.partners] == ["Beta Dropship"]
    assert figures.timeliness.overdue_now == 1  # R0, Beta's, overdue whatever the period


# --- tenancy -------------------------------------------------------------------------------------


def test_scope_comes_from_the_users_organisation(world):
    assert evaluation_scope_for(world.seller1) == Scope(
        role=Role.SELLER, seller_id=world.seller1.seller_membership.seller_id
    )
    assert evaluation_scope_for(world.partner1) == Scope(role=Role.PARTNER, partner_id=world.alpha.pk)
    assert evaluation_scope_for(world.admin) == ADMIN_SCOPE
    assert evaluation_scope_for(world.lonely) == NO_SCOPE


def test_a_seller_sees_only_its_own_requests(world):
    shop1 = world.figures(evaluation_scope_for(world.seller1))
    shop2 = world.figures(evaluation_scope_for(world.seller2))

    # Shop 1: R1, R2, R3, R5, R6; closed R1, R2; costed R1 120 + R2 30, both borne by others.
    assert shop1.requests == 5
    assert (shop1.satisfaction.closed, shop1.satisfaction.answered) == (2, 1)
    assert (shop1.cost.totals[0].total, shop1.cost.totals[0].recovered) == (Decimal("150.00"), Decimal("150.00"))
    assert [(p.name, p.requests) for p in shop1.partners] == [("Alpha Dropship", 4), ("Beta Dropship", 1)]
    assert shop1.timeliness.overdue_now == 3  # R0, R5, R6
    # Shop 2: R4 only, 60 borne by itself: nothing recovered.
    assert shop2.requests == 1
    assert (shop2.cost.totals[0].total, shop2.cost.totals[0].recovered) == (Decimal("60.00"), Decimal("0.00"))
    assert [(p.name, p.requests) for p in shop2.partners] == [("Alpha Dropship", 1)]
    assert [card.name for card in shop2.suppliers] == ["Acme Source"]
    assert shop2.timeliness.overdue_now == 0


def test_a_partner_sees_only_its_own_requests(world):
    alpha = world.figures(evaluation_scope_for(world.partner1))
    beta = world.figures(evaluation_scope_for(world.partner2))

    # Alpha: R1, R3, R4, R5, R6 from both shops; costed R1 (supplier 120) and R4 (seller 60); for
    # a partner only what the source or the carrier bore is recovered.
    assert alpha.requests == 5
    assert [p.name for p in alpha.partners] == ["Alpha Dropship"]
    assert (alpha.cost.totals[0].total, alpha.cost.totals[0].recovered) == (Decimal("180.00"), Decimal("120.00"))
    assert alpha.cost.recovered_bearers == ["supplier", "carrier"]
    assert alpha.timeliness.overdue_now == 2  # R5, R6
    # Beta: R2 (R0 is before the period).
    assert beta.requests == 1
    assert [p.name for p in beta.partners] == ["Beta Dropship"]
    assert beta.timeliness.overdue_now == 1  # R0


def test_a_partner_asking_for_another_partners_figures_gets_nothing(world):
    figures = world.figures(evaluation_scope_for(world.partner1), partner_id=world.beta.pk)

    assert figures.requests == 0
    assert (figures.partners, figures.suppliers, figures.cost.totals) == ([], [], [])
    assert figures.timeliness.overdue_now == 0  # Beta's R0 stays Beta's


def test_a_user_of_no_organisation_sees_nothing(world):
    figures = world.figures(evaluation_scope_for(world.lonely))

    assert (figures.requests, figures.timeliness.overdue_now, figures.partners) == (0, 0, [])


# --- percentiles, periods, query counts ----------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "percent", "rank"),
    [(1, 50, 1), (2, 50, 1), (4, 50, 2), (5, 50, 3), (1, 90, 1), (4, 90, 4), (10, 90, 9), (11, 90, 10)],
)
def test_nearest_rank(count, percent, rank):
    assert nearest_rank(count, percent) == rank


def test_periods_are_whole_local_days(settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    # 9 Mar 01:00 local is still 8 Mar in UTC: the last 7 days are 3–9 March, local.
    assert evaluation_period(now=at(9, 1), days=7) == (at(3, 0), at(10, 0))
    assert evaluation_period(now=NOW, first_day=date(2026, 3, 2), last_day=date(2026, 3, 8)) == (at(2, 0), at(9, 0))
    with pytest.raises(ValueError, match="first day"):
        evaluation_period(now=NOW, first_day=date(2026, 3, 8), last_day=date(2026, 3, 2))


def test_a_naive_period_or_an_unknown_reason_is_refused():
    with pytest.raises(ValueError, match="aware"):
        EvaluationFilter(scope=ADMIN_SCOPE, start=datetime(2026, 3, 2))  # noqa: DTZ001
    with pytest.raises(ValueError, match="reason"):
        EvaluationFilter(scope=ADMIN_SCOPE, reason="bored")


@pytest.mark.postgres
def test_nearest_rank_agrees_with_postgresql_percentile_disc():
    """PostgreSQL's own ``percentile_disc`` uses the same definition; SQLite has none."""
    from django.db import connection

    from reship.evaluation.sql import SecondsBetween, percentiles

    partner = PartnerFactory()
    hours = [7, 1, 3, 3, 3, 9, 2, 8, 3, 5, 6]  # 11 values with ties
    for each in hours:
        order = OrderFactory(partner=partner)
        ReshipRequestFactory(order=order, submitted_at=at(2, 0), reviewed_at=at(2, 0) + timedelta(hours=each))
    ours = percentiles(
        ReshipRequest.objects.filter(partner=partner), value=SecondsBetween("reviewed_at", "submitted_at")
    )[None]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM reviewed_at - submitted_at)),"
            " percentile_disc(0.9) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM reviewed_at - submitted_at))"
            " FROM reship_reshiprequest WHERE partner_id = %s",
            [partner.pk],
        )
        median, p90 = cursor.fetchone()
    # Sorted: 1 2 3 3 3 3 5 6 7 8 9 → rank ⌈5.5⌉ = 6 → 3 h; rank ⌈9.9⌉ = 10 → 8 h.
    assert (ours[50], ours[90]) == (float(median), float(p90)) == (3 * 3600.0, 8 * 3600.0)


def _closed_requests(count: int, *, first_day: int) -> None:
    """``count`` requests, each on its own order, through the whole workflow to a survey answer."""
    partner = PartnerMembershipFactory(partner__name=f"Partner from {first_day}").user
    seller = SellerMembershipFactory().user
    shop = seller.seller_membership.seller
    outcome_messages_off(shop)
    for index in range(count):
        order, lines = _order(shop, partner.partner_membership.partner, "100.00", (ProductFactory(seller=shop), 1))
        (order_line,) = lines.values()
        start = at(first_day, 9 + index % 10)
        request = workflow.reship_submit(
            actor=seller,
            order_id=order.pk,
            reason="damaged",
            lines=[workflow.LineRequest(order_line.pk, 1, "compensation")],
            now=start,
        )
        workflow.reship_approve(
            request_id=request.pk, actor=partner, quote_goods="0", quote_shipping="5", cost_bearer="partner", now=start
        )
        workflow.reship_compensate(
            request_id=request.pk, actor=partner, line_ids=[_line_id(request)], method="cash", amount="10", now=start
        )
        _finish(request, seller, contacted_at=start, closed_at=start, ratings=(5, 5, 5))
        send_survey(request, now=start)
        workflow.survey_answer(request_id=request.pk, rating=1 + index % 5, comment="ok", now=start)


def _line_id(request) -> int:
    return request.lines.values_list("pk", flat=True).get()


def _queries_for_figures(django_assert_max_num_queries) -> int:
    with django_assert_max_num_queries(30) as captured:
        figures = evaluation_figures(
            filter=EvaluationFilter(scope=ADMIN_SCOPE, start=PERIOD_START, end=PERIOD_END), now=NOW
        )
    assert figures.requests > 0
    return len(captured.captured_queries)


def test_the_query_count_does_not_grow_with_the_data(settings, django_assert_max_num_queries):
    settings.TIME_ZONE = "Asia/Shanghai"
    _closed_requests(3, first_day=2)
    with_three = _queries_for_figures(django_assert_max_num_queries)
    _closed_requests(27, first_day=3)
    with_thirty = _queries_for_figures(django_assert_max_num_queries)

    # One query per aggregate: brand 1, satisfaction 4, cost 6, timeliness 3 (both durations'
    # percentiles in one query), partners 3 (the third: disputed lines per statement), suppliers 3,
    # trend 1, the customers' own reports (售后自助) 2, the outstanding balances (对账结算) 2.
    assert with_three == with_thirty == 25
    assert ReshipRequest.objects.filter(Q(submitted_at__gte=PERIOD_START) & Q(status="closed")).count() == 30
