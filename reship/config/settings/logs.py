"""How every process logs (web, workers, beat, commands): ``LOGGING`` from ``LOG_FORMAT`` and ``LOG_LEVEL``.

One handler, standard error, in one of two formats:

- ``json`` (the production profile's default): one JSON object a line, for a log collector —
  ``time`` (UTC, ISO 8601), ``level``, ``logger``, ``message``, ``request_id``, and whatever a line
  adds (``extra=``): the request line's and the task line's fields (``reship.config.request_log``,
  ``reship.config.task_log``), a traceback as ``exc_info``; never Django's request object (below).
  Chinese stays readable (not ``\\uXXXX``).
- ``text`` (the default elsewhere): ``time level logger [request id] message``, for a person at a
  terminal.

Every record passes ``RequestIdFilter``, which adds the id of the request or task in hand, whatever
logger wrote it (none outside of one: ``null`` in JSON, ``-`` in text).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from pythonjsonlogger.core import RESERVED_ATTRS

LOG_FORMATS = ("json", "text")


def logging_setting(*, log_format: str, level: str) -> dict[str, Any]:
    if log_format not in LOG_FORMATS:
        raise ImproperlyConfigured(f"LOG_FORMAT={log_format!r} is not one of {', '.join(LOG_FORMATS)}.")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "reship.core.request_context.RequestIdFilter"}},
        "formatters": {
            "json": {
                "()": "pythonjsonlogger.json.JsonFormatter",
                "fmt": ["levelname", "name", "message", "request_id"],
                "rename_fields": {"levelname": "level", "name": "logger"},
                "timestamp": "time",
                "json_ensure_ascii": False,
                # Django hands its request to the record (a 500's traceback, a CSRF refusal): written
                # out, it would be its repr, with the query string. The admins' e-mail still gets it.
                "reserved_attrs": [*RESERVED_ATTRS, "request"],
            },
            "text": {
                "()": "logging.Formatter",
                "fmt": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s",
                "defaults": {"request_id": "-"},
            },
        },
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": log_format, "filters": ["request_id"]},
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # python-barcode says at INFO in every process that Pillow is absent: slips draw SVG, no images.
            "pyBarcode": {"level": "WARNING"},
            # Celery's own two lines per task (received; succeeded in …): reship.task writes one line per
            # run with its request id and duration instead. A failure's traceback (ERROR) still shows.
            "celery.app.trace": {"level": "WARNING"},
            "celery.worker.strategy": {"level": "WARNING"},
        },
    }
