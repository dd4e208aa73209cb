"""Under which name a customer hears from a shop: its display name and logo, and the platform order
number the customer knows. Customer messages and pages read these, never "Reship" or an RS number."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.urls import reverse

if TYPE_CHECKING:
    from orders.models import Seller


def shop_name(seller: Seller) -> str:
    return seller.shown_name


def logo_path(seller: Seller) -> str:
    """The shop's logo, served publicly (it is printed on insert cards anyway); empty without one."""
    if not seller.logo:
        return ""
    return reverse("shop-logo", kwargs={"key": seller.report_key})


def report_path(seller: Seller) -> str:
    """The shop's after-sale page (售后自助), the stable link printed on the insert card (售后卡)."""
    return reverse("customer-report", kwargs={"key": seller.report_key})
