"""The figures from the per-day rollups equal the figures from the requests (issue 19).

``evaluation_figures(rollups=False)`` computes every figure from the requests (the reference, the
path the hand-checked tests in ``test_figures`` pin); with ``RESHIP_EVALUATION_ROLLUPS`` on, the
sums come from ``RequestRollup`` rows. The whole ``Figures`` value (every section, link, label and
rounding) must be equal for every scope and filter: on the hand-checked fixture, and on requests
driven through the workflow at random (statuses, reasons, sources, currencies, bearers, ratings,
surveys, follow-ups, overdue events, customers' reports) — once from a full rebuild, and again
after more workflow steps, caught up incrementally before the read.
"""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection

from reship import workflow
from reship.accounts.roles import Role
from reship.evaluation import EvaluationFilter, Scope, evaluation_figures
from reship.evaluation.rolled import rolled_sums
from reship.evaluation.rollup import catch_up_rollups, rebuild_rollups
from reship.evaluation.scope import ADMIN_SCOPE
from reship.models import RequestRollup, ReshipRequest, RestockOrder
from reship.workflow.timeliness import deadlines_check
from tests.evaluation.test_figures import NOW, PERIOD_END, PERIOD_START, at, build_world
from tests.factories import (
    OrderFactory,
    OrderLineFactory,
    PartnerMembershipFactory,
    ProductFactory,
    SellerMembershipFactory,
    SupplierFactory,
)
from tests.workflow_states import outcome_messages_off, send_survey

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

WEEK = EvaluationFilter(scope=ADMIN_SCOPE, start=PERIOD_START, end=PERIOD_END)


@pytest.fixture(autouse=True)
def _rollups_on(settings):
    if connection.vendor != "postgresql":
        pytest.skip("the rollups are PostgreSQL's")
    settings.TIME_ZONE = "Asia/Shanghai"
    settings.RESHIP_EVALUATION_ROLLUPS = True


def assert_same(evaluation_filter: EvaluationFilter) -> None:
    assert rolled_sums(evaluation_filter) is not None, "the rollups should answer this filter"
    raw = evaluation_figures(filter=evaluation_filter, now=NOW, rollups=False)
    rolled = evaluation_figures(filter=evaluation_filter, now=NOW)
    for section in ("satisfaction", "cost", "timeliness", "brand", "partners", "suppliers", "trend", "requests"):
        assert getattr(rolled, section) == getattr(raw, section), (section, evaluation_filter)
    assert rolled == raw


def filters(scopes, partners, suppliers, reasons, periods) -> list[EvaluationFilter]:
    out = []
    for scope in scopes:
        for start, end in periods:
            out.append(EvaluationFilter(scope=scope, start=start, end=end))
            out += [EvaluationFilter(scope=scope, start=start, end=end, partner_id=p) for p in partners]
            out += [EvaluationFilter(scope=scope, start=start, end=end, supplier_id=s) for s in suppliers]
            out += [EvaluationFilter(scope=scope, start=start, end=end, reason=r) for r in reasons]
            out.append(
                EvaluationFilter(
                    scope=scope,
                    start=start,
                    end=end,
                    supplier_id=suppliers[0],
                    reason=reasons[0],
                    partner_id=partners[0],
                )
            )
    return out


# --- the hand-checked fixture ---------------------------------------------------------------------


def test_the_hand_checked_fixture_reads_the_same_from_the_rollups():
    world = build_world()
    assert rebuild_rollups() > 0
    figures = evaluation_figures(
        filter=EvaluationFilter(scope=ADMIN_SCOPE, start=PERIOD_START, end=PERIOD_END), now=NOW
    )
    # The hand-worked values of test_figures, read from the rollups.
    assert figures.requests == 6
    assert (figures.satisfaction.closed, figures.satisfaction.answered, figures.satisfaction.average_rating) == (
        3,
        2,
        4.0,
    )
    assert (figures.brand.disputes, figures.brand.followed_up, figures.timeliness.were_overdue) == (1, 1, 3)
    assert [(t.currency, t.requests, t.total, t.recovered) for t in figures.cost.totals] == [
        ("CNY", 3, Decimal("210.00"), Decimal("150.00"))  # R1 120 + R2 30 + R4 60; supplier + carrier
    ]
    seller1 = Scope(role=Role.SELLER, seller_id=world.seller1.seller_membership.seller.pk)
    alpha = Scope(role=Role.PARTNER, partner_id=world.alpha.pk)
    periods = [(PERIOD_START, PERIOD_END), (at(1, 0, month=2), PERIOD_END), (at(4, 0), at(5, 0))]
    for evaluation_filter in filters(
        [ADMIN_SCOPE, seller1, alpha],
        [world.alpha.pk, world.beta.pk],
        [world.acme.pk, world.bolt.pk],
        ["damaged", "quality_defect", "wrong_item"],
        periods,
    ):
        assert_same(evaluation_filter)


def test_a_period_that_is_not_whole_days_is_computed_from_the_requests():
    build_world()
    rebuild_rollups()
    assert rolled_sums(EvaluationFilter(scope=ADMIN_SCOPE, start=at(2, 9), end=PERIOD_END)) is None
    assert rolled_sums(EvaluationFilter(scope=ADMIN_SCOPE, start=None, end=PERIOD_END)) is None


def test_without_a_build_the_figures_come_from_the_requests():
    build_world()
    assert catch_up_rollups() is None
    assert rolled_sums(EvaluationFilter(scope=ADMIN_SCOPE, start=PERIOD_START, end=PERIOD_END)) is None


def test_a_catch_up_with_nothing_changed_is_two_reads(django_assert_num_queries):
    build_world()
    rebuild_rollups()
    with django_assert_num_queries(2):  # the watermark, the seller-days changed since
        assert catch_up_rollups() == 0


# --- at random, through the workflow --------------------------------------------------------------

REASONS = ["lost_in_transit", "damaged", "wrong_item", "missing_item", "quality_defect", "other"]
BEARERS = ["seller", "partner", "supplier", "carrier", "shared"]


@dataclass
class Cast:
    sellers: list
    partners: list
    suppliers: list


def _cast() -> Cast:
    suppliers = [SupplierFactory(name=f"Source {n}", restock_lead_days=2) for n in range(3)]
    partners = [PartnerMembershipFactory(partner__name=f"Partner {n}").user for n in range(2)]
    sellers = [SellerMembershipFactory(seller__name=f"Shop {n}").user for n in range(2)]
    for seller in sellers:
        outcome_messages_off(seller.seller_membership.seller)
    return Cast(sellers, partners, suppliers)


def _order(rng: random.Random, cast: Cast, seller, partner):
    shop = seller.seller_membership.seller
    order = OrderFactory(
        seller=shop,
        partner=partner.partner_membership.partner,
        amount=Decimal(rng.choice(["80.00", "120.00", "300.00"])),
        placed_at=at(1, 9, month=2),
    )
    lines = []
    for _ in range(rng.randint(1, 3)):
        product = ProductFactory(seller=shop, supplier=rng.choice([*cast.suppliers, None]))
        lines.append(OrderLineFactory(order=order, product=product, quantity=3, unit_price=Decimal("40")))
    return order, lines


def _line_requests(rng: random.Random, order_lines, *, resolution: str | None = None):
    chosen = rng.sample(order_lines, rng.randint(1, len(order_lines)))
    return [
        workflow.LineRequest(
            line.pk, 1, resolution or rng.choice(["resend", "compensation"]), rng.choice([*REASONS, None])
        )
        for line in chosen
    ]


def _drive(rng: random.Random, cast: Cast, start: datetime) -> ReshipRequest:
    """A request submitted at ``start`` and taken a random way through the workflow."""
    seller, partner = rng.choice(cast.sellers), rng.choice(cast.partners)
    order, order_lines = _order(rng, cast, seller, partner)
    request = workflow.reship_submit(
        actor=seller, order_id=order.pk, reason=rng.choice(REASONS), lines=_line_requests(rng, order_lines), now=start
    )
    step = start
    fate = rng.random()
    if fate < 0.15:
        return request  # waiting for review
    if fate < 0.25:
        workflow.reship_reject(request_id=request.pk, actor=partner, reason="No.", now=step + timedelta(hours=30))
        return request
    if fate < 0.3:
        workflow.reship_cancel(request_id=request.pk, actor=seller, reason="Found.", now=step + timedelta(hours=1))
        return request
    if fate < 0.35:
        workflow.reship_request_info(request_id=request.pk, actor=partner, question="Photo?", now=step)
        return request
    step += timedelta(hours=rng.choice([2, 10, 20, 40]))
    workflow.reship_approve(
        request_id=request.pk,
        actor=partner,
        quote_goods=rng.choice(["0", "35.50", "100"]),
        quote_shipping=rng.choice(["0", "12"]),
        cost_bearer=rng.choice(BEARERS),
        now=step,
    )
    if rng.random() < 0.2:
        return request
    step += timedelta(hours=rng.choice([5, 30, 80]))
    lines = list(request.lines.all())
    shipped = [line for line in lines if line.resolution == "resend"]
    compensated = [line.pk for line in lines if line.resolution == "compensation"]
    if shipped:
        workflow.reship_ship(
            request_id=request.pk,
            actor=partner,
            items=[workflow.ShipItem(line.pk) for line in shipped],
            carrier="SF Express",
            tracking_number=f"SF{request.pk:012d}",
            now=step,
        )
    if compensated:
        workflow.reship_compensate(
            request_id=request.pk, actor=partner, line_ids=compensated, method="refund", amount="15", now=step
        )
    if rng.random() < 0.2:
        return request
    step += timedelta(hours=1)
    workflow.reship_confirm_info_update(request_id=request.pk, actor=seller, now=step)
    workflow.reship_contact_customer(request_id=request.pk, actor=seller, channel="phone", message="Called.", now=step)
    ratings = [rng.randint(1, 5) for _ in range(3)]
    workflow.reship_close(
        request_id=request.pk,
        actor=seller,
        rating_speed=ratings[0],
        rating_quality=ratings[1],
        rating_cooperation=ratings[2],
        platform_dispute=rng.random() < 0.3,
        bad_review=rng.random() < 0.3,
        now=step,
    )
    if rng.random() < 0.6:
        send_survey(request, now=step + timedelta(hours=1))
        workflow.survey_answer(
            request_id=request.pk, rating=rng.randint(1, 5), comment=rng.choice(["", "ok", "great"]), now=step
        )
    if rng.random() < 0.25:
        order_line = request.lines.first().order_line
        workflow.reship_follow_up(
            request_id=request.pk,
            actor=seller,
            reason=rng.choice(REASONS),
            lines=[workflow.LineRequest(order_line.pk, 1, "resend")],
            description="The replacement failed too.",
            now=step + timedelta(hours=2),
        )
    return request


def _random_world(rng: random.Random, cast: Cast, count: int, *, first_day: int = 1) -> None:
    for _ in range(count):
        _drive(rng, cast, at(rng.randint(first_day, 9), rng.randint(0, 23), rng.choice([0, 30])))


def _random_filters(cast: Cast, rng: random.Random) -> list[EvaluationFilter]:
    sellers = [Scope(role=Role.SELLER, seller_id=s.seller_membership.seller.pk) for s in cast.sellers]
    partners = [Scope(role=Role.PARTNER, partner_id=p.partner_membership.partner.pk) for p in cast.partners]
    return filters(
        [ADMIN_SCOPE, *sellers, *partners],
        [p.partner_membership.partner.pk for p in cast.partners],
        [s.pk for s in cast.suppliers],
        rng.sample(REASONS, 3),
        [(PERIOD_START, PERIOD_END), (at(1, 0, month=2), at(1, 0, month=4)), (at(5, 0), at(6, 0))],
    )


def test_figures_from_random_workflows_read_the_same_from_the_rollups():
    rng = random.Random(19)
    cast = _cast()
    _random_world(rng, cast, 40)
    assert deadlines_check(now=at(9, 10))["reminded"] > 0
    rebuild_rollups()
    assert RequestRollup.objects.filter(supplier_id__gt=0).exists()
    assert RequestRollup.objects.exclude(reason="").exists()
    for evaluation_filter in _random_filters(cast, rng):
        assert_same(evaluation_filter)


def test_the_rollups_catch_up_with_later_workflow_steps():
    rng = random.Random(2026)
    cast = _cast()
    _random_world(rng, cast, 15)
    rebuild_rollups()
    # Later: more requests, closes, surveys and follow-ups on the same days, overdue events, and
    # old requests moving on (a review of one submitted days ago changes that day's row).
    waiting = list(ReshipRequest.objects.filter(status="submitted"))
    assert waiting
    _random_world(rng, cast, 15)
    partner_users = {user.partner_membership.partner.pk: user for user in cast.partners}
    for request in waiting:
        workflow.reship_approve(
            request_id=request.pk,
            actor=partner_users[request.partner_id],
            quote_goods="10",
            quote_shipping="1",
            cost_bearer="supplier",
            now=at(9, 11),
        )
    deadlines_check(now=at(12, 10))
    assert catch_up_rollups() > 0
    for evaluation_filter in _random_filters(cast, rng):
        assert_same(evaluation_filter)
    # And twice is the same: a rebuild from scratch writes the very rows the catch-up left.
    caught_up = sorted(RequestRollup.objects.values_list(*_row_fields()))
    rebuild_rollups()
    assert sorted(RequestRollup.objects.values_list(*_row_fields())) == caught_up


def _row_fields() -> list[str]:
    return [field.attname for field in RequestRollup._meta.concrete_fields if field.attname != "id"]


def test_restock_orders_stay_with_the_requests():
    """Restock orders have no rollup: the suppliers' restock figures come from their table."""
    world = build_world()
    rebuild_rollups()
    figures = evaluation_figures(
        filter=EvaluationFilter(scope=ADMIN_SCOPE, start=PERIOD_START, end=PERIOD_END), now=NOW
    )
    bolt = next(card for card in figures.suppliers if card.supplier_id == world.bolt.pk)
    assert bolt.restock_orders == RestockOrder.objects.filter(supplier=world.bolt).count() == 1
