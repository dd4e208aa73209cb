"""How a private uploaded file (an evidence photo, a thread attachment) is sent back: the one policy
the pages and the API share.

Photos are shown inline; anything else downloads as an attachment under its name. The content type
is the one found from the file's bytes at upload (``reship.core.uploads``), never sniffed by the
browser (``nosniff``), and only the caller's browser may keep a copy (``private``). A file missing
from storage is a 404 (``Http404``: the site's page, or the API's JSON error body).

The bytes are streamed through the app from whichever storage holds them (the local folder, or the
object store's private bucket: ``reship.config.settings.storage``), never handed out as a
presigned bucket URL, even a short-lived one: the pages show evidence in ``<img>`` under a
Content-Security-Policy that allows images from the site only (a redirect to the bucket would be
blocked, or the policy widened to the bucket's host); a presigned URL is a bearer token that stays
in the browser's history, proxies' logs and ``Referer`` until it expires, where this URL asks the
organisation check every time; the headers above stay the app's (a bucket would answer with its
own); and an API client gets the same 200 with the bytes, not a redirect to another host to
follow. The cost, one web worker per download, is bounded: an upload is at most
``RESHIP_UPLOAD_MAX_BYTES`` (10 MB) and a refused-rows file smaller than its import.
"""

from __future__ import annotations

import mimetypes

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404

from reship.core.uploads import DOCUMENT_SIGNATURES, IMAGE_SIGNATURES

DEFAULT_CONTENT_TYPE = "application/octet-stream"
# The photos a browser shows in the page; everything else is sent as an attachment.
INLINE_TYPES = frozenset(kind.content_type for _signature, _offset, kind in IMAGE_SIGNATURES)
# A thread attachment is stored under the extension of the kind its bytes were found to be.
ATTACHMENT_TYPES = {
    kind.extension: kind.content_type for _signature, _offset, kind in IMAGE_SIGNATURES + DOCUMENT_SIGNATURES
}


def file_response(file: FieldFile, *, content_type: str, filename: str) -> FileResponse:
    """Stream a stored file: photos inline, anything else as an attachment; never sniffed, never
    kept by shared caches."""
    try:
        handle = file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    response = FileResponse(
        handle,
        content_type=content_type or DEFAULT_CONTENT_TYPE,
        as_attachment=content_type not in INLINE_TYPES,
        filename=filename,
    )
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def file_response_by_name(file: FieldFile) -> FileResponse:
    """``file_response`` for a file whose kind is its stored name's extension (a thread
    attachment), downloaded under that name."""
    name = file.name.rsplit("/", 1)[-1] if file.name else ""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    content_type = ATTACHMENT_TYPES.get(extension) or mimetypes.guess_type(name)[0] or DEFAULT_CONTENT_TYPE
    return file_response(file, content_type=content_type, filename=name)
