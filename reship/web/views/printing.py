"""Print pages for the partner's packers: packing slips (发货单, A4 or a 100×150 mm label) and the
pick list (拣货单) of the lines ticked on the to-ship list.

Printing is recorded (``workflow.reship_print_slips``), so the pages answer the to-ship list's POST
and render what was recorded: refresh asks before printing (and recording) again, and nothing is
written by a link or a prefetch. Lines of another partner are a 404; lines no longer to ship send
the packer back to the list with what became of them, and nothing is recorded. The ship-to on a
slip comes from ``reship.privacy`` (a full reveal logged as a slip's); the pick list shows none.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from orders.models import Product
from orders.ship_to import ShipToView
from reship import privacy, workflow
from reship.choices import RevealChannel
from reship.core.barcodes import code128_svg
from reship.core.bounds import id_from_text
from reship.core.errors import InvalidInput, InvalidTransition, RequestNotFound
from reship.models import ReshipLine, ReshipRequest
from reship.selectors import partner as selectors
from reship.web.decorators import partner_required
from reship.web.http import PartnerRequest
from reship.workflow import printing


@dataclass
class Slip:
    """One parcel's packing slip: a request's selected lines and where they go."""

    reship: ReshipRequest
    ship_to: ShipToView
    barcode: SafeString
    lines: list[ReshipLine] = field(default_factory=list)

    @property
    def quantity(self) -> int:
        return sum(line.quantity for line in self.lines)


@dataclass
class PickUse:
    number: str
    quantity: int
    instead_of: str  # the ordered SKU when the picked one is its substitute


@dataclass
class PickRow:
    """One SKU to take from the shelf, and the parcels it goes into."""

    product: Product
    quantity: int = 0
    uses: list[PickUse] = field(default_factory=list)


def _ids(values: Iterable[str]) -> list[int]:
    ids = [id_from_text(value) for value in values]
    if any(each is None for each in ids):
        raise Http404  # no line or request has an id like that
    return [each for each in ids if each is not None]


def _selected_line_ids(request: PartnerRequest) -> list[int]:
    """The ticked lines, and every line ready to ship of each request ticked whole."""
    line_ids = _ids(request.POST.getlist("line"))
    request_ids = list(dict.fromkeys(_ids(request.POST.getlist("request"))))
    if request_ids:
        ready = selectors.partner_ready_line_ids(partner=request.partner, request_ids=request_ids)
        numbers = selectors.partner_request_numbers(partner=request.partner, request_ids=request_ids)
        if len(numbers) != len(request_ids):
            raise Http404
        for request_id in request_ids:
            if request_id not in ready:
                message = _("%(number)s has no line left to ship. Reload the list and select again.") % {
                    "number": numbers[request_id]
                }
                raise InvalidInput(message, field_errors={"request": [message]})
            line_ids.extend(ready[request_id])
    return list(dict.fromkeys(line_ids))


def _back_to_list(request: PartnerRequest) -> HttpResponse:
    page = id_from_text(request.POST.get("page", ""))
    return redirect(reverse("partner:to-ship") + (f"?{urlencode({'page': page})}" if page and page > 1 else ""))


def _record(
    request: PartnerRequest, *, kind: str, size: str
) -> tuple[printing.Printed, list[ReshipLine]] | HttpResponse:
    """Record the print and load what it shows, or the answer to give instead."""
    try:
        line_ids = _selected_line_ids(request)
        printed = workflow.reship_print_slips(actor=request.user, line_ids=line_ids, kind=kind, size=size)
    except RequestNotFound as error:
        raise Http404(error.message) from None
    except (InvalidInput, InvalidTransition) as error:
        messages.error(request, error.message)
        return _back_to_list(request)
    return printed, selectors.partner_lines_to_print(partner=request.partner, line_ids=printed.line_ids)


def slips_of(request: PartnerRequest, lines: list[ReshipLine]) -> list[Slip]:
    requests = list({line.request_id: line.request for line in lines}.values())
    ship_tos = privacy.ship_to_for_many(request.user, requests, via=RevealChannel.SLIP)
    slips: dict[int, Slip] = {}
    for line in lines:
        reship = line.request
        if reship.pk not in slips:
            slips[reship.pk] = Slip(
                reship=reship,
                ship_to=ship_tos[reship.pk],
                # the markup is drawn by reship.core.barcodes from escaped text, never from input
                barcode=mark_safe(code128_svg(reship.number)),
            )
        slips[reship.pk].lines.append(line)
    return list(slips.values())


def pick_rows(lines: list[ReshipLine]) -> list[PickRow]:
    """The selection by the SKU to pick (the substitute when one is set), by SKU code."""
    rows: dict[int, PickRow] = {}
    for line in lines:
        ordered = line.order_line.product
        picked = line.substitute_product or ordered
        row = rows.setdefault(picked.pk, PickRow(product=picked))
        row.quantity += line.quantity
        row.uses.append(
            PickUse(
                number=line.request.number,
                quantity=line.quantity,
                instead_of=ordered.sku_code if picked.pk != ordered.pk else "",
            )
        )
    return sorted(rows.values(), key=lambda row: (row.product.sku_code, row.product.pk))


@never_cache
@require_POST
@partner_required
def print_slips(request: PartnerRequest) -> HttpResponse:
    size = request.POST.get("size", printing.A4)
    outcome = _record(request, kind=printing.SLIP, size=size)
    if isinstance(outcome, HttpResponse):
        return outcome
    printed, lines = outcome
    context = {
        "slips": slips_of(request, lines),
        "size": size,
        "partner": request.partner,
        "printed_at": printed.printed_at,
    }
    return render(request, "partner/print_slips.html", context)


@never_cache
@require_POST
@partner_required
def print_pick_list(request: PartnerRequest) -> HttpResponse:
    outcome = _record(request, kind=printing.PICK_LIST, size=printing.A4)
    if isinstance(outcome, HttpResponse):
        return outcome
    printed, lines = outcome
    rows = pick_rows(lines)
    context = {
        "rows": rows,
        "partner": request.partner,
        "printed_at": printed.printed_at,
        "line_count": len(lines),
        "request_count": len(printed.request_ids),
        "quantity": sum(row.quantity for row in rows),
    }
    return render(request, "partner/print_pick_list.html", context)
