"""Where a webhook may go: every spelling of a private address refused when saved and when sent,
the name resolved once and the connection made to that checked address, no redirect followed, one
deadline for the whole exchange."""

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from reship.core.errors import InvalidInput
from reship.core.webhook_targets import (
    PrivateTarget,
    WebhookUnanswered,
    webhook_post,
    webhook_target_check_literal,
    webhook_target_resolve,
    webhook_url_clean,
)

PRIVATE_SPELLINGS = [
    "http://127.0.0.1/",
    "http://localhost/",
    "http://app.localhost./",
    "http://10.0.0.5/",
    "http://169.254.169.254/latest/meta-data/",
    "http://100.64.0.1/",
    "http://0.0.0.0/",
    "http://224.0.0.1/",
    "http://255.255.255.255/",
    # IPv4 numbers in the other spellings the resolver accepts
    "http://2130706433/",
    "http://0x7f.1/",
    "http://0x7f000001/",
    "http://017700000001/",
    "http://127.1/",
    "http://0300.0250.0.1/",  # 192.168.0.1 in octal
    # IPv6 itself
    "http://[::1]/",
    "http://[::]/",
    "http://[fe80::1]/",
    "http://[fc00::1]/",
    "http://[fd12:3456::1]/",
    "http://[ff02::1]/",
    "http://[ff0e::1]/",  # global-scope multicast
    "http://[2001:db8::1]/",
    # IPv6 forms that carry an IPv4 address
    "http://[::ffff:127.0.0.1]/",  # IPv4-mapped
    "http://[::ffff:7f00:1]/",
    "http://[::127.0.0.1]/",  # IPv4-compatible
    "http://[::10.0.0.1]/",
    "http://[::8.8.8.8]/",  # IPv4-compatible is deprecated and never routed: refused whatever it holds
    "http://[64:ff9b::7f00:1]/",  # NAT64
    "http://[64:ff9b::a9fe:a9fe]/",  # NAT64 of 169.254.169.254
    "http://[64:ff9b:1::7f00:1]/",  # local-use NAT64
    "http://[2002:7f00:1::1]/",  # 6to4 of 127.0.0.1
    "http://[2002:c0a8:1::1]/",  # 6to4 of 192.168.0.1
    "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/",  # Teredo, client 127.0.0.1 (obfuscated)
    "http://[2001:0:7f00:1:8000:63bf:3fff:fdd2]/",  # Teredo, server 127.0.0.1
    "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/",  # Teredo, both public: still no place for a webhook
]


@pytest.fixture
def no_private(settings):
    settings.RESHIP_WEBHOOK_ALLOW_PRIVATE = False
    settings.DEBUG = True  # plain http:// allowed, so only the address decides


@pytest.mark.parametrize("url", PRIVATE_SPELLINGS)
def test_every_spelling_of_a_non_public_address_is_refused_when_saved_and_when_sent(url, no_private, monkeypatch):
    def no_lookup(*args, **kwargs):
        raise AssertionError(f"a number was looked up in the DNS: {args}")

    monkeypatch.setattr(socket, "getaddrinfo", no_lookup) if "localhost" not in url else None
    with pytest.raises(PrivateTarget):
        webhook_target_check_literal(url)
    with pytest.raises(PrivateTarget):
        webhook_target_resolve(url)
    with pytest.raises(InvalidInput) as refused:
        webhook_url_clean(url, field="webhook_url")
    # Numbers in other spellings are no web address to the URL validator already; either way refused.
    assert refused.value.field_errors["webhook_url"][0] in (
        "The webhook address must be on the public internet, not a local or private network.",
        "Enter a full web address, such as https://example.com/reship/hooks.",
    )


@pytest.mark.parametrize(
    ("url", "address"),
    [
        ("https://93.184.216.34/hooks", "93.184.216.34"),
        ("https://[2606:4700::1111]/hooks", "2606:4700::1111"),
        ("https://[64:ff9b::5db8:d822]/hooks", "64:ff9b::5db8:d822"),  # NAT64 of 93.184.216.34
        ("https://[2002:5db8:d822::1]/hooks", "2002:5db8:d822::1"),  # 6to4 of 93.184.216.34
        ("https://[::ffff:93.184.216.34]/hooks", "::ffff:5db8:d822"),
        ("https://1572395042/hooks", "93.184.216.34"),  # the same public address as one number
    ],
)
def test_public_addresses_in_any_form_are_accepted_and_connected_to_as_checked(url, address, no_private):
    webhook_target_check_literal(url)
    target = webhook_target_resolve(url)
    assert (target.address, target.port, target.path) == (address, 443, "/hooks")


def test_a_name_is_accepted_when_saved_and_decided_on_its_addresses_when_sent(no_private, monkeypatch):
    answers = {"hooks.partner.example": ["93.184.216.34"], "inside.partner.example": ["93.184.216.34", "10.1.2.3"]}

    def getaddrinfo(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port)) for ip in answers[host]]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    assert webhook_url_clean("https://inside.partner.example/x") == "https://inside.partner.example/x"

    assert webhook_target_resolve("https://hooks.partner.example/x").address == "93.184.216.34"
    with pytest.raises(PrivateTarget, match="inside.partner.example resolves to 10.1.2.3 is not a public address"):
        webhook_target_resolve("https://inside.partner.example/x")


def test_a_name_that_answers_differently_the_second_time_is_connected_to_at_its_first_checked_address(
    no_private, monkeypatch
):
    """DNS rebinding: the first lookup (the check) says public, any later one says 127.0.0.1."""
    lookups, connections = [], []

    def getaddrinfo(host, port, *args, **kwargs):
        lookups.append(host)
        ip = "93.184.216.34" if len(lookups) == 1 else "127.0.0.1"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port))]

    def create_connection(address, *args, **kwargs):
        connections.append(address)
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket, "create_connection", create_connection)

    with pytest.raises(WebhookUnanswered, match="ConnectionRefusedError"):
        webhook_post("https://rebind.attacker.example/hook", body=b"{}", headers={}, timeout=2)

    assert lookups == ["rebind.attacker.example"]
    assert connections == [("93.184.216.34", 443)]


def test_a_name_whose_first_answer_is_private_is_never_connected_to(no_private, monkeypatch):
    connections = []
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda host, port, *a, **k: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))],
    )
    monkeypatch.setattr(socket, "create_connection", lambda address, *a, **k: connections.append(address))

    with pytest.raises(PrivateTarget, match="resolves to 127.0.0.1"):
        webhook_post("https://rebind.attacker.example/hook", body=b"{}", headers={}, timeout=2)
    assert connections == []


# --- against a real receiver on this machine ----------------------------------------------------


class Receiver(BaseHTTPRequestHandler):
    seen: list  # (path, Host header)
    mode = "ok"

    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        type(self).seen.append((self.path, self.headers["Host"]))
        if self.mode == "redirect":
            self.send_response(302)
            self.send_header("Location", "http://127.0.0.1:1/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.mode == "trickle":
            for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok":
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(0.2)
        elif self.mode == "huge":
            self.send_response(500)
            self.send_header("Content-Length", str(50_000_000))
            self.end_headers()
            self.wfile.write(b"x" * 1_000_000)
        else:
            self.send_response(204)
            self.end_headers()

    def log_message(self, format, *args):
        pass


@pytest.fixture
def receiver(settings, monkeypatch):
    settings.RESHIP_WEBHOOK_ALLOW_PRIVATE = True
    Receiver.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):  # the partner's name, pointing at this machine
        return real("127.0.0.1" if host == "hooks.partner.example" else host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield server.server_port
    server.shutdown()
    server.server_close()


def test_the_post_goes_to_the_resolved_address_with_the_urls_name_as_host(receiver):
    answer = webhook_post(f"http://hooks.partner.example:{receiver}/in?x=1", body=b"{}", headers={}, timeout=2)

    assert answer.status == 204
    assert Receiver.seen == [("/in?x=1", f"hooks.partner.example:{receiver}")]


def test_a_redirect_is_returned_as_it_is_and_never_followed(receiver, monkeypatch):
    monkeypatch.setattr(Receiver, "mode", "redirect")

    answer = webhook_post(f"http://127.0.0.1:{receiver}/in", body=b"{}", headers={}, timeout=2)

    assert answer.status == 302
    assert Receiver.seen == [("/in", f"127.0.0.1:{receiver}")]


def test_a_receiver_trickling_its_answer_is_cut_at_the_deadline_not_per_read(receiver, monkeypatch):
    monkeypatch.setattr(Receiver, "mode", "trickle")  # 42 bytes, one every 0.2 s: 8 s in all

    started = time.monotonic()
    with pytest.raises(WebhookUnanswered, match="no answer within 1 s"):
        webhook_post(f"http://127.0.0.1:{receiver}/in", body=b"{}", headers={}, timeout=1)
    assert time.monotonic() - started < 1.5


def test_at_most_the_start_of_a_huge_answer_is_read(receiver, monkeypatch):
    monkeypatch.setattr(Receiver, "mode", "huge")

    answer = webhook_post(f"http://127.0.0.1:{receiver}/in", body=b"{}", headers={}, timeout=2)

    assert (answer.status, answer.body_start) == (500, "x" * 200)


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1\\@hooks.partner.example/",  # a browser reads the host as 127.0.0.1
        "https://127.0.0.1:80@hooks.partner.example/",  # reads as 127.0.0.1:80, connects to the name
        "https://127.0.0.1%2f@hooks.partner.example/",
        "https://user:secret@hooks.partner.example/",
        "https://hooks.partner.example:0/",  # port 0 was sent to 443
        "https://hooks.partner.example:65536/",
    ],
)
def test_a_url_that_parsers_read_differently_is_refused_when_saved_and_when_sent(url, no_private, monkeypatch):
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda host, port, *a, **k: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port))],
    )
    with pytest.raises(InvalidInput) as refused:
        webhook_url_clean(url, field="webhook_url")
    assert refused.value.field_errors["webhook_url"] == [
        "Enter the address as https://name/path, with no user name, password or backslash"
        " and a port from 1 to 65535 if any."
    ]
    with pytest.raises(PrivateTarget):
        webhook_target_resolve(url)
