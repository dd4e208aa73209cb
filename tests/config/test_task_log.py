"""The request id across Celery and one log line per task run (``reship.config.task_log``).

Tasks run eagerly in tests (the embedded default): a task published by a request then runs inside
it. The worker's side — the id travelling in the message's header, a task's own publications
inheriting it — is shown by publishing to an in-memory broker and running the message as a worker
does (``celery.worker.request.Request``: the same tracer, signals and request context, in this
process), not by a worker process.
"""

import logging

import pytest
from celery.worker.request import Request
from rest_framework.test import APIClient

from reship.config.celery import app as celery_app
from reship.config.task_log import HEADER
from reship.core.request_context import request_id_bound, request_id_get
from reship.models import Notification
from reship.services.api_keys import api_key_create
from tests import workflow_states
from tests.log_support import logs_captured

QUEUE = "reship-test-request-id"
MEMORY_BROKER = "memory://"


@pytest.fixture
def json_logs():
    with logs_captured("json") as captured:
        yield captured


@celery_app.task(name="tests.request_id_probe", bind=True)
def request_id_probe(self, publish_another: bool, fail: bool = False) -> str:
    """Logs a line, and publishes itself once more (to the memory broker) or fails when asked."""
    logging.getLogger("tests.probe").info("probe ran")
    if fail:
        raise RuntimeError("The probe failed, as asked.")
    if publish_another:
        with celery_app.connection_for_write(MEMORY_BROKER) as connection:
            request_id_probe.apply_async((False,), connection=connection, queue=QUEUE)
    return request_id_get()


@pytest.fixture
def memory_broker():
    """Publishing for real (not eagerly), to this process's memory broker; yields its connection."""
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    with celery_app.connection_for_write(MEMORY_BROKER) as connection:
        queue = connection.SimpleQueue(QUEUE)
        queue.clear()
        yield connection
        queue.clear()
        queue.close()
    celery_app.conf.task_always_eager = before


def next_message(connection):
    queue = connection.SimpleQueue(QUEUE)
    try:
        return queue.get(timeout=2)
    finally:
        queue.close()


def run_as_a_worker(message):
    return Request(message, app=celery_app, hostname="test-worker").execute()


def test_the_request_id_travels_in_the_message_and_what_the_task_publishes_inherits_it(memory_broker, json_logs):
    with request_id_bound("web-req-17"):
        request_id_probe.apply_async((True,), connection=memory_broker, queue=QUEUE)
    message = next_message(memory_broker)
    assert message.headers[HEADER] == "web-req-17"

    assert run_as_a_worker(message) == "web-req-17"  # the id while the task ran

    # Its own log line and the task line carry it; afterwards the worker holds no id.
    [probe_line] = json_logs.of("tests.probe")
    assert probe_line["request_id"] == "web-req-17"
    [task_line] = json_logs.of("reship.task")
    assert {key: task_line[key] for key in ("task_name", "task_id", "state", "request_id", "level")} == {
        "task_name": "tests.request_id_probe",
        "task_id": message.headers["id"],
        "state": "SUCCESS",
        "request_id": "web-req-17",
        "level": "INFO",
    }
    assert isinstance(task_line["duration_ms"], float)
    assert request_id_get() == ""
    # The task it published carries the same id.
    assert next_message(memory_broker).headers[HEADER] == "web-req-17"


def test_a_task_published_outside_a_request_has_no_id(memory_broker, json_logs):
    request_id_probe.apply_async((False,), connection=memory_broker, queue=QUEUE)
    message = next_message(memory_broker)
    assert HEADER not in message.headers

    assert run_as_a_worker(message) == ""
    [task_line] = json_logs.of("reship.task")
    assert (task_line["state"], task_line["request_id"]) == ("SUCCESS", None)


def test_a_forged_id_in_a_message_is_not_taken(memory_broker, json_logs):
    request_id_probe.apply_async((False,), connection=memory_broker, queue=QUEUE, headers={HEADER: "x\ny"})

    assert run_as_a_worker(next_message(memory_broker)) == ""


def test_a_failed_task_logs_its_line_with_the_failure(memory_broker, json_logs):
    with request_id_bound("web-req-18"):
        request_id_probe.apply_async((False, True), connection=memory_broker, queue=QUEUE)

    run_as_a_worker(next_message(memory_broker))

    [task_line] = json_logs.of("reship.task")
    assert (task_line["state"], task_line["request_id"], task_line["level"]) == ("FAILURE", "web-req-18", "INFO")
    # Celery's own error line, with the traceback, names the request too.
    [error] = [line for line in json_logs.of("celery.app.trace") if line["level"] == "ERROR"]
    assert error["request_id"] == "web-req-18"
    assert request_id_get() == ""


@pytest.mark.django_db(transaction=True)
def test_the_deliveries_a_request_queues_log_with_its_request_id(json_logs):
    """A committed change queues its notifications' deliveries inside the request (on commit): run
    eagerly, as here, their tasks run there too; each task's line names the request."""
    parties = workflow_states.make_parties()
    _key, raw = api_key_create(actor=parties.seller, name="erp")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    order_line = parties.order.lines.get(product__sku_code="SKU-A")

    response = api.post(
        "/api/v1/requests/",
        {
            "order": parties.order.pk,
            "reason": "lost_in_transit",
            "description": "Tracking stopped a week ago.",
            "lines": [{"order_line": order_line.pk, "quantity": 1, "resolution": "resend"}],
        },
        format="json",
        HTTP_X_REQUEST_ID="erp-submit-3",
    )

    assert response.status_code == 201, response.content
    task_lines = json_logs.of("reship.task")
    assert {line["task_name"] for line in task_lines} == {"reship.deliver_notification"}
    assert {(line["state"], line["request_id"]) for line in task_lines} == {("SUCCESS", "erp-submit-3")}
    # One task per row it queued (the partner's staff e-mail), and each row keeps the id too.
    emails = Notification.objects.filter(channel="email")
    assert len(task_lines) == emails.count() >= 1
    assert set(emails.values_list("origin_request_id", flat=True)) == {"erp-submit-3"}
    assert json_logs.of("reship.request")[-1]["request_id"] == "erp-submit-3"
