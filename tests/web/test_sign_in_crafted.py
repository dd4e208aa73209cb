"""A user name longer than any account's is refused by the sign-in form, with the page saying the
name and password do not match, before anyone is looked up: it reached django-axes, whose failure
record holds 255 characters, and PostgreSQL answered a 500."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    cache.clear()
    yield
    cache.clear()


@pytest.mark.parametrize("username", ["x" * 300, "x" * 100_000, "\u202e😀" * 200])
def test_a_user_name_longer_than_any_accounts_is_the_forms_error(settings, username):
    settings.DEBUG = False
    client = Client(raise_request_exception=False)

    response = client.post("/login/", {"username": username, "password": "secret"})

    assert response.status_code == 200
    assert "Your username and password didn't match. Please try again." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_in_chinese_for_a_chinese_reader(settings):
    settings.DEBUG = False
    client = Client(raise_request_exception=False)

    response = client.post("/login/", {"username": "x" * 300, "password": "secret"}, HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.status_code == 200
    assert "用户名和密码不匹配，请重试。" in response.content.decode()
