"""The one rule on memberships the database cannot hold across two tables."""

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _


def validate_single_organisation(user_id: int | None, *, exclude: models.Model) -> None:
    """A user works for one seller or one partner, never both: tenancy depends on it."""
    if user_id is None:
        return
    # Looked up by name: the membership models import this module, and accounts sits below them.
    for model in (apps.get_model("orders", "SellerMembership"), apps.get_model("suppliers", "PartnerMembership")):
        others = model.objects.filter(user_id=user_id)
        if isinstance(exclude, model) and exclude.pk:
            others = others.exclude(pk=exclude.pk)
        if others.exists():
            raise ValidationError(
                {"user": _("This user already works for another organisation; a user may belong to one only.")}
            )
