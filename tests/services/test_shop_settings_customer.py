"""A shop's customer-facing settings, through the one writer (reship.services.shop_settings): its
branding (a logo judged by its bytes), which messages go out and where, its own wording of each
message (only the message's placeholders), and the after-sale page's rules. Bad input is refused
with the field named and nothing is written; only the shop's managers change anything."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from orders.models import Seller
from reship.choices import CustomerChannels, CustomerEvent
from reship.core.errors import ActionNotPermitted, InvalidInput
from reship.customers import messages as wording
from reship.customers.policy import shop_choices
from reship.models import CustomerMessageSetting, CustomerMessageTemplate
from reship.services.shop_settings import (
    shop_branding_update,
    shop_messages_update,
    shop_report_rules_update,
    shop_template_reset,
    shop_template_update,
)
from suppliers.choices import MemberRole
from tests.factories import SellerMembershipFactory
from tests.services.test_evidence import EXE, png_bytes

pytestmark = pytest.mark.django_db

VALID_SHIPPED = (
    "{shop}, {customer_name}, {order_number}, {follow_link}, {items}, {carrier}, {tracking_number}, {tracking_link}"
)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def manager():
    return SellerMembershipFactory(role=MemberRole.MANAGER, user__language="en").user


def _seller(user) -> Seller:
    return Seller.objects.get(pk=user.seller_membership.seller_id)


def _files(settings) -> list[str]:
    root = settings.MEDIA_ROOT
    return sorted(p.name for p in root.rglob("*") if p.is_file()) if root.exists() else []


# --- templates ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("field", "text", "expected"),
    [
        ("body", "Hello {unknown}", "Unknown placeholder {unknown}. Valid placeholders: " + VALID_SHIPPED + "."),
        ("subject", "Order {order_number", "The braces do not match"),
        ("sms", "{amount:>999999}", "Unknown placeholder {amount:>999999}."),
        ("body", "{order_number.__class__}", "Unknown placeholder {order_number.__class__}."),
    ],
)
def test_a_template_with_a_bad_placeholder_is_refused_listing_the_valid_ones_and_nothing_is_saved(
    manager, field, text, expected
):
    texts = {"subject": "Shipped {order_number}", "body": "Hi {customer_name}", "sms": "Sent: {tracking_number}"}
    texts[field] = text

    with pytest.raises(InvalidInput) as refused:
        shop_template_update(
            actor=manager,
            seller_id=_seller(manager).pk,
            event=CustomerEvent.LINES_SHIPPED,
            language="en",
            **texts,
        )

    assert expected in refused.value.message
    assert "Valid placeholders: " + VALID_SHIPPED + "." in refused.value.message
    assert list(refused.value.field_errors) == [field]
    assert CustomerMessageTemplate.objects.count() == 0


def test_a_shop_writes_its_own_wording_and_resets_it_to_the_default(manager):
    seller = _seller(manager)
    shop_template_update(
        actor=manager,
        seller_id=seller.pk,
        event=CustomerEvent.REQUEST_RECEIVED,
        language="zh-hans",
        subject="{shop}收到啦",
        body="{customer_name}您好，订单{order_number}已登记。",
        sms="【{shop}】已收到：{follow_link}",
    )

    own = wording.wording_for(seller.pk, CustomerEvent.REQUEST_RECEIVED, "zh-hans")
    assert (own.subject, own.sms) == ("{shop}收到啦", "【{shop}】已收到：{follow_link}")
    assert CustomerMessageTemplate.objects.get().updated_by == manager

    shop_template_reset(actor=manager, seller_id=seller.pk, event=CustomerEvent.REQUEST_RECEIVED, language="zh-hans")

    back = wording.wording_for(seller.pk, CustomerEvent.REQUEST_RECEIVED, "zh-hans")
    assert back.subject == "{shop}：已收到您的售后申请（订单 {order_number}）"


def test_a_template_longer_than_its_bound_or_empty_is_refused(manager):
    with pytest.raises(InvalidInput) as refused:
        shop_template_update(
            actor=manager,
            seller_id=_seller(manager).pk,
            event=CustomerEvent.REQUEST_RECEIVED,
            language="en",
            subject="ok",
            body="ok",
            sms="x" * 501,
        )
    assert refused.value.message == "The SMS text has 501 characters; at most 500."

    with pytest.raises(InvalidInput) as empty:
        shop_template_update(
            actor=manager,
            seller_id=_seller(manager).pk,
            event=CustomerEvent.REQUEST_RECEIVED,
            language="en",
            subject="  ",
            body="ok",
            sms="ok",
        )
    assert empty.value.field_errors == {"subject": ["The email subject may not be empty."]}
    assert CustomerMessageTemplate.objects.count() == 0


# --- branding -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("menu.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"),
        ("logo.png", EXE),  # a renamed executable
    ],
)
def test_a_logo_that_is_not_an_image_is_refused_and_nothing_is_stored(manager, settings, name, content):
    seller = _seller(manager)

    with pytest.raises(InvalidInput) as refused:
        shop_branding_update(
            actor=manager,
            seller_id=seller.pk,
            display_name="Little Deer",
            logo=SimpleUploadedFile(name, content, content_type="image/png"),
        )

    assert refused.value.message == f"{name} is not one of the accepted files: JPEG, PNG, GIF or WebP photos."
    assert list(refused.value.field_errors) == ["logo"]
    seller.refresh_from_db()
    assert (seller.display_name, seller.logo.name) == ("", "")
    assert _files(settings) == []


def test_a_real_png_logo_is_stored_under_a_random_png_name_and_the_old_one_is_deleted(
    manager, settings, django_capture_on_commit_callbacks
):
    seller = _seller(manager)
    with django_capture_on_commit_callbacks(execute=True):
        shop_branding_update(
            actor=manager,
            seller_id=seller.pk,
            display_name="  Little   Deer ",
            logo=SimpleUploadedFile("my logo.exe", png_bytes()),
        )
    seller.refresh_from_db()
    first = seller.logo.name
    assert seller.display_name == "Little Deer"
    assert first.startswith(f"shops/{seller.pk}/logo-")
    assert first.endswith(".png")
    assert "my logo" not in first

    with django_capture_on_commit_callbacks(execute=True):
        shop_branding_update(
            actor=manager, seller_id=seller.pk, display_name="", logo=SimpleUploadedFile("b.png", png_bytes())
        )
    seller.refresh_from_db()
    assert seller.logo.name != first
    assert _files(settings) == [seller.logo.name.rsplit("/", 1)[-1]]
    assert seller.shown_name == seller.name

    with django_capture_on_commit_callbacks(execute=True):
        shop_branding_update(actor=manager, seller_id=seller.pk, display_name="", remove_logo=True)
    seller.refresh_from_db()
    assert seller.logo.name == ""
    assert _files(settings) == []


# --- message choices ------------------------------------------------------------------------------
def test_message_choices_are_saved_and_read_by_the_policy(manager):
    seller = _seller(manager)

    shop_messages_update(
        actor=manager,
        seller_id=seller.pk,
        choices={CustomerEvent.LINES_SHIPPED: CustomerChannels.BOTH, CustomerEvent.SURVEY_INVITATION: "off"},
    )

    assert shop_choices(seller.pk) == {
        "request_received": "email_or_sms",
        "lines_shipped": "both",
        "lines_compensated": "email_or_sms",
        "survey_invitation": "off",
        "report_declined": "email_or_sms",
    }


def test_an_unknown_channel_choice_is_refused_and_nothing_is_saved(manager):
    with pytest.raises(InvalidInput) as refused:
        shop_messages_update(
            actor=manager,
            seller_id=_seller(manager).pk,
            choices={CustomerEvent.LINES_SHIPPED: "both", CustomerEvent.SURVEY_INVITATION: "pigeon"},
        )

    assert refused.value.field_errors == {"survey_invitation": ["Choose one of the offered ways to send this message."]}
    assert CustomerMessageSetting.objects.count() == 0


# --- the after-sale page's rules ------------------------------------------------------------------
def test_report_rules_are_saved_within_their_bounds(manager):
    seller = _seller(manager)

    shop_report_rules_update(
        actor=manager,
        seller_id=seller.pk,
        return_window_days="45",
        auto_confirm_lost_days="7",
        auto_confirm_max_value="99.5",
    )
    seller.refresh_from_db()
    assert (seller.return_window_days, seller.auto_confirm_lost_days, seller.auto_confirm_max_value) == (
        45,
        7,
        Decimal("99.50"),
    )

    shop_report_rules_update(
        actor=manager, seller_id=seller.pk, return_window_days=30, auto_confirm_lost_days="", auto_confirm_max_value=""
    )
    seller.refresh_from_db()
    assert (seller.auto_confirm_lost_days, seller.auto_confirm_max_value) == (None, None)


@pytest.mark.parametrize(
    ("window", "lost", "value", "field", "message"),
    [
        ("0", "", "", "return_window_days", "The return window must be a whole number of days from 1 to 365."),
        ("366", "", "", "return_window_days", "The return window must be a whole number of days from 1 to 365."),
        ("30", "91", "", "auto_confirm_lost_days", "from 1 to 90."),
        ("30", "", "-1", "auto_confirm_max_value", "Give an amount of 0 or more with at most 2 decimals"),
        ("30", "", "1.005", "auto_confirm_max_value", "Give an amount of 0 or more with at most 2 decimals"),
        ("30", "", "NaN", "auto_confirm_max_value", "Give an amount of 0 or more with at most 2 decimals"),
        ("30", "", "lots", "auto_confirm_max_value", "Give an amount of 0 or more with at most 2 decimals"),
    ],
)
def test_report_rules_out_of_bounds_are_refused_and_nothing_changes(manager, window, lost, value, field, message):
    seller = _seller(manager)

    with pytest.raises(InvalidInput) as refused:
        shop_report_rules_update(
            actor=manager,
            seller_id=seller.pk,
            return_window_days=window,
            auto_confirm_lost_days=lost,
            auto_confirm_max_value=value,
        )

    assert message in refused.value.message
    assert list(refused.value.field_errors) == [field]
    seller.refresh_from_db()
    assert (seller.return_window_days, seller.auto_confirm_lost_days, seller.auto_confirm_max_value) == (30, None, None)


# --- who may change them ------------------------------------------------------------------------
def test_staff_and_another_shops_manager_change_nothing(manager):
    seller = _seller(manager)
    staff = SellerMembershipFactory(role=MemberRole.STAFF, seller=seller).user
    other = SellerMembershipFactory(role=MemberRole.MANAGER).user

    for actor in (staff, other):
        with pytest.raises(ActionNotPermitted):
            shop_branding_update(actor=actor, seller_id=seller.pk, display_name="Hijacked")
        with pytest.raises(ActionNotPermitted):
            shop_messages_update(actor=actor, seller_id=seller.pk, choices={"lines_shipped": "off"})
        with pytest.raises(ActionNotPermitted):
            shop_template_update(
                actor=actor, seller_id=seller.pk, event="lines_shipped", language="en", subject="a", body="b", sms="c"
            )
        with pytest.raises(ActionNotPermitted):
            shop_report_rules_update(
                actor=actor,
                seller_id=seller.pk,
                return_window_days=1,
                auto_confirm_lost_days=1,
                auto_confirm_max_value=1,
            )

    seller.refresh_from_db()
    assert (seller.display_name, seller.return_window_days) == ("", 30)
    assert CustomerMessageSetting.objects.count() == CustomerMessageTemplate.objects.count() == 0
