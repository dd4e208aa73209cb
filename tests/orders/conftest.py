"""Fixtures of the order-import tests: uploads land in a temporary media folder, and a seller (its
staff user reading English in Shanghai) with one partner and one product."""

from types import SimpleNamespace

import pytest

from tests.factories import PartnerFactory, ProductFactory, SellerMembershipFactory


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def shop():
    user = SellerMembershipFactory(user__language="en", user__time_zone="Asia/Shanghai").user
    seller = user.seller_membership.seller
    partner = PartnerFactory(name="顺丰代发")
    ProductFactory(seller=seller, sku_code="SKU-A", name="茶杯")
    return SimpleNamespace(user=user, seller=seller, partner=partner)
