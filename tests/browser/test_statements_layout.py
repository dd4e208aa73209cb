"""The statements pages fit the screen: at 1280 px (a laptop) and at 390 px (a phone), in English and
in Chinese, for the seller and for the partner, nothing reaches past the right edge of the list or of
a statement's page: not the header (with its "Statements" menu entry and the language picker), not the
totals, not the lines. The statement has a disputed and answered line, two payments and is settled, so
every part of the page is on it.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from reship.choices import StatementItem
from reship.models import Statement
from reship.settlement import statements
from tests.browser.conftest import shoot
from tests.browser.story_support import log_in, overflowing
from tests.factories import PartnerMembershipFactory, SellerMembershipFactory
from tests.settlement_states import closed_request

pytestmark = pytest.mark.django_db(transaction=True)

SHANGHAI = ZoneInfo("Asia/Shanghai")
BROWSER_LOCALE = {"en": "en", "zh-hans": "zh-CN"}
WIDTHS = (1280, 390)


def _settled_statement(language: str):
    seller_user = SellerMembershipFactory(
        user__language=language,
        user__first_name="Emma",
        user__last_name="Lin",
        role="manager",
        seller__name="Lotus Tea House Co., Ltd.",
        seller__display_name="Little Deer Tea",
    ).user
    partner_user = PartnerMembershipFactory(
        user__language=language,
        user__first_name="Jack",
        user__last_name="Wang",
        role="manager",
        partner__name="Swift Dropship International",
    ).user
    pair = {"seller_user": seller_user, "partner_user": partner_user}
    closed_request(
        **pair, goods="1200", shipping="18", bearer="seller", closed_at=datetime(2026, 11, 5, tzinfo=SHANGHAI)
    )
    r2 = closed_request(
        **pair,
        goods="40",
        shipping="10",
        bearer="shared",
        compensation="25",
        closed_at=datetime(2026, 11, 12, tzinfo=SHANGHAI),
    )
    statements.statements_issue_due(now=datetime(2026, 12, 1, 0, 30, tzinfo=SHANGHAI))
    statement = Statement.objects.get(partner=partner_user.partner_membership.partner)
    line = statement.lines.get(request=r2, item=StatementItem.COMPENSATION)
    statements.statement_dispute_line(
        statement_id=statement.pk, line_id=line.pk, actor=seller_user, reason="Crushed by the partner's packing."
    )
    statements.statement_adjust_line(
        statement_id=statement.pk,
        line_id=line.pk,
        actor=partner_user,
        message="Agreed: we bear the refund.",
        bearer="partner",
        counterparty_share=None,
    )
    statements.statement_confirm(statement_id=statement.pk, actor=seller_user)
    statements.statement_confirm(statement_id=statement.pk, actor=partner_user)
    today = timezone.localdate()
    # 1,200 + 18 + 20 + 5 = 1,243.00 owed by the seller, paid in two parts.
    for amount, reference in (("1000.00", "BANK-TRANSFER-REFERENCE-20261203-0001"), ("243.00", "ALIPAY-2")):
        statements.statement_record_payment(
            statement_id=statement.pk,
            actor=seller_user,
            amount=amount,
            currency="CNY",
            paid_on=today,
            method="bank_transfer",
            reference=reference,
        )
    return seller_user, partner_user, statement


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_statements_pages_fit_a_laptop_and_a_phone(new_page, live_server, screenshot_dir, language):
    seller_user, partner_user, statement = _settled_statement(language)
    too_wide = []
    for who, user in (("seller", seller_user), ("partner", partner_user)):
        page = new_page(locale=BROWSER_LOCALE[language], width=1280, height=800)
        log_in(page, user, language=language)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 800})
            for name, url in (
                ("list", reverse("statements:list")),
                ("statement", reverse("statements:detail", args=[statement.pk])),
            ):
                page.goto(url)
                expect(page.locator("#language-switcher")).to_be_visible()
                shoot(page, screenshot_dir, f"{who}-{name}-{width}")
                if width == 390:  # the phone's top (header, facts, totals), to look at without scrolling
                    page.screenshot(path=str(screenshot_dir / f"{who}-{name}-{width}-top.png"))
                parts = overflowing(page)
                if parts:
                    too_wide.append(f"{who}'s {name} at {width} px: {', '.join(parts)}")
    assert not too_wide, "\n".join(too_wide)
