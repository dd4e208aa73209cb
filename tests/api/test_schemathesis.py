"""Schemathesis against the live schema: every operation of ``/api/schema/``, called in-process
(WSGI) with generated input, as a seller's and as a partner's API key over the demo data, must
answer without a server error, with a status code, content type and body its schema documents.

Small and derandomized so it runs in ``make test`` in well under three minutes; to dig deeper, run
it with ``SCHEMATHESIS_MAX_EXAMPLES=200``.
"""

import os
from collections.abc import Iterator

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from reship.accounts.models import User
from reship.dev.demo import demo_data_load
from reship.services.api_keys import api_key_create

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "10"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def demo_api_keys(django_db_setup, django_db_blocker) -> Iterator[dict[str, str]]:
    """The demo data, and an API key for its first seller and its first partner: loaded once for
    the module (the demo goes through the workflow and takes seconds) and rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        demo_data_load()
        keys = {}
        for username in ("seller1", "partner1"):
            _key, raw = api_key_create(actor=User.objects.get(username=username), name="Schemathesis")
            keys[username] = f"Api-Key {raw}"
        yield keys
        transaction.set_rollback(True)


@pytest.fixture
def api_keys(demo_api_keys, db, settings_overrides) -> dict[str, str]:
    return demo_api_keys


@pytest.fixture
def keep_the_test_connection():
    """The raw WSGI app closes the database connection after each request, as a server should; in
    a test that would close the connection holding the test's transaction (Django's test client
    avoids it the same way)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def settings_overrides(settings, monkeypatch, keep_the_test_connection):
    """No throttling in the way of a few hundred quick calls; no real email."""
    from reship.api.throttling import ApiKeyRateThrottle

    monkeypatch.setattr(ApiKeyRateThrottle, "THROTTLE_RATES", {"api_key": "100000/min"})
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def _live_schema():
    """The schema the app serves, fetched from it in-process. At collection time: the schema view
    reads no database. (``schemathesis.pytest.from_fixture`` would defer this, but it breaks on
    pytest 9: it sets ``Function._nodeid``, which pytest no longer has.)"""
    from reship.config.wsgi import application

    config = schemathesis.Config.from_dict(
        {
            "seed": 20300518,
            "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
            "phases": {"stateful": {"enabled": False}},
        }
    )
    return schemathesis.openapi.from_wsgi("/api/schema/?format=json", application, config=config)


schema = _live_schema()


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_conforms_to_its_schema(case, api_keys):
    for authorization in api_keys.values():
        case.call_and_validate(headers={"Authorization": authorization}, checks=CHECKS)
