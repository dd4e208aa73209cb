"""Settings for every environment, read from environment variables.

With no variable set, Reship runs *embedded*: an SQLite file, Celery tasks executed eagerly in the
web process, email written to the console. ``DATABASE_URL`` and ``REDIS_URL`` switch it to
PostgreSQL and a real broker with a Celery worker. ``.env.example`` lists every variable read here.
"""

from pathlib import Path
from typing import Any

import dj_database_url
from django.utils.translation import gettext_lazy as _

from reship.config.settings.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parents[3]

# The embedded default key is for a developer's machine only; production.py refuses it.
INSECURE_DEFAULT_SECRET_KEY = "django-insecure-reship-embedded-default-do-not-use-in-production"
SECRET_KEY = env_str("SECRET_KEY", INSECURE_DEFAULT_SECRET_KEY)
DEBUG = env_bool("DEBUG", default=True)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    # Swagger UI and ReDoc served by the app itself (no CDN).
    "drf_spectacular_sidecar",
    "reship.accounts",
    "suppliers",
    "orders",
    "reship",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "reship.config.middleware.UserTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "reship.config.urls"
WSGI_APPLICATION = "reship.config.wsgi.application"
ASGI_APPLICATION = "reship.config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "reship.config.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
SQLITE_PATH = Path(env_str("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")))
DATABASE_URL = env_str("DATABASE_URL")
DATABASES: dict[str, Any] = {  # each alias: dj_database_url's DBConfig or the SQLite dict below
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))
    if DATABASE_URL
    else {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": SQLITE_PATH,
        # IMMEDIATE takes the write lock when a transaction starts: SQLite has no row locks, so
        # this is what serialises two workflow calls (or two delivery workers) in the embedded mode.
        "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
    }
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASE_URL.startswith(("postgres://", "postgresql://")):
    # PostgreSQL's JIT compiles a big aggregate before running it: on the dashboard's queries that
    # costs more than it saves (1.13 s → 0.35 s for one at the benchmark's full scale with it off).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# The session's user comes with its organisation joined in the same query (see the backend).
AUTHENTICATION_BACKENDS = ["reship.accounts.backends.OrganisationModelBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Language and time ----------------------------------------------------------------------
LANGUAGE_CODE = env_str("LANGUAGE_CODE", "zh-hans")
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files (served by the app itself: no CDN) --------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "var" / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Outside production, whitenoise serves straight from the source folders (no collectstatic needed).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# --- Email ----------------------------------------------------------------------------------
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=bool(EMAIL_HOST))
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(BASE_DIR / "var" / "mail"))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Reship <noreply@reship.localhost>")
SERVER_EMAIL = env_str("SERVER_EMAIL", DEFAULT_FROM_EMAIL)

# --- Celery and Redis -----------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = None
# Embedded: with no broker, tasks run in-process at once so nothing needs a worker.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=not (REDIS_URL or env_str("CELERY_BROKER_URL")))
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BEAT_SCHEDULE: dict[str, dict] = {}

# --- REST framework -------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "reship.api.auth.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_THROTTLE_CLASSES": ["reship.api.throttling.ApiKeyRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api_key": env_str("RESHIP_API_RATE", "1200/min")},
    "EXCEPTION_HANDLER": "reship.api.errors.api_exception_handler",
    # JSON only, also for errors: the browsable API answered HTML under /api/ to a browser's Accept.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # DRF's own parsers with a size limit, and a nesting limit for JSON (reship.api.parsers).
    "DEFAULT_PARSER_CLASSES": [
        "reship.api.parsers.BoundedJSONParser",
        "reship.api.parsers.BoundedFormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Reship API",
    "DESCRIPTION": "Reship requests (补单) for sellers' and dropship partners' own systems.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "APPEND_COMPONENTS": {
        "securitySchemes": {"ApiKeyAuth": {"type": "apiKey", "in": "header", "name": "Authorization"}}
    },
    "SECURITY": [{"ApiKeyAuth": []}],
    # One name per choice set, however many serializers use it.
    "ENUM_NAME_OVERRIDES": {
        "RequestStatusEnum": "reship.choices.RequestStatus",
        "LineStatusEnum": "reship.choices.LineStatus",
        "QuoteStatusEnum": "reship.choices.QuoteStatus",
        "RestockStatusEnum": "reship.choices.RestockStatus",
        "OrderStatusEnum": "orders.choices.OrderStatus",
        "CompensationMethodEnum": "reship.choices.CompensationMethod",
    },
}
# Responses to POSTs with an Idempotency-Key are kept at least this long.
RESHIP_IDEMPOTENCY_HOURS = env_int("RESHIP_IDEMPOTENCY_HOURS", 24)
# Throttles count in the cache: shared through Redis when there is one, per process otherwise.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

# Sessions are read from the cache (Redis when there is one) and written through to the database:
# no session query on a page view, and a cache flush only costs a database read.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

# --- Reship ---------------------------------------------------------------------------------
# Hours the seller has for each of its own stages (answering a question, info update, customer
# contact, closing); the partner's review and fulfilment SLAs are set per partner.
RESHIP_SELLER_STAGE_HOURS = env_int("RESHIP_SELLER_STAGE_HOURS", 24)
# Text customers an SMS beside the email when the order has a phone number.
RESHIP_CUSTOMER_SMS = env_bool("RESHIP_CUSTOMER_SMS", default=True)
# How long the source's restock link and the customer's survey link stay valid.
RESHIP_RESTOCK_LINK_DAYS = env_int("RESHIP_RESTOCK_LINK_DAYS", 14)
RESHIP_SURVEY_LINK_DAYS = env_int("RESHIP_SURVEY_LINK_DAYS", 30)
# The site's public address, for links in emails (no trailing slash).
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

# --- Notifications --------------------------------------------------------------------------
# A failed delivery is retried after base * 2**(attempts - 1) seconds, at most the cap; after
# the last attempt the row is marked failed, for an admin to retry.
RESHIP_NOTIFY_RETRY_BASE_SECONDS = env_int("RESHIP_NOTIFY_RETRY_BASE_SECONDS", 30)
RESHIP_NOTIFY_RETRY_CAP_SECONDS = env_int("RESHIP_NOTIFY_RETRY_CAP_SECONDS", 3600)
RESHIP_NOTIFY_MAX_ATTEMPTS = env_int("RESHIP_NOTIFY_MAX_ATTEMPTS", 6)
# The sweeper re-queues pending rows this long past due; younger ones are left to their own task.
RESHIP_NOTIFY_SWEEP_AFTER_SECONDS = env_int("RESHIP_NOTIFY_SWEEP_AFTER_SECONDS", 60)
RESHIP_NOTIFY_SWEEP_INTERVAL_SECONDS = env_int("RESHIP_NOTIFY_SWEEP_INTERVAL_SECONDS", 60)
RESHIP_DEADLINE_CHECK_INTERVAL_SECONDS = env_int("RESHIP_DEADLINE_CHECK_INTERVAL_SECONDS", 300)
RESHIP_WEBHOOK_TIMEOUT_SECONDS = env_int("RESHIP_WEBHOOK_TIMEOUT_SECONDS", 5)
# SMTP gives up after this many seconds; Django's default waits forever, and a delivery holds its
# row lock and a database transaction while it sends.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
# Sends SMS and IM messages: a class with send(*, channel, to, text). The default only logs them.
RESHIP_MESSAGING_BACKEND = env_str("RESHIP_MESSAGING_BACKEND", "reship.notifications.channels.LoggingMessagingBackend")
# A dead broker must not hang the web request that commits a change: queueing gives up after
# about this many seconds (the rows stay pending; the sweeper queues them later). For Redis, kombu
# uses CELERY_BROKER_CONNECTION_TIMEOUT only as the reconnect budget (it retries every 2 s until the
# budget is spent), so the socket timeouts are set too: without them a broker that accepts the
# connection but never answers blocks the request forever.
RESHIP_BROKER_TIMEOUT_SECONDS = env_int("RESHIP_BROKER_TIMEOUT_SECONDS", 2)
CELERY_BROKER_CONNECTION_TIMEOUT = RESHIP_BROKER_TIMEOUT_SECONDS
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,
    "socket_connect_timeout": RESHIP_BROKER_TIMEOUT_SECONDS,
    "socket_timeout": RESHIP_BROKER_TIMEOUT_SECONDS,
}
# Each beat message expires after one interval: a worker that was down does not find a backlog.
CELERY_BEAT_SCHEDULE = {
    **CELERY_BEAT_SCHEDULE,
    "reship-sweep-notifications": {
        "task": "reship.sweep_notifications",
        "schedule": float(RESHIP_NOTIFY_SWEEP_INTERVAL_SECONDS),
        "options": {"expires": float(RESHIP_NOTIFY_SWEEP_INTERVAL_SECONDS)},
    },
    "reship-check-deadlines": {
        "task": "reship.check_deadlines",
        "schedule": float(RESHIP_DEADLINE_CHECK_INTERVAL_SECONDS),
        "options": {"expires": float(RESHIP_DEADLINE_CHECK_INTERVAL_SECONDS)},
    },
    # Idempotency records past RESHIP_IDEMPOTENCY_HOURS, hourly: otherwise the table only grows.
    "reship-purge-idempotency-records": {
        "task": "reship.purge_idempotency_records",
        "schedule": 3600.0,
        "options": {"expires": 3600.0},
    },
}

# --- Uploads --------------------------------------------------------------------------------
# Evidence photos and thread attachments: the largest file accepted, and how many per request.
RESHIP_UPLOAD_MAX_BYTES = env_int("RESHIP_UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
RESHIP_EVIDENCE_MAX_FILES = env_int("RESHIP_EVIDENCE_MAX_FILES", 10)
# Order and tracking imports (CSV/XLSX): the largest file, the most data rows, the longest row
# in characters (longer is almost always an unclosed quotation mark), and up to how many rows an
# import runs inside the web request; a larger one runs in a Celery task with a progress bar.
RESHIP_IMPORT_MAX_BYTES = env_int("RESHIP_IMPORT_MAX_BYTES", 50 * 1024 * 1024)
RESHIP_IMPORT_MAX_ROWS = env_int("RESHIP_IMPORT_MAX_ROWS", 200_000)
RESHIP_IMPORT_MAX_ROW_CHARS = env_int("RESHIP_IMPORT_MAX_ROW_CHARS", 5000)
RESHIP_IMPORT_INLINE_ROWS = env_int("RESHIP_IMPORT_INLINE_ROWS", 2000)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- Pages ----------------------------------------------------------------------------------
# How often an open page asks the server for its unread inbox count, in seconds.
RESHIP_INBOX_POLL_SECONDS = env_int("RESHIP_INBOX_POLL_SECONDS", 30)
# Seconds the dashboard's and the evaluation API's figures are kept for the same filter (0: off).
RESHIP_EVALUATION_CACHE_SECONDS = env_int("RESHIP_EVALUATION_CACHE_SECONDS", 120)
# Let webhooks go to local or private addresses (development, tests with a local receiver). Off:
# a partner's URL that points inside the network is refused (server-side request forgery).
RESHIP_WEBHOOK_ALLOW_PRIVATE = env_bool("RESHIP_WEBHOOK_ALLOW_PRIVATE", default=False)

# --- Benchmark (bench/, `make bench`) ----------------------------------------------------------
# The floor the benchmark compares every page with: /bench/floor/ answers one primary-key query as
# small JSON, served by the same stack. And a response header, X-Reship-Queries, with the number of
# SQL statements the request ran. Both off (a 404, no header) unless the bench runner turns them on.
RESHIP_BENCH_FLOOR = env_bool("RESHIP_BENCH_FLOOR", default=False)
RESHIP_BENCH_QUERY_HEADER = env_bool("RESHIP_BENCH_QUERY_HEADER", default=False)
if RESHIP_BENCH_QUERY_HEADER:
    # First, so the session and user lookups of the other middleware are counted too.
    MIDDLEWARE = ["reship.dev.middleware.QueryCountHeaderMiddleware", *MIDDLEWARE]
