"""How many wrong passwords sign-in allows, per account and per address, and until when it is locked.

django-axes records each failed sign-in in the database (``AccessAttempt``: one row per username,
address and browser, with its count and last time) and asks its handler whether a request is
locked. Axes has one limit for every lockout parameter; an office shares one address, so the
address gets its own, higher limit: ``RESHIP_LOGIN_FAILURES_PER_ACCOUNT`` failures for one username
or ``RESHIP_LOGIN_FAILURES_PER_ADDRESS`` for any usernames from one address, both within
``RESHIP_LOGIN_COOLOFF_MINUTES`` of the last one, lock sign-in until that many minutes after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, Sum
from django.http import HttpRequest

from reship.core.client_ip import client_ip


@dataclass(frozen=True)
class Failures:
    count: int
    last: datetime | None


def _recent_failures(request: HttpRequest, **match: object) -> Failures:
    row = AccessAttempt.objects.filter(attempt_time__gte=get_cool_off_threshold(request), **match).aggregate(
        count=Sum("failures_since_start"), last=Max("attempt_time")
    )
    return Failures(count=row["count"] or 0, last=row["last"])


def _failures(request: HttpRequest, credentials: dict | None) -> tuple[Failures, Failures]:
    """The recent failures for the username tried and for the request's address."""
    username = get_client_username(request, credentials)
    account = _recent_failures(request, username=username) if username else Failures(0, None)
    # The address axes recorded: its AXES_CLIENT_IP_CALLABLE is this function.
    address = _recent_failures(request, ip_address=client_ip(request))
    return account, address


class SignInAttemptsHandler(AxesDatabaseHandler):
    """Axes' database handler (no cache, no Redis) with a separate limit per address.

    Axes locks when ``get_failures`` reaches ``AXES_FAILURE_LIMIT`` (the per-account limit); an
    address past its own limit answers at least that."""

    def get_failures(self, request, credentials: dict | None = None) -> int:
        account, address = _failures(request, credentials)
        if address.count >= settings.RESHIP_LOGIN_FAILURES_PER_ADDRESS:
            return max(account.count, get_failure_limit(request, credentials))
        return account.count


def sign_in_locked_until(request: HttpRequest, credentials: dict | None = None) -> datetime | None:
    """When sign-in opens again for this request's username and address; None if it is open."""
    AxesProxyHandler.update_request(request)
    cool_off = get_cool_off(request)
    if cool_off is None:
        return None
    account, address = _failures(request, credentials)
    ends = []
    if account.last is not None and account.count >= get_failure_limit(request, credentials):
        ends.append(account.last + cool_off)
    if address.last is not None and address.count >= settings.RESHIP_LOGIN_FAILURES_PER_ADDRESS:
        ends.append(address.last + cool_off)
    return max(ends, default=None)
