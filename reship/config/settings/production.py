"""Production profile: everything from ``base``, hardened so ``manage.py check --deploy`` is clean.

It refuses to start without a real ``SECRET_KEY``, a ``DATABASE_URL`` and ``ALLOWED_HOSTS`` — a
production server silently running on SQLite or the embedded key would be worse than not starting.
"""

from django.core.exceptions import ImproperlyConfigured

from reship.config.settings.base import *  # noqa: F403
from reship.config.settings.base import INSECURE_DEFAULT_SECRET_KEY, LOG_LEVEL, SECRET_KEY, STORAGES
from reship.config.settings.env import env_bool, env_int, env_list, env_str
from reship.config.settings.logs import logging_setting

if SECRET_KEY == INSECURE_DEFAULT_SECRET_KEY or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be set to a random value of at least 50 characters.")
if not env_str("DATABASE_URL"):
    raise ImproperlyConfigured("DATABASE_URL must be set in production (PostgreSQL).")

DEBUG = env_bool("DEBUG", default=False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must list the host names the site is served on.")

# Behind a TLS-terminating proxy that sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# ...and appends the client's address to X-Forwarded-For: without this every sign-in failure and
# throttled API call would be counted against the proxy's one address (reship.core.client_ip).
RESHIP_TRUSTED_PROXY_COUNT = env_int("RESHIP_TRUSTED_PROXY_COUNT", 1)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# The __Host- prefix makes the browser refuse these cookies unless they are Secure, for path / and
# without a Domain: a sibling subdomain or a plain-HTTP page cannot plant or overwrite them. Pages
# read the CSRF token from the template ({% csrf_token %}, hx-headers), never from the cookie.
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"
SESSION_COOKIE_DOMAIN = None
CSRF_COOKIE_DOMAIN = None
SESSION_COOKIE_PATH = "/"
CSRF_COOKIE_PATH = "/"
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# One JSON object a line for the log collector (reship.config.settings.logs); LOG_FORMAT=text for plain lines.
LOG_FORMAT = env_str("LOG_FORMAT", "json")
LOGGING = logging_setting(log_format=LOG_FORMAT, level=LOG_LEVEL)

# The dashboard's and the evaluation API's sums from the per-day rollups (see base).
RESHIP_EVALUATION_ROLLUPS = env_bool("RESHIP_EVALUATION_ROLLUPS", default=True)

WHITENOISE_USE_FINDERS = False
WHITENOISE_AUTOREFRESH = False
STORAGES = {
    # The folder on one machine; the object store (STORAGE_URL, AWS_*) once there are several nodes.
    "default": STORAGES["default"],
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# One beat sends, however many are started: celery-redbeat's scheduler holds a lock in the broker's
# Redis (the settings and their reasons: base, "Beat runs singly").
CELERY_BEAT_SCHEDULER = "redbeat.RedBeatScheduler"
