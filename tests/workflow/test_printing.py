"""reship_print_slips: who may record a print, what it writes, and that a refusal writes nothing."""

from datetime import UTC, datetime

import pytest

from reship import workflow
from reship.choices import EventKind, RequestStatus
from reship.core.errors import ActionNotPermitted, InvalidInput, InvalidTransition, RequestNotFound
from reship.models import ReshipEvent, ReshipLine
from tests.workflow_states import line, make_parties, request_in

pytestmark = pytest.mark.django_db

AT = datetime(2026, 12, 3, 2, 20, tzinfo=UTC)


@pytest.fixture
def parties():
    return make_parties()


def _printed_events():
    return list(ReshipEvent.objects.filter(kind=EventKind.SLIP_PRINTED).values_list("request_id", "data"))


def test_printing_again_is_recorded_again_with_the_new_time(parties):
    reship = request_in(RequestStatus.APPROVED, parties)
    a = line(reship, "A")
    later = datetime(2026, 12, 3, 5, 0, tzinfo=UTC)

    workflow.reship_print_slips(actor=parties.partner, line_ids=[a.pk], kind="slip", size="a4", now=AT)
    printed = workflow.reship_print_slips(actor=parties.partner, line_ids=[a.pk, a.pk], kind="slip", now=later)

    assert printed.line_ids == [a.pk]
    assert printed.request_ids == [reship.pk]
    a.refresh_from_db()
    assert a.slip_printed_at == later
    assert len(_printed_events()) == 2
    reship.refresh_from_db()
    assert reship.status == RequestStatus.APPROVED  # printing moves nothing


def test_the_seller_may_not_print_the_partners_slips(parties):
    reship = request_in(RequestStatus.APPROVED, parties)

    with pytest.raises(ActionNotPermitted):
        workflow.reship_print_slips(actor=parties.seller, line_ids=[line(reship, "A").pk], kind="slip")

    assert _printed_events() == []


def test_a_missing_line_is_not_found(parties):
    reship = request_in(RequestStatus.APPROVED, parties)

    with pytest.raises(RequestNotFound):
        workflow.reship_print_slips(actor=parties.partner, line_ids=[line(reship, "A").pk, 999_999], kind="slip")

    assert _printed_events() == []


@pytest.mark.parametrize(
    ("kind", "size", "message"),
    [
        ("poster", "a4", "Choose what to print: packing slips or a pick list."),
        ("slip", "a3", "Choose a paper size: A4 or a 100×150 mm label."),
    ],
)
def test_an_unknown_kind_or_size_is_refused(parties, kind, size, message):
    reship = request_in(RequestStatus.APPROVED, parties)

    with pytest.raises(InvalidInput) as refused:
        workflow.reship_print_slips(actor=parties.partner, line_ids=[line(reship, "A").pk], kind=kind, size=size)

    assert refused.value.message == message
    assert _printed_events() == []


def test_more_than_two_hundred_lines_at_once_are_refused(parties):
    with pytest.raises(InvalidInput) as refused:
        workflow.reship_print_slips(actor=parties.partner, line_ids=list(range(1, 202)), kind="pick_list")

    assert refused.value.message == "Print at most 200 lines at a time; 201 were selected."


def test_one_line_no_longer_to_ship_refuses_the_whole_selection(parties):
    ready = request_in(RequestStatus.APPROVED, parties)
    waiting = request_in(RequestStatus.FULFILLING, parties)  # its B1 waits for the source

    with pytest.raises(InvalidTransition) as refused:
        workflow.reship_print_slips(
            actor=parties.partner, line_ids=[line(ready, "A").pk, line(waiting, "B1").pk], kind="slip"
        )

    assert refused.value.message == (
        f"A selected line is no longer to ship: {waiting.number} SKU-B1 (Restock ordered). "
        "Reload the list and select again."
    )
    assert _printed_events() == []
    assert not ReshipLine.objects.filter(slip_printed_at__isnull=False).exists()
