"""The settings profiles, each loaded in a fresh interpreter with a controlled environment.

Settings are read once, when the module is imported, so changing os.environ inside this process
would test nothing: every case starts ``python`` anew with exactly the variables it names.
"""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SETTINGS_DIR = REPO_ROOT / "reship" / "config" / "settings"
ENV_CALL_WITH_NAME = re.compile(r"\benv_(?:str|bool|int|list)\(\s*\"([A-Z][A-Z0-9_]*)\"")

# Prints the settings under test, and what the Celery app took from them, as one JSON line.
SHOW_SETTINGS = """
import json
from django.conf import settings
from reship.config.celery import app
database = settings.DATABASES["default"]
print(json.dumps({
    "ENGINE": database["ENGINE"],
    "NAME": str(database["NAME"]),
    "USER": database.get("USER"),
    "PASSWORD": database.get("PASSWORD"),
    "HOST": database.get("HOST"),
    "PORT": database.get("PORT"),
    "CELERY_TASK_ALWAYS_EAGER": settings.CELERY_TASK_ALWAYS_EAGER,
    "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
    "celery app task_always_eager": app.conf.task_always_eager,
    "celery app broker_url": app.conf.broker_url,
    "EMAIL_BACKEND": settings.EMAIL_BACKEND,
    "EMAIL_USE_TLS": settings.EMAIL_USE_TLS,
    "LANGUAGE_CODE": settings.LANGUAGE_CODE,
    "TIME_ZONE": settings.TIME_ZONE,
    "USE_TZ": settings.USE_TZ,
    "DEBUG": settings.DEBUG,
    "ALLOWED_HOSTS": settings.ALLOWED_HOSTS,
    "SECURE_SSL_REDIRECT": settings.SECURE_SSL_REDIRECT,
    "SESSION_ENGINE": settings.SESSION_ENGINE,
    "CACHE_BACKEND": settings.CACHES["default"]["BACKEND"],
    "SESSION_COOKIE_NAME": settings.SESSION_COOKIE_NAME,
    "CSRF_COOKIE_NAME": settings.CSRF_COOKIE_NAME,
    "SESSION_COOKIE_SECURE": settings.SESSION_COOKIE_SECURE,
    "CSRF_COOKIE_SECURE": settings.CSRF_COOKIE_SECURE,
    "AXES_HANDLER": settings.AXES_HANDLER,
    "RESHIP_TRUSTED_PROXY_COUNT": settings.RESHIP_TRUSTED_PROXY_COUNT,
}))
"""

PRODUCTION = "reship.config.settings.production"


def environment(settings_module: str = "reship.config.settings.base", **variables: str) -> dict[str, str]:
    """This process's environment less every variable the settings read, plus ``variables``."""
    read = {name for path in SETTINGS_DIR.glob("*.py") for name in ENV_CALL_WITH_NAME.findall(path.read_text())}
    clean = {k: v for k, v in os.environ.items() if k not in read and not k.startswith("CELERY_")}
    return {**clean, "DJANGO_SETTINGS_MODULE": settings_module, **variables}


def run(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(argv, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120)


def load_settings(settings_module: str = "reship.config.settings.base", **variables: str) -> dict:
    result = run([sys.executable, "-c", SHOW_SETTINGS], environment(settings_module, **variables))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def error_line(result: subprocess.CompletedProcess) -> str:
    """The last line of the traceback: the exception and its message, as the operator sees it."""
    return result.stderr.strip().splitlines()[-1]


def production_variables(**overrides: str) -> dict[str, str]:
    variables = {
        "SECRET_KEY": secrets.token_urlsafe(45),  # 60 random characters
        # .invalid never resolves: the deploy check would fail if it connected to the database.
        "DATABASE_URL": "postgres://reship:secret@db.invalid:5432/reship",
        "ALLOWED_HOSTS": "reship.example.com",
        **overrides,
    }
    return {name: value for name, value in variables.items() if value is not None}


# --- Base profile ---------------------------------------------------------------------------------


def test_with_no_variables_it_runs_embedded():
    loaded = load_settings()

    assert loaded["ENGINE"] == "django.db.backends.sqlite3"
    assert loaded["NAME"] == str(REPO_ROOT / "db.sqlite3")
    assert loaded["CELERY_TASK_ALWAYS_EAGER"] is True
    assert loaded["celery app task_always_eager"] is True
    assert loaded["CELERY_BROKER_URL"] == "memory://"
    assert loaded["celery app broker_url"] == "memory://"
    assert loaded["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"
    assert loaded["LANGUAGE_CODE"] == "zh-hans"
    assert loaded["TIME_ZONE"] == "Asia/Shanghai"
    assert loaded["USE_TZ"] is True
    assert loaded["DEBUG"] is True


def test_database_and_redis_urls_switch_to_postgresql_and_a_real_broker():
    loaded = load_settings(DATABASE_URL="postgres://u:p@db:5432/x", REDIS_URL="redis://r:6379/0")

    assert loaded["ENGINE"] == "django.db.backends.postgresql"
    assert (loaded["NAME"], loaded["USER"], loaded["PASSWORD"]) == ("x", "u", "p")
    assert (loaded["HOST"], loaded["PORT"]) == ("db", 5432)
    assert loaded["CELERY_TASK_ALWAYS_EAGER"] is False
    assert loaded["celery app task_always_eager"] is False
    assert loaded["CELERY_BROKER_URL"] == "redis://r:6379/0"
    assert loaded["celery app broker_url"] == "redis://r:6379/0"


def test_with_redis_sessions_stay_in_the_database_and_the_cache_degrades():
    loaded = load_settings(REDIS_URL="redis://r:6379/0")

    # A dead Redis must not fail a signed-in page (cached_db wrote every session to it) nor an API
    # call (the throttle reads the cache): sessions in the database, a cache that falls back.
    assert loaded["SESSION_ENGINE"] == "django.contrib.sessions.backends.db"
    assert loaded["CACHE_BACKEND"] == "reship.core.cache.FailSoftRedisCache"
    # Failed sign-ins are counted in the database, not the cache.
    assert loaded["AXES_HANDLER"] == "reship.accounts.sign_in.SignInAttemptsHandler"


def test_email_host_switches_to_smtp_with_tls():
    loaded = load_settings(EMAIL_HOST="smtp.example.com")

    assert loaded["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert loaded["EMAIL_USE_TLS"] is True


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DEBUG", "maybe", "ValueError: DEBUG='maybe' is not a boolean; use one of"),
        ("CELERY_TASK_ALWAYS_EAGER", "sometimes", "ValueError: CELERY_TASK_ALWAYS_EAGER='sometimes' is not a boolean"),
        ("EMAIL_PORT", "smtp", "ValueError: EMAIL_PORT='smtp' is not an integer"),
    ],
)
def test_a_malformed_value_is_refused_naming_the_variable(name, value, message):
    result = run([sys.executable, "-c", SHOW_SETTINGS], environment(**{name: value}))

    assert result.returncode != 0
    assert error_line(result).startswith(message)


# --- Production profile -----------------------------------------------------------------------------


def test_production_passes_the_deploy_check_with_no_warnings():
    result = run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        environment(PRODUCTION, **production_variables()),
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."


def test_production_defaults_to_no_debug_and_https_only():
    loaded = load_settings(PRODUCTION, **production_variables())

    assert loaded["DEBUG"] is False
    assert loaded["SECURE_SSL_REDIRECT"] is True
    assert loaded["ALLOWED_HOSTS"] == ["reship.example.com"]
    assert loaded["ENGINE"] == "django.db.backends.postgresql"


def test_production_cookies_carry_the_host_prefix():
    loaded = load_settings(PRODUCTION, **production_variables())

    assert loaded["SESSION_COOKIE_NAME"] == "__Host-sessionid"
    assert loaded["CSRF_COOKIE_NAME"] == "__Host-csrftoken"
    assert loaded["SESSION_COOKIE_SECURE"] is True
    assert loaded["CSRF_COOKIE_SECURE"] is True


def test_production_counts_the_client_behind_its_proxy_not_the_proxy():
    # Behind the TLS proxy every request comes from the proxy's address: counted per that address,
    # 20 wrong passwords from anyone would lock sign-in for everyone.
    assert load_settings(PRODUCTION, **production_variables())["RESHIP_TRUSTED_PROXY_COUNT"] == 1
    assert load_settings()["RESHIP_TRUSTED_PROXY_COUNT"] == 0


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"SECRET_KEY": None}, "SECRET_KEY must be set to a random value of at least 50 characters."),
        ({"SECRET_KEY": "too-short"}, "SECRET_KEY must be set to a random value of at least 50 characters."),
        ({"DATABASE_URL": None}, "DATABASE_URL must be set in production (PostgreSQL)."),
        ({"ALLOWED_HOSTS": None}, "ALLOWED_HOSTS must list the host names the site is served on."),
    ],
    ids=["no SECRET_KEY", "short SECRET_KEY", "no DATABASE_URL", "no ALLOWED_HOSTS"],
)
def test_production_refuses_to_start_without_what_it_needs(overrides, message):
    result = run([sys.executable, "manage.py", "check"], environment(PRODUCTION, **production_variables(**overrides)))

    assert result.returncode != 0
    assert error_line(result) == f"django.core.exceptions.ImproperlyConfigured: {message}"
