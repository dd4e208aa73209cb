"""``GET /api/v1/evaluation/``: the same figures as ``evaluation_figures`` (the fixture and its
hand-worked numbers are in ``tests/evaluation/test_figures.py``), scoped to the caller's organisation."""

from datetime import timedelta

import pytest
from django.urls import include, path, reverse
from django.utils import timezone

from reship.config.urls import urlpatterns as site_urlpatterns
from tests.evaluation.test_figures import World, build_world
from tests.factories import DEFAULT_PASSWORD

# Until the root URLconf includes the API, these tests mount it beside the site's own URLs.
urlpatterns = [
    *site_urlpatterns,
    *(
        []
        if any(getattr(pattern, "namespace", None) == "api" for pattern in site_urlpatterns)
        else [path("api/v1/", include("reship.api.urls"))]
    ),
]
pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

FIXTURE_PERIOD = {"start": "2026-03-02", "end": "2026-03-08"}


@pytest.fixture
def world(settings) -> World:
    settings.TIME_ZONE = "Asia/Shanghai"
    return build_world()


def _get(client, user, **params):
    if user is not None:
        client.login(username=user.username, password=DEFAULT_PASSWORD)
    return client.get(reverse("api:evaluation"), params)


def test_the_url():
    assert reverse("api:evaluation") == "/api/v1/evaluation/"


def test_a_seller_gets_its_shops_figures(client, world):
    response = _get(client, world.seller1, **FIXTURE_PERIOD)

    assert response.status_code == 200
    body = response.json()
    # Shop 1 in 2–8 March: R1, R2, R3, R5, R6; closed R1 (survey 5) and R2 (no answer).
    assert body["requests"] == 5
    assert body["filter"]["scope"] == {
        "role": "seller",
        "seller_id": world.seller1.seller_membership.seller_id,
        "partner_id": None,
    }
    assert body["filter"]["start"] == "2026-03-02T00:00:00+08:00"
    assert body["filter"]["end"] == "2026-03-09T00:00:00+08:00"
    satisfaction = body["satisfaction"]
    assert (satisfaction["closed"], satisfaction["answered"], satisfaction["response_rate"]) == (2, 1, 0.5)
    assert satisfaction["average_rating"] == 5.0
    assert [bucket["count"] for bucket in satisfaction["distribution"]] == [0, 0, 0, 0, 1]
    # Costed R1 (120, the supplier's) and R2 (30, the carrier's) on orders of 200 and 100.
    assert body["cost"]["totals"] == [
        {
            "currency": "CNY",
            "requests": 2,
            "goods": "100.00",
            "shipping": "20.00",
            "compensation": "30.00",
            "total": "150.00",
            "average_per_request": "75.00",
            "order_value": "300.00",
            "share_of_order_value": 0.5,
            "recovered": "150.00",
            "recovered_share": 1.0,
        }
    ]
    # Reviewed: R1 4 h, R2 20 h, R3 30 h → median at rank 2 → 20 h; p90 at rank 3 → 30 h.
    review = body["timeliness"]["review"]
    assert (review["count"], review["median_hours"], review["p90_hours"]) == (3, 20.0, 30.0)
    assert body["timeliness"]["overdue_now"] == 3  # R0, R5, R6
    assert [(p["name"], p["requests"]) for p in body["partners"]] == [("Alpha Dropship", 4), ("Beta Dropship", 1)]
    assert [(s["name"], s["lines"], s["cost_borne"]) for s in body["suppliers"]] == [
        ("Acme Source", 4, {"CNY": "120.00"}),  # R1 A, R2 A, R3 A, R6 A
        ("Bolt Source", 2, {"CNY": "120.00"}),  # R1 B, R5 B
    ]
    assert body["trend"]["unit"] == "day"
    assert [point["requests"] for point in body["trend"]["points"]] == [1, 1, 1, 0, 1, 1, 0]


def test_links_carry_the_filters_and_the_request_list_url(client, world):
    body = _get(client, world.seller1, **FIXTURE_PERIOD).json()

    link = body["satisfaction"]["links"]["answered"]
    assert link["filters"] == {
        "submitted_from": "2026-03-02T00:00:00+08:00",
        "submitted_to": "2026-03-09T00:00:00+08:00",
        "status": "closed",
        "surveyed": "1",
    }
    assert link["url"] == (
        "/requests/?submitted_from=2026-03-02T00%3A00%3A00%2B08%3A00"
        "&submitted_to=2026-03-09T00%3A00%3A00%2B08%3A00&status=closed&surveyed=1"
    )


def test_filters_come_from_the_query(client, world):
    body = _get(client, world.admin, **FIXTURE_PERIOD, partner=world.beta.pk, reason="lost_in_transit").json()

    assert body["requests"] == 1  # R2
    assert (body["filter"]["partner_id"], body["filter"]["reason"]) == (world.beta.pk, "lost_in_transit")
    assert body["cost"]["totals"][0]["total"] == "30.00"

    body = _get(client, world.admin, **FIXTURE_PERIOD, supplier=world.bolt.pk).json()
    assert body["requests"] == 2  # R1, R5
    assert [card["name"] for card in body["suppliers"]] == ["Bolt Source"]


def test_a_preset_period_ends_today(client, world):
    response = _get(client, world.seller1, period="7")

    assert response.status_code == 200
    body = response.json()
    today = timezone.localdate()
    assert body["filter"]["start"].startswith((today - timedelta(days=6)).isoformat())
    assert body["filter"]["end"].startswith((today + timedelta(days=1)).isoformat())
    assert len(body["trend"]["points"]) == 7


def test_the_default_period_is_thirty_days(client, world):
    body = _get(client, world.seller1).json()

    today = timezone.localdate()
    assert body["filter"]["start"].startswith((today - timedelta(days=29)).isoformat())
    assert body["trend"]["unit"] == "day"


def test_a_partner_never_gets_another_partners_figures(client, world):
    body = _get(client, world.partner1, **FIXTURE_PERIOD, partner=world.beta.pk).json()

    assert body["requests"] == 0
    assert body["filter"]["scope"]["partner_id"] == world.alpha.pk
    assert (body["partners"], body["suppliers"], body["cost"]["totals"]) == ([], [], [])
    assert body["timeliness"]["overdue_now"] == 0
    assert body["satisfaction"]["response_rate"] is None


def test_a_partner_gets_its_own_figures(client, world):
    body = _get(client, world.partner2, **FIXTURE_PERIOD).json()

    assert body["requests"] == 1  # R2
    assert [p["name"] for p in body["partners"]] == ["Beta Dropship"]
    assert body["cost"]["recovered_bearers"] == ["supplier", "carrier"]
    assert body["cost"]["totals"][0]["recovered"] == "30.00"  # the carrier's


def test_anonymous_is_refused(client, world):
    response = _get(client, None, **FIXTURE_PERIOD)

    assert response.status_code == 401  # not signed in: the API asks for credentials


def test_a_user_of_no_organisation_gets_404(client, world):
    response = _get(client, world.lonely, **FIXTURE_PERIOD)

    assert response.status_code == 404


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        # A parameter the schema refuses: 400.
        ({"period": "14"}, 400, "period"),
        ({"partner": "alpha"}, 400, "partner"),
        ({"reason": "bored"}, 400, "reason"),
        # Well-formed parameters a rule between them refuses (no schema states it): 422.
        ({"period": "custom", "start": "2026-03-02"}, 422, "end"),
        ({"start": "2026-03-08", "end": "2026-03-02"}, 422, "end"),
        ({"period": "7", "start": "2026-03-02", "end": "2026-03-08"}, 422, "period"),
        ({"start": "2020-01-01", "end": "2026-03-08"}, 422, "end"),
    ],
)
def test_bad_filters_are_refused_naming_the_field(client, world, params, status, field):
    response = _get(client, world.seller1, **params)

    assert response.status_code == status
    assert response.json()["code"] == "invalid"
    assert field in response.json()["field_errors"]


def test_only_get_is_allowed(client, world):
    client.login(username=world.seller1.username, password=DEFAULT_PASSWORD)

    assert client.post(reverse("api:evaluation")).status_code == 405


def test_the_query_count_does_not_depend_on_the_data(client, world, django_assert_max_num_queries):
    client.login(username=world.seller1.username, password=DEFAULT_PASSWORD)

    with django_assert_max_num_queries(29) as with_data:
        assert client.get(reverse("api:evaluation"), FIXTURE_PERIOD).json()["requests"] == 5
    with django_assert_max_num_queries(29) as without:
        assert (
            client.get(reverse("api:evaluation"), {"start": "2026-01-05", "end": "2026-01-11"}).json()["requests"] == 0
        )

    # The session (read from the database: sessions no longer need Redis), the user with its
    # membership and shop joined, then the figures' 25 aggregates (20, the customers' own reports' 2,
    # the disputed lines per statement 1 and the outstanding balances 2).
    assert len(with_data.captured_queries) == len(without.captured_queries) == 27
