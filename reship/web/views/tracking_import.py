"""The partner's tracking import pages (批量导入物流单号): upload a sheet, follow its progress, read
which rows shipped and which were refused and why, download the refused rows; and the lines to ship
as a sheet to fill in.

A sheet is read whole at upload (a file that cannot be read is refused before anything is written);
up to ``RESHIP_IMPORT_INLINE_ROWS`` rows then run inside the request, a larger one in a Celery task
while the result page polls its progress with htmx. Another partner's import is a 404.
"""

from __future__ import annotations

from functools import partial
from itertools import islice

from django.conf import settings
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from orders.carriers import carrier_choices
from orders.imports.lifecycle import import_job_queue, import_jobs_fail_lost
from orders.models import ImportJob
from reship.core import exports
from reship.core.spreadsheets import SheetError, open_sheet
from reship.selectors import partner as selectors
from reship.services import tracking_import, tracking_sheet
from reship.services.tasks import run_tracking_import
from reship.web.decorators import form_add_workflow_error, partner_required
from reship.web.forms.partner import TrackingImportForm
from reship.web.http import PartnerRequest

REFUSED_SHOWN = 100
POLL_SECONDS = 2


@require_http_methods(["GET", "POST"])
@partner_required
def upload(request: PartnerRequest) -> HttpResponse:
    form = TrackingImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        sheet = form.cleaned_data["file"]
        try:
            headers, total = tracking_import.tracking_import_check(upload=sheet, filename=sheet.name)
        except SheetError as error:
            form_add_workflow_error(form, error)
        else:
            job = tracking_import.tracking_import_create(
                partner=request.partner,
                actor=request.user,
                upload=sheet,
                filename=sheet.name,
                headers=headers,
                rows_total=total,
            )
            if total <= settings.RESHIP_IMPORT_INLINE_ROWS:
                tracking_import.tracking_import_run(job_id=job.pk)
            else:
                transaction.on_commit(partial(import_job_queue, run_tracking_import, job.pk))
            return redirect("partner:tracking-import-result", job_id=job.pk)
    context = {
        "form": form,
        "jobs": selectors.partner_tracking_imports(partner=request.partner),
        "columns": tracking_sheet.COLUMNS,
        "carriers": carrier_choices(),
    }
    return render(request, "partner/tracking_import.html", context, status=400 if form.is_bound else 200)


def _job_or_404(request: PartnerRequest, job_id: int) -> ImportJob:
    job = selectors.partner_tracking_import(partner=request.partner, job_id=job_id)
    if job is None:
        raise Http404
    if import_jobs_fail_lost(now=timezone.now(), job_id=job.pk):  # its worker was killed: say so
        job.refresh_from_db()
    return job


def _refused_rows(job: ImportJob) -> list[dict]:
    """The first refused rows, read back from the refused file: the row number, the cells that
    name the request, line and parcel, and the reason."""
    refused_name = job.refused_file.name  # the file is set when it has a name
    if not job.is_finished or not refused_name:
        return []
    try:
        found = tracking_sheet.columns_find(job.headers)
    except SheetError:
        return []
    shown = [tracking_sheet.REQUEST_NUMBER, tracking_sheet.ORDER_NUMBER, tracking_sheet.SKU, tracking_sheet.LINE]
    shown += [tracking_sheet.CARRIER, tracking_sheet.TRACKING_NUMBER]
    with job.refused_file.open("rb"), open_sheet(job.refused_file, filename=refused_name) as sheet:
        return [
            {
                "number": cells[-2],
                "cells": [cells[found[key]] if key in found else "" for key in shown],
                "reason": cells[-1],
            }
            for _number, cells in islice(sheet.rows(), REFUSED_SHOWN)
        ]


@require_GET
@partner_required
def result(request: PartnerRequest, job_id: int) -> HttpResponse:
    job = _job_or_404(request, job_id)
    context = {
        "job": job,
        "refused_rows": _refused_rows(job),
        "refused_shown": REFUSED_SHOWN,
        "shipped_rows": job.updated_count,
        "tracked_rows": tracking_import.tracking_updated_rows(job) if job.is_finished else 0,
        "poll_seconds": POLL_SECONDS,
        "percent": int(job.rows_done * 100 / job.rows_total) if job.rows_total else 0,
    }
    if request.headers.get("HX-Request") == "true":
        return render(request, "partner/_tracking_import_status.html", context)
    return render(request, "partner/tracking_import_result.html", context)


@require_GET
@partner_required
def refused_download(request: PartnerRequest, job_id: int) -> FileResponse:
    job = _job_or_404(request, job_id)
    if not job.refused_file:
        raise Http404
    return exports.refused_rows_response(job)


@require_GET
@partner_required
def to_ship_sheet(request: PartnerRequest, file_format: str) -> HttpResponseBase:
    """The lines ready to ship, with their ship-to, as a sheet to fill in with carriers and tracking
    numbers (each request's full ship-to read here is logged as a reveal through the sheet)."""
    lines = selectors.partner_lines_to_ship(partner=request.partner)
    table = tracking_sheet.to_ship_table(request.user)
    return exports.response(file_format=file_format, table=table, queryset=lines, filename="to-ship")
