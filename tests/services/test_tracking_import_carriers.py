"""The tracking import and the carrier table: a carrier cell in any of the names people write, a
number refused with the carrier's pattern explained, and the optional status and delivered-at
columns that update parcels registered before."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from orders.choices import TrackingStatus
from orders.models import ImportJob, Shipment
from reship import workflow
from reship.choices import EventKind, LineStatus, RequestStatus
from reship.models import ReshipEvent
from tests.services.test_tracking_import import csv_file, ready_requests, refused_of, run
from tests.workflow_states import line, make_parties, request_in

pytestmark = pytest.mark.django_db

HEADER = ["Request number", "SKU code", "Carrier", "Tracking number", "Status", "Delivered at", "Carrier name"]
CODES = "SF, ZTO, YTO, STO, YUNDA, JTEXPRESS, JD, EMS, DEPPON, CAINIAO, DHL, FEDEX, UPS, USPS, 4PX, YANWEN, OTHER"


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def parties():
    return make_parties()


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


@pytest.mark.parametrize(
    ("written", "code"),
    [("顺丰", "SF"), ("SF Express", "SF"), ("sf", "SF"), ("顺丰速运", "SF"), ("中通快递", "ZTO"), ("中通", "ZTO")],
)
def test_a_carrier_is_read_by_its_code_or_any_of_its_names(parties, written, code):
    approved = request_in(RequestStatus.APPROVED, parties)
    number = "SF100000000001" if code == "SF" else "750000000001"

    job = run(parties.partner, csv_file([[approved.number, "SKU-A", written, number, "", "", ""]], header=HEADER))

    assert refused_of(job) == {}
    parcel = line(approved, "A").shipment
    assert (parcel.carrier.code, parcel.tracking_number, parcel.carrier_label) == (code, number, "")


def test_an_unknown_carrier_or_a_number_that_does_not_fit_refuses_the_row_with_the_reason(parties):
    [first, second] = ready_requests(parties, 2, skus=("SKU-1",))
    rows = [
        [first.number, "SKU-1", "Pigeon Post", "123456789012", "", "", ""],
        [second.number, "SKU-1", "顺丰", "SF12345", "", "", ""],
    ]

    job = run(parties.partner, csv_file(rows, header=HEADER))

    assert refused_of(job) == {
        2: f"“Pigeon Post” is not a carrier Reship knows; use one of: {CODES}.",
        3: "SF12345 is not a SF Express tracking number: they are SF followed by 12–13 digits.",
    }
    assert (job.created_count, job.rows_refused) == (0, 2)
    assert not Shipment.objects.filter(reship_request__in=[first, second]).exists()


def test_a_chinese_uploader_reads_the_pattern_in_chinese(parties):
    approved = request_in(RequestStatus.APPROVED, parties)

    with translation.override("zh-hans"):
        job = run(parties.partner, csv_file([[approved.number, "SKU-A", "顺丰", "SF12345", "", "", ""]], header=HEADER))

    [reason] = refused_of(job).values()
    assert "顺丰速运" in reason
    assert "SF 加 12–13 位数字" in reason


def test_other_carrier_takes_its_name_from_the_carrier_name_column(parties):
    [first, second] = ready_requests(parties, 2, skus=("SKU-1",))
    rows = [
        [first.number, "SKU-1", "其他", "KY-1001", "", "", "跨越速运"],
        [second.number, "SKU-1", "Other", "KY-1002", "", "", ""],
    ]

    job = run(parties.partner, csv_file(rows, header=HEADER))

    assert refused_of(job) == {3: "Name the carrier when it is not in the list."}
    parcel = line(first, "1").shipment
    assert (parcel.carrier.code, parcel.carrier_label, parcel.tracking_number) == ("OTHER", "跨越速运", "KY-1001")


def test_a_status_column_ships_the_parcel_and_says_where_it_is(parties):
    approved = request_in(RequestStatus.APPROVED, parties)

    job = run(
        parties.partner, csv_file([[approved.number, "SKU-A", "ZTO", "750000000001", "运输中", "", ""]], header=HEADER)
    )

    assert refused_of(job) == {}
    parcel = line(approved, "A").shipment
    assert (parcel.tracking_status, parcel.delivered_at) == (TrackingStatus.IN_TRANSIT, None)
    kinds = list(ReshipEvent.objects.filter(request=approved).order_by("pk").values_list("kind", flat=True))
    assert kinds[-2:] == [EventKind.SHIPPED, EventKind.TRACKING_UPDATED]


def test_a_row_for_a_parcel_shipped_before_updates_its_status_instead_of_being_refused(client, parties):
    [reship] = ready_requests(parties, 1, skus=("SKU-1", "SKU-2"))
    shipped_at = timezone.now() - timedelta(days=3)
    workflow.reship_ship(
        request_id=reship.pk,
        actor=parties.partner,
        items=[workflow.ShipItem(line(reship, sku).pk) for sku in ("1", "2")],
        carrier="SF",
        tracking_number="SF100000000001",
        now=shipped_at,
    )
    delivered_at = (timezone.now() - timedelta(days=1)).replace(second=0, microsecond=0)
    rows = [
        [reship.number, "SKU-1", "顺丰", "SF100000000001", "已签收", _local(delivered_at), ""],
        [reship.number, "SKU-2", "sf", "sf 1000 0000 0001", "", "", ""],  # the same parcel, nothing new
    ]
    client.force_login(parties.partner)

    client.post(reverse("partner:tracking-import"), {"file": csv_file(rows, header=HEADER)})
    again = run(parties.partner, csv_file(rows, header=HEADER))  # the same sheet uploaded twice

    job = ImportJob.objects.order_by("pk").first()
    assert refused_of(job) == {}
    assert (job.created_count, job.updated_count, job.unchanged_count, job.rows_refused) == (0, 0, 1, 0)
    parcel = Shipment.objects.get(reship_request=reship)
    assert (parcel.tracking_status, parcel.delivered_at) == (TrackingStatus.DELIVERED, delivered_at)
    assert ReshipEvent.objects.filter(request=reship, kind=EventKind.DELIVERED).count() == 1
    assert (again.unchanged_count, again.rows_refused) == (2, 0)  # delivered already: not refused
    page = client.get(reverse("partner:tracking-import-result", args=[job.pk])).content.decode()
    assert "1 row updated a parcel&#x27;s status." in page or "1 row updated a parcel's status." in page
    assert "1 row unchanged: its parcel already said so." in page


def test_a_row_naming_a_line_that_went_in_another_parcel_is_refused(parties):
    [reship] = ready_requests(parties, 1, skus=("SKU-1", "SKU-2"))
    for sku, number in (("1", "SF100000000001"), ("2", "SF100000000002")):
        workflow.reship_ship(
            request_id=reship.pk,
            actor=parties.partner,
            items=[workflow.ShipItem(line(reship, sku).pk)],
            carrier="SF",
            tracking_number=number,
        )

    job = run(
        parties.partner, csv_file([[reship.number, "SKU-2", "SF", "SF100000000001", "已签收", "", ""]], header=HEADER)
    )

    assert refused_of(job) == {2: "This line went in another parcel, SF Express SF100000000002."}
    assert not Shipment.objects.filter(delivered_at__isnull=False).exists()


@pytest.mark.parametrize(
    ("status", "delivered", "reason"),
    [
        (
            "丢了",
            "",
            "“丢了” is not a tracking status Reship knows; write one of: 运输中 / In transit, "
            "派送中 / Out for delivery, 已签收 / Delivered, 异常 / Delivery problem.",
        ),
        ("运输中", "2026-11-20 14:03", "A delivery time goes with the status “Delivered”, not “In transit”."),
        (
            "",
            "20/11/2026",
            "“20/11/2026” is not a delivery time Reship reads; write it year first, e.g. 2026-11-20 14:03.",
        ),
    ],
)
def test_a_status_or_delivery_time_that_cannot_be_read_refuses_the_row(parties, status, delivered, reason):
    approved = request_in(RequestStatus.APPROVED, parties)

    job = run(
        parties.partner,
        csv_file([[approved.number, "SKU-A", "SF", "SF100000000001", status, delivered, ""]], header=HEADER),
    )

    assert refused_of(job) == {2: reason}
    assert line(approved, "A").status == LineStatus.PENDING
