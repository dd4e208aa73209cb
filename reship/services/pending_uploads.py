"""Files chosen on a form that did not go through, kept so the corrected form need not ask again.

Each file is judged by its bytes (``reship.core.uploads``) when it first arrives: a good one is
stored at once as a ``PendingUpload`` of the user who sent it and the form field it came in (its
*purpose*); a bad one is named with its reason, never dropped silently. The form carries the kept
uploads' ids back; the corrected submission takes only the same user's uploads of the same purpose
(another id is ignored, as if it did not exist), attaches their files and deletes the pending rows.
A periodic task deletes what was never used (``pending_uploads_purge``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.db import transaction
from django.utils import timezone

from reship.core.errors import InvalidInput
from reship.core.uploads import FileKind, image_kind, upload_kind, upload_name
from reship.models import PendingUpload

if TYPE_CHECKING:
    from reship.accounts.models import User

# The form fields whose files are kept: new-request evidence, a thread attachment, an answer's photos.
EVIDENCE = "evidence"
MESSAGE_ATTACHMENT = "message_attachment"
ANSWER_PHOTOS = "answer_photos"


@dataclass
class KeptFiles:
    """What a form's file field holds after a submission: the files kept (earlier and now), and
    each refused file's message (its name and why)."""

    kept: list[PendingUpload] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)

    @property
    def ids(self) -> list[int]:
        return [upload.pk for upload in self.kept]


def _kind(file: UploadedFile, *, images_only: bool, purpose: str) -> FileKind:
    if images_only:
        return image_kind(file, field=purpose)
    return upload_kind(file, images_only=False, field=purpose)


def pending_uploads_keep(
    *,
    user: User,
    purpose: str,
    files: Sequence[UploadedFile],
    kept_ids: Iterable[str | int] = (),
    removed_ids: Iterable[str | int] = (),
    images_only: bool = True,
    now: datetime | None = None,
) -> KeptFiles:
    """Store each acceptable new file as a pending upload, and return it with the user's earlier
    ones still kept (``kept_ids`` less ``removed_ids``, which are deleted); the refused files are
    named with their reason. Ids of another user or another field are ignored."""
    now = now or timezone.now()
    removed = pending_uploads_for(user=user, purpose=purpose, ids=removed_ids)
    pending_uploads_discard(removed)
    removed_pks = {upload.pk for upload in removed}
    result = KeptFiles(
        kept=[
            upload
            for upload in pending_uploads_for(user=user, purpose=purpose, ids=kept_ids)
            if upload.pk not in removed_pks
        ]
    )
    for file in files:
        try:
            kind = _kind(file, images_only=images_only, purpose=purpose)
        except InvalidInput as error:
            result.refused.append(error.message)
            continue
        upload = PendingUpload(
            user=user,
            purpose=purpose,
            name=upload_name(file, kind, default="photo" if images_only else "file"),
            content_type=kind.content_type,
            size=file.size or 0,
            created_at=now,
        )
        # Stored under a random name with the extension of what the file really is.
        upload.file.save(f"{uuid.uuid4().hex}.{kind.extension}", file, save=False)
        upload.save()
        result.kept.append(upload)
    return result


def _ids(values: Iterable[str | int]) -> list[int]:
    result = []
    for value in values:
        try:
            result.append(int(value))
        except (TypeError, ValueError):
            continue  # a tampered id is no upload of theirs
    return result


def pending_uploads_for(*, user: User, purpose: str, ids: Iterable[str | int]) -> list[PendingUpload]:
    """The user's own pending uploads of this purpose among ``ids``, in the order they came."""
    wanted = _ids(ids)
    if not wanted:
        return []
    return list(PendingUpload.objects.filter(user=user, purpose=purpose, pk__in=wanted).order_by("created_at", "pk"))


def pending_upload_files(uploads: Sequence[PendingUpload]) -> list[UploadedFile]:
    """The stored files as uploads again, for the service that attaches them (checked anew there)."""
    files: list[UploadedFile] = []
    for upload in uploads:
        with upload.file.open("rb") as stored:
            files.append(SimpleUploadedFile(upload.name, stored.read(), content_type=upload.content_type))
    return files


def pending_uploads_discard(uploads: Sequence[PendingUpload]) -> None:
    """Delete the rows now and their files once the transaction commits (a rollback keeps both)."""
    if not uploads:
        return
    names = [upload.file.name for upload in uploads if upload.file.name]
    storage = uploads[0].file.storage
    PendingUpload.objects.filter(pk__in=[upload.pk for upload in uploads]).delete()

    def delete_files() -> None:
        for name in names:
            storage.delete(name)

    transaction.on_commit(delete_files)


def pending_uploads_purge(*, now: datetime) -> int:
    """Delete the pending uploads older than ``RESHIP_PENDING_UPLOAD_HOURS``, files included."""
    cutoff = now - timedelta(hours=settings.RESHIP_PENDING_UPLOAD_HOURS)
    old = list(PendingUpload.objects.filter(created_at__lt=cutoff).order_by("pk")[:1000])
    for upload in old:
        upload.file.delete(save=False)
    PendingUpload.objects.filter(pk__in=[upload.pk for upload in old]).delete()
    return len(old)
