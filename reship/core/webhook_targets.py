"""Where outgoing webhooks may go: public internet addresses only.

A partner types its webhook URL; without this check a manager could make the worker POST to the
platform's own network (cloud metadata, Redis, the database): server-side request forgery. The
address is checked when saved (a literal private IP or localhost) and again, after DNS, when sent.
``RESHIP_WEBHOOK_ALLOW_PRIVATE`` lifts it for development and for tests with a local receiver.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings


class PrivateTarget(Exception):
    """The URL points inside the network."""


def _is_public(address: str) -> bool:
    try:
        return ipaddress.ip_address(address.split("%")[0]).is_global
    except ValueError:
        return False


def webhook_target_check_literal(url: str) -> None:
    """At save time: refuse localhost and private IP literals (no DNS lookup needed)."""
    if settings.RESHIP_WEBHOOK_ALLOW_PRIVATE:
        return
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        raise PrivateTarget(host)
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return  # a name: checked after resolution, when sending
    if not _is_public(host):
        raise PrivateTarget(host)


def webhook_target_check_resolved(url: str) -> None:
    """At send time: every address the host resolves to must be public."""
    if settings.RESHIP_WEBHOOK_ALLOW_PRIVATE:
        return
    parts = urlsplit(url)
    host = parts.hostname or ""
    webhook_target_check_literal(url)
    try:
        infos = socket.getaddrinfo(host, parts.port or (443 if parts.scheme == "https" else 80))
    except OSError as error:
        raise PrivateTarget(f"{host}: {error}") from error
    for info in infos:
        address = str(info[4][0])  # an IP address for the internet families
        if not _is_public(address):
            raise PrivateTarget(f"{host} resolves to {address}")
