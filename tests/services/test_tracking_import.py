"""The partner's tracking import (``reship.services.tracking_import`` and its pages): 200 lines shipped from
one sheet, each refused row with its reason and nothing changed by it, a parcel that ships whole or
not at all, notifications once per parcel, the refused-rows file, the Celery path, tenancy, and a
number of queries per row that does not grow."""

import csv
import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from orders.choices import ImportStatus
from orders.models import ImportJob, Shipment
from reship import workflow
from reship.choices import EventKind, LineStatus, RequestStatus
from reship.models import Notification, ReshipEvent, ReshipLine, ShipToReveal
from reship.services import tasks, tracking_import
from tests.factories import (
    OrderFactory,
    OrderLineFactory,
    ProductFactory,
    SellerMembershipFactory,
    ShipmentFactory,
)
from tests.workflow_states import approve, line, make_parties, request_in

pytestmark = pytest.mark.django_db

PER_PARCEL = 21  # queries of one workflow call (lock, lines, parcel, event, notifications, inbox entries done)
HEADER = ["Request number", "Order number", "SKU code", "Carrier", "Tracking number", "Quality check note"]


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def csv_file(rows, *, header=HEADER, name="tracking.csv") -> SimpleUploadedFile:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(header)
    writer.writerows(rows)
    return SimpleUploadedFile(name, ("\ufeff" + text.getvalue()).encode("utf-8"), content_type="text/csv")


def xlsx_file(rows, *, header=HEADER, name="tracking.xlsx") -> SimpleUploadedFile:
    workbook = Workbook()
    workbook.active.append(header)
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def run(partner_user, upload: SimpleUploadedFile) -> ImportJob:
    """The engine as the upload page drives it: read the sheet whole, make the job, run it."""
    headers, total = tracking_import.tracking_import_check(upload=upload, filename=upload.name)
    job = tracking_import.tracking_import_create(
        partner=partner_user.partner_membership.partner,
        actor=partner_user,
        upload=upload,
        filename=upload.name,
        headers=headers,
        rows_total=total,
    )
    tracking_import.tracking_import_run(job_id=job.pk)
    job.refresh_from_db()
    return job


def refused_of(job: ImportJob) -> dict[int, str]:
    """{row number: reason} from the job's refused-rows file."""
    if not job.refused_file:
        return {}
    with job.refused_file.open("rb") as handle:
        rows = list(csv.reader(io.StringIO(handle.read().decode("utf-8-sig"))))
    return {int(row[-2]): row[-1] for row in rows[1:]}


def ready_requests(parties, count: int, *, skus=("SKU-1", "SKU-2", "SKU-3", "SKU-4")) -> list:
    """``count`` approved requests of the parties, each on an order of its own, every line a resend."""
    seller = parties.seller.seller_membership.seller
    partner = parties.partner.partner_membership.partner
    products = [ProductFactory(seller=seller, sku_code=sku) for sku in skus]
    made = []
    for _index in range(count):
        order = OrderFactory(seller=seller, partner=partner, customer_email="buyer@example.com")
        lines = [OrderLineFactory(order=order, product=product, quantity=1) for product in products]
        reship = workflow.reship_submit(
            actor=parties.seller,
            order_id=order.pk,
            reason="damaged",
            lines=[workflow.LineRequest(each.pk, 1, "resend") for each in lines],
        )
        approve(parties, reship)
        made.append(reship)
    return made


@pytest.fixture
def parties():
    return make_parties()


# --- 200 lines from one sheet -------------------------------------------------------------------


def test_a_partner_ships_200_lines_from_one_sheet(client, parties):
    requests = ready_requests(parties, 50)
    rows = [
        [reship.number, "", f"SKU-{index}", "SF Express", f"SF{position:012d}", ""]
        for position, reship in enumerate(requests)
        for index in (1, 2, 3, 4)
    ]
    client.force_login(parties.partner)

    response = client.post(reverse("partner:tracking-import"), {"file": csv_file(rows)})

    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("partner:tracking-import-result", args=[job.pk])
    assert (job.kind, job.status, job.rows_total, job.rows_done, job.rows_refused) == ("tracking", "done", 200, 200, 0)
    assert (job.created_count, job.updated_count) == (50, 200)
    assert not job.refused_file
    assert Shipment.objects.filter(reship_request__in=requests).count() == 50
    shipped = ReshipLine.objects.filter(request__in=requests, status=LineStatus.SHIPPED, shipment__isnull=False)
    assert shipped.count() == 200
    assert {reship.status for reship in type(requests[0]).objects.filter(pk__in=[r.pk for r in requests])} == {
        RequestStatus.INFO_UPDATE
    }
    page = client.get(response["Location"]).content.decode()
    assert "200 lines shipped" in page
    assert "in 50 parcels." in page
    assert "0 rows refused." in page


# --- refused rows -------------------------------------------------------------------------------


def test_each_refused_row_says_why_and_changes_nothing(parties):
    approved = request_in(RequestStatus.APPROVED, parties)  # A ready; B1, B2 restock first; C compensated
    submitted = request_in(RequestStatus.SUBMITTED, parties)
    stranger = make_parties()
    theirs = request_in(RequestStatus.APPROVED, stranger)
    ShipmentFactory(carrier="YTO", tracking_number="YT1000000000099")
    rows = [
        [approved.number, "", "SKU-A", "SF Express", "SF100000000001", ""],  # 2: shipped
        [submitted.number, "", "SKU-A", "SF Express", "SF100000000002", ""],  # 3: wrong state
        [theirs.number, "", "SKU-A", "SF Express", "SF100000000003", ""],  # 4: another partner's: unknown
        ["RS-2026-999999", "", "SKU-A", "SF Express", "SF100000000004", ""],  # 5: unknown
        [approved.number, "", "SKU-Z", "SF Express", "SF100000000005", ""],  # 6: unknown SKU
        [approved.number, "", "SKU-B1", "YTO", "YT1000000000099", ""],  # 7: a parcel of B1 and C, B1 not ready
        [approved.number, "", "SKU-C", "YTO", "YT1000000000099", ""],  # 8: … and C to be compensated
        [
            "",
            theirs.order.platform_order_number,
            "SKU-A",
            "SF Express",
            "SF100000000006",
            "",
        ],  # 9: their order: unknown
        ["", "", "SKU-A", "SF Express", "SF100000000007", ""],  # 10: no number
        [approved.number, "", "", "SF Express", "SF100000000008", ""],  # 11: no line
    ]
    lines_before = {each.pk: each.status for each in ReshipLine.objects.all()}
    events_before = ReshipEvent.objects.count()

    job = run(parties.partner, csv_file(rows))

    not_ready = "SKU SKU-B1 cannot be shipped now: it is Pending, to be Restock, then resend."
    assert refused_of(job) == {
        3: f"Request {submitted.number} is at “Submitted”, where “Ship” is not possible. "
        "Possible now: Ask for information, Approve, Reject, Cancel, Change the ship-to.",
        4: f"Unknown request number {theirs.number}.",
        5: "Unknown request number RS-2026-999999.",
        6: f"Request {approved.number} has no line with SKU SKU-Z.",
        7: not_ready,
        8: not_ready,
        9: f"Unknown order number {theirs.order.platform_order_number}.",
        10: "Give a request number or an order number.",
        11: "Give the line's SKU code or its line number.",
    }
    assert (job.rows_total, job.rows_refused, job.created_count, job.updated_count) == (10, 9, 1, 1)
    # Only line A of the approved request changed; no parcel but SF-OK (and the one made above).
    changed = {pk for pk, status in lines_before.items() if ReshipLine.objects.get(pk=pk).status != status}
    assert changed == {line(approved, "A").pk}
    assert list(Shipment.objects.filter(reship_request__isnull=False).values_list("tracking_number", flat=True)) == [
        "SF100000000001"
    ]
    assert ReshipEvent.objects.count() == events_before + 1
    theirs.refresh_from_db()
    assert theirs.status == RequestStatus.APPROVED


def test_a_tracking_number_already_used_refuses_the_parcel(parties):
    approved = request_in(RequestStatus.APPROVED, parties)
    ShipmentFactory(carrier="SF Express", tracking_number="SF100000000099")  # another order's parcel

    job = run(parties.partner, csv_file([[approved.number, "", "SKU-A", "SF Express", "SF100000000099", ""]]))

    assert refused_of(job) == {2: "SF Express tracking number SF100000000099 is already used by another parcel."}
    assert line(approved, "A").status == LineStatus.PENDING
    assert not Shipment.objects.filter(reship_request=approved).exists()


def test_a_parcel_ships_all_its_lines_or_none(parties):
    fulfilling = request_in(RequestStatus.FULFILLING, parties)  # A ready, B1 restock ordered
    rows = [
        [fulfilling.number, "", "SKU-A", "ZTO", "750000000001", ""],
        [fulfilling.number, "", "SKU-B1", "ZTO", "750000000001", ""],
    ]

    job = run(parties.partner, csv_file(rows))

    reason = "SKU SKU-B1 cannot be shipped now: it is Restock ordered, to be Restock, then resend."
    assert refused_of(job) == {2: reason, 3: reason}
    assert line(fulfilling, "A").status == LineStatus.PENDING
    assert not Shipment.objects.filter(reship_request=fulfilling).exists()


def test_the_same_line_twice_in_a_parcel_or_in_two(parties):
    requests = ready_requests(parties, 1)
    number = requests[0].number
    rows = [
        [number, "", "SKU-1", "ZTO", "750000000001", ""],
        [number, "", "sku-1", "zto", "7500 0000 0001", ""],  # the same parcel, written otherwise
        [number, "", "SKU-1", "YTO", "YT1000000000001", ""],  # another parcel
        [number, "", "SKU-2", "ZTO", "750000000001", ""],
    ]

    job = run(parties.partner, csv_file(rows))

    assert refused_of(job) == {
        3: "This line is already in row 2 with the same tracking number.",
        4: "SKU SKU-1 cannot be shipped now: it is Shipped, to be Resend.",
    }
    parcel = Shipment.objects.get(reship_request=requests[0])
    assert (parcel.carrier.code, parcel.tracking_number) == ("ZTO", "750000000001")
    assert sorted(parcel.reship_lines.values_list("order_line__product__sku_code", flat=True)) == ["SKU-1", "SKU-2"]


# --- finding the request and the line -----------------------------------------------------------


def test_an_order_number_finds_its_one_request_waiting_to_be_shipped(parties):
    order_number = parties.order.platform_order_number
    approved = request_in(RequestStatus.APPROVED, parties)
    request_in(RequestStatus.SUBMITTED, parties)  # on the same order, not shippable: no ambiguity

    job = run(parties.partner, csv_file([["", order_number, "SKU-A", "ZTO", "750000000009", "Checked"]]))

    assert refused_of(job) == {}
    assert line(approved, "A").status == LineStatus.SHIPPED
    assert line(approved, "A").quality_check_note == "Checked"


def test_an_order_number_with_several_or_no_requests_to_ship_is_refused(parties):
    order_number = parties.order.platform_order_number
    submitted = request_in(RequestStatus.SUBMITTED, parties)
    lonely = run(parties.partner, csv_file([["", order_number, "SKU-A", "ZTO", "750000000001", ""]]))
    first = request_in(RequestStatus.APPROVED, parties)
    # The order's lines have two of each: a third request can still claim one.
    workflow.reship_cancel(request_id=submitted.pk, actor=parties.seller, reason="Sent twice")
    second = request_in(RequestStatus.APPROVED, parties)

    several = run(parties.partner, csv_file([["", order_number, "SKU-A", "ZTO", "750000000002", ""]]))

    assert refused_of(lonely) == {
        2: f"No request of order {order_number} is waiting to be shipped: {submitted.number} “Submitted”."
    }
    assert refused_of(several) == {
        2: f"Order {order_number} has several requests waiting to be shipped ({first.number}, {second.number}): "
        "give the request number."
    }


def test_a_line_number_is_the_lines_position_on_the_request(parties):
    requests = ready_requests(parties, 1)
    number = requests[0].number
    header = ["补单号", "行号", "快递公司", "快递单号"]

    job = run(
        parties.partner,
        csv_file([[number, "3", "顺丰", "SF100000000001"], [number, "9", "顺丰", "SF100000000002"]], header=header),
    )

    assert refused_of(job) == {3: f"Request {number} has no line 9: its lines are numbered 1 to 4."}
    shipped = ReshipLine.objects.get(request=requests[0], status=LineStatus.SHIPPED)
    assert shipped.order_line.product.sku_code == "SKU-3"
    assert (shipped.shipment.carrier.code, shipped.shipment.tracking_number) == ("SF", "SF100000000001")


def test_an_xlsx_sheet_ships_too(parties):
    approved = request_in(RequestStatus.APPROVED, parties)

    job = run(parties.partner, xlsx_file([[approved.number, None, "SKU-A", "EMS", 1234567890123, None]]))

    assert refused_of(job) == {}
    assert line(approved, "A").shipment.tracking_number == "1234567890123"


# --- notifications ------------------------------------------------------------------------------


def test_notifications_are_queued_once_per_parcel(parties, django_capture_on_commit_callbacks):
    requests = ready_requests(parties, 2)
    rows = [
        [reship.number, "", f"SKU-{index}", "ZTO", f"7500000{reship.pk:05d}", ""]
        for reship in requests
        for index in (1, 2)
    ]
    before = Notification.objects.count()

    with django_capture_on_commit_callbacks() as callbacks:
        run(parties.partner, csv_file(rows))

    shipped = Notification.objects.filter(template="lines_shipped").order_by("request_id", "channel")
    for reship in requests:
        told = [(row.payload["audience"], row.channel) for row in shipped if row.request_id == reship.pk]
        # One message to the customer (email: the order has an address), the seller's inbox and email.
        assert sorted(told) == [("customer", "email"), ("seller", "email"), ("seller", "inbox")]
        assert ReshipEvent.objects.filter(request=reship, kind=EventKind.SHIPPED).count() == 1
    assert Notification.objects.count() == before + 6
    assert len(callbacks) == 4  # per parcel, one delivery hand-off for the staff's rows and one for the customer's


# --- the refused-rows file ----------------------------------------------------------------------


def test_the_refused_rows_download_is_the_sheet_with_row_and_reason(client, parties):
    approved = request_in(RequestStatus.APPROVED, parties)
    rows = [
        [approved.number, "", "SKU-A", "ZTO", "750000000001", ""],
        ["RS-2026-999999", "", "SKU-A", "ZTO", "ZTO2", '=HYPERLINK("http://evil.example")'],
    ]
    client.force_login(parties.partner)
    client.post(reverse("partner:tracking-import"), {"file": csv_file(rows, name="week 19.csv")})
    job = ImportJob.objects.get()

    response = client.get(reverse("partner:tracking-import-refused", args=[job.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="refused-rows-week 19.csv"'
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    assert list(csv.reader(io.StringIO(body.decode("utf-8-sig")))) == [
        [*HEADER, "Row", "Reason"],
        ["RS-2026-999999", "", "SKU-A", "ZTO", "ZTO2", "'=HYPERLINK(\"http://evil.example\")", "3",
         "Unknown request number RS-2026-999999."],
    ]  # fmt: skip
    page = client.get(reverse("partner:tracking-import-result", args=[job.pk])).content.decode()
    assert "1 line shipped" in page
    assert "1 row refused." in page
    assert "Unknown request number RS-2026-999999." in page


# --- the upload page ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("empty.csv", b""), "The submitted file is empty."),
        (
            SimpleUploadedFile("cols.csv", b"Request number,Carrier\nRS-1,ZTO\n"),
            "The sheet needs a column for each of: “SKU code” or “Line”; “Tracking number”.",
        ),
        (
            SimpleUploadedFile("header.csv", "\ufeffRequest number,SKU code,Carrier,Tracking number\n".encode()),
            "header.csv has a header row but no data rows.",
        ),
    ],
)
def test_a_sheet_that_cannot_be_read_is_refused_before_anything_is_written(client, parties, upload, message):
    client.force_login(parties.partner)

    response = client.post(reverse("partner:tracking-import"), {"file": upload})

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ImportJob.objects.exists()


def test_the_lines_to_ship_sheet_goes_back_in_filled(client, parties):
    requests = ready_requests(parties, 2, skus=("SKU-1", "SKU-2"))
    client.force_login(parties.partner)
    sheet = client.get(reverse("partner:tracking-import-sheet-csv"))
    rows = list(csv.reader(io.StringIO(b"".join(sheet.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == [
        "Request number", "Order number", "SKU code", "Product", "Quantity", "Recipient", "Phone", "Country",
        "Province / state", "City", "District", "Street address", "Postcode",
        "Carrier (code or name: SF, ZTO, YTO, STO, YUNDA, JTEXPRESS, JD, EMS, DEPPON, CAINIAO, DHL, FEDEX, UPS, "
        "USPS, 4PX, YANWEN, OTHER)",
        "Tracking number", "Carrier name", "Quality check note",
    ]  # fmt: skip
    assert sorted((row[0], row[2], row[13], row[14]) for row in rows[1:]) == [
        (reship.number, sku, "", "") for reship in requests for sku in ("SKU-1", "SKU-2")
    ]
    for row in rows[1:]:
        row[13], row[14] = "中通快递", f"75000000{int(row[0][-6:]):04d}"

    client.post(reverse("partner:tracking-import"), {"file": csv_file(rows[1:], header=rows[0])})

    job = ImportJob.objects.get()
    assert (job.status, job.updated_count, job.created_count, job.rows_refused) == ("done", 4, 2, 0)
    assert list(b"".join(client.get(reverse("partner:tracking-import-sheet-csv")).streaming_content).splitlines()) == [
        b"\xef\xbb\xbf" + ",".join(f'"{cell}"' if "," in cell else cell for cell in rows[0]).encode()
    ]


def test_the_lines_to_ship_sheet_shows_the_partner_where_to_ship_and_logs_it(client, parties):
    [reship] = ready_requests(parties, 1, skus=("SKU-1", "SKU-2"))
    type(reship).objects.filter(pk=reship.pk).update(
        ship_name="王小明",
        ship_phone="138 0013 8000",
        ship_country="CN",
        ship_province="浙江省",
        ship_city="杭州市",
        ship_district="西湖区",
        ship_street="文三路 90 号 3 幢 501",
        ship_postcode="310012",
    )
    client.force_login(parties.partner)

    sheet = client.get(reverse("partner:tracking-import-sheet-csv"))

    rows = list(csv.reader(io.StringIO(b"".join(sheet.streaming_content).decode("utf-8-sig"))))
    assert [row[5:13] for row in rows[1:]] == [
        ["王小明", "138 0013 8000", "CN", "浙江省", "杭州市", "西湖区", "文三路 90 号 3 幢 501", "310012"]
    ] * 2
    # One full reveal for the request (not one per line), through the sheet, by the partner's user.
    assert list(ShipToReveal.objects.values_list("request_id", "user_id", "via")) == [
        (reship.pk, parties.partner.pk, "sheet")
    ]


def test_the_to_ship_page_links_to_the_import(client, parties):
    client.force_login(parties.partner)

    page = client.get(reverse("partner:to-ship")).content.decode()

    assert f'href="{reverse("partner:tracking-import")}"' in page


# --- the Celery path ----------------------------------------------------------------------------


def test_a_big_sheet_runs_in_a_task_while_the_page_shows_its_progress(
    client, parties, settings, django_capture_on_commit_callbacks
):
    settings.RESHIP_IMPORT_INLINE_ROWS = 3
    requests = ready_requests(parties, 1)
    rows = [[requests[0].number, "", f"SKU-{index}", "ZTO", "750000000001", ""] for index in (1, 2, 3, 4)]
    client.force_login(parties.partner)

    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(reverse("partner:tracking-import"), {"file": csv_file(rows)})
    job = ImportJob.objects.get()
    queued = client.get(response["Location"]).content.decode()
    polled = client.get(response["Location"], HTTP_HX_REQUEST="true").content.decode()
    callbacks[0]()  # the broker takes the task once the job is committed; eager here
    job.refresh_from_db()
    finished = client.get(response["Location"], HTTP_HX_REQUEST="true").content.decode()

    assert len(callbacks) == 1
    assert '<progress id="import-progress" max="4" value="0">' in queued
    assert 'hx-trigger="every 2s"' in queued
    assert 'id="import-status"' in polled
    assert "<html" not in polled  # the partial only
    assert (job.status, job.updated_count, job.created_count) == (ImportStatus.DONE, 4, 1)
    assert "hx-trigger" not in finished
    assert "4 lines shipped" in finished


def test_the_task_is_safe_to_run_twice(parties):
    approved = request_in(RequestStatus.APPROVED, parties)
    job = run(parties.partner, csv_file([[approved.number, "", "SKU-A", "ZTO", "750000000001", ""]]))

    assert tasks.run_tracking_import(job.pk) == "skipped"

    job.refresh_from_db()
    assert (job.status, job.updated_count, job.rows_refused) == (ImportStatus.DONE, 1, 0)
    assert Shipment.objects.filter(reship_request=approved).count() == 1


def test_a_job_whose_worker_was_lost_ends_failed_not_shipped_twice(parties):
    approved = request_in(RequestStatus.APPROVED, parties)
    job = run(parties.partner, csv_file([[approved.number, "", "SKU-A", "ZTO", "750000000001", ""]]))
    long_ago = timezone.now() - timedelta(hours=1)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.RUNNING, progress_at=long_ago, finished_at=None)

    assert tasks.run_tracking_import(job.pk) == "skipped"

    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    assert job.error.startswith("The import stopped half-way. The lines shipped so far stay shipped")
    assert Shipment.objects.filter(reship_request=approved).count() == 1


# --- tenancy ------------------------------------------------------------------------------------


def test_another_partners_import_is_not_found(client, parties):
    job = run(parties.partner, csv_file([["RS-2026-999999", "", "SKU-A", "ZTO", "750000000001", ""]]))
    assert job.refused_file
    client.force_login(parties.other_partner)

    assert client.get(reverse("partner:tracking-import-result", args=[job.pk])).status_code == 404
    assert client.get(reverse("partner:tracking-import-refused", args=[job.pk])).status_code == 404
    assert job.original_filename not in client.get(reverse("partner:tracking-import")).content.decode()


@pytest.mark.parametrize("name", ["partner:tracking-import", "partner:tracking-import-sheet-csv"])
def test_a_seller_finds_no_such_page_and_a_visitor_logs_in(client, name):
    assert client.get(reverse(name)).status_code == 302
    client.force_login(SellerMembershipFactory().user)

    assert client.get(reverse(name)).status_code == 404


def test_a_partners_sheet_lists_only_its_own_lines_to_ship(client, parties):
    ready_requests(parties, 1, skus=("SKU-1",))
    stranger = make_parties()
    ready_requests(stranger, 1, skus=("SKU-9",))
    client.force_login(parties.partner)

    rows = list(
        csv.reader(
            io.StringIO(
                b"".join(client.get(reverse("partner:tracking-import-sheet-csv")).streaming_content).decode("utf-8-sig")
            )
        )
    )

    assert [row[2] for row in rows[1:]] == ["SKU-1"]


# --- queries ------------------------------------------------------------------------------------


def test_the_queries_per_row_do_not_grow(parties):
    requests = ready_requests(parties, 35, skus=("SKU-1", "SKU-2", "SKU-3"))

    def queries(batch, skus):
        rows = [[reship.number, "", sku, "ZTO", f"7500000{reship.pk:05d}", ""] for reship in batch for sku in skus]
        with CaptureQueriesContext(connection) as captured:
            job = run(parties.partner, csv_file(rows))
        assert job.updated_count == len(rows)
        return len(captured)

    few = queries(requests[:5], ("SKU-1",))
    many = queries(requests[5:30], ("SKU-1",))
    wide = queries(requests[30:], ("SKU-1", "SKU-2"))

    assert wide == few  # two lines in a parcel cost what one does: a row adds no query of its own
    assert (many - few) % 20 == 0  # each parcel costs the same
    assert (many - few) // 20 <= PER_PARCEL
