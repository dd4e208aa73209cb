"""What files people may upload: evidence photos and thread attachments.

The browser's content type and the file name prove nothing, so the first bytes decide: a
renamed executable is refused whatever it is called, and an accepted file is stored, shown and
downloaded under the extension of what it really is (``upload_name``). Limits are settings.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from reship.core.errors import InvalidInput

NAME_STEM_LENGTH = 80
_UNSAFE_IN_NAME = re.compile(r"[^\w\s.()-]")


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


def upload_name(file: UploadedFile[bytes], kind: FileKind, *, default: str) -> str:
    """The uploaded name made safe (no folders, no characters a file system or a download dialog
    reads as something else) with the extension of what the file really is: "x.pdf.exe" holding a
    PNG is "x.pdf.png", "photo.jpg" holding a PNG "photo.png", "label.jpeg" "label.jpg" (one
    spelling per kind, the one ``reship.core.files`` serves by); ``default`` when nothing is left."""
    stem = os.path.splitext(os.path.basename((file.name or "").replace("\\", "/")))[0]
    # Letters and digits of any script, spaces, - _ . ( ); no control or direction marks, no
    # leading dot (a hidden name) and nothing a path or a shell reads.
    stem = " ".join(_UNSAFE_IN_NAME.sub("", stem).split())[:NAME_STEM_LENGTH].strip(". ")
    return f"{stem or default}.{kind.extension}"


def _header_is_whole(head: bytes, kind: FileKind) -> bool:
    """The first bytes after the signature are what every valid file of that kind has there; a
    truncated or hand-made file with only the magic number fails this."""
    if kind.content_type == "image/png":
        return head[8:16] == b"\x00\x00\x00\x0dIHDR"  # the first chunk is always a 13-byte IHDR
    if kind.content_type == "image/jpeg":
        return len(head) >= 4 and 0xC0 <= head[3] <= 0xFE  # a marker follows the start-of-image
    if kind.content_type == "image/gif":
        return len(head) >= 13  # header and logical screen descriptor
    if kind.content_type == "image/webp":
        return head[12:15] == b"VP8"  # VP8, VP8L or VP8X chunk
    return True


def image_kind(file: UploadedFile[bytes], *, field: str) -> FileKind:
    """A photo's real kind (evidence, a customer's photos, a shop's logo), or ``InvalidInput``: not an
    image by its bytes, too large, empty, or damaged (only the magic number)."""
    kind = upload_kind(file, images_only=True, field=field)
    file.seek(0)
    head = file.read(32)
    file.seek(0)
    if not _header_is_whole(head, kind):
        raise InvalidInput(
            _("%(name)s looks damaged: it is not a complete image.") % {"name": file.name},
            field_errors={field: [_("Damaged file.")]},
        )
    return kind
