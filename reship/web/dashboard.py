"""What the dashboard shows, from the evaluation figures: headline cards, sections with charts
(``reship.core.charts``) and scorecard tables, each figure linked to the requests behind it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils import formats
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext

from reship.choices import RequestStatus
from reship.core import charts
from reship.core.charts import Datum, Series, format_hours, format_money, format_number, format_percent
from reship.evaluation import (
    BalanceRow,
    BalanceTotal,
    Figures,
    Link,
)

if TYPE_CHECKING:
    pass

NOT_REJECTED = ",".join(status for status in RequestStatus.values if status != RequestStatus.REJECTED)


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


def overview(figures: Figures, url: Url) -> list[Headline]:
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


def trend_section(figures: Figures, url: Url) -> Section:
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


def satisfaction_section(figures: Figures, url: Url) -> Section:
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


def cost_section(figures: Figures, url: Url) -> Section:
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


def timeliness_section(figures: Figures, url: Url) -> Section:
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


def brand_section(figures: Figures, url: Url) -> Section:
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


def self_service_section(figures: Figures, url: Url) -> Section:
    """Customers' own reports (售后自助) of the period, by the time they reported."""
    service = figures.self_service
    return Section(
        "self_service",
        _("Self-service"),
        headlines=[
            Headline(
                _("Reported by customers"),
                format_number(service.reported),
                url(service.links["reported"]),
                _("%(count)s waiting for the shop") % {"count": format_number(service.waiting)},
            ),
            Headline(
                _("Time to confirm (median)"),
                format_hours(service.confirmation_median_hours),
                url(service.links["confirmed"]),
                _("90%% within %(hours)s") % {"hours": format_hours(service.confirmation_p90_hours)},
            ),
            Headline(
                _("Confirmed automatically"),
                format_percent(service.auto_confirmed_share),
                url(service.links["auto_confirmed"]),
                _("%(count)s of %(confirmed)s confirmed")
                % {"count": format_number(service.auto_confirmed), "confirmed": format_number(service.confirmed)},
            ),
            Headline(
                _("Declined by the shop"),
                format_number(service.declined),
                url(service.links["declined"]),
                _("%(share)s of the reports") % {"share": format_percent(_share(service.declined, service.reported))},
            ),
        ],
    )


def partnership_charts(figures: Figures, url: Url) -> list[charts.Chart]:
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


def partner_rows(figures: Figures, url: Url) -> list[Row]:
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
                _disputed_per_statement(card.disputed_lines_per_statement, card.statements_issued),
            ],
        )
        for card in figures.partners
    ]


def _disputed_per_statement(per_statement: float | None, statements: int) -> str:
    if per_statement is None:
        return "—"
    return ngettext("%(rate)s (%(count)s statement)", "%(rate)s (%(count)s statements)", statements) % {
        "rate": format_number(per_statement, 2),
        "count": format_number(statements),
    }


def supplier_rows(figures: Figures, url: Url) -> list[Row]:
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
    gettext_lazy("Disputed lines per statement"),
)
SUPPLIER_COLUMNS = (
    gettext_lazy("Reship lines"),
    gettext_lazy("Quality defects"),
    gettext_lazy("Restock orders"),
    gettext_lazy("Lead time in days"),
    gettext_lazy("Restocks on time"),
    gettext_lazy("Cost it bore"),
)


# --- outstanding balances (对账结算) ----------------------------------------------------------------


@dataclass(frozen=True)
class BalanceLine:
    """A row of the outstanding balances table: whom, the currency and the figures as shown."""

    name: str
    url: str
    currency: str
    cells: list[str]


def statements_url(link: Link) -> str:
    """Where the statements list shows a balance row's statements."""
    query = urlencode(link)
    return reverse("statements:list") + (f"?{query}" if query else "")


def _balance_cells(figures: BalanceRow | BalanceTotal) -> list[str]:
    return [
        format_number(figures.statements),
        *(
            format_money(amount, figures.currency)
            for amount in (figures.days_0_30, figures.days_31_60, figures.days_over_60, figures.balance)
        ),
    ]


def balance_lines(figures: Figures, extra: Link) -> list[BalanceLine]:
    """One row per counterparty and currency; ``extra`` (an admin's chosen seller) rides along."""
    return [
        BalanceLine(row.name, statements_url({**row.link, **extra}), row.currency, _balance_cells(row))
        for row in figures.balances.rows
    ]


def balance_totals(figures: Figures) -> list[BalanceLine]:
    return [
        BalanceLine(_("All (%(currency)s)") % {"currency": total.currency}, "", total.currency, _balance_cells(total))
        for total in figures.balances.totals
    ]


BALANCE_COLUMNS = (
    gettext_lazy("Currency"),
    gettext_lazy("Open statements"),
    gettext_lazy("0–30 days"),
    gettext_lazy("31–60 days"),
    gettext_lazy("Over 60 days"),
    gettext_lazy("Balance"),
)
