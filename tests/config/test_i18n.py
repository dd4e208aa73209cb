"""Chinese and English wherever a person reads: the compiled catalogue is used, both ways."""

import pytest
from django.urls import reverse
from django.utils import translation

from reship import workflow
from reship.choices import RequestStatus
from reship.core.errors import InvalidTransition
from tests.factories import UserFactory
from tests.workflow_states import make_parties, request_in

pytestmark = pytest.mark.django_db


def test_statuses_read_in_chinese_with_the_briefs_vocabulary():
    with translation.override("zh-hans"):
        labels = [str(status.label) for status in RequestStatus]

    assert labels == [
        "客户自助申请",
        "已婉拒",
        "已提交",
        "待补充信息",
        "已通过",
        "已拒绝",
        "已取消",
        "补货/补寄中",
        "待更新信息",
        "待联系客户",
        "已联系客户",
        "已完结",
    ]


def test_a_workflow_error_speaks_the_callers_language():
    parties = make_parties()
    request = request_in(RequestStatus.CLOSED, parties)

    with translation.override("zh-hans"), pytest.raises(InvalidTransition) as raised:
        workflow.reship_approve(
            request_id=request.pk, actor=parties.partner, quote_goods="1", quote_shipping="1", cost_bearer="seller"
        )

    assert request.number in raised.value.message
    assert "已完结" in raised.value.message


@pytest.mark.parametrize(("language", "expected"), [("zh-hans", "代发方"), ("en", "Dropship partners")])
def test_the_admin_speaks_chinese_or_english(client, language, expected):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    client.cookies["django_language"] = language

    body = client.get(reverse("admin:index")).content.decode()

    assert expected in body
