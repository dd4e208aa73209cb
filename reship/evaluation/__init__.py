"""Evaluation (评估指标): the figures of the dashboards and of ``GET /api/v1/evaluation/``.

Build the filter with ``evaluation_filter_for(user=..., now=..., days=... | first_day=...,
last_day=..., partner_id=..., supplier_id=..., reason=...)`` (the scope is forced from the user's
organisation); then one call, ``evaluation_figures(filter=..., now=...)``, returns every section as
plain frozen dataclasses: customer satisfaction, cost-effectiveness, timeliness, brand image, the
partner and supplier scorecards, the customers' own reports (self-service), a trend and the open
statements' balances with their ageing (settlement). Every figure
is an SQL aggregate (``Count``/``Sum``/``Avg`` with ``filter=``, grouped ``values().annotate()``,
``EXISTS`` subqueries, window functions for percentiles), so the number of queries is fixed however
many requests there are; Python only rounds, divides two counts and merges a handful of grouped
rows.

Conventions: money is ``Decimal`` and never summed across currencies (per-currency rows or
``{currency: amount}``); rates are fractions rounded to 4 places; durations are hours to 2
places; ``None`` where a figure is undefined (no answers, nothing to divide by). Every section
carries links — dicts of request-list parameters documented in ``reship.evaluation.links`` — to
the requests behind each figure; ``evaluation_link_filter(params, now=...)`` turns them back into a
``Q`` for the request list (combine it with the viewer's tenancy filter).

The sums (counts, totals, averages' parts) come from per-day rollups when they can answer
(PostgreSQL, ``RESHIP_EVALUATION_ROLLUPS``, a period of whole local days): ``rollup`` builds them
(``rebuild_rollups``; ``catch_up_rollups`` from a watermark, by beat and before each read) and
``rolled`` reads them into the same rows the sections compute from the requests otherwise.

Modules: ``scope`` (who sees what, the filter, the period), ``sql`` (expressions and percentiles),
``links``, ``numbers`` (rounding), one module per section (``self_service``: customers' reports;
``settlement``: outstanding balances and disputed lines per statement).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from hashlib import sha256

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone, translation

from reship.evaluation.brand import Brand, brand_figures
from reship.evaluation.cost import Cost, CostRow, CostTotal, cost_figures
from reship.evaluation.links import LINK_PARAMETERS, Link, base_link, evaluation_link_filter, requests_url
from reship.evaluation.partnership import (
    PartnerScorecard,
    SupplierScorecard,
    partner_scorecards,
    supplier_scorecards,
)
from reship.evaluation.rolled import rolled_sums
from reship.evaluation.satisfaction import (
    RatingCount,
    Satisfaction,
    SatisfactionRow,
    SurveyComment,
    satisfaction_figures,
)
from reship.evaluation.scope import (
    DEFAULT_PERIOD_DAYS,
    PERIOD_DAYS,
    EvaluationFilter,
    Scope,
    evaluation_filter_for,
    evaluation_period,
    evaluation_scope_for,
    requests_for,
)
from reship.evaluation.self_service import SelfService, self_service_figures
from reship.evaluation.settlement import BalanceRow, Balances, BalanceTotal, outstanding_balances
from reship.evaluation.timeliness import DurationStats, SlaRate, Timeliness, timeliness_figures
from reship.evaluation.trend import Trend, TrendPoint, trend_figures


@dataclass(frozen=True)
class Figures:
    filter: EvaluationFilter
    computed_at: datetime  # "now" for the overdue figures
    requests: int  # every request the filter picks
    link: Link  # ... and where to list them
    satisfaction: Satisfaction
    cost: Cost
    timeliness: Timeliness
    brand: Brand
    self_service: SelfService  # the customers' own reports (售后自助), by the time they reported
    partners: list[PartnerScorecard]
    suppliers: list[SupplierScorecard]
    trend: Trend
    balances: Balances  # open statements' balances now, aged (not bound to the period)


def evaluation_figures(*, filter: EvaluationFilter, now: datetime | None = None, rollups: bool = True) -> Figures:
    """Every figure for the filter's requests, in a fixed number of queries: the sums from the
    per-day rollups when they can answer (``reship.evaluation.rolled``), else from the requests;
    ``rollups=False`` always from the requests (the reference the rollups are tested against)."""
    now = now or timezone.now()
    rolled = rolled_sums(filter) if rollups else None
    brand = brand_figures(filter, rolled)
    return Figures(
        filter=filter,
        computed_at=now,
        requests=brand.requests,
        link=base_link(filter),
        satisfaction=satisfaction_figures(filter, rolled),
        cost=cost_figures(filter, rolled),
        timeliness=timeliness_figures(filter, now=now, rolled=rolled),
        brand=brand,
        self_service=self_service_figures(filter),
        partners=partner_scorecards(filter, rolled),
        suppliers=supplier_scorecards(filter, rolled),
        trend=trend_figures(filter, rolled),
        balances=outstanding_balances(filter, now=now),
    )


def evaluation_figures_cached(*, filter: EvaluationFilter, now: datetime | None = None) -> Figures:
    """The figures for the filter as computed at most ``RESHIP_EVALUATION_CACHE_SECONDS`` ago.

    A dashboard over a quarter of a big seller's requests is some twenty aggregates over tens of
    thousands of rows (seconds at the benchmark's full scale); people open it, filter, come back.
    The same filter (scope, period, partner, source, reason) in the same language is answered from
    the cache (Redis when there is one) until it expires; ``computed_at`` says how fresh it is and
    the page shows it. 0 turns the cache off.
    """
    seconds = settings.RESHIP_EVALUATION_CACHE_SECONDS
    if seconds <= 0:
        return evaluation_figures(filter=filter, now=now)
    key = "evaluation:v1:" + sha256(repr((filter, translation.get_language())).encode()).hexdigest()
    figures = cache.get(key)
    if figures is None:
        figures = evaluation_figures(filter=filter, now=now)
        cache.set(key, figures, seconds)
    return figures


__all__ = [
    "DEFAULT_PERIOD_DAYS",
    "LINK_PARAMETERS",
    "PERIOD_DAYS",
    "BalanceRow",
    "BalanceTotal",
    "Balances",
    "Brand",
    "Cost",
    "CostRow",
    "CostTotal",
    "DurationStats",
    "EvaluationFilter",
    "Figures",
    "Link",
    "PartnerScorecard",
    "RatingCount",
    "Satisfaction",
    "SatisfactionRow",
    "Scope",
    "SelfService",
    "SlaRate",
    "SupplierScorecard",
    "SurveyComment",
    "Timeliness",
    "Trend",
    "TrendPoint",
    "evaluation_figures",
    "evaluation_figures_cached",
    "evaluation_filter_for",
    "evaluation_link_filter",
    "evaluation_period",
    "evaluation_scope_for",
    "requests_for",
    "requests_url",
]
