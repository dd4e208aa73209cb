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


def organisation_ids_loaded(user: User | AnonymousUser) -> tuple[int | None, int | None] | None:
    """``(seller id, partner id)`` of the user's organisation, read only from what is already loaded
    (the session's and an API key's user are, with ``ORGANISATION_JOINS``); ``None`` when finding
    out would take a query. For a log line, which must not cost one."""
    state = getattr(user, "_state", None)  # a model's; an AnonymousUser has none
    if state is None or not user.is_authenticated:
        return (None, None)
    cached = state.fields_cache
    if "seller_membership" not in cached or "partner_membership" not in cached:
        return None
    seller_membership, partner_membership = cached["seller_membership"], cached["partner_membership"]
    return (
        seller_membership.seller_id if seller_membership is not None else None,
        partner_membership.partner_id if partner_membership is not None else None,
    )
