"""Schemathesis against the running API, as an outside client meets it: the app served by gunicorn
(DEBUG off) over real HTTP, on its own database holding the demo data, called with a seller's and a
partner's real API keys, with every check Schemathesis has (``--checks all``: server errors, status
codes, content types, headers and bodies as documented, schema-violating input rejected and
schema-valid input accepted, unsupported methods, missing headers, ignored authentication,
use-after-free and resource availability), positive and negative data, and all four phases
(the schema's examples, coverage, fuzzing, and the stateful phase following the schema's links).
It must report 0 failures.

Deterministic (``--generation-deterministic``) and bounded: ``SCHEMATHESIS_MAX_EXAMPLES`` cases
per operation and phase (default 5, about two minutes a key on two cores); to dig deeper, run it
with a larger number. The command each run used is printed with its report when it fails.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.live_support import REPO_ROOT, clean_environment, free_port, gunicorn_serve

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "5"))
KEY_HOLDERS = {"seller": "seller1", "partner": "partner1"}
HOOKS = Path(__file__).with_name("schemathesis_hooks.py")  # dates and times in the range the API takes

# The demo's users each get a key for the run, and a second, spare key: revoking keys is part of the API,
# and the revoke operation is given the spare's id, so the run never revokes the key it is signed in with.
MAKE_KEYS = """
import json
from reship.accounts.models import User
from reship.services.api_keys import api_key_create
keys = {}
for side, username in %r.items():
    actor = User.objects.get(username=username)
    _key, raw = api_key_create(actor=actor, name="Schemathesis")
    spare, _raw = api_key_create(actor=actor, name="Schemathesis spare")
    keys[side] = {"key": raw, "spare": spare.pk}
print("KEYS=" + json.dumps(keys))
"""

CONFIG = """\
[generation]
max-examples = {max_examples}
# A NUL character in a JSON string is refused with a 400 naming the field (PostgreSQL cannot store it;
# tests/api test it per field), which the schema does not state as a pattern on every string; the run
# does not send it, rather than report that documented refusal as a schema-valid request rejected.
allow-x00 = false

# Valid data may be refused with 422 too: the API answers 400 when a request breaks the schema and 422
# when a rule no schema can state refuses a well-formed one (an unknown SKU, a line of another order,
# a photo that is not one, an Idempotency-Key reused with another body).
[checks.positive_data_acceptance]
expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "422", "429", "5xx"]

[phases.stateful]
enabled = true

# A cursor is made by the server and read from a page's next and previous links (any other is a 400):
# the run sends none of its own ("" is the first page).
[parameters]
"query.cursor" = ""

[[operations]]
include-path-regex = "/keys/\\\\{{key_id\\\\}}/revoke/$"
parameters = {{ "path.key_id" = {spare} }}
"""


@dataclass(frozen=True)
class LiveApi:
    url: str
    keys: dict[str, dict]
    environment: dict[str, str]
    log: Path


def _drop_database(url: str) -> None:
    if url.startswith(("postgres://", "postgresql://")):
        _postgres(url.rpartition("/")[0], f'DROP DATABASE IF EXISTS "{url.rpartition("/")[2]}" WITH (FORCE)')


def _postgres(server: str, *statements: str) -> None:
    import psycopg2

    connection = psycopg2.connect(f"{server}/postgres")
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
    finally:
        connection.close()


def _database_url(tmp: Path) -> str:
    """A database of the run's own: on PostgreSQL (CI) a fresh database beside the tests' one,
    otherwise an SQLite file."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return f"sqlite:///{tmp / 'schemathesis.sqlite3'}"
    base, _, name = url.rpartition("/")
    # One per pytest-xdist process: each builds its own for the module, and they must not drop
    # each other's.
    name = f"{name.split('?')[0]}_schemathesis{os.environ.get('PYTEST_XDIST_WORKER', '')}"
    _postgres(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
    return f"{base}/{name}"


def _manage(environment: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"manage.py {args[0]} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def live_api(tmp_path_factory) -> Iterator[LiveApi]:
    """gunicorn serving the app with DEBUG off on a database of its own with the demo data; the
    environment has nothing of the test run's settings but what is set here."""
    tmp = tmp_path_factory.mktemp("schemathesis")
    port = free_port()
    environment = clean_environment(
        SECRET_KEY=secrets.token_urlsafe(45),
        DATABASE_URL=_database_url(tmp),
        MEDIA_ROOT=str(tmp / "media"),
        SITE_URL=f"http://127.0.0.1:{port}",
        # Nothing leaves the machine: tasks queue in memory (no worker), e-mail stays in memory.
        CELERY_BROKER_URL="memory://",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        # Thousands of calls in minutes from one key and one address.
        RESHIP_API_RATE="1000000/min",
        RESHIP_API_ANONYMOUS_RATE="1000000/min",
        # Schemathesis sends wrong keys on purpose (ignored_auth): at the real rate its address would
        # be refused even with the right key after ten of them.
        RESHIP_API_BAD_KEY_RATE="1000000/min",
        LOG_LEVEL="WARNING",
    )
    try:
        _manage(environment, "migrate", "--noinput")
        _manage(environment, "load_demo_data")
        output = _manage(environment, "shell", "-c", MAKE_KEYS % KEY_HOLDERS)
        keys = json.loads(output.split("KEYS=", 1)[1].splitlines()[0])
        log = tmp / "gunicorn.log"
        with gunicorn_serve(
            environment, port=port, log_path=log, workers=1, timeout=120, ready_path="/api/schema/"
        ) as server:
            yield LiveApi(url=server.url, keys=keys, environment=environment, log=log)
    finally:
        _drop_database(environment["DATABASE_URL"])


def schemathesis_command(live_api: LiveApi, side: str, config: Path) -> list[str]:
    executable = shutil.which("schemathesis", path=str(Path(sys.executable).parent)) or "schemathesis"
    return [
        executable,
        "--config-file",
        str(config),
        "run",
        f"{live_api.url}/api/schema/",
        "--checks",
        "all",
        "--mode",
        "all",
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--generation-deterministic",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--workers",
        "1",
        "--request-timeout",
        "30",
        "--header",
        f"Authorization: Api-Key {live_api.keys[side]['key']}",
        "--no-color",
    ]


@pytest.mark.parametrize("side", sorted(KEY_HOLDERS))
def test_schemathesis_finds_no_failure_with_every_check(live_api, side, tmp_path):
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG.format(max_examples=MAX_EXAMPLES, spare=live_api.keys[side]["spare"]))
    command = schemathesis_command(live_api, side, config)

    environment = {**live_api.environment, "SCHEMATHESIS_HOOKS": str(HOOKS)}

    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=900, env=environment)

    report = result.stdout + result.stderr
    assert result.returncode == 0, (
        f"Schemathesis found failures as the {side} ({' '.join(command[:-4])} …):\n{report}\n"
        f"--- server log ---\n{live_api.log.read_text()[-5000:]}"
    )
    assert "No operations" not in report
