"""Uploads are judged by their first bytes, not their name or the browser's claim."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from reship.core.errors import InvalidInput
from reship.core.uploads import upload_kind

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
WEBP = b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x00" * 32
PDF = b"%PDF-1.7\n" + b"\x00" * 32


@pytest.mark.parametrize(
    ("content", "expected"),
    [(PNG, "image/png"), (JPEG, "image/jpeg"), (WEBP, "image/webp"), (b"GIF89a" + b"\x00" * 10, "image/gif")],
)
def test_photos_are_recognised_by_their_bytes(content, expected):
    assert upload_kind(SimpleUploadedFile("x.bin", content), images_only=True).content_type == expected


def test_a_program_renamed_jpg_is_refused():
    renamed = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00" + b"\x00" * 64, content_type="image/jpeg")

    with pytest.raises(InvalidInput, match="photo.jpg is not one of the accepted files: JPEG, PNG, GIF or WebP"):
        upload_kind(renamed, images_only=True)


def test_a_pdf_is_an_attachment_but_not_a_photo():
    assert upload_kind(SimpleUploadedFile("label.pdf", PDF), images_only=False).content_type == "application/pdf"
    with pytest.raises(InvalidInput):
        upload_kind(SimpleUploadedFile("label.pdf", PDF), images_only=True)


def test_empty_and_oversized_files_are_refused(settings):
    settings.RESHIP_UPLOAD_MAX_BYTES = 1024

    with pytest.raises(InvalidInput, match="is empty"):
        upload_kind(SimpleUploadedFile("empty.png", b""), images_only=True)
    with pytest.raises(InvalidInput, match="The file big.png is 2.1\xa0KB; the limit is 1.0\xa0KB."):
        upload_kind(SimpleUploadedFile("big.png", PNG + b"\x00" * 2048), images_only=True)
