"""What files people may upload: evidence photos and thread attachments.

The browser's content type and the file name prove nothing, so the first bytes decide: a
renamed executable is refused whatever it is called. Limits are settings.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from reship.core.errors import InvalidInput


@dataclass(frozen=True)
class FileKind:
    content_type: str
    extension: str


IMAGE_SIGNATURES: list[tuple[bytes, int, FileKind]] = [
    (b"\xff\xd8\xff", 0, FileKind("image/jpeg", "jpg")),
    (b"\x89PNG\r\n\x1a\n", 0, FileKind("image/png", "png")),
    (b"GIF87a", 0, FileKind("image/gif", "gif")),
    (b"GIF89a", 0, FileKind("image/gif", "gif")),
    (b"WEBP", 8, FileKind("image/webp", "webp")),  # after "RIFF" and the size
]
DOCUMENT_SIGNATURES: list[tuple[bytes, int, FileKind]] = [
    (b"%PDF-", 0, FileKind("application/pdf", "pdf")),
]


def upload_kind(file: UploadedFile[bytes], *, images_only: bool, field: str = "file") -> FileKind:
    """The file's real kind, or ``InvalidInput`` saying what is wrong with it."""
    limit = settings.RESHIP_UPLOAD_MAX_BYTES
    if file.size is None or file.size == 0:
        raise InvalidInput(_("The file %(name)s is empty.") % {"name": file.name}, field_errors={field: [_("Empty.")]})
    if file.size > limit:
        raise InvalidInput(
            _("The file %(name)s is %(size)s; the limit is %(limit)s.")
            % {"name": file.name, "size": filesizeformat(file.size), "limit": filesizeformat(limit)},
            field_errors={field: [_("Too large.")]},
        )
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    signatures = IMAGE_SIGNATURES if images_only else IMAGE_SIGNATURES + DOCUMENT_SIGNATURES
    for signature, offset, kind in signatures:
        if head[offset : offset + len(signature)] == signature:
            if kind.extension == "webp" and head[:4] != b"RIFF":
                continue
            return kind
    allowed = _("JPEG, PNG, GIF or WebP photos") if images_only else _("photos (JPEG, PNG, GIF, WebP) or PDF")
    raise InvalidInput(
        _("%(name)s is not one of the accepted files: %(allowed)s.") % {"name": file.name, "allowed": allowed},
        field_errors={field: [_("Not an accepted file type.")]},
    )
