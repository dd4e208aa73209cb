"""Issue 16's "done when", in a real browser, once in English and once in Chinese: the customer, on a
390×844 phone, opens the insert card's link (售后卡), finds the order by its platform number and the
last 4 digits of the phone, reports a broken item with two photos and asks for it to be sent again;
the seller (who chose the shop's name, logo and customer messages on the settings page) confirms the
report, the partner approves, ships and marks the parcel delivered; the customer follows the link in
the email they got to the tracking page, sees received → approved → shipped (carrier link) →
delivered, and answers the survey. The customer's inbox (the email sink and the SMS backend) holds
exactly the messages the seller chose, once each, under the shop's name, never "Reship" or the RS
number. Screenshots of every customer page go under var/screenshots/<test>/.

Every word a page shows is read through the catalogue in the story's language (``Words``), so the
story follows the Chinese as it is merged; the msgids that came back in English are listed in a
warning at the end."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from playwright.sync_api import Page, expect

from orders.models import Product
from reship import workflow
from reship.choices import NotificationStatus, RequestSource, RequestStatus
from reship.models import Notification, ReshipRequest, SurveyResponse
from suppliers.choices import MemberRole
from tests.browser.conftest import shoot
from tests.browser.story_support import action_card, flash, log_in, png_bytes, switch_language
from tests.factories import OrderFactory, OrderLineFactory, PartnerMembershipFactory, SellerMembershipFactory

pytestmark = pytest.mark.django_db(transaction=True)

BROWSER_LOCALE = {"en": "en", "zh-hans": "zh-CN"}
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
SHOP_NAME = {"en": "Little Deer Tea", "zh-hans": "小鹿茶舍"}
CUSTOMER = {"en": ("Emily Carter", "emily@example.com"), "zh-hans": ("王小明", "wangxm@example.com")}
CUSTOMER_PHONE = "138 1234 5678"
ORDER_NUMBER = {"en": "TB2026120300071", "zh-hans": "TB2026120300072"}
TRACKING = "SF123456789012"
SF_PAGE = "https://www.sf-express.com/chn/sc/waybill/waybill-detail/SF123456789012"
PRODUCTS = {"TEA-LJ-500": "西湖龙井 500 g 礼盒", "CUP-GL-2": "双层玻璃杯 2 只装"}


class PhoneInbox:
    """``RESHIP_MESSAGING_BACKEND`` for this story: every SMS the customer's phone gets."""

    sent: list[dict[str, str]] = []

    def send(self, *, channel: str, to: str, text: str) -> None:
        PhoneInbox.sent.append({"channel": channel, "to": to, "text": text})


class Words:
    """A page's words in the story's language, read through the catalogue by their msgid."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.untranslated: set[str] = set()

    def __call__(self, msgid: str, **values: object) -> str:
        with translation.override(self.language):
            text = gettext(msgid)
        if self.language != "en" and text == msgid:
            self.untranslated.add(msgid)
        return text % values if values else text


@pytest.fixture
def story_settings(settings, tmp_path, live_server) -> Iterator[None]:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SITE_URL = live_server.url  # the links in the customer's messages open the live server
    settings.RESHIP_MESSAGING_BACKEND = f"{__name__}.PhoneInbox"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    PhoneInbox.sent = []
    mail.outbox = []
    cache.clear()  # the lookup's rate limits count in the cache (this story's own Redis database)
    yield
    PhoneInbox.sent = []


@pytest.fixture
def phone(browser, live_server, screenshot_dir, request) -> Iterator[object]:
    """``phone(locale)``: the customer's browser, a 390×844 touch phone with its own cookies."""
    contexts = []

    def open_phone(locale: str) -> Page:
        context = browser.new_context(
            base_url=live_server.url,
            locale=locale,
            viewport=PHONE,
            is_mobile=True,
            has_touch=True,
            device_scale_factor=2,
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_phone
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    for context in contexts:
        if failed:
            for index, page in enumerate(context.pages):
                try:
                    page.screenshot(path=str(screenshot_dir / f"failure-phone-{index}.png"), full_page=True)
                except Exception:  # noqa: BLE001 - a screenshot must not hide the real failure
                    pass
        context.close()


def _awake_zone() -> str:
    """A customer time zone where it is daytime now, so the shipped SMS is not held for the night
    (quiet hours have their own tests): China when it is day there, else the first zone awake."""
    now = timezone.now()
    for name in ("Asia/Shanghai", "Europe/London", "America/New_York", "America/Los_Angeles", "Pacific/Auckland"):
        if 9 <= now.astimezone(ZoneInfo(name)).hour < 20:
            return name
    return "Asia/Tokyo"


def _shop(language: str):
    seller = SellerMembershipFactory(
        user__language=language, role=MemberRole.MANAGER, seller__name="Lotus Tea House Co., Ltd."
    ).user
    partner = PartnerMembershipFactory(user__language=language, partner__name="Swift Dropship").user
    shop = seller.seller_membership.seller
    name, email = CUSTOMER[language]
    order = OrderFactory(
        seller=shop,
        partner=partner.partner_membership.partner,
        platform_order_number=ORDER_NUMBER[language],
        customer_name=name,
        customer_email=email,
        customer_phone=CUSTOMER_PHONE,
        customer_language=language,
        customer_time_zone=_awake_zone(),
        placed_at=timezone.now() - timedelta(days=3),
    )
    for sku, product_name in PRODUCTS.items():
        product = Product.objects.create(seller=shop, sku_code=sku, name=product_name)
        OrderLineFactory(order=order, product=product, quantity=2, unit_price=Decimal("40.00"))
    return seller, partner, order


def _png(path: Path, width: int, height: int) -> str:
    path.write_bytes(png_bytes(width, height))
    return str(path)


# The smallest text a visible element holds, in CSS px (its own text, not its children's).
SMALLEST_TEXT = """() => Math.min(...[...document.querySelectorAll("body *")]
    .filter((el) => el.offsetParent !== null
        && [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim()))
    .map((el) => parseFloat(getComputedStyle(el).fontSize)))"""


def phone_shot(page: Page, folder: Path, name: str) -> None:
    """Screenshot a customer page and check it fits the phone: no sideways scrolling, no tiny text."""
    shoot(page, folder, name)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{name}: the page is {width} px wide on a {PHONE['width']} px phone"
    smallest = page.evaluate(SMALLEST_TEXT)
    assert smallest >= 12, f"{name}: text of {smallest} px on a phone"


def _serve(html: str):
    """A route handler answering with this HTML (Playwright calls it with the route and the request)."""

    def handler(route, _request) -> None:
        route.fulfill(content_type="text/html; charset=utf-8", body=html)

    return handler


def _inbox_file(path: Path, emails: list, texts: list[dict[str, str]]) -> None:
    parts = [
        f"EMAIL to {', '.join(message.to)}\nFrom: {message.from_email}\nSubject: {message.subject}\n\n{message.body}"
        for message in emails
    ]
    parts += [f"SMS to {text['to']}\n\n{text['text']}" for text in texts]
    path.write_text(("\n\n" + "=" * 72 + "\n\n").join(parts) + "\n", encoding="utf-8")


# --- the story -----------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_customer_reports_from_the_insert_card_and_follows_it_to_the_survey(
    new_page, phone, story_settings, screenshot_dir, live_server, tmp_path, language
):
    words = Words(language)
    seller_user, partner_user, order = _shop(language)
    shop_name = SHOP_NAME[language]
    customer_email = order.customer_email

    # 1. The seller sets the shop up on its settings page: name, logo, which messages go out and how.
    seller = new_page(locale=BROWSER_LOCALE[language], width=DESKTOP["width"], height=DESKTOP["height"])
    log_in(seller, seller_user, language=language)
    seller.goto(reverse("account:shop-settings"))
    branding = seller.get_by_role("region", name=words("Branding"), exact=True)
    branding.get_by_label(words("Display name"), exact=True).fill(shop_name)
    branding.get_by_label(words("Logo"), exact=True).set_input_files(_png(tmp_path / "deer-logo.png", 96, 96))
    branding.get_by_role("button", name=words("Save")).click()
    expect(flash(seller, words("Branding saved."))).to_be_visible()
    branding = seller.get_by_role("region", name=words("Branding"), exact=True)
    expect(branding.get_by_role("img", name=words("Your shop’s logo"))).to_have_js_property("naturalWidth", 96)

    choices = seller.get_by_role("region", name=words("Customer messages"), exact=True)
    chosen = {
        "Request received": "Email only",
        "Replacement shipped": "SMS only",
        "Compensation paid": "Not sent automatically",
        "Satisfaction survey": "Email only",
    }
    for message, channel in chosen.items():
        choices.get_by_label(words(message), exact=True).select_option(label=words(channel))
    choices.get_by_role("button", name=words("Save")).click()
    expect(flash(seller, words("Customer message choices saved."))).to_be_visible()

    survey = seller.get_by_role("region", name=words("Customer satisfaction survey"), exact=True)
    survey.get_by_label(words("Days after delivery"), exact=True).fill("0")
    survey.get_by_role("button", name=words("Save")).click()
    expect(flash(seller, words("Shop settings saved. Surveys already scheduled keep their date."))).to_be_visible()

    after_sale = seller.get_by_role("region", name=words("After-sale page (售后自助)"), exact=True)
    card_link = live_server.url + reverse("customer-report", kwargs={"key": order.seller.report_key})
    expect(after_sale.get_by_role("link", name=card_link, exact=True)).to_have_attribute("href", card_link)
    expect(after_sale.get_by_role("img", name=words("QR code of the after-sale page"))).to_be_visible()
    shoot(seller, screenshot_dir, "00-seller-shop-settings")
    after_sale.get_by_role("link", name=words("Print insert card")).click()
    card = seller.locator("article.insert-card")
    expect(card).to_contain_text(shop_name)
    expect(card.get_by_role("img", name=words("QR code of the after-sale page"))).not_to_have_js_property(
        "naturalWidth", 0
    )
    printed_link = card.locator(".card-link").inner_text().strip()  # what the card's QR code encodes
    assert printed_link == card_link
    shoot(seller, screenshot_dir, "00a-seller-insert-card")

    # 2. The customer scans the insert card's QR code: the shop's after-sale page, on a phone.
    customer = phone(BROWSER_LOCALE[language])
    customer.goto(printed_link)
    expect(customer.locator("html")).to_have_attribute("lang", language)
    expect(customer.get_by_role("heading", level=1)).to_have_text(words("Report a problem with your order"))
    expect(customer.locator(".shop-name")).to_have_text(shop_name)
    expect(customer.locator("img.shop-logo")).to_have_js_property("naturalWidth", 96)
    phone_shot(customer, screenshot_dir, "01-customer-lookup")

    customer.get_by_label(words("Order number"), exact=True).fill(order.platform_order_number)
    customer.get_by_label(words("Last 4 digits of your phone number"), exact=True).fill("5679")  # a typo first
    customer.get_by_role("button", name=words("Find my order")).click()
    expect(customer.get_by_role("alert").first).to_contain_text(
        words(
            "We could not find an order with these details. Check the order number and the last 4 digits "
            "of the phone number given with the order."
        )
    )
    phone_shot(customer, screenshot_dir, "02-customer-lookup-wrong-digits")
    customer.get_by_label(words("Last 4 digits of your phone number"), exact=True).fill("5678")
    customer.get_by_role("button", name=words("Find my order")).click()

    expect(customer.get_by_role("heading", level=1)).to_have_text(words("Report a problem"))
    expect(customer.get_by_text(order.platform_order_number)).to_be_visible()
    phone_shot(customer, screenshot_dir, "03-customer-report-form")
    tea = customer.get_by_role("group", name=PRODUCTS["TEA-LJ-500"], exact=True)
    tea.get_by_label(words("How many are affected?"), exact=True).fill("1")
    reason = customer.get_by_role("group", name=words("What went wrong?"), exact=True)
    reason.get_by_label(words("Damaged"), exact=True).check()
    customer.get_by_label(words("Tell us more (optional)"), exact=True).fill("礼盒压坏了，茶叶撒了一半。")
    wish = customer.get_by_role("group", name=words("What would you like?"), exact=True)
    wish.get_by_label(words("Send it again"), exact=True).check()
    customer.get_by_label(words("Photos (optional)"), exact=True).set_input_files(
        [_png(tmp_path / "box-crushed.png", 1200, 900), _png(tmp_path / "leaves-spilled.png", 900, 1200)]
    )
    previews = customer.locator("[data-photo-previews] img")
    expect(previews).to_have_count(2)  # downsized in the browser, shown before sending
    expect(customer.get_by_role("button", name=words("Send my report"))).to_be_enabled()
    phone_shot(customer, screenshot_dir, "04-customer-report-filled")
    customer.get_by_role("button", name=words("Send my report")).click()

    expect(customer.get_by_role("heading", level=1)).to_have_text(words("Thank you, we have your report"))
    expect(customer.get_by_role("link", name=words("Follow my report"))).to_have_attribute(
        "href", re.compile(r"^/t/[^/]+/$")
    )
    phone_shot(customer, screenshot_dir, "05-customer-thanks")
    reship = ReshipRequest.objects.get(order=order)
    assert (reship.status, reship.source) == (RequestStatus.REPORTED, RequestSource.CUSTOMER)
    assert [(line.order_line.product.sku_code, line.quantity, line.resolution) for line in reship.lines.all()] == [
        ("TEA-LJ-500", 1, "resend")
    ]
    assert reship.evidence.count() == 2

    customer.get_by_role("link", name=words("Follow my report")).click()
    expect(customer.get_by_role("heading", name=words("We are checking your report"))).to_be_visible()
    phone_shot(customer, screenshot_dir, "06-customer-tracking-checking")

    # 3. The seller finds the report on the request page and confirms it.
    seller.goto(f"/requests/{reship.pk}/")
    expect(seller.get_by_role("heading", level=1)).to_contain_text(words("Reported by the customer"))
    evidence = seller.get_by_role("region", name=words("Evidence"), exact=True)
    for photo, width in (("box-crushed.jpg", 1200), ("leaves-spilled.jpg", 900)):  # as downsized in the phone
        shown = evidence.get_by_role("img", name=photo, exact=True)
        shown.scroll_into_view_if_needed()  # loaded lazily
        expect(shown).to_have_js_property("naturalWidth", width)
    confirm = action_card(seller, words("Confirm the report"))
    shoot(seller, screenshot_dir, "07-seller-sees-the-report")
    confirm.get_by_role("button", name=words("Confirm and send to the partner")).click()
    expect(seller.get_by_role("heading", level=1)).to_contain_text(words("Submitted"))
    shoot(seller, screenshot_dir, "08-seller-confirmed")

    # 4. The partner approves, ships with a carrier and a tracking number, and marks it delivered.
    partner = new_page(locale=BROWSER_LOCALE[language], width=DESKTOP["width"], height=DESKTOP["height"])
    log_in(partner, partner_user, language=language)
    partner.goto(f"/requests/{reship.pk}/")
    approve = action_card(partner, words("Approve"))
    approve.get_by_label(words("Goods quote"), exact=True).fill("40")
    approve.get_by_label(words("Shipping quote"), exact=True).fill("12")
    approve.get_by_label(words("Cost borne by"), exact=True).select_option("seller")
    approve.get_by_role("button", name=words("Approve with this quote")).click()
    expect(flash(partner, words("Approved with your quote; the seller is told."))).to_be_visible()
    ship = action_card(partner, words("Ship"))
    ship.get_by_label(f"TEA-LJ-500 · {PRODUCTS['TEA-LJ-500']} × 1").check()
    ship.get_by_label(words("Carrier"), exact=True).select_option("SF")
    ship.get_by_label(words("Tracking number"), exact=True).fill(TRACKING)
    ship.get_by_role("button", name=words("Ship these lines")).click()
    expect(flash(partner, words("The parcel was recorded with its tracking number."))).to_be_visible()
    parcels = partner.get_by_role("region", name=words("Parcels"), exact=True)
    parcels.get_by_role("button", name=words("Mark delivered")).click()
    delivered = words("The parcel was marked delivered; the customer's survey is scheduled.")
    expect(flash(partner, delivered)).to_be_visible()
    shoot(partner, screenshot_dir, "09-partner-shipped-and-delivered")

    # The shipped SMS went out by itself: the seller's contact log holds it, sent, not to be repeated.
    seller.reload()
    contacts = seller.get_by_role("region", name=words("Communication log"), exact=True)
    sms_logged = contacts.get_by_role("listitem").filter(has_text=TRACKING)
    expect(sms_logged).to_have_count(1)
    expect(sms_logged).to_contain_text(words("sent automatically"))
    shoot(seller, screenshot_dir, "10-seller-contact-log")

    # 5. The customer follows the link in the email they got to the tracking page.
    [received] = [message for message in mail.outbox if customer_email in message.to]
    links = re.findall(r"https?://[^\s\"'<>]+/t/[^\s\"'<>/]+/", received.body)
    assert links, received.body
    customer.goto(links[0])
    track = customer.get_by_role("list").filter(has_text=words("Request received")).first
    done = customer.locator(".track-step.track-done .track-step-label")
    expect(done).to_have_text([words(step) for step in ("Request received", "Approved", "Shipped", "Delivered")])
    expect(track.get_by_role("link", name=words("Follow the parcel"))).to_have_attribute("href", SF_PAGE)
    expect(customer.get_by_text(TRACKING)).to_be_visible()
    expect(customer.get_by_role("heading", name=words("How did we do?"))).to_have_count(0)  # not sent yet
    phone_shot(customer, screenshot_dir, "11-customer-tracking-delivered")

    # The survey goes out as the beat sends it (the shop's delay: 0 days after delivery).
    reship.refresh_from_db()
    assert reship.survey_due_at is not None
    assert workflow.surveys_send_due(now=timezone.now()) == 1
    customer.reload()
    expect(customer.get_by_role("heading", name=words("How did we do?"))).to_be_visible()
    phone_shot(customer, screenshot_dir, "12-customer-tracking-survey-due")
    customer.get_by_role("link", name=words("Rate your experience")).click()
    expect(customer.get_by_role("heading", level=1)).to_have_text(words("How did we do?"))
    expect(customer.locator(".shop-name")).to_have_text(shop_name)
    phone_shot(customer, screenshot_dir, "13-customer-survey")
    very_satisfied = customer.get_by_label(words("5 – very satisfied"), exact=True)
    very_satisfied.check()
    row = customer.locator("label", has=very_satisfied).bounding_box()
    assert row is not None
    assert row["height"] >= 44, row  # a thumb's target on a phone
    phone_shot(customer, screenshot_dir, "13a-customer-survey-chosen")
    customer.get_by_label(words("Comment (optional)"), exact=True).fill("Quick and friendly, thank you!")
    customer.get_by_role("button", name=words("Send my answer")).click()
    expect(customer.get_by_role("heading", level=1)).to_have_text(words("Thank you for your answer"))
    phone_shot(customer, screenshot_dir, "14-customer-survey-thanks")
    assert SurveyResponse.objects.filter(request=reship, rating=5).count() == 1
    customer.goto(links[0])
    expect(customer.get_by_text(words("Thank you for answering our survey."))).to_be_visible()
    phone_shot(customer, screenshot_dir, "15-customer-tracking-answered")
    other = "en" if language == "zh-hans" else "zh-hans"  # the page's own switch, no account needed
    switch_language(customer, {"en": "English", "zh-hans": "简体中文"}[other], other)
    expect(customer.get_by_role("heading", level=2, name=Words(other)("Progress"), exact=True)).to_be_visible()
    expect(customer.locator(".shop-name")).to_have_text(shop_name)
    phone_shot(customer, screenshot_dir, "16-customer-tracking-other-language")

    # 6. The customer's inbox: exactly the messages the seller chose, once each, under the shop's name.
    _inbox_file(screenshot_dir / "inbox.txt", mail.outbox, PhoneInbox.sent)  # to read beside the screenshots
    told = Notification.objects.filter(request=reship, recipient_address__in=[customer_email, CUSTOMER_PHONE])
    assert sorted(told.values_list("template", "channel", "status")) == [
        ("lines_shipped", "sms", NotificationStatus.SENT),
        ("request_received", "email", NotificationStatus.SENT),
        ("survey_invitation", "email", NotificationStatus.SENT),
    ]
    emails = [message for message in mail.outbox if customer_email in message.to]
    assert len(emails) == 2, [message.subject for message in emails]  # received, then the survey
    assert "/survey/" in emails[1].body
    texts = [message for message in PhoneInbox.sent if message["to"] == CUSTOMER_PHONE]
    assert len(texts) == 1, texts  # shipped, by SMS only
    assert TRACKING in texts[0]["text"]
    everything = [
        *(f"{message.from_email}\n{message.subject}\n{message.body}" for message in emails),
        *(str(html) for message in emails for html, _kind in getattr(message, "alternatives", [])),  # the HTML part
        *(message["text"] for message in texts),
    ]
    for text in everything:
        assert shop_name in text, text
        assert "Reship" not in text, text
        assert reship.number not in text, text
        assert order.platform_order_number in text, text

    # The two emails as the customer reads them on the phone (their HTML part, served from the site's
    # address without its page CSP, which would block the email's inline styles), to look at.
    too_wide = []
    for index, message in enumerate(emails):
        for html, _kind in getattr(message, "alternatives", []):
            customer.route(f"**/__email__/{index}/", _serve(str(html)))
            customer.goto(f"/__email__/{index}/")
            shoot(customer, screenshot_dir, f"17-customer-email-{index + 1}")
            width = customer.evaluate("document.documentElement.scrollWidth")
            if width > PHONE["width"]:
                too_wide.append(f"{message.subject}: {width} px")
    if too_wide:
        warnings.warn(f"emails wider than a {PHONE['width']} px phone: {too_wide}", stacklevel=1)

    if words.untranslated:
        warnings.warn(f"not translated to {language} yet: {sorted(words.untranslated)}", stacklevel=1)
