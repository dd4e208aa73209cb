"""How often something may be tried within a sliding window, counted in the cache: a page's own
limits for people without an account (the customer's order lookup on a shop's after-sale page,
per client address and per order number).

Each count is kept in tenths of the window with the cache's atomic ``add``/``incr`` (never read,
changed and written back, so concurrent tries cannot overwrite one another); a try is let through
while the slices still in the window hold fewer than the limit, and then counted under every key.
A limit protects the service and must never be what breaks it: if the cache raises, the try is let
through and a warning logged (``reship.core.cache`` already answers from memory while Redis is down).
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

from django.core.cache import cache

logger = logging.getLogger(__name__)

SLICES = 10


@dataclass(frozen=True)
class Limit:
    """At most ``limit`` tries under ``key`` within ``window_seconds``."""

    key: str
    limit: int
    window_seconds: int

    @property
    def slice_seconds(self) -> int:
        return max(1, self.window_seconds // SLICES)

    def slices(self, now: float) -> list[tuple[int, str]]:
        """The slices of the window ending now, oldest first: (number, cache key)."""
        size = self.slice_seconds
        first = int((now - self.window_seconds) // size) + 1
        return [(number, f"rate:{self.key}:{number}") for number in range(first, int(now // size) + 1)]


def rate_limit_try(limits: list[Limit], *, now: float | None = None) -> int:
    """Count one try under every limit and return 0; or, when any limit is used up, count nothing
    and return the seconds until the first of its tries leaves the window (at least 1)."""
    now = time.time() if now is None else now
    try:
        wait = 0
        for limit in limits:
            slices = limit.slices(now)
            counts = cache.get_many([key for _number, key in slices])
            if sum(int(counts.get(key) or 0) for _number, key in slices) < limit.limit:
                continue
            oldest = next((number for number, key in slices if counts.get(key)), None)
            ends = (oldest * limit.slice_seconds + limit.window_seconds) if oldest is not None else now + 1
            wait = max(wait, math.ceil(ends - now), 1)
        if wait:
            return wait
        for limit in limits:
            _number, key = limit.slices(now)[-1]
            cache.add(key, 0, limit.window_seconds + limit.slice_seconds)
            cache.incr(key)
    except Exception:
        logger.warning("A rate limit could not read or write its counts; the try is let through", exc_info=True)
    return 0
