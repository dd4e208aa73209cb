"""Serializers of the orders and requests API: explicit fields, read from prefetched rows only.

Output serializers never query: the views load every related row once (see ``reship.api.orders``
and ``reship.api.requests``) and pass what is computed per request (remaining quantities, the
caller's actions, the time) in the context. Input serializers parse types and bounds only; every
rule (who, which state, how much is left to claim) is the service's or the workflow's.
"""

from __future__ import annotations

import math
import re
from typing import Any

from django.conf import settings
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import empty
from rest_framework.settings import api_settings

from orders.choices import Currency, OrderStatus, Platform
from orders.ship_to import mask_name, mask_phone
from reship import privacy
from reship.choices import (
    CompensationMethod,
    CostBearer,
    Reason,
    RequestStatus,
    Resolution,
)
from reship.core.bounds import DATE_VALIDATORS, MAX_ID
from reship.core.inputs import MAX_TEXT, MONEY_LIMIT
from reship.representations import (  # noqa: F401 - the request's read side, re-exported for the API's modules
    MONEY,
    AllowedActionsField,
    EventSerializer,
    LineShipmentSerializer,
    MoneyDigits,
    NamedRefSerializer,
    OrderRefSerializer,
    QuoteSerializer,
    RequestDetailSerializer,
    RequestSerializer,
    RequestShipToSerializer,
    ReservedNamesSerializer,
    ReshipLineSerializer,
    RestockOrderSerializer,
    action_slug,
)
from suppliers.choices import Channel


class InputListSerializer(serializers.ListSerializer):
    """A list of an input: its own errors (empty, too long) name the list ("lines"), as the services'
    do, rather than "lines.non_field_errors"."""

    def run_validation(self, data: Any = empty) -> Any:
        try:
            return super().run_validation(data)
        except serializers.ValidationError as error:
            if isinstance(error.detail, dict) and set(error.detail) == {api_settings.NON_FIELD_ERRORS_KEY}:
                raise serializers.ValidationError(error.detail[api_settings.NON_FIELD_ERRORS_KEY]) from None
            raise


def _many(child: serializers.Serializer, *, max_length: int) -> serializers.ListSerializer:
    """What ``child`` with ``many=True, min_length=1, max_length=…`` builds, the list serializer around
    it, built directly: its arguments are typed, where ``many=True`` passes them on untyped. Every list
    of an input needs an item (the services refuse an empty one); the schema says both bounds."""
    return InputListSerializer(child=child, allow_empty=False, min_length=1, max_length=max_length)


class InputListSchema(OpenApiSerializerFieldExtension):
    """An ``InputListSerializer`` in the schema: its items, and ``minItems``/``maxItems`` as checked."""

    target_class = InputListSerializer

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        items = auto_schema.resolve_serializer(self.target.child, direction).ref
        return {"type": "array", "items": items, "minItems": self.target.min_length, "maxItems": self.target.max_length}


# --- what an input's text and money look like, to the server and in the schema -----------------------

# Money typed by a system: a number, or a decimal string of up to 10 digits (no leading zero) and 2
# decimals, so below ``MONEY_LIMIT`` (reship.core.inputs.money), never negative. Other spellings ("1e3",
# "+5", " 5", "5.", "007") are refused, so the schema's pattern says exactly what is accepted.
MONEY_PATTERN = r"^(0|[1-9][0-9]{0,9})(\.[0-9]{1,2})?$"
POSITIVE_MONEY_PATTERN = r"^([1-9][0-9]{0,9}(\.[0-9]{1,2})?|0\.([0-9][1-9]|[1-9][0-9]?))$"
MONEY_MAX = float(MONEY_LIMIT - 1) + 0.99


def _money_schema(*, positive: bool) -> dict[str, Any]:
    number: dict[str, Any] = {"type": "number", "minimum": 0, "maximum": MONEY_MAX, "multipleOf": 0.01}
    if positive:
        number["exclusiveMinimum"] = True
    return {
        "oneOf": [
            {"type": "string", "pattern": POSITIVE_MONEY_PATTERN if positive else MONEY_PATTERN, "example": "49.50"},
            number,
        ],
        "description": "An amount with at most two decimals, as a string or a number, "
        + ("more than 0." if positive else "0 or more."),
    }


@extend_schema_field(_money_schema(positive=False))
class MoneyInputField(serializers.DecimalField):
    """An amount as ``MONEY_PATTERN`` or a JSON number, ``0 ≤ amount < MONEY_LIMIT``, two decimals."""

    positive = False

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_digits=12, decimal_places=2, min_value=0, **kwargs)

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str):
            if data.startswith("-") and re.fullmatch(MONEY_PATTERN, data[1:]):
                self.fail("min_value", min_value=0)
            if not re.fullmatch(MONEY_PATTERN, data):
                self.fail("invalid")
        elif isinstance(data, bool) or not isinstance(data, int | float) or not math.isfinite(data):
            self.fail("invalid")
        amount = super().to_internal_value(data)
        if self.positive and amount <= 0:
            raise serializers.ValidationError(_("The amount must be greater than zero."))
        return amount


@extend_schema_field(_money_schema(positive=True))
class PositiveMoneyInputField(MoneyInputField):
    positive = True


# JSON bodies are read as the schema types them: DRF would also take 5 or 5.0 for "5", "true" or 1 for
# true, 0 for "0", and dates and times in other spellings than RFC 3339's; a client sending those finds
# them refused now rather than read one way today and another tomorrow.
RFC3339_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
RFC3339_DATE_TIME = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})$"


def json_type_wrong(field: serializers.Field, value: Any) -> bool:
    """Is ``value``, from a JSON body, not of the type the schema gives ``field``?"""
    if value is None:
        return False  # the field's own allow_null decides
    if isinstance(field, serializers.BooleanField):
        return not isinstance(value, bool)
    if isinstance(field, serializers.IntegerField):
        return isinstance(value, bool) or not isinstance(value, int)
    if isinstance(field, serializers.DateTimeField):
        return not (isinstance(value, str) and re.fullmatch(RFC3339_DATE_TIME, value))
    if isinstance(field, serializers.DateField):
        return not (isinstance(value, str) and re.fullmatch(RFC3339_DATE, value))
    if isinstance(field, serializers.ListField):
        return not isinstance(value, list) or any(json_type_wrong(field.child, item) for item in value)
    if isinstance(field, serializers.CharField | serializers.ChoiceField):
        return not isinstance(value, str)
    return False


WRONG_TYPE = _("Wrong type: see this field in the API schema.")


class JsonInputSerializer(serializers.Serializer):
    """The input of a JSON body: each value of the type its field has in the schema, else a 400 naming
    the field (then DRF's own checks)."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict) and not isinstance(data, QueryDict):
            wrong: dict[str, Any] = {}
            for name, field in self.fields.items():
                if field.read_only or name not in data:
                    continue
                value = data[name]
                if isinstance(field, serializers.ListField) and isinstance(value, list):
                    items = {
                        index: [WRONG_TYPE]
                        for index, item in enumerate(value)
                        if json_type_wrong(field.child, item)  # named as DRF names an item: "events.0"
                    }
                    if items:
                        wrong[name] = items
                elif json_type_wrong(field, value):
                    wrong[name] = [WRONG_TYPE]
            if wrong:
                raise serializers.ValidationError(wrong)
        return super().to_internal_value(data)


REQUIRED_TEXT_SCHEMA = {"type": "string", "minLength": 1, "maxLength": MAX_TEXT, "pattern": r"\S"}


@extend_schema_field(REQUIRED_TEXT_SCHEMA)
class ServiceCheckedTextField(serializers.CharField):
    """Required text the service checks itself (something besides spaces, at most ``MAX_TEXT``, then
    stripped), taken here as sent."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(allow_blank=True, trim_whitespace=False, **kwargs)


# Text a person must give: something besides spaces (the services strip it), at most MAX_TEXT.
@extend_schema_field(REQUIRED_TEXT_SCHEMA)
class RequiredTextField(serializers.CharField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=MAX_TEXT, **kwargs)


# --- small references -------------------------------------------------------------------------------


class ShipmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    carrier = serializers.CharField(source="carrier.code", help_text=_("The carrier's code (GET /api/v1/carriers/)."))
    carrier_name = serializers.CharField(help_text=_("In the caller's language; as written for OTHER."))
    tracking_url = serializers.CharField(source="tracking_link", help_text=_("The carrier's page for this parcel."))
    tracking_number = serializers.CharField()
    shipped_at = serializers.DateTimeField()
    delivered_at = serializers.DateTimeField(allow_null=True)
    reship_request = serializers.IntegerField(
        source="reship_request_id", allow_null=True, help_text=_("Set when the parcel is a reship.")
    )


# --- orders -----------------------------------------------------------------------------------------


class ShipToSerializer(RequestShipToSerializer):
    """Where the order's parcel goes, as the caller may read it: in full for the seller (and for the
    partner while the order awaits shipment), masked otherwise (王*明, 138****1234, street cut). The
    fields are the request's ship-to's."""


class OrderShipToField(serializers.Field):
    """The order's ship-to as the caller (``context["user"]``, else the request's) may read it."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, order: Any) -> dict[str, Any]:
        user = self.context.get("user") or self.context["request"].user
        view = privacy.order_ship_to_for(user, order)
        return {**view.as_dict(), "phone_e164": "" if view.masked else order.ship_phone_e164}


extend_schema_field(ShipToSerializer)(OrderShipToField)


def mask_email(email: str) -> str:
    """buyer@example.com → b****@example.com (the domain stays: it says nothing of the person)."""
    local, at, domain = email.partition("@")
    return (local[:1] + "****" + at + domain) if email else ""


_MASKED_WITH_SHIP_TO = _("Masked (like the ship-to) when the caller may only read the ship-to masked.")


class OrderSerializer(serializers.Serializer):
    """An order as listed: who, where, how much, and its parcels. The customer's name, phone and
    email are personal data like the ship-to: a partner reads them masked whenever it reads the
    ship-to masked (the order shipped), so the masked ship-to does not leak through them."""

    id = serializers.IntegerField()
    platform = serializers.ChoiceField(choices=Platform.choices)
    platform_order_number = serializers.CharField()
    status = serializers.ChoiceField(choices=OrderStatus.choices)
    seller = NamedRefSerializer()
    partner = NamedRefSerializer()
    customer_name = serializers.CharField(help_text=_MASKED_WITH_SHIP_TO)
    customer_phone = serializers.CharField(help_text=_MASKED_WITH_SHIP_TO)
    customer_email = serializers.CharField(help_text=_MASKED_WITH_SHIP_TO)
    amount = serializers.DecimalField(**MONEY)
    currency = serializers.ChoiceField(choices=Currency.choices)
    placed_at = serializers.DateTimeField()
    created_at = serializers.DateTimeField()
    ship_to = OrderShipToField()
    shipments = ShipmentSerializer(many=True)

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data: dict[str, Any] = super().to_representation(instance)
        if data["ship_to"]["masked"]:
            data["customer_name"] = mask_name(data["customer_name"])
            data["customer_phone"] = mask_phone(data["customer_phone"])
            data["customer_email"] = mask_email(data["customer_email"])
        return data


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

    customer_language = serializers.ChoiceField(choices=settings.LANGUAGES)
    lines = OrderLineSerializer(many=True)
    reship_requests = OrderRequestRefSerializer(many=True, source="visible_requests")


class OrderLineInputSerializer(JsonInputSerializer):
    sku_code = serializers.CharField(max_length=64, help_text=_("One of the seller's own SKU codes."))
    quantity = serializers.IntegerField(min_value=1, max_value=100_000)
    unit_price = MoneyInputField()


def _ship_to_text(max_length: int, *, required: bool = False, **kwargs: Any) -> serializers.CharField:
    if not required:
        kwargs["default"] = ""
    return serializers.CharField(max_length=max_length, required=required, allow_blank=True, **kwargs)


class ShipToInputSerializer(JsonInputSerializer):
    """The order's ship-to as sent; ``orders.ship_to.clean`` checks it (422 under ``ship_to.<field>``)."""

    name = _ship_to_text(100, help_text=_("The recipient; the customer's name when left out."))
    phone = _ship_to_text(40, help_text=_("As typed, in any format; the customer's phone when left out."))
    country = _ship_to_text(40, help_text=_("ISO 3166 code (CN, US) or a common name; CN when left out."))
    province = _ship_to_text(60, help_text=_("Province or state."))
    city = _ship_to_text(60, required=True)
    district = _ship_to_text(60)
    street = _ship_to_text(255, required=True, help_text=_("Street, building, unit."))
    postcode = _ship_to_text(12, help_text=_("6 digits in China."))


class OrderCreateSerializer(JsonInputSerializer):
    platform = serializers.ChoiceField(choices=Platform.choices)
    platform_order_number = serializers.CharField(max_length=64, help_text=_("Unique among the seller's orders."))
    customer_name = serializers.CharField(max_length=100)
    customer_phone = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    customer_email = serializers.EmailField(required=False, allow_blank=True, default="")
    customer_language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False, default="zh-hans")
    ship_to = ShipToInputSerializer()
    partner = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text=_("The id of the active dropship partner that ships it.")
    )
    amount = MoneyInputField()
    currency = serializers.ChoiceField(choices=Currency.choices, required=False, default=Currency.CNY)
    placed_at = serializers.DateTimeField()
    lines = _many(OrderLineInputSerializer(), max_length=1000)


# --- requests: input --------------------------------------------------------------------------------


def _id(**kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


def _text(*, required: bool = True, **kwargs) -> serializers.CharField:
    if required:
        return RequiredTextField(**kwargs)
    return serializers.CharField(max_length=MAX_TEXT, required=False, allow_blank=True, default="", **kwargs)


def _money(**kwargs) -> serializers.DecimalField:
    return MoneyInputField(**kwargs)


class LineRequestSerializer(JsonInputSerializer):
    order_line = _id(help_text=_("An order line's id (see GET /orders/{id}/)."))
    quantity = serializers.IntegerField(min_value=1, max_value=100_000)
    resolution = serializers.ChoiceField(choices=Resolution.choices)
    reason = serializers.ChoiceField(
        choices=Reason.choices, required=False, help_text=_("Defaults to the request's reason.")
    )


class RequestCreateSerializer(JsonInputSerializer):
    order = _id(help_text=_("The order's id."))
    reason = serializers.ChoiceField(choices=Reason.choices)
    description = _text(required=False)
    lines = _many(LineRequestSerializer(), max_length=1000)


class RequestInfoInputSerializer(JsonInputSerializer):
    question = _text()


class AnswerInfoInputSerializer(JsonInputSerializer):
    answer = _text()


class ApproveInputSerializer(JsonInputSerializer):
    quote_goods = _money()
    quote_shipping = _money()
    cost_bearer = serializers.ChoiceField(choices=CostBearer.choices)
    promised_date = serializers.DateField(required=False, allow_null=True, default=None, validators=DATE_VALIDATORS)
    note = _text(required=False)


class RejectInputSerializer(JsonInputSerializer):
    reason = _text()


class CancelInputSerializer(JsonInputSerializer):
    reason = _text(required=False)


class EditReportInputSerializer(JsonInputSerializer):
    lines = _many(LineRequestSerializer(), max_length=1000)
    reason = serializers.ChoiceField(choices=Reason.choices, required=False, help_text=_("Unchanged when left out."))
    description = _text(required=False, help_text=_("Unchanged when left out."))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # Left out means unchanged (the workflow's None), not emptied.
        description = attrs["description"] if "description" in self.initial_data else None
        return {"reason": None, **attrs, "description": description}


class EmptyInputSerializer(JsonInputSerializer):
    """No fields: send ``{}``."""


class DisputeQuoteInputSerializer(JsonInputSerializer):
    message = _text()


class ReviseQuoteInputSerializer(JsonInputSerializer):
    quote_goods = _money()
    quote_shipping = _money()
    cost_bearer = serializers.ChoiceField(choices=CostBearer.choices)
    message = _text(required=False)


class LineIdsField(serializers.ListField):
    def __init__(self, **kwargs) -> None:
        super().__init__(child=_id(), allow_empty=False, min_length=1, max_length=1000, **kwargs)


class StartRestockInputSerializer(JsonInputSerializer):
    line_ids = LineIdsField(help_text=_("Lines (resolution restock_resend, pending) to restock from their source."))
    note = _text(required=False)


class ConfirmRestockInputSerializer(JsonInputSerializer):
    restock_order = _id(help_text=_("One of the request's restock orders (see restock_orders)."))
    ship_date = serializers.DateField(validators=DATE_VALIDATORS)
    note = _text(required=False)


class MarkDeliveredInputSerializer(JsonInputSerializer):
    shipment = _id(help_text=_("One of the request's parcels (lines[].shipment.id)."))
    delivered_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text=_("When it arrived; now when left out.")
    )


class ShipItemSerializer(JsonInputSerializer):
    line = _id(help_text=_("A line of the request, ready to ship."))
    substitute_product = _id(
        required=False, allow_null=True, default=None, help_text=_("A product of the seller shipped instead.")
    )


class ShipInputSerializer(JsonInputSerializer):
    items = _many(ShipItemSerializer(), max_length=1000)
    carrier = serializers.CharField(
        max_length=60,
        help_text=_(
            "The carrier's code (GET /api/v1/carriers/ lists them) or its Chinese or English name; "
            "OTHER with carrier_name for one not in the list."
        ),
    )
    carrier_name = serializers.CharField(
        max_length=60, required=False, default="", allow_blank=True, help_text=_("The carrier's name, for OTHER.")
    )
    tracking_number = serializers.CharField(
        max_length=64, help_text=_("Must fit the carrier's pattern (GET /api/v1/carriers/ explains each).")
    )
    quality_check_note = _text(required=False)


class CompensateInputSerializer(JsonInputSerializer):
    line_ids = LineIdsField()
    method = serializers.ChoiceField(choices=CompensationMethod.choices)
    amount = PositiveMoneyInputField()
    note = _text(required=False)


class ConfirmInfoUpdateInputSerializer(JsonInputSerializer):
    note = _text(required=False)


def _ship_to_change_text(max_length: int, help_text: Any = "") -> serializers.CharField:
    # No default: a field left out keeps the request's current value (workflow.reship_change_ship_to).
    return serializers.CharField(
        max_length=max_length, required=False, allow_blank=True, trim_whitespace=True, help_text=help_text
    )


class ChangeShipToInputSerializer(JsonInputSerializer):
    """A new ship-to for the request (改地址): the fields to change; one left out keeps its current value,
    an empty one clears it. The recipient, phone, city and street must not end up empty (422)."""

    name = _ship_to_change_text(100, _("The recipient."))
    phone = _ship_to_change_text(40, _("Any format; stored as typed with its E.164 form. A foreign number with +."))
    country = _ship_to_change_text(40, _("ISO 3166 code (CN, US) or a common name; empty for CN."))
    province = _ship_to_change_text(60)
    city = _ship_to_change_text(60)
    district = _ship_to_change_text(60)
    street = _ship_to_change_text(255)
    postcode = _ship_to_change_text(12, _("6 digits in China."))
    note = _text(required=False, help_text=_("Why it changed; the partner reads it."))


class ContactCustomerInputSerializer(JsonInputSerializer):
    channel = serializers.ChoiceField(choices=Channel.choices)
    message = _text(
        required=False,
        help_text=_("What the customer is told; empty with email or SMS sends the automatic update with tracking."),
    )


class CloseInputSerializer(JsonInputSerializer):
    rating_speed = serializers.IntegerField(min_value=1, max_value=5)
    rating_quality = serializers.IntegerField(min_value=1, max_value=5)
    rating_cooperation = serializers.IntegerField(min_value=1, max_value=5)
    platform_dispute = serializers.BooleanField(required=False, default=False)
    bad_review = serializers.BooleanField(required=False, default=False)
    note = _text(required=False)


class FollowUpInputSerializer(JsonInputSerializer):
    reason = serializers.ChoiceField(choices=Reason.choices)
    description = _text(help_text=_("What went wrong with the replacement."))
    lines = _many(LineRequestSerializer(), max_length=1000)
