"""Each user lands on the home page of their role, and sees only their own organisation."""

import pytest
from django.urls import reverse

from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def _log_in(client, user):
    return client.post(reverse("login"), {"username": user.username, "password": DEFAULT_PASSWORD}, follow=True)


def test_a_seller_lands_on_the_seller_home(client, seller_user):
    response = _log_in(client, seller_user)

    assert response.redirect_chain[-1][0] == reverse("seller-home")
    assert seller_user.seller_membership.seller.name in response.content.decode()


def test_a_partner_lands_on_the_partner_home(client, partner_user):
    response = _log_in(client, partner_user)

    assert response.redirect_chain[-1][0] == reverse("partner-home")


def test_an_admin_lands_in_django_admin(client):
    admin = UserFactory(is_staff=True, is_superuser=True)

    response = _log_in(client, admin)

    assert response.redirect_chain[-1][0] == reverse("admin:index")


def test_a_user_without_organisation_is_told_so(client):
    response = _log_in(client, UserFactory())

    assert response.status_code == 403


def test_wrong_password_is_refused_with_a_message(client, seller_user):
    response = client.post(reverse("login"), {"username": seller_user.username, "password": "nope"})

    assert response.status_code == 200
    assert "alert" in response.content.decode()


def test_a_seller_cannot_open_the_partner_home(client, seller_user):
    client.force_login(seller_user)

    assert client.get(reverse("partner-home")).status_code == 404


def test_pages_switch_between_chinese_and_english(client, seller_user):
    client.force_login(seller_user)

    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    english = client.get(reverse("seller-home")).content.decode()

    assert 'lang="en"' in english
    assert "Waiting for you" in english


def test_healthz_answers(client):
    assert client.get(reverse("healthz")).json() == {"status": "ok"}


def test_a_missing_page_answers_404_with_a_way_home(client, seller_user):
    client.force_login(seller_user)

    response = client.get("/orders/999999/")

    assert response.status_code == 404
    assert "There is nothing here, or it belongs to another organisation." in response.content.decode()
    assert 'href="/"' in response.content.decode()
