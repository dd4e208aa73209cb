"""Serializers of the orders and requests API: explicit fields, read from prefetched rows only.

Output serializers never query: the views load every related row once (see ``reship.api.orders``
and ``reship.api.requests``) and pass what is computed per request (remaining quantities, the
caller's actions, the time) in the context. Input serializers parse types and bounds only; every
rule (who, which state, how much is left to claim) is the service's or the workflow's.
"""

from __future__ import annotations

from typing import TypedDict

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from orders.choices import Currency, OrderStatus, Platform
from reship.choices import (
    Action,
    CompensationMethod,
    CostBearer,
    EventKind,
    LineStatus,
    QuoteStatus,
    Reason,
    RequestStatus,
    Resolution,
    RestockStatus,
)
from reship.core.bounds import DATE_VALIDATORS, MAX_ID
from reship.core.inputs import MAX_TEXT
from reship.lifecycle import OPEN_STATUSES
from suppliers.choices import Channel


class MoneyDigits(TypedDict):
    max_digits: int
    decimal_places: int


MONEY: MoneyDigits = {"max_digits": 12, "decimal_places": 2}


def action_slug(action: Action) -> str:
    """The action's name in URLs and in ``allowed_actions``: ``request_info`` → ``request-info``."""
    return action.value.replace("_", "-")


def _many(child: serializers.Serializer, *, max_length: int) -> serializers.ListSerializer:
    """What ``child`` with ``many=True, max_length=…`` builds, the list serializer around it, built
    directly: its arguments are typed, where ``many=True`` passes them on untyped."""
    return serializers.ListSerializer(child=child, max_length=max_length)


# A field named like an attribute every serializer has (``data``, ``label``) is declared with a trailing
# underscore (``label_ = …``) and keeps its own name in the body and the schema. (Declared as ``label`` it
# works at run time, DRF takes declared fields off the class, but the type checker reads it as the
# serializer's own ``label``.) No docstring: the schema would show it as its subclasses' description.
class ReservedNamesSerializer(serializers.Serializer):
    def get_fields(self) -> dict[str, serializers.Field]:
        return {name.removesuffix("_"): field for name, field in super().get_fields().items()}


# --- small references -------------------------------------------------------------------------------


class NamedRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ShipmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    carrier = serializers.CharField()
    tracking_number = serializers.CharField()
    shipped_at = serializers.DateTimeField()
    delivered_at = serializers.DateTimeField(allow_null=True)
    reship_request = serializers.IntegerField(
        source="reship_request_id", allow_null=True, help_text=_("Set when the parcel is a reship.")
    )


# --- orders -----------------------------------------------------------------------------------------


class OrderSerializer(serializers.Serializer):
    """An order as listed: who, where, how much, and its parcels."""

    id = serializers.IntegerField()
    platform = serializers.ChoiceField(choices=Platform.choices)
    platform_order_number = serializers.CharField()
    status = serializers.ChoiceField(choices=OrderStatus.choices)
    seller = NamedRefSerializer()
    partner = NamedRefSerializer()
    customer_name = serializers.CharField()
    customer_phone = serializers.CharField()
    customer_email = serializers.CharField()
    amount = serializers.DecimalField(**MONEY)
    currency = serializers.ChoiceField(choices=Currency.choices)
    placed_at = serializers.DateTimeField()
    created_at = serializers.DateTimeField()
    shipments = ShipmentSerializer(many=True)


class OrderLineSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    sku_code = serializers.CharField(source="product.sku_code")
    product_name = serializers.CharField(source="product.name")
    quantity = serializers.IntegerField()
    unit_price = serializers.DecimalField(**MONEY)
    remaining_quantity = serializers.SerializerMethodField(
        help_text=_("What a new reship request may still claim of this line.")
    )

    def get_remaining_quantity(self, line) -> int:
        return max(self.context["remaining"].get(line.pk, 0), 0)


class OrderRequestRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    status = serializers.ChoiceField(choices=RequestStatus.choices)
    created_at = serializers.DateTimeField()


class OrderDetailSerializer(OrderSerializer):
    """An order with its lines (and what each has left to claim) and its reship requests."""

    shipping_address = serializers.CharField()
    customer_language = serializers.ChoiceField(choices=settings.LANGUAGES)
    lines = OrderLineSerializer(many=True)
    reship_requests = OrderRequestRefSerializer(many=True, source="visible_requests")


class OrderLineInputSerializer(serializers.Serializer):
    sku_code = serializers.CharField(max_length=64, help_text=_("One of the seller's own SKU codes."))
    quantity = serializers.IntegerField(min_value=1, max_value=100_000)
    unit_price = serializers.DecimalField(**MONEY, min_value=0)


class OrderCreateSerializer(serializers.Serializer):
    platform = serializers.ChoiceField(choices=Platform.choices)
    platform_order_number = serializers.CharField(max_length=64, help_text=_("Unique among the seller's orders."))
    customer_name = serializers.CharField(max_length=100)
    customer_phone = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    customer_email = serializers.EmailField(required=False, allow_blank=True, default="")
    customer_language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False, default="zh-hans")
    shipping_address = serializers.CharField(max_length=2000)
    partner = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text=_("The id of the active dropship partner that ships it.")
    )
    amount = serializers.DecimalField(**MONEY, min_value=0)
    currency = serializers.ChoiceField(choices=Currency.choices, required=False, default=Currency.CNY)
    placed_at = serializers.DateTimeField()
    lines = _many(OrderLineInputSerializer(), max_length=1000)


# --- requests: output -------------------------------------------------------------------------------


class OrderRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    platform = serializers.ChoiceField(choices=Platform.choices)
    platform_order_number = serializers.CharField()


class RequestSerializer(serializers.Serializer):
    """A request as listed."""

    id = serializers.IntegerField()
    number = serializers.CharField()
    order = OrderRefSerializer()
    seller = NamedRefSerializer()
    partner = NamedRefSerializer()
    reason = serializers.ChoiceField(choices=Reason.choices)
    status = serializers.ChoiceField(choices=RequestStatus.choices)
    stage_due_at = serializers.DateTimeField(allow_null=True, help_text=_("When the current stage is due."))
    overdue = serializers.SerializerMethodField(help_text=_("Open and past its stage's due time."))
    follow_up_of = serializers.IntegerField(source="follow_up_of_id", allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)

    def get_overdue(self, request) -> bool:
        due = request.stage_due_at
        return request.status in OPEN_STATUSES and due is not None and due < self.context["now"]


class QuoteSerializer(serializers.Serializer):
    """The price (价格): the partner's quote and whether the seller accepted it."""

    status = serializers.ChoiceField(source="quote_status", choices=QuoteStatus.choices)
    goods = serializers.DecimalField(source="quote_goods", **MONEY, allow_null=True)
    shipping = serializers.DecimalField(source="quote_shipping", **MONEY, allow_null=True)
    compensation = serializers.DecimalField(source="quote_compensation", **MONEY, allow_null=True)
    total = serializers.DecimalField(source="quote_total", **MONEY, allow_null=True)
    currency = serializers.ChoiceField(choices=Currency.choices)
    cost_bearer = serializers.ChoiceField(
        choices=CostBearer.choices, allow_blank=True, help_text=_("Who pays; empty before approval.")
    )
    promised_date = serializers.DateField(allow_null=True)


class LineShipmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    carrier = serializers.CharField()
    tracking_number = serializers.CharField()


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

    def get_follow_ups(self, request) -> list[int]:
        return [follow_up.pk for follow_up in request.follow_ups.all()]


# --- requests: input --------------------------------------------------------------------------------


def _id(**kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


def _text(*, required: bool = True, **kwargs) -> serializers.CharField:
    if required:
        return serializers.CharField(max_length=MAX_TEXT, **kwargs)
    return serializers.CharField(max_length=MAX_TEXT, required=False, allow_blank=True, default="", **kwargs)


def _money(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(**MONEY, min_value=0, **kwargs)


class LineRequestSerializer(serializers.Serializer):
    order_line = _id(help_text=_("An order line's id (see GET /orders/{id}/)."))
    quantity = serializers.IntegerField(min_value=1, max_value=100_000)
    resolution = serializers.ChoiceField(choices=Resolution.choices)
    reason = serializers.ChoiceField(
        choices=Reason.choices, required=False, help_text=_("Defaults to the request's reason.")
    )


class RequestCreateSerializer(serializers.Serializer):
    order = _id(help_text=_("The order's id."))
    reason = serializers.ChoiceField(choices=Reason.choices)
    description = _text(required=False)
    lines = _many(LineRequestSerializer(), max_length=1000)


class RequestInfoInputSerializer(serializers.Serializer):
    question = _text()


class AnswerInfoInputSerializer(serializers.Serializer):
    answer = _text()


class ApproveInputSerializer(serializers.Serializer):
    quote_goods = _money()
    quote_shipping = _money()
    cost_bearer = serializers.ChoiceField(choices=CostBearer.choices)
    promised_date = serializers.DateField(required=False, allow_null=True, default=None, validators=DATE_VALIDATORS)
    note = _text(required=False)


class RejectInputSerializer(serializers.Serializer):
    reason = _text()


class CancelInputSerializer(serializers.Serializer):
    reason = _text(required=False)


class EmptyInputSerializer(serializers.Serializer):
    """No fields: send ``{}``."""


class DisputeQuoteInputSerializer(serializers.Serializer):
    message = _text()


class ReviseQuoteInputSerializer(serializers.Serializer):
    quote_goods = _money()
    quote_shipping = _money()
    cost_bearer = serializers.ChoiceField(choices=CostBearer.choices)
    message = _text(required=False)


class LineIdsField(serializers.ListField):
    def __init__(self, **kwargs) -> None:
        super().__init__(child=_id(), allow_empty=False, max_length=1000, **kwargs)


class StartRestockInputSerializer(serializers.Serializer):
    line_ids = LineIdsField(help_text=_("Lines (resolution restock_resend, pending) to restock from their source."))
    note = _text(required=False)


class ConfirmRestockInputSerializer(serializers.Serializer):
    restock_order = _id(help_text=_("One of the request's restock orders (see restock_orders)."))
    ship_date = serializers.DateField(validators=DATE_VALIDATORS)
    note = _text(required=False)


class ShipItemSerializer(serializers.Serializer):
    line = _id(help_text=_("A line of the request, ready to ship."))
    substitute_product = _id(
        required=False, allow_null=True, default=None, help_text=_("A product of the seller shipped instead.")
    )


class ShipInputSerializer(serializers.Serializer):
    items = _many(ShipItemSerializer(), max_length=1000)
    carrier = serializers.CharField(max_length=60)
    tracking_number = serializers.CharField(max_length=64)
    quality_check_note = _text(required=False)


class CompensateInputSerializer(serializers.Serializer):
    line_ids = LineIdsField()
    method = serializers.ChoiceField(choices=CompensationMethod.choices)
    amount = _money()
    note = _text(required=False)


class ConfirmInfoUpdateInputSerializer(serializers.Serializer):
    note = _text(required=False)


class ContactCustomerInputSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=Channel.choices)
    message = _text(
        required=False,
        help_text=_("What the customer is told; empty with email or SMS sends the automatic update with tracking."),
    )


class CloseInputSerializer(serializers.Serializer):
    rating_speed = serializers.IntegerField(min_value=1, max_value=5)
    rating_quality = serializers.IntegerField(min_value=1, max_value=5)
    rating_cooperation = serializers.IntegerField(min_value=1, max_value=5)
    platform_dispute = serializers.BooleanField(required=False, default=False)
    bad_review = serializers.BooleanField(required=False, default=False)
    note = _text(required=False)


class FollowUpInputSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=Reason.choices)
    description = _text(help_text=_("What went wrong with the replacement."))
    lines = _many(LineRequestSerializer(), max_length=1000)
