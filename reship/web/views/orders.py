"""The seller's order pages: the list with search and filters (and its CSV / XLSX exports), an
order's detail, a new reship request for it (also reached from a tracking number), and the
confirmation after submitting.

Views are thin: parse a form, call a selector or ``reship_submit`` + ``evidence_add``, render.
Every page is the seller's own: another organisation's order or request is a 404.
"""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from orders import selectors
from orders.exports import FILENAME_PREFIX, orders_table
from orders.models import Order
from reship import privacy
from reship.core import exports
from reship.core.errors import ActionNotPermitted, InvalidInput, RequestNotFound
from reship.selectors.quantities import remaining_quantities
from reship.services.evidence import evidence_add
from reship.services.pending_uploads import pending_upload_files, pending_uploads_discard
from reship.web.decorators import seller_required
from reship.web.forms.orders import OrderFilterForm, ReshipRequestForm, TrackingForm
from reship.web.http import SellerRequest
from reship.workflow import reship_submit

ORDERS_PER_PAGE = 50


def request_detail_url(request_pk: int) -> str:
    """The request page's address. That page belongs to the requests area, built separately and
    maybe not routed yet; its path is fixed, so it is written out rather than reversed."""
    return f"/requests/{request_pk}/"


def _order_or_404(request: SellerRequest, order_id: int) -> Order:
    order = selectors.order_get_for_seller(seller=request.seller, order_id=order_id)
    if order is None:
        raise Http404
    return order


def _filtered(request: SellerRequest) -> tuple[OrderFilterForm, QuerySet[Order]]:
    """The filter form and the orders it picks; the list and its exports read the same."""
    form = OrderFilterForm(request.GET, seller=request.seller)
    form.is_valid()  # invalid fields are shown with their error and simply not applied
    return form, selectors.order_list_for_seller(seller=request.seller, **form.filters())


def _page(orders: QuerySet[Order], number: str | None) -> Page:
    """The page asked for. The first is fetched with one order more: when there is none, the page
    holds every match and the paginator takes their number from it instead of a COUNT, which cost a
    search as much as finding its orders. Otherwise the Paginator counts once (its count is cached)."""
    paginator = Paginator(orders, ORDERS_PER_PAGE)
    if number not in (None, "", "1"):
        return paginator.get_page(number)
    rows = list(orders[: ORDERS_PER_PAGE + 1])
    if len(rows) <= ORDERS_PER_PAGE:
        paginator.__dict__["count"] = len(rows)  # Paginator.count is a cached_property: this is its cache
    return Page(rows[:ORDERS_PER_PAGE], 1, paginator)


@require_GET
@seller_required
def order_list(request: SellerRequest) -> HttpResponse:
    form, orders = _filtered(request)
    page = _page(orders, request.GET.get("page"))
    return render(
        request,
        "orders/list.html",
        {"form": form, "page": page, "orders": list(page.object_list), "tracking_form": TrackingForm()},
    )


@require_GET
@seller_required
def order_detail(request: SellerRequest, pk: int) -> HttpResponse:
    order = _order_or_404(request, pk)
    remaining = remaining_quantities(order)
    lines = [
        {"line": line, "claimed": line.quantity - remaining[line.pk], "left": max(remaining[line.pk], 0)}
        for line in order.lines.all()
    ]
    return render(
        request,
        "orders/detail.html",
        {
            "order": order,
            "ship_to": privacy.order_ship_to_for(request.user, order),
            "lines": lines,
            "can_claim": any(row["left"] for row in lines),
            "reship_requests": [
                {"reship": reship, "url": request_detail_url(reship.pk)} for reship in order.reship_requests.all()
            ],
        },
    )


@require_http_methods(["GET", "POST"])
@seller_required
def new_request(request: SellerRequest, pk: int) -> HttpResponse:
    order = _order_or_404(request, pk)
    remaining = remaining_quantities(order)
    if request.method == "GET":
        form = ReshipRequestForm(order=order, remaining=remaining, user=request.user)
        return render(request, "orders/new_request.html", {"order": order, "form": form})

    # The photos chosen are kept (pending uploads) whatever else is wrong: the corrected form sends them.
    form = ReshipRequestForm(request.POST, request.FILES, order=order, remaining=remaining, user=request.user)
    if form.is_valid():
        photos = form.kept_uploads("evidence")
        try:
            # One transaction: a refused photo takes the request (and its notifications) back with it.
            with transaction.atomic():
                reship = reship_submit(
                    actor=request.user,
                    order_id=order.pk,
                    reason=form.cleaned_data["reason"],
                    description=form.cleaned_data["description"],
                    lines=form.line_requests(),
                )
                evidence_add(request=reship, actor=request.user, files=pending_upload_files(photos))
                pending_uploads_discard(photos)
        except (RequestNotFound, ActionNotPermitted):
            raise Http404 from None
        except InvalidInput as error:
            form.add_workflow_error(error)
        else:
            return redirect("orders:request-submitted", request_pk=reship.pk)
    return render(request, "orders/new_request.html", {"order": order, "form": form}, status=400)


@require_GET
@seller_required
def find_by_tracking(request: SellerRequest) -> HttpResponse:
    """Start a request from the tracking number the customer complains about."""
    if "tracking" not in request.GET:
        return render(request, "orders/find.html", {"form": TrackingForm()})
    form = TrackingForm(request.GET)
    matches = []
    if form.is_valid():
        matches = selectors.order_find_by_tracking(seller=request.seller, tracking_number=form.cleaned_data["tracking"])
        if len(matches) == 1:
            return redirect("orders:new-request", pk=matches[0].pk)
    return render(
        request,
        "orders/find.html",
        {"form": form, "matches": matches, "searched": form.is_valid()},
    )


@require_GET
@seller_required
def request_submitted(request: SellerRequest, request_pk: int) -> HttpResponse:
    reship = selectors.request_get_for_seller(seller=request.seller, request_id=request_pk)
    if reship is None:
        raise Http404
    return render(
        request,
        "orders/request_submitted.html",
        {"reship": reship, "request_detail_url": request_detail_url(reship.pk)},
    )


@require_GET
@seller_required
def export(request: SellerRequest, file_format: str) -> HttpResponseBase:
    """The orders the list shows for the same filters (all pages), one row per order line."""
    form, orders = _filtered(request)
    days = [form.filters()[name] for name in ("placed_from", "placed_to")]
    filename = exports.export_filename(prefix=FILENAME_PREFIX, parts=[day.isoformat() if day else "" for day in days])
    table = orders_table(request.user)
    return exports.response(file_format=file_format, table=table, queryset=orders, filename=filename)
