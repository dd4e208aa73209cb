"""The admin's order form checks the ship-to as everywhere else and keeps the phone's E.164 form in
step with the phone (``orders.admin_forms``)."""

import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory
from django.urls import reverse

from orders.models import Order
from tests.factories import OrderFactory, UserFactory

pytestmark = pytest.mark.django_db


def _form(order: Order, **changes):
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    request = RequestFactory().get("/")
    request.user = admin_user
    model_admin = site._registry[Order]
    form_class = model_admin.get_form(request, order)
    data = {
        field: getattr(order, field)
        for field in form_class.base_fields
        if field not in ("seller", "partner", "placed_at")
    }
    data.update(seller=order.seller_id, partner=order.partner_id, placed_at_0="2026-05-03", placed_at_1="12:00:00")
    data.update(changes)
    return form_class(data=data, instance=order)


def test_the_admin_stores_the_phones_e164_form_with_the_phone():
    order = OrderFactory()
    form = _form(order, ship_phone="(206) 555-0184", ship_country="US", ship_postcode="98101")

    assert form.is_valid(), form.errors
    form.save()

    order.refresh_from_db()
    assert (order.ship_phone, order.ship_phone_e164, order.ship_country) == ("(206) 555-0184", "+12065550184", "US")


def test_the_admin_refuses_a_bad_ship_to_naming_each_field():
    order = OrderFactory()
    form = _form(order, ship_phone="12345", ship_postcode="2001", ship_street="")

    assert not form.is_valid()
    assert form.errors["ship_phone"] == [
        "“12345” is not a phone number in CN; write a foreign number with its +country code."
    ]
    assert form.errors["ship_street"] == ["Street address is required."]
    assert form.errors["ship_postcode"] == ["A postcode in China has 6 digits."]
    order.refresh_from_db()
    assert order.ship_phone == "13800138000"


def test_the_change_page_groups_the_ship_to(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    order = OrderFactory()

    html = client.get(reverse("admin:orders_order_change", args=[order.pk])).content.decode()

    assert '<h2 id="fieldset-0-2-heading" class="fieldset-heading">ship to</h2>' in html
    assert "+8613800138000" in html  # the normalised phone, read-only
