"""``/api/v1/requests/``: reship requests for sellers' and partners' systems.

List (filtered, cursor-paginated), retrieve (lines, quote, restock orders, events and the caller's
allowed actions), create (``workflow.reship_submit``), and one ``POST requests/{id}/{action}/``
per workflow transition. Each action endpoint parses its own small body and calls its one workflow
function, which is where every rule lives; the browser's views call the same functions. Before
parsing, the endpoint answers as the pages do: 404 for a request the caller cannot see (another
organisation's), 403 for the other side's step, 409 for a step the status does not allow now.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from reship import permissions, workflow
from reship.api.filters import RequestFilter
from reship.api.idempotency import idempotent
from reship.api.orders import ID, IDEMPOTENCY_KEY, path_id
from reship.api.pagination import ReshipCursorPagination
from reship.api.serializers import (
    AnswerInfoInputSerializer,
    ApproveInputSerializer,
    CancelInputSerializer,
    CloseInputSerializer,
    CompensateInputSerializer,
    ConfirmInfoUpdateInputSerializer,
    ConfirmRestockInputSerializer,
    ContactCustomerInputSerializer,
    DisputeQuoteInputSerializer,
    EmptyInputSerializer,
    FollowUpInputSerializer,
    RejectInputSerializer,
    RequestCreateSerializer,
    RequestDetailSerializer,
    RequestInfoInputSerializer,
    RequestSerializer,
    ReviseQuoteInputSerializer,
    ShipInputSerializer,
    StartRestockInputSerializer,
    action_slug,
    error_responses,
)
from reship.choices import Action
from reship.core.errors import InvalidInput, RequestNotFound
from reship.models import ReshipRequest, RestockOrder
from reship.selectors.requests import request_page_for_user
from reship.workflow.actions import action_perform

# --- reading --------------------------------------------------------------------------------------


def requests_for_user(user) -> QuerySet[ReshipRequest]:
    """The list's queryset: the tenancy filter first, the list's related rows in the same query."""
    return ReshipRequest.objects.filter(permissions.visible_requests_filter(user)).select_related(
        "order", "seller", "partner"
    )


def request_detail_body(user, request_id: int) -> dict:
    """The detail body, read through the request page's own selector; 404 when not the caller's."""
    reship = request_page_for_user(user=user, request_id=request_id)
    if reship is None:
        raise RequestNotFound(_("Reship request not found."))
    context = {"now": timezone.now(), "actions": workflow.actions_for(user, reship)}
    return RequestDetailSerializer(reship, context=context).data


def _line_requests(lines: list[dict]) -> list[workflow.LineRequest]:
    return [
        workflow.LineRequest(line["order_line"], line["quantity"], line["resolution"], line.get("reason"))
        for line in lines
    ]


SUBMIT_EXAMPLE = {
    "order": 1024,
    "reason": "damaged",
    "description": "The parcel arrived crushed; the mug is broken.",
    "lines": [{"order_line": 2048, "quantity": 1, "resolution": "resend"}],
}


@extend_schema_view(
    get=extend_schema(
        operation_id="requests_list",
        summary="List reship requests",
        description="The caller's organisation's requests, newest first, cursor-paginated (page_size at most 100).",
        responses={200: RequestSerializer(many=True), **error_responses(400, 401, 404, 429)},
    )
)
class RequestListView(generics.ListAPIView):
    serializer_class = RequestSerializer
    filterset_class = RequestFilter
    pagination_class = ReshipCursorPagination

    def get_queryset(self) -> QuerySet[ReshipRequest]:
        return requests_for_user(self.request.user)

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "now": timezone.now()}

    @extend_schema(
        operation_id="requests_create",
        summary="Submit a reship request",
        description="The order's seller files a request for some of its lines (workflow.reship_submit). "
        "Each line claims at most what the order line has left (see GET /orders/{id}/).",
        parameters=[IDEMPOTENCY_KEY],
        request=RequestCreateSerializer,
        responses={201: RequestDetailSerializer, **error_responses(400, 401, 403, 404, 409, 422, 429)},
        examples=[
            OpenApiExample("One broken mug resent", value=SUBMIT_EXAMPLE, request_only=True),
            OpenApiExample(
                "More than is left to claim",
                value={
                    "code": "invalid",
                    "message": "SKU MUG-BLUE has 1 left to claim; you asked for 2.",
                    "field_errors": {"lines[0].quantity": ["At most 1."]},
                },
                response_only=True,
                status_codes=["400"],
            ),
        ],
    )
    @idempotent
    def post(self, request: Request) -> Response:
        parsed = RequestCreateSerializer(data=request.data)
        parsed.is_valid(raise_exception=True)
        data = parsed.validated_data
        reship = workflow.reship_submit(
            actor=request.user,
            order_id=data["order"],
            reason=data["reason"],
            description=data["description"],
            lines=_line_requests(data["lines"]),
        )
        return Response(request_detail_body(request.user, reship.pk), status=status.HTTP_201_CREATED)


class RequestDetailView(APIView):
    @extend_schema(
        operation_id="requests_retrieve",
        summary="A reship request",
        description="With its lines, quote, restock orders, event log and the actions the caller may take now.",
        parameters=[ID],
        responses={200: RequestDetailSerializer, **error_responses(401, 404, 429)},
    )
    def get(self, request: Request, pk: str) -> Response:
        return Response(request_detail_body(request.user, path_id(pk)))


# --- the actions: one endpoint, one body, one workflow function each ------------------------------

Perform = Callable[[int, Any, dict], "ReshipRequest | None"]


def _perform_as(action: Action) -> Perform:
    """The API's parsed body, in the shape ``reship.workflow.actions.action_perform`` takes."""

    def perform(pk: int, actor, data: dict) -> ReshipRequest | None:
        data = dict(data)
        if (
            action == Action.CONFIRM_RESTOCK
            and not RestockOrder.objects.filter(pk=data["restock_order"], request_id=pk).exists()
        ):
            # The URL names the request: a restock order of another one (even a visible one) is not its.
            raise InvalidInput(
                _("That is not a restock order of this request."),
                field_errors={"restock_order": [_("Not a restock order of this request.")]},
            )
        if action == Action.SHIP:
            data["items"] = [workflow.ShipItem(item["line"], item["substitute_product"]) for item in data["items"]]
        if action == Action.FOLLOW_UP:
            data["lines"] = _line_requests(data["lines"])
        return action_perform(action=action, request_id=pk, actor=actor, data=data)

    return perform


@dataclass(frozen=True)
class ActionEndpoint:
    action: Action
    input: type[serializers.Serializer]
    perform: Perform
    description: str
    example: dict = field(default_factory=dict)
    creates: bool = False  # answers 201 with the new request (follow-up) instead of 200 with this one


ACTION_ENDPOINTS: tuple[ActionEndpoint, ...] = (
    ActionEndpoint(
        Action.REQUEST_INFO,
        RequestInfoInputSerializer,
        _perform_as(Action.REQUEST_INFO),
        "The partner asks the seller a question before deciding.",
        {"question": "Please send a photo of the box."},
    ),
    ActionEndpoint(
        Action.ANSWER_INFO,
        AnswerInfoInputSerializer,
        _perform_as(Action.ANSWER_INFO),
        "The seller answers; the request is back in review.",
        {"answer": "Photo attached in the thread: the corner is crushed."},
    ),
    ActionEndpoint(
        Action.APPROVE,
        ApproveInputSerializer,
        _perform_as(Action.APPROVE),
        "The partner approves with its quote and who bears the cost.",
        {
            "quote_goods": "49.50",
            "quote_shipping": "12.00",
            "cost_bearer": "carrier",
            "promised_date": "2026-03-20",
            "note": "We claim it from the carrier.",
        },
    ),
    ActionEndpoint(
        Action.REJECT,
        RejectInputSerializer,
        _perform_as(Action.REJECT),
        "The partner refuses, saying why; the quantities return to the order.",
        {"reason": "The carrier shows it delivered and signed for."},
    ),
    ActionEndpoint(
        Action.CANCEL,
        CancelInputSerializer,
        _perform_as(Action.CANCEL),
        "The seller withdraws the request (until fulfilment starts).",
        {"reason": "The customer found the parcel."},
    ),
    ActionEndpoint(
        Action.ACCEPT_QUOTE,
        EmptyInputSerializer,
        _perform_as(Action.ACCEPT_QUOTE),
        "The seller accepts the partner's quote.",
        {},
    ),
    ActionEndpoint(
        Action.DISPUTE_QUOTE,
        DisputeQuoteInputSerializer,
        _perform_as(Action.DISPUTE_QUOTE),
        "The seller disputes the quote; the partner may revise it.",
        {"message": "Shipping was 8.00 last time."},
    ),
    ActionEndpoint(
        Action.REVISE_QUOTE,
        ReviseQuoteInputSerializer,
        _perform_as(Action.REVISE_QUOTE),
        "The partner sends a new quote for the seller to accept.",
        {"quote_goods": "49.50", "quote_shipping": "8.00", "cost_bearer": "carrier", "message": "Agreed."},
    ),
    ActionEndpoint(
        Action.START_RESTOCK,
        StartRestockInputSerializer,
        _perform_as(Action.START_RESTOCK),
        "The partner orders lines from their source (补货); the source is emailed a signed link.",
        {"line_ids": [4096], "note": "Two weeks ago's batch, please."},
    ),
    ActionEndpoint(
        Action.CONFIRM_RESTOCK,
        ConfirmRestockInputSerializer,
        _perform_as(Action.CONFIRM_RESTOCK),
        "The partner confirms a restock order for its source (when it confirmed by phone or chat).",
        {"restock_order": 512, "ship_date": "2026-03-18", "note": "Confirmed by phone."},
    ),
    ActionEndpoint(
        Action.SHIP,
        ShipInputSerializer,
        _perform_as(Action.SHIP),
        "The partner resends lines in one parcel (补寄) with its tracking number.",
        {
            "items": [{"line": 4096, "substitute_product": None}],
            "carrier": "SF Express",
            "tracking_number": "SF1234567890",
            "quality_check_note": "Checked, no scratches.",
        },
    ),
    ActionEndpoint(
        Action.COMPENSATE,
        CompensateInputSerializer,
        _perform_as(Action.COMPENSATE),
        "Either side records compensation (补偿) for lines instead of goods.",
        {"line_ids": [4097], "method": "voucher", "amount": "25.00", "note": "Voucher sent on the platform."},
    ),
    ActionEndpoint(
        Action.CONFIRM_INFO_UPDATE,
        ConfirmInfoUpdateInputSerializer,
        _perform_as(Action.CONFIRM_INFO_UPDATE),
        "The seller confirms the sales platform carries the new tracking (or the refund).",
        {"note": "Tracking updated on Taobao."},
    ),
    ActionEndpoint(
        Action.CONTACT_CUSTOMER,
        ContactCustomerInputSerializer,
        _perform_as(Action.CONTACT_CUSTOMER),
        "The seller tells the customer (email and SMS are sent; calls and chats are logged).",
        {"channel": "email", "message": ""},
    ),
    ActionEndpoint(
        Action.CLOSE,
        CloseInputSerializer,
        _perform_as(Action.CLOSE),
        "The seller closes with an evaluation of the partner; the customer gets a survey link.",
        {"rating_speed": 4, "rating_quality": 5, "rating_cooperation": 4, "platform_dispute": False},
    ),
    ActionEndpoint(
        Action.FOLLOW_UP,
        FollowUpInputSerializer,
        _perform_as(Action.FOLLOW_UP),
        "The replacement failed too: a new request linked to this closed one (answers 201 with it).",
        {
            "reason": "damaged",
            "description": "The replacement arrived broken as well.",
            "lines": [{"order_line": 2048, "quantity": 1, "resolution": "resend"}],
        },
        creates=True,
    ),
)


class RequestActionView(APIView):
    """Base of the action endpoints; each subclass carries its ``endpoint``."""

    endpoint: ClassVar[ActionEndpoint]

    def act(self, request: Request, pk: int) -> Response:
        action, user = self.endpoint.action, request.user
        reship = ReshipRequest.objects.filter(permissions.visible_requests_filter(user), pk=pk).first()
        if reship is None:
            raise RequestNotFound(_("Reship request not found."))
        workflow.action_check(reship, user, action, option_name=action_slug)
        parsed = self.endpoint.input(data=request.data)
        parsed.is_valid(raise_exception=True)
        created = self.endpoint.perform(pk, user, parsed.validated_data)
        shown = created.pk if created is not None else pk
        return Response(
            request_detail_body(user, shown),
            status=status.HTTP_201_CREATED if self.endpoint.creates else status.HTTP_200_OK,
        )


def _action_view(endpoint: ActionEndpoint) -> type[RequestActionView]:
    slug = action_slug(endpoint.action)
    examples = [OpenApiExample(str(endpoint.action.label), value=endpoint.example, request_only=True)]
    if endpoint.action == Action.APPROVE:
        examples.append(
            OpenApiExample(
                "Not possible in this status",
                value={
                    "code": "invalid_transition",
                    "message": "Request RS-2026-000123 is at “Approved”, where “Approve” is not possible. "
                    "You may now: revise-quote, start-restock, ship, compensate.",
                    "field_errors": {},
                },
                response_only=True,
                status_codes=["409"],
            )
        )

    @extend_schema(
        operation_id=f"requests_{endpoint.action.value}",
        summary=f"{endpoint.action.label} ({slug})",
        description=endpoint.description,
        parameters=[ID, IDEMPOTENCY_KEY],
        request=endpoint.input,
        responses={
            (201 if endpoint.creates else 200): RequestDetailSerializer,
            **error_responses(400, 401, 403, 404, 409, 422, 429),
        },
        examples=examples,
    )
    @idempotent
    def post(self, request: Request, pk: str) -> Response:
        return self.act(request, path_id(pk))

    name = "".join(part.title() for part in endpoint.action.value.split("_"))
    return type(f"Request{name}View", (RequestActionView,), {"endpoint": endpoint, "post": post})


ACTION_VIEWS: dict[str, type[RequestActionView]] = {
    action_slug(endpoint.action): _action_view(endpoint) for endpoint in ACTION_ENDPOINTS
}
