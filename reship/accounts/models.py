"""Users. A user works for at most one organisation: a seller or a dropship partner.

The membership rows live with their organisation (``orders.SellerMembership``,
``suppliers.PartnerMembership``); ``reship.accounts.roles`` tells which one a user has.
"""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person who signs in: seller staff, partner staff or platform admin."""

    email = models.EmailField(_("email address"), blank=True, db_index=True)
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default=settings.TIME_ZONE)
    email_notifications = models.BooleanField(
        _("email me as well"),
        default=True,
        help_text=_("Every notification reaches your inbox here; with this on, it is emailed to you too."),
    )

    class Meta:  # AbstractUser.Meta holds only these names (and abstract)
        verbose_name = _("user")
        verbose_name_plural = _("users")
        swappable = "AUTH_USER_MODEL"

    def __str__(self) -> str:
        full_name = self.get_full_name()
        return f"{full_name} ({self.username})" if full_name else self.username


class PasswordResetRequest(models.Model):
    """A password-reset e-mail that was sent (or would have been, for an address with no account),
    counted per client address and per e-mail address to limit them (reship.accounts.password_reset).
    Rows older than the window are deleted as new ones come in."""

    requested_at = models.DateTimeField(_("requested at"), db_index=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    email = models.EmailField(_("email address"), max_length=254)

    class Meta:
        verbose_name = _("password reset request")
        verbose_name_plural = _("password reset requests")
        indexes = [
            models.Index(fields=["ip_address", "requested_at"], name="password_reset_address"),
            models.Index(fields=["email", "requested_at"], name="password_reset_email"),
        ]

    def __str__(self) -> str:
        return f"{self.email} {self.requested_at:%Y-%m-%d %H:%M}"
