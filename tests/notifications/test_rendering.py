"""What the notifications say: every template renders in both languages, in the recipient's
language, with absolute links, the customer's carrier, tracking, substitutions and compensation,
and user text escaped in HTML but not in plain text."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core import mail
from django.utils import translation

from reship import workflow
from reship.accounts.models import User
from reship.choices import NotificationChannel
from reship.models import CustomerMessageSetting, Notification, ReshipRequest, RestockOrder
from reship.notifications.delivery import notification_deliver
from reship.notifications.outbox import STATEMENT_TEMPLATES, TEMPLATES
from reship.notifications.rendering import render, short_text
from reship.workflow import timeliness
from suppliers.choices import Region
from tests.factories import (
    OrderFactory,
    OrderLineFactory,
    PartnerMembershipFactory,
    ProductFactory,
    SellerMembershipFactory,
    SupplierFactory,
    UserFactory,
)
from tests.workflow_states import send_survey

NOW = datetime(2030, 5, 18, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
PROMISED = date(2030, 5, 20)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def rendering_settings(settings):
    settings.SITE_URL = "https://reship.example.com"
    settings.RESHIP_RESTOCK_LINK_DAYS = 14
    settings.RESHIP_SURVEY_LINK_DAYS = 30
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@dataclass
class Parties:
    seller: object
    partner: object
    order: object
    mug: object
    lamp: object
    vase: object
    blue_mug: object


def make_parties(*, seller_language: str = "en", customer_language: str = "en") -> Parties:
    seller = SellerMembershipFactory(
        seller__name="Tom & Jerry Shop",
        user__username="li",
        user__email="li@shop.example",
        user__language=seller_language,
    ).user
    partner = PartnerMembershipFactory(
        partner__name="Fast Dropship", user__username="wang", user__email="wang@dropship.example", user__language="en"
    ).user
    shop = seller.seller_membership.seller
    order = OrderFactory(
        seller=shop,
        partner=partner.partner_membership.partner,
        platform_order_number="TB2030",
        customer_name="Alice",
        customer_email="alice@example.com",
        customer_phone="+86 138 0013 8000",
        customer_language=customer_language,
    )
    source = SupplierFactory(name="Lamp Works", email="orders@lampworks.example", region=Region.OVERSEAS)
    return Parties(
        seller=seller,
        partner=partner,
        order=order,
        mug=OrderLineFactory(order=order, product__name="Red Mug", product__sku_code="MUG-RED"),
        lamp=OrderLineFactory(
            order=order, product__name="Desk Lamp", product__sku_code="LAMP", product__supplier=source
        ),
        vase=OrderLineFactory(order=order, product__name="Flower Vase", product__sku_code="VASE"),
        blue_mug=ProductFactory(seller=shop, name="Blue Mug", sku_code="MUG-BLUE"),
    )


def submit(parties: Parties, resolutions=(("mug", "resend"), ("lamp", "restock_resend"), ("vase", "compensation"))):
    return workflow.reship_submit(
        actor=parties.seller,
        order_id=parties.order.pk,
        reason="damaged",
        description="The parcel arrived crushed.",
        lines=[workflow.LineRequest(getattr(parties, name).pk, 1, resolution) for name, resolution in resolutions],
        now=NOW,
    )


def line_of(request: ReshipRequest, sku: str):
    return request.lines.get(order_line__product__sku_code=sku)


def to_customer_contact(parties: Parties) -> ReshipRequest:
    """Through every fulfilment step: a question, approval, a disputed and revised quote, a restock
    confirmed by the source's link, one parcel with a substitute, a compensation."""
    request = submit(parties)
    pk, partner, seller = request.pk, parties.partner, parties.seller
    workflow.reship_request_info(request_id=pk, actor=partner, question="A photo of the box?", now=NOW)
    workflow.reship_answer_info(request_id=pk, actor=seller, answer="Attached to the thread.", now=NOW)
    workflow.reship_approve(
        request_id=pk,
        actor=partner,
        quote_goods="60.00",
        quote_shipping="12.00",
        cost_bearer="carrier",
        promised_date=PROMISED,
        now=NOW,
    )
    workflow.reship_dispute_quote(request_id=pk, actor=seller, message="Shipping is 8.00 on our contract.", now=NOW)
    workflow.reship_revise_quote(
        request_id=pk, actor=partner, quote_goods="60.00", quote_shipping="8.00", cost_bearer="carrier", now=NOW
    )
    workflow.reship_start_restock(request_id=pk, actor=partner, line_ids=[line_of(request, "LAMP").pk], now=NOW)
    restock = RestockOrder.objects.get(request=request)
    workflow.reship_confirm_restock(restock_order_id=restock.pk, actor=None, ship_date=date(2030, 5, 21), now=NOW)
    workflow.reship_ship(
        request_id=pk,
        actor=partner,
        items=[
            workflow.ShipItem(line_of(request, "MUG-RED").pk, substitute_product_id=parties.blue_mug.pk),
            workflow.ShipItem(line_of(request, "LAMP").pk),
        ],
        carrier="SF Express",
        tracking_number="SF123456789012",
        now=NOW,
    )
    workflow.reship_compensate(
        request_id=pk, actor=partner, line_ids=[line_of(request, "VASE").pk], method="voucher", amount="25", now=NOW
    )
    workflow.reship_confirm_info_update(request_id=pk, actor=seller, now=NOW)
    return request


def rendered(request: ReshipRequest, template: str, channel: str = NotificationChannel.EMAIL, **filters):
    return render(Notification.objects.get(request=request, template=template, channel=channel, **filters))


def customer(request: ReshipRequest, template: str):
    return rendered(request, template, recipient_address="alice@example.com")


# --- every template ----------------------------------------------------------------------------------


def test_every_template_renders_for_every_recipient_in_both_languages():
    UserFactory(username="root", email="root@reship.example", is_superuser=True, is_staff=True)
    parties = make_parties()
    request = to_customer_contact(parties)  # the shipped message completed the contact step
    workflow.reship_close(
        request_id=request.pk, actor=parties.seller, rating_speed=4, rating_quality=5, rating_cooperation=4, now=NOW
    )
    parcel = request.shipments.get()
    workflow.reship_mark_delivered(shipment_id=parcel.pk, actor=parties.partner, delivered_at=NOW, now=NOW)
    send_survey(request, now=NOW)
    workflow.reship_reject(request_id=submit(parties, [("mug", "resend")]).pk, actor=parties.partner, reason="No.")
    root = User.objects.get(username="root")  # a platform admin reassigns one request and escalates another
    handed = submit(parties, [("mug", "resend")])
    workflow.reship_reassign_partner(
        request_id=handed.pk, actor=root, partner_id=PartnerMembershipFactory().partner_id, note="On holiday & away."
    )
    workflow.reship_cancel(request_id=handed.pk, actor=parties.seller, reason="Found.")
    moved = submit(parties, [("mug", "resend")])
    workflow.reship_approve(
        request_id=moved.pk, actor=parties.partner, quote_goods="10", quote_shipping="5", cost_bearer="partner"
    )
    workflow.reship_accept_quote(request_id=moved.pk, actor=parties.seller)
    workflow.reship_escalate(request_id=moved.pk, actor=root, note="Late & silent.")
    workflow.reship_change_ship_to(
        request_id=moved.pk, actor=parties.seller, ship_to={"street": "漕溪北路 88 号"}, note="Moved & happy."
    )
    timeliness.deadlines_check(now=NOW + timedelta(days=3))
    rows = list(Notification.objects.exclude(channel=NotificationChannel.WEBHOOK))

    # A customer's report (request_reported) has its own tests (the after-sale page's).
    # Statements have their own (tests/settlement/test_notifications.py).
    assert {row.template for row in rows if row.payload["audience"] != "customer"} == (
        TEMPLATES - {"request_reported"} - STATEMENT_TEMPLATES
    )
    assert {row.template for row in rows if row.payload["audience"] == "customer"} == {
        "request_received",
        "lines_shipped",
        "lines_compensated",
        "survey_invitation",
    }
    for row in rows:
        for language in ("en", "zh-hans"):
            row.language = language
            subject, text, html = render(row)
            where = f"{row.template} to {row.payload['audience']} by {row.channel} in {language}"
            assert subject, where
            assert "\n" not in subject, where
            assert text.strip(), where
            assert html.startswith("<!DOCTYPE html>"), where
            for leftover in ("{{", "{%", "None", "&amp;", "&lt;"):
                assert leftover not in subject + text, where
            assert f'<html lang="{language}">' in html, where


def test_rendering_leaves_the_active_language_alone():
    request = submit(make_parties())
    row = Notification.objects.get(request=request, template="request_submitted", channel=NotificationChannel.EMAIL)
    row.language = "zh-hans"

    with translation.override("en"):
        render(row)
        assert translation.get_language() == "en"


# --- the recipient's language ---------------------------------------------------------------------


def test_the_approval_email_is_written_in_each_recipients_language():
    parties = make_parties(seller_language="en")
    SellerMembershipFactory(
        seller=parties.seller.seller_membership.seller,
        user__username="zhang",
        user__email="zhang@shop.example",
        user__language="zh-hans",
    )
    request = submit(parties)
    workflow.reship_approve(
        request_id=request.pk,
        actor=parties.partner,
        quote_goods="60.00",
        quote_shipping="12.00",
        cost_bearer="carrier",
        promised_date=PROMISED,
        now=NOW,
    )
    for row in Notification.objects.filter(template="request_approved", channel=NotificationChannel.EMAIL):
        assert notification_deliver(notification_id=row.pk, now=NOW) == "sent"

    by_recipient = {message.to[0]: message for message in mail.outbox}
    english, chinese = by_recipient["li@shop.example"], by_recipient["zhang@shop.example"]
    assert english.subject == "Reship request RS-2030-000001 approved"
    assert "Fast Dropship approved reship request RS-2030-000001 for order TB2030." in english.body
    assert "- Goods: 60.00 CNY\n- Shipping: 12.00 CNY\n" in english.body
    assert "2030-05-20" in english.body  # the app's one date format (Y-m-d) in both languages
    assert '<html lang="en">' in english.alternatives[0][0]
    assert "2030-05-20" in chinese.body
    assert "May" not in chinese.body
    assert '<html lang="zh-hans">' in chinese.alternatives[0][0]


def test_the_customer_is_written_to_in_the_orders_language():
    request = to_customer_contact(make_parties(customer_language="zh-hans"))

    row = Notification.objects.get(request=request, template="lines_shipped", recipient_address="alice@example.com")

    assert row.language == "zh-hans"
    assert '<html lang="zh-hans">' in render(row)[2]
    assert "顺丰速运" in render(row)[1]  # the carrier by its Chinese name
    assert "SF Express" not in render(row)[1]


# --- what the customer is told -----------------------------------------------------------------------


def test_the_customer_is_told_carrier_tracking_and_the_substitute():
    request = to_customer_contact(make_parties())

    subject, text, html = customer(request, "lines_shipped")

    assert subject == "Tom & Jerry Shop: your replacement for order TB2030 is on its way"
    assert text.startswith(
        "Dear Alice,\n\nWe have sent you a replacement for order TB2030: 1 × Blue Mug, 1 × Desk Lamp.\n"
        "Carrier: SF Express\nTracking number: SF123456789012\n"
        "Follow the parcel: https://www.sf-express.com/chn/sc/waybill/waybill-detail/SF123456789012\n\n"
        "Your request: https://reship.example.com/t/"
    )
    assert text.endswith("\n\nSorry for the trouble.\nTom & Jerry Shop\n")
    assert ('<a href="https://www.sf-express.com/chn/sc/waybill/waybill-detail/SF123456789012" rel="nofollow">') in html
    assert "Sorry for the trouble.<br>Tom &amp; Jerry Shop</p>" in html
    assert "Fast Dropship" not in text + html  # the customer bought from the shop, not the partner
    assert request.number not in text + html


def test_the_customer_is_told_the_compensation():
    request = to_customer_contact(make_parties())

    subject, text, _html = customer(request, "lines_compensated")

    assert subject == "Tom & Jerry Shop: your compensation for order TB2030"
    assert "For order TB2030 (1 × Flower Vase) we have compensated you: CNY 25.00 (Voucher).\n" in text


def outcomes_not_automatic(parties: Parties) -> None:
    for event in ("lines_shipped", "lines_compensated"):
        CustomerMessageSetting.objects.create(seller=parties.order.seller, event=event, channels="off")


def test_the_contact_step_sends_the_shops_outcome_wording_when_it_was_not_sent_automatically():
    parties = make_parties()
    outcomes_not_automatic(parties)
    request = to_customer_contact(parties)
    workflow.reship_contact_customer(request_id=request.pk, actor=parties.seller, channel="email", now=NOW)

    subject, text, _html = customer(request, "customer_message")

    assert subject == "Tom & Jerry Shop: about your order TB2030"
    assert text.startswith(
        "Dear Alice,\n\nWe have sent you a replacement for order TB2030: 1 × Blue Mug, 1 × Desk Lamp.\n"
    )
    assert (
        "Sorry for the trouble.\nTom & Jerry Shop\n\n"
        "Dear Alice,\n\nFor order TB2030 (1 × Flower Vase) we have compensated you: CNY 25.00 (Voucher).\n"
    ) in text


def test_the_sellers_own_message_replaces_the_automatic_text():
    parties = make_parties()
    outcomes_not_automatic(parties)
    request = to_customer_contact(parties)
    workflow.reship_contact_customer(
        request_id=request.pk,
        actor=parties.seller,
        channel="email",
        message="Hi Alice, your new mug is on its way <3\nSorry again!",
        now=NOW,
    )

    _subject, text, html = customer(request, "customer_message")

    assert text == "Hi Alice, your new mug is on its way <3\nSorry again!\n"
    assert "<p>Hi Alice, your new mug is on its way &lt;3<br>Sorry again!</p>" in html
    assert "Tom &amp; Jerry Shop" in html  # signed by the shop, since the text is not


def test_the_survey_link_is_absolute():
    parties = make_parties()
    request = to_customer_contact(parties)
    workflow.reship_close(
        request_id=request.pk, actor=parties.seller, rating_speed=4, rating_quality=5, rating_cooperation=4, now=NOW
    )
    send_survey(request, now=NOW)

    subject, text, html = customer(request, "survey_invitation")

    assert subject == "Tom & Jerry Shop: how did we do?"
    assert "\nhttps://reship.example.com/survey/" in text
    assert 'href="https://reship.example.com/survey/' in html
    assert "The link stays valid for 30 days." in text


# --- the source and the staff ------------------------------------------------------------------------


def test_the_source_gets_absolute_confirm_links_in_english_when_overseas():
    request = to_customer_contact(make_parties())
    row = Notification.objects.get(request=request, template="restock_ordered")

    subject, text, html = render(row)

    assert (row.recipient_address, row.language) == ("orders@lampworks.example", "en")
    assert subject == f"Restock order from Fast Dropship (request {request.number})"
    assert "- 1 × Desk Lamp (SKU LAMP)\n  Confirm and give a ship date: https://reship.example.com/restock/" in text
    assert 'href="https://reship.example.com/restock/' in html
    assert "The links stay valid for 14 days." in text
    assert text.endswith(
        "Kind regards,\nFast Dropship\n\n--\nThis is an automatic message. Please do not reply to it.\n"
    )


def test_staff_emails_link_to_the_request():
    request = submit(make_parties())

    _subject, text, html = rendered(request, "request_submitted")

    assert f"\nhttps://reship.example.com/requests/{request.pk}/\n" in text
    assert f'href="https://reship.example.com/requests/{request.pk}/"' in html


def test_the_restock_confirmation_names_the_source_and_the_ship_date():
    request = to_customer_contact(make_parties())

    subject, text, _html = rendered(request, "restock_confirmed")

    assert subject == "Lamp Works confirmed the restock for request RS-2030-000001"
    assert (
        "Lamp Works confirmed the restock of 1 item for reship request RS-2030-000001 and will ship it on 2030-05-21."
        in text
    )


def test_the_escalation_says_whose_step_it_is():
    UserFactory(username="root", email="root@reship.example", is_superuser=True, is_staff=True, language="en")
    request = submit(make_parties())
    timeliness.deadlines_check(now=NOW + timedelta(days=3))

    subject, text, _html = rendered(request, "stage_escalated", recipient_address="root@reship.example")

    assert subject == "Overdue: reship request RS-2030-000001 (Submitted)"
    assert "is at twice its deadline in the stage “Submitted”. It is waiting for Fast Dropship.\n" in text


# --- escaping ----------------------------------------------------------------------------------------


def test_user_text_is_escaped_in_html_and_left_as_is_in_plain_text():
    parties = make_parties()
    request = submit(parties)
    workflow.reship_request_info(
        request_id=request.pk, actor=parties.partner, question='<b>Is the box</b> & the mug "broken"?', now=NOW
    )
    workflow.reship_answer_info(request_id=request.pk, actor=parties.seller, answer="Yes.", now=NOW)

    subject, text, html = rendered(request, "info_answered")

    assert subject == "Tom & Jerry Shop answered your question on reship request RS-2030-000001"
    assert "<title>Tom &amp; Jerry Shop answered your question" in html
    _subject, text, html = rendered(request, "info_requested")
    assert '\n<b>Is the box</b> & the mug "broken"?\n' in text
    assert "&lt;b&gt;Is the box&lt;/b&gt; &amp; the mug &quot;broken&quot;?" in html
    assert "<b>Is the box</b>" not in html


# --- SMS ---------------------------------------------------------------------------------------------


def test_short_text_keeps_the_first_300_characters():
    assert short_text("  Your parcel is on its way.\n") == "Your parcel is on its way."
    assert short_text("x" * 300) == "x" * 300
    assert short_text("x" * 1000) == "x" * 299 + "…"
