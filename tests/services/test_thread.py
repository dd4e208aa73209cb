"""The thread and the communication log (reship.services.thread): writes that move no status.

Each loads the request through the tenancy filter, validates, writes one row and nothing else: no
event, no status change, no notification.
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from reship.choices import RequestStatus
from reship.core.errors import InvalidInput, RequestNotFound
from reship.models import CommunicationRecord, Notification, RequestMessage, ReshipEvent
from reship.services import thread
from tests.workflow_states import make_parties, request_in

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"0" * 32


@pytest.fixture
def parties():
    return make_parties()


@pytest.fixture
def reship(parties):
    return request_in(RequestStatus.SUBMITTED, parties)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _unchanged(reship, *, events: int, notifications: int) -> None:
    reship.refresh_from_db()
    assert reship.status == RequestStatus.SUBMITTED
    assert ReshipEvent.objects.filter(request=reship).count() == events
    assert Notification.objects.count() == notifications


# --- message_post -------------------------------------------------------------------------------


@pytest.mark.parametrize(("who", "role"), [("seller", "seller"), ("partner", "partner")])
def test_a_message_is_written_with_the_authors_side(parties, reship, who, role):
    events, notifications = ReshipEvent.objects.count(), Notification.objects.count()
    now = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)

    message = thread.message_post(
        request_id=reship.pk, actor=getattr(parties, who), body="  Is the box photo enough?  ", now=now
    )

    assert (message.author, message.author_role, message.body, message.created_at) == (
        getattr(parties, who),
        role,
        "Is the box photo enough?",
        now,
    )
    assert not message.attachment
    _unchanged(reship, events=events, notifications=notifications)


def test_an_attachment_is_stored_under_the_extension_of_what_it_really_is(parties, reship):
    message = thread.message_post(
        request_id=reship.pk,
        actor=parties.seller,
        body="The label",
        attachment=SimpleUploadedFile("label photo.jpeg.exe", PNG, content_type="application/octet-stream"),
    )

    assert message.attachment.name.startswith("messages/")
    assert message.attachment.name.endswith(".png")
    assert "label_photo.jpeg" in message.attachment.name
    with message.attachment.open("rb") as stored:
        assert stored.read() == PNG


def test_a_pdf_is_accepted_in_the_thread(parties, reship):
    message = thread.message_post(
        request_id=reship.pk, actor=parties.partner, body="Invoice", attachment=SimpleUploadedFile("inv.pdf", PDF)
    )

    assert message.attachment.name.endswith(".pdf")


def test_a_file_that_is_neither_photo_nor_pdf_is_refused_and_nothing_is_written(parties, reship, settings):
    events, notifications = ReshipEvent.objects.count(), Notification.objects.count()

    with pytest.raises(InvalidInput, match="not one of the accepted files") as refused:
        thread.message_post(
            request_id=reship.pk,
            actor=parties.seller,
            body="See attached",
            attachment=SimpleUploadedFile("photo.png", b"MZ\x90\x00" + b"\x00" * 64),
        )

    assert refused.value.field_errors == {"attachment": ["Not an accepted file type."]}
    assert not RequestMessage.objects.exists()
    assert not (settings.MEDIA_ROOT.exists() and any(settings.MEDIA_ROOT.rglob("*.*")))
    _unchanged(reship, events=events, notifications=notifications)


def test_an_attachment_over_the_limit_is_refused(parties, reship, settings):
    settings.RESHIP_UPLOAD_MAX_BYTES = 50

    with pytest.raises(InvalidInput, match="the limit is 50"):
        thread.message_post(
            request_id=reship.pk, actor=parties.seller, body="Big", attachment=SimpleUploadedFile("big.png", PNG)
        )
    assert not RequestMessage.objects.exists()


@pytest.mark.parametrize("body", ["", "   \n "])
def test_an_empty_message_is_refused(parties, reship, body):
    with pytest.raises(InvalidInput) as refused:
        thread.message_post(request_id=reship.pk, actor=parties.seller, body=body)

    assert refused.value.field_errors == {"body": ["Required."]}
    assert not RequestMessage.objects.exists()


def test_a_message_too_long_is_refused(parties, reship):
    with pytest.raises(InvalidInput, match="at most 5000 characters"):
        thread.message_post(request_id=reship.pk, actor=parties.seller, body="x" * 5001)


@pytest.mark.parametrize("outsider", ["other_seller", "other_partner"])
def test_another_organisation_cannot_post_to_the_thread(parties, reship, outsider):
    with pytest.raises(RequestNotFound):
        thread.message_post(request_id=reship.pk, actor=getattr(parties, outsider), body="Hello")

    assert not RequestMessage.objects.exists()


def test_a_request_that_does_not_exist_is_not_found(parties):
    with pytest.raises(RequestNotFound):
        thread.message_post(request_id=999_999, actor=parties.seller, body="Hello")


def test_the_thread_stays_open_after_the_request_ends(parties):
    rejected = request_in(RequestStatus.REJECTED, parties)

    message = thread.message_post(request_id=rejected.pk, actor=parties.seller, body="Why? Here is the photo.")

    assert message.request_id == rejected.pk


# --- communication_record_add --------------------------------------------------------------------


def test_a_contact_is_logged_with_who_how_which_way_and_when(parties, reship):
    events, notifications = ReshipEvent.objects.count(), Notification.objects.count()
    when = datetime(2026, 3, 1, 9, 15, tzinfo=UTC)

    record = thread.communication_record_add(
        request_id=reship.pk,
        actor=parties.partner,
        counterpart="supplier",
        channel="phone",
        direction="outbound",
        summary="  Source has stock; ships Monday.  ",
        occurred_at=when,
        now=when + timedelta(hours=1),
    )

    assert (
        record.request_id,
        record.counterpart,
        record.channel,
        record.direction,
        record.summary,
        record.recorded_by,
        record.occurred_at,
    ) == (reship.pk, "supplier", "phone", "outbound", "Source has stock; ships Monday.", parties.partner, when)
    _unchanged(reship, events=events, notifications=notifications)


def test_a_contact_without_a_time_happened_now(parties, reship):
    now = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)

    record = thread.communication_record_add(
        request_id=reship.pk,
        actor=parties.seller,
        counterpart="customer",
        channel="site_message",
        direction="inbound",
        summary="The customer asked where the parcel is.",
        now=now,
    )

    assert record.occurred_at == now


@pytest.mark.parametrize(
    ("who", "counterpart"),
    [("seller", "seller"), ("partner", "partner")],
)
def test_a_contact_with_ones_own_side_is_refused(parties, reship, who, counterpart):
    with pytest.raises(InvalidInput) as refused:
        thread.communication_record_add(
            request_id=reship.pk, actor=getattr(parties, who), counterpart=counterpart, channel="im", summary="x"
        )

    assert refused.value.field_errors == {"counterpart": ["That is your own side."]}
    assert not CommunicationRecord.objects.filter(automatic=False).exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"counterpart": "neighbour"}, "counterpart"),
        ({"channel": "carrier_pigeon"}, "channel"),
        ({"direction": "sideways"}, "direction"),
        ({"summary": "  "}, "summary"),
        ({"occurred_at": datetime(2026, 3, 2, 12, 0, tzinfo=UTC)}, "occurred_at"),  # two hours ahead
        ({"occurred_at": datetime(2026, 3, 2, 9, 0)}, "occurred_at"),  # noqa: DTZ001 - naive on purpose
    ],
)
def test_a_contact_with_bad_input_is_refused_next_to_its_field(parties, reship, changes, field):
    arguments = {
        "counterpart": "customer",
        "channel": "phone",
        "direction": "outbound",
        "summary": "Called.",
        "now": datetime(2026, 3, 2, 10, 0, tzinfo=UTC),
        **changes,
    }

    with pytest.raises(InvalidInput) as refused:
        thread.communication_record_add(request_id=reship.pk, actor=parties.seller, **arguments)

    assert list(refused.value.field_errors) == [field]
    assert not CommunicationRecord.objects.filter(automatic=False).exists()


def test_a_clock_a_little_ahead_is_not_the_future(parties, reship):
    now = timezone.now()

    record = thread.communication_record_add(
        request_id=reship.pk,
        actor=parties.seller,
        counterpart="customer",
        channel="phone",
        summary="Called.",
        occurred_at=now + timedelta(minutes=2),
        now=now,
    )

    assert record.pk is not None


@pytest.mark.parametrize("outsider", ["other_seller", "other_partner"])
def test_another_organisation_cannot_log_a_contact(parties, reship, outsider):
    with pytest.raises(RequestNotFound):
        thread.communication_record_add(
            request_id=reship.pk, actor=getattr(parties, outsider), counterpart="customer", channel="phone", summary="x"
        )

    assert not CommunicationRecord.objects.filter(automatic=False).exists()
