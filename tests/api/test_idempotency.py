"""``Idempotency-Key`` on a POST that creates an object (``POST /api/v1/webhooks/`` creates a
WebhookEndpoint): replayed for the same key and body, 422 for another body, one object from fifty
concurrent requests on PostgreSQL, and keys scoped per organisation."""

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from reship.models import IdempotencyRecord, WebhookEndpoint
from reship.services.api_keys import api_key_create
from tests.factories import SellerMembershipFactory

URL = "/api/v1/webhooks/"
BODY = {"url": "https://hooks.example.com/reship", "events": ["request_approved"]}


def api_key_for(user) -> str:
    return api_key_create(actor=user, name="Our ERP")[1]


def client_with(raw_key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw_key}")
    return client


def post(client: APIClient, body: dict, key: str):
    return client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


@pytest.mark.django_db
def test_the_same_key_and_body_create_one_object_and_replay_the_first_answer(seller_user):
    client = client_with(api_key_for(seller_user))

    first = post(client, BODY, "order-7-webhook")
    second = post(client, BODY, "order-7-webhook")

    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first
    assert WebhookEndpoint.objects.count() == 1
    assert second.status_code == 201
    assert second["Idempotent-Replayed"] == "true"
    assert second.json() == first.json()  # the secret too: the caller may have lost the first answer
    assert IdempotencyRecord.objects.get().state == IdempotencyRecord.DONE


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_a_422_and_creates_nothing(seller_user):
    client = client_with(api_key_for(seller_user))
    post(client, BODY, "k-1")

    response = post(client, {**BODY, "events": []}, "k-1")

    assert response.status_code == 422
    assert response.json() == {
        "code": "idempotency_key_reused",
        "message": "This Idempotency-Key was used with a different request.",
        "field_errors": {},
    }
    assert WebhookEndpoint.objects.count() == 1


@pytest.mark.django_db
def test_an_error_answer_is_replayed_too(seller_user):
    client = client_with(api_key_for(seller_user))

    first = post(client, {**BODY, "events": ["no_such_event"]}, "k-bad")
    second = post(client, {**BODY, "events": ["no_such_event"]}, "k-bad")

    assert (first.status_code, second.status_code) == (400, 400)
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.django_db
def test_keys_are_scoped_per_organisation(seller_user):
    ours = client_with(api_key_for(seller_user))
    other_user = SellerMembershipFactory().user
    theirs = client_with(api_key_for(other_user))

    mine = post(ours, BODY, "shared-key")
    other = post(theirs, BODY, "shared-key")

    assert (mine.status_code, other.status_code) == (201, 201)
    assert "Idempotent-Replayed" not in other
    assert mine.json()["id"] != other.json()["id"]
    assert WebhookEndpoint.objects.filter(seller=seller_user.seller_membership.seller).count() == 1
    assert WebhookEndpoint.objects.filter(seller=other_user.seller_membership.seller).count() == 1
    # A second key of the same organisation shares its scope.
    again = post(client_with(api_key_for(seller_user)), BODY, "shared-key")
    assert again["Idempotent-Replayed"] == "true"
    assert WebhookEndpoint.objects.count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_requests_with_one_key_create_exactly_one_object():
    user = SellerMembershipFactory().user
    raw_key = api_key_for(user)
    count = 50
    barrier = threading.Barrier(count)
    results: list[tuple[int, dict, bool]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def one_request():
        try:
            client = client_with(raw_key)
            barrier.wait(timeout=30)
            response = post(client, BODY, "the-one-key")
            with lock:
                results.append((response.status_code, response.json(), response.has_header("Idempotent-Replayed")))
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            with lock:
                errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=one_request) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert len(results) == count
    assert WebhookEndpoint.objects.count() == 1
    endpoint = WebhookEndpoint.objects.get()
    statuses = sorted({status for status, _body, _replayed in results})
    assert set(statuses) <= {201, 409}, statuses
    created = [body for status, body, replayed in results if status == 201 and not replayed]
    replayed = [body for status, body, replayed in results if status == 201 and replayed]
    conflicts = [body for status, body, _replayed in results if status == 409]
    assert len(created) == 1
    assert created[0]["id"] == endpoint.pk
    assert all(body == created[0] for body in replayed)
    assert all(body["code"] == "idempotent_request_in_progress" for body in conflicts)
    assert len(created) + len(replayed) + len(conflicts) == count
