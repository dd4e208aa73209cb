"""The admin writes dates as the app does (Y-m-d H:i) in both languages (reship/config/formats), and
its welcome is one translated sentence (templates/admin/base_site.html)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.workflow_states import make_parties, submit

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_request_change_page_writes_dates_as_the_app_does(admin_client, language):
    request = submit(make_parties())
    written = timezone.localtime(request.submitted_at).strftime("%Y-%m-%d %H:%M")

    body = admin_client.get(
        reverse("admin:reship_reshiprequest_change", args=[request.pk]), HTTP_ACCEPT_LANGUAGE=language
    ).content.decode()

    assert f'<div class="readonly">{written}</div>' in body


def test_the_welcome_is_one_sentence_around_the_name(admin_client):
    body = admin_client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Welcome, <strong>admin</strong>." in body
