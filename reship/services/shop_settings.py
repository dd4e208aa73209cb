"""A seller's own settings (店铺设置), one writer for each: when the customer's satisfaction survey goes
out; the name and logo customers see (branding); which customer messages go out automatically and on
which channels; the shop's own wording of each message in Chinese and English; and the rules of the
after-sale page (售后自助: the return window, automatic confirmation). The seller's managers change them
(``permissions.can_manage_shop_settings``); staff read them. Each change is one transaction: bad
input is refused with the field named and nothing is written."""

from __future__ import annotations

import secrets
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, NoReturn

from django.db import transaction
from django.utils.translation import gettext as _

from orders.models import Seller
from reship import permissions
from reship.choices import CustomerChannels, CustomerEvent
from reship.core.bounds import int_from_text
from reship.core.errors import ActionNotPermitted, InvalidInput
from reship.core.uploads import image_kind
from reship.customers.messages import LANGUAGES, template_check
from reship.models import CustomerMessageSetting, CustomerMessageTemplate

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from reship.accounts.models import User

SURVEY_DAYS_MIN = 0
SURVEY_DAYS_MAX = 30
DISPLAY_NAME_MAX = 100
SUBJECT_MAX = 200
BODY_MAX = 4000
SMS_MAX = 500
RETURN_WINDOW_DAYS = (1, 365)
LOST_DAYS = (1, 90)
VALUE_MAX = Decimal("9999999999.99")


def _refuse(field: str, message: str) -> NoReturn:
    raise InvalidInput(message, field_errors={field: [message]})


def _manager_seller(actor: User, seller_id: int) -> Seller:
    """The shop, locked for the change, if the actor manages it; else ``ActionNotPermitted``."""
    if not permissions.can_manage_shop_settings(actor, seller_id):
        raise ActionNotPermitted(_("Only a manager of your shop may change its settings."))
    return Seller.objects.select_for_update().get(pk=seller_id)


def _whole_number(value: Any, field: str, label: str, low: int, high: int) -> int:
    if isinstance(value, str):
        value = int_from_text(value)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        _refuse(
            field,
            _("%(label)s must be a whole number of days from %(min)d to %(max)d.")
            % {"label": label, "min": low, "max": high},
        )
    return value


def _days(value: Any, field: str, label: str) -> int:
    return _whole_number(value, field, label, SURVEY_DAYS_MIN, SURVEY_DAYS_MAX)


def shop_survey_delays_update(
    *, actor: User, seller_id: int, survey_delay_days: Any, survey_fallback_days: Any
) -> Seller:
    """Set the survey's two delays (0–30 days each)."""
    with transaction.atomic():
        seller = _manager_seller(actor, seller_id)
        seller.survey_delay_days = _days(survey_delay_days, "survey_delay_days", _("Days after delivery"))
        seller.survey_fallback_days = _days(
            survey_fallback_days, "survey_fallback_days", _("Days after shipping without a delivery")
        )
        seller.save(update_fields=["survey_delay_days", "survey_fallback_days", "updated_at"])
        return seller


# --- branding: the name and logo customers see ----------------------------------------------------
def shop_branding_update(
    *,
    actor: User,
    seller_id: int,
    display_name: str,
    logo: UploadedFile[bytes] | None = None,
    remove_logo: bool = False,
) -> Seller:
    """The shop's display name (empty: its own name) and logo. The logo is checked by its bytes like
    an evidence photo and stored under a random name with the extension of what it really is; the
    file it replaces is deleted once the change is committed."""
    display_name = " ".join((display_name or "").split())
    if len(display_name) > DISPLAY_NAME_MAX:
        _refuse("display_name", _("The display name has at most %(max)d characters.") % {"max": DISPLAY_NAME_MAX})
    kind = image_kind(logo, field="logo") if logo is not None else None
    with transaction.atomic():
        seller = _manager_seller(actor, seller_id)
        storage = seller.logo.storage
        old_name = seller.logo.name or ""
        seller.display_name = display_name
        fields = ["display_name", "updated_at"]
        if logo is not None and kind is not None:
            seller.logo.save(f"{secrets.token_hex(8)}.{kind.extension}", logo, save=False)
            fields.append("logo")
        elif remove_logo:
            seller.logo = ""
            fields.append("logo")
        new_name = seller.logo.name or ""
        try:
            seller.save(update_fields=fields)
        except Exception:
            if new_name and new_name != old_name:
                storage.delete(new_name)
            raise
        if old_name and old_name != new_name:
            transaction.on_commit(lambda: storage.delete(old_name))
        return seller


# --- which messages go out automatically, and where ---------------------------------------------
def shop_messages_update(*, actor: User, seller_id: int, choices: dict[str, str]) -> dict[str, str]:
    """Each customer message's channel choice (``CustomerChannels``), one row per message given."""
    cleaned: dict[str, str] = {}
    for event, channels in choices.items():
        if event not in CustomerEvent.values:
            _refuse("choices", _("%(event)s is not a customer message.") % {"event": event})
        if channels not in CustomerChannels.values:
            _refuse(event, _("Choose one of the offered ways to send this message."))
        cleaned[event] = channels
    with transaction.atomic():
        _manager_seller(actor, seller_id)
        for event, channels in cleaned.items():
            CustomerMessageSetting.objects.update_or_create(
                seller_id=seller_id, event=event, defaults={"channels": channels}
            )
    return cleaned


# --- the shop's wording of a message --------------------------------------------------------------
def _event_and_language(event: str, language: str) -> None:
    if event not in CustomerEvent.values:
        _refuse("event", _("%(event)s is not a customer message.") % {"event": event})
    if language not in LANGUAGES:
        _refuse("language", _("Choose Chinese or English."))


def _text(value: str, event: str, field: str, label: str, limit: int) -> str:
    text = (value or "").replace("\r\n", "\n").strip()
    if not text:
        _refuse(field, _("%(label)s may not be empty.") % {"label": label})
    if len(text) > limit:
        _refuse(
            field,
            _("%(label)s has %(count)d characters; at most %(max)d.")
            % {"label": label, "count": len(text), "max": limit},
        )
    return template_check(text, event, field=field)


def template_texts(event: str, subject: str, body: str, sms: str) -> tuple[str, str, str]:
    """The three texts of a message, checked (not empty, bounded, only the message's placeholders)."""
    return (
        _text(subject, event, "subject", _("The email subject"), SUBJECT_MAX),
        _text(body, event, "body", _("The email text"), BODY_MAX),
        _text(sms, event, "sms", _("The SMS text"), SMS_MAX),
    )


def shop_template_update(
    *, actor: User, seller_id: int, event: str, language: str, subject: str, body: str, sms: str
) -> CustomerMessageTemplate:
    """The shop's own wording of one message in one language; every text checked before any is saved."""
    _event_and_language(event, language)
    subject, body, sms = template_texts(event, subject, body, sms)
    with transaction.atomic():
        _manager_seller(actor, seller_id)
        template, _created = CustomerMessageTemplate.objects.update_or_create(
            seller_id=seller_id,
            event=event,
            language=language,
            defaults={"subject": subject, "body": body, "sms": sms, "updated_by": actor},
        )
        return template


def shop_template_reset(*, actor: User, seller_id: int, event: str, language: str) -> None:
    """Back to the default wording of the message in this language."""
    _event_and_language(event, language)
    with transaction.atomic():
        _manager_seller(actor, seller_id)
        CustomerMessageTemplate.objects.filter(seller_id=seller_id, event=event, language=language).delete()


# --- the after-sale page's rules --------------------------------------------------------------------
def _money_or_none(value: Any, field: str) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    message = _("Give an amount of 0 or more with at most 2 decimals, or leave it empty.")
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        _refuse(field, message)
    if not amount.is_finite() or amount < 0 or amount > VALUE_MAX or amount != amount.quantize(Decimal("0.01")):
        _refuse(field, message)
    return amount.quantize(Decimal("0.01"))


def shop_report_rules_update(
    *, actor: User, seller_id: int, return_window_days: Any, auto_confirm_lost_days: Any, auto_confirm_max_value: Any
) -> Seller:
    """How long after the order a customer may report (1–365 days), and when a report is confirmed
    without the seller: a lost parcel after 1–90 days, a value up to an amount (each empty: never)."""
    window = _whole_number(return_window_days, "return_window_days", _("The return window"), *RETURN_WINDOW_DAYS)
    lost: int | None = None
    if auto_confirm_lost_days not in (None, ""):
        lost = _whole_number(
            auto_confirm_lost_days, "auto_confirm_lost_days", _("Confirming a lost parcel"), *LOST_DAYS
        )
    value = _money_or_none(auto_confirm_max_value, "auto_confirm_max_value")
    with transaction.atomic():
        seller = _manager_seller(actor, seller_id)
        seller.return_window_days = window
        seller.auto_confirm_lost_days = lost
        seller.auto_confirm_max_value = value
        seller.save(
            update_fields=["return_window_days", "auto_confirm_lost_days", "auto_confirm_max_value", "updated_at"]
        )
        return seller
