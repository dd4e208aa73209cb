"""Shared fixtures, and the rule for tests that need a service.

A test marked ``postgres`` or ``redis`` skips (with the reason printed) on a machine without that
service, so the README's test command passes anywhere; under ``CI=true`` the skip becomes a
failure, so CI always runs them.
"""

import os

import pytest
from django.conf import settings
from django.db import connection


def _running_in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def skip_or_fail(reason: str) -> None:
    if _running_in_ci():
        pytest.fail(f"{reason} — CI=true, so this test must run, not skip")
    pytest.skip(reason)


def _redis_answers() -> bool:
    if not settings.REDIS_URL:
        return False
    import redis

    try:
        return bool(redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


@pytest.fixture(autouse=True)
def _english_unless_a_test_asks(settings):
    """Tests assert messages in English unless they switch language on purpose; the site default
    (zh-hans) is checked by the settings tests and by tests that request Chinese explicitly."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _fresh_evaluation_figures(settings):
    """Tests change data and read the figures again at once; the cache has its own tests."""
    settings.RESHIP_EVALUATION_CACHE_SECONDS = 0


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """PBKDF2's million rounds per user would dominate the suite's time; tests need no strength."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
        skip_or_fail("needs PostgreSQL: set DATABASE_URL=postgres://…")
    if item.get_closest_marker("redis") and not _redis_answers():
        skip_or_fail("needs Redis: set REDIS_URL=redis://… to a running server")


@pytest.fixture
def seller_user(db):
    from tests.factories import SellerMembershipFactory

    return SellerMembershipFactory().user


@pytest.fixture
def partner_user(db):
    from tests.factories import PartnerMembershipFactory

    return PartnerMembershipFactory().user


@pytest.fixture(autouse=True)
def _celery_eager_unless_a_real_worker(request):
    """With ``REDIS_URL`` set the Celery app publishes to the real broker, so an on_commit delivery
    in a ``transaction=True`` test would leave a message in the shared queue for whichever worker
    comes along. Tests deliver in-process instead, as the embedded setup does; only tests marked
    ``celery_worker`` (which start their own worker on a Redis database of their own) publish."""
    if request.node.get_closest_marker("celery_worker"):
        yield
        return
    from reship.config.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


@pytest.fixture(autouse=True)
def _carriers_seeded(request):
    """The carrier table is seeded by a migration; a transactional test (live server, real workers)
    ends by flushing every table, so a database test after one finds it empty and seeds it again."""
    uses_db = request.node.get_closest_marker("django_db") is not None or {"db", "transactional_db"} & set(
        request.fixturenames
    )
    if uses_db:
        from orders.models import Carrier

        # Autouse fixtures run before the ``db`` fixture a test names opens the database to it.
        with request.getfixturevalue("django_db_blocker").unblock():
            if not Carrier.objects.exists():
                import importlib

                from django.apps import apps

                importlib.import_module("orders.migrations.0005_ship_to_and_carriers").seed_carriers(apps, None)
