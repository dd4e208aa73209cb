"""Where outgoing webhooks may go, and the one way they are sent there.

A partner types its webhook URL; without this check a manager could make the worker POST to the
platform's own network (cloud metadata, Redis, the database): server-side request forgery. The rule
is decided on the address actually connected to: the host is resolved ONCE, every address it
resolves to must be public — IPv4 and every IPv6 form that embeds an IPv4 address (IPv4-mapped and
-compatible, NAT64, 6to4, Teredo's server and client) — and the connection then goes to that same
checked address, the URL's name kept for the Host header and TLS (SNI and the certificate), so a
name that answers differently on a second lookup (DNS rebinding) never gets one. Redirects are
never followed. The whole exchange has one deadline, however slowly the receiver trickles its
answer, and at most ``max_body`` bytes of the answer are read.

``RESHIP_WEBHOOK_ALLOW_PRIVATE`` lifts the address rule for development and for tests with a local
receiver (the name is still resolved once and pinned).
"""

from __future__ import annotations

import http.client
import ipaddress
import re
import socket
import ssl
import threading
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

from reship.core.errors import InvalidInput

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class PrivateTarget(Exception):
    """The URL points inside the network (or nowhere a webhook may go)."""


class WebhookUnanswered(Exception):
    """The receiver could not be reached or did not answer in time; the text says which."""


# Never public, whatever Python's own tables say (they differ between Python versions).
_V4_REFUSED = tuple(
    ipaddress.IPv4Network(network)
    for network in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",  # carrier-grade NAT
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local, cloud metadata
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.88.99.0/24",  # 6to4 relays
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, and the broadcast address
    )
)
_V6_REFUSED = tuple(
    ipaddress.IPv6Network(network)
    for network in (
        "::/96",  # unspecified, loopback and the deprecated IPv4-compatible ::a.b.c.d
        "64:ff9b:1::/48",  # NAT64 for local use
        "100::/64",  # discard
        "2001::/23",  # IETF protocol assignments, Teredo (2001::/32) among them
        "2001:db8::/32",  # documentation
        "3fff::/20",  # documentation
        "5f00::/16",  # segment routing
        "fc00::/7",  # unique local
        "fe80::/10",  # link-local
        "fec0::/10",  # site-local
        "ff00::/8",  # multicast
    )
)
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
# A host written as an IPv4 number in another spelling: 2130706433, 0x7f.1, 017700000001, 127.1.
_NUMERIC_HOST = re.compile(r"(?:0x[0-9a-f]*|[0-9]+)(?:\.(?:0x[0-9a-f]*|[0-9]+))*\.?")


def _v4_refusal(address: ipaddress.IPv4Address) -> str | None:
    if any(address in network for network in _V4_REFUSED) or not address.is_global:
        return f"{address} is not a public address"
    return None


def address_refusal(address: IPAddress) -> str | None:
    """Why a webhook may not be sent to ``address``, or None when it is a public one."""
    if isinstance(address, ipaddress.IPv4Address):
        return _v4_refusal(address)
    embedded: list[ipaddress.IPv4Address] = []
    if address.ipv4_mapped is not None:
        embedded.append(address.ipv4_mapped)
    elif address in _NAT64:
        embedded.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    elif address.sixtofour is not None:
        embedded.append(address.sixtofour)
    elif address.teredo is not None:
        embedded.extend(address.teredo)  # the server, and the client (Python undoes its obfuscation)
    for ipv4 in embedded:
        refusal = _v4_refusal(ipv4)
        if refusal is not None:
            return f"{address} embeds {refusal}"
    if address.ipv4_mapped is not None:
        return None
    if any(address in network for network in _V6_REFUSED) or address.is_multicast or not address.is_global:
        return f"{address} is not a public address"
    return None


def host_literal(host: str) -> IPAddress | None:
    """The address a host written as a number stands for (every spelling the resolver accepts), or
    None for a name. ``PrivateTarget`` for a number that is no address."""
    bare = host.strip("[]").split("%")[0]
    try:
        return ipaddress.ip_address(bare)
    except ValueError:
        pass
    if not _NUMERIC_HOST.fullmatch(bare.lower()):
        return None
    try:
        return ipaddress.IPv4Address(socket.inet_aton(bare.rstrip(".")))
    except OSError:
        raise PrivateTarget(f"{host} is not an address") from None


def _name_refused(host: str) -> bool:
    name = host.lower().rstrip(".")
    return name == "localhost" or name.endswith(".localhost")


def url_shape_refusal(url: str) -> str | None:
    """Why a webhook URL is not one plain ``scheme://host[:port]/path`` every parser reads alike, or
    None. No user name or password (``https://127.0.0.1:80@x.com`` connects to x.com, and to the
    reader looks like 127.0.0.1), no backslash (a browser reads ``https://127.0.0.1\\@x.com`` as
    127.0.0.1, Python as x.com) and a port from 1 to 65535 (port 0 fell back to the default port)."""
    if "\\" in url:
        return "a backslash"
    parts = urlsplit(url)
    if "@" in parts.netloc:
        return "a user name or password"
    try:
        port = parts.port
    except ValueError:
        return "a port that is no port"
    if port is not None and not 1 <= port <= 65535:
        return "a port that is no port"
    return None


def webhook_target_check_literal(url: str) -> None:
    """At save time: refuse localhost and non-public addresses written as numbers (no DNS lookup:
    a name is checked on its resolved address when sending)."""
    if settings.RESHIP_WEBHOOK_ALLOW_PRIVATE:
        return
    host = urlsplit(url).hostname or ""
    if not host or _name_refused(host):
        raise PrivateTarget(host or "no host")
    literal = host_literal(host)
    if literal is not None:
        refusal = address_refusal(literal)
        if refusal is not None:
            raise PrivateTarget(refusal)


def webhook_url_clean(url: str, *, field: str = "url", max_length: int = 500) -> str:
    """The address a webhook may have, for every form that saves one (endpoints, a partner's own
    webhook): a full http(s) address on the public internet, https:// outside development (webhooks
    carry customers' names and addresses). ``InvalidInput`` on ``field`` with the reason otherwise."""

    def refused(message: str) -> InvalidInput:
        return InvalidInput(message, field_errors={field: [message]})

    url = (url or "").strip()
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise refused(_("Enter a full web address, such as https://example.com/reship/hooks.")) from None
    if len(url) > max_length:
        raise refused(_("The address is too long (at most %(max)d characters).") % {"max": max_length})
    if url_shape_refusal(url) is not None:
        raise refused(
            _(
                "Enter the address as https://name/path, with no user name, password or backslash"
                " and a port from 1 to 65535 if any."
            )
        )
    try:
        webhook_target_check_literal(url)
    except PrivateTarget:
        raise refused(
            _("The webhook address must be on the public internet, not a local or private network.")
        ) from None
    if not url.lower().startswith("https://") and not settings.DEBUG:
        raise refused(_("The webhook address must start with https:// so what we send cannot be read on the way."))
    return url


@dataclass(frozen=True)
class Target:
    """Where one webhook goes: the URL's own host (Host header, TLS) and the checked address."""

    scheme: str
    host: str
    port: int
    path: str
    address: str


def webhook_target_resolve(url: str) -> Target:
    """Resolve the URL's host once and check every address it has; ``PrivateTarget`` if any is not
    public (a name with one private address among public ones is refused: its owner chooses)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = parts.hostname or ""
    if scheme not in ("http", "https") or not host:
        raise PrivateTarget(f"{url!r} is not an http(s) address")
    shape = url_shape_refusal(url)
    if shape is not None:  # saved before the rule, or past it (the admin)
        raise PrivateTarget(f"{url!r} has {shape}")
    port = parts.port or (443 if scheme == "https" else 80)
    allow_private = settings.RESHIP_WEBHOOK_ALLOW_PRIVATE
    if _name_refused(host) and not allow_private:
        raise PrivateTarget(host)
    literal = host_literal(host)
    if literal is not None:
        addresses: list[IPAddress] = [literal]
    else:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
        except OSError as error:
            raise WebhookUnanswered(f"{host} could not be resolved: {error}") from error
        addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
        if not addresses:
            raise WebhookUnanswered(f"{host} has no address")
    if not allow_private:
        for address in addresses:
            refusal = address_refusal(address)
            if refusal is not None:
                raise PrivateTarget(f"{host} resolves to {refusal}" if literal is None else refusal)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(scheme=scheme, host=host, port=port, path=path, address=str(addresses[0]))


class _Pinned:
    """Connects to the checked address, never to what the name resolves to now; keeps the raw
    socket so the deadline can cut it whatever the connection is doing."""

    address: str
    raw: socket.socket | None = None

    def _open(self, port: int, timeout: float | None) -> socket.socket:
        self.raw = socket.create_connection((self.address, port), timeout)
        return self.raw


class _PinnedHTTPConnection(_Pinned, http.client.HTTPConnection):
    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self.address = target.address

    def connect(self) -> None:
        self.sock = self._open(self.port, self.timeout)


class _PinnedHTTPSConnection(_Pinned, http.client.HTTPSConnection):
    def __init__(self, target: Target, timeout: float) -> None:
        self.tls = ssl.create_default_context()
        super().__init__(target.host, target.port, timeout=timeout, context=self.tls)
        self.address = target.address

    def connect(self) -> None:
        # The certificate is checked against the URL's name, which is also the SNI sent.
        self.sock = self.tls.wrap_socket(self._open(self.port, self.timeout), server_hostname=self.host)


@dataclass(frozen=True)
class WebhookAnswer:
    status: int
    body_start: str


def webhook_post(
    url: str, *, body: bytes, headers: dict[str, str], timeout: float, max_body: int = 2048
) -> WebhookAnswer:
    """POST ``body`` to ``url`` at its checked address and return the status and the start of the
    answer (at most ``max_body`` bytes are read). ``timeout`` bounds the whole exchange — lookup
    aside: connecting, sending, the status line, headers and body — not each socket read.
    ``PrivateTarget`` for an address that is not public; ``WebhookUnanswered`` when the receiver
    could not be reached or did not answer in time. A 3xx is returned as it is: never followed."""
    target = webhook_target_resolve(url)
    connection: _PinnedHTTPConnection | _PinnedHTTPSConnection = (
        _PinnedHTTPSConnection(target, timeout) if target.scheme == "https" else _PinnedHTTPConnection(target, timeout)
    )
    cut = threading.Event()

    def cut_at_deadline() -> None:
        cut.set()
        raw = connection.raw
        if raw is not None:
            try:
                raw.shutdown(socket.SHUT_RDWR)  # wakes any blocked read or write at once
            except OSError:
                pass

    timer = threading.Timer(timeout, cut_at_deadline)
    timer.daemon = True
    timer.start()
    try:
        connection.request("POST", target.path, body=body, headers={**headers, "Connection": "close"})
        response = connection.getresponse()
        status = response.status
        try:
            start = response.read(max_body)
        except (OSError, http.client.HTTPException):
            start = b""  # the status came in time; the rest is only for the admin's error text
    except (OSError, http.client.HTTPException) as error:
        if cut.is_set() or isinstance(error, TimeoutError):  # the deadline, or a socket read as long
            raise WebhookUnanswered(f"no answer within {timeout:g} s") from error
        raise WebhookUnanswered(f"{type(error).__name__}: {error}") from error
    finally:
        timer.cancel()
        connection.close()
    return WebhookAnswer(status=status, body_start=start[:200].decode(errors="replace").strip())
