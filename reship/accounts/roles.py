"""Which organisation a user works for, and so which home page and data they get."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from orders.models import Seller
    from reship.accounts.models import User
    from suppliers.models import DropshipPartner


class Role(models.TextChoices):
    SELLER = "seller", _("Seller staff")
    PARTNER = "partner", _("Dropship partner staff")
    ADMIN = "admin", _("Platform admin")
    NONE = "none", _("No organisation")


# The relations ``organisation_for`` follows; load a user with these joined (``select_related``)
# and it needs no query of its own.
ORGANISATION_JOINS = ("seller_membership__seller", "partner_membership__partner")


@dataclass(frozen=True)
class Organisation:
    """The organisation a user acts for; exactly one of ``seller`` / ``partner`` is set for staff."""

    role: Role
    seller: Seller | None = None
    partner: DropshipPartner | None = None


def organisation_for(user: User | AnonymousUser) -> Organisation:
    """No query when the user was loaded with ``ORGANISATION_JOINS`` (the session's user is, by
    ``OrganisationModelBackend``); otherwise up to three small ones."""
    if not user.is_authenticated:
        return Organisation(role=Role.NONE)
    seller_membership = getattr(user, "seller_membership", None)
    if seller_membership is not None:
        return Organisation(role=Role.SELLER, seller=seller_membership.seller)
    partner_membership = getattr(user, "partner_membership", None)
    if partner_membership is not None:
        return Organisation(role=Role.PARTNER, partner=partner_membership.partner)
    if user.is_staff:
        return Organisation(role=Role.ADMIN)
    return Organisation(role=Role.NONE)
