"""An order import job's life: upload → column mapping → start (inline or Celery) → result.

Writes (``order_import_upload``, ``order_import_configure``, ``order_import_start``,
``import_preset_delete``) take the acting user and check the job or preset is their seller's; reads
(``import_job_get_for_seller`` and friends) are scoped to the seller. Another seller's job or preset
is "not found", never a hint that it exists.
"""

from __future__ import annotations

import tempfile
import uuid
from functools import partial
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext as _

from orders.choices import ImportKind, ImportStatus, Platform
from orders.imports.fields import (
    FIELDS_BY_KEY,
    ORDER_FIELDS,
    PARTNER,
    field_label,
    guess_mapping,
    mapping_for_headers,
    missing_columns,
)
from orders.imports.lifecycle import import_job_queue
from orders.models import ImportJob, ImportPreset, Seller
from orders.services import clean_choice
from reship import permissions
from reship.accounts.roles import organisation_for
from reship.core.errors import ActionNotPermitted, InvalidInput, RequestNotFound
from reship.core.spreadsheets import XlsxSheet, open_sheet, sheet_memory_cap
from suppliers.models import DropshipPartner

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from reship.accounts.models import User


RECENT_JOBS = 20


def _seller_of(actor: User) -> Seller:
    seller = organisation_for(actor).seller
    if seller is None or not permissions.can_record_orders(actor):  # the rule is the predicate's
        raise ActionNotPermitted(_("Only a seller's staff import orders."))
    return seller


def order_import_upload(*, actor: User, file: UploadedFile, platform: str, preset_id: int | None = None) -> ImportJob:
    """Read the whole file once (so a problem with the file shows now, with nothing written), keep
    it privately, and make a job awaiting its column mapping: the preset's, or a guess."""
    seller = _seller_of(actor)
    platform = clean_choice(platform, Platform.choices, "platform")
    preset = None
    if preset_id is not None:
        preset = ImportPreset.objects.filter(seller=seller, pk=preset_id).first()
        if preset is None:
            raise InvalidInput(_("Choose one of your presets."), field_errors={"preset": [_("Not a valid choice.")]})
    filename = (file.name or "upload").rsplit("/", 1)[-1][:255]
    with sheet_memory_cap(filename), open_sheet(file, filename=filename) as sheet:
        headers = sheet.headers
        if isinstance(sheet, XlsxSheet):
            # Kept as the CSV copy read now: the preview and the import's two passes then read a
            # fast format, and see exactly the cells this check saw.
            stored = tempfile.TemporaryFile()  # noqa: SIM115 - closed below
            try:
                rows = sheet.write_csv(stored)
            except BaseException:
                stored.close()
                raise
            stored.seek(0)
            content: Any = File(stored)
        else:
            rows = sheet.count_rows()
            file.seek(0)
            content = file
    mapping = mapping_for_headers(preset.mapping, headers) if preset else guess_mapping(headers)
    job = ImportJob(
        kind=ImportKind.ORDERS,
        seller=seller,
        created_by=actor,
        original_filename=filename,
        headers=headers,
        mapping=mapping,
        options={"platform": platform, "partner_id": None, "preset_id": preset.pk if preset else None},
        rows_total=rows,
        language=translation.get_language() or actor.language,
        time_zone=actor.time_zone or settings.TIME_ZONE,
    )
    try:
        job.file.save(f"{uuid.uuid4().hex}.csv", content, save=False)
    finally:
        if content is not file:
            content.close()
    job.save()
    return job


def order_import_configure(
    *,
    actor: User,
    job_id: int,
    mapping: dict[str, str],
    platform: str,
    partner_id: int | None,
    preset_name: str = "",
) -> ImportJob:
    """Set the job's column mapping and whole-file choices, and save the mapping as a named preset
    when a name is given (a preset of that name is replaced). Refused once the import started."""
    seller = _seller_of(actor)
    job = _job_for(seller, job_id)
    if job.status != ImportStatus.PENDING:
        raise InvalidInput(_("This import has already started."))
    mapping = {key: header for key, header in mapping.items() if header}
    errors: dict[str, list[str]] = {}
    for key, header in mapping.items():
        if key not in FIELDS_BY_KEY or header not in job.headers:
            errors.setdefault(f"columns.{key}", []).append(_("Not a column of this file."))
    used: dict[str, str] = {}
    for key, header in mapping.items():
        if header in used:
            errors.setdefault(f"columns.{key}", []).append(
                _("Column “%(header)s” is already used for %(field)s.")
                % {"header": header, "field": field_label(used[header])}
            )
        used.setdefault(header, key)
    for field in ORDER_FIELDS:
        if field.required and field.key not in mapping:
            errors.setdefault(f"columns.{field.key}", []).append(_("Choose the column."))
    for key, message in missing_columns(mapping).items():
        errors.setdefault(f"columns.{key}", []).append(str(message))
    platform = clean_choice(platform, Platform.choices, "platform")
    if partner_id is not None and not DropshipPartner.objects.filter(pk=partner_id, is_active=True).exists():
        errors.setdefault("default_partner", []).append(_("Not an active dropship partner."))
    if PARTNER not in mapping and partner_id is None:
        errors.setdefault(f"columns.{PARTNER}", []).append(_("Choose the column, or a partner for the whole file."))
    if errors:
        raise InvalidInput(_("Check the column mapping."), field_errors=errors)
    preset_name = preset_name.strip()[:100]
    job.mapping = mapping
    job.options = {**job.options, "platform": platform, "partner_id": partner_id}
    with transaction.atomic():
        if preset_name:
            preset, _created = ImportPreset.objects.update_or_create(
                seller=seller, name=preset_name, defaults={"mapping": mapping, "created_by": actor}
            )
            job.options["preset_id"] = preset.pk
        job.save(update_fields=["mapping", "options"])
    return job


def order_import_start(*, actor: User, job_id: int) -> ImportJob:
    """Start a mapped job: a small file is imported now, in this request; a larger one
    (over ``RESHIP_IMPORT_INLINE_ROWS`` rows) by a Celery worker, queued after commit. Starting
    twice does nothing the second time."""
    from orders.imports.run import import_run

    seller = _seller_of(actor)
    job = _job_for(seller, job_id)
    started = ImportJob.objects.filter(pk=job.pk, status=ImportStatus.PENDING).update(status=ImportStatus.QUEUED)
    if not started:
        return job
    if job.rows_total <= settings.RESHIP_IMPORT_INLINE_ROWS:
        import_run(job_id=job.pk)
    else:
        transaction.on_commit(partial(_queue, job.pk))
    job.refresh_from_db()
    return job


def _queue(job_id: int) -> None:
    from orders.imports.tasks import order_import_run

    import_job_queue(order_import_run, job_id)


def import_preset_delete(*, actor: User, preset_id: int) -> None:
    seller = _seller_of(actor)
    deleted, _rows = ImportPreset.objects.filter(seller=seller, pk=preset_id).delete()
    if not deleted:
        raise RequestNotFound(_("No such preset."))


def _job_for(seller: Seller, job_id: int) -> ImportJob:
    job = import_job_get_for_seller(seller=seller, job_id=job_id)
    if job is None:
        raise RequestNotFound(_("No such import."))
    return job


# --- Reads ------------------------------------------------------------------------------------------


def import_job_get_for_seller(*, seller: Seller, job_id: int) -> ImportJob | None:
    return ImportJob.objects.filter(seller=seller, kind=ImportKind.ORDERS, pk=job_id).first()


def import_jobs_recent_for_seller(*, seller: Seller) -> QuerySet[ImportJob]:
    return ImportJob.objects.filter(seller=seller, kind=ImportKind.ORDERS).select_related("created_by")[:RECENT_JOBS]


def import_presets_for_seller(*, seller: Seller) -> QuerySet[ImportPreset]:
    return ImportPreset.objects.filter(seller=seller).order_by("name")


def job_options(job: ImportJob) -> dict[str, Any]:
    """The whole-file choices with their defaults."""
    return {"platform": job.options.get("platform") or Platform.OTHER, "partner_id": job.options.get("partner_id")}
