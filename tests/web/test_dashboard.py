"""The evaluation dashboards: who sees which figures (a seller its own, a partner its own, admins all),
the filter form and its validation, every figure linking to the request list, the export links,
the empty state, both languages, and a query count that does not grow with the data."""

from datetime import timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import include, path, reverse
from django.utils import timezone

from reship import workflow
from reship.choices import RequestStatus
from reship.config import urls as root_urls
from tests.factories import OrderFactory, OrderLineFactory, UserFactory
from tests.workflow_states import make_parties, request_in

# Until the root URLconf mounts the dashboard (path("dashboard/", include("reship.web.urls.dashboard"))),
# these tests mount it themselves; once it is there this adds nothing.
if any(getattr(pattern, "namespace", None) == "dashboard" for pattern in root_urls.urlpatterns):
    urlpatterns = root_urls.urlpatterns
else:
    urlpatterns = [*root_urls.urlpatterns, path("dashboard/", include("reship.web.urls.dashboard"))]

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.web.test_dashboard")]

DASHBOARD = "/dashboard/"


def submitted_requests(parties, count: int, *, reason: str = "damaged", days_ago: int = 1) -> list:
    """``count`` requests of the parties' seller to their partner, each on an order of its own."""
    seller = parties.seller.seller_membership.seller
    partner = parties.partner.partner_membership.partner
    made = []
    for _index in range(count):
        order = OrderFactory(seller=seller, partner=partner)
        line = OrderLineFactory(order=order, quantity=1, unit_price=Decimal("80.00"))
        made.append(
            workflow.reship_submit(
                actor=parties.seller,
                order_id=order.pk,
                reason=reason,
                lines=[workflow.LineRequest(line.pk, 1, "resend")],
                now=timezone.now() - timedelta(days=days_ago),
            )
        )
    return made


@pytest.fixture
def parties():
    return make_parties()


@pytest.fixture
def other_parties():
    return make_parties()


@pytest.fixture
def admin_user(db):
    return UserFactory(is_staff=True, is_superuser=True)


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


# --- who may open it ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["dashboard:index", "dashboard:export-csv", "dashboard:export-xlsx"])
def test_an_anonymous_visitor_is_sent_to_log_in(client, name):
    response = client.get(reverse(name))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", ["dashboard:index", "dashboard:export-csv", "dashboard:export-xlsx"])
def test_a_user_of_no_organisation_finds_no_such_page(client, name):
    client.force_login(UserFactory())

    assert client.get(reverse(name)).status_code == 404


# --- tenancy ------------------------------------------------------------------------------------


def test_a_seller_sees_only_its_own_requests(client, parties, other_parties):
    submitted_requests(parties, 2)
    submitted_requests(other_parties, 3)
    client.force_login(parties.seller)

    response = client.get(DASHBOARD)

    assert response.status_code == 200
    assert response.context["figures"].requests == 2
    assert response.context["organisation"] == parties.seller.seller_membership.seller.name
    body = response.content.decode()
    assert other_parties.partner.partner_membership.partner.name not in body
    assert other_parties.seller.seller_membership.seller.name not in body


def test_a_partner_never_sees_another_partners_figures(client, parties, other_parties):
    submitted_requests(parties, 2)
    submitted_requests(other_parties, 3)
    client.force_login(parties.partner)

    response = client.get(DASHBOARD)

    assert response.status_code == 200
    assert response.context["figures"].requests == 2
    assert [card.name for card in response.context["figures"].partners] == [
        parties.partner.partner_membership.partner.name
    ]
    assert other_parties.partner.partner_membership.partner.name not in response.content.decode()
    assert "partner" not in response.context["form"].fields  # their own figures: nothing to pick


def test_a_seller_cannot_pick_a_partner_it_does_not_work_with(client, parties, other_parties):
    submitted_requests(other_parties, 1)
    client.force_login(parties.seller)
    stranger = other_parties.partner.partner_membership.partner

    response = client.get(DASHBOARD, {"partner": stranger.pk})

    assert response.status_code == 400
    assert "partner" in response.context["form"].errors
    assert "figures" not in response.context


def test_an_admin_sees_every_seller_and_narrows_to_one(client, parties, other_parties, admin_user):
    submitted_requests(parties, 2)
    submitted_requests(other_parties, 3)
    client.force_login(admin_user)
    other_seller = other_parties.seller.seller_membership.seller

    everyone = client.get(DASHBOARD)
    one = client.get(DASHBOARD, {"seller": other_seller.pk})

    assert everyone.context["figures"].requests == 5
    assert one.context["figures"].requests == 3
    assert one.context["organisation"] == other_seller.name
    # The seller rides along on every link and on the exports.
    assert _query(one.context["all_requests_url"])["seller"] == [str(other_seller.pk)]
    assert _query(one.context["export_csv_url"])["seller"] == [str(other_seller.pk)]
    assert all(_query(headline.url)["seller"] == [str(other_seller.pk)] for headline in one.context["overview"])


# --- filters ------------------------------------------------------------------------------------


def test_the_default_period_is_the_last_30_days(client, parties):
    submitted_requests(parties, 1, days_ago=3)
    submitted_requests(parties, 2, days_ago=45)
    client.force_login(parties.seller)

    response = client.get(DASHBOARD)

    assert response.context["figures"].requests == 1
    today = timezone.localdate()
    assert response.context["first_day"] == today - timedelta(days=29)
    assert response.context["last_day"] == today


@pytest.mark.parametrize(("period", "expected"), [("7", 1), ("30", 2), ("90", 3)])
def test_the_preset_periods(client, parties, period, expected):
    submitted_requests(parties, 1, days_ago=2)
    submitted_requests(parties, 1, days_ago=20)
    submitted_requests(parties, 1, days_ago=60)
    client.force_login(parties.seller)

    response = client.get(DASHBOARD, {"period": period})

    assert response.context["figures"].requests == expected


def test_a_custom_period_counts_whole_local_days(client, parties):
    submitted_requests(parties, 1, days_ago=10)
    submitted_requests(parties, 2, days_ago=3)
    client.force_login(parties.seller)
    today = timezone.localdate()

    response = client.get(
        DASHBOARD,
        {"period": "custom", "start": (today - timedelta(days=11)).isoformat(), "end": (today - timedelta(days=9))},
    )

    assert response.status_code == 200
    assert response.context["figures"].requests == 1


@pytest.mark.parametrize(
    ("start_days_ago", "end_days_ago", "field", "message"),
    [
        (None, 1, "start", "Give the first day of the period."),
        (3, None, "end", "Give the last day of the period."),
        (2, 5, "end", "The last day must be on or after the first day."),
        (2, -1, "end", "The last day cannot be in the future."),
        (900, 0, "__all__", "Pick a period of at most 731 days."),
    ],
)
def test_custom_dates_are_checked(client, parties, start_days_ago, end_days_ago, field, message):
    client.force_login(parties.seller)
    today = timezone.localdate()
    query = {"period": "custom"}
    if start_days_ago is not None:
        query["start"] = (today - timedelta(days=start_days_ago)).isoformat()
    if end_days_ago is not None:
        query["end"] = (today - timedelta(days=end_days_ago)).isoformat()

    response = client.get(DASHBOARD, query)

    assert response.status_code == 400
    assert response.context["form"].errors[field] == [message]
    assert message in response.content.decode()


@pytest.mark.parametrize("query", [{"period": "14"}, {"start": "yesterday", "period": "custom"}, {"reason": "nope"}])
def test_values_outside_the_choices_are_refused(client, parties, query):
    client.force_login(parties.seller)

    assert client.get(DASHBOARD, query).status_code == 400


def test_the_reason_filter(client, parties):
    submitted_requests(parties, 2, reason="damaged")
    submitted_requests(parties, 1, reason="lost_in_transit")
    client.force_login(parties.seller)

    response = client.get(DASHBOARD, {"reason": "lost_in_transit"})

    assert response.context["figures"].requests == 1
    assert _query(response.context["all_requests_url"])["reason"] == ["lost_in_transit"]


def test_the_form_is_labelled(client, parties):
    client.force_login(parties.seller)

    body = client.get(DASHBOARD).content.decode()

    for field, label in [("period", "Period"), ("start", "From"), ("end", "To"), ("partner", "Dropship partner"),
                         ("supplier", "Source"), ("reason", "Reason")]:  # fmt: skip
        assert f'<label for="id_{field}">{label}</label>' in body


# --- every figure links to its requests ---------------------------------------------------------


def test_every_figure_and_bar_links_to_the_request_list(client, parties):
    request_in(RequestStatus.CLOSED, parties)
    submitted_requests(parties, 2)
    client.force_login(parties.seller)

    response = client.get(DASHBOARD)

    context = response.context
    urls = [headline.url for headline in context["overview"]]
    urls += [headline.url for section in context["sections"] for headline in section.headlines]
    urls += [box.url for section in context["sections"] for chart in section.charts for box in chart.boxes]
    urls += [point.url for chart in context["trend"].charts for point in chart.points]
    urls += [row.url for row in context["partner_rows"] + context["supplier_rows"]]
    assert len(urls) > 30
    assert all(url.startswith("/requests/?") for url in urls), urls
    # Every figure of the period carries the period (customers' reports: by when they reported); "overdue
    # now" is about today, whenever submitted.
    periodless = {url for url in urls if "submitted_from" not in url and "reported_from" not in url}
    assert periodless == {"/requests/?overdue=1", "/requests/?escalated=1"}
    body = response.content.decode()
    closed = _query(next(h.url for h in context["overview"] if h.label == "Closed"))
    assert closed["status"] == ["closed"]
    assert 'href="/requests/?' in body


def test_the_export_links_carry_the_same_filter(client, parties):
    submitted_requests(parties, 1)
    client.force_login(parties.seller)

    response = client.get(DASHBOARD, {"period": "7", "reason": "damaged"})

    csv_url, xlsx_url = response.context["export_csv_url"], response.context["export_xlsx_url"]
    assert csv_url.startswith("/dashboard/export.csv?")
    assert xlsx_url.startswith("/dashboard/export.xlsx?")
    assert _query(csv_url) == _query(xlsx_url) == _query(response.context["all_requests_url"])
    assert _query(csv_url)["reason"] == ["damaged"]
    body = response.content.decode()
    assert "Export CSV" in body
    assert "Export XLSX" in body


# --- what is shown ------------------------------------------------------------------------------


def test_an_empty_period_says_so(client, parties):
    client.force_login(parties.seller)

    response = client.get(DASHBOARD)

    assert response.status_code == 200
    assert "No requests in this period" in response.content.decode()
    assert "<svg" not in response.content.decode()


def test_the_charts_are_drawn_on_the_page(client, parties):
    request_in(RequestStatus.CLOSED, parties)
    submitted_requests(parties, 2)
    client.force_login(parties.seller)

    body = client.get(DASHBOARD).content.decode()

    assert body.count("<svg") >= 5
    assert body.count('role="group"') >= 5
    assert "Requests submitted per day" in body
    assert "Customer ratings (1 to 5)" in body
    assert "Cost by who bears it (CNY)" in body
    assert "Stages within their SLA" in body
    assert "Review outcome by partner" in body
    assert "¥163.00" in body  # the closed request: 120 goods + 18 shipping + 25 compensation
    assert "<script" not in body.split("</head>")[1]  # the charts need no JavaScript


def test_the_page_reads_in_chinese(client, parties):
    request_in(RequestStatus.CLOSED, parties)
    parties.seller.language = "zh-hans"
    parties.seller.save(update_fields=["language"])
    client.force_login(parties.seller)

    response = client.get(DASHBOARD, HTTP_ACCEPT_LANGUAGE="zh-hans")

    body = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in body
    assert "商品破损" in body  # the reason "Damaged" in the charts' labels


def test_the_navigation_offers_the_dashboard(client, parties):
    client.force_login(parties.seller)

    body = client.get(DASHBOARD).content.decode()

    assert '<a href="/dashboard/" aria-current="page">Dashboard</a>' in body


def test_the_query_count_does_not_grow_with_the_data(client, parties):
    client.force_login(parties.seller)
    request_in(RequestStatus.CLOSED, parties)
    submitted_requests(parties, 2)
    client.get(DASHBOARD)  # warm the session and content-type caches
    with CaptureQueriesContext(connection) as few:
        assert client.get(DASHBOARD).status_code == 200
    submitted_requests(parties, 27, reason="lost_in_transit")

    with CaptureQueriesContext(connection) as many:
        response = client.get(DASHBOARD)

    assert response.context["figures"].requests == 30
    assert len(many) == len(few), [query["sql"][:80] for query in many.captured_queries]


def test_the_figures_are_kept_for_the_same_filter_and_say_when_they_were_computed(client, settings):
    """With the cache on, a second visit within its lifetime shows the figures of the first (and
    when they were computed), not a request submitted in between; another filter is fresh."""
    from django.core.cache import cache

    cache.clear()
    settings.RESHIP_EVALUATION_CACHE_SECONDS = 120
    parties = make_parties()
    request_in(RequestStatus.SUBMITTED, parties)
    client.force_login(parties.seller)

    first = client.get(reverse("dashboard:index"), {"period": "30"})
    assert first.context["figures"].requests == 1
    assert "Figures as of" in first.content.decode()

    request_in(RequestStatus.SUBMITTED, parties)
    again = client.get(reverse("dashboard:index"), {"period": "30"})
    assert again.context["figures"].requests == 1
    assert again.context["figures"].computed_at == first.context["figures"].computed_at

    other_period = client.get(reverse("dashboard:index"), {"period": "7"})
    assert other_period.context["figures"].requests == 2

    settings.RESHIP_EVALUATION_CACHE_SECONDS = 0
    assert client.get(reverse("dashboard:index"), {"period": "30"}).context["figures"].requests == 2
