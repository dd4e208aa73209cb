"""A partner ships many request lines from one sheet (批量导入物流单号).

Each row names a request (its number, or the platform order number of the one request of that
order waiting to be shipped), one of its lines (SKU code, or its position on the request page:
1, 2, …), a carrier and a tracking number. Rows of the same request with the same carrier and
tracking number are one parcel: one ``workflow.reship_ship`` call, in its own transaction, so a
refused parcel ships none of its lines and a refused row changes nothing. Lines ship whole: a
line's quantity is the request's, never split.

The carrier is a code or any name of the carrier table (顺丰, SF Express, sf, 中通快递 …; read once
per run with ``carrier_index``), "other" with the carrier's name in its own column; the number must
fit the carrier's pattern. Optional columns say where the parcel is: a status (已签收 / delivered,
运输中 / in transit, 派送中 / out for delivery, 异常 / exception) and a delivery time (签收时间). A
row whose parcel is already registered for its request and line updates that parcel's status
(``workflow.reship_record_tracking`` / ``reship_mark_delivered``) instead of being refused as a
number already used; a parcel that already says what the row says (delivered already, or the same
sheet uploaded again) leaves the row unchanged, not refused.

Every row ends shipped or refused with a reason the partner can act on: unknown number (also for
another partner's request or order, as a 404 would: nothing about it leaks), wrong state, unknown
SKU, a tracking number already used … — the workflow's own message where the workflow refused.
Refused rows are written back as a CSV (the sheet's columns, the row number and the reason) that
can be fixed and uploaded again.

The run reads the sheet three times, streaming, so memory stays bounded by the rows to ship, not
the file: (1) rows are resolved in batches, a fixed number of queries per batch; (2) each parcel is
shipped, progress written every few parcels; (3) the refused rows are copied with their reasons.

Counts on the ``ImportJob`` (kind TRACKING): ``rows_done`` / ``rows_refused`` as rows are decided,
``created_count`` the parcels registered, ``updated_count`` the lines (rows) shipped,
``unchanged_count`` the rows their parcel already agreed with; the rest of the rows updated the
status of a parcel registered before (``tracking_updated_rows``).

The sheet's columns and the sheet of lines to ship are ``reship.services.tracking_sheet``'s.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from celery.exceptions import SoftTimeLimitExceeded
from django.db.models import Prefetch
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from orders.carriers import (
    OTHER,
    carrier_label_clean,
)
from orders.choices import ImportKind, ImportStatus, TrackingStatus
from orders.imports.lifecycle import (
    import_job_fail,
    import_job_out_of_time_message,
    import_job_progress,
    import_jobs_fail_lost,
)
from orders.imports.run import RefusedRows
from orders.models import Carrier, ImportJob, Shipment
from reship import lifecycle, permissions, workflow
from reship.choices import Action
from reship.core.bounds import int_from_text
from reship.core.errors import ActionNotPermitted, InvalidInput, RequestNotFound, WorkflowError
from reship.core.spreadsheets import SheetError, open_sheet, sheet_extension, sheet_memory_cap
from reship.models import ReshipLine, ReshipRequest
from reship.services.tracking_sheet import (
    Row,
    RowRefused,
    Sheet,
    columns_find,
)
from reship.workflow.delivery import DeliveredBy

if TYPE_CHECKING:
    from reship.accounts.models import User
    from suppliers.models import DropshipPartner

logger = logging.getLogger(__name__)

BATCH_ROWS = 500
PROGRESS_EVERY_ROWS = 50
SHIPPABLE = lifecycle.TRANSITIONS[Action.SHIP]


# --- one run ------------------------------------------------------------------------------------


@dataclass
class Parcel:
    """Rows shipped together: one request, one carrier and tracking number, one workflow call; or,
    when the request already has that parcel (``existing``), one status update."""

    request: ReshipRequest
    carrier: Carrier
    tracking_number: str
    carrier_name: str = ""
    existing: Shipment | None = None
    status: str = ""
    delivered_at: datetime | None = None
    rows: list[int] = field(default_factory=list)
    line_ids: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class Outcome:
    """What a run decided: the refused rows with their reasons; counts of what shipped, of the rows
    that changed nothing, and of the parcels whose status was updated."""

    refused: dict[int, str] = field(default_factory=dict)
    parcels: int = 0
    shipped_rows: int = 0
    unchanged_rows: int = 0
    tracked_rows: int = 0


def tracking_import_create(
    *, partner: DropshipPartner, actor: User, upload, filename: str, headers: list[str], rows_total: int
) -> ImportJob:
    """The job for an uploaded sheet already read whole (``tracking_import_check``), queued to run.
    The file is kept under a random name with the extension of what it really is."""
    job = ImportJob(
        kind=ImportKind.TRACKING,
        partner=partner,
        created_by=actor,
        original_filename=filename[:255],
        headers=headers,
        status=ImportStatus.QUEUED,
        rows_total=rows_total,
        language=translation.get_language() or "",
        time_zone=timezone.get_current_timezone_name(),
    )
    job.file.save(f"{uuid.uuid4().hex}.{sheet_extension(upload)}", upload, save=False)
    job.save()
    return job


def tracking_import_check(*, upload, filename: str) -> tuple[list[str], int]:
    """Read the uploaded sheet whole before anything is written: its headers (with the columns a
    row needs) and how many data rows it has. Raises ``SheetError``."""
    with sheet_memory_cap(filename), open_sheet(upload, filename=filename) as sheet:
        columns_find(sheet.headers)
        return sheet.headers, sheet.count_rows()


def tracking_import_run(*, job_id: int, now: datetime | None = None) -> ImportJob | None:
    """Run a queued job to the end. Safe to call twice: only the call that moves it from QUEUED to
    RUNNING does the work; a job another worker runs, or that finished, is left alone."""
    started = now or timezone.now()
    claimed = ImportJob.objects.filter(pk=job_id, kind=ImportKind.TRACKING, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING, started_at=started, progress_at=started
    )
    if not claimed:
        # Still RUNNING without progress: it lost its worker. Unlike an order import it is not
        # started over (its shipped rows would come back refused as already shipped); it ends FAILED.
        import_jobs_fail_lost(now=started, job_id=job_id)
        return None
    job = ImportJob.objects.select_related("created_by", "partner").get(pk=job_id)
    with translation.override(job.language or None):
        try:
            with sheet_memory_cap(job.original_filename):
                outcome = _run(job)
        except SheetError as error:  # the stored file no longer reads as it did, or read too much
            import_job_fail(job.pk, message=error.message)
            job.refresh_from_db()
            return job
        except SoftTimeLimitExceeded:
            message = import_job_out_of_time_message(ImportKind.TRACKING)
            import_job_fail(job.pk, message=message)
            job.refresh_from_db()
            return job
        except Exception:
            logger.exception("Tracking import %s failed", job.pk)
            import_job_fail(job.pk, message=_("The import stopped on an unexpected error."))
            raise
        _finish(job, outcome=outcome)
    return job


def _run(job: ImportJob) -> Outcome:
    actor = job.created_by  # None once the uploader's account is gone: it then sees no request
    outcome = Outcome()
    parcels: dict[tuple[int, int, str], Parcel] = {}
    known = Sheet.for_job(job)
    with job.file.open("rb"), open_sheet(job.file, filename=job.original_filename) as sheet:
        found = columns_find(sheet.headers)
        batch: list[Row] = []
        for number, cells in sheet.rows():
            batch.append(Row.read(number, cells, found))
            if len(batch) == BATCH_ROWS:
                _resolve(batch, actor=actor, parcels=parcels, outcome=outcome, known=known)
                batch = []
        _resolve(batch, actor=actor, parcels=parcels, outcome=outcome, known=known)
    _progress(job, done=len(outcome.refused) + outcome.unchanged_rows, refused=len(outcome.refused))

    unreported = 0
    for parcel in parcels.values():
        assert actor is not None  # a parcel holds only requests the actor sees
        if parcel.existing is None:
            _ship(parcel, actor=actor, outcome=outcome)
        else:
            _track(parcel, actor=actor, outcome=outcome)
        unreported += len(parcel.rows)
        if unreported >= PROGRESS_EVERY_ROWS:
            done = len(outcome.refused) + outcome.shipped_rows + outcome.unchanged_rows + outcome.tracked_rows
            _progress(job, done=done, refused=len(outcome.refused))
            unreported = 0
    if outcome.refused:
        _write_refused(job, outcome.refused)
    return outcome


def _resolve(
    rows: list[Row],
    *,
    actor: User | None,
    parcels: dict[tuple[int, int, str], Parcel],
    outcome: Outcome,
    known: Sheet,
) -> None:
    """Find each row's request, line, carrier and parcel (a fixed number of queries for the batch)
    and put it in its parcel, or refuse it."""
    if not rows:
        return
    refused = outcome.refused
    by_number, by_order = _requests_for(rows, actor=actor)
    resolved: list[tuple[Row, ReshipRequest, ReshipLine, Carrier, str, str, datetime | None]] = []
    for row in rows:
        try:
            reship = _request_of(row, by_number, by_order)
            line = _line_of(row, reship)
            carrier, tracking_number = known.parcel_of(row)
            status, delivered_at = known.status_of(row)
        except RowRefused as refusal:
            refused[row.number] = refusal.reason
            continue
        resolved.append((row, reship, line, carrier, tracking_number, status, delivered_at))
    existing = _parcels_registered(
        {reship.pk for _row, reship, *_rest in resolved}, {number for *_first, number, _s, _d in resolved}
    )
    for row, reship, line, carrier, tracking_number, status, delivered_at in resolved:
        key = (reship.pk, carrier.pk, tracking_number)
        parcel = parcels.get(key)
        if parcel is None:
            parcel = parcels[key] = Parcel(reship, carrier, tracking_number, existing=existing.get(key))
        try:
            _add_to(parcel, row, line, status, delivered_at)
        except RowRefused as refusal:
            refused[row.number] = refusal.reason
        except Unchanged:
            outcome.unchanged_rows += 1


class Unchanged(Exception):
    """The row says what Reship already knows of its parcel."""


def _add_to(parcel: Parcel, row: Row, line: ReshipLine, status: str, delivered_at: datetime | None) -> None:
    if line.pk in parcel.line_ids:
        first = parcel.rows[parcel.line_ids.index(line.pk)]
        raise RowRefused(_("This line is already in row %(row)s with the same tracking number.") % {"row": first})
    if status and parcel.status and status != parcel.status:
        raise RowRefused(
            _("Another row gives this parcel the status “%(status)s”.")
            % {"status": TrackingStatus(parcel.status).label}
        )
    existing = parcel.existing
    if existing is not None:
        if line.shipment_id != existing.pk:
            raise RowRefused(_parcel_without_line(existing, line))
        if existing.delivered_at is not None or not status or status == existing.tracking_status:
            raise Unchanged
    elif parcel.carrier.code == OTHER:
        try:
            parcel.carrier_name = parcel.carrier_name or carrier_label_clean(parcel.carrier, row.carrier_name)
        except InvalidInput as error:
            raise RowRefused(error.message) from None
    parcel.status = parcel.status or status
    parcel.delivered_at = parcel.delivered_at or delivered_at
    parcel.rows.append(row.number)
    parcel.line_ids.append(line.pk)
    if row.note and row.note not in parcel.notes:
        parcel.notes.append(row.note)


def _parcel_without_line(existing: Shipment, line: ReshipLine) -> str:
    facts = {"carrier": existing.carrier_name, "tracking": existing.tracking_number}
    if line.shipment is not None:
        return _("This line went in another parcel, %(carrier)s %(tracking)s.") % {
            "carrier": line.shipment.carrier_name,
            "tracking": line.shipment.tracking_number,
        }
    message = _(
        "%(carrier)s %(tracking)s is already a parcel of this request, without this line; "
        "give the line its own tracking number."
    )
    return message % facts


def _parcels_registered(request_ids: set[int], numbers: set[str]) -> dict[tuple[int, int, str], Shipment]:
    """The parcels of these requests with these numbers, by (request, carrier, number): one query.
    Only the requests' own: a number another order uses is for the workflow to refuse."""
    if not request_ids or not numbers:
        return {}
    parcels = Shipment.objects.filter(reship_request_id__in=request_ids, tracking_number__in=numbers).select_related(
        "carrier"
    )
    return {(parcel.reship_request_id or 0, parcel.carrier_id, parcel.tracking_number): parcel for parcel in parcels}


def _requests_for(
    rows: Iterable[Row], *, actor: User | None
) -> tuple[dict[str, ReshipRequest], dict[str, list[ReshipRequest]]]:
    """The actor's requests the rows name, by request number and by platform order number, with
    their lines and SKUs: three queries whatever the number of rows. Another partner's request is
    simply not found."""
    numbers = {row.request_number.upper() for row in rows if row.request_number}
    orders = {row.order_number for row in rows if row.order_number and not row.request_number}
    visible = ReshipRequest.objects.filter(permissions.visible_requests_filter(actor))
    lines = Prefetch(
        "lines", queryset=ReshipLine.objects.select_related("order_line__product", "shipment__carrier").order_by("pk")
    )
    by_number: dict[str, ReshipRequest] = {}
    by_order: dict[str, list[ReshipRequest]] = {}
    if numbers:
        for reship in visible.filter(number__in=numbers).select_related("order").prefetch_related(lines):
            by_number[reship.number] = reship
    if orders:
        found = visible.filter(order__platform_order_number__in=orders).select_related("order").prefetch_related(lines)
        for reship in found.order_by("created_at", "pk"):
            by_order.setdefault(reship.order.platform_order_number, []).append(reship)
    return by_number, by_order


def _request_of(row: Row, by_number: dict[str, ReshipRequest], by_order: dict[str, list[ReshipRequest]]):
    if row.request_number:
        reship = by_number.get(row.request_number.upper())
        if reship is None:
            raise RowRefused(_("Unknown request number %(number)s.") % {"number": row.request_number})
        if row.order_number and row.order_number != reship.order.platform_order_number:
            raise RowRefused(
                _("Request %(request)s is for order %(order)s, not %(given)s.")
                % {"request": reship.number, "order": reship.order.platform_order_number, "given": row.order_number}
            )
        return reship
    if not row.order_number:
        raise RowRefused(_("Give a request number or an order number."))
    requests = by_order.get(row.order_number, [])
    if not requests:
        raise RowRefused(_("Unknown order number %(number)s.") % {"number": row.order_number})
    shippable = [reship for reship in requests if reship.status in SHIPPABLE]
    if len(shippable) > 1:
        raise RowRefused(
            _("Order %(order)s has several requests waiting to be shipped (%(requests)s): give the request number.")
            % {"order": row.order_number, "requests": ", ".join(reship.number for reship in shippable)}
        )
    if not shippable:
        raise RowRefused(
            _("No request of order %(order)s is waiting to be shipped: %(requests)s.")
            % {
                "order": row.order_number,
                "requests": ", ".join(f"{reship.number} “{reship.get_status_display()}”" for reship in requests),
            }
        )
    return shippable[0]


def _line_of(row: Row, reship: ReshipRequest) -> ReshipLine:
    lines = list(reship.lines.all())
    if row.sku:
        matches = [line for line in lines if line.order_line.product.sku_code.casefold() == row.sku.casefold()]
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise RowRefused(
                _("Request %(request)s has several lines with SKU %(sku)s: give the line number instead.")
                % {"request": reship.number, "sku": row.sku}
            )
        raise RowRefused(
            _("Request %(request)s has no line with SKU %(sku)s.") % {"request": reship.number, "sku": row.sku}
        )
    if not row.line:
        raise RowRefused(_("Give the line's SKU code or its line number."))
    position = int_from_text(row.line) or 0
    if not 1 <= position <= len(lines):
        raise RowRefused(
            _("Request %(request)s has no line %(line)s: its lines are numbered 1 to %(count)d.")
            % {"request": reship.number, "line": row.line, "count": len(lines)}
        )
    return lines[position - 1]


def _ship(parcel: Parcel, *, actor: User, outcome: Outcome) -> None:
    """One parcel through the workflow (its own transaction): all its rows ship, or none. A status
    the rows give it is recorded next, in a transaction of its own: when that is refused, the rows
    say the parcel shipped and why its status was not taken, to be uploaded again."""
    try:
        shipment = workflow.reship_ship(
            request_id=parcel.request.pk,
            actor=actor,
            items=[workflow.ShipItem(line_id) for line_id in parcel.line_ids],
            carrier=parcel.carrier,
            carrier_name=parcel.carrier_name,
            tracking_number=parcel.tracking_number,
            quality_check_note="\n".join(parcel.notes),
        )
    except WorkflowError as error:
        reason = refusal_reason(error, number=parcel.request.number)
        outcome.refused.update(dict.fromkeys(parcel.rows, reason))
        return
    outcome.parcels += 1
    if parcel.status and parcel.status != TrackingStatus.SHIPPED:
        try:
            _record(shipment, parcel, actor=actor)
        except WorkflowError as error:
            reason = _("Shipped, but its status was not recorded: %(reason)s") % {
                "reason": refusal_reason(error, number=parcel.request.number)
            }
            outcome.refused.update(dict.fromkeys(parcel.rows, reason))
            return
    outcome.shipped_rows += len(parcel.rows)


def _track(parcel: Parcel, *, actor: User, outcome: Outcome) -> None:
    """A parcel registered before: its new status, as the rows say."""
    assert parcel.existing is not None
    try:
        _record(parcel.existing, parcel, actor=actor)
    except WorkflowError as error:
        reason = refusal_reason(error, number=parcel.request.number)
        outcome.refused.update(dict.fromkeys(parcel.rows, reason))
        return
    outcome.tracked_rows += len(parcel.rows)


def _record(shipment: Shipment, parcel: Parcel, *, actor: User) -> None:
    workflow.reship_record_tracking(
        shipment_id=shipment.pk, status=parcel.status, at=parcel.delivered_at, actor=actor, by=DeliveredBy.IMPORT
    )


def refusal_reason(error: WorkflowError, *, number: str) -> str:
    """A workflow refusal as a row's reason. "Not yours" reads as unknown, like a 404 would."""
    if isinstance(error, RequestNotFound | ActionNotPermitted):
        return _("Unknown request number %(number)s.") % {"number": number}
    return error.message


def tracking_updated_rows(job: ImportJob) -> int:
    """The rows of a finished run that updated the status of a parcel registered before: those
    neither shipped, unchanged nor refused."""
    return max(0, job.rows_total - job.updated_count - job.unchanged_count - job.rows_refused)


def _progress(job: ImportJob, *, done: int, refused: int) -> None:
    import_job_progress(job.pk, rows_done=done, rows_refused=refused)


def _finish(job: ImportJob, *, outcome: Outcome) -> None:
    now = timezone.now()
    job.status = ImportStatus.DONE
    job.error = ""
    job.finished_at = job.progress_at = now
    job.rows_done = job.rows_total
    job.rows_refused = job.refused_count = len(outcome.refused)
    job.created_count = outcome.parcels
    job.updated_count = outcome.shipped_rows
    job.unchanged_count = outcome.unchanged_rows
    job.save(
        update_fields=[
            "status",
            "error",
            "finished_at",
            "progress_at",
            "rows_done",
            "rows_refused",
            "refused_count",
            "created_count",
            "updated_count",
            "unchanged_count",
            "refused_file",
        ]
    )


# --- the refused rows ---------------------------------------------------------------------------


def _write_refused(job: ImportJob, refused: dict[int, str]) -> None:
    """The refused rows (read again from the sheet) with their reasons, in the order import's
    refused-rows format: the sheet's columns, then Row and Reason."""
    writer = RefusedRows(job.headers)
    try:
        with job.file.open("rb"), open_sheet(job.file, filename=job.original_filename) as sheet:
            for number, cells in sheet.rows():
                if number in refused:
                    writer.add([(number, cells)], {number: [(None, refused[number])]})
        writer.save(job)
    finally:
        writer.close()
