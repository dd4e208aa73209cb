"""Fulfilment, read-only: restock orders (补货) of the caller's organisation's requests, the
parcels of an order or of a reship request, and the carriers a parcel may be shipped with.

Restock orders are placed and confirmed through the workflow (the request endpoints and the
source's signed link); here they are only read. Everything is filtered by the tenancy filter in
the queryset: another organisation's restock order, request or order is a 404.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from orders.carriers import carrier_choices
from orders.choices import TrackingStatus
from orders.models import Carrier, Order, Shipment
from reship import permissions
from reship.api.auth import caller
from reship.api.filters import RestockOrderFilter
from reship.api.mixins import PathIdsMixin, visible_request_ids, visible_request_or_404
from reship.api.pagination import ReshipCursorPagination
from reship.api.schema import READ_ERRORS, REQUEST_ID, error_responses, path_parameter
from reship.choices import RestockStatus
from reship.models import RestockOrder
from reship.representations import CarrierRefSerializer

if TYPE_CHECKING:
    from reship.accounts.models import User

# --- restock orders -----------------------------------------------------------------------------


class RestockOrderItemSerializer(serializers.ModelSerializer):
    request_id = serializers.IntegerField(read_only=True)
    request_number = serializers.CharField(source="request.number", read_only=True)
    line_id = serializers.IntegerField(read_only=True)
    sku_code = serializers.CharField(source="line.order_line.product.sku_code", read_only=True)
    product_name = serializers.CharField(source="line.order_line.product.name", read_only=True)
    supplier_id = serializers.IntegerField(read_only=True)
    supplier_name = serializers.CharField(source="supplier.name", read_only=True)
    status = serializers.ChoiceField(choices=RestockStatus.choices, read_only=True)

    class Meta:
        model = RestockOrder
        fields = [
            "id",
            "request_id",
            "request_number",
            "line_id",
            "sku_code",
            "product_name",
            "supplier_id",
            "supplier_name",
            "quantity",
            "status",
            "note",
            "ship_date",
            "confirmed_at",
            "created_at",
        ]
        read_only_fields = fields


RESTOCK_EXAMPLE = {
    "id": 9,
    "request_id": 5,
    "request_number": "RS-2026-00005",
    "line_id": 17,
    "sku_code": "MUG-350-BLU",
    "product_name": "Mug 350 ml, blue",
    "supplier_id": 2,
    "supplier_name": "Yiwu Ceramics",
    "quantity": 1,
    "status": "confirmed",
    "note": "",
    "ship_date": "2026-03-04",
    "confirmed_at": "2026-03-03T11:00:00+08:00",
    "created_at": "2026-03-02T10:00:00+08:00",
}


def restock_orders_for(user: User) -> QuerySet[RestockOrder]:
    return RestockOrder.objects.filter(request__in=visible_request_ids(user)).select_related(
        "request", "supplier", "line__order_line__product"
    )


class RestockOrderListView(generics.ListAPIView):
    serializer_class = RestockOrderItemSerializer
    pagination_class = ReshipCursorPagination
    filterset_class = RestockOrderFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no caller
            return RestockOrder.objects.none()
        return restock_orders_for(caller(self.request))

    @extend_schema(
        tags=["fulfilment"],
        summary="Restock orders of the organisation's requests, newest first",
        responses={200: RestockOrderItemSerializer(many=True), **error_responses(400, *READ_ERRORS)},
        examples=[OpenApiExample("A restock order", value=RESTOCK_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)


class RestockOrderDetailView(PathIdsMixin, generics.RetrieveAPIView):
    serializer_class = RestockOrderItemSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no caller
            return RestockOrder.objects.none()
        return restock_orders_for(caller(self.request))

    @extend_schema(
        tags=["fulfilment"],
        summary="One restock order",
        parameters=[path_parameter("id", "The restock order's id.")],
        responses={200: RestockOrderItemSerializer, **error_responses(*READ_ERRORS)},
        examples=[OpenApiExample("A restock order", value=RESTOCK_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)


# --- shipments ----------------------------------------------------------------------------------


class ShipmentItemSerializer(serializers.ModelSerializer):
    order_id = serializers.IntegerField(read_only=True)
    request_id = serializers.IntegerField(
        source="reship_request_id",
        read_only=True,
        allow_null=True,
        help_text="Set for a reship; null for the original.",
    )
    is_reship = serializers.BooleanField(read_only=True)
    carrier = CarrierRefSerializer(read_only=True)
    tracking_url = serializers.CharField(
        source="tracking_link",
        read_only=True,
        help_text="The carrier's tracking page for this parcel; empty when the carrier has none.",
    )
    tracking_status = serializers.ChoiceField(choices=TrackingStatus.choices, read_only=True)

    class Meta:
        model = Shipment
        fields = [
            "id",
            "order_id",
            "request_id",
            "is_reship",
            "carrier",
            "carrier_label",
            "tracking_number",
            "tracking_url",
            "tracking_status",
            "shipped_at",
            "delivered_at",
            "created_at",
        ]
        read_only_fields = fields


SHIPMENT_EXAMPLE = {
    "id": 44,
    "order_id": 12,
    "request_id": 5,
    "is_reship": True,
    "carrier": {"code": "SF", "name_zh": "顺丰速运", "name_en": "SF Express"},
    "carrier_label": "",
    "tracking_number": "SF123456789012",
    "tracking_url": "https://www.sf-express.com/chn/sc/waybill/waybill-detail/SF123456789012",
    "tracking_status": "shipped",
    "shipped_at": "2026-03-04T16:00:00+08:00",
    "delivered_at": None,
    "created_at": "2026-03-04T16:05:00+08:00",
}


class RequestShipmentListView(PathIdsMixin, generics.ListAPIView):
    """The parcels sent for one reship request."""

    serializer_class = ShipmentItemSerializer
    pagination_class = ReshipCursorPagination
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no caller
            return Shipment.objects.none()
        return Shipment.objects.filter(
            reship_request_id=self.kwargs["request_id"],
            reship_request__in=visible_request_ids(caller(self.request)),
        ).select_related("carrier")

    @extend_schema(
        tags=["fulfilment"],
        summary="The parcels sent for a reship request, newest first",
        parameters=[REQUEST_ID],
        responses={200: ShipmentItemSerializer(many=True), **error_responses(*READ_ERRORS)},
        examples=[OpenApiExample("A reship parcel", value=SHIPMENT_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request, **kwargs) -> Response:
        request_id = self.kwargs["request_id"]  # parsed by PathIdsMixin
        visible_request_or_404(caller(request), request_id)
        return super().get(request)


class OrderShipmentListView(PathIdsMixin, generics.ListAPIView):
    """Every parcel of an order: the original shipment and any reships."""

    serializer_class = ShipmentItemSerializer
    pagination_class = ReshipCursorPagination
    filter_backends: list = []

    def _visible_orders(self) -> QuerySet[Order]:
        return permissions.visible_orders(caller(self.request), Order.objects.all())

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no caller
            return Shipment.objects.none()
        return Shipment.objects.filter(
            order_id=self.kwargs["order_id"], order__in=self._visible_orders().values("pk")
        ).select_related("carrier")

    @extend_schema(
        tags=["fulfilment"],
        summary="Every parcel of an order (the original and reships), newest first",
        parameters=[path_parameter("order_id", "The order's id.")],
        responses={200: ShipmentItemSerializer(many=True), **error_responses(*READ_ERRORS)},
        examples=[OpenApiExample("A reship parcel", value=SHIPMENT_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request, **kwargs) -> Response:
        order_id = self.kwargs["order_id"]  # parsed by PathIdsMixin
        if not self._visible_orders().filter(pk=order_id).exists():
            raise NotFound()
        return super().get(request)


# --- carriers -----------------------------------------------------------------------------------


class CarrierSerializer(serializers.ModelSerializer):
    tracking_url = serializers.CharField(
        help_text="The carrier's tracking page with {number} where the tracking number goes; empty when it has none."
    )
    tracking_pattern = serializers.CharField(
        help_text="A regular expression the whole number (upper case, without spaces) must match; empty accepts any."
    )
    aliases = serializers.ListField(
        child=serializers.CharField(), help_text="Other names accepted for the carrier, as the code is."
    )

    class Meta:
        model = Carrier
        fields = [
            "code",
            "name_zh",
            "name_en",
            "aliases",
            "tracking_pattern",
            "pattern_help_zh",
            "pattern_help_en",
            "tracking_url",
        ]
        read_only_fields = fields


CARRIER_EXAMPLE = {
    "code": "SF",
    "name_zh": "顺丰速运",
    "name_en": "SF Express",
    "aliases": ["顺丰", "顺丰快递", "SF", "SFExpress", "SF-Express"],
    "tracking_pattern": "SF\\d{12,13}",
    "pattern_help_zh": "SF 加 12–13 位数字",
    "pattern_help_en": "SF followed by 12–13 digits",
    "tracking_url": "https://www.sf-express.com/chn/sc/waybill/waybill-detail/{number}",
}


class CarrierListView(generics.ListAPIView):
    """The carriers a parcel may be shipped with, in the order people pick them ("other" last): one
    short list, not paginated."""

    serializer_class = CarrierSerializer
    pagination_class = None
    filter_backends: list = []

    def get_queryset(self) -> QuerySet[Carrier]:
        return carrier_choices()

    @extend_schema(
        tags=["fulfilment"],
        summary="The carriers a parcel may be shipped with",
        description=(
            "Ship a parcel (POST /api/v1/requests/{id}/ship/) with one of these codes, or a carrier's Chinese "
            "or English name or other name; its tracking number must match tracking_pattern (pattern_help_* "
            "says it in words). OTHER takes any number and needs carrier_name."
        ),
        responses={200: CarrierSerializer(many=True), **error_responses(*READ_ERRORS)},
        examples=[OpenApiExample("SF Express", value=[CARRIER_EXAMPLE], response_only=True)],
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)
