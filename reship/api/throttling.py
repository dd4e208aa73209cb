"""How often the API may be called: per API key (or per user for browser sessions), and per address
for callers who are refused — with no credentials, or with a wrong API key — rates in settings.

DRF runs throttles only after authentication and permissions, so a wrong key (401) or no
credentials (401) were never counted and could be tried at full speed. Those two are counted per
client address where they are refused: ``reship.api.auth`` asks ``BadApiKeyThrottle`` before
looking a key up, and ``IsAuthenticatedThrottled`` asks ``AnonymousThrottle`` before answering 401.
Past the rate the answer is 429 in the usual error body, with Retry-After.

Counts live in the cache. A throttle protects the service and must never be what breaks it: if
the cache raises, the call is let through and a warning logged (``reship.core.cache`` already
answers from memory while Redis is down; this covers any other cache failure).
"""

from __future__ import annotations

import logging

from django.core.exceptions import ImproperlyConfigured
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from reship.core.client_ip import client_ip
from reship.models import ApiKey

logger = logging.getLogger(__name__)


class FailOpenRateThrottle(SimpleRateThrottle):
    """A rate throttle whose rate is read from settings when it is made (tests change it), whose
    address is ``reship.core.client_ip``'s, and which lets the call through if the cache fails."""

    def get_rate(self) -> str | None:
        rates = api_settings.DEFAULT_THROTTLE_RATES
        if self.scope not in rates:
            raise ImproperlyConfigured(f"No rate in DEFAULT_THROTTLE_RATES for the throttle scope {self.scope!r}")
        rate = rates[self.scope]
        return None if rate is None else str(rate)

    def get_ident(self, request) -> str:
        return client_ip(request) or "unknown"

    def allow_request(self, request, view) -> bool:
        try:
            return super().allow_request(request, view)
        except Exception:
            logger.warning("Throttle %s could not read its counts; the call is let through", self.scope, exc_info=True)
            return True


class ApiKeyRateThrottle(FailOpenRateThrottle):
    scope = "api_key"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiKey):
            return self.cache_format % {"scope": self.scope, "ident": f"key-{request.auth.pk}"}
        if request.user and request.user.is_authenticated:
            return self.cache_format % {"scope": self.scope, "ident": f"user-{request.user.pk}"}
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class AnonymousThrottle(FailOpenRateThrottle):
    """Calls with no credentials, per address: each is refused anyway, past the rate with 429."""

    scope = "anonymous"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class BadApiKeyThrottle(FailOpenRateThrottle):
    """Wrong API keys per address. Only failures count; once the address is past the rate, every
    key from it is refused with 429 — a right one too, so guessing learns nothing — until the
    oldest failure in the window is older than the window.

    Counted only with the cache's atomic increments, never read, changed and written back: the
    failures in each tenth of the window, and the lookups in flight (``check`` takes a place that
    ``release`` gives back), which count once the address has a failure. A burst of guesses sent at
    once after a failure therefore cannot each find room before any of them has failed (with a list
    of failure times read before the lookup and written back
    after it, every guess checked before the first failure was looked up, and concurrent failures
    overwrote one another)."""

    scope = "bad_api_key"
    SLICES = 10

    def __init__(self) -> None:
        super().__init__()
        self.limit, self.window = self.parse_rate(self.rate)
        self.slice = max(1, (self.window or 0) // self.SLICES)
        self.key = ""
        self.reserved = False

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def _slices(self) -> list[tuple[int, str]]:
        """The slices of the window ending now, oldest first: (number, cache key)."""
        first = int((self.now - (self.window or 0)) // self.slice) + 1
        return [(number, f"{self.key}:{number}") for number in range(first, int(self.now // self.slice) + 1)]

    def check(self, request: Request) -> None:
        """Take a place for one key lookup from this address, or raise Throttled if its wrong keys
        and the lookups in flight have used up the rate. Call ``release`` once the lookup is over."""
        if self.limit is None:
            return
        try:
            self.key = self.get_cache_key(request, None)
            self.now = self.timer()
            slices = self._slices()
            counts = self.cache.get_many([key for _number, key in slices])
            failures = sum(int(counts.get(key) or 0) for _number, key in slices)
            self.cache.add(f"{self.key}:pending", 0, self.window)
            in_flight = self.cache.incr(f"{self.key}:pending")
            self.reserved = True
        except Exception:
            logger.warning("The wrong-API-key throttle could not read its counts; not checked", exc_info=True)
            return
        # Lookups in flight count only once the address has failed: an integration's own parallel
        # calls with its right key are never held back (a clean address's first burst is bounded
        # by the server's concurrency instead), while guesses after a failure get no more lookups
        # than the rate, however many arrive at once.
        if failures >= self.limit or (failures and failures + in_flight > self.limit):
            self.release()
            oldest = next((number for number, key in slices if counts.get(key)), None)
            ends = oldest * self.slice + (self.window or 0) if oldest is not None else self.now + self.slice
            raise exceptions.Throttled(wait=max(1.0, ends - self.now))

    def record_failure(self, request: Request) -> None:
        if self.limit is None or not self.key:
            return
        try:
            key = f"{self.key}:{int(self.timer() // self.slice)}"
            self.cache.add(key, 0, (self.window or 0) + self.slice)
            self.cache.incr(key)
        except Exception:
            logger.warning("The wrong-API-key throttle could not count a failure", exc_info=True)

    def release(self) -> None:
        """Give back the place ``check`` took."""
        if not self.reserved:
            return
        self.reserved = False
        try:
            self.cache.decr(f"{self.key}:pending")
        except Exception:
            logger.warning("The wrong-API-key throttle could not end a lookup", exc_info=True)
