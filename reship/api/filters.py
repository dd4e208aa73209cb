"""Query filters of the list endpoints (django-filter). They narrow the caller's own queryset (the
tenancy filter is applied first, in the view), so another organisation's id only ever gives an
empty list. Order and tracking numbers match exactly (the search the indexes answer); tracking
numbers as pasted, spaces removed, in either case; phones in the formats orders store them.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from orders.choices import Platform
from orders.models import Order, Shipment
from orders.selectors import phone_candidates, tracking_candidates
from reship.choices import Reason, RequestSource, RequestStatus, RestockStatus
from reship.core.bounds import MAX_ID, validate_moment
from reship.lifecycle import OPEN_STATUSES
from reship.models import ReshipLine, ReshipRequest, RestockOrder
from reship.selectors import waiting


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(django_filters.NumberFilter):
    """An id: a whole number a database can hold (a larger one is a 400, not an overflow)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, min_value=1, max_value=MAX_ID, **kwargs)


def _tracking_match(value: str) -> Q:
    return Q(tracking_number__in=tracking_candidates(value))


class RequestFilter(django_filters.FilterSet):
    # A column of the request itself, so no row can repeat: without distinct=False django-filter adds
    # SELECT DISTINCT, which sorts every matching row (0.6 s a page for a big seller's closed ones).
    status = django_filters.MultipleChoiceFilter(
        choices=RequestStatus.choices,
        distinct=False,
        help_text=_("Repeat for several: ?status=submitted&status=needs_info."),
    )
    overdue = django_filters.BooleanFilter(
        method="filter_overdue", help_text=_("true: open and past its stage's due time; false: the others.")
    )
    waiting_for = django_filters.ChoiceFilter(
        choices=waiting.WHOM_CHOICES,
        method="filter_waiting_for",
        help_text=_(
            "me: the requests whose next step (or answer to a quote) is your organisation's; "
            "other: those waiting for the other side."
        ),
    )
    partner = IdFilter(field_name="partner_id", help_text=_("A dropship partner's id."))
    seller = IdFilter(field_name="seller_id", help_text=_("A seller's id."))
    source = django_filters.ChoiceFilter(
        choices=RequestSource.choices, help_text=_("customer: the customers' own reports (售后自助).")
    )
    reason = django_filters.ChoiceFilter(
        choices=Reason.choices, method="filter_reason", help_text=_("The request's reason or any line's.")
    )
    created_after = django_filters.IsoDateTimeFilter(
        validators=[validate_moment],
        field_name="created_at",
        lookup_expr="gte",
        help_text=_("Created at or after this ISO 8601 time."),
    )
    created_before = django_filters.IsoDateTimeFilter(
        validators=[validate_moment],
        field_name="created_at",
        lookup_expr="lt",
        help_text=_("Created before this ISO 8601 time."),
    )
    order_number = django_filters.CharFilter(
        field_name="order__platform_order_number", max_length=64, help_text=_("The platform order number, exactly.")
    )
    tracking_number = django_filters.CharFilter(
        method="filter_tracking_number",
        max_length=64,
        help_text=_("A tracking number of any parcel of the request's order (the original or a reship)."),
    )

    class Meta:
        model = ReshipRequest
        fields: list[str] = []

    def filter_overdue(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        overdue = Q(status__in=OPEN_STATUSES, stage_due_at__lt=timezone.now())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

    def filter_waiting_for(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if not value or self.request is None:
            return queryset
        return queryset.filter(waiting.waiting_filter(user=self.request.user, whom=value, now=timezone.now()))

    def filter_reason(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        lines = ReshipLine.objects.filter(request_id=OuterRef("pk"), reason=value)
        return queryset.filter(Q(reason=value) | Exists(lines))

    def filter_tracking_number(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        parcels = Shipment.objects.filter(_tracking_match(value), order_id=OuterRef("order_id"))
        return queryset.filter(Exists(parcels))


class OrderFilter(django_filters.FilterSet):
    platform = django_filters.ChoiceFilter(choices=Platform.choices)
    partner = IdFilter(field_name="partner_id", help_text=_("A dropship partner's id."))
    placed_after = django_filters.IsoDateTimeFilter(
        validators=[validate_moment],
        field_name="placed_at",
        lookup_expr="gte",
        help_text=_("Placed at or after this ISO 8601 time."),
    )
    placed_before = django_filters.IsoDateTimeFilter(
        validators=[validate_moment],
        field_name="placed_at",
        lookup_expr="lt",
        help_text=_("Placed before this ISO 8601 time."),
    )
    order_number = django_filters.CharFilter(
        field_name="platform_order_number", max_length=64, help_text=_("The platform order number, exactly.")
    )
    phone = django_filters.CharFilter(
        method="filter_phone", max_length=40, help_text=_("The customer's phone, with or without +86 and spaces.")
    )
    tracking_number = django_filters.CharFilter(
        method="filter_tracking_number", max_length=64, help_text=_("A tracking number of any of the order's parcels.")
    )

    class Meta:
        model = Order
        fields: list[str] = []

    def filter_phone(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        candidates = phone_candidates(value)
        if not candidates:
            return queryset.none()
        match = Q()
        for candidate in candidates:
            match |= Q(customer_phone__startswith=candidate)
        return queryset.filter(match)

    def filter_tracking_number(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        parcels = Shipment.objects.filter(_tracking_match(value), order_id=OuterRef("pk"))
        return queryset.filter(Exists(parcels))


class RestockOrderFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=RestockStatus.choices)
    # An IdFilter, not a bare NumberFilter: 99999999999999999999 was an OverflowError (a 500).
    request = IdFilter(field_name="request_id", help_text=_("Only this request's."))

    class Meta:
        model = RestockOrder
        fields: list[str] = []
