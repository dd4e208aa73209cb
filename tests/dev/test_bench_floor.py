"""The benchmark's floor view and query-count header: off by default, on only for the bench server."""

import json

import pytest
from django.test import Client

from tests.factories import SellerFactory

pytestmark = pytest.mark.django_db


def test_floor_is_a_404_when_the_setting_is_off(client, settings):
    settings.RESHIP_BENCH_FLOOR = False
    seller = SellerFactory()

    response = client.get(f"/bench/floor/?id={seller.pk}")

    assert response.status_code == 404


def test_floor_answers_one_primary_key_query_as_small_json(client, settings, django_assert_num_queries):
    settings.RESHIP_BENCH_FLOOR = True
    seller = SellerFactory(name="青木家居旗舰店")

    with django_assert_num_queries(1):
        response = client.get(f"/bench/floor/?id={seller.pk}")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {"id": seller.pk, "name": "青木家居旗舰店"}


@pytest.mark.parametrize("raw", ["999999", "abc", "-1", "99999999999999999999"])
def test_floor_is_a_404_for_an_id_that_names_no_seller(client, settings, raw):
    settings.RESHIP_BENCH_FLOOR = True
    SellerFactory()

    assert client.get(f"/bench/floor/?id={raw}").status_code == 404


def test_query_header_counts_the_statements_of_the_request(settings):
    settings.RESHIP_BENCH_FLOOR = True
    settings.MIDDLEWARE = ["reship.dev.middleware.QueryCountHeaderMiddleware", *settings.MIDDLEWARE]
    seller = SellerFactory()

    response = Client().get(f"/bench/floor/?id={seller.pk}")

    assert response["X-Reship-Queries"] == "1"


def test_no_query_header_without_the_setting(client, settings):
    settings.RESHIP_BENCH_FLOOR = True
    seller = SellerFactory()

    response = client.get(f"/bench/floor/?id={seller.pk}")

    assert "X-Reship-Queries" not in response
