"""``/api/v1/statements/``: settlement statements (对账单) for the partner's and the seller's systems.

Reads go through ``reship.selectors.statements`` (scoped to the caller's organisation: another
organisation's statement, a seller's draft, the other side's statement of another pair are a 404);
every POST calls one function of ``reship.settlement.statements``, the only writer, which checks the
caller's side (403), the status (409) and the input's rules (422). Here the body is parsed against
its schema (400) and the answer rendered — no rule of its own. Every POST honours ``Idempotency-Key``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from reship.accounts.roles import organisation_for
from reship.api.auth import caller
from reship.api.idempotency import idempotent
from reship.api.mixins import PathIdsMixin
from reship.api.schema import IDEMPOTENCY_KEY, READ_ERRORS, WRITE_ERRORS, error_responses, path_parameter
from reship.api.serializers import (
    EmptyInputSerializer,
)
from reship.api.statement_serializers import (
    AdjustLineInputSerializer,
    AdjustmentInputSerializer,
    DisputeLineInputSerializer,
    LinePagination,
    LineQuerySerializer,
    PaymentInputSerializer,
    StatementCreateInputSerializer,
    StatementDetailSerializer,
    StatementLineSerializer,
    StatementPagination,
    StatementPaymentSerializer,
    StatementQuerySerializer,
    StatementSerializer,
    query_parsed,
    statement_body,
)
from reship.core.errors import ActionNotPermitted
from reship.models import Statement, StatementLine
from reship.selectors import statements as selectors
from reship.settlement import statements as writer

if TYPE_CHECKING:
    from reship.accounts.models import User

STATEMENT_ID = path_parameter("id", "The statement's id.")
LINE_ID = path_parameter("line_id", "The statement line's id.")

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
            user=caller(self.request), filters=query_parsed(StatementQuerySerializer, self.request).filters()
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
            statement=statement, filters=query_parsed(LineQuerySerializer, self.request).filters()
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
