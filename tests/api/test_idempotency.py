"""``Idempotency-Key`` on a POST that creates an object (``POST /api/v1/webhooks/`` creates a
WebhookEndpoint): replayed for the same key and body (without the signing secret), 422 for another
body, one object from fifty concurrent requests on PostgreSQL, keys scoped per organisation; and
once an attempt has ended, however it ended, a retry with its key replays a committed answer or
runs anew: nothing stays "in progress"."""

import json
import threading
import time

import pytest
from django.db import OperationalError, connection
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
    assert IdempotencyRecord.objects.get().state == IdempotencyRecord.DONE
    # The same answer, except the signing secret: shown once, never kept in the replay record.
    secret = first.json()["secret"]
    assert secret == WebhookEndpoint.objects.get().secret
    assert first.json()["notice"] is None
    assert second.json() == {
        **first.json(),
        "secret": None,
        "notice": "The secret is shown only in the first answer and is not kept for replays; "
        "if it was lost, create a new one and delete this one.",
    }
    assert secret not in json.dumps(IdempotencyRecord.objects.get().response_body)


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
    assert all(body["id"] == created[0]["id"] and body["secret"] is None for body in replayed)
    assert all(body["code"] == "idempotent_request_in_progress" for body in conflicts)
    assert len(created) + len(replayed) + len(conflicts) == count


# --- an attempt that ended without an answer leaves nothing behind --------------------------------------


def failing_once(monkeypatch, target: str, error: Exception) -> list[int]:
    """Make ``target`` raise ``error`` on its first call only; returns the list of calls made."""
    module, name = target.rsplit(".", 1)
    real = getattr(__import__(module, fromlist=[name]), name)
    calls: list[int] = []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise error
        return real(*args, **kwargs)

    monkeypatch.setattr(target, flaky)
    return calls


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (ZeroDivisionError("a bug"), 500),
        (OperationalError("server closed the connection unexpectedly"), 503),
    ],
)
def test_a_first_attempt_that_failed_leaves_no_record_and_the_retry_runs(
    seller_user, settings, monkeypatch, error, status
):
    settings.DEBUG = False
    client = client_with(api_key_for(seller_user))
    client.raise_request_exception = False
    calls = failing_once(monkeypatch, "reship.api.webhooks.webhook_endpoint_create", error)

    failed = post(client, BODY, "after-a-failure")
    assert failed.status_code == status
    assert not IdempotencyRecord.objects.exists()  # no "in progress" row waits for 24 hours
    retry = post(client, BODY, "after-a-failure")

    assert retry.status_code == 201
    assert "Idempotent-Replayed" not in retry
    assert len(calls) == 2
    assert WebhookEndpoint.objects.count() == 1
    assert IdempotencyRecord.objects.get().state == IdempotencyRecord.DONE


def test_the_record_and_the_work_commit_together(seller_user, settings, monkeypatch):
    """The connection is lost while the answer is being recorded: the work goes with the record, so
    the retry creates the endpoint once instead of finding a stuck key or a second endpoint."""
    settings.DEBUG = False
    client = client_with(api_key_for(seller_user))
    client.raise_request_exception = False
    real_save = IdempotencyRecord.save
    saves: list[int] = []

    def save_losing_the_connection_once(record, *args, **kwargs):
        if kwargs.get("update_fields") and not saves:
            saves.append(1)
            raise OperationalError("terminating connection due to administrator command")
        return real_save(record, *args, **kwargs)

    monkeypatch.setattr(IdempotencyRecord, "save", save_losing_the_connection_once)

    lost = post(client, BODY, "lost-at-the-end")
    assert lost.status_code == 503
    assert lost["Retry-After"] == "2"
    assert not WebhookEndpoint.objects.exists()
    assert not IdempotencyRecord.objects.exists()
    retry = post(client, BODY, "lost-at-the-end")
    replay = post(client, BODY, "lost-at-the-end")

    assert retry.status_code == 201
    assert replay["Idempotent-Replayed"] == "true"
    assert WebhookEndpoint.objects.count() == 1


def test_a_record_left_in_progress_by_an_older_version_does_not_block_the_key(seller_user):
    scope = f"seller:{seller_user.seller_membership.seller.pk}"
    IdempotencyRecord.objects.create(scope=scope, key="stuck", method="POST", path=URL, request_hash="x" * 64)
    client = client_with(api_key_for(seller_user))

    response = post(client, BODY, "stuck")

    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response
    assert IdempotencyRecord.objects.get(key="stuck").state == IdempotencyRecord.DONE


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_duplicate_arriving_while_the_first_runs_waits_for_it_then_or_gets_a_409(settings, monkeypatch):
    """On PostgreSQL the duplicate's insert waits for the first attempt's transaction: a short first
    attempt is replayed to it; one longer than RESHIP_IDEMPOTENCY_WAIT_SECONDS gives a 409 with
    Retry-After, and the first attempt still completes once."""
    settings.RESHIP_IDEMPOTENCY_WAIT_SECONDS = 1
    user = SellerMembershipFactory().user
    raw_key = api_key_for(user)
    real = __import__("reship.api.webhooks", fromlist=["webhook_endpoint_create"]).webhook_endpoint_create
    delay = {"seconds": 0.3}

    def slow_create(**kwargs):
        time.sleep(delay["seconds"])
        return real(**kwargs)

    monkeypatch.setattr("reship.api.webhooks.webhook_endpoint_create", slow_create)

    def race(key: str) -> list:
        answers: list = [None, None]

        def first():
            try:
                answers[0] = post(client_with(raw_key), BODY, key)
            finally:
                connection.close()

        thread = threading.Thread(target=first)
        thread.start()
        time.sleep(0.1)
        answers[1] = post(client_with(raw_key), BODY, key)
        thread.join(timeout=30)
        return answers

    first, duplicate = race("short")
    assert (first.status_code, duplicate.status_code) == (201, 201)
    assert duplicate["Idempotent-Replayed"] == "true"
    assert duplicate.json()["id"] == first.json()["id"]

    delay["seconds"] = 2.5
    first, duplicate = race("long")
    assert first.status_code == 201
    assert duplicate.status_code == 409
    assert duplicate["Retry-After"] == "2"
    assert duplicate.json()["code"] == "idempotent_request_in_progress"
    assert post(client_with(raw_key), BODY, "long")["Idempotent-Replayed"] == "true"
    assert WebhookEndpoint.objects.count() == 2


def test_a_replayed_key_creation_says_why_it_shows_no_secret(seller_user):
    client = APIClient()
    client.force_login(seller_user)

    first = client.post("/api/v1/keys/", {"name": "ERP"}, format="json", HTTP_IDEMPOTENCY_KEY="new-key")
    replay = client.post(
        "/api/v1/keys/", {"name": "ERP"}, format="json", HTTP_IDEMPOTENCY_KEY="new-key", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )

    assert first.json()["key"].startswith("rsk_")
    assert first.json()["notice"] is None
    assert replay["Idempotent-Replayed"] == "true"
    assert replay.json() == {
        **first.json(),
        "key": None,
        "notice": "The secret is shown only in the first answer and is not kept for replays; "
        "if it was lost, create a new one and delete this one.",  # in the first answer's language
    }
    assert first.json()["key"] not in json.dumps(IdempotencyRecord.objects.get(key="new-key").response_body)
