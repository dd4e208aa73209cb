"""The statements API's serializers: what a statement, its lines, totals, payments and timeline look
like (output), what each POST takes (input), the list's and the lines' query parameters and pagination.
The views are in ``reship.api.statements``."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from django.urls import reverse
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request

from orders.choices import Currency
from reship import permissions
from reship.api.pagination import ReshipCursorPagination
from reship.api.serializers import (
    MONEY,
    MONEY_MAX,
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
from reship.models import Statement, StatementEvent, StatementLine, StatementPayment, StatementTotal
from reship.selectors import statements as selectors
from reship.settlement import statements as writer

if TYPE_CHECKING:
    from reship.accounts.models import User

SIGNED: MoneyDigits = {"max_digits": 14, "decimal_places": 2}

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
    from_status = serializers.ChoiceField(
        choices=StatementStatus.choices,
        allow_blank=True,
        read_only=True,
        help_text=gettext_lazy("The status before; empty for the step that drew the statement up."),
    )
    to_status = serializers.ChoiceField(
        choices=StatementStatus.choices,
        allow_blank=True,
        read_only=True,
        help_text=gettext_lazy("The status after; empty when the step did not change it."),
    )

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
        side = permissions.statement_side(self.context["user"], statement)
        return [str(action) for action in writer.actions_for(statement, side)]


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


def query_parsed(serializer_class: type[serializers.Serializer], request: Request) -> Any:
    parsed = serializer_class(data=_blank_dropped(request.query_params))
    parsed.is_valid(raise_exception=True)
    return parsed


# --- pagination -----------------------------------------------------------------------------------


class StatementPagination(ReshipCursorPagination):
    page_size = 20
    ordering = ("-period_start", "-id")


class LinePagination(ReshipCursorPagination):
    ordering = ("position", "id")
