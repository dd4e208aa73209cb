"""Every statement.* message renders for every recipient in both languages, with its amounts in
their currency and a link to the statement (the page, or the source's signed link)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from reship.choices import NotificationChannel
from reship.models import Notification, WebhookEndpoint
from reship.notifications.outbox import STATEMENT_TEMPLATES
from reship.notifications.rendering import render
from reship.services.inbox import inbox_entry
from reship.settlement import statements
from tests.factories import SupplierFactory
from tests.settlement_states import closed_request, pair

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
NOV_10 = datetime(2026, 11, 10, 12, 0, tzinfo=TZ)
DEC_2 = datetime(2026, 12, 2, 9, 0, tzinfo=TZ)


def test_every_statement_template_renders_for_both_sides_and_the_source():
    seller_user, partner_user = pair()
    partner = partner_user.partner_membership.partner
    seller = seller_user.seller_membership.seller
    hook = WebhookEndpoint.objects.create(
        seller=seller, url="https://hooks.example.com/reship", secret="s" * 32, events=["statement.issued"]
    )
    source = SupplierFactory(email="source@example.com")
    # seller: 100 goods borne by the seller → owes 100.00; the source bears 40 goods → owes 40.00
    closed_request(seller_user=seller_user, partner_user=partner_user, goods="100", closed_at=NOV_10)
    closed_request(
        seller_user=seller_user,
        partner_user=partner_user,
        goods="40",
        bearer="supplier",
        supplier=source,
        closed_at=NOV_10,
    )
    november = {"period_start": date(2026, 11, 1), "period_end": date(2026, 11, 30), "now": DEC_2}
    statement = statements.statement_draft(actor=partner_user, partner_id=partner.pk, seller_id=seller.pk, **november)
    statements.statement_issue(statement_id=statement.pk, actor=partner_user, now=DEC_2)
    line = statement.lines.order_by("position").first()
    statements.statement_dispute_line(
        statement_id=statement.pk, line_id=line.pk, actor=seller_user, reason="Too much.", now=DEC_2
    )
    statements.statement_adjust_line(
        statement_id=statement.pk, line_id=line.pk, actor=partner_user, message="Kept.", now=DEC_2
    )
    statements.statement_confirm(statement_id=statement.pk, actor=seller_user, now=DEC_2)
    statements.statement_confirm(statement_id=statement.pk, actor=partner_user, now=DEC_2)
    statements.statement_record_payment(
        statement_id=statement.pk,
        actor=seller_user,
        amount="100",
        currency="CNY",
        paid_on="2026-12-02",
        method="alipay",
        now=DEC_2,
    )
    source_statement = statements.statement_draft(
        actor=partner_user, partner_id=partner.pk, supplier_id=source.pk, **november
    )
    statements.statement_issue(statement_id=source_statement.pk, actor=partner_user, now=DEC_2)
    statements.statement_confirm(statement_id=source_statement.pk, actor=None, as_source=True, now=DEC_2)

    rows = list(Notification.objects.filter(statement__isnull=False))
    assert {row.template for row in rows} == STATEMENT_TEMPLATES
    webhooks = [row for row in rows if row.channel == NotificationChannel.WEBHOOK]
    assert [(row.webhook_endpoint_id, row.template) for row in webhooks] == [(hook.pk, "statement.issued")]
    assert webhooks[0].payload["data"]["number"] == statement.number
    assert webhooks[0].payload["data"]["totals"][0]["net"] == "100.00"
    source_rows = [row for row in rows if row.payload["audience"] == "supplier"]
    assert {(row.template, row.recipient_address) for row in source_rows} == {
        ("statement.issued", "source@example.com")
    }
    for row in rows:
        if row.channel == NotificationChannel.WEBHOOK:
            continue
        for language in ("en", "zh-hans"):
            row.language = language
            subject, text, html = render(row)
            where = f"{row.template} to {row.payload['audience']} in {language}"
            assert subject, where
            assert text.strip(), where
            assert html.startswith("<!DOCTYPE html>"), where
            assert row.payload["statement_number"] in subject, where
            for leftover in ("{{", "{%", "None", "&amp;"):
                assert leftover not in subject + text, where
            if row.payload["audience"] == "supplier":
                assert "/statement/" in text, where
                assert "CNY 40.00" in text, where
            else:
                assert f"/statements/{row.statement_id}/" in text, where
            if row.template == "statement.issued" and row.payload["audience"] == "seller":
                assert "CNY 100.00" in text, where
            if row.template == "statement.payment_recorded":
                assert "CNY 100.00" in text, where
    inbox_row = next(row for row in rows if row.channel == NotificationChannel.INBOX)
    assert inbox_entry(inbox_row, user=inbox_row.recipient_user).url == f"/statements/{inbox_row.statement_id}/"
