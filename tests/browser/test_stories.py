"""The product's stories end to end in a real browser: each person signs in through /login/ in their
own browser context and works the pages by their roles and labels, as the design's stages go —
application, review (with a question), restock / resend / compensation, info update, customer
contact, close — plus bulk approval, the Chinese pages, and a seller kept out of another's data."""

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from playwright.sync_api import expect

from reship import workflow
from reship.choices import CustomerChannels, CustomerEvent, LineStatus, RequestStatus
from reship.models import CustomerMessageSetting, Notification, ReshipRequest
from reship.services.evidence import evidence_add
from reship.workflow.numbering import request_number_last
from tests.browser.conftest import shoot
from tests.browser.story_support import (
    action_card,
    current_stage,
    flash,
    line_row,
    log_in,
    main_nav,
    png_bytes,
    stage_bar,
    switch_language,
    write_png,
)
from tests.factories import (
    OrderFactory,
    OrderLineFactory,
    PartnerMembershipFactory,
    SellerMembershipFactory,
    SupplierFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _first_number() -> str:
    """The number the test's first request will get: the year's next. On PostgreSQL the year's
    sequence outlives the emptied tables of earlier tests (reship.workflow.numbering), so it is the
    last number handed out plus one; on SQLite the count restarts with the tables."""
    year = timezone.localdate().year
    return f"RS-{year}-{(request_number_last(year) or 0) + 1:06d}"


def _shop(*, order_number: str, lines: list[tuple[str, str]], supplier=None, **order):
    """A seller and a partner (both reading English) and one order of theirs with the given lines,
    whose products come from ``supplier`` when given."""
    seller = SellerMembershipFactory(user__language="en", seller__name="Lotus Tea House").user
    partner = PartnerMembershipFactory(user__language="en", partner__name="Swift Dropship").user
    shop_order = OrderFactory(
        seller=seller.seller_membership.seller,
        partner=partner.partner_membership.partner,
        platform_order_number=order_number,
        **order,
    )
    for sku, name in lines:
        source = {"product__supplier": supplier} if supplier is not None else {}
        OrderLineFactory(order=shop_order, product__sku_code=sku, product__name=name, quantity=2, **source)
    return seller, partner, shop_order


def _submit(seller, order, *, sku: str, resolution: str) -> ReshipRequest:
    """A request filed through the workflow, for stories that start after the application."""
    order_line = order.lines.get(product__sku_code=sku)
    return workflow.reship_submit(
        actor=seller,
        order_id=order.pk,
        reason="damaged",
        description="Broken in the parcel.",
        lines=[workflow.LineRequest(order_line.pk, 1, resolution)],
    )


def _approve(partner, reship: ReshipRequest) -> None:
    workflow.reship_approve(
        request_id=reship.pk,
        actor=partner,
        quote_goods="30.00",
        quote_shipping="8.00",
        cost_bearer="partner",
        promised_date=timezone.localdate() + timedelta(days=3),
    )


# --- (1) the whole story, a screenshot of every page --------------------------------------------


def test_the_full_story_from_application_to_close(new_page, screenshot_dir, media, tmp_path):
    seller_user, partner_user, order = _shop(
        order_number="TB2026060001",
        lines=[("SKU-MUG", "Enamel mug"), ("SKU-LID", "Mug lid")],
        customer_name="Li Lei",
        customer_email="lilei@example.com",
        customer_language="en",
    )
    # This shop tells its customers of outcomes by hand at the contact step (客户沟通), so the story
    # walks that step; a shop whose shipped message goes out automatically skips it (test_customer_story).
    CustomerMessageSetting.objects.create(
        seller=seller_user.seller_membership.seller, event=CustomerEvent.LINES_SHIPPED, channels=CustomerChannels.OFF
    )
    photo = write_png(tmp_path / "cracked-mug.png")
    number = _first_number()
    promised = timezone.localdate() + timedelta(days=4)

    def snap(page, name):
        shoot(page, screenshot_dir, name)

    # The seller files the request: Orders → the order → new request, with a photo.
    seller = new_page(locale="en")
    log_in(seller, seller_user, before_submit=lambda: snap(seller, "01-seller-login"))
    expect(seller.get_by_role("heading", level=1)).to_have_text("Lotus Tea House · seller home")
    snap(seller, "02-seller-home")

    main_nav(seller).get_by_role("link", name="Orders").click()
    expect(seller.get_by_role("heading", level=1)).to_have_text("Orders")
    snap(seller, "03-seller-orders")

    seller.get_by_role("link", name="TB2026060001").click()
    expect(seller.get_by_role("heading", level=1)).to_have_text("Order TB2026060001 (Taobao)")
    snap(seller, "04-seller-order-detail")

    seller.get_by_role("link", name="New reship request").click()
    expect(seller.get_by_role("heading", level=1)).to_have_text("New reship request for order TB2026060001")
    mug = seller.get_by_role("group", name="SKU-MUG · Enamel mug")
    mug.get_by_label("Include this line").check()
    mug.get_by_label("Quantity").fill("1")
    mug.get_by_label("Reason for this line").select_option(label="Damaged")
    mug.get_by_label("Resolution").select_option(label="Resend")
    seller.get_by_label("Reason for the request").select_option(label="Damaged")
    seller.get_by_label("Description").fill("The mug arrived cracked down the side.")
    seller.get_by_label("Evidence photos").set_input_files(str(photo))
    snap(seller, "05-seller-new-request-filled")
    seller.get_by_role("button", name="Submit the reship request").click()

    expect(seller.get_by_role("heading", level=1)).to_have_text("Reship request submitted")
    expect(seller.get_by_text(f"Request number: {number}")).to_be_visible()
    expect(seller.get_by_text("1 evidence photo attached.")).to_be_visible()
    snap(seller, "06-seller-confirmation")

    # The partner finds it in the review queue and asks a question.
    partner = new_page(locale="en")
    log_in(partner, partner_user, before_submit=lambda: snap(partner, "07-partner-login"))
    expect(partner.get_by_role("heading", level=1)).to_have_text("Swift Dropship · dropship partner home")
    snap(partner, "08-partner-home")

    main_nav(partner).get_by_role("link", name="Review queue").click()
    expect(partner.get_by_role("heading", level=1)).to_have_text("Review queue")
    expect(partner.get_by_text("1 request waiting")).to_be_visible()
    queued = partner.get_by_role("row").filter(has=partner.get_by_role("link", name=number))
    expect(queued).to_contain_text("Lotus Tea House")
    expect(queued).to_contain_text("SKU-MUG × 1 · Resend")
    snap(partner, "09-partner-review-queue")

    partner.get_by_role("link", name=number).click()
    expect(partner.get_by_role("heading", level=1)).to_contain_text(f"Reship request {number}")
    expect(partner.get_by_role("heading", level=1)).to_contain_text("Submitted")
    expect(current_stage(partner)).to_contain_text("Review")
    photo_shown = partner.get_by_role("region", name="Evidence").get_by_role("img", name="cracked-mug.png")
    expect(photo_shown).to_be_visible()
    photo_shown.scroll_into_view_if_needed()  # loaded lazily
    expect(photo_shown).to_have_js_property("naturalWidth", 2)  # the photo itself, 2×2 px, not a broken image
    snap(partner, "10-partner-request-in-review")

    ask = action_card(partner, "Ask for information")
    ask.get_by_label("Question for the seller").fill("Is the box damaged as well, or only the mug?")
    ask.get_by_role("button", name="Ask the seller").click()
    expect(flash(partner, "Your question was sent to the seller.")).to_be_visible()
    expect(partner.get_by_role("heading", level=1)).to_contain_text("Needs information")
    snap(partner, "11-partner-question-sent")

    # The seller reads the question on the request page and answers it.
    seller.get_by_role("link", name=f"Open request {number}").click()
    expect(seller.get_by_role("heading", level=1)).to_contain_text("Needs information")
    answer = action_card(seller, "Answer the question")
    expect(answer).to_contain_text("The partner asks: Is the box damaged as well, or only the mug?")
    snap(seller, "12-seller-sees-the-question")
    answer.get_by_label("Your answer").fill("Only the mug; the box is fine.")
    answer.get_by_role("button", name="Send the answer").click()
    expect(flash(seller, "Your answer was sent; the request is back in review.")).to_be_visible()
    expect(seller.get_by_role("heading", level=1)).to_contain_text("Submitted")
    snap(seller, "13-seller-answered")

    # The partner approves with a quote.
    partner.reload()
    expect(current_stage(partner)).to_contain_text("Review")
    snap(partner, "14-partner-sees-the-answer")
    approve = action_card(partner, "Approve")
    approve.get_by_label("Goods quote").fill("35")
    approve.get_by_label("Shipping quote").fill("12.50")
    approve.get_by_label("Cost borne by").select_option(label="Carrier")
    approve.get_by_label("Promised date").fill(promised.isoformat())
    approve.get_by_role("button", name="Approve with this quote").click()
    expect(flash(partner, "Approved with your quote; the seller is told.")).to_be_visible()
    expect(partner.get_by_role("heading", level=1)).to_contain_text("Approved")
    expect(current_stage(partner)).to_contain_text("Restock / resend")
    quote = partner.get_by_role("region", name="Quote", exact=True)
    expect(quote).to_contain_text("35.00 CNY")
    expect(quote).to_contain_text("12.50 CNY")
    expect(quote).to_contain_text("47.50 CNY")
    expect(quote).to_contain_text("Carrier")
    expect(quote).to_contain_text(promised.isoformat())
    snap(partner, "15-partner-approved")

    # The partner ships the line from the "To ship" list.
    main_nav(partner).get_by_role("link", name="To ship").click()
    expect(partner.get_by_role("heading", level=1)).to_have_text("To ship")
    snap(partner, "16-partner-to-ship")
    partner.get_by_role("link", name=f"Ship {number}").click()
    ship = action_card(partner, "Ship")
    ship.get_by_label("SKU-MUG · Enamel mug × 1").check()
    ship.get_by_label("Carrier", exact=True).select_option("SF")
    ship.get_by_label("Tracking number").fill("SF778899001122")
    ship.get_by_label("Quality-check note").fill("Checked: no cracks, wrapped in bubble film.")
    snap(partner, "17-partner-ship-filled")
    ship.get_by_role("button", name="Ship these lines").click()
    expect(flash(partner, "The parcel was recorded with its tracking number.")).to_be_visible()
    expect(partner.get_by_role("heading", level=1)).to_contain_text("Info update")
    expect(current_stage(partner)).to_contain_text("Info update")
    snap(partner, "18-partner-shipped")

    # The seller confirms the info update, tells the customer, and closes with an evaluation.
    seller.reload()
    expect(current_stage(seller)).to_contain_text("Info update")
    mug_row = line_row(seller, "SKU-MUG")
    expect(mug_row).to_contain_text("Shipped")
    expect(mug_row).to_contain_text("SF Express")
    expect(mug_row).to_contain_text("SF778899001122")
    expect(mug_row).to_contain_text("Quality check: Checked: no cracks, wrapped in bubble film.")
    snap(seller, "19-seller-sees-the-shipment")
    update = action_card(seller, "Confirm the info update")
    update.get_by_label("The sales platform shows the new tracking or the refund").check()
    update.get_by_role("button", name="Confirm the info update").click()
    expect(flash(seller, "The info update was confirmed; next, tell the customer.")).to_be_visible()
    expect(current_stage(seller)).to_contain_text("Customer contact")
    snap(seller, "20-seller-info-updated")

    contact = action_card(seller, "Contact the customer")
    contact.get_by_label("Send by").select_option(label="Email")
    message = contact.get_by_label("Message to the customer")
    expect(message).to_have_value(re.compile(re.escape("SF778899001122")))
    # Prefilled with the shop's own wording of "replacement shipped", in the customer's language.
    expect(message).to_have_value(
        re.compile(re.escape("We have sent you a replacement for order TB2026060001: 1 × Enamel mug."))
    )
    expect(message).to_have_value(re.compile(re.escape("Carrier: SF Express\nTracking number: SF778899001122")))
    snap(seller, "21-seller-contact-prefilled")
    contact.get_by_role("button", name="Contact the customer").click()
    expect(flash(seller, "The contact with the customer was recorded.")).to_be_visible()
    expect(seller.get_by_role("heading", level=1)).to_contain_text("Customer contacted")
    expect(seller.get_by_role("region", name="Communication log")).to_contain_text("Email · Outbound · Customer")
    snap(seller, "22-seller-customer-contacted")

    close = action_card(seller, "Close")
    close.get_by_label("Speed (1–5)").select_option("5")
    close.get_by_label("Quality (1–5)").select_option("4")
    close.get_by_label("Cooperation (1–5)").select_option("5")
    close.get_by_role("button", name="Close with this evaluation").click()
    expect(flash(seller, "The request was closed with your evaluation.")).to_be_visible()
    expect(seller.get_by_role("heading", level=1)).to_contain_text("Closed")
    expect(seller.get_by_text("speed 5/5, quality 4/5, cooperation 5/5")).to_be_visible()
    expect(current_stage(seller)).to_have_count(0)  # nothing is current: every stage is done
    expect(stage_bar(seller).get_by_role("listitem").filter(has_text="Closed")).to_contain_text("done")
    expect(action_card(seller, "Close")).to_have_count(0)
    expect(action_card(seller, "Follow up")).to_be_visible()  # all that is left: file again if it fails
    snap(seller, "23-seller-closed")

    assert ReshipRequest.objects.get().status == RequestStatus.CLOSED


# --- (2) restock from the source, then resend ---------------------------------------------------


def test_restock_then_resend_with_the_sources_emailed_link(new_page, screenshot_dir):
    supplier = SupplierFactory(name="Jingdezhen Kiln", email="orders@kiln.example.com")
    seller_user, partner_user, order = _shop(
        order_number="TB2026060002", lines=[("SKU-VASE", "Glass vase")], supplier=supplier
    )
    number = _first_number()
    ship_date = timezone.localdate() + timedelta(days=1)

    seller = new_page(locale="en")
    log_in(seller, seller_user)
    seller.goto(f"/orders/{order.pk}/new-request/")
    vase = seller.get_by_role("group", name="SKU-VASE · Glass vase")
    vase.get_by_label("Include this line").check()
    vase.get_by_label("Quantity").fill("1")
    vase.get_by_label("Resolution").select_option(label="Restock, then resend")
    seller.get_by_label("Reason for the request").select_option(label="Quality defect")
    seller.get_by_role("button", name="Submit the reship request").click()
    expect(seller.get_by_text(f"Request number: {number}")).to_be_visible()
    reship = ReshipRequest.objects.get(number=number)

    partner = new_page(locale="en")
    log_in(partner, partner_user)
    partner.goto(f"/requests/{reship.pk}/")
    approve = action_card(partner, "Approve")
    approve.get_by_label("Goods quote").fill("60")
    approve.get_by_label("Shipping quote").fill("10")
    approve.get_by_label("Cost borne by").select_option(label="Source")
    approve.get_by_role("button", name="Approve with this quote").click()
    expect(flash(partner, "Approved with your quote; the seller is told.")).to_be_visible()

    restock = action_card(partner, "Order a restock")
    restock.get_by_label("SKU-VASE · Glass vase × 1").check()
    restock.get_by_label("Note to the source").fill("One vase, same glaze please.")
    restock.get_by_role("button", name="Order the restock").click()
    expect(flash(partner, "The restock was ordered; the source is asked to confirm.")).to_be_visible()
    expect(line_row(partner, "SKU-VASE")).to_contain_text("Restock ordered")
    restocks = partner.get_by_role("table", name="Restock orders")
    expect(restocks).to_contain_text("Jingdezhen Kiln")
    expect(restocks).to_contain_text("Ordered")
    shoot(partner, screenshot_dir, "1-partner-ordered-the-restock")

    # The email to the source carries the link; the source opens it without an account.
    emailed = Notification.objects.get(template="restock_ordered")
    assert (emailed.channel, emailed.recipient_address) == ("email", "orders@kiln.example.com")
    link = emailed.payload["items"][0]["confirm_path"]
    assert link.startswith("/restock/")
    source = new_page(locale="en")
    source.goto(link)
    expect(source.get_by_role("heading", level=1)).to_have_text("Confirm a restock order")
    facts = source.get_by_role("table", name="Restock order")
    expect(facts).to_contain_text(number)
    expect(facts).to_contain_text("SKU-VASE")
    expect(facts).to_contain_text("One vase, same glaze please.")
    source.get_by_label("Ship date").fill(ship_date.isoformat())
    shoot(source, screenshot_dir, "2-source-confirms")
    source.get_by_role("button", name="Confirm the restock").click()
    expect(source.get_by_role("heading", level=1)).to_have_text("Thank you: the restock is confirmed")
    expect(source.get_by_role("status")).to_contain_text(
        f"You confirmed 1 × SKU-VASE for reship request {number}, to ship on {ship_date.isoformat()}."
    )
    shoot(source, screenshot_dir, "3-source-thanked")

    partner.reload()
    expect(line_row(partner, "SKU-VASE")).to_contain_text("Restocked")
    expect(partner.get_by_role("table", name="Restock orders")).to_contain_text(ship_date.isoformat())
    ship = action_card(partner, "Ship")
    ship.get_by_label("SKU-VASE · Glass vase × 1").check()
    ship.get_by_label("Carrier", exact=True).select_option("YTO")
    ship.get_by_label("Tracking number").fill("YT5566778899001")
    ship.get_by_role("button", name="Ship these lines").click()
    expect(flash(partner, "The parcel was recorded with its tracking number.")).to_be_visible()

    seller.goto(f"/requests/{reship.pk}/")
    vase_row = line_row(seller, "SKU-VASE")
    expect(vase_row).to_contain_text("Restock, then resend")
    expect(vase_row).to_contain_text("Shipped")
    expect(vase_row).to_contain_text("YT5566778899001")
    expect(current_stage(seller)).to_contain_text("Info update")
    shoot(seller, screenshot_dir, "4-seller-sees-it-shipped")


# --- (3) compensation ---------------------------------------------------------------------------


def test_the_partner_compensates_a_line_and_the_seller_sees_it(new_page, screenshot_dir):
    seller_user, partner_user, order = _shop(order_number="TB2026060003", lines=[("SKU-SCARF", "Silk scarf")])
    reship = _submit(seller_user, order, sku="SKU-SCARF", resolution="compensation")
    _approve(partner_user, reship)

    partner = new_page(locale="en")
    log_in(partner, partner_user)
    partner.goto(f"/requests/{reship.pk}/")
    compensate = action_card(partner, "Compensate")
    compensate.get_by_label("SKU-SCARF · Silk scarf × 1").check()
    compensate.get_by_label("Compensation method").select_option(label="Voucher")
    compensate.get_by_label("Compensation amount").fill("25")
    shoot(partner, screenshot_dir, "1-compensation-filled")
    compensate.get_by_role("button", name="Record the compensation").click()
    expect(flash(partner, "The compensation was recorded.")).to_be_visible()

    seller = new_page(locale="en")
    log_in(seller, seller_user)
    seller.goto(f"/requests/{reship.pk}/")
    expect(seller.get_by_role("heading", level=1)).to_contain_text("Info update")
    expect(current_stage(seller)).to_contain_text("Info update")
    scarf = line_row(seller, "SKU-SCARF")
    expect(scarf).to_contain_text("Compensated")
    expect(scarf).to_contain_text("25.00 CNY")
    expect(scarf).to_contain_text("Voucher")
    expect(action_card(seller, "Confirm the info update")).to_be_visible()
    shoot(seller, screenshot_dir, "2-seller-sees-the-compensation")
    assert reship.lines.get().status == LineStatus.COMPENSATED


# --- (4) bulk approval from the queue -----------------------------------------------------------


def test_the_partner_approves_two_requests_at_once_from_the_queue(new_page, screenshot_dir):
    seller_user, partner_user, order = _shop(
        order_number="TB2026060004", lines=[("SKU-PEN", "Fountain pen"), ("SKU-INK", "Ink bottle")]
    )
    first = _submit(seller_user, order, sku="SKU-PEN", resolution="resend")
    second = _submit(seller_user, order, sku="SKU-INK", resolution="resend")
    promised = timezone.localdate() + timedelta(days=2)

    partner = new_page(locale="en")
    log_in(partner, partner_user)
    main_nav(partner).get_by_role("link", name="Review queue").click()
    expect(partner.get_by_text("2 requests waiting")).to_be_visible()
    partner.get_by_label(f"Select {first.number}", exact=True).check()
    partner.get_by_label(f"Select {second.number}", exact=True).check()
    partner.get_by_label("Goods cost quote").fill("45")
    partner.get_by_label("Shipping cost quote").fill("9")
    partner.get_by_label("Cost borne by").select_option(label="Seller")
    partner.get_by_label("Promised date").fill(promised.isoformat())
    shoot(partner, screenshot_dir, "1-two-selected")
    partner.get_by_role("button", name="Approve selected").click()

    expect(partner.get_by_role("status").filter(has_text="Approved 2 requests")).to_contain_text(
        f"{first.number}, {second.number}"
    )
    expect(partner.get_by_text("Nothing waits for your review.")).to_be_visible()
    expect(partner.get_by_role("link", name=first.number, exact=True)).to_have_count(0)
    expect(partner.get_by_role("link", name=second.number, exact=True)).to_have_count(0)
    shoot(partner, screenshot_dir, "2-queue-empty")
    assert set(ReshipRequest.objects.values_list("status", flat=True)) == {RequestStatus.APPROVED}


# --- (5) the same short story in Chinese and in English -----------------------------------------

WORDS = {
    "zh-CN": {
        "lang": "zh-hans",
        "switcher": "简体中文",
        "new_request": "新建补单",
        "new_request_heading": "为订单 TB2026060005 新建补单",
        "include": "包含此明细",
        "quantity": "数量",
        "resolution": "处理方式",
        "resend": "补寄",
        "reason": "补单原因",
        "damaged": "商品破损",
        "submit": "提交补单",
        "submitted": "补单已提交",
        "number": "补单号：",
        "detail_heading": "补单 ",
        "goods": "货款报价",
        "shipping": "运费报价",
        "bearer": "费用承担方",
        "partner": "代发方",
        "promised": "承诺完成日期",
        "approve": "按此报价通过",
        "approved": "已按您的报价通过，并已通知卖家。",
        "stages": "补单阶段",
        "fulfilment": "补货/补寄中",
    },
    "en": {
        "lang": "en",
        "switcher": "English",
        "new_request": "New reship request",
        "new_request_heading": "New reship request for order TB2026060005",
        "include": "Include this line",
        "quantity": "Quantity",
        "resolution": "Resolution",
        "resend": "Resend",
        "reason": "Reason for the request",
        "damaged": "Damaged",
        "submit": "Submit the reship request",
        "submitted": "Reship request submitted",
        "number": "Request number: ",
        "detail_heading": "Reship request ",
        "goods": "Goods quote",
        "shipping": "Shipping quote",
        "bearer": "Cost borne by",
        "partner": "Dropship partner",
        "promised": "Promised date",
        "approve": "Approve with this quote",
        "approved": "Approved with your quote; the seller is told.",
        "stages": "Stages of this request",
        "fulfilment": "Restock / resend",
    },
}


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_submit_and_approve_in_the_readers_language(new_page, screenshot_dir, locale):
    """Both browsers ask for ``locale``; both accounts were saved in the other language (signing in
    may switch to it), so each person picks the language with the switcher, and the pages follow."""
    words = WORDS[locale]
    seller_user, partner_user, order = _shop(order_number="TB2026060005", lines=[("SKU-BOWL", "Rice bowl")])
    other = "en" if words["lang"] == "zh-hans" else "zh-hans"
    for user in (seller_user, partner_user):
        user.language = other
        user.save(update_fields=["language"])
    number = _first_number()

    seller = new_page(locale=locale)
    log_in(seller, seller_user, language=words["lang"])  # the login page follows the browser
    switch_language(seller, words["switcher"], words["lang"])
    seller.goto(f"/orders/{order.pk}/")
    seller.get_by_role("link", name=words["new_request"]).click()
    expect(seller.get_by_role("heading", level=1)).to_have_text(words["new_request_heading"])
    bowl = seller.get_by_role("group", name="SKU-BOWL · Rice bowl")
    bowl.get_by_label(words["include"]).check()
    bowl.get_by_label(words["quantity"]).fill("1")
    bowl.get_by_label(words["resolution"]).select_option(label=words["resend"])
    seller.get_by_label(words["reason"]).select_option(label=words["damaged"])
    expect(seller.get_by_role("button", name=words["submit"])).to_be_visible()
    shoot(seller, screenshot_dir, "1-new-request")
    seller.get_by_role("button", name=words["submit"]).click()
    expect(seller.get_by_role("heading", level=1)).to_have_text(words["submitted"])
    expect(seller.get_by_text(words["number"] + number)).to_be_visible()
    shoot(seller, screenshot_dir, "2-submitted")

    partner = new_page(locale=locale)
    log_in(partner, partner_user, language=words["lang"])
    switch_language(partner, words["switcher"], words["lang"])
    reship = ReshipRequest.objects.get(number=number)
    partner.goto(f"/requests/{reship.pk}/")
    expect(partner.get_by_role("heading", level=1)).to_contain_text(words["detail_heading"] + number)
    partner.get_by_label(words["goods"]).fill("20")
    partner.get_by_label(words["shipping"]).fill("6")
    partner.get_by_label(words["bearer"]).select_option(label=words["partner"])
    partner.get_by_label(words["promised"]).fill((timezone.localdate() + timedelta(days=2)).isoformat())
    partner.get_by_role("button", name=words["approve"]).click()
    expect(flash(partner, words["approved"])).to_be_visible()
    expect(current_stage(partner, words["stages"])).to_contain_text(words["fulfilment"])
    shoot(partner, screenshot_dir, "3-approved")
    assert ReshipRequest.objects.get(pk=reship.pk).status == RequestStatus.APPROVED
    partner_user.refresh_from_db()
    assert partner_user.language == words["lang"]  # the switcher saved the choice for emails too


# --- (6) another seller's data is a 404 ---------------------------------------------------------


def test_a_seller_gets_a_404_for_every_page_of_another_sellers_data(new_page, screenshot_dir, media):
    mine_user, _partner, mine = _shop(order_number="TB2026060006", lines=[("SKU-MINE", "My teapot")])
    theirs_user = SellerMembershipFactory(user__language="en", seller__name="Other Shop Ltd").user
    theirs = OrderFactory(
        seller=theirs_user.seller_membership.seller,
        partner=mine.partner,
        platform_order_number="JD9900112233",
        customer_name="Secret Customer",
    )
    OrderLineFactory(order=theirs, product__sku_code="SKU-SECRET", product__name="Secret lamp")
    my_request = _submit(mine_user, mine, sku="SKU-MINE", resolution="resend")
    their_request = _submit(theirs_user, theirs, sku="SKU-SECRET", resolution="resend")
    (my_photo,) = evidence_add(
        request=my_request,
        actor=mine_user,
        files=[SimpleUploadedFile("mine.png", png_bytes(), content_type="image/png")],
    )
    (their_photo,) = evidence_add(
        request=their_request,
        actor=theirs_user,
        files=[SimpleUploadedFile("secret-lamp.png", png_bytes(), content_type="image/png")],
    )

    def urls(order, reship, photo):
        return [
            f"/orders/{order.pk}/",
            f"/orders/{order.pk}/new-request/",
            f"/requests/{reship.pk}/",
            f"/requests/{reship.pk}/evidence/{photo.pk}/",
        ]

    page = new_page(locale="en")
    log_in(page, mine_user)
    for url in urls(mine, my_request, my_photo):  # the same pages of one's own data open
        assert page.goto(url).status == 200, url
    for index, url in enumerate(urls(theirs, their_request, their_photo), start=1):
        response = page.goto(url)
        assert response.status == 404, url
        text = page.content()
        for secret in ("JD9900112233", "Secret Customer", "SKU-SECRET", "Secret lamp", "Other Shop Ltd", "secret-lamp"):
            assert secret not in text, (url, secret)
        assert their_request.number not in text, url
        shoot(page, screenshot_dir, f"{index}-not-found")
