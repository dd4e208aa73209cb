"""The cache degrades instead of failing: with Redis gone, calls answer from this process's memory
(one warning per outage), Redis is left alone for FALLBACK_SECONDS, then used again."""

import logging
import socket

import pytest

from reship.core.cache import FailSoftRedisCache


def _dead_redis_url() -> str:
    """An address where nothing listens: a connection is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


def _cache(url: str, fallback_seconds: float = 5) -> FailSoftRedisCache:
    return FailSoftRedisCache(
        url,
        {"OPTIONS": {"FALLBACK_SECONDS": fallback_seconds, "socket_connect_timeout": 0.5, "socket_timeout": 0.5}},
    )


def test_with_redis_gone_reads_miss_and_writes_land_in_memory(caplog):
    cache = _cache(_dead_redis_url())

    with caplog.at_level(logging.WARNING, logger="reship.core.cache"):
        assert cache.get("figures") is None
        cache.set("figures", {"open": 3}, 60)
        assert cache.get("figures") == {"open": 3}
        assert cache.get_or_set("other", 7, 60) == 7
        assert cache.incr("other") == 8
        assert cache.delete("figures") is True
        assert cache.get("figures", "gone") == "gone"

    warnings = [record for record in caplog.records if record.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "does not answer" in warnings[0].getMessage()
    assert cache.is_down


def test_redis_is_tried_again_after_the_fallback_period(monkeypatch):
    import reship.core.cache as module

    clock = [1000.0]
    monkeypatch.setattr(module.time, "monotonic", lambda: clock[0])
    cache = _cache(_dead_redis_url(), fallback_seconds=5)

    cache.get("a")
    assert cache.is_down
    clock[0] += 4
    assert cache.is_down  # still inside the 5 s: Redis is not asked
    clock[0] += 2
    assert not cache.is_down  # the next call asks Redis again
    assert cache.get("a") is None
    assert cache.is_down


@pytest.mark.redis
def test_with_redis_up_values_are_shared_through_redis(settings):
    first = _cache(settings.REDIS_URL)
    second = _cache(settings.REDIS_URL)
    first.set("reship-test-shared", "yes", 30)
    try:
        assert second.get("reship-test-shared") == "yes"
        assert not first.is_down
    finally:
        first.delete("reship-test-shared")


@pytest.mark.redis
def test_against_redis_a_count_goes_up_and_down_once_a_call_and_a_missing_key_is_refused(settings):
    """The client is made once per connection pool, and incr is one atomic round trip (a Lua
    script): it counts as Django's did and, as Django's, refuses a key that does not exist."""
    cache = _cache(settings.REDIS_URL)
    cache.delete("lists-count")

    with pytest.raises(ValueError, match="not found"):
        cache.incr("lists-count")
    assert cache.get("lists-count") is None  # not created by the refused incr
    assert cache.add("lists-count", 0, 60)
    assert [cache.incr("lists-count"), cache.incr("lists-count", 5), cache.decr("lists-count")] == [1, 6, 5]
    assert cache.get("lists-count") == 5
    assert cache._cache.get_client("lists-count") is cache._cache.get_client("lists-count", write=True)
    cache.delete("lists-count")
    assert not cache.is_down
