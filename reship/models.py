"""Reship requests (补单), their lines, evidence, the append-only event log and contact records.

Fields, constraints and indexes only: status changes live in ``reship.workflow``.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orders.choices import Currency
from reship.choices import (
    CompensationMethod,
    CostBearer,
    Counterpart,
    Direction,
    EventKind,
    LineStatus,
    Reason,
    RequestStatus,
    Resolution,
)
from suppliers.choices import Channel

MONEY = {"max_digits": 12, "decimal_places": 2}


class ReshipRequest(models.Model):
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
    promised_date = models.DateField(_("promised date"), null=True, blank=True)
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
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def quote_total(self):
        parts = [self.quote_goods, self.quote_shipping, self.quote_compensation]
        return None if all(part is None for part in parts) else sum(part or 0 for part in parts)


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

    def __str__(self) -> str:
        return f"{self.request.number} · {self.order_line_id} × {self.quantity}"


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
