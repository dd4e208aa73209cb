"""Crafted headers are answered like crafted bodies: an ``Idempotency-Key`` that is not 1 to 255
printable ASCII characters is a 400 naming the header with nothing done, and an ``Authorization``
holding text no key is made of is a 401 counted as a wrong key; neither is ever a 500.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from reship.choices import RequestStatus
from reship.models import IdempotencyRecord, ReshipRequest
from tests import workflow_states as states
from tests.api.test_crafted_input import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    cache.clear()
    yield
    cache.clear()


def ask_for_info(key: str, language: str = "en"):
    parties = states.make_parties()
    request = states.submit(parties)
    client = client_for(parties.partner)
    response = client.post(
        f"/api/v1/requests/{request.pk}/request-info/",
        {"question": "A photo of the box?"},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
        HTTP_ACCEPT_LANGUAGE=language,
    )
    return response, ReshipRequest.objects.get(pk=request.pk)


@pytest.mark.parametrize(
    "key",
    [
        "order-7\x00",  # PostgreSQL cannot store it: was a 500
        "\ud800",  # a lone surrogate cannot be encoded: was a 500
        "k" * 256,  # was cut to 255, so two keys sharing their first 255 answered as one
        "k" * 10240,
        "a\x01b",
        "订单-7",
        "order\u20287",
        "",  # sent but empty: the schema asks for a character, and it was taken as no key
        "   ",
    ],
)
def test_an_idempotency_key_that_is_not_printable_ascii_is_a_400_naming_it_and_nothing_happens(settings, key):
    settings.DEBUG = False
    response, request = ask_for_info(key)

    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "message": "The request has invalid fields.",
        "field_errors": {"Idempotency-Key": ["An Idempotency-Key is 1 to 255 printable ASCII characters."]},
    }
    assert request.status == RequestStatus.SUBMITTED
    assert not IdempotencyRecord.objects.exists()


def test_the_refusal_of_a_key_is_in_chinese_for_a_chinese_reader(settings):
    settings.DEBUG = False
    response, _request = ask_for_info("k" * 256, language="zh-hans")

    assert response.status_code == 400
    refusal = "Idempotency-Key 须为 1 至 255 个可打印的 ASCII 字符。"
    assert response.json()["field_errors"] == {"Idempotency-Key": [refusal]}


def test_a_key_of_255_printable_characters_is_kept_whole(settings):
    settings.DEBUG = False
    key = "~ !" + "k" * 252

    response, request = ask_for_info(key)

    assert response.status_code == 200
    assert request.status == RequestStatus.NEEDS_INFO
    assert IdempotencyRecord.objects.get().key == key


@pytest.mark.parametrize(
    "authorization",
    [
        "Api-Key rsk_\u2028",  # past U+00FF: DRF's header reader raised UnicodeEncodeError, a 500
        "Api-Key \ud800",  # a lone surrogate: the key's hash raised UnicodeEncodeError, a 500
        "Api-Key rsk_\x00\x01",
        "Api-Key 订单",
        "Api-Key " + "é" * 10000,
    ],
)
def test_an_authorization_no_key_is_made_of_is_a_401_in_the_error_body(settings, authorization):
    settings.DEBUG = False
    client = Client(raise_request_exception=False)

    response = client.get("/api/v1/requests/", HTTP_AUTHORIZATION=authorization)

    assert response.status_code == 401
    assert response.json() == {
        "code": "authentication_failed",
        "message": "The API key is unknown, revoked or expired.",
        "field_errors": {},
    }
