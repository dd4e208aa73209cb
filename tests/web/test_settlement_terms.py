"""The partner's settlement terms (对账结算条款) per seller and per source, on its settings page:
managers edit them, staff read them, another organisation's seller is not there, bad input is
refused in the user's language with nothing saved."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from reship.models import SettlementTerms
from reship.services import partner_settings
from tests.factories import (
    OrderFactory,
    OrderLineFactory,
    PartnerMembershipFactory,
    SellerFactory,
    SupplierFactory,
)
from tests.settlement_states import pair

pytestmark = pytest.mark.django_db

GOOD = {"period": "weekly", "shared_seller_percent": "30", "auto_issue": "", "payment_days": "10"}


@pytest.fixture
def world():
    seller_user, partner_user = pair()
    seller = seller_user.seller_membership.seller
    partner = partner_user.partner_membership.partner
    source = SupplierFactory(name="Yiwu Source")
    order = OrderFactory(seller=seller, partner=partner)
    OrderLineFactory(order=order, product__seller=seller, product__supplier=source, unit_price=Decimal("10.00"))
    staff = PartnerMembershipFactory(partner=partner, role="staff").user
    return seller, partner, source, partner_user, staff


def _edit_url(kind, counterparty_id):
    return reverse("partner:terms-edit", args=[kind, counterparty_id])


def test_the_settings_page_lists_each_seller_and_source_on_the_default_terms(client, world):
    seller, _partner, source, manager, _staff = world
    client.force_login(manager)

    response = client.get(reverse("partner:settings"))

    page = response.content.decode()
    assert response.status_code == 200
    assert [(row.kind, row.counterparty_id, row.is_default) for row in response.context["terms_rows"]] == [
        ("seller", seller.pk, True),
        ("source", source.pk, True),
    ]
    assert "A change applies from the pair's next period" in page
    assert _edit_url("seller", seller.pk) in page
    # Defaults: monthly, half each, issued automatically, 15 days.
    terms = response.context["terms_rows"][0].terms
    assert (terms.period, terms.shared_seller_percent, terms.auto_issue, terms.payment_days) == (
        "monthly",
        50,
        True,
        15,
    )


def test_a_manager_sets_a_sellers_terms(client, world):
    seller, partner, _source, manager, _staff = world
    client.force_login(manager)

    response = client.post(_edit_url("seller", seller.pk), GOOD)

    assert response.status_code == 302
    terms = SettlementTerms.objects.get(partner=partner, seller=seller)
    assert (terms.period, terms.shared_seller_percent, terms.auto_issue, terms.payment_days) == (
        "weekly",
        30,
        False,
        10,
    )
    page = client.get(reverse("partner:settings")).content.decode()
    assert "They apply from the next period." in page


def test_a_manager_sets_a_sources_terms_and_changes_them_again(client, world):
    _seller, partner, source, manager, _staff = world
    client.force_login(manager)

    client.post(_edit_url("source", source.pk), GOOD)
    client.post(_edit_url("source", source.pk), {**GOOD, "period": "semi_monthly", "auto_issue": "on"})

    terms = SettlementTerms.objects.get(partner=partner, supplier=source)
    assert (terms.period, terms.auto_issue, terms.seller_id) == ("semi_monthly", True, None)
    assert SettlementTerms.objects.count() == 1


def test_staff_read_the_terms_but_may_not_change_them(client, world):
    seller, _partner, _source, _manager, staff = world
    client.force_login(staff)

    page = client.get(reverse("partner:settings"))
    refused = client.post(_edit_url("seller", seller.pk), GOOD)

    assert page.status_code == 200
    assert page.context["can_manage_terms"] is False
    assert _edit_url("seller", seller.pk) not in page.content.decode()
    assert refused.status_code == 403
    assert not SettlementTerms.objects.exists()


def test_the_service_refuses_staff_too(world):
    seller, partner, _source, _manager, staff = world

    with pytest.raises(partner_settings.ActionNotPermitted):
        partner_settings.settlement_terms_save(
            actor=staff,
            partner_id=partner.pk,
            kind="seller",
            counterparty_id=seller.pk,
            period="monthly",
            shared_seller_percent=50,
            auto_issue=True,
            payment_days=15,
        )
    assert not SettlementTerms.objects.exists()


def test_a_seller_the_partner_does_not_work_with_is_not_found(client, world):
    _seller, _partner, _source, manager, _staff = world
    stranger = SellerFactory()
    client.force_login(manager)

    assert client.get(_edit_url("seller", stranger.pk)).status_code == 404
    assert client.post(_edit_url("seller", stranger.pk), GOOD).status_code == 404
    assert client.get(_edit_url("nobody", stranger.pk)).status_code == 404
    assert not SettlementTerms.objects.exists()


def test_another_partners_manager_finds_no_such_terms(client, world):
    seller, _partner, _source, _manager, _staff = world
    _other_seller_user, other_manager = pair()
    client.force_login(other_manager)

    assert client.post(_edit_url("seller", seller.pk), GOOD).status_code == 404
    assert not SettlementTerms.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("shared_seller_percent", "101"), ("shared_seller_percent", "-1"), ("payment_days", "366"), ("period", "daily")],
)
def test_bad_terms_are_refused_next_to_the_field_and_nothing_is_saved(client, world, field, value):
    seller, _partner, _source, manager, _staff = world
    client.force_login(manager)

    response = client.post(_edit_url("seller", seller.pk), {**GOOD, field: value})

    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert not SettlementTerms.objects.exists()


def test_the_service_says_what_is_wrong_in_the_users_language(world):
    seller, partner, _source, manager, _staff = world

    with translation.override("zh-hans"), pytest.raises(partner_settings.InvalidInput) as refused:
        partner_settings.settlement_terms_save(
            actor=manager,
            partner_id=partner.pk,
            kind="seller",
            counterparty_id=seller.pk,
            period="monthly",
            shared_seller_percent=150,
            auto_issue=True,
            payment_days=15,
        )

    assert list(refused.value.field_errors) == ["shared_seller_percent"]
    assert not SettlementTerms.objects.exists()
