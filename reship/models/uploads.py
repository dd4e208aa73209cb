"""Files chosen on a form that did not validate, kept so the corrected form need not ask again.

A photo or attachment is stored on its first upload as a *pending upload* tied to the user who sent
it; the form carries the pending upload's id back, and the corrected submission attaches the stored
file. A periodic task deletes pending uploads (and their files) left unused past a day.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def pending_upload_to(instance: "PendingUpload", filename: str) -> str:
    return f"pending/{timezone.now():%Y/%m/%d}/{filename}"


class PendingUpload(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pending_uploads", verbose_name=_("user")
    )
    # Which form field it was chosen in (evidence photos, a thread attachment, …): it is offered back
    # only there.
    purpose = models.CharField(_("purpose"), max_length=40)
    file = models.FileField(_("file"), upload_to=pending_upload_to, max_length=300)
    name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    size = models.PositiveIntegerField(_("size in bytes"), default=0)
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("pending upload")
        verbose_name_plural = _("pending uploads")
        indexes = [
            models.Index(fields=["user", "purpose", "created_at"], name="pending_upload_user"),
            # The periodic clean-up: the oldest first.
            models.Index(fields=["created_at"], name="pending_upload_age"),
        ]

    def __str__(self) -> str:
        return self.name
