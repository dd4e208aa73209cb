"""The name an accepted upload is stored, shown and downloaded under (``reship.core.uploads.upload_name``):
the uploader's name made safe, with the extension of what the bytes are, never the one it was given."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from reship.core.uploads import FileKind, upload_name

PNG = FileKind("image/png", "png")
PDF = FileKind("application/pdf", "pdf")


@pytest.mark.parametrize(
    ("uploaded_as", "kind", "name"),
    [
        ("x.pdf.exe", PNG, "x.pdf.png"),
        ("photo.jpg", PNG, "photo.png"),
        ("invoice.html", PDF, "invoice.pdf"),
        ("..\\..\\Windows\\evil.html", PNG, "evil.png"),
        ("\u202egnp.exe", PNG, "gnp.png"),  # a right-to-left override would show "exe.png"
        (".htaccess", PDF, "htaccess.pdf"),
        ("a;b|c`d$(e).pdf", PDF, "abcd(e).pdf"),
        ("退货 照片.PNG", PNG, "退货 照片.png"),
        ("   .png", PNG, "file.png"),
        ("x" * 200 + ".png", PNG, "x" * 80 + ".png"),
    ],
)
def test_the_name_keeps_what_is_safe_of_the_uploaders_and_ends_with_the_real_type(uploaded_as, kind, name):
    upload = SimpleUploadedFile("placeholder", b"")
    upload.name = uploaded_as  # as a multipart body may send it; Django's setter keeps only the base name

    assert upload_name(upload, kind, default="file") == name
