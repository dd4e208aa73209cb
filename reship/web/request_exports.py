"""The columns of a reship-request export (the dashboard's figures and the requests list); how the
sheet is written is ``reship.core.exports``'."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from reship.core.exports import Table, chunked
from reship.models import ReshipRequest

RELATED = ("order", "seller", "partner", "survey_response")

# The header row, in the order ``request_values`` gives the cells.
COLUMNS: tuple[Promise, ...] = (
    _("Number"),
    _("Order number"),
    _("Seller"),
    _("Dropship partner"),
    _("Reason"),
    _("Description"),
    _("Status"),
    _("Submitted"),
    _("Reviewed"),
    _("Resolved"),
    _("Closed"),
    _("Goods"),
    _("Shipping"),
    _("Compensation"),
    _("Total cost"),
    _("Currency"),
    _("Cost borne by"),
    _("Rating: speed"),
    _("Rating: quality"),
    _("Rating: cooperation"),
    _("Customer rating"),
    _("Platform dispute"),
    _("Bad review"),
)


def request_rows(queryset: QuerySet[ReshipRequest]) -> Iterator[list[Any]]:
    """One row per request, oldest first, their order, seller, partner and survey answer joined."""
    for reship in chunked(queryset.select_related(*RELATED).order_by("created_at", "pk")):
        yield request_values(reship)


def request_values(reship: ReshipRequest) -> list[Any]:
    """One request's cells, in ``COLUMNS`` order."""
    survey = getattr(reship, "survey_response", None)
    return [
        reship.number,
        reship.order.platform_order_number,
        reship.seller.name,
        reship.partner.name,
        reship.get_reason_display(),
        reship.description,
        reship.get_status_display(),
        reship.submitted_at,
        reship.reviewed_at,
        reship.resolved_at,
        reship.closed_at,
        reship.quote_goods,
        reship.quote_shipping,
        reship.quote_compensation,
        reship.quote_total,
        reship.currency,
        reship.get_cost_bearer_display() if reship.cost_bearer else "",
        reship.rating_speed,
        reship.rating_quality,
        reship.rating_cooperation,
        survey.rating if survey is not None else None,
        _yes_no(reship.platform_dispute),
        _yes_no(reship.bad_review),
    ]


def _yes_no(flag: bool) -> Promise:
    return _("Yes") if flag else _("No")


REQUESTS = Table(title=_("Reship requests"), headers=COLUMNS, rows=request_rows)
FILENAME_PREFIX = "reship-requests"
