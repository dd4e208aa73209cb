"""Self-service figures (售后自助): customers' own reports in the period (by when they reported), the
time the shop took to confirm them, the share its rules confirmed, and the declined ones — for the
seller, the admins, and the partner (who sees a report only once confirmed)."""

import re
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from reship import workflow
from reship.accounts.roles import Role
from reship.evaluation import EvaluationFilter, Scope, evaluation_figures, evaluation_link_filter
from reship.evaluation.scope import ADMIN_SCOPE
from reship.evaluation.self_service import SelfService
from reship.models import ReshipRequest
from tests.factories import OrderFactory, OrderLineFactory, SellerMembershipFactory
from tests.workflow_states import make_parties

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
MARCH = {"start": datetime(2026, 3, 1, tzinfo=SHANGHAI), "end": datetime(2026, 4, 1, tzinfo=SHANGHAI)}


def at(month: int, day: int, hour: int) -> datetime:
    return datetime(2026, month, day, hour, 0, tzinfo=SHANGHAI)


def _report(seller, partner, reported_at, reason="damaged"):
    order = OrderFactory(seller=seller, partner=partner, placed_at=at(2, 15, 9))
    order_line = OrderLineFactory(order=order, unit_price=Decimal("40.00"))
    return workflow.reship_report(
        order_id=order.pk,
        seller_id=seller.pk,
        lines=[workflow.LineRequest(order_line.pk, 1, "resend")],
        reason=reason,
        now=reported_at,
    )


@pytest.fixture
def world():
    parties = make_parties()
    seller_user = parties.seller
    seller = seller_user.seller_membership.seller
    seller.return_window_days = 60
    seller.save(update_fields=["return_window_days"])
    partner = parties.order.partner

    # Confirmed by the seller after 4 hours.
    first = _report(seller, partner, at(3, 2, 10))
    workflow.reship_confirm_report(request_id=first.pk, actor=seller_user, now=at(3, 2, 14))
    # Confirmed by the shop's rule at once (a report worth at most 50).
    seller.auto_confirm_max_value = Decimal("50.00")
    seller.save(update_fields=["auto_confirm_max_value"])
    _report(seller, partner, at(3, 3, 9))
    seller.auto_confirm_max_value = None
    seller.save(update_fields=["auto_confirm_max_value"])
    # Confirmed by the seller after a day.
    third = _report(seller, partner, at(3, 4, 8))
    workflow.reship_confirm_report(request_id=third.pk, actor=seller_user, now=at(3, 5, 8))
    # Declined.
    fourth = _report(seller, partner, at(3, 5, 10))
    workflow.reship_decline_report(
        request_id=fourth.pk, actor=seller_user, reason="Delivered and signed for.", now=at(3, 5, 12)
    )
    # Still waiting for the seller.
    _report(seller, partner, at(3, 6, 11))
    # Reported in February, confirmed in March: February's report.
    february = _report(seller, partner, at(2, 20, 9))
    workflow.reship_confirm_report(request_id=february.pk, actor=seller_user, now=at(3, 2, 9))
    # The seller's own request in March: not a customer's report.
    lines = list(parties.order.lines.all())
    workflow.reship_submit(
        actor=seller_user,
        order_id=parties.order.pk,
        reason="damaged",
        lines=[workflow.LineRequest(lines[0].pk, 1, "resend")],
        now=at(3, 7, 9),
    )
    # Another shop's customer, waiting.
    other_seller = SellerMembershipFactory().user.seller_membership.seller
    other_seller.return_window_days = 60
    other_seller.save(update_fields=["return_window_days"])
    _report(other_seller, partner, at(3, 8, 9))
    return seller, partner


def _figures(scope):
    figures = evaluation_figures(filter=EvaluationFilter(scope=scope, **MARCH), now=at(4, 1, 9)).self_service
    return replace(figures, links={})  # the links have their own test


def test_the_sellers_figures(world):
    seller, _partner = world

    assert _figures(Scope(role=Role.SELLER, seller_id=seller.pk)) == SelfService(
        reported=5,
        confirmed=3,
        auto_confirmed=1,
        auto_confirmed_share=0.3333,
        declined=1,
        waiting=1,
        confirmation_median_hours=4.0,  # of 0, 4 and 24 hours
        confirmation_p90_hours=24.0,
        links={},
    )


def test_the_admins_figures_count_every_shop(world):
    assert _figures(ADMIN_SCOPE) == SelfService(
        reported=6,
        confirmed=3,
        auto_confirmed=1,
        auto_confirmed_share=0.3333,
        declined=1,
        waiting=2,
        confirmation_median_hours=4.0,
        confirmation_p90_hours=24.0,
        links={},
    )


def test_the_partner_sees_only_confirmed_reports(world):
    _seller, partner = world

    assert _figures(Scope(role=Role.PARTNER, partner_id=partner.pk)) == SelfService(
        reported=3,
        confirmed=3,
        auto_confirmed=1,
        auto_confirmed_share=0.3333,
        declined=0,
        waiting=0,
        confirmation_median_hours=4.0,
        confirmation_p90_hours=24.0,
        links={},
    )


def test_no_report_gives_zeros_and_none(world):
    seller, _partner = world
    filter_ = EvaluationFilter(
        scope=Scope(role=Role.SELLER, seller_id=seller.pk),
        start=datetime(2026, 1, 1, tzinfo=SHANGHAI),
        end=datetime(2026, 2, 1, tzinfo=SHANGHAI),
    )

    assert replace(evaluation_figures(filter=filter_, now=at(4, 1, 9)).self_service, links={}) == SelfService(
        reported=0,
        confirmed=0,
        auto_confirmed=0,
        auto_confirmed_share=None,
        declined=0,
        waiting=0,
        confirmation_median_hours=None,
        confirmation_p90_hours=None,
        links={},
    )


def test_each_figure_links_to_the_reports_behind_it(world):
    seller, _partner = world
    scope = Scope(role=Role.SELLER, seller_id=seller.pk)
    links = evaluation_figures(filter=EvaluationFilter(scope=scope, **MARCH), now=at(4, 1, 9)).self_service.links

    def reported_at(link):
        requests = ReshipRequest.objects.filter(scope.requests_filter(), evaluation_link_filter(link, now=at(4, 1, 9)))
        return sorted(
            timezone.localtime(moment, SHANGHAI).strftime("%m-%d %H:%M")
            for moment in requests.values_list("reported_at", flat=True)
        )

    assert links["reported"] == {
        "source": "customer",
        "reported_from": "2026-03-01T00:00:00+08:00",
        "reported_to": "2026-04-01T00:00:00+08:00",
    }
    assert reported_at(links["reported"]) == ["03-02 10:00", "03-03 09:00", "03-04 08:00", "03-05 10:00", "03-06 11:00"]
    assert reported_at(links["confirmed"]) == ["03-02 10:00", "03-03 09:00", "03-04 08:00"]
    assert reported_at(links["auto_confirmed"]) == ["03-03 09:00"]
    assert reported_at(links["declined"]) == ["03-05 10:00"]
    assert reported_at(links["waiting"]) == ["03-06 11:00"]


def test_the_dashboard_and_the_api_show_them(client, world):
    seller, _partner = world
    client.force_login(seller.memberships.get().user)
    period = {"period": "custom", "start": "2026-03-01", "end": "2026-03-31"}

    response = client.get(reverse("dashboard:index"), period)

    body = response.content.decode()
    assert '<h2 id="self_service-heading">Self-service</h2>' in body
    figures = re.findall(
        r'<span class="figure-label">([^<]+)</span>\s*<span class="figure-value">([^<]+)</span>\s*'
        r'<span class="figure-note">([^<]+)</span>',
        body[body.index('id="self_service-heading"') :],
    )[:4]
    assert figures == [
        ("Reported by customers", "5", "1 waiting for the shop"),
        ("Time to confirm (median)", "4.0 h", "90% within 24.0 h"),
        ("Confirmed automatically", "33.3%", "1 of 3 confirmed"),
        ("Declined by the shop", "1", "20.0% of the reports"),
    ]

    response = client.get(reverse("api:evaluation"), period)

    figures = response.json()["self_service"]
    assert figures.pop("links")["declined"]["filters"] == {
        "source": "customer",
        "reported_from": "2026-03-01T00:00:00+08:00",
        "reported_to": "2026-04-01T00:00:00+08:00",
        "status": "declined",
    }
    assert figures == {
        "reported": 5,
        "confirmed": 3,
        "auto_confirmed": 1,
        "auto_confirmed_share": 0.3333,
        "declined": 1,
        "waiting": 1,
        "confirmation_median_hours": 4.0,
        "confirmation_p90_hours": 24.0,
    }
