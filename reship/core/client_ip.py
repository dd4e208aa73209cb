"""The address a request came from, for counting sign-in failures, reset e-mails and API calls.

Behind a proxy every request arrives from the proxy's address, so counting per ``REMOTE_ADDR``
would lock everyone out together. ``RESHIP_TRUSTED_PROXY_COUNT`` says how many proxies of ours
stand in front of the app; each appends the address it was reached from to ``X-Forwarded-For``,
so the client is that many entries from the right. Entries further left are whatever the client
sent and are never trusted. Returns "" when the address is unknown.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    remote = str(request.META.get("REMOTE_ADDR", "") or "")
    proxies = int(getattr(settings, "RESHIP_TRUSTED_PROXY_COUNT", 0))
    if proxies <= 0:
        return remote
    forwarded = [part.strip() for part in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < proxies:
        # Fewer hops than configured: the request did not come through our proxies.
        return remote
    client = forwarded[-proxies]
    try:
        # Stored in address columns: a proxy that forwards nonsense must not break the request.
        return str(ipaddress.ip_address(client))
    except ValueError:
        return remote
