"""The one rule on memberships the database cannot hold across two tables."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _


def validate_single_organisation(user_id: int | None, *, exclude: models.Model) -> None:
    """A user works for one seller or one partner, never both: tenancy depends on it."""
    from orders.models import SellerMembership
    from suppliers.models import PartnerMembership

    if user_id is None:
        return
    for model in (SellerMembership, PartnerMembership):
        others = model.objects.filter(user_id=user_id)
        if isinstance(exclude, model) and exclude.pk:
            others = others.exclude(pk=exclude.pk)
        if others.exists():
            raise ValidationError(
                {"user": _("This user already works for another organisation; a user may belong to one only.")}
            )
