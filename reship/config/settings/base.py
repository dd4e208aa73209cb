"""Settings for every environment, read from environment variables.

With no variable set, Reship runs *embedded*: an SQLite file, Celery tasks executed eagerly in the
web process, email written to the console. ``DATABASE_URL`` and ``REDIS_URL`` switch it to
PostgreSQL and a real broker with a Celery worker. ``.env.example`` lists every variable read here.
"""

from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from reship.config.settings.env import env_bool, env_int, env_list, env_str
from reship.config.settings.logs import logging_setting
from reship.config.settings.storage import default_storage_setting

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
    # Failed sign-ins counted per account and per address, in the database (RESHIP_LOGIN_* below).
    "axes",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    # Swagger UI served by the app itself (no CDN).
    "drf_spectacular_sidecar",
    # django-csp's system checks (settings in the 4.x format) and its {% script %} nonce tag.
    "csp",
    "reship.accounts",
    "suppliers",
    "orders",
    "reship",
]

# Prometheus' per-request and per-query figures (reship.config.request_metrics); RESHIP_METRICS=false
# leaves out that middleware and its query counter (and their cost per request and per query).
RESHIP_METRICS = env_bool("RESHIP_METRICS", default=True)
MIDDLEWARE = [
    # Answers /healthz, /readyz and /metrics before everything else (reship.config.health).
    "reship.config.health.OpsEndpointsMiddleware",
    # The request id (X-Request-ID) and one log line per request (reship.config.request_log).
    "reship.config.request_log.RequestLogMiddleware",
    *(["reship.config.request_metrics.RequestMetricsMiddleware"] if RESHIP_METRICS else []),
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Turns CommonMiddleware's missing-slash redirect under /api/ into a JSON 308.
    "reship.config.middleware.ApiSlashRedirectMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "reship.config.middleware.UserTimeZoneMiddleware",
    # A query or form field holding NUL (%00) is a 400, before any view hands it to PostgreSQL.
    "reship.config.middleware.NullCharacterRefusalMiddleware",
    # A page asked with a method it does not take answers a page saying so (not an empty 405).
    "reship.config.middleware.MethodNotAllowedPageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Turns a sign-in that axes refused into the lockout page (reship.web.views.account.login_locked_out).
    "axes.middleware.AxesMiddleware",
    # The Content-Security-Policy header (CONTENT_SECURITY_POLICY below) and where its reports go.
    "reship.config.csp.ContentSecurityPolicyMiddleware",
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
    # Health checks: a kept connection the server dropped (restart, pg_terminate_backend) is
    # replaced before a request uses it, instead of failing that request.
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60), conn_health_checks=True)
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
# First the sign-in throttle (it refuses a locked-out account or address before any password is
# checked), then the session's user with its organisation joined in the same query (see the backends).
AUTHENTICATION_BACKENDS = [
    "reship.accounts.backends.SignInThrottleBackend",
    "reship.accounts.backends.OrganisationModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Sign-in throttling (django-axes) and password-reset e-mails ----------------------------
# Failed sign-ins are counted in the database (axes' database handler: no Redis needed), per account
# and per address: RESHIP_LOGIN_FAILURES_PER_ACCOUNT wrong passwords for one username, or
# RESHIP_LOGIN_FAILURES_PER_ADDRESS for any usernames from one address (higher: an office shares
# one), lock sign-in for RESHIP_LOGIN_COOLOFF_MINUTES after the last failure. The lockout page says
# until when; an admin unlocks by deleting the attempts in the admin (Axes › Access attempts).
RESHIP_LOGIN_FAILURES_PER_ACCOUNT = env_int("RESHIP_LOGIN_FAILURES_PER_ACCOUNT", 5)
RESHIP_LOGIN_FAILURES_PER_ADDRESS = env_int("RESHIP_LOGIN_FAILURES_PER_ADDRESS", 20)
RESHIP_LOGIN_COOLOFF_MINUTES = env_int("RESHIP_LOGIN_COOLOFF_MINUTES", 15)
AXES_HANDLER = "reship.accounts.sign_in.SignInAttemptsHandler"
AXES_FAILURE_LIMIT = RESHIP_LOGIN_FAILURES_PER_ACCOUNT
AXES_LOCKOUT_PARAMETERS = [["username"], ["ip_address"]]
AXES_COOLOFF_TIME = timedelta(minutes=RESHIP_LOGIN_COOLOFF_MINUTES)
# Tries made while locked out are not counted: the time the page names stays true, and a guesser
# cannot push a locked account's release further away.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "reship.web.views.account.login_locked_out"
AXES_CLIENT_IP_CALLABLE = "reship.core.client_ip.client_ip"
# Successful sign-ins are not logged: that table would grow with every sign-in and nothing purges it.
AXES_DISABLE_ACCESS_LOG = True
# Only the attempts are shown in the admin, by reship.accounts.admin (with its unlock action); axes'
# own admin would also list the success and failure logs, which are not kept.
AXES_ENABLE_ADMIN = False
# Proxies of ours in front of the app that append to X-Forwarded-For (0: none, use the peer's
# address); the client address for every per-address limit (reship.core.client_ip).
RESHIP_TRUSTED_PROXY_COUNT = env_int("RESHIP_TRUSTED_PROXY_COUNT", 0)
# Password-reset e-mails: at most this many per address and per e-mail address within the window;
# beyond, the page answers as always but sends nothing (it never says whether an account exists).
RESHIP_PASSWORD_RESET_PER_ADDRESS = env_int("RESHIP_PASSWORD_RESET_PER_ADDRESS", 5)
RESHIP_PASSWORD_RESET_PER_ACCOUNT = env_int("RESHIP_PASSWORD_RESET_PER_ACCOUNT", 3)
RESHIP_PASSWORD_RESET_WINDOW_MINUTES = env_int("RESHIP_PASSWORD_RESET_WINDOW_MINUTES", 60)

# --- Language and time ----------------------------------------------------------------------
LANGUAGE_CODE = env_str("LANGUAGE_CODE", "zh-hans")
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
# One date format in both languages, Django's own displays (the admin) included: Y-m-d H:i.
FORMAT_MODULE_PATH = ["reship.config.formats"]
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files (served by the app itself: no CDN) --------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "var" / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
# Uploaded and generated files: this folder, or an S3-compatible bucket when STORAGE_URL or
# AWS_STORAGE_BUCKET_NAME is set (reship.config.settings.storage); static files stay with WhiteNoise.
STORAGES = {
    "default": default_storage_setting(
        url=env_str("STORAGE_URL"),
        bucket=env_str("AWS_STORAGE_BUCKET_NAME"),
        endpoint_url=env_str("AWS_S3_ENDPOINT_URL"),
        region=env_str("AWS_S3_REGION_NAME"),
        addressing_style=env_str("AWS_S3_ADDRESSING_STYLE"),
        location=env_str("AWS_LOCATION"),
        access_key=env_str("AWS_ACCESS_KEY_ID"),
        secret_key=env_str("AWS_SECRET_ACCESS_KEY"),
        # Read back past this, a stored file is spooled to disk (FILE_UPLOAD_MAX_MEMORY_SIZE below).
        spool_bytes=2 * 1024 * 1024,
    ),
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
# Beat runs singly: the production profile's `celery -A reship beat` uses celery-redbeat's scheduler
# (CELERY_BEAT_SCHEDULER in production.py), which keeps the schedule and its last runs in the broker's
# Redis and sends only while it holds the lock below. A second beat (started by mistake, or the new
# one of a rolling deploy) waits for the lock, asking every RESHIP_BEAT_MAX_INTERVAL_SECONDS, and sends
# nothing; it takes over within that when the first stops (which releases the lock), or within
# RESHIP_BEAT_LOCK_TIMEOUT_SECONDS when the first dies (the holder renews the lock at every tick,
# at least every RESHIP_BEAT_MAX_INTERVAL_SECONDS). The embedded default has no beat
# (`manage.py run_periodic`) and reads none of this.
CELERY_BEAT_MAX_LOOP_INTERVAL = env_int("RESHIP_BEAT_MAX_INTERVAL_SECONDS", 10)
CELERY_REDBEAT_REDIS_URL = CELERY_BROKER_URL
CELERY_REDBEAT_KEY_PREFIX = "reship:beat:"
CELERY_REDBEAT_LOCK_KEY = "reship:beat:lock"
CELERY_REDBEAT_LOCK_TIMEOUT = env_int("RESHIP_BEAT_LOCK_TIMEOUT_SECONDS", 60)
# Its own Redis client's options (redbeat would otherwise fall back to the broker's transport options,
# with a warning): seconds to connect and to answer, and a Redis that blips is asked again for up to
# one lock timeout (past that the lock may be another beat's: this one stops, and restarted it waits).
CELERY_REDBEAT_REDIS_OPTIONS = {
    "socket_connect_timeout": 5,
    "socket_timeout": 5,
    "retry_period": CELERY_REDBEAT_LOCK_TIMEOUT,
}
# A lock timeout not well above the max interval could lapse between two renewals and let a waiting
# beat send beside the first.
if CELERY_REDBEAT_LOCK_TIMEOUT < 3 * CELERY_BEAT_MAX_LOOP_INTERVAL:
    raise ImproperlyConfigured(
        "RESHIP_BEAT_LOCK_TIMEOUT_SECONDS must be at least three times RESHIP_BEAT_MAX_INTERVAL_SECONDS."
    )

# --- REST framework -------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "reship.api.auth.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # IsAuthenticated that counts the refused anonymous calls per address first (429 past the rate).
    "DEFAULT_PERMISSION_CLASSES": ["reship.api.auth.IsAuthenticatedThrottled"],
    # drf-spectacular's, describing operations by what they are given for API users (reship.api.schema).
    "DEFAULT_SCHEMA_CLASS": "reship.api.schema.ReshipAutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # Signed-in callers per key or user by the throttle; callers with no credentials and callers
    # with a wrong API key per address, before they are refused (reship.api.throttling).
    "DEFAULT_THROTTLE_CLASSES": ["reship.api.throttling.ApiKeyRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "api_key": env_str("RESHIP_API_RATE", "1200/min"),
        "anonymous": env_str("RESHIP_API_ANONYMOUS_RATE", "60/min"),
        "bad_api_key": env_str("RESHIP_API_BAD_KEY_RATE", "10/min"),
    },
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
    # ApiKeyAuth is defined once, by reship.api.schema's extension of the authentication class.
    # The hook adds the links between operations and the errors every operation can answer.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "reship.api.schema.schema_postprocess",
    ],
    # One name per choice set, however many serializers use it.
    "ENUM_NAME_OVERRIDES": {
        "RequestStatusEnum": "reship.choices.RequestStatus",
        "LineStatusEnum": "reship.choices.LineStatus",
        "QuoteStatusEnum": "reship.choices.QuoteStatus",
        "RestockStatusEnum": "reship.choices.RestockStatus",
        "OrderStatusEnum": "orders.choices.OrderStatus",
        "CompensationMethodEnum": "reship.choices.CompensationMethod",
        "CostBearerEnum": "reship.choices.CostBearer",
        "StatementStatusEnum": "reship.choices.StatementStatus",
        "StatementKindEnum": "reship.choices.StatementKind",
        "StatementSideEnum": "reship.choices.StatementSide",
        "PaymentMethodEnum": "reship.choices.PaymentMethod",
    },
}
# Responses to POSTs with an Idempotency-Key are kept at least this long.
RESHIP_IDEMPOTENCY_HOURS = env_int("RESHIP_IDEMPOTENCY_HOURS", 24)
# A retry that arrives while the first attempt with its key still runs waits this long for it to end
# (then replays its answer) before a 409 with Retry-After (PostgreSQL; SQLite runs them in turn).
RESHIP_IDEMPOTENCY_WAIT_SECONDS = env_int("RESHIP_IDEMPOTENCY_WAIT_SECONDS", 5)
# Throttles and the dashboard's figures count in the cache: shared through Redis when there is one,
# per process otherwise. A Redis that does not answer costs sharing, never a 500: the cache falls
# back to this process's memory and tries Redis again after RESHIP_CACHE_FALLBACK_SECONDS
# (reship.core.cache, which says why not django-redis); its timeouts bound what a hung Redis costs.
RESHIP_CACHE_TIMEOUT_SECONDS = float(env_str("RESHIP_CACHE_TIMEOUT_SECONDS", "0.5"))
CACHES = {
    "default": {
        "BACKEND": "reship.core.cache.FailSoftRedisCache",
        "LOCATION": REDIS_URL,
        "OPTIONS": {
            "FALLBACK_SECONDS": env_int("RESHIP_CACHE_FALLBACK_SECONDS", 5),
            "socket_connect_timeout": RESHIP_CACHE_TIMEOUT_SECONDS,
            "socket_timeout": RESHIP_CACHE_TIMEOUT_SECONDS,
        },
    }
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

# Sessions live in the database only: a signed-in page must not need Redis (with cached_db, every
# session write to a dead Redis was a 500), and a session must end everywhere when it is deleted.
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# --- Content-Security-Policy (django-csp) -----------------------------------------------------
# Every page loads scripts, styles, images and fonts from this site only, with no inline script,
# style or event handler (they live in static/js and static/css), and cannot be framed; forms post
# here only. Chromium sends violations to report-to (Reporting-Endpoints, set by the middleware),
# other browsers to report-uri; reship.web.views.csp logs them. The API docs pages add what their
# third-party UIs need on those two pages only (reship.config.api_docs).
CSP_REPORT_PATH = "/csp-report/"
CSP_REPORT_GROUP = "csp-endpoint"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "report-uri": [CSP_REPORT_PATH],
        "report-to": CSP_REPORT_GROUP,
    },
}

# --- Logging (reship.config.settings.logs) ----------------------------------------------------
# Plain lines for a person at a terminal here; the production profile writes JSON by default. Every
# line names the request (or task) it belongs to; each request and each task run writes one line.
LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
LOG_FORMAT = env_str("LOG_FORMAT", "text")
LOGGING = logging_setting(log_format=LOG_FORMAT, level=LOG_LEVEL)

# --- Health and metrics (reship.config.health, reship.config.metrics) ------------------------
# /metrics answers these addresses or networks (asked directly, not through a proxy), or a request
# with "Authorization: Bearer <RESHIP_METRICS_TOKEN>"; anyone else gets a 404.
RESHIP_METRICS_ALLOWED_IPS = env_list("RESHIP_METRICS_ALLOWED_IPS", ["127.0.0.1", "::1"])
RESHIP_METRICS_TOKEN = env_str("RESHIP_METRICS_TOKEN")
# The window of the "delivered recently" figure.
RESHIP_METRICS_WINDOW_SECONDS = env_int("RESHIP_METRICS_WINDOW_SECONDS", 3600)
# /readyz keeps a passed migrations check and storage check this long; Redis gets this timeout.
RESHIP_READYZ_CACHE_SECONDS = env_int("RESHIP_READYZ_CACHE_SECONDS", 10)
RESHIP_READYZ_TIMEOUT_SECONDS = float(env_str("RESHIP_READYZ_TIMEOUT_SECONDS", "1"))

# --- Reship ---------------------------------------------------------------------------------
# Hours the seller has for each of its own stages (answering a question, info update, customer
# contact, closing); the partner's review and fulfilment SLAs are set per partner.
RESHIP_SELLER_STAGE_HOURS = env_int("RESHIP_SELLER_STAGE_HOURS", 24)
# How long the source's restock link and the customer's survey link stay valid.
RESHIP_RESTOCK_LINK_DAYS = env_int("RESHIP_RESTOCK_LINK_DAYS", 14)
RESHIP_SURVEY_LINK_DAYS = env_int("RESHIP_SURVEY_LINK_DAYS", 30)
# The customer's tracking page stays open until this many days after the request ended.
RESHIP_FOLLOW_LINK_DAYS = env_int("RESHIP_FOLLOW_LINK_DAYS", 30)
# The shop's after-sale page (售后自助): order lookups per visitor address and per order number per hour.
RESHIP_REPORT_LOOKUPS_PER_ADDRESS = env_int("RESHIP_REPORT_LOOKUPS_PER_ADDRESS", 10)
RESHIP_REPORT_LOOKUPS_PER_ORDER = env_int("RESHIP_REPORT_LOOKUPS_PER_ORDER", 5)
RESHIP_REPORT_MAX_PHOTOS = env_int("RESHIP_REPORT_MAX_PHOTOS", 6)
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
# Each run queues every row due (in chunks), so after a broker outage one run drains the backlog.
RESHIP_NOTIFY_SWEEP_INTERVAL_SECONDS = env_int("RESHIP_NOTIFY_SWEEP_INTERVAL_SECONDS", 10)
RESHIP_DEADLINE_CHECK_INTERVAL_SECONDS = env_int("RESHIP_DEADLINE_CHECK_INTERVAL_SECONDS", 300)
# A delivery leases its row for this long while it sends (no lock, no transaction held); a row whose
# worker was killed mid-send is sent again once the lease has passed. Longer than the delivery
# tasks' hard time limit (below), so a send still running is never claimed twice.
RESHIP_NOTIFY_LEASE_SECONDS = env_int("RESHIP_NOTIFY_LEASE_SECONDS", 90)
# A worker's delivery task sends its own row and, in the same claim, up to this many rows in all
# that are due (not webhooks): one claim, one mail server connection for the lot; 1 turns it off.
RESHIP_NOTIFY_BATCH_SIZE = env_int("RESHIP_NOTIFY_BATCH_SIZE", 50)
# One webhook delivery's whole exchange (connect, send, the answer), however slowly it trickles.
RESHIP_WEBHOOK_TIMEOUT_SECONDS = env_int("RESHIP_WEBHOOK_TIMEOUT_SECONDS", 5)
# At most this many sends in flight to one endpoint: a receiver that hangs holds no more workers.
RESHIP_WEBHOOK_MAX_IN_FLIGHT = env_int("RESHIP_WEBHOOK_MAX_IN_FLIGHT", 2)
# A webhook whose endpoint is at its limit is queued again after this many seconds.
RESHIP_WEBHOOK_BUSY_RETRY_SECONDS = env_int("RESHIP_WEBHOOK_BUSY_RETRY_SECONDS", 2)
# Webhooks have their own queue, so a receiver that hangs never delays an email; workers must
# consume it too (docker-compose.yml runs one worker for it).
RESHIP_WEBHOOK_QUEUE = env_str("RESHIP_WEBHOOK_QUEUE", "webhooks")
CELERY_TASK_ROUTES = {"reship.deliver_webhook": {"queue": RESHIP_WEBHOOK_QUEUE}}
# An endpoint keeps failing after this many failed sends in a row (any of its rows, each attempt):
# its organisation is told in its inbox, once until a send goes through, and the admin's health
# page lists it.
RESHIP_WEBHOOK_FAILING_AFTER = env_int("RESHIP_WEBHOOK_FAILING_AFTER", 10)
# SMTP gives up after this many seconds per operation (Django's backend reads it; its own default
# waits forever), and a notification's whole SMTP exchange is cut at the same deadline, however
# slowly the server trickles (reship.notifications.channels).
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
# Every task has a soft time limit (raises in the task, which records a failure) and a hard one (the
# pool process is killed and replaced); the deliveries' are shorter, inside their lease.
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 600)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 660)
_DELIVERY_LIMITS = {
    "soft_time_limit": max(RESHIP_NOTIFY_LEASE_SECONDS - 30, 1),
    "time_limit": max(RESHIP_NOTIFY_LEASE_SECONDS - 15, 2),
}
# A batch starts no new send after half its soft time limit (one send more fits in the rest); the
# rows not reached are handed back.
RESHIP_NOTIFY_BATCH_SECONDS = _DELIVERY_LIMITS["soft_time_limit"] / 2
CELERY_TASK_ANNOTATIONS = {
    "reship.deliver_notification": _DELIVERY_LIMITS,
    "reship.deliver_webhook": _DELIVERY_LIMITS,
    "reship.sweep_notifications": {"soft_time_limit": 60, "time_limit": 90},
}
# Sends SMS and IM messages: a class with send(*, channel, to, text). The default only logs them.
RESHIP_MESSAGING_BACKEND = env_str("RESHIP_MESSAGING_BACKEND", "reship.notifications.channels.LoggingMessagingBackend")
# Where reship parcels are (reship.services.tracking_providers): a class with
# statuses(parcels) -> reports, by dotted path; empty turns polling off. The shipped
# reship.services.tracking_providers.FileTrackingProvider reads RESHIP_TRACKING_FILE (JSON or CSV).
RESHIP_TRACKING_PROVIDER = env_str("RESHIP_TRACKING_PROVIDER", "")
RESHIP_TRACKING_FILE = env_str("RESHIP_TRACKING_FILE", "")
RESHIP_TRACKING_INTERVAL_SECONDS = env_int("RESHIP_TRACKING_INTERVAL_SECONDS", 900)
RESHIP_TRACKING_BATCH = env_int("RESHIP_TRACKING_BATCH", 100)  # parcels per call to the provider
RESHIP_TRACKING_MAX_BATCHES = env_int("RESHIP_TRACKING_MAX_BATCHES", 20)  # calls per round at most
RESHIP_TRACKING_DAYS = env_int("RESHIP_TRACKING_DAYS", 60)  # parcels shipped longer ago are not asked about
# How often due customer surveys are sent (after delivery + the seller's delay).
RESHIP_SURVEY_CHECK_INTERVAL_SECONDS = env_int("RESHIP_SURVEY_CHECK_INTERVAL_SECONDS", 60)
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
# How often beat catches the evaluation's rollups up (the figures also catch up before they read).
RESHIP_ROLLUP_INTERVAL_SECONDS = env_int("RESHIP_ROLLUP_INTERVAL_SECONDS", 60)
# Each beat message expires after one interval: a worker that was down does not find a backlog of
# them (one sweep queues everything due anyway).
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
    # Imports whose worker was killed (hard time limit, OOM, lost connection) end FAILED, not RUNNING for ever.
    "orders-sweep-import-jobs": {
        "task": "orders.sweep_import_jobs",
        "schedule": 300.0,
        "options": {"expires": 300.0},
    },
    # The evaluation's per-day rollups, rebuilt for the seller-days that changed (with a margin
    # for late commits the figures' own catch-up does not look back for).
    "reship-refresh-evaluation-rollups": {
        "task": "reship.refresh_evaluation_rollups",
        "schedule": float(RESHIP_ROLLUP_INTERVAL_SECONDS),
        "options": {"expires": float(RESHIP_ROLLUP_INTERVAL_SECONDS)},
    },
    # Customers' surveys due (after delivery + the seller's delay), each sent once.
    "reship-send-due-surveys": {
        "task": "reship.send_due_surveys",
        "schedule": float(RESHIP_SURVEY_CHECK_INTERVAL_SECONDS),
        "options": {"expires": float(RESHIP_SURVEY_CHECK_INTERVAL_SECONDS)},
    },
    # Where the reship parcels are, from the tracking provider (a no-op when none is set).
    "reship-poll-tracking-provider": {
        "task": "reship.poll_tracking_provider",
        "schedule": float(RESHIP_TRACKING_INTERVAL_SECONDS),
        "options": {"expires": float(RESHIP_TRACKING_INTERVAL_SECONDS)},
    },
    # Idempotency records past RESHIP_IDEMPOTENCY_HOURS, hourly: otherwise the table only grows.
    "reship-purge-idempotency-records": {
        "task": "reship.purge_idempotency_records",
        "schedule": 3600.0,
        "options": {"expires": 3600.0},
    },
    # Files kept for a form's correction and never used, past RESHIP_PENDING_UPLOAD_HOURS, hourly.
    "reship-purge-pending-uploads": {
        "task": "reship.purge_pending_uploads",
        "schedule": 3600.0,
        "options": {"expires": 3600.0},
    },
    # Statements (对账单) of the periods that ended, drawn up and (on the pair's terms) issued; hourly,
    # so within the hour after each cut-off (midnight). Safe to run twice.
    "reship-issue-due-statements": {
        "task": "reship.issue_due_statements",
        "schedule": 3600.0,
        "options": {"expires": 3600.0},
    },
}

# --- Uploads --------------------------------------------------------------------------------
# Evidence photos and thread attachments: the largest file accepted, and how many per request.
RESHIP_UPLOAD_MAX_BYTES = env_int("RESHIP_UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
RESHIP_EVIDENCE_MAX_FILES = env_int("RESHIP_EVIDENCE_MAX_FILES", 10)
# Files chosen on a form that failed are kept this long for its correction (reship.services.pending_uploads).
RESHIP_PENDING_UPLOAD_HOURS = env_int("RESHIP_PENDING_UPLOAD_HOURS", 24)
# Order and tracking imports (CSV/XLSX): the largest file, the most data rows, the longest row
# in characters (longer is almost always an unclosed quotation mark), and up to how many rows an
# import runs inside the web request; a larger one runs in a Celery task with a progress bar.
RESHIP_IMPORT_MAX_BYTES = env_int("RESHIP_IMPORT_MAX_BYTES", 50 * 1024 * 1024)
RESHIP_IMPORT_MAX_ROWS = env_int("RESHIP_IMPORT_MAX_ROWS", 200_000)
RESHIP_IMPORT_MAX_ROW_CHARS = env_int("RESHIP_IMPORT_MAX_ROW_CHARS", 5000)
RESHIP_IMPORT_INLINE_ROWS = env_int("RESHIP_IMPORT_INLINE_ROWS", 2000)
# What a sheet may hold, checked before it is parsed (reship/core/xlsx_guard.py): columns; for an
# XLSX, the distinct texts (openpyxl loads them all), the unpacked size of one part and of all,
# how much a large part may unpack to per packed byte (zip bombs: deflate reaches 1000), the parts.
RESHIP_IMPORT_MAX_COLUMNS = env_int("RESHIP_IMPORT_MAX_COLUMNS", 256)
RESHIP_IMPORT_MAX_SHARED_STRINGS = env_int("RESHIP_IMPORT_MAX_SHARED_STRINGS", 1_000_000)
RESHIP_IMPORT_MAX_PART_BYTES = env_int("RESHIP_IMPORT_MAX_PART_BYTES", 300 * 1024 * 1024)
RESHIP_IMPORT_MAX_UNPACKED_BYTES = env_int("RESHIP_IMPORT_MAX_UNPACKED_BYTES", 500 * 1024 * 1024)
RESHIP_IMPORT_MAX_RATIO = env_int("RESHIP_IMPORT_MAX_RATIO", 100)
RESHIP_IMPORT_MAX_PARTS = env_int("RESHIP_IMPORT_MAX_PARTS", 500)
# Reading and running one import may take this much memory more than its process holds (an
# RLIMIT_AS for the while, reship/core/resources.py) and, in a worker, this long: the job then ends
# failed with a message (soft limit), and the worker child is killed a minute later (hard limit).
RESHIP_IMPORT_MEMORY_BYTES = env_int("RESHIP_IMPORT_MEMORY_BYTES", 1024 * 1024 * 1024)
RESHIP_IMPORT_TIME_LIMIT_SECONDS = env_int("RESHIP_IMPORT_TIME_LIMIT_SECONDS", 30 * 60)
# The admin's health page lists an import queued (since handed to a worker) or running (since it
# started) for more than this many minutes as stuck.
RESHIP_IMPORT_STUCK_MINUTES = env_int("RESHIP_IMPORT_STUCK_MINUTES", 30)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- Pages ----------------------------------------------------------------------------------
# How often an open page asks the server for its unread inbox count, in seconds.
RESHIP_INBOX_POLL_SECONDS = env_int("RESHIP_INBOX_POLL_SECONDS", 30)
# Seconds the dashboard's and the evaluation API's figures are kept for the same filter (0: off).
RESHIP_EVALUATION_CACHE_SECONDS = env_int("RESHIP_EVALUATION_CACHE_SECONDS", 120)
# The figures' sums from the per-day rollups (reship.evaluation.rollup; PostgreSQL only, built by
# `manage.py rebuild_rollups`, kept up by beat and caught up before each read). Off here, so the
# development and test default computes from the requests; on in production.
RESHIP_EVALUATION_ROLLUPS = env_bool("RESHIP_EVALUATION_ROLLUPS", default=False)
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
