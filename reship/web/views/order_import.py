"""The seller's order import pages: upload, column mapping with a preview, progress and result.

Thin views over ``orders.imports.jobs``: parse a form, call one function, render. Every page is
the seller's own: another seller's job, preset or refused-rows file is a 404, as is any page for
a user of no seller (``seller_required``).
"""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from orders.choices import ImportStatus
from orders.imports import jobs
from orders.imports.lifecycle import import_jobs_fail_lost
from orders.imports.preview import Preview, import_preview
from orders.models import ImportJob
from reship.core import exports
from reship.core.errors import InvalidInput, RequestNotFound
from reship.core.spreadsheets import SheetError, open_sheet
from reship.web.decorators import seller_required
from reship.web.forms.order_import import ImportMappingForm, ImportUploadForm
from reship.web.http import SellerRequest

PREVIEW_ROWS = 20


def _job_or_404(request: SellerRequest, pk: int) -> ImportJob:
    job = jobs.import_job_get_for_seller(seller=request.seller, job_id=pk)
    if job is None:
        raise Http404
    if import_jobs_fail_lost(now=timezone.now(), job_id=job.pk):  # its worker was killed: say so
        job.refresh_from_db()
    return job


@require_http_methods(["GET", "POST"])
@seller_required
def import_start(request: SellerRequest) -> HttpResponse:
    """Upload a file; below, the seller's recent imports and saved presets."""
    form = ImportUploadForm(request.POST or None, request.FILES or None, seller=request.seller)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            preset = form.cleaned_data["preset"]
            try:
                job = jobs.order_import_upload(
                    actor=request.user,
                    file=form.cleaned_data["file"],
                    platform=form.cleaned_data["platform"],
                    preset_id=preset.pk if preset else None,
                )
            except InvalidInput as error:
                form.add_workflow_error(error)
            else:
                return redirect("orders:import-mapping", pk=job.pk)
        status = 400
    return render(
        request,
        "orders/import/start.html",
        {
            "form": form,
            "recent_jobs": jobs.import_jobs_recent_for_seller(seller=request.seller),
            "presets": jobs.import_presets_for_seller(seller=request.seller),
        },
        status=status,
    )


def _preview(request: SellerRequest, job: ImportJob, mapping: dict[str, str], options: dict) -> Preview | None:
    try:
        with job.file.open("rb") as stored, open_sheet(stored, filename=job.original_filename) as sheet:
            return import_preview(
                sheet,
                mapping=mapping,
                seller=request.seller,
                options=options,
                time_zone=job.time_zone,
                limit=PREVIEW_ROWS,
            )
    except (SheetError, OSError):
        return None


@require_http_methods(["GET", "POST"])
@seller_required
def import_mapping(request: SellerRequest, pk: int) -> HttpResponse:
    """Map columns and preview the first rows; "Import" saves the mapping (and the preset) and starts."""
    job = _job_or_404(request, pk)
    if job.status != ImportStatus.PENDING:
        return redirect("orders:import-detail", pk=job.pk)
    status = 200
    if request.method == "GET":
        form = ImportMappingForm(initial=ImportMappingForm.initial_for(job.mapping, job.options), headers=job.headers)
        mapping, options = job.mapping, jobs.job_options(job)
    else:
        form = ImportMappingForm(request.POST, headers=job.headers)
        mapping, options = job.mapping, jobs.job_options(job)
        if form.is_valid():
            partner = form.cleaned_data["default_partner"]
            mapping = form.mapping()
            options = {"platform": form.cleaned_data["platform"], "partner_id": partner.pk if partner else None}
            if request.POST.get("action") == "import":
                try:
                    jobs.order_import_configure(
                        actor=request.user,
                        job_id=job.pk,
                        mapping=mapping,
                        platform=options["platform"],
                        partner_id=options["partner_id"],
                        preset_name=form.cleaned_data["preset_name"],
                    )
                    jobs.order_import_start(actor=request.user, job_id=job.pk)
                except RequestNotFound:
                    raise Http404 from None
                except InvalidInput as error:
                    form.add_workflow_error(error)
                    status = 400
                else:
                    return redirect("orders:import-detail", pk=job.pk)
        else:
            status = 400
    return render(
        request,
        "orders/import/mapping.html",
        {"job": job, "form": form, "preview": _preview(request, job, mapping, options), "preview_rows": PREVIEW_ROWS},
        status=status,
    )


@require_GET
@seller_required
def import_detail(request: SellerRequest, pk: int) -> HttpResponse:
    job = _job_or_404(request, pk)
    if job.status == ImportStatus.PENDING:
        return redirect("orders:import-mapping", pk=job.pk)
    return render(request, "orders/import/detail.html", {"job": job})


@require_GET
@seller_required
def import_progress(request: SellerRequest, pk: int) -> HttpResponse:
    """The progress block alone, polled every second by the detail page until the job finishes."""
    return render(request, "orders/import/_progress.html", {"job": _job_or_404(request, pk)})


@require_GET
@seller_required
def import_refused(request: SellerRequest, pk: int) -> FileResponse:
    job = _job_or_404(request, pk)
    if not job.refused_file:
        raise Http404
    return exports.refused_rows_response(job)


@require_POST
@seller_required
def import_preset_delete(request: SellerRequest, pk: int) -> HttpResponse:
    try:
        jobs.import_preset_delete(actor=request.user, preset_id=pk)
    except RequestNotFound:
        raise Http404 from None
    return redirect("orders:import")
