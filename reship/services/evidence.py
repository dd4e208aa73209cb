"""Evidence photos attached to a reship request: checked by their bytes, counted, stored with who sent them.

A request's evidence is its seller's proof of what went wrong, so the seller's staff add it; the
customer adds photos once, with the report on the shop's after-sale page (``evidence_add_from_customer``).
Every file is checked before any is stored: one bad photo refuses the whole batch, and the caller's
transaction (the submit page wraps ``reship_submit`` and this in one, the after-sale page
``reship_report`` and this) leaves nothing behind.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from reship import permissions
from reship.choices import RequestSource
from reship.core.errors import ActionNotPermitted, InvalidInput, RequestNotFound
from reship.core.uploads import FileKind, image_kind, upload_name
from reship.models import Evidence, ReshipRequest

if TYPE_CHECKING:
    from reship.accounts.models import User

FIELD = "evidence"


def _checked(file: UploadedFile) -> FileKind:
    return image_kind(file, field=FIELD)


def _locked(request: ReshipRequest, condition: Q) -> ReshipRequest:
    locked = ReshipRequest.objects.select_for_update(of=("self",)).filter(condition, pk=request.pk).first()
    if locked is None:
        raise RequestNotFound(_("Reship request not found."))
    return locked


def _stored(
    request: ReshipRequest, files: list[UploadedFile], *, uploaded_by: User | None, limit: int, now: datetime
) -> list[Evidence]:
    """Check every file, then store them all on the (locked) request; at most ``limit`` in all."""
    existing = Evidence.objects.filter(request=request).count()
    if existing + len(files) > limit:
        if existing:
            message = _("A request holds at most %(limit)d photos, and this one has %(existing)d already.") % {
                "limit": limit,
                "existing": existing,
            }
        else:
            message = _("Attach at most %(limit)d photos; you chose %(sent)d.") % {
                "limit": limit,
                "sent": len(files),
            }
        raise InvalidInput(message, field_errors={FIELD: [_("Too many files.")]})

    kinds = [_checked(file) for file in files]

    rows: list[Evidence] = []
    try:
        for file, kind in zip(files, kinds, strict=True):
            assert file.size is not None  # upload_kind refused a file of no size
            evidence = Evidence(
                request=request,
                # Shown and downloaded under: the uploaded name, made safe, with the real extension.
                original_name=upload_name(file, kind, default="photo"),
                content_type=kind.content_type,
                size_bytes=file.size,
                uploaded_by=uploaded_by,
                uploaded_at=now,
            )
            # Stored under a random name with the extension of what the file really is.
            evidence.file.save(f"{uuid.uuid4().hex}.{kind.extension}", file, save=False)
            rows.append(evidence)
        return Evidence.objects.bulk_create(rows)
    except Exception:
        for evidence in rows:
            evidence.file.delete(save=False)
        raise


def evidence_add(
    *, request: ReshipRequest, actor: User, files: Sequence[UploadedFile], now: datetime | None = None
) -> list[Evidence]:
    """Attach photos to a request its seller can see; all are refused if any one is not acceptable."""
    files = list(files)
    if not files:
        return []
    with transaction.atomic():
        locked = _locked(request, permissions.visible_requests_filter(actor))
        now = now or timezone.now()  # read once the lock is held: events stay in time order
        if not permissions.can_add_evidence(actor, locked):
            raise ActionNotPermitted(_("Only the seller's staff add evidence to a request."))

        return _stored(locked, files, uploaded_by=actor, limit=settings.RESHIP_EVIDENCE_MAX_FILES, now=now)


def evidence_add_from_customer(
    *, request: ReshipRequest, files: Sequence[UploadedFile], now: datetime
) -> list[Evidence]:
    """The customer's photos of a report just made on the shop's after-sale page (no account: the page
    checked who they are); at most ``RESHIP_REPORT_MAX_PHOTOS``, each checked as a seller's are."""
    files = list(files)
    if not files:
        return []
    with transaction.atomic():
        locked = _locked(request, Q(source=RequestSource.CUSTOMER))
        return _stored(locked, files, uploaded_by=None, limit=settings.RESHIP_REPORT_MAX_PHOTOS, now=now)
