"""The NUL character (``%00``) in a query parameter or a form field is a 400 naming the field, in the
caller's language: PostgreSQL can neither store nor compare text holding it, so a search or filter
given one was a 500 wherever a view read the parameter itself (found by probing with variants of
issue 14's crafted input)."""

import pytest
from django.test import Client

from tests.api.test_crafted_input import client_for
from tests.workflow_states import make_parties, submit

pytestmark = pytest.mark.django_db

MESSAGE = "Text may not contain the null character (\\x00)."


@pytest.fixture
def parties():
    parties = make_parties()
    submit(parties)
    return parties


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/requests/?search=box%00", "search"),
        ("/api/v1/requests/?status=submitted%00", "status"),
        ("/api/v1/orders/?search=%00", "search"),
        ("/api/v1/inbox/?kind%00=x", "kind"),
    ],
)
def test_an_api_query_holding_nul_is_a_400_naming_the_parameter(parties, url, field):
    response = client_for(parties.seller).get(url)

    assert response.status_code == 400
    assert response.json() == {"code": "invalid", "message": MESSAGE, "field_errors": {field: [MESSAGE]}}


@pytest.mark.parametrize("url", ["/requests/?q=%00", "/orders/?q=TB%00", "/requests/?status=%00submitted"])
def test_a_page_given_nul_answers_a_400_page_in_the_readers_language(parties, url):
    client = Client(raise_request_exception=False)
    client.force_login(parties.seller)

    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    chinese = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert english.status_code == chinese.status_code == 400
    assert "Bad request" in english.content.decode()
    assert "Text may not contain the null character (\\x00)." in english.content.decode()
    assert "请求有误" in chinese.content.decode()
    assert "文字中不能含有空字符（\\x00）。" in chinese.content.decode()


def test_a_form_posted_with_nul_is_a_400_and_writes_nothing(parties):
    from reship.models import RequestMessage

    client = Client(raise_request_exception=False)
    client.force_login(parties.seller)
    request = parties.order.reship_requests.get()

    response = client.post(f"/requests/{request.pk}/messages/", {"body": "hello\x00"}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert RequestMessage.objects.count() == 0
