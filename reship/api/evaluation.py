"""``GET /api/v1/evaluation/``: the evaluation figures of the signed-in user's organisation as JSON.

Query parameters (all optional):

- ``period``: ``7``, ``30`` or ``90`` — the last so many local days including today (default 30);
  or ``custom`` with ``start`` and ``end`` (``YYYY-MM-DD``, both included). Giving ``start`` and
  ``end`` alone means ``custom``.
- ``partner``, ``supplier``: ids; ``reason``: a reason code (the request's or any line's).

A seller's staff get their shop's figures, a partner's staff their own, platform admins
everyone's; the filters only ever narrow that, so another organisation's id gives empty figures,
never theirs. Anonymous callers get 403 (session authentication), a signed-in user of no
organisation 404. Money is a decimal string (``"210.00"``) per currency; rates are fractions;
``null`` where a figure is undefined. ``balances`` are the open statements' balances now (whatever
the period), per counterparty and currency, aged 0–30, 31–60 and over 60 days since issued; each
row's ``link`` points at the statements list. Every other ``link`` is ``{"filters": {...}, "url": "/requests/?..."}``:
the requests behind the figure (parameters documented in ``reship.evaluation.links``).
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import TYPE_CHECKING, Any, NoReturn

from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from reship.api.auth import caller
from reship.api.schema import error_responses
from reship.api.serializers import RFC3339_DATE, ReservedNamesSerializer
from reship.choices import Reason
from reship.core.bounds import DATE_VALIDATORS, MAX_ID
from reship.core.errors import InvalidInput
from reship.evaluation import PERIOD_DAYS, evaluation_figures_cached, evaluation_filter_for, requests_url

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

CUSTOM = "custom"
MAX_CUSTOM_DAYS = 3 * 366


# --- the query ------------------------------------------------------------------------------------


class StrictDateField(serializers.DateField):
    """A day as the schema's ``date`` format writes it (YYYY-MM-DD), not the shorter spellings
    (2026-3-2) Django would also read."""

    def to_internal_value(self, value: Any) -> Any:
        if isinstance(value, str) and not re.fullmatch(RFC3339_DATE, value):
            self.fail("invalid", format="YYYY-MM-DD")
        return super().to_internal_value(value)


class EvaluationQuerySerializer(serializers.Serializer):
    period = serializers.ChoiceField(choices=[*(str(days) for days in PERIOD_DAYS), CUSTOM], required=False)
    start = StrictDateField(required=False, validators=DATE_VALIDATORS)
    end = StrictDateField(required=False, validators=DATE_VALIDATORS)
    partner = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    supplier = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    reason = serializers.ChoiceField(choices=Reason.choices, required=False)

    def validate(self, attrs: dict) -> dict:
        """The rules between the parameters, which no schema states: a well-formed query they refuse
        is a 422 (``InvalidInput``), where a malformed parameter is a 400."""
        custom = attrs.get("period") == CUSTOM or "start" in attrs or "end" in attrs
        if not custom:
            return attrs
        if attrs.get("period", CUSTOM) != CUSTOM:
            _refuse("period", _("Give either a preset period or start and end dates."))
        missing = [name for name in ("start", "end") if name not in attrs]
        if missing:
            message = str(_("Required for a custom period."))
            raise InvalidInput(message, field_errors={name: [message] for name in missing})
        if attrs["end"] > timezone.localdate():
            _refuse("end", _("The last day cannot be in the future."))
        if attrs["start"] > attrs["end"]:
            _refuse("end", _("The end date cannot be before the start date."))
        if attrs["end"] - attrs["start"] > timedelta(days=MAX_CUSTOM_DAYS):
            _refuse("end", _("A custom period is at most three years long."))
        return {**attrs, "period": CUSTOM}


def _refuse(field: str, message: StrOrPromise) -> NoReturn:
    raise InvalidInput(str(message), field_errors={field: [str(message)]})


# --- the figures ----------------------------------------------------------------------------------


@extend_schema_field(
    {
        "type": "object",
        "properties": {
            "filters": {"type": "object", "additionalProperties": {"type": "string"}},
            "url": {"type": "string", "example": "/requests/?status=closed"},
        },
        "required": ["filters", "url"],
    }
)
class LinkField(serializers.Field):
    """A figure's link: its request-list parameters and the list's URL with them."""

    def __init__(self, **kwargs) -> None:
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value: dict[str, str]) -> dict:
        return {"filters": value, "url": requests_url(value)}


def money_field() -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=14, decimal_places=2)


def rate_field() -> serializers.FloatField:
    return serializers.FloatField(allow_null=True)


class ScopeSerializer(serializers.Serializer):
    role = serializers.CharField()
    seller_id = serializers.IntegerField(allow_null=True)
    partner_id = serializers.IntegerField(allow_null=True)


class FilterSerializer(serializers.Serializer):
    scope = ScopeSerializer()
    start = serializers.DateTimeField(allow_null=True)
    end = serializers.DateTimeField(allow_null=True)
    partner_id = serializers.IntegerField(allow_null=True)
    supplier_id = serializers.IntegerField(allow_null=True)
    reason = serializers.CharField(allow_blank=True)


class RatingCountSerializer(serializers.Serializer):
    rating = serializers.IntegerField()
    count = serializers.IntegerField()
    link = LinkField()


class SatisfactionRowSerializer(ReservedNamesSerializer):
    key = serializers.CharField()
    label_ = serializers.CharField()
    closed = serializers.IntegerField()
    answered = serializers.IntegerField()
    response_rate = rate_field()
    average_rating = rate_field()
    link = LinkField()


class SurveyCommentSerializer(serializers.Serializer):
    request_id = serializers.IntegerField()
    number = serializers.CharField()
    rating = serializers.IntegerField()
    comment = serializers.CharField()
    answered_at = serializers.DateTimeField()


class SatisfactionSerializer(serializers.Serializer):
    closed = serializers.IntegerField()
    answered = serializers.IntegerField()
    response_rate = rate_field()
    average_rating = rate_field()
    distribution = RatingCountSerializer(many=True)
    comments = serializers.IntegerField()
    latest_comments = SurveyCommentSerializer(many=True)
    by_partner = SatisfactionRowSerializer(many=True)
    by_reason = SatisfactionRowSerializer(many=True)
    links = serializers.DictField(child=LinkField())


class CostTotalSerializer(serializers.Serializer):
    currency = serializers.CharField()
    requests = serializers.IntegerField()
    goods = money_field()
    shipping = money_field()
    compensation = money_field()
    total = money_field()
    average_per_request = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    order_value = money_field()
    share_of_order_value = rate_field()
    recovered = money_field()
    recovered_share = rate_field()


class CostRowSerializer(ReservedNamesSerializer):
    key = serializers.CharField()
    label_ = serializers.CharField()
    currency = serializers.CharField()
    requests = serializers.IntegerField()
    total = money_field()
    link = LinkField()


class CostSerializer(serializers.Serializer):
    requests = serializers.IntegerField()
    totals = CostTotalSerializer(many=True)
    recovered_bearers = serializers.ListField(child=serializers.CharField())
    by_bearer = CostRowSerializer(many=True)
    by_reason = CostRowSerializer(many=True)
    by_partner = CostRowSerializer(many=True)
    by_supplier = CostRowSerializer(many=True)
    link = LinkField()


class DurationStatsSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    median_hours = rate_field()
    p90_hours = rate_field()
    link = LinkField()


class SlaRateSerializer(serializers.Serializer):
    reached = serializers.IntegerField()
    hit = serializers.IntegerField()
    rate = rate_field()
    link_hit = LinkField()
    link_missed = LinkField()


class TimelinessSerializer(serializers.Serializer):
    review = DurationStatsSerializer()
    resolution = DurationStatsSerializer()
    review_sla = SlaRateSerializer()
    fulfilment_sla = SlaRateSerializer()
    overdue_now = serializers.IntegerField()
    escalated_now = serializers.IntegerField()
    were_overdue = serializers.IntegerField()
    were_escalated = serializers.IntegerField()
    links = serializers.DictField(child=LinkField())


class BrandSerializer(serializers.Serializer):
    closed = serializers.IntegerField()
    disputes = serializers.IntegerField()
    dispute_rate = rate_field()
    bad_reviews = serializers.IntegerField()
    bad_review_rate = rate_field()
    disputed_or_bad_review = serializers.IntegerField()
    disputed_or_bad_review_rate = rate_field()
    followed_up = serializers.IntegerField()
    follow_up_rate = rate_field()
    requests = serializers.IntegerField()
    follow_up_requests = serializers.IntegerField()
    links = serializers.DictField(child=LinkField())


class SelfServiceSerializer(serializers.Serializer):
    """Customers' own reports (售后自助) made in the period, by the time they reported."""

    reported = serializers.IntegerField()
    confirmed = serializers.IntegerField()
    auto_confirmed = serializers.IntegerField()
    auto_confirmed_share = rate_field()
    declined = serializers.IntegerField()
    waiting = serializers.IntegerField()
    confirmation_median_hours = rate_field()
    confirmation_p90_hours = rate_field()
    links = serializers.DictField(child=LinkField())


class PartnerScorecardSerializer(serializers.Serializer):
    partner_id = serializers.IntegerField()
    name = serializers.CharField()
    requests = serializers.IntegerField()
    reviewed = serializers.IntegerField()
    approved = serializers.IntegerField()
    approval_rate = rate_field()
    median_review_hours = rate_field()
    review_sla_rate = rate_field()
    fulfilment_sla_rate = rate_field()
    closed = serializers.IntegerField()
    followed_up = serializers.IntegerField()
    follow_up_rate = rate_field()
    rated = serializers.IntegerField()
    rating_speed = rate_field()
    rating_quality = rate_field()
    rating_cooperation = rate_field()
    link = LinkField()
    statements_issued = serializers.IntegerField(help_text="Its statements issued in the period (within your scope).")
    disputed_lines = serializers.IntegerField(help_text="Lines of those statements disputed at any time.")
    disputed_lines_per_statement = serializers.FloatField(
        allow_null=True, help_text="disputed_lines / statements_issued; null when none was issued."
    )


class SupplierScorecardSerializer(serializers.Serializer):
    supplier_id = serializers.IntegerField()
    name = serializers.CharField()
    lines = serializers.IntegerField()
    quality_defects = serializers.IntegerField()
    quality_defect_share = rate_field()
    restock_orders = serializers.IntegerField()
    confirmed_restocks = serializers.IntegerField()
    average_lead_days = rate_field()
    promised_lead_days = serializers.IntegerField()
    on_time_restocks = serializers.IntegerField()
    on_time_rate = rate_field()
    cost_borne_requests = serializers.IntegerField()
    cost_borne = serializers.DictField(child=money_field())
    link = LinkField()


@extend_schema_field(
    {
        "type": "object",
        "properties": {
            "filters": {"type": "object", "additionalProperties": {"type": "string"}},
            "url": {"type": "string", "example": "/statements/?counterparty=partner-3&open=1"},
        },
        "required": ["filters", "url"],
    }
)
class StatementLinkField(serializers.Field):
    """A balance row's link: its statement-list parameters and the list's URL with them."""

    def __init__(self, **kwargs) -> None:
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value: dict[str, str]) -> dict:
        query = urlencode(value)
        return {"filters": value, "url": reverse("statements:list") + (f"?{query}" if query else "")}


class BalanceFiguresSerializer(serializers.Serializer):
    statements = serializers.IntegerField(help_text="Open statements with a balance in this currency.")
    balance = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        help_text="net − paid; positive: the seller (or source) owes the partner, negative: the partner owes.",
    )
    days_0_30 = serializers.DecimalField(
        max_digits=14, decimal_places=2, help_text="Of statements issued 0–30 days ago."
    )
    days_31_60 = serializers.DecimalField(
        max_digits=14, decimal_places=2, help_text="Of statements issued 31–60 days ago."
    )
    days_over_60 = serializers.DecimalField(
        max_digits=14, decimal_places=2, help_text="Of statements issued more than 60 days ago."
    )
    currency = serializers.CharField()


class BalanceRowSerializer(BalanceFiguresSerializer):
    party = serializers.ChoiceField(
        choices=["partner", "seller", "supplier"],
        help_text="Whom the row is about: the partner (for a seller or an admin), or a partner's seller or source.",
    )
    party_id = serializers.IntegerField()
    name = serializers.CharField()
    link = StatementLinkField()


class BalancesSerializer(serializers.Serializer):
    """Open statements' balances now (not bound to the period), per counterparty and currency, aged
    by the days since each statement was issued; carried-forward statements count on the newer one."""

    as_of = serializers.DateTimeField()
    rows = BalanceRowSerializer(many=True)
    totals = BalanceFiguresSerializer(many=True)


class TrendPointSerializer(serializers.Serializer):
    start = serializers.DateField()
    requests = serializers.IntegerField()
    cost = serializers.DictField(child=money_field())
    link = LinkField()


class TrendSerializer(serializers.Serializer):
    unit = serializers.CharField()
    points = TrendPointSerializer(many=True)


class FiguresSerializer(serializers.Serializer):
    filter = FilterSerializer()
    computed_at = serializers.DateTimeField()
    requests = serializers.IntegerField()
    link = LinkField()
    satisfaction = SatisfactionSerializer()
    cost = CostSerializer()
    timeliness = TimelinessSerializer()
    brand = BrandSerializer()
    self_service = SelfServiceSerializer()
    partners = PartnerScorecardSerializer(many=True)
    suppliers = SupplierScorecardSerializer(many=True)
    trend = TrendSerializer()
    balances = BalancesSerializer()


# --- the endpoint ---------------------------------------------------------------------------------


class EvaluationView(APIView):
    """Read-only: parse the filters, compute the figures once, serialize them."""

    @extend_schema(
        summary="The evaluation figures of the caller's organisation",
        description="A seller's staff get their shop's figures, a partner's staff their own. The period is "
        "either a preset (`period` 7, 30 or 90: the last so many days including today; 30 if no parameter "
        "is given) or custom: `start` and `end` together (`period=custom` or left out), both days included, "
        "`end` not after today nor before `start`, at most three years apart. Anything else (a preset with "
        "dates, one date alone) is a 422 naming the parameter. `partner`, `supplier` and `reason` narrow the "
        "figures; another organisation's id gives empty figures. Money is a decimal string per currency, "
        "rates are fractions, `null` where a figure is undefined.",
        parameters=[EvaluationQuerySerializer],
        responses={200: FiguresSerializer, **error_responses(400, 401, 403, 404, 422, 429, examples=False)},
    )
    def get(self, request: Request) -> Response:
        query = EvaluationQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        period = params.get("period")
        now = timezone.now()
        evaluation_filter = evaluation_filter_for(
            user=caller(request),
            now=now,
            days=int(period) if period and period != CUSTOM else None,
            first_day=params.get("start"),
            last_day=params.get("end"),
            partner_id=params.get("partner"),
            supplier_id=params.get("supplier"),
            reason=params.get("reason", ""),
        )
        if evaluation_filter.scope.sees_nothing:
            raise NotFound(_("Not found."))
        figures = evaluation_figures_cached(filter=evaluation_filter, now=now)
        return Response(FiguresSerializer(figures).data)
