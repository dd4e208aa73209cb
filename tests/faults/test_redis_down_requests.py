"""With Redis gone (nothing listens at the cache's address), sign-in, signed-in pages, the dashboard
and the API still answer: sessions live in the database, the cache falls back to memory and the
throttles keep counting there. The live outage under load is tests/faults/test_redis_outage.py."""

import socket

import pytest
from django.core.cache import cache
from django.urls import reverse
from rest_framework.test import APIClient

from reship.services.api_keys import api_key_create
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db


def _nothing_listens() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


@pytest.fixture(autouse=True)
def _redis_gone(settings):
    """The cache as the settings make it for a REDIS_URL, pointed at a Redis that is not there."""
    settings.CACHES = {
        "default": {
            "BACKEND": "reship.core.cache.FailSoftRedisCache",
            "LOCATION": _nothing_listens(),
            "OPTIONS": {"FALLBACK_SECONDS": 5, "socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    settings.RESHIP_EVALUATION_CACHE_SECONDS = 120
    yield
    cache.clear()


def test_signing_in_and_signed_in_pages_answer(client, seller_user):
    response = client.post(reverse("login"), {"username": seller_user.username, "password": DEFAULT_PASSWORD})

    assert response.status_code == 302
    assert client.get(reverse("seller-home")).status_code == 200
    assert client.get(reverse("account:profile")).status_code == 200
    # The dashboard keeps its figures in the cache: computed, kept in memory, shown.
    assert client.get(reverse("dashboard:index")).status_code == 200
    assert client.get(reverse("dashboard:index")).status_code == 200
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("account:profile")).status_code == 302


def test_the_api_answers_and_still_throttles_from_memory(seller_user, monkeypatch):
    from reship.api.throttling import ApiKeyRateThrottle

    monkeypatch.setattr(ApiKeyRateThrottle, "rate", "3/min", raising=False)
    _key, raw = api_key_create(actor=seller_user, name="erp")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")

    statuses = [client.get("/api/v1/me/").status_code for _ in range(3)]
    fourth = client.get("/api/v1/me/")

    assert statuses == [200, 200, 200]
    assert fourth.status_code == 429
    assert fourth.json()["code"] == "throttled"


def test_a_big_tracking_import_with_the_broker_down_fails_its_job_with_a_message(
    client, settings, django_capture_on_commit_callbacks, monkeypatch, tmp_path
):
    """The upload commits its job, then hands it to Celery: with the broker gone that used to raise
    out of the page (a 500); now the job ends failed, saying so, and the page answers."""
    from kombu.exceptions import OperationalError

    from orders.choices import ImportStatus
    from orders.models import ImportJob
    from reship.services import tasks
    from tests.services.test_tracking_import import csv_file, ready_requests
    from tests.workflow_states import make_parties

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    settings.MEDIA_ROOT = tmp_path
    settings.RESHIP_IMPORT_INLINE_ROWS = 1
    monkeypatch.setattr(tasks.run_tracking_import, "apply_async", broker_down)
    parties = make_parties()
    reship = ready_requests(parties, 1)[0]
    rows = [[reship.number, "", f"SKU-{index}", "ZTO", f"ZTO{index}", ""] for index in (1, 2)]
    client.force_login(parties.partner)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("partner:tracking-import"), {"file": csv_file(rows)})

    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.FAILED
    assert "could not be handed to a worker" in job.error
    assert "could not be handed to a worker" in client.get(response["Location"]).content.decode()
