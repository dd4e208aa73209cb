"""Admin for settlement (对账结算): statements shown read-only with their lines, totals, payments and
timeline (a statement changes only through ``reship.settlement.statements``, which checks the side,
the status and the money, and tells the other side), and each pair's settlement terms, which the
platform staff may keep for a partner."""

from django.contrib import admin
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from reship.admin.base import ReadOnlyInline, ViewOnlyAdmin, field_names
from reship.core.charts import format_money
from reship.models import (
    SettlementTerms,
    Statement,
    StatementEvent,
    StatementLine,
    StatementPayment,
    StatementTotal,
)


class StatementLineInline(ReadOnlyInline):
    model = StatementLine
    fields = readonly_fields = (
        "position",
        "request_number",
        "order_number",
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
        "adjusts",
        "note",
    )
    fk_name = "statement"
    verbose_name = _("line")
    verbose_name_plural = _("lines")

    def get_queryset(self, request):
        # The adjusted line is shown by its own text (its statement's number).
        return super().get_queryset(request).select_related("adjusts__statement")


class StatementTotalInline(ReadOnlyInline):
    model = StatementTotal
    fields = readonly_fields = ("currency", "lines_total", "previous_balance", "net", "paid", "balance_shown")

    @admin.display(description=_("balance"))
    def balance_shown(self, total: StatementTotal) -> str:
        return format_money(total.balance, total.currency)


class StatementPaymentInline(ReadOnlyInline):
    model = StatementPayment
    fields = readonly_fields = (
        "paid_on",
        "currency",
        "amount",
        "payer",
        "method",
        "reference",
        "recorded_by",
        "created_at",
    )


class StatementEventInline(ReadOnlyInline):
    model = StatementEvent
    fields = readonly_fields = (
        "created_at",
        "kind",
        "actor",
        "side",
        "from_status",
        "to_status",
        "line",
        "message",
        "data",
    )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("line__statement")


@admin.register(Statement)
class StatementAdmin(ViewOnlyAdmin):
    """Statements as they stand: searched, filtered and read, never added, changed or deleted here."""

    list_display = ["number", "partner", "counterparty", "period_shown", "status", "balances", "issued_at"]
    list_filter = [
        "status",
        "kind",
        ("partner", admin.RelatedOnlyFieldListFilter),
        ("seller", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["number", "partner__name", "seller__name", "supplier__name"]
    list_select_related = ["partner", "seller", "supplier"]
    date_hierarchy = "period_start"
    fields = field_names(Statement)
    readonly_fields = fields
    inlines = [StatementTotalInline, StatementLineInline, StatementPaymentInline, StatementEventInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Statement]:
        totals = Prefetch("totals", queryset=StatementTotal.objects.order_by("currency"))
        return super().get_queryset(request).prefetch_related(totals)

    @admin.display(description=_("counterparty"))
    def counterparty(self, statement: Statement) -> str:
        party = statement.seller or statement.supplier
        return party.name if party is not None else "—"

    @admin.display(description=_("period"), ordering="period_start")
    def period_shown(self, statement: Statement) -> str:
        return f"{statement.period_start:%Y-%m-%d} – {statement.period_end:%Y-%m-%d}"

    @admin.display(description=_("balances"))
    def balances(self, statement: Statement) -> str:
        """Net − paid per currency (positive: the seller or source owes the partner)."""
        shown = [format_money(total.balance, total.currency) for total in statement.totals.all()]
        return " · ".join(shown) or gettext("none")


@admin.register(SettlementTerms)
class SettlementTermsAdmin(admin.ModelAdmin):
    """How a pair settles; partners keep their own in their settings, the platform staff may help.
    A change applies from the pair's next statement."""

    list_display = ["partner", "counterparty", "period", "shared_seller_percent", "auto_issue", "payment_days"]
    list_filter = ["period", "auto_issue", ("partner", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["partner__name", "seller__name", "supplier__name"]
    list_select_related = ["partner", "seller", "supplier"]
    autocomplete_fields = ["partner", "seller", "supplier"]
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["partner", "seller", "supplier"]}),
        (_("Terms"), {"fields": ["period", "shared_seller_percent", "auto_issue", "payment_days"]}),
        (None, {"fields": ["created_at", "updated_at"]}),
    ]

    @admin.display(description=_("counterparty"))
    def counterparty(self, terms: SettlementTerms) -> str:
        party = terms.seller or terms.supplier
        return party.name if party is not None else "—"
