"""Settlement (对账结算): statements between a partner and a seller (or a source) per period, their
lines, totals per currency, payments and timeline, and each pair's terms.

Fields, constraints and indexes only. Every write goes through ``reship.settlement.statements``;
the lifecycle's moves are data in ``reship.lifecycle`` (``STATEMENT_TRANSITIONS``).

Signs: a line's ``due`` and a total's figures are signed from the statement's point of view —
positive when the counterparty (the seller, or the source) pays the issuer (the partner), negative
when the partner pays. Money is never added across currencies: one total row per currency.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reship.choices import (
    CostBearer,
    CostPayer,
    PaymentMethod,
    Resolution,
    SettlementPeriod,
    StatementEventKind,
    StatementItem,
    StatementKind,
    StatementLineStatus,
    StatementSide,
    StatementStatus,
)
from reship.models.requests import MONEY, AppendOnlyError, MoneyDigits

# Signed sums of many lines: room for a large pair's year.
SIGNED_MONEY: MoneyDigits = {"max_digits": 14, "decimal_places": 2}


class SettlementTerms(models.Model):
    """How one pair settles: the partner sets it per seller (or per source) in its settings. A pair
    without a row settles on the defaults (monthly, shared costs half each, issued automatically,
    payable within 15 days)."""

    partner = models.ForeignKey(
        "suppliers.DropshipPartner",
        on_delete=models.CASCADE,
        related_name="settlement_terms",
        verbose_name=_("dropship partner"),
    )
    seller = models.ForeignKey(
        "orders.Seller",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="settlement_terms",
        verbose_name=_("seller"),
    )
    supplier = models.ForeignKey(
        "suppliers.Supplier",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="settlement_terms",
        verbose_name=_("source"),
    )
    period = models.CharField(
        _("statement period"), max_length=20, choices=SettlementPeriod.choices, default=SettlementPeriod.MONTHLY
    )
    shared_seller_percent = models.PositiveSmallIntegerField(
        _("seller's share of shared costs (%)"),
        default=50,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("When a cost is borne by both (shared), the seller bears this part and the partner the rest."),
    )
    auto_issue = models.BooleanField(
        _("issue automatically at period end"),
        default=True,
        help_text=_("Otherwise the statement waits as a draft for the partner to issue it."),
    )
    payment_days = models.PositiveSmallIntegerField(
        _("payable within (days)"), default=15, validators=[MaxValueValidator(365)]
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("settlement terms")
        verbose_name_plural = _("settlement terms")
        ordering = ["partner", "seller", "supplier"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(seller__isnull=False) & Q(supplier__isnull=True))
                | (Q(seller__isnull=True) & Q(supplier__isnull=False)),
                name="settlement_terms_one_counterparty",
            ),
            models.UniqueConstraint(
                fields=["partner", "seller"], condition=Q(seller__isnull=False), name="settlement_terms_seller_once"
            ),
            models.UniqueConstraint(
                fields=["partner", "supplier"],
                condition=Q(supplier__isnull=False),
                name="settlement_terms_supplier_once",
            ),
            models.CheckConstraint(
                condition=Q(shared_seller_percent__lte=100), name="settlement_terms_percent_at_most_100"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner_id} ↔ {self.seller_id or self.supplier_id}: {self.get_period_display()}"


class Statement(models.Model):
    """One period's statement (对账单) between the partner (its issuer) and a seller or a source."""

    number = models.CharField(_("number"), max_length=30, unique=True)
    kind = models.CharField(_("between"), max_length=20, choices=StatementKind.choices, default=StatementKind.SELLER)
    partner = models.ForeignKey(
        "suppliers.DropshipPartner",
        on_delete=models.PROTECT,
        related_name="statements",
        verbose_name=_("dropship partner"),
    )
    seller = models.ForeignKey(
        "orders.Seller",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="statements",
        verbose_name=_("seller"),
    )
    supplier = models.ForeignKey(
        "suppliers.Supplier",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="statements",
        verbose_name=_("source"),
    )
    period = models.CharField(
        _("statement period"), max_length=20, choices=SettlementPeriod.choices, default=SettlementPeriod.MONTHLY
    )
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"), help_text=_("The last day of the period, included."))
    # Requests closed before this moment (the day after period_end, 00:00 in TIME_ZONE) and not on an
    # earlier statement of the pair are this statement's; later ones go into the next period.
    cut_off = models.DateTimeField(_("cut-off"))
    status = models.CharField(
        _("status"), max_length=20, choices=StatementStatus.choices, default=StatementStatus.DRAFT
    )
    # Bumped by each adjustment round, so a confirmation answers one version.
    version = models.PositiveIntegerField(_("version"), default=1)
    request_count = models.PositiveIntegerField(_("requests"), default=0)
    line_count = models.PositiveIntegerField(_("lines"), default=0)
    disputed_line_count = models.PositiveIntegerField(
        _("lines disputed"), default=0, help_text=_("Lines disputed at any time, adjusted or not.")
    )
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("issued by"),
        help_text=_("Empty when it was issued automatically at period end."),
    )
    due_on = models.DateField(_("payable by"), null=True, blank=True)
    issuer_confirmed_at = models.DateTimeField(_("confirmed by the issuer at"), null=True, blank=True)
    issuer_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    counterparty_confirmed_at = models.DateTimeField(_("confirmed by the counterparty at"), null=True, blank=True)
    counterparty_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("confirmed by both at"), null=True, blank=True)
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True)
    carried_to = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="carried_from",
        verbose_name=_("balance carried to"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("statement")
        verbose_name_plural = _("statements")
        ordering = ["-period_start", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind=StatementKind.SELLER) & Q(seller__isnull=False) & Q(supplier__isnull=True))
                | (Q(kind=StatementKind.SUPPLIER) & Q(seller__isnull=True) & Q(supplier__isnull=False)),
                name="statement_one_counterparty",
            ),
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")), name="statement_period"),
            models.UniqueConstraint(
                fields=["partner", "seller", "period_start"],
                condition=Q(kind=StatementKind.SELLER),
                name="statement_seller_period_once",
            ),
            models.UniqueConstraint(
                fields=["partner", "supplier", "period_start"],
                condition=Q(kind=StatementKind.SUPPLIER),
                name="statement_supplier_period_once",
            ),
        ]
        indexes = [
            # Each side's list, newest period first, and its open ones by state.
            models.Index(fields=["partner", "-period_start", "-id"], name="statement_partner_recent"),
            models.Index(fields=["seller", "-period_start", "-id"], name="statement_seller_recent"),
            models.Index(fields=["partner", "status"], name="statement_partner_status"),
            models.Index(fields=["seller", "status"], name="statement_seller_status"),
        ]

    def __str__(self) -> str:
        return self.number


class StatementLine(models.Model):
    """One cost item of a closed request (goods, shipping, one compensation), or an adjustment."""

    statement = models.ForeignKey(
        Statement, on_delete=models.CASCADE, related_name="lines", verbose_name=_("statement")
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    request = models.ForeignKey(
        "reship.ReshipRequest",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="statement_lines",
        verbose_name=_("reship request"),
    )
    reship_line = models.ForeignKey(
        "reship.ReshipLine",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="statement_lines",
        verbose_name=_("request line"),
        help_text=_("The compensated line, for a compensation."),
    )
    # Copied from the request when the line is drawn up: the statement reads as it was sent.
    request_number = models.CharField(_("request number"), max_length=20, blank=True)
    order_number = models.CharField(_("order number"), max_length=64, blank=True)
    closed_at = models.DateTimeField(_("request closed at"), null=True, blank=True)
    item = models.CharField(_("item"), max_length=20, choices=StatementItem.choices)
    resolution = models.CharField(_("resolution"), max_length=20, choices=Resolution.choices, blank=True)
    currency = models.CharField(_("currency"), max_length=3)
    amount = models.DecimalField(_("amount"), **MONEY)
    paid_by = models.CharField(_("paid by"), max_length=20, choices=CostPayer.choices, blank=True)
    bearer = models.CharField(_("borne by"), max_length=20, choices=CostBearer.choices, blank=True)
    counterparty_share = models.DecimalField(
        _("counterparty's share"),
        **MONEY,
        default=0,
        help_text=_("The part of the amount the seller (or source) bears."),
    )
    due = models.DecimalField(
        _("amount due"),
        **SIGNED_MONEY,
        help_text=_("Positive: the seller (or source) pays the partner; negative: the partner pays."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=StatementLineStatus.choices, default=StatementLineStatus.OPEN
    )
    dispute_reason = models.TextField(_("dispute reason"), blank=True)
    disputed_at = models.DateTimeField(_("disputed at"), null=True, blank=True)
    disputed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    adjusts = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="adjustments",
        verbose_name=_("adjusts"),
        help_text=_("For an adjustment line: the line (on this or an earlier statement) it corrects."),
    )
    note = models.TextField(_("note"), blank=True, help_text=_("Why: required on an adjustment line."))

    class Meta:
        verbose_name = _("statement line")
        verbose_name_plural = _("statement lines")
        ordering = ["statement", "position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="statement_line_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(counterparty_share__gte=0) & Q(counterparty_share__lte=models.F("amount")),
                name="statement_line_share_within_amount",
            ),
            models.CheckConstraint(
                condition=~Q(item=StatementItem.ADJUSTMENT) | ~Q(note=""), name="statement_adjustment_has_reason"
            ),
        ]
        indexes = [
            models.Index(fields=["statement", "position", "id"], name="statement_line_order"),
            models.Index(fields=["statement", "status"], name="statement_line_status"),
        ]

    def __str__(self) -> str:
        return f"{self.statement_id} · {self.request_number} {self.get_item_display()}"


class StatementTotal(models.Model):
    """One currency's figures on a statement, kept by the statement module as lines and payments
    change (lists read balances without adding lines up)."""

    statement = models.ForeignKey(
        Statement, on_delete=models.CASCADE, related_name="totals", verbose_name=_("statement")
    )
    currency = models.CharField(_("currency"), max_length=3)
    lines_total = models.DecimalField(_("this period"), **SIGNED_MONEY, default=0)
    previous_balance = models.DecimalField(_("previous balance carried forward"), **SIGNED_MONEY, default=0)
    net = models.DecimalField(_("net payable"), **SIGNED_MONEY, default=0)
    paid = models.DecimalField(_("paid"), **SIGNED_MONEY, default=0)

    class Meta:
        verbose_name = _("statement total")
        verbose_name_plural = _("statement totals")
        ordering = ["statement", "currency"]
        constraints = [
            models.UniqueConstraint(fields=["statement", "currency"], name="statement_total_once_per_currency")
        ]

    def __str__(self) -> str:
        return f"{self.statement_id} {self.currency} {self.net}"

    @property
    def balance(self):
        return self.net - self.paid


class StatementPayment(models.Model):
    """A payment against a statement's balance in one currency; parts until the balance is zero."""

    statement = models.ForeignKey(
        Statement, on_delete=models.PROTECT, related_name="payments", verbose_name=_("statement")
    )
    currency = models.CharField(_("currency"), max_length=3)
    amount = models.DecimalField(_("amount"), **MONEY)
    payer = models.CharField(_("paid by"), max_length=20, choices=StatementSide.choices)
    paid_on = models.DateField(_("paid on"))
    method = models.CharField(_("method"), max_length=20, choices=PaymentMethod.choices)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("statement payment")
        verbose_name_plural = _("statement payments")
        ordering = ["statement", "paid_on", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="statement_payment_positive")]

    def __str__(self) -> str:
        return f"{self.statement_id} {self.currency} {self.amount}"


class StatementEvent(models.Model):
    """One entry of a statement's timeline: who did what, from which status to which, with the
    before/after of an adjusted line. Never edited."""

    statement = models.ForeignKey(
        Statement, on_delete=models.CASCADE, related_name="events", verbose_name=_("statement")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
        help_text=_("Empty when the system acted (issued at period end)."),
    )
    side = models.CharField(_("side"), max_length=20, choices=StatementSide.choices, blank=True)
    kind = models.CharField(_("kind"), max_length=30, choices=StatementEventKind.choices)
    from_status = models.CharField(_("from status"), max_length=20, choices=StatementStatus.choices, blank=True)
    to_status = models.CharField(_("to status"), max_length=20, choices=StatementStatus.choices, blank=True)
    line = models.ForeignKey(
        StatementLine, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("line")
    )
    message = models.TextField(_("message"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("statement event")
        verbose_name_plural = _("statement events")
        ordering = ["statement", "created_at", "id"]
        indexes = [models.Index(fields=["statement", "created_at", "id"], name="statement_event_timeline")]

    def __str__(self) -> str:
        return f"{self.statement_id} {self.get_kind_display()}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not self._state.adding:
            raise AppendOnlyError("Statement events are append-only; write a new event instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Statement events are append-only and cannot be deleted.")
