"""The requests the pages get, typed by what the decorators in front of a view guarantee.

``login_required`` makes ``request.user`` a ``User``; ``seller_required`` / ``partner_required``
(``reship.web.decorators``) also set ``request.seller`` / ``request.partner``. A view annotates its
``request`` with the class matching its decorators. These are for the type checker only: at run
time every request is Django's own ``HttpRequest``, never an instance of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from orders.models import Seller
    from reship.accounts.models import User
    from suppliers.models import DropshipPartner


class AuthenticatedRequest(HttpRequest):
    """A request past ``login_required``."""

    user: User


class SellerRequest(AuthenticatedRequest):
    """A request past ``seller_required``."""

    seller: Seller


class PartnerRequest(AuthenticatedRequest):
    """A request past ``partner_required``."""

    partner: DropshipPartner
