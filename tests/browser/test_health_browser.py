"""The admin's health page in a real browser, in English and in Chinese: a platform admin follows the
index's link to it, reads the pending and failed notifications, the endpoint that keeps failing, the
stuck imports and the overdue requests, and sends one failed row again by clicking its button.
Nothing sticks out sideways at 1280 px (the latest failed rows scroll inside their own box).
Screenshots under var/screenshots/<test>/ (health-<language>.png, retried-<language>.png)."""

import re

import pytest
from playwright.sync_api import expect

from reship.choices import NotificationStatus
from reship.models import Notification
from tests.admin.test_health_page import make_scene
from tests.browser.conftest import shoot
from tests.browser.story_support import log_in, overflowing
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

WORDS = {
    "en": {
        "link": "Platform health: notifications, webhooks, imports and overdue requests",
        "heading": "Platform health",
        "endpoints": "Failed webhooks in the last day, by endpoint",
        "failing": "Webhook endpoints that keep failing",
        "retry": "Retry notification {pk}",
        "queued": "Queued 1 notification for delivery again.",
        "seller": "Seller: Blue Shop",
    },
    "zh-hans": {
        "link": "平台健康状况：通知、Webhook、导入与超时申请",
        "heading": "平台健康状况",
        "endpoints": "最近一天发送失败的 Webhook（按接收地址）",
        "failing": "持续失败的 Webhook 接收地址",
        "retry": "重试通知 {pk}",
        "queued": "已将 1 条通知重新加入发送队列。",
        "seller": "卖家：Blue Shop",
    },
}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_admin_reads_the_health_page_and_retries_a_row(new_page, screenshot_dir, language):
    words = WORDS[language]
    scene = make_scene()
    admin_user = UserFactory(username=f"platform-{language}", is_staff=True, is_superuser=True, language=language)
    page = new_page(locale=language, width=1280, height=900)

    log_in(page, admin_user, language=language)
    page.goto("/admin/")
    page.get_by_role("link", name=words["link"]).click()

    expect(page).to_have_url(re.compile(r"/admin/health/$"))
    expect(page.get_by_role("heading", name=words["heading"], exact=True)).to_be_visible()
    endpoints = page.get_by_role("table", name=words["endpoints"])
    expect(endpoints.get_by_role("row")).to_have_count(3)  # the header, the shop's endpoint, the legacy address
    expect(endpoints.get_by_role("row").nth(1)).to_contain_text(words["seller"])
    expect(page.get_by_role("table", name=words["failing"])).to_contain_text("https://south.example.com/hooks")
    assert overflowing(page, ".scroll-box") == []
    shoot(page, screenshot_dir, f"health-{language}")

    row = scene["emails"][0]
    page.get_by_role("button", name=words["retry"].format(pk=row.pk)).click()

    expect(page.get_by_text(words["queued"])).to_be_visible()
    expect(page.get_by_role("button", name=words["retry"].format(pk=row.pk))).to_have_count(0)
    row.refresh_from_db()
    assert row.status != NotificationStatus.FAILED
    assert Notification.objects.filter(status=NotificationStatus.FAILED).count() == 6  # the other five and the old one
    assert overflowing(page, ".scroll-box") == []
    shoot(page, screenshot_dir, f"retried-{language}")
