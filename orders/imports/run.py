"""Running an order import job: two passes over the file, batches of complete orders, progress.

- First pass: where each order number is seen last. An order is complete when its last row is read,
  so rows of one order that are not next to each other (the same number further down) still make
  one order. Only rows waiting for a later row of their order stay in memory, at most
  ``MAX_OPEN_ROWS``; a file whose orders are spread wider is refused before anything is written,
  asking to sort it by order number. Memory is otherwise bounded by one batch.
- Second pass: complete orders are validated and written ``BATCH_ORDERS`` at a time; after each
  batch one UPDATE writes the progress for the progress page.
- Refused rows go, as they are refused, to a temporary CSV that becomes the job's refused-rows file.
- Messages and the refused-rows file are in the uploader's language; times without a zone are in
  the uploader's time zone — both kept on the job, as a worker runs it later.
"""

from __future__ import annotations

import csv
import io
import logging
import tempfile
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from celery.exceptions import SoftTimeLimitExceeded
from django.core.files import File
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from orders.choices import ImportKind, ImportStatus
from orders.imports.fields import (
    ORDER_NUMBER,
    field_problem,
    problems_joined,
)
from orders.imports.lifecycle import (
    import_job_fail,
    import_job_lost,
    import_job_out_of_time_message,
    import_job_progress,
)
from orders.imports.validation import Context, Problems, validate_group
from orders.imports.writing import write_batch
from orders.models import ImportJob
from reship.core.exports import neutralised
from reship.core.spreadsheets import Sheet, SheetError, open_sheet, sheet_memory_cap

logger = logging.getLogger(__name__)

BATCH_ORDERS = 1000
MAX_OPEN_ROWS = 20_000
# A RUNNING job whose progress is older than this lost its worker; a new delivery takes it over.


# --- Refused rows ------------------------------------------------------------------------------------


def reasons_by_row(rows: list[tuple[int, list[str]]], problems: Problems) -> Iterator[tuple[int, list[str], str]]:
    """Each row of a refused order with its reason in the active language; a row without a problem
    of its own points at the rows that have one."""
    with_problems = sorted(problems)
    for number, cells in rows:
        found = problems.get(number)
        if found:
            reason = problems_joined([field_problem(key, message) for key, message in found])
        else:
            reason = _("Not imported with its order: see row %(rows)s.") % {
                "rows": ", ".join(str(row) for row in with_problems)
            }
        yield number, cells, reason


class RefusedRows:
    """The refused-rows file, written as rows are refused: CSV, UTF-8 with a BOM for Excel, the
    file's own headers and then Row and Reason in the job's language, every cell made formula-safe."""

    def __init__(self, headers: list[str]) -> None:
        self.headers = headers
        self.count = 0
        self._binary: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - closed in save/close
        self._text = io.TextIOWrapper(self._binary, encoding="utf-8-sig", newline="")
        self._writer = csv.writer(self._text)

    def add(self, rows: list[tuple[int, list[str]]], problems: Problems) -> None:
        if self.count == 0:
            self._writer.writerow([neutralised(header) for header in [*self.headers, _("Row"), _("Reason")]])
        for number, cells, reason in reasons_by_row(rows, problems):
            self._writer.writerow([*(neutralised(cell) for cell in cells), str(number), neutralised(reason)])
            self.count += 1

    def save(self, job: ImportJob) -> None:
        if self.count:
            self._text.flush()
            self._binary.seek(0)
            job.refused_file.save(f"refused-{job.pk}.csv", File(self._binary), save=False)
        self.close()

    def close(self) -> None:
        self._text.close()


# --- The run --------------------------------------------------------------------------------------


def import_run(*, job_id: int) -> ImportJob | None:
    """Run a confirmed order import job to the end; safe to call twice (see ``_claim``)."""
    job = _claim(job_id)
    if job is None:
        return None
    with translation.override(job.language), timezone.override(job.time_zone):
        try:
            with sheet_memory_cap(job.original_filename):
                _run(job)
        except SheetError as error:
            _fail(job, error.message)
        except SoftTimeLimitExceeded:
            _fail(job, out_of_time_message())
        except Exception:
            logger.exception("order import %s failed", job.pk)
            _fail(
                job,
                _(
                    "The import stopped on an unexpected error. The orders written so far are whole; "
                    "import the file again to finish."
                ),
            )
    job.refresh_from_db()
    return job


def _claim(job_id: int) -> ImportJob | None:
    """Take the job: QUEUED starts; DONE, FAILED or not yet confirmed (PENDING) does nothing; RUNNING
    with recent progress belongs to a live worker and is left alone; RUNNING without progress for
    ``STALE_AFTER`` lost its worker (Celery delivered the task again) and starts over from the first
    row — every batch the dead run wrote is whole, and the new run finds those orders unchanged."""
    now = timezone.now()
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status in (ImportStatus.DONE, ImportStatus.FAILED, ImportStatus.PENDING):
            return None
        if job.status == ImportStatus.RUNNING and not import_job_lost(job, now=now):
            return None
        job.status = ImportStatus.RUNNING
        job.started_at = job.progress_at = now
        job.rows_done = job.rows_refused = 0
        job.created_count = job.updated_count = job.unchanged_count = job.refused_count = 0
        job.error = ""
        job.save(
            update_fields=[
                "status",
                "started_at",
                "progress_at",
                "rows_done",
                "rows_refused",
                "created_count",
                "updated_count",
                "unchanged_count",
                "refused_count",
                "error",
            ]
        )
    return job


def _run(job: ImportJob) -> None:
    assert job.seller is not None  # an order import is its seller's (the import_job_one_owner constraint)
    context = Context.build(
        seller=job.seller, headers=job.headers, mapping=job.mapping, options=job.options, time_zone=job.time_zone
    )
    refused = RefusedRows(job.headers)
    try:
        with job.file.open("rb") as stored, open_sheet(stored, filename=job.original_filename) as sheet:
            if sheet.headers != job.headers:
                raise SheetError(_("The stored file no longer matches its upload; upload it again."))
            plan = _plan(context, sheet)
            ImportJob.objects.filter(pk=job.pk).update(rows_total=plan.rows)
            counts = _Counts()
            for groups in _complete_groups(context, sheet, plan, counts, refused):
                _import_groups(context, groups, counts, refused)
                counts.report(job.pk)
            counts.report(job.pk)
        refused.save(job)
    finally:
        refused.close()
    job.status = ImportStatus.DONE
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "finished_at", "refused_file"])


@dataclass
class _Plan:
    """From the first pass: for each order number, the position of its last row."""

    rows: int
    ids: dict[str, int]
    last: array


def _plan(context: Context, sheet: Sheet) -> _Plan:
    ids: dict[str, int] = {}
    last = array("l")
    sequence = array("l")
    for position, (_number, cells) in enumerate(sheet.rows()):
        number = context.cell(cells, ORDER_NUMBER)
        if not number:
            sequence.append(-1)
            continue
        group = ids.setdefault(number, len(ids))
        if group == len(last):
            last.append(position)
        else:
            last[group] = position
        sequence.append(group)
    # Rows held in memory while their order is incomplete, at the worst point of the file.
    held = peak = 0
    counts = array("l", bytes(len(last) * last.itemsize))
    for position, group in enumerate(sequence):
        if group < 0:
            continue
        held += 1
        counts[group] += 1
        if last[group] == position:
            held -= counts[group]
        peak = max(peak, held)
    if peak > MAX_OPEN_ROWS:
        raise SheetError(
            _(
                "The rows of the same orders are spread too far apart in this file. Sort it by order "
                "number and upload it again."
            )
        )
    return _Plan(rows=len(sequence), ids=ids, last=last)


@dataclass
class _Counts:
    rows_done: int = 0
    rows_refused: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    refused: int = 0

    def report(self, job_id: int) -> None:
        """One UPDATE with the progress so far, for the progress page."""
        import_job_progress(
            job_id,
            rows_done=self.rows_done,
            rows_refused=self.rows_refused,
            created_count=self.created,
            updated_count=self.updated,
            unchanged_count=self.unchanged,
            refused_count=self.refused,
        )


def _complete_groups(
    context: Context, sheet: Sheet, plan: _Plan, counts: _Counts, refused: RefusedRows
) -> Iterator[list[list[tuple[int, list[str]]]]]:
    """Batches of complete orders' rows, in the order their last row comes."""
    open_groups: dict[str, list[tuple[int, list[str]]]] = {}
    ready: list[list[tuple[int, list[str]]]] = []
    for position, (number, cells) in enumerate(sheet.rows()):
        order_number = context.cell(cells, ORDER_NUMBER)
        if not order_number:
            refused.add([(number, cells)], {number: [(ORDER_NUMBER, _("Required."))]})
            counts.rows_done += 1
            counts.rows_refused += 1
            continue
        rows = open_groups.setdefault(order_number, [])
        rows.append((number, cells))
        if plan.last[plan.ids[order_number]] == position:
            ready.append(open_groups.pop(order_number))
            if len(ready) >= BATCH_ORDERS:
                yield ready
                ready = []
    if ready:
        yield ready


def _import_groups(
    context: Context, groups: list[list[tuple[int, list[str]]]], counts: _Counts, refused: RefusedRows
) -> None:
    context.load_products(groups)
    drafts = []
    refusals = []
    for rows in groups:
        draft, problems = validate_group(context, rows)
        if draft is None:
            refusals.append((rows, problems))
        else:
            drafts.append(draft)
    outcome = write_batch(context, drafts)
    refusals += outcome.refused
    for rows, problems in refusals:
        refused.add(rows, problems)
        counts.rows_refused += len(rows)
    counts.rows_done += sum(len(rows) for rows in groups)
    counts.created += outcome.created
    counts.updated += outcome.updated
    counts.unchanged += outcome.unchanged
    counts.refused += len(refusals)


def out_of_time_message() -> str:
    """A worker's soft time limit for an import (``RESHIP_IMPORT_TIME_LIMIT_SECONDS``) has passed."""
    return import_job_out_of_time_message(ImportKind.ORDERS)


def _fail(job: ImportJob, message: str) -> None:
    import_job_fail(job.pk, message=message)
