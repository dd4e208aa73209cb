"""A page asked with a method it does not take answers a page saying so, in the reader's
language, with Allow kept; Django's require_GET/require_POST answered an empty body. The API
keeps its JSON error body."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import SellerMembershipFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("method", "url", "allow"), [("post", "/requests/", "GET"), ("get", "/logout/", None)])
def test_a_page_asked_with_another_method_says_so(settings, method, url, allow):
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    client.force_login(SellerMembershipFactory(user__language="en").user)

    response = getattr(client, method)(url)

    assert response.status_code == 405
    assert f"This page does not take a {method.upper()} request." in response.content.decode()
    if allow:
        assert response["Allow"] == allow


def test_in_chinese_for_a_chinese_reader(settings):
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    client.force_login(SellerMembershipFactory(user__language="zh-hans").user)

    response = client.post("/requests/", HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.status_code == 405
    assert "此页面不接受 POST 请求。" in response.content.decode()


def test_the_api_keeps_its_json_error_body(settings):
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    client.force_login(SellerMembershipFactory().user)

    response = client.put("/api/v1/requests/")

    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
