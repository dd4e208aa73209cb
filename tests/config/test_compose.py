"""docker-compose.yml, the Dockerfile and .env.example, checked against the code they run.

Nothing here needs Docker: each file is parsed, and what it names (the Celery app, the WSGI
application, the environment variables, the healthcheck, the build's collectstatic) is imported or
run from this checkout.
"""

import http.client
import importlib
import json
import os
import re
import secrets
import shlex
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import pytest
import yaml
from celery import Celery
from celery.app.utils import find_app

REPO_ROOT = Path(__file__).resolve().parents[2]
SETTINGS_DIR = REPO_ROOT / "reship" / "config" / "settings"
APP_SERVICES = ["web", "worker", "beat"]
ENV_CALL = re.compile(r"\benv_(?:str|bool|int|list)\(")
ENV_CALL_WITH_NAME = re.compile(r"\benv_(?:str|bool|int|list)\(\s*\"([A-Z][A-Z0-9_]*)\"")
ENV_EXAMPLE_LINE = re.compile(r"^(#\s?)?([A-Z][A-Z0-9_]*)=(.*)$")
INTERPOLATION = re.compile(r"\$\{([A-Z_][A-Z0-9_]*)(?:(:?[-?])([^}]*))?\}")


# --- Reading the files ------------------------------------------------------------------------


def compose() -> dict:
    return yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())


def service(name: str) -> dict:
    return compose()["services"][name]


def command(name: str) -> list[str]:
    value = service(name)["command"]
    return shlex.split(value) if isinstance(value, str) else list(value)


def option_value(argv: list[str], *names: str) -> str:
    for index, arg in enumerate(argv):
        if arg in names:
            return argv[index + 1]
        for name in names:
            if name.startswith("--") and arg.startswith(f"{name}="):
                return arg.split("=", 1)[1]
    raise AssertionError(f"none of {names} in {argv}")


def web_bind_port() -> int:
    return int(option_value(command("web"), "--bind", "-b").rpartition(":")[2])


def web_wsgi_path() -> str:
    argv = command("web")
    assert argv[0] == "gunicorn", argv
    return argv[1]


def settings_variables() -> set[str]:
    return {name for path in SETTINGS_DIR.glob("*.py") for name in ENV_CALL_WITH_NAME.findall(path.read_text())}


def env_example() -> tuple[dict[str, str], set[str]]:
    """The variables set in .env.example, and every variable it names (set or commented out)."""
    assigned: dict[str, str] = {}
    named: set[str] = set()
    for line in (REPO_ROOT / ".env.example").read_text().splitlines():
        match = ENV_EXAMPLE_LINE.match(line)
        if match:
            commented, name, value = match.groups()
            named.add(name)
            if not commented:
                assigned[name] = value
    return assigned, named


def compose_interpolated_variables() -> set[str]:
    return {name for name, _, _ in INTERPOLATION.findall((REPO_ROOT / "docker-compose.yml").read_text())}


def interpolate(value: str, variables: dict[str, str]) -> str:
    """Compose's ${NAME}, ${NAME:-default} and ${NAME:?error}, from ``variables`` (its .env)."""

    def substitute(match: re.Match) -> str:
        name, operator, argument = match.groups()
        if name in variables and (variables[name] or not (operator or "").startswith(":")):
            return variables[name]
        if operator and operator.endswith("?"):
            raise AssertionError(f"compose would refuse to start: {argument}")
        return argument or ""

    return INTERPOLATION.sub(substitute, value)


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined and comments dropped."""
    lines = [line for line in (REPO_ROOT / "Dockerfile").read_text().splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    instructions = []
    for line in joined.splitlines():
        if line.strip():
            keyword, _, arguments = line.strip().partition(" ")
            instructions.append((keyword.upper(), arguments.strip()))
    return instructions


def clean_environment(**variables: str) -> dict[str, str]:
    """This process's environment without anything the settings read (CI sets DATABASE_URL...)."""
    read = settings_variables() | {"DJANGO_SETTINGS_MODULE"}
    environment = {k: v for k, v in os.environ.items() if k not in read and not k.startswith("CELERY_")}
    environment.update(variables)
    return environment


def manage(*args: str, environment: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


# --- Services ---------------------------------------------------------------------------------


def test_compose_runs_web_worker_beat_db_and_redis():
    assert {"web", "worker", "beat", "db", "redis"} <= set(compose()["services"])


@pytest.mark.parametrize("name", ["worker", "beat"])
def test_celery_service_names_an_app_that_resolves_to_a_celery_instance(name):
    argv = command(name)
    assert argv[0] == "celery"
    assert name in argv, f"{name} service does not run `celery ... {name}`: {argv}"

    # The Celery CLI resolves -A with this very function (module, then its app/celery attribute).
    app = find_app(option_value(argv, "-A", "--app"))

    assert isinstance(app, Celery)
    assert app.main == "reship"


def test_web_serves_a_wsgi_application_that_imports():
    module_name, _, attribute = web_wsgi_path().partition(":")

    application = getattr(importlib.import_module(module_name), attribute)

    assert callable(application)


def test_migrations_run_before_web_worker_and_beat_start():
    migrate = command("migrate")

    assert migrate[:3] == ["python", "manage.py", "migrate"]
    assert service("migrate")["depends_on"]["db"]["condition"] == "service_healthy"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_service_waits_for_healthy_db_and_redis_and_migrations(name):
    depends_on = service(name)["depends_on"]

    assert depends_on["db"]["condition"] == "service_healthy"
    assert depends_on["redis"]["condition"] == "service_healthy"
    assert depends_on["migrate"]["condition"] == "service_completed_successfully"


@pytest.mark.parametrize("name", ["db", "redis", "web"])
def test_service_has_a_healthcheck(name):
    healthcheck = service(name)["healthcheck"]

    assert healthcheck["test"][0] == "CMD"
    assert not healthcheck.get("disable", False)


def test_db_healthcheck_asks_for_the_user_and_database_compose_creates():
    db = service("db")
    argv = db["healthcheck"]["test"][1:]

    assert argv[0] == "pg_isready"
    assert option_value(argv, "-U") == db["environment"]["POSTGRES_USER"]
    assert option_value(argv, "-d") == db["environment"]["POSTGRES_DB"]


def test_redis_healthcheck_pings():
    assert service("redis")["healthcheck"]["test"][1:] == ["redis-cli", "ping"]


def test_database_is_kept_in_a_declared_named_volume():
    mounts = dict(reversed(volume.split(":")[:2]) for volume in service("db")["volumes"])

    assert mounts["/var/lib/postgresql/data"] in compose()["volumes"]


def test_every_named_volume_a_service_mounts_is_declared():
    declared = set(compose()["volumes"])
    for name, definition in compose()["services"].items():
        for volume in definition.get("volumes", []):
            source = volume.split(":")[0]
            if not source.startswith((".", "/")):
                assert source in declared, f"{name} mounts undeclared volume {source}"


# --- Environment --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_service_reads_env_file_and_points_at_the_compose_database_and_broker(name):
    definition = service(name)
    env_file = definition["env_file"]
    environment = definition["environment"]
    example, _ = env_example()
    db = service("db")["environment"]

    database = urllib.parse.urlsplit(interpolate(environment["DATABASE_URL"], example))
    redis = urllib.parse.urlsplit(interpolate(environment["REDIS_URL"], example))

    assert ".env" in ([env_file] if isinstance(env_file, str) else env_file)
    assert environment["DJANGO_SETTINGS_MODULE"] == "reship.config.settings.production"
    assert (database.scheme, database.hostname, database.port) == ("postgres", "db", 5432)
    assert database.username == db["POSTGRES_USER"]
    assert database.password == interpolate(db["POSTGRES_PASSWORD"], example)
    assert database.path == f"/{db['POSTGRES_DB']}"
    assert (redis.scheme, redis.hostname, redis.port) == ("redis", "redis", 6379)


def test_settings_read_the_environment_only_through_the_env_helpers_naming_each_variable():
    for path in SETTINGS_DIR.glob("*.py"):
        source = path.read_text()
        if path.name != "env.py":
            assert "os.environ" not in source, f"{path.name} reads os.environ directly"
            assert "getenv" not in source, f"{path.name} reads os.getenv directly"
        calls = len(ENV_CALL.findall(source)) - len(re.findall(r"\bdef env_\w+\(", source))
        assert calls == len(ENV_CALL_WITH_NAME.findall(source)), f"{path.name}: an env_*() call without a literal name"


def test_every_variable_the_settings_read_is_in_env_example():
    _, named = env_example()

    assert settings_variables() - named == set()


def test_every_variable_in_env_example_is_read_by_the_settings_or_compose():
    _, named = env_example()

    assert named - settings_variables() - compose_interpolated_variables() == set()


def test_every_variable_compose_reads_from_env_is_set_in_env_example():
    example, _ = env_example()

    assert compose_interpolated_variables() - set(example) == set()


def test_env_example_secret_key_is_a_placeholder_production_refuses():
    example, _ = env_example()
    environment = {k: interpolate(v, example) for k, v in service("web")["environment"].items()}

    result = manage("check", environment=clean_environment(**example, **environment))

    assert result.returncode != 0
    assert result.stderr.strip().splitlines()[-1].startswith("django.core.exceptions.ImproperlyConfigured: SECRET_KEY")


def test_env_example_with_a_real_secret_key_passes_the_deploy_check():
    example, _ = env_example()
    environment = {k: interpolate(v, example) for k, v in service("web")["environment"].items()}
    example["SECRET_KEY"] = secrets.token_urlsafe(45)

    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", environment=clean_environment(**example, **environment)
    )

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


# --- The web healthcheck, run against gunicorn under the production settings -----------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"gunicorn exited with {server.returncode}:\n{log.read_text()}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    pytest.fail(f"gunicorn did not listen on {port} within 30 s:\n{log.read_text()}")


def test_web_healthcheck_gets_ok_from_readyz_under_the_production_settings(tmp_path):
    argv = service("web")["healthcheck"]["test"][1:]
    assert argv[:2] == ["python", "-c"]
    code = argv[2]
    address = f"127.0.0.1:{web_bind_port()}"
    assert address in code, "the healthcheck does not ask the port web binds"
    assert '"/readyz"' in code
    port = free_port()
    environment = clean_environment(
        DJANGO_SETTINGS_MODULE=service("web")["environment"]["DJANGO_SETTINGS_MODULE"],
        SECRET_KEY=secrets.token_urlsafe(45),
        # /readyz reads the database and its migrations; an SQLite file stands in for PostgreSQL.
        DATABASE_URL=f"sqlite:///{tmp_path / 'health.sqlite3'}",
        ALLOWED_HOSTS="reship.example.com",
    )
    migrated = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=REPO_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert migrated.returncode == 0, migrated.stderr
    # The web service's gunicorn config (its workers' metrics summed through this folder).
    environment["PROMETHEUS_MULTIPROC_DIR"] = str(tmp_path / "prometheus")
    config = option_value(command("web"), "--config", "-c")
    log = tmp_path / "gunicorn.log"
    with log.open("w") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", web_wsgi_path(), "--bind", f"127.0.0.1:{port}", "--workers", "2"]
            + ["--config", config],
            cwd=REPO_ROOT,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for_port(port, server, log)

        check = subprocess.run(
            [sys.executable, "-c", code.replace(address, f"127.0.0.1:{port}")],
            env=environment,
            capture_output=True,
            text=True,
            timeout=30,
        )
        metrics = http.client.HTTPConnection(f"127.0.0.1:{port}", timeout=30)
        metrics.request("GET", "/metrics")
        scraped = metrics.getresponse()
        page = scraped.read().decode()
    finally:
        server.terminate()
        server.wait(timeout=30)

    assert check.returncode == 0, f"{check.stderr}\n{log.read_text()}"
    # From loopback, summed over the workers' files (the request counters are there once a worker served).
    assert scraped.status == 200, page
    assert "reship_notification_oldest_pending_age_seconds" in page
    assert list((tmp_path / "prometheus").glob("*.db")), "no worker wrote its metrics to the folder"


# --- Dockerfile ---------------------------------------------------------------------------------


def test_dockerfile_cmd_serves_the_web_service_wsgi_application_on_its_port():
    instructions = dockerfile_instructions()
    cmd = json.loads(next(arguments for keyword, arguments in instructions if keyword == "CMD"))
    exposed = [arguments for keyword, arguments in instructions if keyword == "EXPOSE"]

    assert cmd[:2] == ["gunicorn", web_wsgi_path()]
    assert option_value(cmd, "--bind", "-b") == f"0.0.0.0:{web_bind_port()}"
    assert exposed == [str(web_bind_port())]


def test_dockerfile_runs_as_a_user_other_than_root():
    users = [arguments for keyword, arguments in dockerfile_instructions() if keyword == "USER"]

    assert users
    assert users[-1].split(":")[0] not in {"root", "0"}


def test_dockerfile_collectstatic_writes_the_manifest_the_production_storage_serves_from(tmp_path):
    run = next(
        arguments
        for keyword, arguments in dockerfile_instructions()
        if keyword == "RUN" and "collectstatic" in arguments
    )
    tokens = shlex.split(run)
    assignments = {}
    while re.match(r"^[A-Z_][A-Z0-9_]*=", tokens[0]):
        name, _, value = tokens.pop(0).partition("=")
        assignments[name] = value
    assert tokens[:3] == ["python", "manage.py", "collectstatic"]
    assert assignments["DJANGO_SETTINGS_MODULE"] == service("web")["environment"]["DJANGO_SETTINGS_MODULE"]
    static_root = tmp_path / "static"

    result = manage(*tokens[2:], environment=clean_environment(**assignments, STATIC_ROOT=str(static_root)))

    assert result.returncode == 0, result.stderr
    manifest = json.loads((static_root / "staticfiles.json").read_text())
    ours = {
        path.relative_to(REPO_ROOT / "static").as_posix()
        for path in (REPO_ROOT / "static").rglob("*")
        if path.is_file()
    }
    assert ours
    assert ours <= set(manifest["paths"])


def test_dockerignore_keeps_secrets_and_local_state_out_and_the_app_in():
    patterns = {
        line.strip()
        for line in (REPO_ROOT / ".dockerignore").read_text().splitlines()
        if line.strip()[:1] not in {"", "#"}
    }

    assert {".env", ".git", ".venv", "db.sqlite3", "var"} <= patterns
    needed = {"reship", "orders", "suppliers", "templates", "static", "locale", "manage.py", "pyproject.toml"}
    assert not patterns & (needed | {"README.md", "requirements"})
