"""Webhook endpoints over the API (create, list, delete, send a test event), the outbox rows they get,
and how the webhook channel signs and refuses them."""

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import transaction
from rest_framework.test import APIClient

from reship.api.webhooks import VERIFICATION_SNIPPET
from reship.choices import NotificationChannel, NotificationStatus
from reship.models import Notification, WebhookEndpoint
from reship.notifications.channels import DeliveryError, WebhookChannel
from reship.notifications.delivery import notification_deliver
from reship.notifications.outbox import TEMPLATES, WEBHOOK_TEST
from reship.notifications.rendering import render
from reship.services.api_keys import api_key_create
from tests import workflow_states
from tests.factories import PartnerMembershipFactory, SellerMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/webhooks/"
PUBLIC_URL = "https://hooks.example.com/reship"


# --- a local receiver, shared with the flow test ------------------------------------------------------


@dataclass
class Received:
    path: str
    headers: Message
    body: bytes


@dataclass
class Receiver:
    url: str
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


@pytest.fixture
def receiver(monkeypatch, settings) -> Iterator[Receiver]:
    """An HTTP server on 127.0.0.1 recording every POST; answers 200."""
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            with state.lock:
                state.received.append(Received(path=self.path, headers=self.headers, body=body))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format, *args):
            pass

    settings.RESHIP_WEBHOOK_ALLOW_PRIVATE = True  # the receiver runs on this machine
    settings.DEBUG = True  # and speaks plain http
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_port}"
    yield state
    server.shutdown()
    server.server_close()


def documented_verifier():
    """``reship_webhook_verified`` exactly as the API docs and the README give it."""
    namespace: dict = {}
    exec(VERIFICATION_SNIPPET, namespace)  # noqa: S102 - our own documentation, run as a receiver would
    return namespace["reship_webhook_verified"]


def api_client(user) -> APIClient:
    _key, raw = api_key_create(actor=user, name="Our ERP")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client


def create(client: APIClient, **body):
    return client.post(URL, {"url": PUBLIC_URL, **body}, format="json")


@pytest.fixture
def seller_api(seller_user) -> APIClient:
    return api_client(seller_user)


# --- create, list, delete -------------------------------------------------------------------------


def test_create_returns_the_secret_once_and_the_list_never_shows_it(seller_api, seller_user):
    response = create(seller_api, events=["request_approved", "lines_shipped", "request_approved"])

    assert response.status_code == 201, response.data
    assert response.data["url"] == PUBLIC_URL
    assert response.data["events"] == ["lines_shipped", "request_approved"]
    assert response.data["is_active"] is True
    assert response.data["secret"].startswith("whsec_")
    assert len(response.data["secret"]) > 40
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.seller == seller_user.seller_membership.seller
    assert endpoint.partner is None
    assert endpoint.secret == response.data["secret"]

    listed = seller_api.get(URL)
    assert listed.status_code == 200
    assert [each["id"] for each in listed.data["results"]] == [endpoint.pk]
    assert "secret" not in listed.data["results"][0]


def test_a_partner_creates_its_own_endpoint(partner_user):
    response = create(api_client(partner_user))

    assert response.status_code == 201
    endpoint = WebhookEndpoint.objects.get()
    assert (endpoint.partner, endpoint.seller, endpoint.events) == (partner_user.partner_membership.partner, None, [])


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"events": ["no_such_event"]}, "events.0"),
        ({"url": "not a url"}, "url"),
        ({"url": "ftp://hooks.example.com/x"}, "url"),
        ({"url": "http://hooks.example.com/x"}, "url"),  # clear text outside DEBUG
        ({"url": "https://127.0.0.1/x"}, "url"),
        ({"url": "https://10.1.2.3/x"}, "url"),
        ({"url": "https://localhost/x"}, "url"),
        ({"url": "https://hooks.example.com/" + "x" * 500}, "url"),
        ({"events": "request_approved"}, "events"),
    ],
)
def test_bad_input_is_a_400_with_the_field(seller_api, settings, body, field):
    settings.RESHIP_WEBHOOK_ALLOW_PRIVATE = False
    response = create(seller_api, **body)

    assert response.status_code == 400, response.data
    assert response.data["code"] == "invalid"
    assert field in response.data["field_errors"], response.data
    assert not WebhookEndpoint.objects.exists()


def test_plain_http_is_accepted_in_debug(seller_api, settings):
    settings.DEBUG = True
    assert create(seller_api, url="http://hooks.example.com/x").status_code == 201


def test_every_event_name_is_accepted():
    client = api_client(SellerMembershipFactory().user)
    response = create(client, events=sorted(TEMPLATES))
    assert response.status_code == 201
    assert WEBHOOK_TEST not in TEMPLATES


def test_another_organisations_endpoints_are_invisible_and_404(seller_api):
    other = api_client(SellerMembershipFactory().user)
    partner = api_client(PartnerMembershipFactory().user)
    theirs = create(other).data["id"]

    assert seller_api.get(URL).data["results"] == []
    assert partner.get(URL).data["results"] == []
    for client in (seller_api, partner):
        assert client.delete(f"{URL}{theirs}/").status_code == 404
        response = client.post(f"{URL}{theirs}/test/")
        assert response.status_code == 404
        assert response.data["code"] == "not_found"
    assert WebhookEndpoint.objects.filter(pk=theirs).exists()
    assert not Notification.objects.exists()


@pytest.mark.parametrize("raw", ["0", "abc", "-1", "99999999999999999999999", "１"])
def test_an_id_that_is_no_id_is_a_json_404(seller_api, raw):
    response = seller_api.delete(f"{URL}{raw}/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


def test_delete_removes_it_and_gives_up_its_pending_deliveries(seller_api):
    endpoint_id = create(seller_api).data["id"]
    with transaction.atomic():
        queued = seller_api.post(f"{URL}{endpoint_id}/test/")  # on_commit never runs in a db test
    assert queued.status_code == 202
    row = Notification.objects.get(template=WEBHOOK_TEST)

    assert seller_api.delete(f"{URL}{endpoint_id}/").status_code == 204
    assert seller_api.delete(f"{URL}{endpoint_id}/").status_code == 404
    assert not WebhookEndpoint.objects.exists()
    row.refresh_from_db()
    assert (row.status, row.webhook_endpoint_id, row.last_error) == (
        NotificationStatus.FAILED,
        None,
        "The webhook endpoint was deleted.",
    )


def test_only_a_seller_or_partner_manages_endpoints(client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)

    response = client.get(URL)
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert client.post(URL, {"url": PUBLIC_URL}, content_type="application/json").status_code == 403


def test_without_credentials_it_is_a_401():
    assert APIClient().get(URL).status_code == 401


# --- the outbox ------------------------------------------------------------------------------------


def test_each_active_endpoint_that_chose_the_event_gets_a_row():
    parties = workflow_states.make_parties()
    seller = parties.seller.seller_membership.seller
    partner = parties.partner.partner_membership.partner
    every = WebhookEndpoint.objects.create(seller=seller, url="https://a.example.com/", secret="s1")
    approved_only = WebhookEndpoint.objects.create(
        seller=seller, url="https://b.example.com/", secret="s2", events=["request_approved"]
    )
    WebhookEndpoint.objects.create(seller=seller, url="https://c.example.com/", secret="s3", is_active=False)
    partners = WebhookEndpoint.objects.create(partner=partner, url="https://p.example.com/", secret="s4")
    WebhookEndpoint.objects.create(seller=SellerMembershipFactory().user.seller_membership.seller, url=PUBLIC_URL)
    partner.webhook_url, partner.webhook_secret = "https://legacy.example.com/", "legacy"
    partner.save(update_fields=["webhook_url", "webhook_secret"])

    request = workflow_states.submit(parties)
    workflow_states.approve(parties, request)

    rows = Notification.objects.filter(channel=NotificationChannel.WEBHOOK).order_by("pk")
    assert [(row.template, row.recipient_address, row.webhook_endpoint_id) for row in rows] == [
        ("request_submitted", "https://legacy.example.com/", None),
        ("request_submitted", "https://p.example.com/", partners.pk),
        ("request_approved", "https://a.example.com/", every.pk),
        ("request_approved", "https://b.example.com/", approved_only.pk),
    ]
    assert {row.payload["audience"] for row in rows if row.template == "request_approved"} == {"seller"}


# --- the channel -------------------------------------------------------------------------------------


def test_an_endpoint_row_is_signed_with_the_endpoints_secret_and_a_test_event_arrives(receiver, seller_api):
    created = create(seller_api, url=receiver.url + "/hook").data
    with transaction.atomic():
        queued = seller_api.post(f"{URL}{created['id']}/test/")
    assert queued.status_code == 202
    assert queued.data["type"] == WEBHOOK_TEST

    row = Notification.objects.get(template=WEBHOOK_TEST)
    assert str(row.delivery_key) == queued.data["id"]
    assert notification_deliver(notification_id=row.pk) == "sent"

    [received] = receiver.received
    assert received.path == "/hook"
    assert documented_verifier()(created["secret"], received.headers, received.body)
    assert not documented_verifier()("whsec_other", received.headers, received.body)
    body = json.loads(received.body)
    assert (body["id"], body["type"]) == (queued.data["id"], WEBHOOK_TEST)
    assert body["data"]["webhook_endpoint_id"] == created["id"]
    assert received.headers["X-Reship-Event"] == WEBHOOK_TEST


def test_a_deactivated_endpoint_is_refused(seller_api):
    endpoint = WebhookEndpoint.objects.get(pk=create(seller_api).data["id"])
    with transaction.atomic():
        seller_api.post(f"{URL}{endpoint.pk}/test/")
    row = Notification.objects.get()
    endpoint.is_active = False
    endpoint.save(update_fields=["is_active"])

    with pytest.raises(DeliveryError, match="deactivated"):
        WebhookChannel().send(Notification.objects.get(pk=row.pk))
    assert seller_api.post(f"{URL}{endpoint.pk}/test/").status_code == 404


def test_a_row_whose_endpoint_was_deleted_elsewhere_is_refused(seller_api):
    endpoint = WebhookEndpoint.objects.get(pk=create(seller_api).data["id"])
    with transaction.atomic():
        seller_api.post(f"{URL}{endpoint.pk}/test/")
    endpoint.delete()  # the admin, not the API: the row keeps its URL but loses its endpoint

    with pytest.raises(DeliveryError, match="deleted"):
        WebhookChannel().send(Notification.objects.get())


def test_the_test_event_renders_for_the_admin():
    endpoint = WebhookEndpoint.objects.create(
        seller=SellerMembershipFactory().user.seller_membership.seller, url=PUBLIC_URL, secret="s"
    )
    from reship.notifications.outbox import webhook_test_queue

    row = webhook_test_queue(endpoint)
    for language in ("en", "zh-hans"):
        row.language = language
        subject, text, html = render(row)
        assert subject.strip()
        assert text.strip()
        assert html.startswith("<!DOCTYPE html>")
