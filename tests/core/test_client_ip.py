"""The client's address behind our proxies: the entry our last proxy appended, never one the client
wrote itself; without proxies (or with nonsense) the peer's address."""

import pytest
from django.test import RequestFactory

from reship.core.client_ip import client_ip


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "203.0.113.5", "10.0.0.1"),  # no proxy of ours: a header anyone can send is ignored
        (1, "203.0.113.5", "203.0.113.5"),
        (1, "1.1.1.1, 203.0.113.5", "203.0.113.5"),  # the client's own entry on the left is not trusted
        (2, "1.1.1.1, 203.0.113.5, 10.0.0.2", "203.0.113.5"),
        (2, "203.0.113.5", "10.0.0.1"),  # fewer hops than proxies: not through ours
        (1, "not-an-address", "10.0.0.1"),
        (1, "2001:db8::7", "2001:db8::"),  # an IPv6 client is its /64: it can take any address of it
        (1, "2001:db8:1:2:3:4:5:6", "2001:db8:1:2::"),
        (1, "::ffff:203.0.113.5", "203.0.113.5"),  # an IPv4 client written as IPv6
        (1, "203.0.113.5:4711", "203.0.113.5"),  # a proxy that writes the client's port
        (1, "[2001:db8::7]:4711", "2001:db8::"),
        (1, "", "10.0.0.1"),
    ],
)
def test_the_client_address(settings, proxies, forwarded, expected):
    settings.RESHIP_TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)

    assert client_ip(request) == expected


@pytest.mark.parametrize(
    ("peer", "expected"),
    [
        ("2001:db8:7:1::1", "2001:db8:7:1::"),
        ("2001:db8:7:1:ffff:ffff:ffff:ffff", "2001:db8:7:1::"),
        ("::ffff:10.0.0.1", "10.0.0.1"),
    ],
)
def test_the_peer_address_without_proxies_is_counted_the_same_way(settings, peer, expected):
    settings.RESHIP_TRUSTED_PROXY_COUNT = 0

    assert client_ip(RequestFactory().get("/", REMOTE_ADDR=peer)) == expected
