"""Where reship parcels are, asked of a tracking provider: a pluggable class, polled by Celery beat.

``RESHIP_TRACKING_PROVIDER`` names the class by dotted path (like ``RESHIP_MESSAGING_BACKEND``);
empty (the default) turns polling off. The class has one method::

    statuses(parcels: list[ParcelRef]) -> list[TrackingReport]

``ParcelRef`` is a carrier code of our carrier table (``SF``, ``ZTO``, ``JD``, ``DHL`` …) and a
tracking number; a ``TrackingReport`` answers for one of them with one of our statuses
(``orders.choices.TrackingStatus``: ``in_transit``, ``out_for_delivery``, ``delivered``,
``exception``) and when it happened. A parcel the provider knows nothing of yet is left out. The
provider maps its own vocabulary to ours; raising (network down, quota spent) loses nothing: the
round stops, the parcels keep their ``tracking_checked_at`` and are asked again next round.

``tracking_poll`` (beat, every ``RESHIP_TRACKING_INTERVAL_SECONDS``) asks for the reship parcels not
delivered yet and shipped within ``RESHIP_TRACKING_DAYS`` days, in batches of
``RESHIP_TRACKING_BATCH``, the longest unchecked first; each report goes through the workflow
(``reship_record_tracking``, ``reship_mark_delivered`` for a delivery: event, notifications, the
survey's new date) with no actor — the provider is the system.

Shipped here: ``FileTrackingProvider``, which reads ``RESHIP_TRACKING_FILE`` (JSON or CSV), for
tests and demos. A real provider is a small class (README, "Tracking providers"):

* Kuaidi100 (快递100), ``POST https://poll.kuaidi100.com/poll/query.do`` with ``customer``, ``sign``
  (MD5 of param + key + customer) and ``param={"com": <its carrier code>, "num": <number>}``, one
  parcel a call (or subscribe with ``/poll`` and receive pushes). ``state``: 0 在途 and 1 揽收 →
  in_transit, 5 派件 → out_for_delivery, 3 签收 → delivered (time: ``data[0].ftime``, Asia/Shanghai),
  2 疑难 / 4 退签 / 6 退回 / 14 拒签 → exception. Its codes: shunfeng, zhongtong, yuantong,
  shentong, yunda, jtexpress, jd, ems, debangkuaidi, cainiao, dhl, fedex, ups, usps, 4px, yanwen.
* 17TRACK, ``POST https://api.17track.net/track/v2.2/gettrackinfo`` with header ``17token`` and a
  body of up to 40 ``{"number", "carrier"}`` (register them first with ``/register``).
  ``track_info.latest_status.status``: InfoReceived and InTransit → in_transit, OutForDelivery →
  out_for_delivery, Delivered → delivered (``latest_event.time_utc``), Exception, Expired,
  DeliveryFailure, AvailableForPickup → exception.
* AfterShip, ``GET https://api.aftership.com/tracking/<version>/trackings?tracking_numbers=...``
  with header ``as-api-key`` (create trackings with ``POST /trackings`` first). ``tag``: InfoReceived
  and InTransit → in_transit, OutForDelivery → out_for_delivery, Delivered → delivered
  (``shipment_delivery_date``), Exception, AttemptFail, Expired → exception.
"""

from __future__ import annotations

import csv
import json
import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.module_loading import import_string

from orders.choices import TrackingStatus
from orders.models import Shipment
from reship import workflow
from reship.core.errors import WorkflowError

logger = logging.getLogger(__name__)

REPORTED_STATUSES = frozenset(
    {TrackingStatus.IN_TRANSIT, TrackingStatus.OUT_FOR_DELIVERY, TrackingStatus.DELIVERED, TrackingStatus.EXCEPTION}
)


@dataclass(frozen=True)
class ParcelRef:
    carrier: str  # our carrier code (orders.Carrier.code)
    number: str


@dataclass(frozen=True)
class TrackingReport:
    carrier: str
    number: str
    status: str  # an orders.choices.TrackingStatus value
    at: datetime | None = None  # when it happened (for delivered: the delivery time); None = now


class TrackingProvider(Protocol):
    def statuses(self, parcels: list[ParcelRef]) -> list[TrackingReport]: ...


class TrackingProviderError(Exception):
    """The provider could not answer this round (its own errors may be raised as they are, too)."""


class FileTrackingProvider:
    """Reads the statuses from ``RESHIP_TRACKING_FILE``: a JSON list of objects, or a CSV file with a
    header row, each with ``carrier``, ``number``, ``status`` and optionally ``at`` (ISO 8601).
    The file is read at every call, so a demo can edit it while the beat runs."""

    def __init__(self, path: str | None = None) -> None:
        self.path = Path(path or settings.RESHIP_TRACKING_FILE)

    def _rows(self) -> list[dict[str, Any]]:
        if not str(self.path) or not self.path.is_file():
            raise TrackingProviderError(f"Tracking file {self.path} not found (RESHIP_TRACKING_FILE).")
        text = self.path.read_text(encoding="utf-8-sig")
        if self.path.suffix.lower() == ".json":
            rows = json.loads(text)
            if not isinstance(rows, list):
                raise TrackingProviderError("The tracking file's JSON must be a list of objects.")
            return [row for row in rows if isinstance(row, dict)]
        return list(csv.DictReader(text.splitlines()))

    def statuses(self, parcels: list[ParcelRef]) -> list[TrackingReport]:
        asked = {(parcel.carrier.upper(), parcel.number.upper()) for parcel in parcels}
        reports = []
        for row in self._rows():
            carrier = str(row.get("carrier") or "").strip().upper()
            number = str(row.get("number") or "").strip().upper()
            if (carrier, number) not in asked:
                continue
            at_text = str(row.get("at") or "").strip()
            at = parse_datetime(at_text) if at_text else None
            reports.append(TrackingReport(carrier, number, str(row.get("status") or "").strip().lower(), at))
        return reports


def tracking_provider() -> TrackingProvider | None:
    """The configured provider, or ``None`` when polling is off."""
    path = settings.RESHIP_TRACKING_PROVIDER
    if not path:
        return None
    provider: TrackingProvider = import_string(path)()
    return provider


def parcels_to_track(*, now: datetime, limit: int, skip: Collection[int] = ()) -> list[Shipment]:
    """Reship parcels not delivered, shipped within ``RESHIP_TRACKING_DAYS``, the longest unchecked
    (never checked) first; ``skip``: those asked already this round."""
    since = now - timedelta(days=settings.RESHIP_TRACKING_DAYS)
    return list(
        Shipment.objects.filter(reship_request__isnull=False, delivered_at__isnull=True, shipped_at__gte=since)
        .exclude(pk__in=list(skip))
        .select_related("carrier")
        .order_by(F("tracking_checked_at").asc(nulls_first=True), "shipped_at", "pk")[:limit]
    )


def _apply(shipment: Shipment, report: TrackingReport, now: datetime) -> bool:
    """One report through the workflow; ``False`` when it could not be applied (logged)."""
    if report.status not in REPORTED_STATUSES:
        logger.warning("Tracking provider: unknown status %r for %s", report.status, shipment)
        return True  # nothing to retry: asking again gives the same answer
    at = report.at
    if at is not None and timezone.is_naive(at):
        at = timezone.make_aware(at)
    if at is not None and report.status == TrackingStatus.DELIVERED:
        at = min(max(at, shipment.shipped_at), now)  # a provider's clock is not ours to refuse
    try:
        workflow.reship_record_tracking(
            shipment_id=shipment.pk, status=report.status, at=at, actor=None, now=now, by=workflow.DeliveredBy.PROVIDER
        )
    except WorkflowError as error:
        logger.warning("Tracking provider: %s not updated: %s", shipment, error.message)
    except Exception:
        logger.exception("Tracking provider: %s failed; it is asked again next round", shipment)
        return False
    return True


def tracking_poll(*, now: datetime | None = None, provider: TrackingProvider | None = None) -> dict[str, int]:
    """One round: ask the provider about the parcels due a check, batch by batch, and apply what it
    says. Never raises: a provider error ends the round and the parcels are asked again next time."""
    provider = provider if provider is not None else tracking_provider()
    counts = {"checked": 0, "reported": 0, "failed": 0}
    if provider is None:
        return counts
    now = now or timezone.now()
    batch = settings.RESHIP_TRACKING_BATCH
    asked: set[int] = set()
    for _batch in range(settings.RESHIP_TRACKING_MAX_BATCHES):
        parcels = parcels_to_track(now=now, limit=batch, skip=asked)
        if not parcels:
            break
        asked.update(parcel.pk for parcel in parcels)
        try:
            reports = provider.statuses([ParcelRef(parcel.carrier.code, parcel.tracking_number) for parcel in parcels])
        except Exception:
            logger.exception("Tracking provider failed; %d parcels are asked again next round", len(parcels))
            counts["failed"] += len(parcels)
            break
        by_key = {(parcel.carrier.code.upper(), parcel.tracking_number.upper()): parcel for parcel in parcels}
        retry: set[int] = set()
        for report in reports:
            parcel = by_key.get((report.carrier.upper(), report.number.upper()))
            if parcel is None:
                continue
            if _apply(parcel, report, now):
                counts["reported"] += 1
            else:
                retry.add(parcel.pk)
        checked = [parcel.pk for parcel in parcels if parcel.pk not in retry]
        Shipment.objects.filter(pk__in=checked).update(tracking_checked_at=now)
        counts["checked"] += len(checked)
        counts["failed"] += len(retry)
        if len(parcels) < batch:
            break
    return counts
