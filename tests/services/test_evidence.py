"""Evidence photos: judged by their bytes, capped per request, stored with who sent them; one bad
file refuses the whole batch and stores nothing."""

import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from reship import workflow
from reship.core.errors import ActionNotPermitted, InvalidInput, RequestNotFound
from reship.models import Evidence
from reship.services.evidence import evidence_add
from tests.factories import OrderFactory, OrderLineFactory, PartnerMembershipFactory, SellerMembershipFactory

pytestmark = pytest.mark.django_db


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bytes() -> bytes:
    """A real 1×1 green PNG, built by hand so no imaging library is needed."""
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\x00\xff\x00")
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", pixels) + _chunk(b"IEND", b"")


# The start of a JFIF file: start-of-image, an APP0 segment; the rest does not matter to the check.
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def submitted():
    seller = SellerMembershipFactory().user
    order = OrderFactory(seller=seller.seller_membership.seller)
    line = OrderLineFactory(order=order, quantity=2)
    request = workflow.reship_submit(
        actor=seller,
        order_id=order.pk,
        reason="damaged",
        lines=[workflow.LineRequest(order_line_id=line.pk, quantity=1, resolution="resend")],
    )
    return seller, request


def _stored_files(settings) -> list:
    root = settings.MEDIA_ROOT
    return sorted(path.name for path in root.rglob("*") if path.is_file()) if root.exists() else []


def test_photos_are_stored_with_their_real_type_name_size_and_uploader(submitted, settings):
    seller, request = submitted
    png = png_bytes()

    saved = evidence_add(
        request=request,
        actor=seller,
        files=[SimpleUploadedFile("box.jpg", png, content_type="image/jpeg"), SimpleUploadedFile("label.jpeg", JPEG)],
    )

    rows = list(Evidence.objects.filter(request=request).order_by("id"))
    assert [evidence.pk for evidence in saved] == [row.pk for row in rows]
    assert [(row.original_name, row.content_type, row.size_bytes, row.uploaded_by) for row in rows] == [
        ("box.png", "image/png", len(png), seller),  # named for what it is, not what it was called
        ("label.jpg", "image/jpeg", len(JPEG), seller),  # one spelling of the extension per kind
    ]
    # Stored under the request's folder with the extension of what the file really is.
    assert rows[0].file.name.startswith(f"evidence/{request.seller_id}/{request.number}/")
    assert rows[0].file.name.endswith(".png")
    assert rows[1].file.name.endswith(".jpg")
    assert rows[0].file.read() == png


def test_a_program_renamed_jpg_refuses_the_whole_batch(submitted, settings):
    seller, request = submitted

    with pytest.raises(InvalidInput) as refused:
        evidence_add(
            request=request,
            actor=seller,
            files=[SimpleUploadedFile("ok.png", png_bytes()), SimpleUploadedFile("photo.jpg", EXE)],
        )

    assert refused.value.message == "photo.jpg is not one of the accepted files: JPEG, PNG, GIF or WebP photos."
    assert refused.value.field_errors == {"evidence": ["Not an accepted file type."]}
    assert Evidence.objects.count() == 0
    assert _stored_files(settings) == []


def test_a_file_with_only_the_png_signature_is_refused_as_damaged(submitted):
    seller, request = submitted
    fake = SimpleUploadedFile("broken.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)

    with pytest.raises(InvalidInput, match="broken.png looks damaged: it is not a complete image."):
        evidence_add(request=request, actor=seller, files=[fake])

    assert Evidence.objects.count() == 0


def test_a_file_over_the_size_limit_is_refused(submitted, settings):
    seller, request = submitted
    settings.RESHIP_UPLOAD_MAX_BYTES = 1024

    with pytest.raises(InvalidInput, match="The file big.png is 2.1\xa0KB; the limit is 1.0\xa0KB."):
        evidence_add(request=request, actor=seller, files=[SimpleUploadedFile("big.png", png_bytes() + b"\0" * 2100)])

    assert Evidence.objects.count() == 0


def test_the_number_of_photos_per_request_is_capped(submitted, settings):
    seller, request = submitted
    settings.RESHIP_EVIDENCE_MAX_FILES = 2

    with pytest.raises(InvalidInput, match=r"^Attach at most 2 photos; you chose 3\.$"):
        evidence_add(
            request=request, actor=seller, files=[SimpleUploadedFile(f"{n}.png", png_bytes()) for n in range(3)]
        )
    evidence_add(request=request, actor=seller, files=[SimpleUploadedFile("first.png", png_bytes())])
    with pytest.raises(InvalidInput, match=r"^A request holds at most 2 photos, and this one has 1 already\.$"):
        evidence_add(
            request=request, actor=seller, files=[SimpleUploadedFile(f"{n}.png", png_bytes()) for n in range(2)]
        )

    assert list(Evidence.objects.values_list("original_name", flat=True)) == ["first.png"]


def test_only_the_requests_seller_adds_evidence(submitted):
    _seller, request = submitted
    partner = PartnerMembershipFactory(partner=request.partner).user
    stranger = SellerMembershipFactory().user
    photo = SimpleUploadedFile("x.png", png_bytes())

    with pytest.raises(ActionNotPermitted):
        evidence_add(request=request, actor=partner, files=[photo])
    with pytest.raises(RequestNotFound):
        evidence_add(request=request, actor=stranger, files=[photo])
    assert Evidence.objects.count() == 0


def test_no_files_is_nothing_to_do(submitted):
    seller, request = submitted

    assert evidence_add(request=request, actor=seller, files=[]) == []


@pytest.mark.parametrize(
    ("uploaded_as", "shown_as"),
    [
        ("x.pdf.exe", "x.pdf.png"),
        ("photo.jpg", "photo.png"),
        ("..\\..\\Windows\\evil.html", "evil.png"),
        ("\u202egnp.exe", "gnp.png"),  # a right-to-left override that would show "exe.png"
        ("退货 照片.PNG", "退货 照片.png"),
        ("a\tb\n<script>.jpg", "a b script.png"),
        ("...", "photo.png"),
    ],
)
def test_a_photo_is_shown_and_downloaded_under_the_extension_of_what_it_really_is(
    client, submitted, uploaded_as, shown_as
):
    seller, request = submitted

    [evidence] = evidence_add(request=request, actor=seller, files=[SimpleUploadedFile(uploaded_as, png_bytes())])

    assert evidence.original_name == shown_as
    assert evidence.file.name.endswith(".png")
    client.force_login(seller)
    response = client.get(reverse("requests:evidence", args=[request.pk, evidence.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].rstrip('"').endswith(".png")
