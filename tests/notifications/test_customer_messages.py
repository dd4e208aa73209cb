"""One message per event, the shop's choice (issue 16, item 1): what the customer's inbox holds for
each resolution, the shop's choices (default, both, off), the contact step completed by the
automatic message, SMS quiet hours, and the branded message as the customer reads it."""

import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone

from reship import workflow
from reship.choices import CustomerChannels, CustomerEvent, EventKind, RequestStatus
from reship.core.errors import InvalidInput
from reship.customers import policy
from reship.models import CommunicationRecord, CustomerMessageSetting, Notification, ReshipRequest, RestockOrder
from reship.notifications.customer import customer_tell
from reship.notifications.delivery import notification_deliver
from reship.web.forms.requests import ContactCustomerForm
from tests.factories import (
    OrderFactory,
    OrderLineFactory,
    PartnerMembershipFactory,
    SellerMembershipFactory,
)

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")


class PhoneInbox:
    """``RESHIP_MESSAGING_BACKEND`` for these tests: every SMS sent."""

    sent: list[tuple[str, str]] = []

    def send(self, *, channel: str, to: str, text: str) -> None:
        PhoneInbox.sent.append((to, text))


@pytest.fixture(autouse=True)
def message_settings(settings):
    settings.SITE_URL = "https://shop.example.com"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.RESHIP_MESSAGING_BACKEND = f"{__name__}.PhoneInbox"
    PhoneInbox.sent = []


def links_as_one(text: str) -> str:
    """The text with each tracking-page token as ``<token>`` (a signed token carries its second)."""
    return re.sub(r"/t/[^/\s]+/", "/t/<token>/", text)


def make_shop(*, email: str = "alice@example.com", phone: str = "+86 138 0013 8000", language: str = "en"):
    seller = SellerMembershipFactory(
        seller__name="Hangzhou Cup Trading Co., Ltd.", seller__display_name="Cup Corner", user__language="en"
    ).user
    partner = PartnerMembershipFactory(user__language="en").user
    order = OrderFactory(
        seller=seller.seller_membership.seller,
        partner=partner.partner_membership.partner,
        platform_order_number="TB778899",
        customer_name="Alice",
        customer_email=email,
        customer_phone=phone,
        customer_language=language,
        customer_time_zone="Asia/Shanghai",
    )
    line = OrderLineFactory(order=order, product__sku_code="MUG", product__name="Mug", quantity=2)
    return seller, partner, order, line


def choose(order, event: str, channels: str) -> None:
    CustomerMessageSetting.objects.update_or_create(
        seller_id=order.seller_id, event=event, defaults={"channels": channels}
    )


def submit(seller, order, line, resolution: str) -> ReshipRequest:
    return workflow.reship_submit(
        actor=seller,
        order_id=order.pk,
        reason="damaged",
        description="Arrived broken.",
        lines=[workflow.LineRequest(line.pk, 2, resolution)],
    )


def resolve(partner, request: ReshipRequest, resolution: str) -> None:
    """From submitted to every line resolved, as the partner would."""
    workflow.reship_approve(
        request_id=request.pk,
        actor=partner,
        quote_goods="20.00",
        quote_shipping="8.00",
        cost_bearer="partner",
        promised_date=timezone.localdate() + timedelta(days=3),
    )
    reship_line = request.lines.get()
    if resolution == "compensation":
        workflow.reship_compensate(
            request_id=request.pk, actor=partner, line_ids=[reship_line.pk], method="refund", amount="12"
        )
        return
    if resolution == "restock_resend":
        workflow.reship_start_restock(request_id=request.pk, actor=partner, line_ids=[reship_line.pk])
        restock = RestockOrder.objects.get(request=request)
        workflow.reship_confirm_restock(restock_order_id=restock.pk, actor=partner, ship_date=timezone.localdate())
    workflow.reship_ship(
        request_id=request.pk,
        actor=partner,
        items=[workflow.ShipItem(reship_line.pk)],
        carrier="SF Express",
        tracking_number="SF1234567890123",
    )


def inbox(request: ReshipRequest) -> Counter:
    """The customer's messages, counted per (message, channel)."""
    rows = Notification.objects.filter(request=request, payload__audience="customer")
    return Counter((row.template, row.channel) for row in rows)


def full_flow(seller, partner, order, line, resolution: str) -> ReshipRequest:
    request = submit(seller, order, line, resolution)
    resolve(partner, request, resolution)
    workflow.reship_confirm_info_update(request_id=request.pk, actor=seller)
    request.refresh_from_db()
    if request.status == RequestStatus.CUSTOMER_CONTACT:
        workflow.reship_contact_customer(request_id=request.pk, actor=seller, channel="email")
    workflow.reship_close(request_id=request.pk, actor=seller, rating_speed=5, rating_quality=5, rating_cooperation=5)
    ReshipRequest.objects.filter(pk=request.pk).update(survey_due_at=timezone.now())
    workflow.surveys_send_due(now=timezone.now())
    return ReshipRequest.objects.get(pk=request.pk)


OUTCOME = {"resend": "lines_shipped", "restock_resend": "lines_shipped", "compensation": "lines_compensated"}


# --- the "done when" test: no duplicate for any resolution ------------------------------------------
@pytest.mark.parametrize("resolution", ["resend", "restock_resend", "compensation"])
@pytest.mark.parametrize(("email", "channel"), [("alice@example.com", "email"), ("", "sms")])
def test_each_resolution_tells_the_customer_once_per_event_and_completes_the_contact_step(resolution, email, channel):
    seller, partner, order, line = make_shop(email=email)

    request = full_flow(seller, partner, order, line, resolution)

    assert inbox(request) == Counter(
        {("request_received", channel): 1, (OUTCOME[resolution], channel): 1, ("survey_invitation", channel): 1}
    )
    assert request.status == RequestStatus.CLOSED
    contacted = request.events.get(kind=EventKind.CUSTOMER_CONTACTED)
    assert contacted.actor is None
    assert contacted.data == {"automatic": True, "channels": [channel]}
    assert (contacted.from_status, contacted.to_status) == (RequestStatus.CUSTOMER_CONTACT, RequestStatus.CONTACTED)
    label = {"lines_shipped": "Replacement shipped", "lines_compensated": "Compensation paid"}[OUTCOME[resolution]]
    shown = {"email": "Email", "sms": "SMS"}[channel]
    assert contacted.message == f"The customer was told automatically: {label} ({shown})."
    outcome = Notification.objects.get(request=request, template=OUTCOME[resolution], dedup_key__isnull=False)
    logged = CommunicationRecord.objects.get(request=request, notification=outcome)
    assert (logged.channel, logged.automatic, logged.summary, logged.notification.status) == (
        channel,
        True,
        outcome.payload["text"],
        "pending",
    )
    assert logged.occurred_at == outcome.created_at
    assert request.lines.get().customer_told_at is not None


def test_a_second_parcel_is_a_new_message_but_the_same_parcel_is_not():
    seller, partner, order, line = make_shop()
    request = submit(seller, order, line, "resend")
    now = timezone.now()

    first = customer_tell(request=request, event=CustomerEvent.LINES_SHIPPED, now=now, about=41)
    again = customer_tell(request=request, event=CustomerEvent.LINES_SHIPPED, now=now, about=41)
    other_parcel = customer_tell(request=request, event=CustomerEvent.LINES_SHIPPED, now=now, about=42)

    assert [row.channel for row in first] == ["email"]
    assert again == []
    assert [row.channel for row in other_parcel] == ["email"]
    assert Notification.objects.filter(request=request, template="lines_shipped").count() == 2
    assert CommunicationRecord.objects.filter(request=request, notification__template="lines_shipped").count() == 2


# --- the shop's choice --------------------------------------------------------------------------
def test_both_sends_one_email_and_one_sms():
    seller, _partner, order, line = make_shop()
    choose(order, CustomerEvent.REQUEST_RECEIVED, CustomerChannels.BOTH)

    request = submit(seller, order, line, "resend")

    assert inbox(request) == Counter({("request_received", "email"): 1, ("request_received", "sms"): 1})


def test_off_sends_nothing_and_the_contact_step_sends_one_prefilled_message():
    seller, partner, order, line = make_shop()
    for event in CustomerEvent.values:
        choose(order, event, CustomerChannels.OFF)
    request = submit(seller, order, line, "resend")
    resolve(partner, request, "resend")
    workflow.reship_confirm_info_update(request_id=request.pk, actor=seller)
    request.refresh_from_db()
    assert request.status == RequestStatus.CUSTOMER_CONTACT
    assert inbox(request) == Counter()

    form = ContactCustomerForm(reship=request)
    prefilled = form.initial["message"]
    assert form.initial["channel"] == "email"
    assert prefilled.startswith("Dear Alice,\n\nWe have sent you a replacement for order TB778899: 2 × Mug.\n")
    assert "Carrier: SF Express\nTracking number: SF1234567890123\n" in prefilled
    assert prefilled.endswith("Sorry for the trouble.\nCup Corner")

    workflow.reship_contact_customer(request_id=request.pk, actor=seller, channel="email")

    assert inbox(request) == Counter({("customer_message", "email"): 1})
    sent = Notification.objects.get(request=request, template="customer_message")
    assert links_as_one(sent.payload["text"]) == links_as_one(prefilled)
    assert sent.payload["subject"] == "Cup Corner: about your order TB778899"
    logged = CommunicationRecord.objects.get(request=request)
    assert (logged.channel, logged.automatic, logged.recorded_by, logged.notification) == ("email", False, seller, sent)


def test_the_contact_form_offers_only_the_channels_the_order_can_reach():
    seller, partner, order, line = make_shop(email="")
    choose(order, CustomerEvent.LINES_SHIPPED, CustomerChannels.OFF)
    request = submit(seller, order, line, "resend")
    resolve(partner, request, "resend")
    workflow.reship_confirm_info_update(request_id=request.pk, actor=seller)
    request.refresh_from_db()

    form = ContactCustomerForm(reship=request)

    assert [value for value, _label in form.fields["channel"].choices] == ["sms", "phone", "im", "site_message"]
    assert form.initial["channel"] == "sms"
    assert links_as_one(form.initial["message"]) == (
        "Cup Corner: your replacement for order TB778899 left with SF Express, tracking SF1234567890123. "
        "Follow it: https://shop.example.com/t/<token>/"
    )


def test_contacting_by_an_unreachable_channel_is_refused_naming_the_channels_and_writes_nothing():
    seller, partner, order, line = make_shop(email="")
    choose(order, CustomerEvent.LINES_SHIPPED, CustomerChannels.OFF)
    request = submit(seller, order, line, "resend")
    resolve(partner, request, "resend")
    workflow.reship_confirm_info_update(request_id=request.pk, actor=seller)
    before = (Notification.objects.count(), CommunicationRecord.objects.count())

    with pytest.raises(InvalidInput) as refused:
        workflow.reship_contact_customer(request_id=request.pk, actor=seller, channel="email", message="Hello")

    assert str(refused.value) == (
        f"Order {order} cannot be reached by Email; choose one of: SMS, Phone, Instant messaging, Site message."
    )
    assert (Notification.objects.count(), CommunicationRecord.objects.count()) == before
    assert ReshipRequest.objects.get(pk=request.pk).status == RequestStatus.CUSTOMER_CONTACT


# --- SMS quiet hours ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("local", "expected"),
    [
        (datetime(2030, 5, 18, 23, 30, tzinfo=SHANGHAI), datetime(2030, 5, 19, 8, 0, tzinfo=SHANGHAI)),
        (datetime(2030, 5, 18, 7, 59, tzinfo=SHANGHAI), datetime(2030, 5, 18, 8, 0, tzinfo=SHANGHAI)),
        (datetime(2030, 5, 18, 8, 0, tzinfo=SHANGHAI), datetime(2030, 5, 18, 8, 0, tzinfo=SHANGHAI)),
        (datetime(2030, 5, 18, 21, 59, tzinfo=SHANGHAI), datetime(2030, 5, 18, 21, 59, tzinfo=SHANGHAI)),
        (datetime(2030, 5, 18, 22, 0, tzinfo=SHANGHAI), datetime(2030, 5, 19, 8, 0, tzinfo=SHANGHAI)),
    ],
)
def test_an_sms_in_shanghai_quiet_hours_waits_until_eight(local, expected):
    order = OrderFactory(customer_time_zone="Asia/Shanghai")

    assert policy.sms_send_at(order, local.astimezone(UTC)) == expected


def test_a_us_phone_number_at_ten_in_the_evening_in_new_york_waits_for_the_morning_there():
    order = OrderFactory(customer_time_zone="", customer_phone="+1 212 555 0123", ship_phone_e164="", ship_country="US")
    ten_pm = datetime(2030, 5, 18, 22, 0, tzinfo=NEW_YORK)  # 10:00 the next day in Shanghai

    assert policy.sms_send_at(order, ten_pm.astimezone(UTC)) == datetime(2030, 5, 19, 8, 0, tzinfo=NEW_YORK)


def test_the_orders_own_time_zone_wins_over_the_phone_number():
    order = OrderFactory(
        customer_time_zone="Europe/Berlin", customer_phone="+1 212 555 0123", ship_phone_e164="", ship_country="US"
    )
    berlin_noon = datetime(2030, 5, 18, 12, 0, tzinfo=ZoneInfo("Europe/Berlin"))  # 06:00 in New York

    assert policy.sms_send_at(order, berlin_noon) == berlin_noon


def test_a_held_sms_is_written_now_and_sent_at_eight():
    seller, _partner, order, line = make_shop(email="")
    request = submit(seller, order, line, "resend")
    late = datetime(2030, 5, 18, 23, 30, tzinfo=SHANGHAI)

    (row,) = customer_tell(request=request, event=CustomerEvent.LINES_SHIPPED, now=late, about=7)

    assert row.next_attempt_at == datetime(2030, 5, 19, 8, 0, tzinfo=SHANGHAI)
    assert notification_deliver(notification_id=row.pk, now=late + timedelta(hours=8)) == "not_due"
    assert PhoneInbox.sent == []
    assert notification_deliver(notification_id=row.pk, now=datetime(2030, 5, 19, 8, 0, tzinfo=SHANGHAI)) == "sent"
    assert PhoneInbox.sent == [("+86 138 0013 8000", row.payload["text"])]


# --- the message as the customer reads it -------------------------------------------------------
def test_the_email_is_the_shops_branded_with_its_logo_and_never_says_reship():
    seller, partner, order, line = make_shop(language="zh-hans")
    shop = order.seller
    shop.logo = "logos/cup-corner.png"
    shop.save(update_fields=["logo"])
    request = submit(seller, order, line, "resend")
    (row,) = Notification.objects.filter(request=request, template="request_received")

    assert notification_deliver(notification_id=row.pk) == "sent"

    (email,) = mail.outbox
    html = email.alternatives[0][0]
    assert email.subject == "Cup Corner：已收到您的售后申请（订单 TB778899）"
    assert email.from_email.startswith("Cup Corner <")
    assert email.body.startswith("Alice，您好！\n\n我们已收到您关于订单 TB778899 的售后申请：2 × Mug。")
    assert f'src="https://shop.example.com/c/{shop.report_key}/logo/"' in html
    assert "Cup Corner</td>" in html
    assert f'<a href="{row.payload["follow_link"]}" style="display:inline-block;' in html  # the button
    for never in ("Reship", "reship", request.number, "Hangzhou Cup Trading"):
        assert never not in html.replace("reship.localhost", "")
        assert never not in email.body
        assert never not in email.subject


def test_the_sms_is_the_filled_sms_wording_sent_whole():
    seller, partner, order, line = make_shop(email="", language="zh-hans")
    request = submit(seller, order, line, "resend")
    (row,) = Notification.objects.filter(request=request, template="request_received")
    row.next_attempt_at = timezone.now()
    row.save(update_fields=["next_attempt_at"])

    assert notification_deliver(notification_id=row.pk) == "sent"

    assert PhoneInbox.sent == [
        (
            "+86 138 0013 8000",
            f"【Cup Corner】已收到您订单TB778899的售后申请，我们会尽快处理。进度查看：{row.payload['follow_link']}",
        )
    ]
    assert row.payload["follow_link"].startswith("https://shop.example.com/t/")


# --- the contact log on the request page ----------------------------------------------------------
def test_the_contact_log_shows_each_automatic_message_with_its_delivery_result(client):
    seller, partner, order, line = make_shop()
    choose(order, CustomerEvent.REQUEST_RECEIVED, CustomerChannels.BOTH)
    order.customer_time_zone = "America/New_York"
    order.save(update_fields=["customer_time_zone"])
    late = datetime(2030, 5, 18, 23, 30, tzinfo=NEW_YORK)
    request = workflow.reship_submit(
        actor=seller,
        order_id=order.pk,
        reason="damaged",
        description="Arrived broken.",
        lines=[workflow.LineRequest(line.pk, 2, "resend")],
        now=late,
    )
    email = Notification.objects.get(request=request, template="request_received", channel="email")
    assert notification_deliver(notification_id=email.pk, now=late) == "sent"
    client.force_login(seller)

    page = client.get(f"/requests/{request.pk}/").content.decode()

    log = page[page.index('id="communications"') :]
    assert log.count("sent automatically") == 2
    assert '<span class="delivery delivery-sent">Sent</span>' in log
    # 08:00 in New York is 12:00 UTC, shown in the seller's time zone (Shanghai: 20:00).
    assert "held until 2030-05-19 20:00 (quiet hours)" in log
    assert "Dear Alice," in log
