"""Refused callers are throttled too: wrong API keys and calls with no credentials are counted per
address and, past their rate, answered 429 in the error body with Retry-After; a throttle whose
cache fails lets calls through with a warning instead of answering 500."""

import logging

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from reship.api.throttling import AnonymousThrottle, ApiKeyRateThrottle, BadApiKeyThrottle
from reship.services.api_keys import api_key_create

pytestmark = pytest.mark.django_db

ME = "/api/v1/me/"
GUESSER = "203.0.113.66"
ELSEWHERE = "198.51.100.20"


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    cache.clear()
    yield
    cache.clear()


def _client(raw=None, address=GUESSER):
    client = APIClient(REMOTE_ADDR=address)
    if raw is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client


def _assert_throttled(response):
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "throttled"
    assert body["field_errors"] == {}
    assert body["message"]
    assert 0 < int(response["Retry-After"]) <= 60


def test_wrong_keys_from_one_address_are_throttled_after_the_rate(monkeypatch, seller_user):
    monkeypatch.setattr(BadApiKeyThrottle, "rate", "5/min", raising=False)
    _key, good = api_key_create(actor=seller_user, name="erp")

    answers = [_client(f"rsk_wrong{n}").get(ME) for n in range(5)]
    sixth = _client("rsk_wrong6").get(ME)

    assert [response.status_code for response in answers] == [401] * 5
    assert answers[0].json()["code"] == "authentication_failed"
    _assert_throttled(sixth)
    # Past the rate even the right key is refused from that address: guessing learns nothing...
    _assert_throttled(_client(good).get(ME))
    # ...while the key's owner elsewhere goes on working.
    assert _client(good, address=ELSEWHERE).get(ME).status_code == 200


def test_right_keys_are_not_counted_as_wrong_ones(monkeypatch, seller_user):
    monkeypatch.setattr(BadApiKeyThrottle, "rate", "2/min", raising=False)
    _key, good = api_key_create(actor=seller_user, name="erp")

    statuses = [_client(good).get(ME).status_code for _ in range(6)]

    assert statuses == [200] * 6


def test_calls_without_credentials_are_throttled_per_address(monkeypatch):
    monkeypatch.setattr(AnonymousThrottle, "rate", "3/min", raising=False)

    answers = [_client().get(ME) for _ in range(3)]
    fourth = _client().get(ME)

    assert [response.status_code for response in answers] == [401] * 3
    assert answers[0].json()["code"] == "not_authenticated"
    _assert_throttled(fourth)
    assert _client(address=ELSEWHERE).get(ME).status_code == 401


class _BrokenCache:
    """A cache whose server is gone: every call raises."""

    def get(self, *args, **kwargs):
        raise ConnectionError("cache down")

    def set(self, *args, **kwargs):
        raise ConnectionError("cache down")


def test_a_throttle_whose_cache_fails_lets_calls_through_with_a_warning(monkeypatch, seller_user, caplog):
    for throttle in (ApiKeyRateThrottle, AnonymousThrottle, BadApiKeyThrottle):
        monkeypatch.setattr(throttle, "cache", _BrokenCache())
    _key, good = api_key_create(actor=seller_user, name="erp")

    with caplog.at_level(logging.WARNING, logger="reship.api.throttling"):
        signed_in = _client(good).get(ME)
        wrong = _client("rsk_wrong").get(ME)
        anonymous = _client().get(ME)

    assert signed_in.status_code == 200
    assert wrong.status_code == 401
    assert anonymous.status_code == 401
    assert "let through" in caplog.text


def test_wrong_keys_sent_all_at_once_get_no_more_lookups_than_the_rate(monkeypatch, seller_user):
    """After a first wrong key, twelve guesses arriving together: each is checked before any has been
    looked up and failed, as under concurrent requests. Only the four left of the rate's five are
    looked up; the rest are 429 at once."""
    from django.test import RequestFactory
    from rest_framework import exceptions

    monkeypatch.setattr(BadApiKeyThrottle, "rate", "5/min", raising=False)
    request = RequestFactory().get(ME, REMOTE_ADDR=GUESSER)
    first = BadApiKeyThrottle()
    first.check(request)
    first.record_failure(request)
    first.release()
    looked_up, refused = [], 0
    for _guess in range(12):
        throttle = BadApiKeyThrottle()
        try:
            throttle.check(request)
        except exceptions.Throttled:
            refused += 1
        else:
            looked_up.append(throttle)

    assert (len(looked_up), refused) == (4, 8)
    for throttle in looked_up:  # the lookups end, every key wrong
        throttle.record_failure(request)
        throttle.release()
    _assert_throttled(_client("rsk_wrong13").get(ME))
    # A right key's lookup gives its place back: its owner elsewhere is never held up.
    _key, good = api_key_create(actor=seller_user, name="erp")
    assert [_client(good, address=ELSEWHERE).get(ME).status_code for _ in range(8)] == [200] * 8


def test_an_integrations_parallel_calls_with_its_right_key_are_never_held_back(monkeypatch):
    """Fifty lookups in flight at once from one address that has not failed: none is refused (the
    in-flight count only bounds an address that has sent a wrong key)."""
    from django.test import RequestFactory

    monkeypatch.setattr(BadApiKeyThrottle, "rate", "5/min", raising=False)
    request = RequestFactory().get(ME, REMOTE_ADDR=GUESSER)
    in_flight = []
    for _call in range(50):
        throttle = BadApiKeyThrottle()
        throttle.check(request)  # would raise Throttled
        in_flight.append(throttle)
    for throttle in in_flight:
        throttle.release()
