"""``Idempotency-Key`` on POST: the same key and body replay the first answer; another body with
the same key is a 422. Keys are scoped to the organisation and kept at least
``RESHIP_IDEMPOTENCY_HOURS``; older ones are purged hourly (``reship.services.idempotency``).

The key's record is written in the SAME transaction as the work, with the answer: both commit or
neither does. So once an attempt has ended — answered, failed, lost its database connection, or its
worker was killed — a retry with the key either replays the committed answer or runs anew; no
record says "in progress" for a request that is no longer running (under connection kills the old
design, a record committed before the work, left 34 keys stuck for 24 h, 19 of them committed).

The record is inserted first, so a concurrent duplicate's insert waits on the unique constraint
until the first attempt commits (then it replays) or rolls back (then it runs); after
``RESHIP_IDEMPOTENCY_WAIT_SECONDS`` of waiting (PostgreSQL) it is a 409 with ``Retry-After``.

A server error (5xx) is not kept: the attempt rolls back and a retry runs anew. An answer that
carries a secret (a new API key, a webhook endpoint's signing secret) is kept without it: a replay
shows ``null`` there and says why in ``notice`` — the secret is shown once, and no copy of it
waits in the database for 24 hours.

A key is 1 to 255 printable ASCII characters (what an HTTP header carries unchanged, as the
IETF's Idempotency-Key draft has it); any other key is a 400 naming the header, before anything
runs: a longer key was cut to 255 characters, so two keys sharing their first 255 answered as one,
and a NUL or a lone surrogate in it failed the request with a 500.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from functools import wraps
from typing import Any, TypeVar

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from reship.accounts.roles import organisation_for
from reship.api.errors import IdempotencyKeyReused, IdempotentRequestInProgress
from reship.models import IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
KEY_PATTERN = re.compile(rf"[\x20-\x7e]{{1,{MAX_KEY_LENGTH}}}")
LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's SQLSTATE when lock_timeout ran out

View = TypeVar("View", bound=APIView)
Handler = Callable[..., Response]


def secret_withheld_notice() -> str:
    return _(
        "The secret is shown only in the first answer and is not kept for replays; if it was lost, "
        "create a new one and delete this one."
    )


def key_from(request: Request) -> str:
    """The request's Idempotency-Key, spaces around it dropped; "" without one. A 400 naming the
    header for a key that is not 1 to 255 printable ASCII characters."""
    key = request.headers.get(HEADER, "").strip()
    if (key or HEADER in request.headers) and not KEY_PATTERN.fullmatch(key):
        message = _("An Idempotency-Key is 1 to %(limit)d printable ASCII characters.") % {"limit": MAX_KEY_LENGTH}
        raise exceptions.ValidationError({HEADER: [message]})
    return key


def _scope(user) -> str:
    organisation = organisation_for(user)
    if organisation.seller is not None:
        return f"seller:{organisation.seller.pk}"
    if organisation.partner is not None:
        return f"partner:{organisation.partner.pk}"
    return f"user:{user.pk}"


def _fingerprint(request) -> str:
    """What makes two requests the same: method, path and body. A multipart body is read as its
    fields and each file's name, size and SHA-256 (its raw bytes may be streamed or already read)."""
    digest = hashlib.sha256()
    digest.update(request.method.encode())
    digest.update(request.path.encode())
    content_type = request.content_type or ""
    digest.update(content_type.split(";")[0].encode())
    if content_type.startswith("multipart/"):
        for name in sorted(request.data.keys()):
            for value in request.data.getlist(name):
                if hasattr(value, "chunks"):
                    file_digest = hashlib.sha256()
                    for chunk in value.chunks():
                        file_digest.update(chunk)
                    value.seek(0)
                    digest.update(f"{name}={value.name}:{value.size}:{file_digest.hexdigest()}".encode())
                else:
                    digest.update(f"{name}={value}".encode())
    else:
        digest.update(request.body)
    return digest.hexdigest()


@contextmanager
def _bounded_wait() -> Iterator[None]:
    """On PostgreSQL, wait at most RESHIP_IDEMPOTENCY_WAIT_SECONDS for a running duplicate's lock,
    then put the transaction's own lock_timeout back for the work that follows."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('lock_timeout'), set_config('lock_timeout', %s, true)",
            [f"{settings.RESHIP_IDEMPOTENCY_WAIT_SECONDS}s"],
        )
        before = cursor.fetchone()[0]
    try:
        yield
    finally:
        if not connection.needs_rollback:
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('lock_timeout', %s, true)", [before])


def _claim(*, scope: str, key: str, request: Request, fingerprint: str) -> IdempotencyRecord | None:
    """The key's record, inserted in the current transaction; None if a committed one holds the key.

    A committed record past its hours, or one an older version of this code left unanswered, makes
    way first: neither answers a retry."""
    cutoff = timezone.now() - timedelta(hours=settings.RESHIP_IDEMPOTENCY_HOURS)
    if connection.vendor == "postgresql":
        return _claim_postgresql(scope=scope, key=key, request=request, fingerprint=fingerprint, cutoff=cutoff)
    IdempotencyRecord.objects.filter(
        Q(created_at__lt=cutoff) | ~Q(state=IdempotencyRecord.DONE), scope=scope, key=key
    ).delete()
    try:
        with transaction.atomic(), _bounded_wait():  # a savepoint: a refused insert leaves the rest
            return IdempotencyRecord.objects.create(
                scope=scope, key=key, method=request.method or "POST", path=request.path[:500], request_hash=fingerprint
            )
    except IntegrityError:
        return None
    except OperationalError as error:
        if getattr(error.__cause__, "pgcode", None) == LOCK_NOT_AVAILABLE:
            raise IdempotentRequestInProgress() from None  # the first attempt is still running
        raise


def _claim_postgresql(
    *, scope: str, key: str, request: Request, fingerprint: str, cutoff: datetime
) -> IdempotencyRecord | None:
    """``_claim`` in three statements instead of six (each a round trip on every keyed POST): the
    stale record's DELETE rides with setting the wait's bound, and ``ON CONFLICT DO NOTHING`` needs
    no savepoint (it waits on a running duplicate's insert as the plain INSERT does, then inserts
    nothing if that one committed). Past the bound the whole attempt rolls back, a 409."""
    table = IdempotencyRecord._meta.db_table
    record = IdempotencyRecord(
        scope=scope, key=key, method=request.method or "POST", path=request.path[:500], request_hash=fingerprint
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH stale AS (DELETE FROM {table} WHERE scope = %s AND key = %s AND (created_at < %s OR state <> %s)) "  # noqa: S608
            "SELECT current_setting('lock_timeout'), set_config('lock_timeout', %s, true)",
            [scope, key, cutoff, IdempotencyRecord.DONE, f"{settings.RESHIP_IDEMPOTENCY_WAIT_SECONDS}s"],
        )
        before = cursor.fetchone()[0]
        try:
            cursor.execute(
                f"INSERT INTO {table} (scope, key, method, path, request_hash, state, created_at) "  # noqa: S608
                "VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (scope, key) DO NOTHING RETURNING id",
                [
                    record.scope,
                    record.key,
                    record.method,
                    record.path,
                    record.request_hash,
                    record.state,
                    record.created_at,
                ],
            )
        except OperationalError as error:
            if getattr(error.__cause__, "pgcode", None) == LOCK_NOT_AVAILABLE:
                raise IdempotentRequestInProgress() from None  # the first attempt is still running
            raise
        inserted = cursor.fetchone()
        cursor.execute("SELECT set_config('lock_timeout', %s, true)", [before])
    if inserted is None:
        return None
    record.pk = inserted[0]
    record._state.adding = False
    return record


def _replay(*, scope: str, key: str, fingerprint: str) -> Response:
    first = IdempotencyRecord.objects.filter(scope=scope, key=key).first()
    if first is None or first.state != IdempotencyRecord.DONE:
        raise IdempotentRequestInProgress()  # purged or replaced this instant: retry
    if first.request_hash != fingerprint:
        raise IdempotencyKeyReused()
    return Response(first.response_body, status=first.response_status, headers={"Idempotent-Replayed": "true"})


def _stored_body(data: Any, withhold: str | None) -> Any:
    body = json.loads(json.dumps(data, cls=DjangoJSONEncoder))
    if withhold and isinstance(body, dict) and body.get(withhold) is not None:
        body[withhold] = None
        body["notice"] = secret_withheld_notice()
    return body


class _Discard(Exception):  # noqa: N818 - a signal to roll back, carrying the answer to give
    def __init__(self, response: Response) -> None:
        self.response = response


def idempotent(method: Handler | None = None, *, withhold: str | None = None) -> Any:
    """Wrap an APIView's ``post``. ``withhold`` names a field of the answer holding a secret: the
    caller gets it once, the stored replay has ``null`` there and a ``notice`` saying why."""

    def decorate(handler: Handler) -> Handler:
        @wraps(handler)
        def wrapper(view: APIView, request: Request, *args: Any, **kwargs: Any) -> Response:
            key = key_from(request)
            if not key:
                return handler(view, request, *args, **kwargs)
            scope, fingerprint = _scope(request.user), _fingerprint(request)
            try:
                with transaction.atomic():
                    record = _claim(scope=scope, key=key, request=request, fingerprint=fingerprint)
                    if record is None:
                        return _replay(scope=scope, key=key, fingerprint=fingerprint)
                    try:
                        with transaction.atomic():  # a refused call's own writes go; the record stays
                            response = handler(view, request, *args, **kwargs)
                    except Exception as error:  # noqa: BLE001 - an error answer is replayed like any other
                        response = view.handle_exception(error)  # re-raises what has no answer: a 500
                    if response.status_code >= 500:
                        raise _Discard(response)  # nothing kept: a retry runs anew
                    record.state = IdempotencyRecord.DONE
                    record.response_status = response.status_code
                    record.response_body = _stored_body(response.data, withhold)
                    record.save(update_fields=["state", "response_status", "response_body"])
            except _Discard as discarded:
                return discarded.response
            if withhold and isinstance(response.data, dict) and withhold in response.data:
                response.data.setdefault("notice", None)
            return response

        return wrapper

    if method is not None:
        return decorate(method)
    return decorate
