"""The address a request came from, for counting sign-in failures, reset e-mails and API calls.

Behind a proxy every request arrives from the proxy's address, so counting per ``REMOTE_ADDR``
would lock everyone out together. ``RESHIP_TRUSTED_PROXY_COUNT`` says how many proxies of ours
stand in front of the app; each appends the address it was reached from to ``X-Forwarded-For``,
so the client is that many entries from the right. Entries further left are whatever the client
sent and are never trusted. Returns "" when the address is unknown.

An IPv6 client is counted by its /64 network, not its full address: one subscriber, server or
cloud instance is given a whole /64 and can use a fresh address of it for every request, so per
address limits (sign-in, reset e-mails, wrong API keys) counted nothing. An IPv4 address written as
IPv6 (``::ffff:203.0.113.5``) is the IPv4 address, and a port a proxy appended is dropped.
"""

from __future__ import annotations

import ipaddress
import re

from django.conf import settings
from django.http import HttpRequest

IPV6_NETWORK_BITS = 64
# "203.0.113.5:4711" or "[2001:db8::7]:4711", as some proxies write the client.
_WITH_PORT = re.compile(r"^(?:\[(?P<v6>[0-9A-Fa-f:.]+)\]|(?P<v4>[0-9.]+)):\d{1,5}$")


def address_key(text: str) -> str | None:
    """The address as the limits count it (see the module's docstring), or None for no address."""
    text = text.strip()
    with_port = _WITH_PORT.match(text)
    if with_port:
        text = with_port.group("v6") or with_port.group("v4")
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        host_bits = 128 - IPV6_NETWORK_BITS
        return str(ipaddress.IPv6Address(int(address) >> host_bits << host_bits))  # no zone id either
    return str(address)


def client_ip(request: HttpRequest) -> str:
    peer = str(request.META.get("REMOTE_ADDR", "") or "")
    remote = address_key(peer) or peer
    proxies = int(getattr(settings, "RESHIP_TRUSTED_PROXY_COUNT", 0))
    if proxies <= 0:
        return remote
    forwarded = [part.strip() for part in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < proxies:
        # Fewer hops than configured: the request did not come through our proxies.
        return remote
    # Stored in address columns: a proxy that forwards nonsense must not break the request.
    return address_key(forwarded[-proxies]) or remote
