"""A sliding-window limit counted in the cache: tries past the limit are refused (and not counted)
until the oldest one leaves the window; a cache that fails lets tries through."""

from unittest import mock

import pytest
from django.core.cache import cache

from reship.core.rate_limits import Limit, rate_limit_try

HOUR = 3600
T0 = 1_800_000_000.0  # a slice boundary: 1_800_000_000 is a multiple of 360


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def test_the_third_try_waits_for_the_first_to_leave_the_window():
    limits = [Limit("test:address", 2, HOUR)]

    assert rate_limit_try(limits, now=T0) == 0
    assert rate_limit_try(limits, now=T0 + 600) == 0
    assert rate_limit_try(limits, now=T0 + 1200) == HOUR - 1200  # the first try's slice leaves at T0 + 1 h
    assert rate_limit_try(limits, now=T0 + HOUR - 1) == 1
    assert rate_limit_try(limits, now=T0 + HOUR) == 0  # the refused tries were not counted


def test_every_limit_counts_and_the_longest_wait_is_given():
    address, order = Limit("test:address", 3, HOUR), Limit("test:order", 1, HOUR)

    assert rate_limit_try([address, order], now=T0) == 0
    assert rate_limit_try([address, order], now=T0 + 720) == HOUR - 720
    assert rate_limit_try([address, Limit("test:other-order", 1, HOUR)], now=T0 + 720) == 0
    # The try the order's limit refused was not counted under the address either: two so far.
    assert rate_limit_try([address], now=T0 + 1080) == 0
    assert rate_limit_try([address], now=T0 + 1440) == HOUR - 1440


def test_a_failing_cache_lets_the_try_through():
    with mock.patch("reship.core.rate_limits.cache.get_many", side_effect=ConnectionError("down")):
        assert rate_limit_try([Limit("test:address", 0, HOUR)], now=T0) == 0
