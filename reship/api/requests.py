"""``/api/v1/requests/``: reship requests for sellers' and partners' systems.

List (filtered, cursor-paginated), retrieve (lines, quote, restock orders, events and the caller's
allowed actions), create (``workflow.reship_submit``), and one ``POST requests/{id}/{action}/``
per workflow transition. Each action endpoint parses its own small body and calls its one workflow
function, which is where every rule lives; the browser's views call the same functions. Before
parsing, the endpoint answers as the pages do: 404 for a request the caller cannot see (another
organisation's), 403 for the other side's step, 409 for a step the status does not allow now.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from reship import permissions, privacy, workflow
from reship.accounts.models import User
from reship.api.auth import caller
from reship.api.filters import RequestFilter
from reship.api.idempotency import idempotent
from reship.api.pagination import ReshipCursorPagination
from reship.api.schema import ID, IDEMPOTENCY_KEY, error_responses, path_id
from reship.api.serializers import (
    AnswerInfoInputSerializer,
    ApproveInputSerializer,
    CancelInputSerializer,
    ChangeShipToInputSerializer,
    CloseInputSerializer,
    CompensateInputSerializer,
    ConfirmInfoUpdateInputSerializer,
    ConfirmRestockInputSerializer,
    ContactCustomerInputSerializer,
    DisputeQuoteInputSerializer,
    EditReportInputSerializer,
    EmptyInputSerializer,
    FollowUpInputSerializer,
    MarkDeliveredInputSerializer,
    RejectInputSerializer,
    RequestCreateSerializer,
    RequestDetailSerializer,
    RequestInfoInputSerializer,
    RequestSerializer,
    ReviseQuoteInputSerializer,
    ShipInputSerializer,
    StartRestockInputSerializer,
    action_slug,
)
from reship.choices import Action, RevealChannel
from reship.core.errors import InvalidInput, RequestNotFound
from reship.models import ReshipEvent, ReshipLine, ReshipRequest, RestockOrder
from reship.representations import LISTED_RELATED, request_list_rows
from reship.selectors.requests import request_page_for_user
from reship.workflow.actions import CALLS, action_perform

# --- reading --------------------------------------------------------------------------------------


def requests_for_user(user) -> QuerySet[ReshipRequest]:
    """The list's queryset: the tenancy filter first, the few columns of the order, seller and partner
    a listed request shows in the same query (``LISTED_RELATED``: not three more model instances a row)."""
    return ReshipRequest.objects.filter(permissions.visible_requests_filter(user)).annotate(**LISTED_RELATED)


def request_detail_body(user: User, request_id: int) -> dict:
    """The detail body, read through the request page's own selector; 404 when not the caller's."""
    reship = request_page_for_user(user=user, request_id=request_id)
    if reship is None:
        raise RequestNotFound(_("Reship request not found."))
    context = {
        "now": timezone.now(),
        "side": permissions.side_of(user, reship),
        "actions": workflow.actions_for(user, reship),
        "ship_to": {reship.pk: privacy.ship_to_for(user, reship, via=RevealChannel.API)},
    }
    return RequestDetailSerializer(reship, context=context).data


def written_detail_body(user: User, reship: ReshipRequest, *, new: bool = False) -> dict:
    """The answer to a write: the same body as ``request_detail_body`` (GET), from the request the
    workflow has just written and holds in memory (its row, with its order, seller and partner),
    with only its related rows read, once each; the tenancy check was the workflow's. A ``new``
    request has no restock orders or follow-ups yet (``.none()`` prefetches read nothing)."""
    restocks, follow_ups = RestockOrder.objects.select_related("supplier"), ReshipRequest.objects.all()
    prefetch_related_objects(
        [reship],
        Prefetch(
            "lines",
            queryset=ReshipLine.objects.select_related(
                "order_line__product", "substitute_product", "shipment__carrier"
            ).order_by("pk"),
        ),
        Prefetch("events", queryset=ReshipEvent.objects.select_related("actor").order_by("created_at", "pk")),
        Prefetch("restock_orders", queryset=(restocks.none() if new else restocks).order_by("created_at", "pk")),
        Prefetch("follow_ups", queryset=(follow_ups.none() if new else follow_ups).order_by("created_at", "pk")),
    )
    context = {
        "now": timezone.now(),
        "side": permissions.side_of(user, reship),
        "actions": workflow.actions_for(user, reship),
        "ship_to": {reship.pk: privacy.ship_to_for(user, reship, via=RevealChannel.API)},
    }
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
        responses={200: RequestSerializer(many=True), **error_responses(400, 401, 404, 429, examples=False)},
    )
)
class RequestListView(generics.ListAPIView):
    serializer_class = RequestSerializer
    filterset_class = RequestFilter
    pagination_class = ReshipCursorPagination

    def get_queryset(self) -> QuerySet[ReshipRequest]:
        user = self.request.user  # also AnonymousUser, when the schema is drawn
        return privacy.with_ship_to_window(requests_for_user(user), reader=user if isinstance(user, User) else None)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The page, each ship-to as the caller may read it (a partner's full ones logged in one insert)."""
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        assert page is not None  # the cursor pagination always pages
        shown = privacy.ship_to_for_many(caller(request), page, via=RevealChannel.API)
        # The serializer's answer written out (RequestSerializer stays the schema's and the test's).
        return self.get_paginated_response(request_list_rows(page, now=timezone.now(), ship_to=shown))

    @extend_schema(
        operation_id="requests_create",
        summary="Submit a reship request",
        description="The order's seller files a request for some of its lines (workflow.reship_submit). "
        "Each line claims at most what the order line has left (see GET /orders/{id}/).",
        parameters=[IDEMPOTENCY_KEY],
        request=RequestCreateSerializer,
        responses={201: RequestDetailSerializer, **error_responses(400, 401, 403, 404, 409, 422, 429, examples=False)},
        examples=[
            OpenApiExample("One broken mug resent", value=SUBMIT_EXAMPLE, request_only=True),
            OpenApiExample(
                "More than is left to claim",
                value={
                    "code": "invalid",
                    "message": "SKU MUG-BLUE has 1 left to claim; you asked for 2.",
                    "field_errors": {"lines.0.quantity": ["At most 1."]},
                },
                response_only=True,
                status_codes=["400"],
            ),
        ],
    )
    @idempotent
    def post(self, request: Request) -> Response:
        user = caller(request)
        parsed = RequestCreateSerializer(data=request.data)
        parsed.is_valid(raise_exception=True)
        data = parsed.validated_data
        reship = workflow.reship_submit(
            actor=user,
            order_id=data["order"],
            reason=data["reason"],
            description=data["description"],
            lines=_line_requests(data["lines"]),
        )
        return Response(written_detail_body(user, reship, new=True), status=status.HTTP_201_CREATED)


class RequestDetailView(APIView):
    @extend_schema(
        operation_id="requests_retrieve",
        summary="A reship request",
        description="With its lines, quote, restock orders, event log and the actions the caller may take now.",
        parameters=[ID],
        responses={200: RequestDetailSerializer, **error_responses(401, 404, 429, examples=False)},
    )
    def get(self, request: Request, pk: str) -> Response:
        return Response(request_detail_body(caller(request), path_id(pk)))


# --- the actions: one endpoint, one body, one workflow function each ------------------------------


@dataclass(frozen=True)
class ActionEndpoint:
    """What one action endpoint documents and parses; its view calls the action's workflow function."""

    action: Action
    input: type[serializers.Serializer]
    description: str
    example: dict = field(default_factory=dict)
    creates: bool = False  # answers 201 with the new request (follow-up) instead of 200 with this one
    response_examples: tuple[OpenApiExample, ...] = ()


def _action_schema(endpoint: ActionEndpoint):
    """The ``@extend_schema`` of an action endpoint's ``post``."""
    slug = action_slug(endpoint.action)
    return extend_schema(
        operation_id=f"requests_{endpoint.action.value}",
        summary=f"{endpoint.action.label} ({slug})",
        description=endpoint.description,
        parameters=[ID, IDEMPOTENCY_KEY],
        request=endpoint.input,
        responses={
            (201 if endpoint.creates else 200): RequestDetailSerializer,
            **error_responses(400, 401, 403, 404, 409, 422, 429, examples=False),
        },
        examples=[
            OpenApiExample(str(endpoint.action.label), value=endpoint.example, request_only=True),
            *endpoint.response_examples,
        ],
    )


class RequestActionView(APIView):
    """Base of the action endpoints: each named subclass below sets its ``endpoint`` (and, where the
    API's body differs from what ``action_perform`` takes, overrides ``perform``); its ``post`` is
    documented from the endpoint when the subclass is defined."""

    endpoint: ClassVar[ActionEndpoint]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        extend_schema_view(post=_action_schema(cls.endpoint))(cls)

    @idempotent
    def post(self, request: Request, pk: str) -> Response:
        return self.act(request, path_id(pk))

    def perform(self, pk: int, actor: User, data: dict) -> ReshipRequest | None:
        """The parsed body, in the shape ``reship.workflow.actions.action_perform`` takes."""
        return action_perform(action=self.endpoint.action, request_id=pk, actor=actor, data=dict(data))

    def act(self, request: Request, pk: int) -> Response:
        action, user = self.endpoint.action, caller(request)
        reship = ReshipRequest.objects.filter(permissions.visible_requests_filter(user), pk=pk).first()
        if reship is None:
            raise RequestNotFound(_("Reship request not found."))
        workflow.action_check(reship, user, action, option_name=action_slug)
        parsed = self.endpoint.input(data=request.data)
        parsed.is_valid(raise_exception=True)
        created = self.perform(pk, user, parsed.validated_data)
        return Response(
            self.answer(user, pk, created),
            status=status.HTTP_201_CREATED if self.endpoint.creates else status.HTTP_200_OK,
        )

    def answer(self, user: User, pk: int, written: ReshipRequest | None) -> dict:
        """The body: the request as GET shows it now, read again (an endpoint whose workflow function
        returns the request it wrote, whole and current, may build it from that instead)."""
        return request_detail_body(user, written.pk if written is not None else pk)


class RequestConfirmReportView(RequestActionView):
    endpoint = ActionEndpoint(
        Action.CONFIRM_REPORT,
        EmptyInputSerializer,
        "The seller confirms a customer's report (status `reported`): it becomes a submitted request, the "
        "partner's, as if the seller had filed it (the partner's rules may approve it at once).",
    )


class RequestEditReportView(RequestActionView):
    endpoint = ActionEndpoint(
        Action.EDIT_REPORT,
        EditReportInputSerializer,
        "The seller changes a customer's report before confirming it: the lines replace the report's (checked "
        "as a new request's), the reason and description change when given. The event keeps before and after.",
        {"lines": [{"order_line": 2048, "quantity": 1, "resolution": "resend"}], "reason": "missing_item"},
    )

    def perform(self, pk: int, actor: User, data: dict) -> ReshipRequest | None:
        return super().perform(pk, actor, {**data, "lines": _line_requests(data["lines"])})


class RequestDeclineReportView(RequestActionView):
    endpoint = ActionEndpoint(
        Action.DECLINE_REPORT,
        RejectInputSerializer,
        "The seller declines a customer's report with a reason, which the customer is told (status `declined`).",
        {"reason": "The carrier shows the parcel signed for on 3 March."},
    )


class RequestRequestInfoView(RequestActionView):
    endpoint = ActionEndpoint(
        Action.REQUEST_INFO,
        RequestInfoInputSerializer,
        "The partner asks the seller a question before deciding.",
        {"question": "Please send a photo of the box."},
    )


class RequestAnswerInfoView(RequestActionView):
    endpoint = ActionEndpoint(
        Action.ANSWER_INFO,
        AnswerInfoInputSerializer,
        "The seller answers; the request is back in review.",
        {"answer": "Photo attached in the thread: the corner is crushed."},
    )


class RequestApproveView(RequestActionView):
    endpoint = ActionEndpoint(
        Action.APPROVE,
        ApproveInputSerializer,
        "The partner approves with its quote and who bears the cost.",
        {
            "quote_goods": "49.50",
            "quote_shipping": "12.00",
            "cost_bearer": "carrier",
            "promised_date": "2026-03-20",
            "note": "We claim it from the carrier.",
        },
        response_examples=(
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
            ),
        ),
    )

    def perform(self, pk: int, actor: User, data: dict) -> ReshipRequest | None:
        """The approved request itself, for the answer (``action_perform`` returns only a new one)."""
        function, names = CALLS[self.endpoint.action]
        return function(request_id=pk, actor=actor, **{name: data[name] for name in names})

    def answer(self, user: User, pk: int, written: ReshipRequest | None) -> dict:
        """``reship_approve`` returns the locked request it saved: its row, order, seller and partner."""
        return written_detail_body(user, written) if written is not None else super().answer(user, pk, written)


class RequestRejectView(RequestActionView):
    endpoint = ActionEndpoint(
        Action.REJECT,
        RejectInputSerializer,
        "The partner refuses, saying why; the quantities return to the order.",
        {"reason": "The carrier shows it delivered and signed for."},
    )


class RequestCancelView(RequestActionView):
    endpoint = ActionEndpoint(
        Action.CANCEL,
        CancelInputSerializer,
        "The seller withdraws the request (until fulfilment starts).",
        {"reason": "The customer found the parcel."},
    )


class RequestAcceptQuoteView(RequestActionView):
    endpoint = ActionEndpoint(
        Action.ACCEPT_QUOTE,
        EmptyInputSerializer,
        "The seller accepts the partner's quote.",
        {},
    )


class RequestDisputeQuoteView(RequestActionView):
    endpoint = ActionEndpoint(
        Action.DISPUTE_QUOTE,
        DisputeQuoteInputSerializer,
        "The seller disputes the quote; the partner may revise it.",
        {"message": "Shipping was 8.00 last time."},
    )


class RequestReviseQuoteView(RequestActionView):
    endpoint = ActionEndpoint(
        Action.REVISE_QUOTE,
        ReviseQuoteInputSerializer,
        "The partner sends a new quote for the seller to accept.",
        {"quote_goods": "49.50", "quote_shipping": "8.00", "cost_bearer": "carrier", "message": "Agreed."},
    )


class RequestStartRestockView(RequestActionView):
    endpoint = ActionEndpoint(
        Action.START_RESTOCK,
        StartRestockInputSerializer,
        "The partner orders lines from their source (补货); the source is emailed a signed link.",
        {"line_ids": [4096], "note": "Two weeks ago's batch, please."},
    )


class RequestConfirmRestockView(RequestActionView):
    endpoint = ActionEndpoint(
        Action.CONFIRM_RESTOCK,
        ConfirmRestockInputSerializer,
        "The partner confirms a restock order for its source (when it confirmed by phone or chat).",
        {"restock_order": 512, "ship_date": "2026-03-18", "note": "Confirmed by phone."},
    )

    def perform(self, pk: int, actor: User, data: dict) -> ReshipRequest | None:
        if not RestockOrder.objects.filter(pk=data["restock_order"], request_id=pk).exists():
            # The URL names the request: a restock order of another one (even a visible one) is not its.
            raise InvalidInput(
                _("That is not a restock order of this request."),
                field_errors={"restock_order": [_("Not a restock order of this request.")]},
            )
        return super().perform(pk, actor, data)


class RequestShipView(RequestActionView):
    endpoint = ActionEndpoint(
        Action.SHIP,
        ShipInputSerializer,
        "The partner resends lines in one parcel (补寄) with its carrier (a code of GET /api/v1/carriers/, "
        "or its Chinese or English name) and tracking number, which must fit the carrier's pattern.",
        {
            "items": [{"line": 4096, "substitute_product": None}],
            "carrier": "SF",
            "tracking_number": "SF123456789012",
            "quality_check_note": "Checked, no scratches.",
        },
    )

    def perform(self, pk: int, actor: User, data: dict) -> ReshipRequest | None:
        items = [workflow.ShipItem(item["line"], item["substitute_product"]) for item in data["items"]]
        return super().perform(pk, actor, {**data, "items": items})


class RequestCompensateView(RequestActionView):
    endpoint = ActionEndpoint(
        Action.COMPENSATE,
        CompensateInputSerializer,
        "Either side records compensation (补偿) for lines instead of goods.",
        {"line_ids": [4097], "method": "voucher", "amount": "25.00", "note": "Voucher sent on the platform."},
    )


class RequestConfirmInfoUpdateView(RequestActionView):
    endpoint = ActionEndpoint(
        Action.CONFIRM_INFO_UPDATE,
        ConfirmInfoUpdateInputSerializer,
        "The seller confirms the sales platform carries the new tracking (or the refund).",
        {"note": "Tracking updated on Taobao."},
    )


class RequestContactCustomerView(RequestActionView):
    endpoint = ActionEndpoint(
        Action.CONTACT_CUSTOMER,
        ContactCustomerInputSerializer,
        "The seller tells the customer (email and SMS are sent; calls and chats are logged).",
        {"channel": "email", "message": ""},
    )


class RequestCloseView(RequestActionView):
    endpoint = ActionEndpoint(
        Action.CLOSE,
        CloseInputSerializer,
        "The seller closes with an evaluation of the partner; the customer gets a survey link.",
        {"rating_speed": 4, "rating_quality": 5, "rating_cooperation": 4, "platform_dispute": False},
    )


class RequestFollowUpView(RequestActionView):
    endpoint = ActionEndpoint(
        Action.FOLLOW_UP,
        FollowUpInputSerializer,
        "The replacement failed too: a new request linked to this closed one (answers 201 with it).",
        {
            "reason": "damaged",
            "description": "The replacement arrived broken as well.",
            "lines": [{"order_line": 2048, "quantity": 1, "resolution": "resend"}],
        },
        creates=True,
    )

    def perform(self, pk: int, actor: User, data: dict) -> ReshipRequest | None:
        return super().perform(pk, actor, {**data, "lines": _line_requests(data["lines"])})


class RequestChangeShipToView(RequestActionView):
    endpoint = ActionEndpoint(
        Action.CHANGE_SHIP_TO,
        ChangeShipToInputSerializer,
        "The seller changes where the replacement goes (改地址; the order keeps its own ship-to): send the "
        "fields to change, a field left out keeps its value. Refused with 409 once a parcel of the request has "
        "left (the carrier must redirect it), with 422 when nothing changes. The partner is told once it is "
        "packing (approved, fulfilling); the timeline keeps the changed fields, masked.",
        {"street": "世纪大道 100 号 2 栋 1203 室", "postcode": "200120", "note": "The customer moved last week."},
        response_examples=(
            OpenApiExample(
                "The parcel has left",
                value={
                    "code": "invalid_transition",
                    "message": "The replacement left on 2026-03-12 with SF Express SF123456789012; the ship-to "
                    "can no longer change. Ask the carrier to redirect the parcel.",
                    "field_errors": {},
                },
                response_only=True,
                status_codes=["409"],
            ),
        ),
    )

    def perform(self, pk: int, actor: User, data: dict) -> ReshipRequest | None:
        note = data.pop("note", "")
        return super().perform(pk, actor, {"ship_to": data, "note": note})


class RequestMarkDeliveredView(RequestActionView):
    endpoint = ActionEndpoint(
        Action.MARK_DELIVERED,
        MarkDeliveredInputSerializer,
        "The seller or the partner says a reship parcel arrived (at `delivered_at`, by default now: not before "
        "it was shipped, not in the future). One `delivered` event, the `parcel_delivered` notification and "
        "webhook; the customer's survey is rescheduled. A parcel delivered already is a 409.",
        {"shipment": 2048, "delivered_at": "2026-03-18T14:30:00+08:00"},
    )


# The URLs' order (``reship/api/urls.py``), and so the schema's: the workflow's order.
ACTION_VIEWS: dict[str, type[RequestActionView]] = {
    action_slug(view.endpoint.action): view
    for view in (
        RequestConfirmReportView,
        RequestEditReportView,
        RequestDeclineReportView,
        RequestRequestInfoView,
        RequestAnswerInfoView,
        RequestApproveView,
        RequestRejectView,
        RequestCancelView,
        RequestAcceptQuoteView,
        RequestDisputeQuoteView,
        RequestReviseQuoteView,
        RequestStartRestockView,
        RequestConfirmRestockView,
        RequestShipView,
        RequestCompensateView,
        RequestConfirmInfoUpdateView,
        RequestContactCustomerView,
        RequestCloseView,
        RequestFollowUpView,
        RequestChangeShipToView,
        RequestMarkDeliveredView,
    )
}
