"""The evaluation dashboards (评估指标): one page for a seller's staff, a partner's staff and the
platform's admins, each scoped to what that side may see, and the export of the requests behind it.

The figures come from ``reship.evaluation.evaluation_figures`` (a fixed number of queries); this
module parses the filter form, turns the figures into headline cards, charts (``reship.core.charts``)
and scorecard tables, and gives every figure the URL of the request list showing the requests
behind it. Admins narrow to one seller by viewing with that seller's scope; the ``seller``
parameter then rides along on every link and export (the evaluation links know no seller).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404, HttpResponse, HttpResponseBadRequest, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.functional import lazy
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_GET

from orders.models import Order, Product, Seller
from reship.accounts.roles import Role, organisation_for
from reship.choices import Reason, RequestStatus
from reship.core import charts, exports
from reship.core.bounds import DATE_VALIDATORS
from reship.core.charts import Datum, Series, format_hours, format_money, format_number, format_percent
from reship.evaluation import (
    DEFAULT_PERIOD_DAYS,
    PERIOD_DAYS,
    EvaluationFilter,
    Figures,
    Link,
    Scope,
    evaluation_figures_cached,
    evaluation_filter_for,
    evaluation_link_filter,
    evaluation_scope_for,
    requests_url,
)
from reship.models import ReshipRequest
from reship.web.forms import form_field
from reship.web.http import AuthenticatedRequest
from reship.web.request_exports import FILENAME_PREFIX, REQUESTS
from suppliers.models import DropshipPartner, Supplier

if TYPE_CHECKING:
    from reship.accounts.models import User

CUSTOM = "custom"
MAX_CUSTOM_DAYS = 731  # two years: a wider range is a query nobody reads as one chart
COMMENTS_SHOWN = 5
# A request that was reviewed and not rejected counts as approved (approved-then-cancelled too).
NOT_REJECTED = ",".join(status for status in RequestStatus.values if status != RequestStatus.REJECTED)


# --- the filter form ----------------------------------------------------------------------------

# Translated when shown, not when the module loads (a lazy string's % would fix the language).
_last_days = lazy(lambda days: _("Last %(days)s days") % {"days": days}, str)


class DashboardFilterForm(forms.Form):
    """Period (7 / 30 / 90 days or custom dates), and for whom: partner, source, reason; an admin
    also picks a seller. Choices offer only what the viewer's own requests involve."""

    period = forms.ChoiceField(
        label=gettext_lazy("Period"),
        choices=[
            *((str(days), _last_days(days)) for days in PERIOD_DAYS),
            (CUSTOM, gettext_lazy("Custom dates")),
        ],
    )
    start = forms.DateField(
        label=gettext_lazy("From"),
        required=False,
        validators=DATE_VALIDATORS,
        help_text=gettext_lazy("For custom dates"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    end = forms.DateField(
        label=gettext_lazy("To"),
        required=False,
        validators=DATE_VALIDATORS,
        help_text=gettext_lazy("For custom dates"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    seller = forms.ModelChoiceField(
        label=gettext_lazy("Seller"),
        queryset=Seller.objects.none(),
        required=False,
        empty_label=gettext_lazy("All sellers"),
    )
    partner = forms.ModelChoiceField(
        label=gettext_lazy("Dropship partner"),
        queryset=DropshipPartner.objects.none(),
        required=False,
        empty_label=gettext_lazy("All partners"),
    )
    supplier = forms.ModelChoiceField(
        label=gettext_lazy("Source"),
        queryset=Supplier.objects.none(),
        required=False,
        empty_label=gettext_lazy("All sources"),
    )
    reason = forms.ChoiceField(
        label=gettext_lazy("Reason"),
        choices=[("", gettext_lazy("All reasons")), *Reason.choices],
        required=False,
    )

    def __init__(self, data: QueryDict, *, scope: Scope, today: date) -> None:
        super().__init__(data)
        self.scope = scope
        self.today = today
        if scope.role == Role.ADMIN:
            form_field(self, "seller", forms.ModelChoiceField).queryset = Seller.objects.order_by("name")
            form_field(self, "partner", forms.ModelChoiceField).queryset = DropshipPartner.objects.order_by("name")
            form_field(self, "supplier", forms.ModelChoiceField).queryset = Supplier.objects.order_by("name")
        # The choices are the partners of the seller's orders and the sources of the products of the
        # sellers in scope: EXISTS probes on the (seller, partner) index of orders and on products,
        # never a walk through order lines (9 s for a big seller at a million orders).
        elif scope.seller_id is not None:  # a seller's staff: only their scope names a seller
            del self.fields["seller"]
            form_field(self, "partner", forms.ModelChoiceField).queryset = DropshipPartner.objects.filter(
                Exists(Order.objects.filter(seller_id=scope.seller_id, partner=OuterRef("pk")))
            ).order_by("name")
            form_field(self, "supplier", forms.ModelChoiceField).queryset = Supplier.objects.filter(
                Exists(Product.objects.filter(seller_id=scope.seller_id, supplier=OuterRef("pk")))
            ).order_by("name")
        else:  # a partner's staff: their own figures, so no partner or seller to pick
            del self.fields["seller"]
            del self.fields["partner"]
            sellers = Order.objects.filter(seller_id=OuterRef("seller_id"), partner_id=scope.partner_id)
            products = Product.objects.filter(supplier=OuterRef("pk")).filter(Exists(sellers))
            form_field(self, "supplier", forms.ModelChoiceField).queryset = Supplier.objects.filter(
                Exists(products)
            ).order_by("name")

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("period") != CUSTOM:
            return data
        start, end = data.get("start"), data.get("end")
        if start is None and "start" not in self.errors:
            self.add_error("start", _("Give the first day of the period."))
        if end is None and "end" not in self.errors:
            self.add_error("end", _("Give the last day of the period."))
        if start is None or end is None:
            return data
        if start > end:
            self.add_error("end", _("The last day must be on or after the first day."))
        elif end > self.today:
            self.add_error("end", _("The last day cannot be in the future."))
        elif (end - start).days + 1 > MAX_CUSTOM_DAYS:
            self.add_error(None, _("Pick a period of at most %(days)s days.") % {"days": MAX_CUSTOM_DAYS})
        return data

    def evaluation_filter(self, *, user: User, now: datetime) -> EvaluationFilter:
        data = self.cleaned_data
        custom = data["period"] == CUSTOM
        partner, supplier, seller = data.get("partner"), data.get("supplier"), data.get("seller")
        evaluation_filter = evaluation_filter_for(
            user=user,
            now=now,
            days=None if custom else int(data["period"]),
            first_day=data["start"] if custom else None,
            last_day=data["end"] if custom else None,
            partner_id=partner.pk if partner is not None else None,
            supplier_id=supplier.pk if supplier is not None else None,
            reason=data.get("reason") or "",
        )
        if seller is not None:
            # An admin looking at one seller sees what that seller's staff see.
            evaluation_filter = replace(evaluation_filter, scope=Scope(role=Role.SELLER, seller_id=seller.pk))
        return evaluation_filter


# --- what the page shows ------------------------------------------------------------------------


@dataclass(frozen=True)
class Headline:
    """A headline figure: its label, its value as shown, a note under it, and the requests behind it."""

    label: str
    value: str
    url: str = ""
    note: str = ""


@dataclass(frozen=True)
class Row:
    """A scorecard row: its name (linked to its requests) and its cells, already formatted."""

    name: str
    url: str
    cells: list[str]


@dataclass
class Section:
    key: str
    title: str
    headlines: list[Headline] = field(default_factory=list)
    charts: list[charts.Chart] = field(default_factory=list)


Url = Callable[[Link], str]


def _money_by_currency(amounts: dict[str, Decimal]) -> str:
    return " · ".join(format_money(amount, currency) for currency, amount in sorted(amounts.items())) or "—"


def _day(day: date) -> str:
    return formats.date_format(day, "MONTH_DAY_FORMAT")


def _overview(figures: Figures, url: Url) -> list[Headline]:
    cost, satisfaction, brand = figures.cost, figures.satisfaction, figures.brand
    return [
        Headline(_("Requests"), format_number(figures.requests), url(figures.link)),
        Headline(
            _("Closed"),
            format_number(brand.closed),
            url(brand.links["closed"]),
            _("%(share)s of the requests") % {"share": format_percent(_share(brand.closed, figures.requests))},
        ),
        Headline(
            _("Reship cost"),
            _money_by_currency({total.currency: total.total for total in cost.totals}),
            url(cost.link),
            _("%(count)s approved or later") % {"count": format_number(cost.requests)},
        ),
        Headline(
            _("Customer rating"),
            _("%(rating)s of 5") % {"rating": format_number(satisfaction.average_rating, 2)}
            if satisfaction.average_rating is not None
            else "—",
            url(satisfaction.links["answered"]),
            _("%(count)s answers, %(rate)s response rate")
            % {"count": format_number(satisfaction.answered), "rate": format_percent(satisfaction.response_rate)},
        ),
        Headline(
            _("Review within SLA"),
            format_percent(figures.timeliness.review_sla.rate),
            url(figures.timeliness.review_sla.link_hit),
            _("%(hit)s of %(reached)s reviewed")
            % {
                "hit": format_number(figures.timeliness.review_sla.hit),
                "reached": format_number(figures.timeliness.review_sla.reached),
            },
        ),
        Headline(
            _("Overdue now"),
            format_number(figures.timeliness.overdue_now),
            url(figures.timeliness.links["overdue_now"]),
            _("whenever submitted"),
        ),
        Headline(
            _("Dispute or bad review"),
            format_percent(brand.disputed_or_bad_review_rate),
            url(brand.links["disputed_or_bad_review"]),
            _("%(count)s of %(closed)s closed")
            % {"count": format_number(brand.disputed_or_bad_review), "closed": format_number(brand.closed)},
        ),
    ]


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _trend_section(figures: Figures, url: Url) -> Section:
    trend = figures.trend
    per_week = trend.unit == "week"
    chart = charts.trend_chart(
        title=_("Requests submitted per week") if per_week else _("Requests submitted per day"),
        points=[
            Datum(_day(point.start), point.requests, url(point.link), tick=f"{point.start.month}/{point.start.day}")
            for point in trend.points
        ],
        value_label=_("Requests"),
        period_label=_("Week starting") if per_week else _("Day"),
    )
    return Section("trend", _("Trend"), charts=[chart])


def _satisfaction_section(figures: Figures, url: Url) -> Section:
    satisfaction = figures.satisfaction
    section = Section(
        "satisfaction",
        _("Customer satisfaction"),
        headlines=[
            Headline(
                _("Average rating"),
                format_number(satisfaction.average_rating, 2) if satisfaction.average_rating is not None else "—",
                url(satisfaction.links["answered"]),
            ),
            Headline(
                _("Response rate"),
                format_percent(satisfaction.response_rate),
                url(satisfaction.links["answered"]),
                _("%(answered)s of %(closed)s closed")
                % {"answered": format_number(satisfaction.answered), "closed": format_number(satisfaction.closed)},
            ),
            Headline(
                _("Not answered"),
                format_number(satisfaction.closed - satisfaction.answered),
                url(satisfaction.links["unanswered"]),
            ),
        ],
    )
    section.charts.append(
        charts.distribution_chart(
            title=_("Customer ratings (1 to 5)"),
            counts={each.rating: each.count for each in satisfaction.distribution},
            urls={each.rating: url(each.link) for each in satisfaction.distribution},
            value_label=_("Answers"),
            score_label=_("Rating"),
            empty_message=_("No customer answered the survey in this period"),
        )
    )
    return section


def _cost_section(figures: Figures, url: Url) -> Section:
    cost = figures.cost
    section = Section("cost", _("Cost-effectiveness"))
    for total in cost.totals:
        label = total.currency
        section.headlines += [
            Headline(
                _("Cost per request (%(currency)s)") % {"currency": label},
                format_money(total.average_per_request, total.currency),
                url(cost.link),
                _("%(count)s requests, %(total)s in all")
                % {"count": format_number(total.requests), "total": format_money(total.total, total.currency)},
            ),
            Headline(
                _("Share of order value (%(currency)s)") % {"currency": label},
                format_percent(total.share_of_order_value),
                url(cost.link),
                _("of %(value)s ordered") % {"value": format_money(total.order_value, total.currency)},
            ),
            Headline(
                _("Borne by others (%(currency)s)") % {"currency": label},
                format_money(total.recovered, total.currency),
                url(cost.link),
                _("%(share)s of the cost") % {"share": format_percent(total.recovered_share)},
            ),
        ]
    currencies = [total.currency for total in cost.totals]
    for currency in currencies:

        def money(value, currency=currency):
            return format_money(value, currency)

        section.charts.append(
            charts.bar_chart(
                title=_("Cost by who bears it (%(currency)s)") % {"currency": currency},
                data=[Datum(row.label, row.total, url(row.link)) for row in cost.by_bearer if row.currency == currency],
                value_label=_("Cost"),
                category_label=_("Borne by"),
                formatter=money,
            )
        )
    section.charts.append(_requests_by_reason(figures, url))
    for currency in currencies:

        def money(value, currency=currency):
            return format_money(value, currency)

        section.charts.append(
            charts.bar_chart(
                title=_("Cost by reason (%(currency)s)") % {"currency": currency},
                data=[Datum(row.label, row.total, url(row.link)) for row in cost.by_reason if row.currency == currency],
                value_label=_("Cost"),
                category_label=_("Reason"),
                formatter=money,
            )
        )
    if not currencies:
        section.charts.append(
            charts.bar_chart(
                title=_("Cost by who bears it"),
                data=[],
                value_label=_("Cost"),
                category_label=_("Borne by"),
                empty_message=_("No request was approved in this period"),
            )
        )
    return section


def _requests_by_reason(figures: Figures, url: Url) -> charts.Chart:
    """Approved-or-later requests per reason, counted over every currency (counts add up; money does not)."""
    counts: dict[str, list] = {}
    for row in figures.cost.by_reason:
        entry = counts.setdefault(row.key, [row.label, 0, row.link])
        entry[1] += row.requests
    data = sorted(counts.values(), key=lambda entry: (-entry[1], entry[0]))
    return charts.bar_chart(
        title=_("Approved requests by reason"),
        data=[Datum(label, number, url(link)) for label, number, link in data],
        value_label=_("Requests"),
        category_label=_("Reason"),
        empty_message=_("No request was approved in this period"),
    )


def _timeliness_section(figures: Figures, url: Url) -> Section:
    timeliness = figures.timeliness
    section = Section(
        "timeliness",
        _("Timeliness"),
        headlines=[
            Headline(
                _("Time to review (median)"),
                format_hours(timeliness.review.median_hours),
                url(timeliness.review.link),
                _("90%% within %(hours)s") % {"hours": format_hours(timeliness.review.p90_hours)},
            ),
            Headline(
                _("Time to resolution (median)"),
                format_hours(timeliness.resolution.median_hours),
                url(timeliness.resolution.link),
                _("90%% within %(hours)s") % {"hours": format_hours(timeliness.resolution.p90_hours)},
            ),
            Headline(
                _("Escalated now"), format_number(timeliness.escalated_now), url(timeliness.links["escalated_now"])
            ),
            Headline(
                _("Were overdue"),
                format_number(timeliness.were_overdue),
                url(timeliness.links["were_overdue"]),
                _("%(count)s escalated") % {"count": format_number(timeliness.were_escalated)},
            ),
        ],
    )
    slas = [
        (pgettext("stage", "Review"), timeliness.review_sla),
        (pgettext("stage", "Fulfilment"), timeliness.fulfilment_sla),
    ]
    section.charts.append(
        charts.stacked_bar_chart(
            title=_("Stages within their SLA"),
            categories=[label for label, _sla in slas],
            series=[
                Series(_("Within the SLA"), [sla.hit for _label, sla in slas], [url(sla.link_hit) for _l, sla in slas]),
                Series(
                    _("Late"),
                    [sla.reached - sla.hit for _label, sla in slas],
                    [url(sla.link_missed) for _l, sla in slas],
                ),
            ],
            category_label=_("Stage"),
            totals=[
                _("%(rate)s of %(count)s") % {"rate": format_percent(sla.rate), "count": format_number(sla.reached)}
                for _label, sla in slas
            ],
            empty_message=_("No request was reviewed in this period"),
        )
    )
    return section


def _brand_section(figures: Figures, url: Url) -> Section:
    brand = figures.brand
    rows = [
        (_("Platform dispute"), brand.disputes, brand.dispute_rate, "disputes"),
        (_("Bad review"), brand.bad_reviews, brand.bad_review_rate, "bad_reviews"),
        (_("Needed a follow-up"), brand.followed_up, brand.follow_up_rate, "followed_up"),
    ]
    chart = charts.bar_chart(
        title=_("How closed requests ended"),
        data=[
            Datum(
                label,
                number,
                url(brand.links[key]),
                _("%(count)s (%(share)s)") % {"count": format_number(number), "share": format_percent(share)},
            )
            for label, number, share, key in rows
        ],
        value_label=_("Closed requests"),
        category_label=_("Outcome"),
        empty_message=_("No closed request ended in a dispute, a bad review or a follow-up in this period"),
    )
    return Section("brand", _("Brand image"), charts=[chart])


def _partnership_charts(figures: Figures, url: Url) -> list[charts.Chart]:
    cards = figures.partners
    return [
        charts.stacked_bar_chart(
            title=_("Review outcome by partner"),
            categories=[card.name for card in cards],
            series=[
                Series(
                    _("Approved"),
                    [card.approved for card in cards],
                    [url({**card.link, "reviewed": "1", "status": NOT_REJECTED}) for card in cards],
                ),
                Series(
                    _("Rejected"),
                    [card.reviewed - card.approved for card in cards],
                    [url({**card.link, "status": RequestStatus.REJECTED.value}) for card in cards],
                ),
                Series(
                    _("Not reviewed"),
                    [card.requests - card.reviewed for card in cards],
                    [url({**card.link, "reviewed": "0"}) for card in cards],
                ),
            ],
            category_label=_("Dropship partner"),
            totals=[format_number(card.requests) for card in cards],
            total_urls=[url(card.link) for card in cards],
            width=charts.WIDE,
        )
    ]


def _partner_rows(figures: Figures, url: Url) -> list[Row]:
    return [
        Row(
            card.name,
            url(card.link),
            [
                format_number(card.requests),
                format_percent(card.approval_rate),
                format_hours(card.median_review_hours),
                format_percent(card.review_sla_rate),
                format_percent(card.fulfilment_sla_rate),
                format_percent(card.follow_up_rate),
                " / ".join(
                    format_number(value, 1)
                    for value in (card.rating_speed, card.rating_quality, card.rating_cooperation)
                ),
            ],
        )
        for card in figures.partners
    ]


def _supplier_rows(figures: Figures, url: Url) -> list[Row]:
    return [
        Row(
            card.name,
            url(card.link),
            [
                format_number(card.lines),
                _("%(count)s (%(share)s)")
                % {"count": format_number(card.quality_defects), "share": format_percent(card.quality_defect_share)},
                format_number(card.restock_orders),
                _("%(average)s (promised %(promised)s)")
                % {
                    "average": format_number(card.average_lead_days, 1),
                    "promised": format_number(card.promised_lead_days),
                },
                format_percent(card.on_time_rate),
                _money_by_currency(card.cost_borne),
            ],
        )
        for card in figures.suppliers
    ]


PARTNER_COLUMNS = (
    gettext_lazy("Requests"),
    gettext_lazy("Approval rate"),
    gettext_lazy("Review time (median)"),
    gettext_lazy("Review within SLA"),
    gettext_lazy("Fulfilment within SLA"),
    gettext_lazy("Follow-up rate"),
    gettext_lazy("Seller's ratings: speed / quality / cooperation"),
)
SUPPLIER_COLUMNS = (
    gettext_lazy("Reship lines"),
    gettext_lazy("Quality defects"),
    gettext_lazy("Restock orders"),
    gettext_lazy("Lead time in days"),
    gettext_lazy("Restocks on time"),
    gettext_lazy("Cost it bore"),
)


# --- the views ----------------------------------------------------------------------------------


def _scope(request: AuthenticatedRequest) -> Scope:
    """The viewer's scope; anyone with no side (nor admin rights) finds no such page."""
    scope = evaluation_scope_for(request.user)
    if scope.sees_nothing:
        raise Http404
    return scope


def _link_url_maker(extra: Link) -> Url:
    """Link → the request list's URL; ``extra`` (an admin's chosen seller) rides along."""

    def url(link: Link) -> str:
        return requests_url({**link, **extra})

    return url


@login_required
@require_GET
def dashboard(request: AuthenticatedRequest) -> HttpResponse:
    scope = _scope(request)
    now = timezone.now()
    data = request.GET.copy()
    data.setdefault("period", str(DEFAULT_PERIOD_DAYS))
    form = DashboardFilterForm(data, scope=scope, today=timezone.localdate(now))
    context = {"form": form, "organisation": _organisation_name(request)}
    if not form.is_valid():
        return render(request, "dashboard/dashboard.html", context, status=400)
    evaluation_filter = form.evaluation_filter(user=request.user, now=now)
    figures = evaluation_figures_cached(filter=evaluation_filter, now=now)
    seller = form.cleaned_data.get("seller")
    if seller is not None:
        context["organisation"] = seller.name
    extra = {"seller": str(seller.pk)} if seller is not None else {}
    url = _link_url_maker(extra)
    export = {**figures.link, **extra}
    last_day = timezone.localdate(evaluation_filter.end) - timedelta(days=1)
    context.update(
        figures=figures,
        first_day=timezone.localdate(evaluation_filter.start),
        last_day=last_day,
        all_requests_url=url(figures.link),
        export_csv_url=reverse("dashboard:export-csv") + "?" + urlencode(export),
        export_xlsx_url=reverse("dashboard:export-xlsx") + "?" + urlencode(export),
        overview=_overview(figures, url),
        trend=_trend_section(figures, url),
        sections=[
            _satisfaction_section(figures, url),
            _cost_section(figures, url),
            _timeliness_section(figures, url),
            _brand_section(figures, url),
        ],
        partner_charts=_partnership_charts(figures, url) if figures.partners else [],
        partner_rows=_partner_rows(figures, url),
        partner_columns=PARTNER_COLUMNS,
        supplier_rows=_supplier_rows(figures, url),
        supplier_columns=SUPPLIER_COLUMNS,
        comments=[
            (comment, _comment_url(scope, comment.request_id))
            for comment in figures.satisfaction.latest_comments[:COMMENTS_SHOWN]
        ],
    )
    return render(request, "dashboard/dashboard.html", context)


def _comment_url(scope: Scope, request_id: int) -> str:
    """Staff open the request page; admins have none, so the request in the Django admin."""
    if scope.role == Role.ADMIN:
        return reverse("admin:reship_reshiprequest_change", args=[request_id])
    return reverse("requests:detail", args=[request_id])


def _organisation_name(request: AuthenticatedRequest) -> str:
    organisation = organisation_for(request.user)
    shown = organisation.seller or organisation.partner
    return shown.name if shown is not None else _("All sellers and partners")


def _export(request: AuthenticatedRequest) -> tuple[QuerySet[ReshipRequest] | None, str]:
    """The requests a link's parameters pick, within what the viewer may see; ``None`` on a bad value."""
    scope = _scope(request)
    try:
        condition = evaluation_link_filter(request.GET, now=timezone.now())
    except ValueError:
        return None, ""
    queryset = ReshipRequest.objects.filter(scope.requests_filter()).filter(condition)
    seller = request.GET.get("seller", "")
    if seller and scope.role == Role.ADMIN:
        if not seller.isdigit():
            return None, ""
        queryset = queryset.filter(seller_id=int(seller))
    days = [
        _local_day(request.GET.get("submitted_from", "")),
        _local_day(request.GET.get("submitted_to", ""), end=True),
    ]
    return queryset, exports.export_filename(prefix=FILENAME_PREFIX, parts=days)


def _local_day(value: str, *, end: bool = False) -> str:
    """The local date of a link's bound for the file name; an end bound is exclusive, so its day
    is the one before (``…T00:00`` of the 8th ends the 7th)."""
    moment = parse_datetime(value) if value else None
    if moment is None or timezone.is_naive(moment):
        return ""
    return (timezone.localtime(moment) - timedelta(microseconds=1 if end else 0)).date().isoformat()


@login_required
@require_GET
def export_csv(request: AuthenticatedRequest) -> HttpResponseBase:
    queryset, filename = _export(request)
    if queryset is None:
        return HttpResponseBadRequest(_("The export link is not valid."))
    return exports.csv_response(table=REQUESTS, queryset=queryset, filename=filename)


@login_required
@require_GET
def export_xlsx(request: AuthenticatedRequest) -> HttpResponseBase:
    queryset, filename = _export(request)
    if queryset is None:
        return HttpResponseBadRequest(_("The export link is not valid."))
    return exports.xlsx_response(table=REQUESTS, queryset=queryset, filename=filename)
