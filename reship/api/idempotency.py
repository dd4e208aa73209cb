"""``Idempotency-Key`` on POST: the same key and body replay the first response; another body with
the same key is a 422; a retry while the first is still running is a 409. Keys are scoped to the
organisation and kept at least ``RESHIP_IDEMPOTENCY_HOURS``; older ones are purged hourly
(``reship.services.idempotency``).

The record is claimed in its own committed transaction before the work starts, so of fifty
concurrent requests with one key exactly one does the work (the unique constraint decides).
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from functools import wraps

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.response import Response

from reship.accounts.roles import organisation_for
from reship.api.errors import IdempotencyKeyReused, IdempotentRequestInProgress
from reship.models import IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


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


def idempotent(method):
    """Wrap an APIView's ``post``."""

    @wraps(method)
    def wrapper(view, request, *args, **kwargs):
        key = request.headers.get(HEADER, "").strip()
        if not key:
            return method(view, request, *args, **kwargs)
        key = key[:MAX_KEY_LENGTH]
        scope, fingerprint = _scope(request.user), _fingerprint(request)
        cutoff = timezone.now() - timedelta(hours=settings.RESHIP_IDEMPOTENCY_HOURS)
        try:
            # One transaction (one commit to wait for): an expired record of the key makes way, and
            # the new one is written; on a conflict neither happens.
            with transaction.atomic():
                IdempotencyRecord.objects.filter(scope=scope, key=key, created_at__lt=cutoff).delete()
                record = IdempotencyRecord.objects.create(
                    scope=scope, key=key, method=request.method, path=request.path[:500], request_hash=fingerprint
                )
        except IntegrityError:
            first = IdempotencyRecord.objects.filter(scope=scope, key=key).first()
            if first is None:  # purged between the two statements: the caller may simply retry
                raise IdempotentRequestInProgress() from None
            if first.request_hash != fingerprint:
                raise IdempotencyKeyReused() from None
            if first.state != IdempotencyRecord.DONE:
                raise IdempotentRequestInProgress() from None
            return Response(first.response_body, status=first.response_status, headers={"Idempotent-Replayed": "true"})
        try:
            response = method(view, request, *args, **kwargs)
        except Exception as error:  # noqa: BLE001 - an error answer is replayed like any other
            response = view.handle_exception(error)
        if response.status_code >= 500:
            record.delete()
            return response
        record.state = IdempotencyRecord.DONE
        record.response_status = response.status_code
        record.response_body = json.loads(json.dumps(response.data, cls=DjangoJSONEncoder))
        record.save(update_fields=["state", "response_status", "response_body"])
        return response

    return wrapper
