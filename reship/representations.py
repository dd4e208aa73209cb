"""How a reship request reads outside Reship: ``GET /api/v1/requests/{id}/`` and every webhook's
``data`` are the same representation, so it lives below both (the API and the notifications).

Output serializers never query: the caller loads every related row once (``request_detail_load``
here, or the API's selector) and passes what is computed per reader (the time, the reader's
actions) in the context.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any, TypedDict

from django.db.models import F, Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from orders import ship_to as ship_to_rules
from orders.choices import Currency, Platform, TrackingStatus
from reship import lifecycle
from reship.accounts.roles import Role
from reship.choices import (
    Action,
    CompensationMethod,
    CostBearer,
    EventKind,
    LineStatus,
    QuoteStatus,
    Reason,
    RequestSource,
    RequestStatus,
    Resolution,
    RestockStatus,
)
from reship.lifecycle import OPEN_STATUSES

if TYPE_CHECKING:
    from orders.ship_to import ShipToView
    from reship.models import ReshipRequest


class MoneyDigits(TypedDict):
    max_digits: int
    decimal_places: int


MONEY: MoneyDigits = {"max_digits": 12, "decimal_places": 2}


def action_slug(action: Action) -> str:
    """The action's name in URLs and in ``allowed_actions``: ``request_info`` → ``request-info``."""
    return action.value.replace("_", "-")


# A field named like an attribute every serializer has (``data``, ``label``) is declared with a trailing
# underscore (``label_ = …``) and keeps its own name in the body and the schema. (Declared as ``label`` it
# works at run time, DRF takes declared fields off the class, but the type checker reads it as the
# serializer's own ``label``.) No docstring: the schema would show it as its subclasses' description.
class ReservedNamesSerializer(serializers.Serializer):
    def get_fields(self) -> dict[str, serializers.Field]:
        return {name.removesuffix("_"): field for name, field in super().get_fields().items()}


class NamedRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class OrderRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    platform = serializers.ChoiceField(choices=Platform.choices)
    platform_order_number = serializers.CharField()


class RequestShipToSerializer(serializers.Serializer):
    """Where the replacement goes (the request's own ship-to, the order's unless the seller changed
    it), as the caller may read it: in full for the seller, and for the partner while a line of the
    request is its to ship (from approval until shipped; each such answer is logged for the seller);
    masked otherwise (王*明, 138****1234, street cut). A webhook always carries it masked to the
    partner: its system fetches the full one through this API, which is logged."""

    name = serializers.CharField()
    phone = serializers.CharField(help_text=_("As typed."))
    phone_e164 = serializers.CharField(help_text=_("The phone in E.164 (+8613812341234); empty when masked."))
    country = serializers.CharField(help_text=_("ISO 3166 code, e.g. CN, US."))
    province = serializers.CharField()
    city = serializers.CharField()
    district = serializers.CharField()
    street = serializers.CharField()
    postcode = serializers.CharField()
    masked = serializers.BooleanField(help_text=_("True when the caller may only read the masked form."))


@extend_schema_field(RequestShipToSerializer)
class RequestShipToField(serializers.Field):
    """The request's ship-to from ``context["ship_to"]`` ({request id: ShipToView}), which the caller
    filled through ``reship.privacy`` (the one rule, and the reveal log); masked when it is missing."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, request: Any) -> dict[str, Any]:
        return request_ship_to(request, self.context.get("ship_to", {}))


def request_ship_to(request: Any, shown: dict[int, ShipToView]) -> dict[str, Any]:
    """The request's ``ship_to`` in a body: ``shown[request.pk]`` (``reship.privacy``'s), masked when missing."""
    view = shown.get(request.pk) or ship_to_rules.view(request, full=False)
    return {**view.as_dict(), "phone_e164": "" if view.masked else request.ship_phone_e164}


class RequestSerializer(serializers.Serializer):
    """A request as listed."""

    id = serializers.IntegerField()
    number = serializers.CharField()
    order = OrderRefSerializer()
    seller = NamedRefSerializer()
    partner = NamedRefSerializer()
    reason = serializers.ChoiceField(choices=Reason.choices)
    status = serializers.ChoiceField(choices=RequestStatus.choices)
    # A field named like DRF's own ``Field.source``: the metaclass takes it out of the class, as any field.
    source = serializers.ChoiceField(  # type: ignore[assignment]
        choices=RequestSource.choices,
        help_text=_("Who filed it: the seller, or the customer on the shop's after-sale page."),
    )
    reported_at = serializers.DateTimeField(
        allow_null=True, help_text=_("When the customer reported it (a customer's report only).")
    )
    auto_confirmed = serializers.BooleanField(help_text=_("A rule of the shop confirmed the customer's report."))
    stage_due_at = serializers.DateTimeField(allow_null=True, help_text=_("When the current stage is due."))
    overdue = serializers.SerializerMethodField(help_text=_("Open and past its stage's due time."))
    follow_up_of = serializers.IntegerField(source="follow_up_of_id", allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)
    ship_to = RequestShipToField()

    def get_overdue(self, request) -> bool:
        due = request.stage_due_at
        return request.status in OPEN_STATUSES and due is not None and due < self.context["now"]


def _moment(value: datetime | None, zone: tzinfo) -> str | None:
    """A time as DRF's ``DateTimeField`` writes it (ISO 8601 in the current time zone, UTC as Z)."""
    if not value:
        return None
    if timezone.is_naive(value):
        return _DATE_TIME.to_representation(value)
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


_DATE_TIME = serializers.DateTimeField()


# The order's, seller's and partner's columns a listed request shows, annotated on its row: building
# them as three more model instances a row cost more than the rest of the page's rows.
LISTED_RELATED = {
    "listed_order_platform": F("order__platform"),
    "listed_order_number": F("order__platform_order_number"),
    "listed_seller_name": F("seller__name"),
    "listed_partner_name": F("partner__name"),
}


def request_list_rows(requests: Iterable[Any], *, now: datetime, ship_to: dict[int, ShipToView]) -> list:
    """``RequestSerializer(requests, many=True, context={"now": now, "ship_to": ship_to}).data`` of
    requests annotated with ``LISTED_RELATED``, written out: the same keys in the same order and the
    same values (tests compare the two), at a sixth of the serializer's cost (3 ms of a page of 50).
    The serializer stays what the schema describes; a field added there is added here."""
    zone = timezone.get_current_timezone()
    rows = []
    for request in requests:
        due = request.stage_due_at
        rows.append(
            {
                "id": request.pk,
                "number": request.number,
                "order": {
                    "id": request.order_id,
                    "platform": request.listed_order_platform,
                    "platform_order_number": request.listed_order_number,
                },
                "seller": {"id": request.seller_id, "name": request.listed_seller_name},
                "partner": {"id": request.partner_id, "name": request.listed_partner_name},
                "reason": request.reason,
                "status": request.status,
                "source": request.source,
                "reported_at": _moment(request.reported_at, zone),
                "auto_confirmed": request.auto_confirmed,
                "stage_due_at": _moment(due, zone),
                "overdue": request.status in OPEN_STATUSES and due is not None and due < now,
                "follow_up_of": request.follow_up_of_id,
                "created_at": _moment(request.created_at, zone),
                "updated_at": _moment(request.updated_at, zone),
                "closed_at": _moment(request.closed_at, zone),
                "ship_to": request_ship_to(request, ship_to),
            }
        )
    return rows


class QuoteSerializer(serializers.Serializer):
    """The price (价格): the partner's quote and whether the seller accepted it."""

    status = serializers.ChoiceField(source="quote_status", choices=QuoteStatus.choices)
    goods = serializers.DecimalField(source="quote_goods", **MONEY, allow_null=True)
    shipping = serializers.DecimalField(source="quote_shipping", **MONEY, allow_null=True)
    compensation = serializers.DecimalField(source="quote_compensation", **MONEY, allow_null=True)
    # The sum of three amounts each below 1e10 has a digit more than each (at the limits it was a 500).
    total = serializers.DecimalField(source="quote_total", max_digits=14, decimal_places=2, allow_null=True)
    currency = serializers.ChoiceField(choices=Currency.choices)
    cost_bearer = serializers.ChoiceField(
        choices=CostBearer.choices, allow_blank=True, help_text=_("Who pays; empty before approval.")
    )
    promised_date = serializers.DateField(allow_null=True)


class CarrierRefSerializer(serializers.Serializer):
    """A carrier of the table (``GET /api/v1/carriers/`` lists them)."""

    code = serializers.CharField(help_text=_("The carrier's code, e.g. SF, ZTO, UPS; OTHER for one not in the list."))
    name_zh = serializers.CharField()
    name_en = serializers.CharField()


class LineShipmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    carrier = CarrierRefSerializer()
    carrier_label = serializers.CharField(help_text=_("The carrier's name as given, for OTHER; empty otherwise."))
    tracking_number = serializers.CharField()
    tracking_url = serializers.CharField(
        source="tracking_link", help_text=_("The carrier's tracking page for this parcel; empty when it has none.")
    )
    tracking_status = serializers.ChoiceField(choices=TrackingStatus.choices)
    shipped_at = serializers.DateTimeField()
    delivered_at = serializers.DateTimeField(allow_null=True)


class ReshipLineSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    order_line = serializers.IntegerField(source="order_line_id")
    sku_code = serializers.CharField(source="order_line.product.sku_code")
    product_name = serializers.CharField(source="order_line.product.name")
    quantity = serializers.IntegerField()
    reason = serializers.ChoiceField(choices=Reason.choices)
    resolution = serializers.ChoiceField(choices=Resolution.choices)
    status = serializers.ChoiceField(choices=LineStatus.choices)
    compensation_method = serializers.ChoiceField(
        choices=CompensationMethod.choices, allow_blank=True, help_text=_("Empty unless compensated.")
    )
    compensation_amount = serializers.DecimalField(**MONEY, allow_null=True)
    substitute_sku = serializers.CharField(source="substitute_product.sku_code", allow_null=True, default=None)
    shipment = LineShipmentSerializer(allow_null=True)
    quality_check_note = serializers.CharField()
    resolved_at = serializers.DateTimeField(allow_null=True)


class RestockOrderSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    line = serializers.IntegerField(source="line_id")
    supplier = serializers.CharField(source="supplier.name")
    quantity = serializers.IntegerField()
    status = serializers.ChoiceField(choices=RestockStatus.choices)
    ship_date = serializers.DateField(allow_null=True)
    confirmed_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class EventSerializer(ReservedNamesSerializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=EventKind.choices)
    from_status = serializers.CharField(help_text=_("Empty for the first event."))
    to_status = serializers.CharField()
    actor = serializers.SerializerMethodField(help_text=_("Who acted; null when the system did."))
    message = serializers.CharField()
    data_ = serializers.DictField()
    created_at = serializers.DateTimeField()

    def get_actor(self, event) -> str | None:
        if event.actor is None:
            return None
        return event.actor.get_full_name() or event.actor.username


@extend_schema_field({"type": "array", "items": {"type": "string", "enum": [action_slug(a) for a in Action]}})
class AllowedActionsField(serializers.Field):
    def __init__(self, **kwargs) -> None:
        super().__init__(read_only=True, source="*", **kwargs)

    def to_representation(self, request) -> list[str]:
        return [action_slug(action) for action in self.context["actions"]]


class SurveyScheduleSerializer(serializers.Serializer):
    """When the customer's satisfaction survey goes out: after the last parcel is delivered plus the
    seller's delay, or after shipping plus the fallback when no delivery is known; sent once."""

    due_at = serializers.DateTimeField(allow_null=True, help_text=_("Null while a line is unresolved, or no survey."))
    sent_at = serializers.DateTimeField(allow_null=True)


@extend_schema_field(SurveyScheduleSerializer(allow_null=True))
class SurveyScheduleField(serializers.Field):
    """The survey's schedule for the seller (``context["side"]``); null for the partner."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(read_only=True, source="*", **kwargs)

    def to_representation(self, request: Any) -> dict[str, Any] | None:
        if self.context.get("side") != Role.SELLER:
            return None
        return SurveyScheduleSerializer({"due_at": request.survey_due_at, "sent_at": request.survey_sent_at}).data


class RequestDetailSerializer(RequestSerializer):
    """A request with its lines, quote, restock orders and event log, and what the caller may do."""

    description = serializers.CharField()
    decision_note = serializers.CharField(help_text=_("The reason given on rejection."))
    quote = QuoteSerializer(source="*")
    submitted_at = serializers.DateTimeField(allow_null=True)
    reviewed_at = serializers.DateTimeField(allow_null=True)
    resolved_at = serializers.DateTimeField(allow_null=True)
    rating_speed = serializers.IntegerField(allow_null=True)
    rating_quality = serializers.IntegerField(allow_null=True)
    rating_cooperation = serializers.IntegerField(allow_null=True)
    platform_dispute = serializers.BooleanField()
    bad_review = serializers.BooleanField()
    close_note = serializers.CharField()
    follow_ups = serializers.SerializerMethodField(help_text=_("Ids of the follow-up requests filed for this one."))
    lines = ReshipLineSerializer(many=True)
    restock_orders = RestockOrderSerializer(many=True)
    events = EventSerializer(many=True)
    allowed_actions = AllowedActionsField(
        help_text=_("What the caller may POST to /requests/{id}/{action}/ now (the status and their side allow it).")
    )
    survey = SurveyScheduleField(help_text=_("The customer's survey: when it is due and when it was sent (seller)."))

    def get_follow_ups(self, request) -> list[int]:
        return [follow_up.pk for follow_up in request.follow_ups.all()]


def request_detail_load(request_id: int) -> ReshipRequest | None:
    """One request with every row its representation reads, in a fixed number of queries (no
    tenancy filter: the caller has decided who reads it)."""
    from reship.models import ReshipEvent, ReshipLine, ReshipRequest, RestockOrder

    return (
        ReshipRequest.objects.select_related("order", "seller", "partner")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=ReshipLine.objects.select_related(
                    "order_line__product", "substitute_product", "shipment__carrier"
                ).order_by("pk"),
            ),
            Prefetch("events", queryset=ReshipEvent.objects.select_related("actor").order_by("created_at", "pk")),
            Prefetch(
                "restock_orders", queryset=RestockOrder.objects.select_related("supplier").order_by("created_at", "pk")
            ),
            Prefetch("follow_ups", queryset=ReshipRequest.objects.order_by("created_at", "pk")),
        )
        .filter(pk=request_id)
        .first()
    )


def side_actions(request: ReshipRequest, side: Role) -> list[Action]:
    """What a member of the request's seller or partner may do now (``allowed_actions`` for them):
    the status's actions their side takes, as ``workflow.actions_for`` answers for one of them."""
    return [
        action
        for action in lifecycle.allowed_actions(request.status)
        if lifecycle.side_may(action, side) and not lifecycle.state_refusal(action, request, side)
    ]


def webhook_ship_to(request: ReshipRequest, *, side: Role) -> ShipToView:
    """The ship-to a webhook carries: in full to the seller's system (its own customer), always masked
    to the partner's. A webhook is read by a machine, not a person, so it reveals nothing and logs
    nothing; the partner's system fetches the full ship-to through the API, which logs it."""
    return ship_to_rules.view(request, full=side == Role.SELLER)


def request_representation(request: ReshipRequest, *, side: Role, now: datetime) -> dict[str, Any]:
    """The request as ``GET /api/v1/requests/{id}/`` shows it to a member of ``side``, as plain JSON
    (the ship-to as a webhook carries it: ``webhook_ship_to``)."""
    import json

    from django.core.serializers.json import DjangoJSONEncoder

    context = {
        "now": now,
        "side": side,
        "actions": side_actions(request, side),
        "ship_to": {request.pk: webhook_ship_to(request, side=side)},
    }
    data = RequestDetailSerializer(request, context=context).data
    plain: dict[str, Any] = json.loads(json.dumps(data, cls=DjangoJSONEncoder))
    return plain
