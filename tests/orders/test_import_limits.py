"""The order import under abuse (issue 14): a spreadsheet bomb is refused on the upload page within
a second, with no job and no file kept; a run stopped by the worker's soft time limit ends failed
with a message and only whole batches written, never left running."""

from __future__ import annotations

import signal
import time

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from orders.choices import ImportStatus
from orders.imports import jobs, run
from orders.imports.tasks import order_import_run
from orders.models import ImportJob, Order
from tests.core import xlsx_bombs as bomb

pytestmark = pytest.mark.django_db

HEADER = "订单编号,下单时间,收货人,手机,收货地址,商品编码,数量,单价,代发方"


def stored_files(settings) -> list[str]:
    root = settings.MEDIA_ROOT
    return sorted(path.name for path in root.rglob("*") if path.is_file()) if root.exists() else []


BOMBS = {
    "dimension A1:XFD1048576": (
        lambda: bomb.workbook(
            [bomb.HEADER_ROW, '<row r="1048576"><c r="A1048576"><v>1</v></c></row>'], dimension="A1:XFD1048576"
        ),
        "orders.xlsx spans A1:XFD1048576: more than 200000 rows or 256 columns. Delete the rows and columns after "
        "your data (or copy the data into a new workbook) and upload it again.",
    ),
    "a million tiny rows": (
        lambda: bomb.workbook([bomb.HEADER_ROW, *bomb.rows_of_one_cell(1_000_000)]),
        "orders.xlsx has more than 200000 rows; split it into smaller files.",
    ),
    "100 MB of zeros": (
        lambda: bomb.zeros_member(bomb.workbook([bomb.HEADER_ROW]), "xl/media/image1.png", 100 * 1024 * 1024),
        "orders.xlsx unpacks to far more than its size (a “zip bomb”), or to more than 500.0\xa0MB. Copy the "
        "data into a new workbook, or save it as CSV UTF-8, and upload it again.",
    ),
    # Damaged past the rows opening the sheet reads (a number cell holding text):
    # openpyxl's ValueError was a 500 when the upload read every row.
    "a cell value that is no number at row 30": (
        lambda: bomb.workbook(
            [bomb.HEADER_ROW, *bomb.rows_of_one_cell(28), '<row r="30"><c r="A30"><v>x</v></c></row>']
        ),
        "orders.xlsx cannot be opened as an Excel workbook.",
    ),
    "macros (an .xlsm's xl/vbaProject.bin)": (
        lambda: bomb.workbook([bomb.HEADER_ROW], extra={"xl/vbaProject.bin": bomb.OLE2 + bytes(512)}),
        "orders.xlsx holds a part Reship does not read in a workbook (xl/vbaProject.bin)",
    ),
}


@pytest.mark.parametrize("name", list(BOMBS))
def test_a_bomb_is_refused_on_the_upload_page_within_a_second_with_nothing_kept(client, shop, settings, name):
    build, message = BOMBS[name]
    data = build()
    client.force_login(shop.user)

    cpu_started = time.process_time()
    response = client.post(
        reverse("orders:import"), {"file": SimpleUploadedFile("orders.xlsx", data), "platform": "taobao"}
    )
    cpu_seconds = time.process_time() - cpu_started

    assert response.status_code == 400
    assert message in response.content.decode()
    assert cpu_seconds <= 1.0
    assert not ImportJob.objects.exists()
    assert stored_files(settings) == []


def test_the_task_has_a_soft_time_limit_before_its_hard_one(settings):
    assert order_import_run.soft_time_limit == settings.RESHIP_IMPORT_TIME_LIMIT_SECONDS == 30 * 60
    assert order_import_run.time_limit == 31 * 60


def test_a_run_stopped_by_the_soft_time_limit_ends_failed_with_a_message(shop, settings, monkeypatch):
    settings.RESHIP_IMPORT_INLINE_ROWS = 0  # a worker's job: started here, run below
    rows = [
        f"TB{number},2026-11-20 14:03,张三,13800138000,上海市浦东新区,SKU-A,1,9.9,顺丰代发" for number in range(2500)
    ]
    data = ("\n".join([HEADER, *rows]) + "\n").encode()
    job = jobs.order_import_upload(actor=shop.user, file=SimpleUploadedFile("orders.csv", data), platform="taobao")
    jobs.order_import_configure(
        actor=shop.user, job_id=job.pk, mapping=job.mapping, platform="taobao", partner_id=shop.partner.pk
    )
    jobs.order_import_start(actor=shop.user, job_id=job.pk)

    # What Celery's pool does at the soft limit: a signal to the child, whose handler raises
    # SoftTimeLimitExceeded wherever the run is — here, as the second batch of orders is written.
    def soft_limit(*_args):
        raise SoftTimeLimitExceeded()

    batches = []

    def write_batch(*args, **kwargs):
        batches.append(len(args[1]))
        if len(batches) == 2:
            signal.raise_signal(signal.SIGUSR1)
        return real_write_batch(*args, **kwargs)

    real_write_batch = run.write_batch
    monkeypatch.setattr(run, "write_batch", write_batch)
    previous = signal.signal(signal.SIGUSR1, soft_limit)
    try:
        assert order_import_run(job.pk) == ImportStatus.FAILED
    finally:
        signal.signal(signal.SIGUSR1, previous)

    job.refresh_from_db()
    assert job.error == (
        "The import took longer than 30 minutes and was stopped. The orders written so far are whole; split the "
        "file into smaller ones and import them."
    )
    assert job.finished_at is not None
    assert batches == [1000, 1000]
    assert Order.objects.count() == 1000  # the first batch, whole; nothing of the second
