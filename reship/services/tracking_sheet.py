"""The tracking import's sheet (批量导入物流单号): its columns, found by their Chinese or English
headers, and the sheet of lines to ship a partner downloads to fill in. The sheet carries each
request's ship-to, which the partner may read in full there (its lines are to ship):
``privacy.ship_to_for_many`` logs the reveal. The run that reads a filled sheet is
``reship.services.tracking_import``'s."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from orders.carriers import (
    carrier_choices,
    carrier_find,
    carrier_index,
    tracking_number_clean,
)
from orders.choices import TrackingStatus
from orders.imports import parsing
from orders.imports.fields import header_key
from orders.models import Carrier, ImportJob
from reship import privacy
from reship.choices import RevealChannel
from reship.core.errors import InvalidInput
from reship.core.exports import Table, chunked
from reship.core.spreadsheets import SheetError
from reship.models import ReshipLine, ReshipRequest

if TYPE_CHECKING:
    from reship.accounts.models import User


# --- the sheet's columns ------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    label: Promise
    guesses: tuple[str, ...]  # header texts as ``header_key`` writes them, besides the label itself


REQUEST_NUMBER = "request_number"
ORDER_NUMBER = "order_number"
SKU = "sku"
LINE = "line"
CARRIER = "carrier"
TRACKING_NUMBER = "tracking_number"
NOTE = "note"
CARRIER_NAME = "carrier_name"
STATUS = "status"
DELIVERED_AT = "delivered_at"

COLUMNS: tuple[Column, ...] = (
    Column(REQUEST_NUMBER, gettext_lazy("Request number"), ("补单号", "补单编号", "补单", "requestnumber", "number")),
    Column(ORDER_NUMBER, gettext_lazy("Order number"), ("订单号", "订单编号", "平台订单号", "ordernumber", "orderno")),
    Column(SKU, gettext_lazy("SKU code"), ("sku", "sku编码", "商品编码", "商家编码", "货号", "skucode")),
    Column(LINE, gettext_lazy("Line"), ("行", "行号", "line", "linenumber", "lineno")),
    Column(CARRIER, gettext_lazy("Carrier"), ("快递公司", "物流公司", "快递", "承运商", "carrier", "courier")),
    Column(
        TRACKING_NUMBER,
        gettext_lazy("Tracking number"),
        ("快递单号", "运单号", "物流单号", "trackingnumber", "trackingno", "tracking", "waybill"),
    ),
    Column(NOTE, gettext_lazy("Quality check note"), ("质检备注", "质检", "备注", "note", "qualitychecknote")),
    # Optional, after the ones above (the import page names columns by position).
    Column(CARRIER_NAME, gettext_lazy("Carrier name"), ("快递公司名称", "承运商名称", "carriername", "couriername")),
    Column(STATUS, gettext_lazy("Tracking status"), ("物流状态", "快递状态", "签收状态", "状态", "status")),
    Column(DELIVERED_AT, gettext_lazy("Delivered at"), ("签收时间", "送达时间", "deliveredat", "deliverytime")),
)
# A row needs one of each group: which request, which line, and the parcel's two fields.
REQUIRED: tuple[tuple[str, ...], ...] = ((REQUEST_NUMBER, ORDER_NUMBER), (SKU, LINE), (CARRIER,), (TRACKING_NUMBER,))


def _keys_of(column: Column) -> set[str]:
    """The header texts that name the column: its guesses and its label in every language."""
    keys = set(column.guesses)
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            keys.add(header_key(str(column.label)))
    return keys


def columns_find(headers: Sequence[str]) -> dict[str, int]:
    """{column key: index in the row} for the headers that name a column, the first of each.
    Raises ``SheetError`` naming what is missing when a row could not be read without it."""
    found: dict[str, int] = {}
    # A header may explain itself in brackets, as the to-ship sheet's carrier column does
    # ("Carrier (code or name: SF, ZTO, …)"); the text before them names the column then.
    plain = [header_key(header) for header in headers]
    bare = [header_key(re.split(r"[(（\[【]", header, maxsplit=1)[0]) for header in headers]
    for column in COLUMNS:
        keys = _keys_of(column)
        for names in (plain, bare):
            index = next(
                (index for index, key in enumerate(names) if key in keys and index not in found.values()), None
            )
            if index is not None:
                found[column.key] = index
                break
    missing = [group for group in REQUIRED if not any(key in found for key in group)]
    if missing:
        labels = {column.key: str(column.label) for column in COLUMNS}
        raise SheetError(
            _("The sheet needs a column for each of: %(columns)s. Its columns are: %(headers)s.")
            % {
                "columns": "; ".join(_(" or ").join(f"“{labels[key]}”" for key in group) for group in missing),
                "headers": ", ".join(f"“{header}”" for header in headers) or "—",
            }
        )
    return found


LABELS = {column.key: column.label for column in COLUMNS}


TO_SHIP_BATCH = 500


def _to_ship_rows(queryset, *, user: User) -> Iterator[list]:
    """The lines with their request's ship-to, read a batch of lines at a time: one query for the
    batch's new requests (their ship-to window annotated) and one insert for their reveals."""
    views: dict[int, Any] = {}
    batch: list[ReshipLine] = []

    def rows_of(lines: list[ReshipLine]) -> Iterator[list]:
        new = {line.request_id for line in lines} - views.keys()
        if new:
            requests = privacy.with_ship_to_window(ReshipRequest.objects.filter(pk__in=new).select_related("order"))
            views.update(privacy.ship_to_for_many(user, list(requests), via=RevealChannel.SHEET))
        for line in lines:
            product = line.order_line.product
            ship_to = views[line.request_id]
            yield [line.request.number, line.request.order.platform_order_number, product.sku_code, product.name,
                   line.quantity, ship_to.name, ship_to.phone, ship_to.country, ship_to.province, ship_to.city,
                   ship_to.district, ship_to.street, ship_to.postcode, "", "", "", ""]  # fmt: skip

    for line in chunked(queryset):
        batch.append(line)
        if len(batch) == TO_SHIP_BATCH:
            yield from rows_of(batch)
            batch = []
    yield from rows_of(batch)


def carrier_codes_text() -> str:
    """The codes the carrier column takes, for the sheet's header and the import page."""
    return ", ".join(carrier_choices().values_list("code", flat=True))


def to_ship_table(user: User) -> Table:
    """The partner's lines ready to ship as a sheet to fill in (carrier, tracking number) and upload
    again: the columns this import reads, and for the packer the product, quantity and ship-to
    (ignored by the import). The carrier's header lists the codes it takes."""
    carrier_header = _("%(carrier)s (code or name: %(codes)s)") % {
        "carrier": LABELS[CARRIER],
        "codes": carrier_codes_text(),
    }
    return Table(
        title=gettext_lazy("To ship"),
        headers=(
            LABELS[REQUEST_NUMBER],
            LABELS[ORDER_NUMBER],
            LABELS[SKU],
            gettext_lazy("Product"),
            gettext_lazy("Quantity"),
            gettext_lazy("Recipient"),
            gettext_lazy("Phone"),
            gettext_lazy("Country"),
            gettext_lazy("Province / state"),
            gettext_lazy("City"),
            gettext_lazy("District"),
            gettext_lazy("Street address"),
            gettext_lazy("Postcode"),
            carrier_header,
            LABELS[TRACKING_NUMBER],
            LABELS[CARRIER_NAME],
            LABELS[NOTE],
        ),
        rows=lambda queryset: _to_ship_rows(queryset, user=user),
    )


# --- reading a row ------------------------------------------------------------------------------

FAR_FUTURE = datetime(2099, 12, 31, tzinfo=UTC)  # no "not in the future" check when reading a time


class RowRefused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Row:
    number: int
    request_number: str
    order_number: str
    sku: str
    line: str
    carrier: str
    tracking_number: str
    note: str
    carrier_name: str = ""
    status: str = ""
    delivered_at: str = ""

    @classmethod
    def read(cls, number: int, cells: list[str], found: dict[str, int]) -> Row:
        def cell(key: str) -> str:
            return cells[found[key]].strip() if key in found else ""

        keys = (
            REQUEST_NUMBER,
            ORDER_NUMBER,
            SKU,
            LINE,
            CARRIER,
            TRACKING_NUMBER,
            NOTE,
            CARRIER_NAME,
            STATUS,
            DELIVERED_AT,
        )
        return cls(number, *(cell(key) for key in keys))


# What the status column may say, besides each status's label in every language.
STATUS_WORDS: dict[str, tuple[str, ...]] = {
    TrackingStatus.SHIPPED: ("已发货", "已揽收", "揽收", "发货", "shipped"),
    TrackingStatus.IN_TRANSIT: ("运输中", "在途", "在途中", "转运中", "intransit", "transit"),
    TrackingStatus.OUT_FOR_DELIVERY: ("派送中", "派件中", "派送", "outfordelivery"),
    TrackingStatus.DELIVERED: ("已签收", "签收", "已送达", "送达", "妥投", "delivered"),
    TrackingStatus.EXCEPTION: ("异常", "问题件", "退回", "exception", "deliveryproblem"),
}


@dataclass
class Sheet:
    """What one run reads once: the carriers by every name, the statuses by every word, and the
    uploader's time zone for delivery times written without one."""

    carriers: dict[str, Carrier]
    statuses: dict[str, str]
    zone: tzinfo
    codes: str

    @classmethod
    def for_job(cls, job: ImportJob) -> Sheet:
        statuses = {header_key(word): status for status, words in STATUS_WORDS.items() for word in words}
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                for status in TrackingStatus:
                    statuses.setdefault(header_key(str(status.label)), status.value)
        try:
            zone: tzinfo = ZoneInfo(job.time_zone) if job.time_zone else UTC
        except (ZoneInfoNotFoundError, ValueError):
            zone = UTC
        carriers = carrier_index()
        codes = ", ".join(dict.fromkeys(carrier.code for carrier in carriers.values()))
        return cls(carriers=carriers, statuses=statuses, zone=zone, codes=codes)

    def parcel_of(self, row: Row) -> tuple[Carrier, str]:
        """The row's carrier (by code or any name) and its tracking number as the carrier prints it."""
        if not row.carrier:
            raise RowRefused(_("Give the carrier."))
        carrier = carrier_find(row.carrier, self.carriers)
        if carrier is None:
            raise RowRefused(
                _("“%(value)s” is not a carrier Reship knows; use one of: %(codes)s.")
                % {"value": row.carrier[:60], "codes": self.codes}
            )
        try:
            return carrier, tracking_number_clean(carrier, row.tracking_number)
        except InvalidInput as error:
            raise RowRefused(error.message) from None

    def status_of(self, row: Row) -> tuple[str, datetime | None]:
        """The status the row gives its parcel ("" for none) and when it was delivered. A delivery time
        alone means delivered."""
        status = ""
        if row.status:
            status = self.statuses.get(header_key(row.status), "")
            if not status:
                raise RowRefused(
                    _("“%(value)s” is not a tracking status Reship knows; write one of: %(statuses)s.")
                    % {
                        "value": row.status[:40],
                        "statuses": ", ".join(
                            f"{STATUS_WORDS[each][0]} / {each.label}"
                            for each in (
                                TrackingStatus.IN_TRANSIT,
                                TrackingStatus.OUT_FOR_DELIVERY,
                                TrackingStatus.DELIVERED,
                                TrackingStatus.EXCEPTION,
                            )
                        ),
                    }
                )
        if not row.delivered_at:
            return status, None
        if status and status != TrackingStatus.DELIVERED:
            raise RowRefused(
                _("A delivery time goes with the status “%(delivered)s”, not “%(status)s”.")
                % {"delivered": TrackingStatus.DELIVERED.label, "status": TrackingStatus(status).label}
            )
        try:
            # The workflow says when the time is too early or in the future; this only reads it.
            delivered_at = parsing.moment(row.delivered_at, zone=self.zone, now=FAR_FUTURE)
        except parsing.CellProblem:
            raise RowRefused(
                _("“%(value)s” is not a delivery time Reship reads; write it year first, e.g. 2026-11-20 14:03.")
                % {"value": row.delivered_at[:40]}
            ) from None
        return TrackingStatus.DELIVERED, delivered_at
