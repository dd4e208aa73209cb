"""``/api/v1/statements/``: settlement statements (对账单) for the partner's and the seller's systems.

Reads go through ``reship.selectors.statements`` (scoped to the caller's organisation: another
organisation's statement, a seller's draft, the other side's statement of another pair are a 404);
every POST calls one function of ``reship.settlement.statements``, the only writer, which checks the
caller's side (403), the status (409) and the input's rules (422). Here the body is parsed against
its schema (400) and the answer rendered — no rule of its own. Every POST honours ``Idempotency-Key``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from orders.choices import Currency
from reship import lifecycle, permissions
from reship.accounts.roles import organisation_for
from reship.api.auth import caller
from reship.api.idempotency import idempotent
from reship.api.mixins import PathIdsMixin
from reship.api.pagination import ReshipCursorPagination
from reship.api.schema import IDEMPOTENCY_KEY, READ_ERRORS, WRITE_ERRORS, error_responses, path_parameter
from reship.api.serializers import (
    MONEY,
    MONEY_MAX,
    EmptyInputSerializer,
    JsonInputSerializer,
    MoneyDigits,
    MoneyInputField,
    NamedRefSerializer,
    PositiveMoneyInputField,
    RequiredTextField,
)
from reship.choices import (
    CostBearer,
    PaymentMethod,
    Resolution,
    StatementAction,
    StatementEventKind,
    StatementItem,
    StatementKind,
    StatementLineStatus,
    StatementSide,
    StatementStatus,
)
from reship.core.bounds import DATE_VALIDATORS, MAX_ID
from reship.core.errors import ActionNotPermitted
from reship.models import Statement, StatementEvent, StatementLine, StatementPayment, StatementTotal
from reship.selectors import statements as selectors
from reship.settlement import statements as writer

if TYPE_CHECKING:
    from reship.accounts.models import User

SIGNED: MoneyDigits = {"max_digits": 14, "decimal_places": 2}
STATEMENT_ID = path_parameter("id", "The statement's id.")
LINE_ID = path_parameter("line_id", "The statement line's id.")

# --- output ---------------------------------------------------------------------------------------


class StatementTotalSerializer(serializers.ModelSerializer):
    """One currency's figures. Signed: positive, the counterparty (seller or source) pays the partner;
    negative, the partner pays."""

    lines_total = serializers.DecimalField(**SIGNED, help_text=gettext_lazy("This period's lines, added up."))
    previous_balance = serializers.DecimalField(
        **SIGNED, help_text=gettext_lazy("Open balances of earlier statements carried forward into this one.")
    )
    net = serializers.DecimalField(**SIGNED, help_text=gettext_lazy("This period's lines plus the previous balance."))
    paid = serializers.DecimalField(**SIGNED, help_text=gettext_lazy("Payments recorded, signed as net."))
    balance = serializers.DecimalField(**SIGNED, read_only=True, help_text=gettext_lazy("net − paid: still owed."))

    class Meta:
        model = StatementTotal
        fields = ["currency", "lines_total", "previous_balance", "net", "paid", "balance"]
        read_only_fields = fields


class CounterpartySerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=[("seller", "seller"), ("supplier", "supplier")])
    id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()


class StatementSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=StatementKind.choices, read_only=True)
    status = serializers.ChoiceField(choices=StatementStatus.choices, read_only=True)
    partner = NamedRefSerializer(read_only=True)
    seller = NamedRefSerializer(read_only=True, allow_null=True)
    supplier = NamedRefSerializer(read_only=True, allow_null=True, help_text=gettext_lazy("The source, if any."))
    counterparty = serializers.SerializerMethodField(
        help_text=gettext_lazy("The other side: the seller or the source (as in the statement.* webhooks).")
    )
    carried_to = serializers.IntegerField(
        source="carried_to_id",
        read_only=True,
        allow_null=True,
        help_text=gettext_lazy("The statement its open balance was carried into, if any."),
    )
    totals = StatementTotalSerializer(many=True, read_only=True, help_text=gettext_lazy("One per currency."))
    waiting_for = serializers.SerializerMethodField(
        help_text=gettext_lazy("Whose move it waits for: issuer (the partner), counterparty (seller or source).")
    )
    your_side = serializers.SerializerMethodField(
        help_text=gettext_lazy("The caller's side: issuer, counterparty, or null (read only).")
    )

    class Meta:
        model = Statement
        fields = [
            "id",
            "number",
            "kind",
            "status",
            "partner",
            "seller",
            "supplier",
            "counterparty",
            "period",
            "period_start",
            "period_end",
            "cut_off",
            "version",
            "request_count",
            "line_count",
            "disputed_line_count",
            "issued_at",
            "due_on",
            "issuer_confirmed_at",
            "counterparty_confirmed_at",
            "confirmed_at",
            "settled_at",
            "carried_to",
            "totals",
            "waiting_for",
            "your_side",
        ]
        read_only_fields = fields

    @extend_schema_field(CounterpartySerializer)
    def get_counterparty(self, statement: Statement) -> dict[str, Any]:
        if statement.kind == StatementKind.SELLER and statement.seller is not None:
            return {"type": "seller", "id": statement.seller.pk, "name": statement.seller.name}
        if statement.supplier is not None:
            return {"type": "supplier", "id": statement.supplier.pk, "name": statement.supplier.name}
        return {"type": str(statement.kind), "id": None, "name": ""}

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=StatementSide.choices)))
    def get_waiting_for(self, statement: Statement) -> list[str]:
        return sorted(str(side) for side in selectors.waiting_for(statement, statement.totals.all()))

    @extend_schema_field(serializers.ChoiceField(choices=StatementSide.choices, allow_null=True))
    def get_your_side(self, statement: Statement) -> str | None:
        side = permissions.statement_side(self.context["user"], statement)
        return str(side) if side is not None else None


class StatementPaymentSerializer(serializers.ModelSerializer):
    payer = serializers.ChoiceField(choices=StatementSide.choices, read_only=True)
    method = serializers.ChoiceField(choices=PaymentMethod.choices, read_only=True)

    class Meta:
        model = StatementPayment
        fields = ["id", "currency", "amount", "payer", "paid_on", "method", "reference", "created_at"]
        read_only_fields = fields


class StatementEventSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=StatementEventKind.choices, read_only=True)
    side = serializers.CharField(read_only=True, help_text=gettext_lazy("issuer, counterparty, or empty (system)."))
    actor = serializers.SerializerMethodField(help_text=gettext_lazy("Who acted; null when the system did."))
    line_id = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = StatementEvent
        fields = ["id", "kind", "side", "actor", "from_status", "to_status", "line_id", "message", "data", "created_at"]
        read_only_fields = fields
        extra_kwargs = {"data": {"help_text": gettext_lazy("Before and after of an adjusted line.")}}

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_actor(self, event: StatementEvent) -> str | None:
        if event.actor is None:
            return None
        return event.actor.get_full_name() or event.actor.get_username()


class StatementDetailSerializer(StatementSerializer):
    """The context carries the statement's payments and events, read through the selectors."""

    payments = serializers.SerializerMethodField(help_text=gettext_lazy("Oldest first."))
    events = serializers.SerializerMethodField(help_text=gettext_lazy("The timeline, oldest first."))
    lines_url = serializers.SerializerMethodField(help_text=gettext_lazy("The statement's lines, paginated."))
    allowed_actions = serializers.SerializerMethodField(help_text=gettext_lazy("What the caller may do now."))

    class Meta(StatementSerializer.Meta):
        fields = [*StatementSerializer.Meta.fields, "payments", "events", "lines_url", "allowed_actions"]
        read_only_fields = fields

    @extend_schema_field(StatementPaymentSerializer(many=True))
    def get_payments(self, statement: Statement) -> Any:
        return StatementPaymentSerializer(self.context["payments"], many=True).data

    @extend_schema_field(StatementEventSerializer(many=True))
    def get_events(self, statement: Statement) -> Any:
        return StatementEventSerializer(self.context["events"], many=True).data

    def get_lines_url(self, statement: Statement) -> str:
        path = reverse("api:statement-lines", kwargs={"pk": statement.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=StatementAction.choices)))
    def get_allowed_actions(self, statement: Statement) -> list[str]:
        user = self.context["user"]
        return [
            str(action)
            for action in lifecycle.statement_allowed_actions(statement.status)
            if permissions.can_statement(action, user, statement)
        ]


class StatementLineSerializer(serializers.ModelSerializer):
    request_id = serializers.IntegerField(read_only=True, allow_null=True)
    item = serializers.ChoiceField(choices=StatementItem.choices, read_only=True)
    resolution = serializers.CharField(read_only=True, help_text=gettext_lazy("The line's resolution, or empty."))
    paid_by = serializers.CharField(read_only=True, help_text=gettext_lazy("seller or partner; empty for adjustments."))
    bearer = serializers.CharField(read_only=True, help_text=gettext_lazy("Who bears the cost; empty for adjustments."))
    counterparty_share = serializers.DecimalField(**MONEY, read_only=True)
    due = serializers.DecimalField(
        **SIGNED,
        read_only=True,
        help_text=gettext_lazy("Positive: the seller (or source) pays the partner; negative: the partner pays."),
    )
    status = serializers.ChoiceField(choices=StatementLineStatus.choices, read_only=True)
    adjusts_id = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = StatementLine
        fields = [
            "id",
            "position",
            "request_id",
            "request_number",
            "order_number",
            "closed_at",
            "item",
            "resolution",
            "currency",
            "amount",
            "paid_by",
            "bearer",
            "counterparty_share",
            "due",
            "status",
            "dispute_reason",
            "disputed_at",
            "adjusts_id",
            "note",
        ]
        read_only_fields = fields


def statement_body(request: Request, user: User, statement_id: int) -> dict[str, Any]:
    """The detail body, read again through the selectors (after a write too: the answer is what is stored)."""
    statement = selectors.statement_get(user=user, statement_id=statement_id)
    context = {
        "user": user,
        "request": request,
        "payments": list(selectors.statement_payments(statement=statement)),
        "events": list(selectors.statement_events(statement=statement)),
    }
    return StatementDetailSerializer(statement, context=context).data


# --- input ----------------------------------------------------------------------------------------

SIGNED_MONEY_PATTERN = r"^-?(0|[1-9][0-9]{0,9})(\.[0-9]{1,2})?$"


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string", "pattern": SIGNED_MONEY_PATTERN, "example": "-12.50"},
            {"type": "number", "minimum": -MONEY_MAX, "maximum": MONEY_MAX, "multipleOf": 0.01},
        ],
        "description": "A signed amount with at most two decimals, as a string or a number.",
    }
)
class SignedMoneyInputField(serializers.DecimalField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_digits=12, decimal_places=2, **kwargs)

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str):
            if not re.fullmatch(SIGNED_MONEY_PATTERN, data):
                self.fail("invalid")
        elif isinstance(data, bool) or not isinstance(data, int | float) or abs(data) > MONEY_MAX:
            self.fail("invalid")
        return super().to_internal_value(data)


def _id(**kwargs: Any) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


class StatementCreateInputSerializer(JsonInputSerializer):
    """Which counterparty and period: the writer checks there is one of each (422)."""

    seller_id = _id(required=False, help_text=gettext_lazy("The seller of a seller statement."))
    supplier_id = _id(required=False, help_text=gettext_lazy("The source of a source statement (instead)."))
    period_start = serializers.DateField(
        required=False,
        validators=DATE_VALIDATORS,
        help_text=gettext_lazy("With period_end; the next period if both are left out."),
    )
    period_end = serializers.DateField(required=False, validators=DATE_VALIDATORS, help_text=gettext_lazy("Included."))


class DisputeLineInputSerializer(JsonInputSerializer):
    reason = RequiredTextField(help_text=gettext_lazy("Why the line is wrong; also written in the request's thread."))


class AdjustLineInputSerializer(JsonInputSerializer):
    message = RequiredTextField(help_text=gettext_lazy("The answer to the dispute."))
    bearer = serializers.ChoiceField(
        choices=CostBearer.choices, required=False, help_text=gettext_lazy("Who bears it now; unchanged when left out.")
    )
    counterparty_share = MoneyInputField(
        required=False, help_text=gettext_lazy("The seller's (or source's) part, 0 … amount; unchanged when left out.")
    )
    amount = MoneyInputField(
        required=False,
        help_text=gettext_lazy("Must stay the recorded cost: a different amount is an adjustment line (adjustments/)."),
    )


class AdjustmentInputSerializer(JsonInputSerializer):
    due = SignedMoneyInputField(
        help_text=gettext_lazy("Positive: the seller (or source) pays the partner; negative: the partner pays.")
    )
    currency = serializers.ChoiceField(choices=Currency.choices)
    reason = RequiredTextField()
    adjusts_line_id = _id(
        required=False, allow_null=True, help_text=gettext_lazy("The disputed line this adjustment answers.")
    )


class PaymentInputSerializer(JsonInputSerializer):
    amount = PositiveMoneyInputField()
    currency = serializers.ChoiceField(choices=Currency.choices)
    paid_on = serializers.DateField(validators=DATE_VALIDATORS, help_text=gettext_lazy("Not in the future."))
    method = serializers.ChoiceField(choices=PaymentMethod.choices)
    reference = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)


# --- query parameters -----------------------------------------------------------------------------


def _blank_dropped(params: Any) -> dict[str, str]:
    """An empty query parameter (``?status=``) is no filter."""
    return {name: value for name, value in params.items() if value != ""}


class StatementQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=StatementStatus.choices, required=False)
    open = serializers.BooleanField(
        required=False, default=False, help_text=gettext_lazy("true: only statements whose balance is still owed.")
    )
    seller = _id(required=False, help_text=gettext_lazy("A seller's id."))
    partner = _id(required=False, help_text=gettext_lazy("A dropship partner's id."))
    supplier = _id(required=False, help_text=gettext_lazy("A source's id."))
    kind = serializers.ChoiceField(choices=StatementKind.choices, required=False)

    def filters(self) -> selectors.StatementFilter:
        data = self.validated_data
        return selectors.StatementFilter(
            status=data.get("status", ""),
            open_only=data.get("open", False),
            seller_id=data.get("seller"),
            partner_id=data.get("partner"),
            supplier_id=data.get("supplier"),
            kind=data.get("kind", ""),
        )


class LineQuerySerializer(serializers.Serializer):
    disputed = serializers.BooleanField(
        required=False, default=False, help_text=gettext_lazy("true: lines disputed (now or before).")
    )
    resolution = serializers.ChoiceField(choices=Resolution.choices, required=False)
    bearer = serializers.ChoiceField(choices=CostBearer.choices, required=False)
    item = serializers.ChoiceField(choices=StatementItem.choices, required=False)
    request = _id(required=False, help_text=gettext_lazy("Only this reship request's lines."))

    def filters(self) -> selectors.LineFilter:
        data = self.validated_data
        return selectors.LineFilter(
            disputed=data.get("disputed", False),
            resolution=data.get("resolution", ""),
            bearer=data.get("bearer", ""),
            item=data.get("item", ""),
            request_id=data.get("request"),
        )


def _parsed(serializer_class: type[serializers.Serializer], request: Request) -> Any:
    parsed = serializer_class(data=_blank_dropped(request.query_params))
    parsed.is_valid(raise_exception=True)
    return parsed


# --- pagination -----------------------------------------------------------------------------------


class StatementPagination(ReshipCursorPagination):
    page_size = 20
    ordering = ("-period_start", "-id")


class LinePagination(ReshipCursorPagination):
    ordering = ("position", "id")


# --- examples -------------------------------------------------------------------------------------

TOTAL_EXAMPLE = {
    "currency": "CNY",
    "lines_total": "120.50",
    "previous_balance": "0.00",
    "net": "120.50",
    "paid": "0.00",
    "balance": "120.50",
}
STATEMENT_EXAMPLE = {
    "id": 7,
    "number": "ST-2026-03-00007",
    "kind": "seller",
    "status": "issued",
    "partner": {"id": 2, "name": "Hangzhou Dropship Co."},
    "seller": {"id": 3, "name": "Blue Mug Shop"},
    "supplier": None,
    "counterparty": {"type": "seller", "id": 3, "name": "Blue Mug Shop"},
    "period": "monthly",
    "period_start": "2026-03-01",
    "period_end": "2026-03-31",
    "cut_off": "2026-04-01T00:00:00+08:00",
    "version": 1,
    "request_count": 2,
    "line_count": 3,
    "disputed_line_count": 0,
    "issued_at": "2026-04-01T00:05:00+08:00",
    "due_on": "2026-04-16",
    "issuer_confirmed_at": "2026-04-01T00:05:00+08:00",
    "counterparty_confirmed_at": None,
    "confirmed_at": None,
    "settled_at": None,
    "carried_to": None,
    "totals": [TOTAL_EXAMPLE],
    "waiting_for": ["counterparty"],
    "your_side": "counterparty",
}
LINE_EXAMPLE = {
    "id": 31,
    "position": 1,
    "request_id": 5,
    "request_number": "RS-2026-00005",
    "order_number": "TB20260301001",
    "closed_at": "2026-03-20T15:00:00+08:00",
    "item": "goods",
    "resolution": "resend",
    "currency": "CNY",
    "amount": "100.00",
    "paid_by": "partner",
    "bearer": "shared",
    "counterparty_share": "50.00",
    "due": "50.00",
    "status": "disputed",
    "dispute_reason": "We agreed the carrier bears this one.",
    "disputed_at": "2026-04-02T10:00:00+08:00",
    "adjusts_id": None,
    "note": "",
}
PAYMENT_EXAMPLE = {
    "amount": "60.25",
    "currency": "CNY",
    "paid_on": "2026-04-10",
    "method": "bank_transfer",
    "reference": "ICBC 20260410-0031",
}
DISPUTE_EXAMPLE = {"reason": "We agreed the carrier bears this one."}


def _write_schema(summary: str, description: str, request: Any, response: Any, *, creates: bool = False, **kwargs: Any):
    return extend_schema(
        tags=["statements"],
        summary=summary,
        description=description + " Send an `Idempotency-Key` header to retry safely.",
        request=request,
        responses={(201 if creates else 200): response, **error_responses(*WRITE_ERRORS)},
        **kwargs,
    )


# --- views ----------------------------------------------------------------------------------------


class StatementListView(generics.ListAPIView):
    serializer_class = StatementSerializer
    pagination_class = StatementPagination
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no caller
            return Statement.objects.none()
        return selectors.statement_list(
            user=caller(self.request), filters=_parsed(StatementQuerySerializer, self.request).filters()
        )

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "user": caller(self.request)}

    @extend_schema(
        tags=["statements"],
        summary="Statements of the caller's organisation, newest period first",
        description="Each with its totals per currency (never added across currencies) and whose move it waits for.",
        parameters=[StatementQuerySerializer],
        responses={200: StatementSerializer(many=True), **error_responses(400, *READ_ERRORS)},
        examples=[OpenApiExample("An issued statement", value=STATEMENT_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @_write_schema(
        "Draw up a statement",
        "The partner draws up the statement of a seller (seller_id) or a source (supplier_id) for a period that "
        "has ended (period_start and period_end), or the pair's next period when both are left out. A period "
        "that overlaps another statement of the pair is a 422; a pair with no closed requests gets an empty "
        "statement (no lines, totals zero).",
        StatementCreateInputSerializer,
        StatementDetailSerializer,
        creates=True,
        parameters=[IDEMPOTENCY_KEY],
        examples=[
            OpenApiExample(
                "March for a seller",
                value={"seller_id": 3, "period_start": "2026-03-01", "period_end": "2026-03-31"},
                request_only=True,
            )
        ],
    )
    @idempotent
    def post(self, request: Request) -> Response:
        user = caller(request)
        parsed = StatementCreateInputSerializer(data=request.data)
        parsed.is_valid(raise_exception=True)
        partner = organisation_for(user).partner
        if partner is None:
            raise ActionNotPermitted(_("Only a dropship partner draws up statements."))
        data = parsed.validated_data
        statement = writer.statement_draft(
            actor=user,
            partner_id=partner.pk,
            seller_id=data.get("seller_id"),
            supplier_id=data.get("supplier_id"),
            period_start=data.get("period_start"),
            period_end=data.get("period_end"),
        )
        return Response(statement_body(request, user, statement.pk), status=status.HTTP_201_CREATED)


class StatementDetailView(PathIdsMixin, APIView):
    @extend_schema(
        tags=["statements"],
        summary="A statement",
        description="Its header, totals per currency, payments, timeline, what the caller may do now, and the "
        "link to its lines (GET /statements/{id}/lines/).",
        parameters=[STATEMENT_ID],
        responses={200: StatementDetailSerializer, **error_responses(*READ_ERRORS)},
    )
    def get(self, request: Request, pk: str) -> Response:
        return Response(statement_body(request, caller(request), self.kwargs["pk"]))


class StatementLineListView(PathIdsMixin, generics.ListAPIView):
    serializer_class = StatementLineSerializer
    pagination_class = LinePagination
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no caller
            return StatementLine.objects.none()
        statement = selectors.statement_get(user=caller(self.request), statement_id=self.kwargs["pk"])
        return selectors.statement_lines(
            statement=statement, filters=_parsed(LineQuerySerializer, self.request).filters()
        )

    @extend_schema(
        tags=["statements"],
        summary="A statement's lines, grouped by request",
        parameters=[STATEMENT_ID, LineQuerySerializer],
        responses={200: StatementLineSerializer(many=True), **error_responses(400, *READ_ERRORS)},
        examples=[OpenApiExample("A disputed line", value=LINE_EXAMPLE, response_only=True)],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class StatementStepView(PathIdsMixin, APIView):
    """Base of issue, refresh and confirm: an empty body, one writer function, the statement back."""

    def step(self, *, statement_id: int, actor: User) -> None:
        raise NotImplementedError

    @idempotent
    def post(self, request: Request, pk: str) -> Response:
        user = caller(request)
        selectors.statement_get(user=user, statement_id=self.kwargs["pk"])  # 404 before the body is read
        EmptyInputSerializer(data=request.data).is_valid(raise_exception=True)
        self.step(statement_id=self.kwargs["pk"], actor=user)
        return Response(statement_body(request, user, self.kwargs["pk"]))


class StatementIssueView(StatementStepView):
    @_write_schema(
        "Issue a draft statement",
        "The partner issues its draft: lines recalculated and frozen, open balances of the pair's confirmed "
        "statements carried in, the seller told.",
        EmptyInputSerializer,
        StatementDetailSerializer,
        parameters=[STATEMENT_ID, IDEMPOTENCY_KEY],
    )
    def post(self, request: Request, pk: str) -> Response:
        return super().post(request, pk)

    def step(self, *, statement_id: int, actor: User) -> None:
        writer.statement_issue(statement_id=statement_id, actor=actor)


class StatementRefreshView(StatementStepView):
    @_write_schema(
        "Recalculate a draft statement",
        "The partner recalculates its draft's lines (requests closed or changed since it was drawn up).",
        EmptyInputSerializer,
        StatementDetailSerializer,
        parameters=[STATEMENT_ID, IDEMPOTENCY_KEY],
    )
    def post(self, request: Request, pk: str) -> Response:
        return super().post(request, pk)

    def step(self, *, statement_id: int, actor: User) -> None:
        writer.statement_refresh(statement_id=statement_id, actor=actor)


class StatementConfirmView(StatementStepView):
    @_write_schema(
        "Confirm a statement",
        "A side confirms the statement as it stands (no line disputed). Both confirmed: confirmed (settled at "
        "once when nothing is owed).",
        EmptyInputSerializer,
        StatementDetailSerializer,
        parameters=[STATEMENT_ID, IDEMPOTENCY_KEY],
    )
    def post(self, request: Request, pk: str) -> Response:
        return super().post(request, pk)

    def step(self, *, statement_id: int, actor: User) -> None:
        writer.statement_confirm(statement_id=statement_id, actor=actor)


class StatementLineDisputeView(PathIdsMixin, APIView):
    @_write_schema(
        "Dispute a statement line",
        "The seller disputes one line with a reason, also written in the request's thread; the statement "
        "becomes disputed and the partner is told.",
        DisputeLineInputSerializer,
        StatementLineSerializer,
        parameters=[STATEMENT_ID, LINE_ID, IDEMPOTENCY_KEY],
        examples=[
            OpenApiExample("Wrong bearer", value=DISPUTE_EXAMPLE, request_only=True),
            OpenApiExample("The disputed line", value=LINE_EXAMPLE, response_only=True, status_codes=["200"]),
            OpenApiExample(
                "The partner may not dispute",
                value={
                    "code": "permission_denied",
                    "message": "Only the seller disputes a line of this statement.",
                    "field_errors": {},
                },
                response_only=True,
                status_codes=["403"],
            ),
        ],
    )
    @idempotent
    def post(self, request: Request, pk: str, line_id: str) -> Response:
        user = caller(request)
        selectors.statement_get(user=user, statement_id=self.kwargs["pk"])
        parsed = DisputeLineInputSerializer(data=request.data)
        parsed.is_valid(raise_exception=True)
        line = writer.statement_dispute_line(
            statement_id=self.kwargs["pk"],
            line_id=self.kwargs["line_id"],
            actor=user,
            reason=parsed.validated_data["reason"],
        )
        return Response(StatementLineSerializer(line).data)


class StatementLineAdjustView(PathIdsMixin, APIView):
    @_write_schema(
        "Answer a disputed line",
        "The partner answers a disputed line with a message: who bears it (bearer) or the seller's share "
        "(counterparty_share), or keeps it. The amount stays the request's recorded cost; a different amount is "
        "an adjustment line (POST /statements/{id}/adjustments/). Once no line is disputed, the statement is "
        "adjusted and both sides confirm again.",
        AdjustLineInputSerializer,
        StatementLineSerializer,
        parameters=[STATEMENT_ID, LINE_ID, IDEMPOTENCY_KEY],
        examples=[
            OpenApiExample(
                "The carrier bears it",
                value={"message": "Agreed: we claim it from the carrier.", "bearer": "carrier"},
                request_only=True,
            )
        ],
    )
    @idempotent
    def post(self, request: Request, pk: str, line_id: str) -> Response:
        user = caller(request)
        selectors.statement_get(user=user, statement_id=self.kwargs["pk"])
        parsed = AdjustLineInputSerializer(data=request.data)
        parsed.is_valid(raise_exception=True)
        data = parsed.validated_data
        line = writer.statement_adjust_line(
            statement_id=self.kwargs["pk"],
            line_id=self.kwargs["line_id"],
            actor=user,
            message=data["message"],
            bearer=data.get("bearer"),
            counterparty_share=data.get("counterparty_share"),
            amount=data.get("amount"),
        )
        return Response(StatementLineSerializer(line).data)


class StatementAdjustmentView(PathIdsMixin, APIView):
    @_write_schema(
        "Add an adjustment line",
        "The partner adds an adjustment line (a signed amount due, a currency of the statement, a reason) while "
        "the statement is disputed; the only way an amount may differ from the recorded costs. adjusts_line_id "
        "names the disputed line it answers, which is then adjusted.",
        AdjustmentInputSerializer,
        StatementLineSerializer,
        creates=True,
        parameters=[STATEMENT_ID, IDEMPOTENCY_KEY],
        examples=[
            OpenApiExample(
                "A goodwill credit",
                value={
                    "due": "-20.00",
                    "currency": "CNY",
                    "reason": "Goodwill for the late parcel.",
                    "adjusts_line_id": 31,
                },
                request_only=True,
            )
        ],
    )
    @idempotent
    def post(self, request: Request, pk: str) -> Response:
        user = caller(request)
        selectors.statement_get(user=user, statement_id=self.kwargs["pk"])
        parsed = AdjustmentInputSerializer(data=request.data)
        parsed.is_valid(raise_exception=True)
        data = parsed.validated_data
        line = writer.statement_add_adjustment(
            statement_id=self.kwargs["pk"],
            actor=user,
            due=data["due"],
            currency=data["currency"],
            reason=data["reason"],
            adjusts_line_id=data.get("adjusts_line_id"),
        )
        return Response(StatementLineSerializer(line).data, status=status.HTTP_201_CREATED)


class StatementPaymentView(PathIdsMixin, APIView):
    @_write_schema(
        "Record a payment",
        "Either side records a payment of a confirmed statement's balance in one currency: no more than the "
        "balance, not in the future. Partly paid until every currency's balance is zero, then settled.",
        PaymentInputSerializer,
        StatementPaymentSerializer,
        creates=True,
        parameters=[STATEMENT_ID, IDEMPOTENCY_KEY],
        examples=[
            OpenApiExample("Half by bank transfer", value=PAYMENT_EXAMPLE, request_only=True),
            OpenApiExample(
                "The payment",
                value={"id": 4, "payer": "counterparty", "created_at": "2026-04-10T09:00:00+08:00", **PAYMENT_EXAMPLE},
                response_only=True,
                status_codes=["201"],
            ),
            OpenApiExample(
                "More than the balance",
                value={
                    "code": "invalid",
                    "message": "The balance in CNY is 60.25; a payment cannot be larger.",
                    "field_errors": {"amount": ["At most 60.25."]},
                },
                response_only=True,
                status_codes=["422"],
            ),
        ],
    )
    @idempotent
    def post(self, request: Request, pk: str) -> Response:
        user = caller(request)
        selectors.statement_get(user=user, statement_id=self.kwargs["pk"])
        parsed = PaymentInputSerializer(data=request.data)
        parsed.is_valid(raise_exception=True)
        data = parsed.validated_data
        payment = writer.statement_record_payment(
            statement_id=self.kwargs["pk"],
            actor=user,
            amount=data["amount"],
            currency=data["currency"],
            paid_on=data["paid_on"],
            method=data["method"],
            reference=data["reference"],
        )
        return Response(StatementPaymentSerializer(payment).data, status=status.HTTP_201_CREATED)
