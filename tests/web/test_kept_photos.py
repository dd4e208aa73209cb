"""Photos survive a form's errors: kept on first upload as pending uploads of their user, listed back
by name, attached by the corrected submission; bad files named among the errors; the limits said
before upload; the empty form answered by the server, field by field.

Expected values are written by hand.
"""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from reship.choices import RequestStatus
from reship.models import Evidence, PendingUpload, RequestMessage, ReshipRequest
from reship.services import pending_uploads
from reship.services.tasks import purge_pending_uploads
from tests.factories import SellerMembershipFactory
from tests.services.test_evidence import EXE, JPEG, png_bytes
from tests.web.test_orders import _submit_data, shop  # noqa: F401 (the shop fixture)
from tests.workflow_states import make_parties, request_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _new_request(client, shop, data):  # noqa: F811
    return client.post(reverse("orders:new-request", args=[shop.order.pk]), data)


def test_a_quantity_error_keeps_the_photo_and_the_correction_attaches_it(client, shop):  # noqa: F811
    client.force_login(shop.user)
    bad = _submit_data(shop, **{f"line_{shop.line_a.pk}_quantity": ""})
    bad["evidence"] = [SimpleUploadedFile("crushed.png", png_bytes())]

    first = _new_request(client, shop, bad)

    assert first.status_code == 400
    kept = PendingUpload.objects.get()
    assert (kept.user, kept.purpose, kept.name, kept.content_type) == (
        shop.user,
        "evidence",
        "crushed.png",
        "image/png",
    )
    body = first.content.decode()
    assert '<span class="kept-name">crushed.png</span>' in body
    assert f'<input type="hidden" name="evidence_kept" value="{kept.pk}">' in body
    assert 'name="evidence_remove"' in body

    second = _new_request(client, shop, {**_submit_data(shop), "evidence_kept": [str(kept.pk)]})

    assert second.status_code == 302
    evidence = Evidence.objects.get()
    assert (evidence.request, evidence.original_name, evidence.content_type) == (
        ReshipRequest.objects.get(),
        "crushed.png",
        "image/png",
    )
    with evidence.file.open("rb") as stored:
        assert stored.read() == png_bytes()
    assert PendingUpload.objects.count() == 0


def test_a_kept_photo_ticked_remove_is_not_attached(client, shop):  # noqa: F811
    client.force_login(shop.user)
    kept = pending_uploads.pending_uploads_keep(
        user=shop.user, purpose="evidence", files=[SimpleUploadedFile("a.png", png_bytes())]
    ).kept[0]

    response = _new_request(
        client, shop, {**_submit_data(shop), "evidence_kept": [str(kept.pk)], "evidence_remove": [str(kept.pk)]}
    )

    assert response.status_code == 302
    assert Evidence.objects.count() == 0
    assert PendingUpload.objects.count() == 0


def test_a_bad_file_is_named_among_the_errors_and_the_good_one_kept(client, shop, settings):  # noqa: F811
    settings.RESHIP_UPLOAD_MAX_BYTES = 1024
    client.force_login(shop.user)
    data = _submit_data(shop)
    data["evidence"] = [
        SimpleUploadedFile("big.png", png_bytes() + b"\0" * 2048),
        SimpleUploadedFile("setup.jpg", EXE),
        SimpleUploadedFile("label.jpg", JPEG),
    ]

    response = _new_request(client, shop, data)

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "evidence": [
            "The file big.png is 2.1\xa0KB; the limit is 1.0\xa0KB.",
            "setup.jpg is not one of the accepted files: JPEG, PNG, GIF or WebP photos.",
        ]
    }
    assert list(PendingUpload.objects.values_list("name", flat=True)) == ["label.jpg"]
    assert ReshipRequest.objects.count() == 0


def test_another_users_pending_upload_is_not_attachable(client, shop):  # noqa: F811
    stranger = SellerMembershipFactory().user
    theirs = pending_uploads.pending_uploads_keep(
        user=stranger, purpose="evidence", files=[SimpleUploadedFile("theirs.png", png_bytes())]
    ).kept[0]
    client.force_login(shop.user)

    response = _new_request(client, shop, {**_submit_data(shop), "evidence_kept": [str(theirs.pk)]})

    assert response.status_code == 302
    assert Evidence.objects.count() == 0
    assert PendingUpload.objects.filter(pk=theirs.pk).exists()  # still theirs, untouched


def test_the_limits_are_said_before_upload_from_the_settings(client, shop, settings):  # noqa: F811
    settings.RESHIP_UPLOAD_MAX_BYTES = 5 * 1024 * 1024
    settings.RESHIP_EVIDENCE_MAX_FILES = 4
    client.force_login(shop.user)

    body = client.get(reverse("orders:new-request", args=[shop.order.pk])).content.decode()

    assert "Up to 10 files" not in body
    assert "Up to 4 files, up to 5.0\xa0MB each: JPEG, PNG, GIF or WebP." in body
    assert 'data-max-bytes="5242880"' in body


def test_the_empty_form_gets_the_servers_message_per_field_with_a_summary(client, shop):  # noqa: F811
    client.force_login(shop.user)

    page = client.get(reverse("orders:new-request", args=[shop.order.pk])).content.decode()
    response = _new_request(
        client,
        shop,
        {f"line_{shop.line_a.pk}_include": "on", f"line_{shop.line_a.pk}_quantity": "", "reason": ""},
    )

    assert 'class="new-request" novalidate' in page
    assert '<option value="" selected>Choose a reason</option>' in page
    assert "---------" not in page
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "reason": ["This field is required."],
        f"line_{shop.line_a.pk}_quantity": ["Give a quantity for this line."],
        f"line_{shop.line_a.pk}_resolution": ["Choose how this line is resolved."],
    }
    body = response.content.decode()
    assert f'<a href="#id_line_{shop.line_a.pk}_quantity">SKU-A · Quantity: Give a quantity for this line.</a>' in body
    assert '<a href="#id_reason">Reason for the request: This field is required.</a>' in body


def test_the_thread_attachment_is_kept_when_the_message_is_missing(client):
    parties = make_parties()
    reship = request_in(RequestStatus.SUBMITTED, parties)
    client.force_login(parties.seller)
    url = reverse("requests:message", args=[reship.pk])

    first = client.post(url, {"message-body": "", "message-attachment": SimpleUploadedFile("box.png", png_bytes())})
    kept = PendingUpload.objects.get(purpose="message_attachment")
    second = client.post(url, {"message-body": "The box, as asked.", "message-attachment_kept": str(kept.pk)})

    assert first.status_code == 400
    assert '<span class="kept-name">box.png</span>' in first.content.decode()
    assert second.status_code == 302
    message = RequestMessage.objects.get(request=reship)
    with message.attachment.open("rb") as stored:
        assert stored.read() == png_bytes()
    assert PendingUpload.objects.count() == 0


def test_the_answer_carries_photos_into_the_evidence(client):
    parties = make_parties()
    reship = request_in(RequestStatus.NEEDS_INFO, parties)
    client.force_login(parties.seller)

    page = client.get(reverse("requests:detail", args=[reship.pk])).content.decode()
    response = client.post(
        reverse("requests:action", args=[reship.pk, "answer_info"]),
        {"answer_info-answer": "Here is the box.", "answer_info-photos": [SimpleUploadedFile("box.jpg", JPEG)]},
    )

    assert 'name="answer_info-photos"' in page
    assert response.status_code == 302
    assert ReshipRequest.objects.get(pk=reship.pk).status == RequestStatus.SUBMITTED
    assert list(Evidence.objects.filter(request=reship).values_list("original_name", flat=True)) == ["box.jpg"]


def test_the_cleanup_deletes_a_day_old_pending_upload_and_keeps_a_new_one(settings):
    user = SellerMembershipFactory().user
    old, new = pending_uploads.pending_uploads_keep(
        user=user,
        purpose="evidence",
        files=[SimpleUploadedFile("old.png", png_bytes()), SimpleUploadedFile("new.png", png_bytes())],
    ).kept
    PendingUpload.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=25))
    storage = old.file.storage

    assert purge_pending_uploads.delay().get() == 1

    assert list(PendingUpload.objects.values_list("name", flat=True)) == ["new.png"]
    assert not storage.exists(old.file.name)
    assert storage.exists(new.file.name)
    assert settings.CELERY_BEAT_SCHEDULE["reship-purge-pending-uploads"]["task"] == "reship.purge_pending_uploads"


def _forms_with_a_file_input(html: str) -> list[str]:
    import re

    forms = re.findall(r"<form\b[^>]*>.*?</form>", html, flags=re.S)
    return [form.split(">", 1)[0] for form in forms if 'type="file"' in form]


def test_every_form_that_takes_a_file_posts_it_as_multipart(client, shop):  # noqa: F811
    """A browser sends only a file's name unless the form says multipart (the test client encodes
    multipart whatever the markup says, so only the markup shows it)."""
    parties = make_parties()
    reship = request_in(RequestStatus.NEEDS_INFO, parties)
    client.force_login(parties.seller)
    request_page = client.get(reverse("requests:detail", args=[reship.pk])).content.decode()
    client.force_login(shop.user)
    new_request_page = client.get(reverse("orders:new-request", args=[shop.order.pk])).content.decode()

    request_forms = _forms_with_a_file_input(request_page)
    new_request_forms = _forms_with_a_file_input(new_request_page)

    assert len(request_forms) >= 2  # the answer's photos and the thread's attachment
    assert len(new_request_forms) == 1
    assert all('enctype="multipart/form-data"' in form for form in request_forms + new_request_forms)
