"""Evidence photos attached to a reship request: checked by their bytes, counted, stored with who sent them.

A request's evidence is its seller's proof of what went wrong, so only the seller's staff add it.
Every file is checked before any is stored: one bad photo refuses the whole batch, and the caller's
transaction (the submit page wraps ``reship_submit`` and this in one) leaves nothing behind.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from reship import permissions
from reship.core.errors import ActionNotPermitted, InvalidInput, RequestNotFound
from reship.core.uploads import FileKind, image_kind, upload_name
from reship.models import Evidence, ReshipRequest

if TYPE_CHECKING:
    from reship.accounts.models import User

FIELD = "evidence"


def _checked(file: UploadedFile) -> FileKind:
    return image_kind(file, field=FIELD)


def evidence_add(
    *, request: ReshipRequest, actor: User, files: Sequence[UploadedFile], now: datetime | None = None
) -> list[Evidence]:
    """Attach photos to a request its seller can see; all are refused if any one is not acceptable."""
    files = list(files)
    if not files:
        return []
    with transaction.atomic():
        locked = (
            ReshipRequest.objects.select_for_update(of=("self",))
            .filter(permissions.visible_requests_filter(actor), pk=request.pk)
            .first()
        )
        if locked is None:
            raise RequestNotFound(_("Reship request not found."))
        now = now or timezone.now()  # read once the lock is held: events stay in time order
        if not permissions.can_add_evidence(actor, locked):
            raise ActionNotPermitted(_("Only the seller's staff add evidence to a request."))

        limit = settings.RESHIP_EVIDENCE_MAX_FILES
        existing = Evidence.objects.filter(request=locked).count()
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
                    request=locked,
                    # Shown and downloaded under: the uploaded name, made safe, with the real extension.
                    original_name=upload_name(file, kind, default="photo"),
                    content_type=kind.content_type,
                    size_bytes=file.size,
                    uploaded_by=actor,
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
