"""The request id of the work in hand: one HTTP request, and every Celery task and webhook it causes.

The web side takes it from the caller's ``X-Request-ID`` when that is sane, else makes one
(``reship.config.request_log``); Celery carries it in a message header to the tasks a request or a
task publishes (``reship.config.task_log``); the outbox keeps it on each notification row, so a
webhook sent much later still names it. Here: the context variable and the log filter that puts it
on every record. A context variable, not a thread-local: each thread, and each asyncio task, sees
its own.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import TypeGuard

HEADER = "X-Request-ID"
MAX_LENGTH = 64
# What an id from outside may be: short, and nothing a log line, a header or a terminal would read
# as something else (no spaces, quotes, control characters).
_SANE = re.compile(rf"[A-Za-z0-9._-]{{1,{MAX_LENGTH}}}")

_request_id: ContextVar[str] = ContextVar("reship_request_id", default="")


def request_id_get() -> str:
    """The id of the request (or task) being handled; "" outside of one."""
    return _request_id.get()


def request_id_set(value: str) -> Token[str]:
    return _request_id.set(value)


def request_id_reset(token: Token[str]) -> None:
    _request_id.reset(token)


def request_id_sane(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and _SANE.fullmatch(value) is not None


def request_id_new() -> str:
    return uuid.uuid4().hex


def request_id_accept(value: str | None) -> str:
    """The caller's id when it is sane (at most 64 of ``A-Z a-z 0-9 . _ -``), else a new one."""
    return value if value is not None and request_id_sane(value) else request_id_new()


@contextmanager
def request_id_bound(value: str) -> Iterator[str]:
    """``value`` is the current id inside the block, the previous one again after it."""
    token = _request_id.set(value)
    try:
        yield value
    finally:
        _request_id.reset(token)


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record that has none of its own, when there is one: installed on
    every handler in ``LOGGING``, so whatever logger wrote the record, its line names the request."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            current = _request_id.get()
            if current:
                record.request_id = current
        return True
