"""A Redis cache that degrades instead of failing: while Redis does not answer, this process's memory.

What Reship keeps in the cache can be lost or recomputed — API throttle counts and the dashboard's
figures — so a dead Redis must cost freshness and sharing between processes, never a 500. Django's
``RedisCache`` raises on every call while Redis is down and has no option to swallow errors (unlike
django-redis's ``IGNORE_EXCEPTIONS``, another library for one switch). So this subclass catches
Redis's errors and answers from a per-process ``LocMemCache`` instead, which keeps throttles
counting (per process) rather than turning them off. After a failure it leaves Redis alone for
``FALLBACK_SECONDS`` so a Redis that hangs costs one socket timeout per process, not one per call.

Nothing whose staleness matters may live here: sessions are in the database (``SESSION_ENGINE``),
since a session deleted in one process during an outage would live on in another's memory.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

Result = TypeVar("Result")

# Redis's own errors, and a socket error that slipped through redis-py's wrapping.
CACHE_ERRORS = (RedisError, OSError)


class ReusingRedisCacheClient(RedisCacheClient):
    """Django's client, keeping one ``redis.Redis`` per connection pool. Django's makes a new one for
    every call, and its constructor copies redis-py's table of about 1,000 reply parsers: 0.3 ms a
    call, on every API request six times over (the throttles' counts), more than the calls' own
    round trips. A ``redis.Redis`` holds no connection of its own (it takes one from the pool per
    command), so sharing it changes nothing else."""

    if TYPE_CHECKING:  # Django's own (the stubs leave it out): the pool a read or a write uses

        def _get_connection_pool(self, write: bool) -> Any: ...

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))  # the pools are kept for the process's life (self._pools)
        if client is None:
            client = self._clients[id(pool)] = super().get_client(key, write=write)
        return client

    def incr(self, key: Any, delta: int) -> Any:
        """Django's, in one round trip instead of two (EXISTS, then INCRBY), and atomic: a key that
        expired between the two was created again by INCRBY without its expiry. The throttles count
        with it twice on every API call."""
        client = self.get_client(key, write=True)
        value = client.eval(INCR_IF_EXISTS, 1, key, delta)
        if value is None:
            raise ValueError(f"Key '{key}' not found.")
        return value


# Redis's INCRBY of a key that exists; nil (None) for one that does not, as Django's incr refuses it.
INCR_IF_EXISTS = "if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('INCRBY', KEYS[1], ARGV[1]) end"


class FailSoftRedisCache(RedisCache):
    """``RedisCache`` with a local fallback. ``OPTIONS["FALLBACK_SECONDS"]`` (default 5): how long
    after an error calls skip Redis; every other option goes to redis-py (set ``socket_timeout``
    and ``socket_connect_timeout``: without them a Redis that accepts and never answers blocks)."""

    def __init__(self, server: str | list[str], params: dict[str, Any]) -> None:
        options = dict(params.get("OPTIONS", {}))
        self.fallback_seconds = float(options.pop("FALLBACK_SECONDS", 5))
        super().__init__(server, {**params, "OPTIONS": options})
        self._class = ReusingRedisCacheClient
        self._local = LocMemCache(
            f"reship-fallback-{id(self)}",
            {"TIMEOUT": params.get("TIMEOUT", 300), "OPTIONS": {"MAX_ENTRIES": 10_000}},
        )
        self._skip_redis_until = 0.0
        self._down = False

    @property
    def is_down(self) -> bool:
        """True while calls are answered from this process's memory."""
        return self._down and time.monotonic() < self._skip_redis_until

    def _fail_soft(self, redis_call: Callable[[], Result], local_call: Callable[[], Result]) -> Result:
        if self.is_down:
            return local_call()
        try:
            result = redis_call()
        except CACHE_ERRORS as error:
            if not self._down:
                logger.warning(
                    "The Redis cache does not answer (%s); using this process's memory, trying Redis again "
                    "every %.0f s",
                    error,
                    self.fallback_seconds,
                )
            self._down = True
            self._skip_redis_until = time.monotonic() + self.fallback_seconds
            return local_call()
        if self._down:
            logger.warning("The Redis cache answers again")
            self._down = False
        return result

    def add(self, key: Any, value: Any, timeout: float | None = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._fail_soft(
            lambda: super(FailSoftRedisCache, self).add(key, value, timeout, version),
            lambda: self._local.add(key, value, timeout, version),
        )

    def get(self, key: Any, default: Any | None = None, version: int | None = None) -> Any:
        return self._fail_soft(
            lambda: super(FailSoftRedisCache, self).get(key, default, version),
            lambda: self._local.get(key, default, version),
        )

    def set(self, key: Any, value: Any, timeout: float | None = DEFAULT_TIMEOUT, version: int | None = None) -> None:
        self._fail_soft(
            lambda: super(FailSoftRedisCache, self).set(key, value, timeout, version),
            lambda: self._local.set(key, value, timeout, version),
        )

    def touch(self, key: Any, timeout: float | None = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._fail_soft(
            lambda: super(FailSoftRedisCache, self).touch(key, timeout, version),
            lambda: self._local.touch(key, timeout, version),
        )

    def delete(self, key: Any, version: int | None = None) -> bool:
        return self._fail_soft(
            lambda: super(FailSoftRedisCache, self).delete(key, version),
            lambda: self._local.delete(key, version),
        )

    def get_many(self, keys: Iterable[Any], version: int | None = None) -> dict[Any, Any]:
        keys = list(keys)
        return self._fail_soft(
            lambda: super(FailSoftRedisCache, self).get_many(keys, version),
            lambda: self._local.get_many(keys, version),
        )

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return self._fail_soft(
            lambda: super(FailSoftRedisCache, self).has_key(key, version),
            lambda: self._local.has_key(key, version),
        )

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        return self._fail_soft(
            lambda: super(FailSoftRedisCache, self).incr(key, delta, version),
            lambda: self._local.incr(key, delta, version),
        )

    def set_many(
        self, data: dict[Any, Any], timeout: float | None = DEFAULT_TIMEOUT, version: int | None = None
    ) -> list[Any]:
        return self._fail_soft(
            lambda: super(FailSoftRedisCache, self).set_many(data, timeout, version),
            lambda: self._local.set_many(data, timeout, version),
        )

    def delete_many(self, keys: Iterable[Any], version: int | None = None) -> None:
        keys = list(keys)
        self._fail_soft(
            lambda: super(FailSoftRedisCache, self).delete_many(keys, version),
            lambda: self._local.delete_many(keys, version),
        )

    def clear(self) -> None:
        self._local.clear()
        self._fail_soft(lambda: super(FailSoftRedisCache, self).clear(), lambda: None)
