"""What a shop tells its customers (reship.customers): per message, whether it goes out
automatically and on which channel, and the shop's own wording in Chinese and English.

No row means the default (``reship.customers.messages``): a shop that never opened its settings
sends the default messages on the default channels.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from reship.choices import CustomerChannels, CustomerEvent


class CustomerMessageSetting(models.Model):
    """Whether one customer message goes out automatically for one shop, and where."""

    seller = models.ForeignKey(
        "orders.Seller", on_delete=models.CASCADE, related_name="customer_message_settings", verbose_name=_("seller")
    )
    event = models.CharField(_("message"), max_length=30, choices=CustomerEvent.choices)
    channels = models.CharField(_("sent by"), max_length=20, choices=CustomerChannels.choices)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("customer message setting")
        verbose_name_plural = _("customer message settings")
        ordering = ["seller", "event"]
        constraints = [
            models.UniqueConstraint(fields=["seller", "event"], name="customer_message_setting_once"),
        ]

    def __str__(self) -> str:
        return f"{self.seller_id} · {self.event}: {self.channels}"


class CustomerMessageTemplate(models.Model):
    """A shop's wording of one customer message in one language: the email's subject and body, and
    the SMS. Only the fixed placeholders of ``reship.customers.messages`` may appear."""

    seller = models.ForeignKey(
        "orders.Seller", on_delete=models.CASCADE, related_name="customer_message_templates", verbose_name=_("seller")
    )
    event = models.CharField(_("message"), max_length=30, choices=CustomerEvent.choices)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    subject = models.CharField(_("email subject"), max_length=200)
    body = models.TextField(_("email text"), max_length=4000)
    sms = models.CharField(_("SMS text"), max_length=500)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("customer message template")
        verbose_name_plural = _("customer message templates")
        ordering = ["seller", "event", "language"]
        constraints = [
            models.UniqueConstraint(fields=["seller", "event", "language"], name="customer_message_template_once"),
        ]

    def __str__(self) -> str:
        return f"{self.seller_id} · {self.event} · {self.language}"
