"""Beat runs singly: the production profile's beat is celery-redbeat's, on the broker's Redis with a
lock, and the embedded default does not change. Each case loads the settings in a fresh interpreter
(``tests/config/test_settings.py``'s helpers); two beats contending for the lock for real are
``tests/multinode/``'s."""

import json
import sys

from tests.config.test_compose import command, service
from tests.config.test_settings import PRODUCTION, environment, error_line, production_variables, run

# What the Celery app and redbeat's own configuration read, as one JSON line. Deprecation warnings
# are errors: redbeat warns when it falls back to the broker's URL or transport options because it
# did not find its own settings.
SHOW_BEAT = """
import json
from reship.config.celery import app
from redbeat.schedulers import RedBeatConfig
conf = RedBeatConfig(app)
print(json.dumps({
    "scheduler": app.conf.beat_scheduler,
    "max_loop_interval": app.conf.beat_max_loop_interval,
    "redis_url": conf.redis_url,
    "lock_key": conf.lock_key,
    "lock_timeout": conf.lock_timeout,
    "options": conf.redbeat_redis_options,
    "own_options": bool(conf.is_key_in_conf("redbeat_redis_options")),
}))
"""


def beat_settings(settings_module: str, **variables: str) -> dict:
    result = run(
        [sys.executable, "-W", "error::DeprecationWarning", "-c", SHOW_BEAT], environment(settings_module, **variables)
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_beat_uses_redbeat_with_a_lock_on_the_brokers_redis():
    loaded = beat_settings(PRODUCTION, **production_variables(REDIS_URL="redis://redis:6379/0"))

    assert loaded == {
        "scheduler": "redbeat.RedBeatScheduler",
        "max_loop_interval": 10,
        "redis_url": "redis://redis:6379/0",
        "lock_key": "reship:beat:lock",
        "lock_timeout": 60,
        "options": {"socket_connect_timeout": 5, "socket_timeout": 5, "retry_period": 60},
        "own_options": True,
    }


def test_the_lock_timings_come_from_the_environment():
    loaded = beat_settings(
        PRODUCTION,
        **production_variables(
            REDIS_URL="redis://redis:6379/0",
            RESHIP_BEAT_MAX_INTERVAL_SECONDS="5",
            RESHIP_BEAT_LOCK_TIMEOUT_SECONDS="30",
        ),
    )

    assert (loaded["max_loop_interval"], loaded["lock_timeout"], loaded["options"]["retry_period"]) == (5, 30, 30)


def test_a_lock_timeout_that_could_lapse_between_renewals_is_refused():
    variables = production_variables(RESHIP_BEAT_MAX_INTERVAL_SECONDS="10", RESHIP_BEAT_LOCK_TIMEOUT_SECONDS="20")
    result = run([sys.executable, "manage.py", "check"], environment(PRODUCTION, **variables))

    assert result.returncode != 0
    assert error_line(result) == (
        "django.core.exceptions.ImproperlyConfigured: "
        "RESHIP_BEAT_LOCK_TIMEOUT_SECONDS must be at least three times RESHIP_BEAT_MAX_INTERVAL_SECONDS."
    )


def test_the_embedded_default_keeps_celerys_own_scheduler():
    # `make run` runs no beat (manage.py run_periodic, no broker); a beat started on the base
    # profile keeps Celery's file-based scheduler and needs no Redis for it.
    assert beat_settings("reship.config.settings.base")["scheduler"] == "celery.beat:PersistentScheduler"


def test_compose_beat_runs_the_production_profile_with_its_scheduler():
    argv = command("beat")

    assert service("beat")["environment"]["DJANGO_SETTINGS_MODULE"] == PRODUCTION
    # No scheduler or schedule file of its own on the command line: the profile's redbeat applies.
    assert not {"-S", "--scheduler", "-s", "--schedule"} & set(argv), argv
    assert not [arg for arg in argv if arg.startswith(("--scheduler=", "--schedule="))], argv
