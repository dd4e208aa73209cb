"""``/api/v1/orders/``: the caller's orders (a seller's own, or those a partner ships), and a
seller's system recording a new order with its lines (``orders.services.order_create``).

Every queryset starts from ``permissions.visible_orders``: another organisation's order is a 404.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import generics, status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from orders.models import Order, OrderLine, Shipment
from orders.services import OrderLineInput, order_create
from reship import permissions
from reship.api.auth import caller
from reship.api.filters import OrderFilter
from reship.api.idempotency import idempotent
from reship.api.pagination import ReshipCursorPagination
from reship.api.schema import ID, IDEMPOTENCY_KEY, error_responses, path_id
from reship.api.serializers import OrderCreateSerializer, OrderDetailSerializer, OrderSerializer
from reship.models import ReshipRequest
from reship.selectors.quantities import remaining_quantities

if TYPE_CHECKING:
    from reship.accounts.models import User

ORDER_EXAMPLE = {
    "platform": "taobao",
    "platform_order_number": "TB2026031500123",
    "customer_name": "张三",
    "customer_phone": "+86 138 0013 8000",
    "customer_email": "zhang.san@example.com",
    "customer_language": "zh-hans",
    "ship_to": {
        "name": "张三",
        "phone": "138 0013 8000",
        "country": "CN",
        "province": "上海市",
        "city": "上海市",
        "district": "浦东新区",
        "street": "世纪大道 100 号 8 楼",
        "postcode": "200120",
    },
    "partner": 7,
    "amount": "129.00",
    "currency": "CNY",
    "placed_at": "2026-03-15T10:24:00+08:00",
    "lines": [{"sku_code": "MUG-BLUE", "quantity": 2, "unit_price": "49.50"}],
}


class OrderCursorPagination(ReshipCursorPagination):
    """Orders page by placing time, as the (seller|partner, -placed_at, -id) indexes are built."""

    ordering = ("-placed_at", "-id")


def _orders(user) -> QuerySet[Order]:
    return permissions.visible_orders(user, Order.objects.all()).select_related("seller", "partner")


def _shipments() -> Prefetch:
    return Prefetch("shipments", queryset=Shipment.objects.select_related("carrier").order_by("shipped_at", "id"))


def order_detail_or_404(user: User, order_id: int) -> Order:
    """One visible order with its lines, parcels and the requests the user may see, in fixed queries;
    the API's 404 for an order the user does not see."""
    order = (
        _orders(user)
        .prefetch_related(
            Prefetch("lines", queryset=OrderLine.objects.select_related("product").order_by("id")),
            _shipments(),
            Prefetch(
                "reship_requests",
                queryset=ReshipRequest.objects.filter(permissions.visible_requests_filter(user)).order_by(
                    "-created_at", "-id"
                ),
                to_attr="visible_requests",
            ),
        )
        .filter(pk=order_id)
        .first()
    )
    if order is None:
        raise NotFound()
    return order


def order_detail_body(user: User, order: Order) -> dict:
    return OrderDetailSerializer(order, context={"remaining": remaining_quantities(order), "user": user}).data


@extend_schema_view(
    get=extend_schema(
        operation_id="orders_list",
        summary="List orders",
        description="The seller's own orders, or the orders a partner ships; newest placed first, "
        "cursor-paginated (page_size at most 100).",
        responses={200: OrderSerializer(many=True), **error_responses(400, 401, 404, 429, examples=False)},
    )
)
class OrderListView(generics.ListAPIView):
    serializer_class = OrderSerializer
    filterset_class = OrderFilter
    pagination_class = OrderCursorPagination

    def get_queryset(self) -> QuerySet[Order]:
        return _orders(self.request.user).prefetch_related(_shipments())

    @extend_schema(
        operation_id="orders_create",
        summary="Record an order",
        description="A seller's system records an order with its lines. Each SKU is one of the seller's "
        "products; the partner must be active; the platform order number must be new for the seller "
        "(else 409 order_exists). The ship-to's recipient and phone default to the customer's; its phone "
        "may be typed in any format (kept as typed, normalised to E.164 beside it); a ship-to problem is a 422 "
        "naming `ship_to.<field>`. Sellers only (a partner gets 403).",
        parameters=[IDEMPOTENCY_KEY],
        request=OrderCreateSerializer,
        responses={201: OrderDetailSerializer, **error_responses(400, 401, 403, 409, 422, 429, examples=False)},
        examples=[
            OpenApiExample("An order of two mugs", value=ORDER_EXAMPLE, request_only=True),
            OpenApiExample(
                "Unknown SKU",
                value={
                    "code": "invalid",
                    "message": "Line 1: SKU “MUG-BLUE” is not one of your products.",
                    "field_errors": {"lines.0.sku_code": ["Unknown SKU."]},
                },
                response_only=True,
                status_codes=["400"],
            ),
            OpenApiExample(
                "A phone that is not a number of the ship-to's country",
                value={
                    "code": "invalid",
                    "message": "Check the ship-to: “12345” is not a phone number in CN; write a foreign number "
                    "with its +country code.",
                    "field_errors": {
                        "ship_to.phone": [
                            "“12345” is not a phone number in CN; write a foreign number with its +country code."
                        ]
                    },
                },
                response_only=True,
                status_codes=["422"],
            ),
        ],
    )
    @idempotent
    def post(self, request: Request) -> Response:
        user = caller(request)
        parsed = OrderCreateSerializer(data=request.data)
        parsed.is_valid(raise_exception=True)
        data = parsed.validated_data
        order = order_create(
            actor=user,
            platform=data["platform"],
            platform_order_number=data["platform_order_number"],
            customer_name=data["customer_name"],
            customer_phone=data["customer_phone"],
            customer_email=data["customer_email"],
            customer_language=data["customer_language"],
            ship_to=dict(data["ship_to"]),
            partner_id=data["partner"],
            amount=data["amount"],
            currency=data["currency"],
            placed_at=data["placed_at"],
            lines=[OrderLineInput(line["sku_code"], line["quantity"], line["unit_price"]) for line in data["lines"]],
        )
        return Response(order_detail_body(user, order_detail_or_404(user, order.pk)), status=status.HTTP_201_CREATED)


class OrderDetailView(generics.GenericAPIView):
    serializer_class = OrderDetailSerializer

    def get_queryset(self) -> QuerySet[Order]:
        return _orders(self.request.user)

    @extend_schema(
        operation_id="orders_retrieve",
        summary="An order",
        description="The order with its lines (each with the quantity a new reship request may still claim), "
        "its parcels and its reship requests. The ship-to is masked for a partner once the order has shipped.",
        parameters=[ID],
        responses={200: OrderDetailSerializer, **error_responses(401, 404, 429, examples=False)},
    )
    def get(self, request: Request, pk: str) -> Response:
        user = caller(request)
        return Response(order_detail_body(user, order_detail_or_404(user, path_id(pk))))
