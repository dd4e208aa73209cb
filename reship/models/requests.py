"""Reship requests (补单), their lines, restock orders, messages, evidence, the append-only event
log, contact records and survey answers.

Fields, constraints and indexes only: status changes live in ``reship.workflow``.
"""

from typing import TypedDict

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orders.choices import Currency
from orders.ship_to import ShipTo
from reship.choices import (
    AuthorRole,
    CompensationMethod,
    CostBearer,
    CostPayer,
    Counterpart,
    Direction,
    EventKind,
    LineStatus,
    QuoteStatus,
    Reason,
    RequestSource,
    RequestStatus,
    Resolution,
    RestockStatus,
    RevealChannel,
)
from suppliers.choices import Channel


class MoneyDigits(TypedDict):
    max_digits: int
    decimal_places: int


MONEY: MoneyDigits = {"max_digits": 12, "decimal_places": 2}


class ReshipRequest(ShipTo):
    """A seller's request that a dropship partner restock, resend or compensate part of one order."""

    number = models.CharField(_("number"), max_length=20, unique=True, editable=False)
    order = models.ForeignKey(
        "orders.Order", on_delete=models.PROTECT, related_name="reship_requests", verbose_name=_("order")
    )
    # Kept on the row (equal to the order's) so every tenancy filter and queue needs no join.
    seller = models.ForeignKey(
        "orders.Seller", on_delete=models.PROTECT, related_name="reship_requests", verbose_name=_("seller")
    )
    partner = models.ForeignKey(
        "suppliers.DropshipPartner",
        on_delete=models.PROTECT,
        related_name="reship_requests",
        verbose_name=_("dropship partner"),
    )
    reason = models.CharField(_("reason"), max_length=30, choices=Reason.choices)
    description = models.TextField(_("description"), blank=True)
    # Who filed it: the seller, or the customer on the shop's after-sale page (售后自助), which the
    # seller confirms (``submitted_at``: from then on it is the partner's), edits or declines.
    source = models.CharField(_("filed by"), max_length=20, choices=RequestSource.choices, default=RequestSource.SELLER)
    reported_at = models.DateTimeField(_("reported by the customer at"), null=True, blank=True)
    auto_confirmed = models.BooleanField(
        _("confirmed automatically"), default=False, help_text=_("A shop rule confirmed the customer's report.")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=RequestStatus.choices, default=RequestStatus.SUBMITTED
    )
    stage_due_at = models.DateTimeField(
        _("current stage due at"), null=True, blank=True, help_text=_("When the party who owes the next step is late.")
    )
    quote_goods = models.DecimalField(_("quoted goods cost"), **MONEY, null=True, blank=True)
    quote_shipping = models.DecimalField(_("quoted shipping cost"), **MONEY, null=True, blank=True)
    quote_compensation = models.DecimalField(_("quoted compensation"), **MONEY, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices, default=Currency.CNY)
    cost_bearer = models.CharField(_("cost borne by"), max_length=20, choices=CostBearer.choices, blank=True)
    quote_status = models.CharField(
        _("quote status"), max_length=20, choices=QuoteStatus.choices, default=QuoteStatus.NONE
    )
    promised_date = models.DateField(_("promised date"), null=True, blank=True)
    decision_note = models.TextField(_("review note"), blank=True, help_text=_("The reason given on rejection."))
    # Timeliness (时效性): the current stage's start, due time, escalation time, and whether the
    # reminder and the escalation went out (once each per stage: no reminder storms).
    stage_started_at = models.DateTimeField(_("current stage started at"), null=True, blank=True)
    stage_escalate_at = models.DateTimeField(_("current stage escalates at"), null=True, blank=True)
    stage_reminded_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True)
    stage_escalated_at = models.DateTimeField(_("escalation sent at"), null=True, blank=True)
    # Milestones, kept on the row so the evaluation aggregates need no event scans.
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("every line resolved at"), null=True, blank=True)
    # The seller's evaluation at close (合作关系 / 品牌形象).
    rating_speed = models.PositiveSmallIntegerField(_("rating: speed"), null=True, blank=True)
    rating_quality = models.PositiveSmallIntegerField(_("rating: quality"), null=True, blank=True)
    rating_cooperation = models.PositiveSmallIntegerField(_("rating: cooperation"), null=True, blank=True)
    platform_dispute = models.BooleanField(_("customer opened a platform dispute"), default=False)
    bad_review = models.BooleanField(_("customer left a bad review"), default=False)
    close_note = models.TextField(_("closing note"), blank=True)
    follow_up_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="follow_ups",
        verbose_name=_("follow-up of"),
        help_text=_("The closed request whose replacement also failed."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # The customer's satisfaction survey waits for the goods: due after delivery (or shipping, when
    # no delivery is heard of) plus the seller's delay; sent once (reship.workflow.delivery).
    survey_due_at = models.DateTimeField(_("survey scheduled for"), null=True, blank=True)
    survey_sent_at = models.DateTimeField(_("survey sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("reship request")
        verbose_name_plural = _("reship requests")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(quote_goods__isnull=True) | Q(quote_goods__gte=0))
                & (Q(quote_shipping__isnull=True) | Q(quote_shipping__gte=0))
                & (Q(quote_compensation__isnull=True) | Q(quote_compensation__gte=0)),
                name="request_quote_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(status__in=[RequestStatus.CLOSED]) | Q(closed_at__isnull=True),
                name="request_closed_at_only_when_closed",
            ),
            models.CheckConstraint(
                condition=(Q(rating_speed__isnull=True) | Q(rating_speed__range=(1, 5)))
                & (Q(rating_quality__isnull=True) | Q(rating_quality__range=(1, 5)))
                & (Q(rating_cooperation__isnull=True) | Q(rating_cooperation__range=(1, 5))),
                name="request_ratings_one_to_five",
            ),
        ]
        indexes = [
            # Queues: a party's open requests by stage, overdue (earliest due) first.
            models.Index(fields=["partner", "status", "stage_due_at"], name="request_partner_queue"),
            models.Index(fields=["seller", "status", "stage_due_at"], name="request_seller_queue"),
            # Lists, newest first, with a unique tie-breaker for cursor pagination.
            models.Index(fields=["seller", "-created_at", "-id"], name="request_seller_recent"),
            models.Index(fields=["partner", "-created_at", "-id"], name="request_partner_recent"),
            # The SLA sweeper: every open request by due time.
            models.Index(fields=["status", "stage_due_at"], name="request_status_due"),
            # Evaluation periods are by submission time, per seller, per partner and platform-wide.
            models.Index(fields=["seller", "submitted_at"], name="request_seller_submitted"),
            models.Index(fields=["partner", "submitted_at"], name="request_partner_submitted"),
            models.Index(fields=["submitted_at"], name="request_submitted"),
            # The SLA sweeper's two questions: who is due a reminder, who an escalation.
            models.Index(
                fields=["stage_due_at"], condition=Q(stage_reminded_at__isnull=True), name="request_reminder_due"
            ),
            models.Index(
                fields=["stage_escalate_at"],
                condition=Q(stage_escalated_at__isnull=True),
                name="request_escalation_due",
            ),
            # The survey sender's question: whose survey is due and not sent yet.
            models.Index(fields=["survey_due_at"], condition=Q(survey_sent_at__isnull=True), name="request_survey_due"),
            # The evaluation rollups' catch-up: the requests changed since it last ran.
            models.Index(fields=["updated_at"], name="request_updated"),
            # Customers' own reports per shop over time (the evaluation's self-service figures).
            models.Index(
                fields=["seller", "reported_at"], condition=Q(reported_at__isnull=False), name="request_seller_reported"
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def quote_total(self):
        parts = [self.quote_goods, self.quote_shipping, self.quote_compensation]
        return None if all(part is None for part in parts) else sum(part or 0 for part in parts)


# A line is the partner's to ship from approval until it is shipped (or compensated, or cancelled):
# the rule of the ship-to window (reship.permissions) and the condition of the index that finds
# such lines, so it lives beside the model the index is on.
LINE_TO_SHIP_RESOLUTIONS = (Resolution.RESEND, Resolution.RESTOCK_RESEND)
LINE_TO_SHIP_STATUSES = (LineStatus.PENDING, LineStatus.RESTOCKING, LineStatus.RESTOCKED)
LINE_TO_SHIP = Q(resolution__in=list(LINE_TO_SHIP_RESOLUTIONS), status__in=list(LINE_TO_SHIP_STATUSES))


class ReshipLine(models.Model):
    """One order line's part of a request: a quantity, a reason and how it is resolved."""

    request = models.ForeignKey(
        ReshipRequest, on_delete=models.CASCADE, related_name="lines", verbose_name=_("reship request")
    )
    order_line = models.ForeignKey(
        "orders.OrderLine", on_delete=models.PROTECT, related_name="reship_lines", verbose_name=_("order line")
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    reason = models.CharField(_("reason"), max_length=30, choices=Reason.choices)
    resolution = models.CharField(_("resolution"), max_length=20, choices=Resolution.choices)
    status = models.CharField(_("status"), max_length=20, choices=LineStatus.choices, default=LineStatus.PENDING)
    compensation_method = models.CharField(
        _("compensation method"), max_length=20, choices=CompensationMethod.choices, blank=True
    )
    compensation_amount = models.DecimalField(_("compensation amount"), **MONEY, null=True, blank=True)
    # Who paid the customer (the partner, or the seller itself): the statement charges it to the other
    # side when the cost is borne by them (reship.settlement).
    compensation_paid_by = models.CharField(
        _("compensation paid by"), max_length=20, choices=CostPayer.choices, blank=True
    )
    substitute_product = models.ForeignKey(
        "orders.Product",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("substitute SKU"),
        help_text=_("Shipped instead of the ordered SKU when that was out of stock."),
    )
    shipment = models.ForeignKey(
        "orders.Shipment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reship_lines",
        verbose_name=_("reship shipment"),
    )
    quality_check_note = models.TextField(_("quality-check note"), blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    slip_printed_at = models.DateTimeField(_("packing slip printed at"), null=True, blank=True)
    # When an automatic message told the customer this line's outcome (shipped, compensated): once
    # every resolved line was told, the contact step (客户沟通) is done without a second message.
    customer_told_at = models.DateTimeField(_("customer told at"), null=True, blank=True)

    class Meta:
        verbose_name = _("reship line")
        verbose_name_plural = _("reship lines")
        ordering = ["request", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="reship_line_quantity_positive"),
            models.UniqueConstraint(fields=["request", "order_line"], name="reship_line_once_per_request"),
            models.CheckConstraint(
                condition=Q(compensation_amount__isnull=True) | Q(compensation_amount__gte=0),
                name="reship_line_compensation_not_negative",
            ),
        ]
        indexes = [
            # The few lines still to ship among ~250k: whether a request's ship-to is open to its
            # partner (reship.privacy), an EXISTS per listed request; without it PostgreSQL hashed
            # every line of the table (94.5 ms → 1.7 ms for the biggest partner's list, EXPLAIN ANALYZE).
            models.Index(fields=["request"], condition=LINE_TO_SHIP, name="reshipline_to_ship"),
        ]

    def __str__(self) -> str:
        return f"{self.request.number} · {self.order_line_id} × {self.quantity}"


class ShipToReveal(models.Model):
    """One time a partner's user saw a request's ship-to in full (PIPL: who, when, where); the seller
    reads them on the request. Written by ``reship.privacy``; append-only."""

    request = models.ForeignKey(
        ReshipRequest, on_delete=models.CASCADE, related_name="ship_to_reveals", verbose_name=_("reship request")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="ship_to_reveals",
        verbose_name=_("seen by"),
    )
    via = models.CharField(_("seen on"), max_length=20, choices=RevealChannel.choices)
    revealed_at = models.DateTimeField(_("seen at"), default=timezone.now)

    class Meta:
        verbose_name = _("ship-to reveal")
        verbose_name_plural = _("ship-to reveals")
        ordering = ["-revealed_at", "-id"]
        indexes = [models.Index(fields=["request", "-revealed_at"], name="reveal_request_recent")]

    def __str__(self) -> str:
        return f"{self.request_id} · {self.user_id} · {self.revealed_at:%Y-%m-%d %H:%M}"


def evidence_upload_to(instance: "Evidence", filename: str) -> str:
    return f"evidence/{instance.request.seller_id}/{instance.request.number}/{filename}"


class Evidence(models.Model):
    """A photo or document proving what went wrong (damage, wrong item, the parcel label)."""

    request = models.ForeignKey(
        ReshipRequest, on_delete=models.CASCADE, related_name="evidence", verbose_name=_("reship request")
    )
    file = models.FileField(_("file"), upload_to=evidence_upload_to)
    original_name = models.CharField(_("original file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size_bytes = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        ordering = ["request", "uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete an audit event."""


class ReshipEvent(models.Model):
    """One entry of a request's audit log: who did what, from which status to which. Never edited."""

    request = models.ForeignKey(
        ReshipRequest, on_delete=models.CASCADE, related_name="events", verbose_name=_("reship request")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
        help_text=_("Empty when the system acted (automatic approval, reminders)."),
    )
    kind = models.CharField(_("kind"), max_length=30, choices=EventKind.choices)
    from_status = models.CharField(_("from status"), max_length=20, choices=RequestStatus.choices, blank=True)
    to_status = models.CharField(_("to status"), max_length=20, choices=RequestStatus.choices, blank=True)
    message = models.TextField(_("message"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["request", "created_at", "id"]
        indexes = [
            models.Index(fields=["request", "created_at", "id"], name="event_request_timeline"),
            models.Index(fields=["kind", "created_at"], name="event_kind_time"),
        ]

    def __str__(self) -> str:
        return f"{self.request_id} {self.get_kind_display()}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not self._state.adding:
            raise AppendOnlyError("Reship events are append-only; write a new event instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Reship events are append-only and cannot be deleted.")


class CommunicationRecord(models.Model):
    """A logged contact about a request: a phone call, an email, an IM chat, a site message."""

    request = models.ForeignKey(
        ReshipRequest, on_delete=models.CASCADE, related_name="communications", verbose_name=_("reship request")
    )
    counterpart = models.CharField(_("counterpart"), max_length=20, choices=Counterpart.choices)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices, default=Direction.OUTBOUND)
    summary = models.TextField(_("summary"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("recorded by")
    )
    # An automatic customer message logs itself here; its outbox row says whether it was delivered.
    automatic = models.BooleanField(_("sent automatically"), default=False)
    notification = models.ForeignKey(
        "reship.Notification",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("message sent"),
    )
    occurred_at = models.DateTimeField(_("occurred at"), default=timezone.now)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("communication record")
        verbose_name_plural = _("communication records")
        ordering = ["request", "occurred_at", "id"]
        indexes = [models.Index(fields=["request", "occurred_at"], name="communication_request_time")]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} · {self.get_counterpart_display()}"


class RequestNumberSequence(models.Model):
    """The last number handed out per year, so request numbers read RS-2026-000123 and never repeat."""

    year = models.PositiveSmallIntegerField(_("year"), primary_key=True)
    last_value = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("request number sequence")
        verbose_name_plural = _("request number sequences")

    def __str__(self) -> str:
        return f"{self.year}: {self.last_value}"


class RestockOrder(models.Model):
    """An order to a line's source to supply goods again (补货) before the partner resends them."""

    request = models.ForeignKey(
        ReshipRequest, on_delete=models.CASCADE, related_name="restock_orders", verbose_name=_("reship request")
    )
    line = models.ForeignKey(
        ReshipLine, on_delete=models.CASCADE, related_name="restock_orders", verbose_name=_("reship line")
    )
    supplier = models.ForeignKey(
        "suppliers.Supplier", on_delete=models.PROTECT, related_name="restock_orders", verbose_name=_("source")
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    status = models.CharField(_("status"), max_length=20, choices=RestockStatus.choices, default=RestockStatus.ORDERED)
    note = models.TextField(_("note to the source"), blank=True)
    ship_date = models.DateField(_("source ship date"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
        help_text=_("Empty when the source confirmed through its signed link."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("ordered by")
    )
    created_at = models.DateTimeField(_("ordered at"), default=timezone.now)

    class Meta:
        verbose_name = _("restock order")
        verbose_name_plural = _("restock orders")
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="restock_quantity_positive")]
        indexes = [models.Index(fields=["supplier", "status", "created_at"], name="restock_supplier_status")]

    def __str__(self) -> str:
        return f"{self.request.number} → {self.supplier.name} × {self.quantity}"


class RequestMessage(models.Model):
    """A message in the request's thread between seller and partner (questions, answers, the price)."""

    request = models.ForeignKey(
        ReshipRequest, on_delete=models.CASCADE, related_name="messages", verbose_name=_("reship request")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author"),
    )
    author_role = models.CharField(_("author role"), max_length=20, choices=AuthorRole.choices)
    body = models.TextField(_("message"))
    attachment = models.FileField(_("attachment"), upload_to="messages/%Y/%m/", blank=True)
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)

    class Meta:
        verbose_name = _("thread message")
        verbose_name_plural = _("thread messages")
        ordering = ["request", "created_at", "id"]
        indexes = [models.Index(fields=["request", "created_at"], name="message_request_time")]

    def __str__(self) -> str:
        return f"{self.request_id}: {self.body[:40]}"


class SurveyResponse(models.Model):
    """The customer's rating of the outcome (客户满意度), answered once through a signed link."""

    request = models.OneToOneField(
        ReshipRequest, on_delete=models.CASCADE, related_name="survey_response", verbose_name=_("reship request")
    )
    rating = models.PositiveSmallIntegerField(_("rating"))
    comment = models.TextField(_("comment"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), default=timezone.now)

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        constraints = [models.CheckConstraint(condition=Q(rating__range=(1, 5)), name="survey_rating_one_to_five")]
        # The evaluation rollups' catch-up: the surveys answered since it last ran.
        indexes = [models.Index(fields=["answered_at"], name="survey_answered")]

    def __str__(self) -> str:
        return f"{self.request_id}: {self.rating}/5"


class AutoApprovalRule(models.Model):
    """A partner's rule under which a submitted request is approved at once with default terms."""

    partner = models.ForeignKey(
        "suppliers.DropshipPartner",
        on_delete=models.CASCADE,
        related_name="auto_approval_rules",
        verbose_name=_("dropship partner"),
    )
    name = models.CharField(_("name"), max_length=100)
    is_active = models.BooleanField(_("active"), default=True)
    reasons = models.JSONField(
        _("reasons"), default=list, blank=True, help_text=_("Reason codes it applies to; empty means any reason.")
    )
    max_line_value = models.DecimalField(
        _("maximum line value"),
        **MONEY,
        null=True,
        blank=True,
        help_text=_("Applies only when every line's value (quantity × unit price) is at most this; empty: any."),
    )
    sellers = models.ManyToManyField(
        "orders.Seller",
        blank=True,
        related_name="+",
        verbose_name=_("sellers"),
        help_text=_("Sellers it applies to; none chosen means every seller."),
    )
    cost_bearer = models.CharField(_("cost borne by"), max_length=20, choices=CostBearer.choices)
    quote_shipping = models.DecimalField(_("default shipping quote"), **MONEY, default=0)
    promised_days = models.PositiveSmallIntegerField(_("promised within (days)"), default=3)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("auto-approval rule")
        verbose_name_plural = _("auto-approval rules")
        ordering = ["partner", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(max_line_value__isnull=True) | Q(max_line_value__gte=0), name="rule_max_value_not_negative"
            ),
            models.CheckConstraint(condition=Q(quote_shipping__gte=0), name="rule_shipping_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.partner.name}: {self.name}"
