"""Production's ``__Host-`` cookies: signing in with CSRF checks on sets both cookies under those
names with what the prefix demands (Secure, path /, no Domain), and the next form still passes the
CSRF check — the pages read the token from the page, never from the cookie."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def _host_prefixed_cookies(settings):
    settings.SESSION_COOKIE_NAME = "__Host-sessionid"
    settings.CSRF_COOKIE_NAME = "__Host-csrftoken"
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True


def _token(body: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)


@pytest.mark.usefixtures("_host_prefixed_cookies")
def test_signing_in_sets_host_prefixed_cookies_and_csrf_still_checks():
    UserFactory(username="mei")
    # Over HTTPS Django also checks that a form was posted from this site.
    client = Client(enforce_csrf_checks=True, HTTP_REFERER="https://testserver/")

    page = client.get(reverse("login"), secure=True)
    response = client.post(
        reverse("login"),
        {"username": "mei", "password": DEFAULT_PASSWORD, "csrfmiddlewaretoken": _token(page.content.decode())},
        secure=True,
    )

    assert response.status_code == 302
    for name in ("__Host-sessionid", "__Host-csrftoken"):
        cookie = response.cookies[name]
        assert cookie["secure"] is True
        assert cookie["path"] == "/"
        assert cookie["domain"] == ""
    # A form on the next page posts with the token read from that page.
    profile = client.get(reverse("account:profile"), secure=True)
    assert profile.status_code == 200
    saved = client.post(
        reverse("account:profile"),
        {"language": "en", "time_zone": "UTC", "csrfmiddlewaretoken": _token(profile.content.decode())},
        secure=True,
    )
    assert saved.status_code == 302
    refused = client.post(reverse("account:profile"), {"language": "en", "time_zone": "UTC"}, secure=True)
    assert refused.status_code == 403
