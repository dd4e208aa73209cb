"""The partner's tracking import under abuse (issue 14): a spreadsheet bomb is refused on the upload
page within a second with nothing written; the sheet is kept under the extension of what it really
is; a run that needs too much memory or passes the worker's soft time limit ends failed with a
message, not running for ever."""

from __future__ import annotations

import csv
import io
import os
import signal
import time

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from orders.choices import ImportStatus
from orders.models import ImportJob
from reship.services import tasks, tracking_import
from tests.core import xlsx_bombs as bomb
from tests.workflow_states import make_parties

pytestmark = pytest.mark.django_db

HEADER = ["Request number", "SKU code", "Carrier", "Tracking number"]


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def partner_user():
    return make_parties().partner


def stored_files(settings) -> list[str]:
    root = settings.MEDIA_ROOT
    return sorted(path.name for path in root.rglob("*") if path.is_file()) if root.exists() else []


def csv_bytes(rows: list[list[str]]) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return text.getvalue().encode()


def xlsx_bytes(rows: list[list[str]]) -> bytes:
    book = Workbook()
    book.active.append(HEADER)
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def create(partner_user, upload: SimpleUploadedFile) -> ImportJob:
    headers, total = tracking_import.tracking_import_check(upload=upload, filename=upload.name)
    return tracking_import.tracking_import_create(
        partner=partner_user.partner_membership.partner,
        actor=partner_user,
        upload=upload,
        filename=upload.name,
        headers=headers,
        rows_total=total,
    )


@pytest.mark.parametrize(
    ("name", "data", "extension"),
    [
        ("week 19.html", csv_bytes([["RS-1", "SKU-A", "ZTO", "ZTO1"]]), ".csv"),
        ("sheet.csv", xlsx_bytes([["RS-1", "SKU-A", "ZTO", "ZTO1"]]), ".xlsx"),
        ("evil.exe", csv_bytes([["RS-1", "SKU-A", "ZTO", "ZTO1"]]), ".csv"),
    ],
)
def test_the_sheet_is_kept_under_a_random_name_with_the_extension_of_what_it_is(partner_user, name, data, extension):
    job = create(partner_user, SimpleUploadedFile(name, data))

    stored = os.path.basename(job.file.name)
    assert stored.endswith(extension)
    assert len(stored) == 32 + len(extension)  # a random hex stem: nothing of the uploader's name
    assert job.original_filename == name  # still shown to the partner as they named it


TRACKING_HEADER_ROW = '<row r="1">{}</row>'.format(
    "".join(
        f'<c r="{letter}1" t="inlineStr"><is><t>{title}</t></is></c>'
        for letter, title in zip("ABCD", HEADER, strict=True)
    )
)
BOMBS = {
    "dimension A1:XFD1048576": (
        bomb.workbook([bomb.HEADER_ROW, '<row r="9"><c r="A9"><v>1</v></c></row>'], dimension="A1:XFD1048576"),
        "tracking.xlsx spans A1:XFD1048576: more than 200000 rows or 256 columns.",
    ),
    "100 MB of zeros": (
        bomb.zeros_member(bomb.workbook([bomb.HEADER_ROW]), "xl/media/image1.png", 100 * 1024 * 1024),
        "tracking.xlsx unpacks to far more than its size (a “zip bomb”)",
    ),
    # Damaged past the rows opening the sheet reads (a number cell holding text):
    # openpyxl's ValueError was a 500 when the upload read every row.
    "a cell value that is no number at row 30": (
        bomb.workbook([TRACKING_HEADER_ROW, *bomb.rows_of_one_cell(28), '<row r="30"><c r="A30"><v>x</v></c></row>']),
        "tracking.xlsx cannot be opened as an Excel workbook.",
    ),
    "macros (an .xlsm's xl/vbaProject.bin)": (
        bomb.workbook([bomb.HEADER_ROW], extra={"xl/vbaProject.bin": bomb.OLE2 + bytes(512)}),
        "tracking.xlsx holds a part Reship does not read in a workbook (xl/vbaProject.bin)",
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", list(BOMBS))
def test_a_bomb_is_refused_on_the_upload_page_within_a_second_with_nothing_written(
    client, partner_user, settings, name
):
    data, message = BOMBS[name]
    client.force_login(partner_user)

    started = time.process_time()  # CPU: the wall clock of a shared machine measures other work too
    response = client.post(reverse("partner:tracking-import"), {"file": SimpleUploadedFile("tracking.xlsx", data)})
    seconds = time.process_time() - started

    assert response.status_code == 400
    assert message in response.content.decode()
    assert seconds <= 1.0
    assert not ImportJob.objects.exists()
    assert stored_files(settings) == []


def many_texts_workbook(count: int) -> bytes:
    """A sheet naming four of ``count`` distinct random texts: openpyxl loads all of them whole.
    (The cap bounds what the process maps, so memory it freed before counts as room: the bound
    itself is measured in a fresh process in tests/core/test_spreadsheet_bombs.py.)"""
    header = "".join(
        f'<c r="{letter}1" t="inlineStr"><is><t>{title}</t></is></c>'
        for letter, title in zip("ABCD", HEADER, strict=True)
    )
    row = '<row r="2"><c r="A2" t="s"><v>0</v></c><c r="B2" t="s"><v>1</v></c>'
    row += '<c r="C2" t="s"><v>2</v></c><c r="D2" t="s"><v>3</v></c></row>'
    texts = (f"<si><t>{os.urandom(24).hex()}</t></si>" for _ in range(count))
    head = (
        '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
        f' count="{count}" uniqueCount="{count}">'
    )
    return bomb.workbook([f'<row r="1">{header}</row>', row], shared=[head, *texts, "</sst>"])


def test_a_run_that_needs_more_memory_than_allowed_ends_failed_with_a_message(partner_user, settings, monkeypatch):
    job = create(partner_user, SimpleUploadedFile("big.xlsx", many_texts_workbook(3_000)))
    settings.RESHIP_IMPORT_MEMORY_BYTES = 1024 * 1024

    # The run needs 256 MB at its first batch: an allocation that size is always a fresh mapping,
    # so the cap refuses it however much freed memory a long-lived test process holds (a workbook's
    # many small strings could fit in that and pass; tests/core/test_spreadsheet_bombs.py measures
    # the bound on a real workbook in a fresh process).
    real_resolve = tracking_import._resolve

    def resolve_needing_memory(rows, **kwargs):
        ballast = bytearray(256 * 1024 * 1024)
        del ballast
        return real_resolve(rows, **kwargs)

    monkeypatch.setattr(tracking_import, "_resolve", resolve_needing_memory)

    tracking_import.tracking_import_run(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    assert job.error == "big.xlsx needs more than 1.0\xa0MB of memory to read; split it into smaller files."
    assert job.finished_at is not None


def test_the_task_has_a_soft_time_limit_before_its_hard_one(settings):
    assert tasks.run_tracking_import.soft_time_limit == settings.RESHIP_IMPORT_TIME_LIMIT_SECONDS == 30 * 60
    assert tasks.run_tracking_import.time_limit == 31 * 60


def test_a_run_stopped_by_the_soft_time_limit_ends_failed_with_a_message(partner_user, monkeypatch):
    rows = [[f"RS-{number}", "SKU-A", "ZTO", f"ZTO{number}"] for number in range(3000)]
    job = create(partner_user, SimpleUploadedFile("slow.csv", csv_bytes(rows)))

    # What Celery's pool does at the soft limit: a signal to the child, whose handler raises
    # SoftTimeLimitExceeded wherever the run is — here, as the second batch of rows is resolved.
    def soft_limit(*_args):
        raise SoftTimeLimitExceeded()

    batches = []

    def resolve(rows, **kwargs):
        batches.append(len(rows))
        if len(batches) == 2:
            signal.raise_signal(signal.SIGUSR1)
        return real_resolve(rows, **kwargs)

    real_resolve = tracking_import._resolve
    monkeypatch.setattr(tracking_import, "_resolve", resolve)
    previous = signal.signal(signal.SIGUSR1, soft_limit)
    try:
        tracking_import.tracking_import_run(job_id=job.pk)
    finally:
        signal.signal(signal.SIGUSR1, previous)

    job.refresh_from_db()
    assert batches == [500, 500]
    assert job.status == ImportStatus.FAILED
    assert job.error == (
        "The import took longer than 30 minutes and was stopped. The lines shipped so far stay shipped: see “To "
        "ship” for the others and upload them again."
    )
