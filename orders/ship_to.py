"""The ship-to (收货信息) of an order or a reship request: checking what was typed, normalising the
phone, and the masked form a partner sees outside its fulfilment window (王*明, 138****1234, street
cut), the way Chinese platforms protect 收件人信息 under PIPL.

The abstract ``ShipTo`` fields live here too, so orders and requests share one definition. Pure
functions over them; *who* sees the full form is ``reship.permissions``'s rule
and the reveal log is ``reship.privacy``'s. Input keys are the short names the API and sheets use
(``name``, ``phone``, …); model fields carry the ``ship_`` prefix.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import phonenumbers
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reship.core.errors import InvalidInput


class ShipTo(models.Model):
    """Where a parcel goes (收货信息): the order's, and a reship request's own copy the seller may
    change. Chinese (省/市/区/详细地址, 6-digit 邮编) and overseas (state, ZIP, postcode) addresses
    both fit. Read and written through ``orders.ship_to`` (validation, phone normalising, masking);
    who sees it in full is ``reship.permissions``'s rule."""

    ship_name = models.CharField(gettext_lazy("recipient"), max_length=100, blank=True)
    ship_phone = models.CharField(
        gettext_lazy("recipient phone"), max_length=40, blank=True, help_text=gettext_lazy("As typed.")
    )
    ship_phone_e164 = models.CharField(
        gettext_lazy("recipient phone (normalised)"),
        max_length=20,
        blank=True,
        editable=False,
        help_text=gettext_lazy("E.164, for search."),
    )
    ship_country = models.CharField(
        gettext_lazy("country"), max_length=2, default="CN", help_text=gettext_lazy("ISO 3166 code, e.g. CN, US.")
    )
    ship_province = models.CharField(gettext_lazy("province / state"), max_length=60, blank=True)
    ship_city = models.CharField(gettext_lazy("city"), max_length=60, blank=True)
    ship_district = models.CharField(gettext_lazy("district"), max_length=60, blank=True)
    ship_street = models.CharField(gettext_lazy("street address"), max_length=255, blank=True)
    ship_postcode = models.CharField(gettext_lazy("postcode"), max_length=12, blank=True)

    class Meta:
        abstract = True


# short name → (model field, max length, label)
FIELDS: dict[str, tuple[str, int, Any]] = {
    "name": ("ship_name", 100, gettext_lazy("Recipient")),
    "phone": ("ship_phone", 40, gettext_lazy("Recipient phone")),
    "country": ("ship_country", 2, gettext_lazy("Country")),
    "province": ("ship_province", 60, gettext_lazy("Province / state")),
    "city": ("ship_city", 60, gettext_lazy("City")),
    "district": ("ship_district", 60, gettext_lazy("District")),
    "street": ("ship_street", 255, gettext_lazy("Street address")),
    "postcode": ("ship_postcode", 12, gettext_lazy("Postcode")),
}
REQUIRED = ("name", "phone", "city", "street")
MODEL_FIELDS = tuple(field for field, _length, _label in FIELDS.values()) + ("ship_phone_e164",)

# Country names people write in sheets, besides the ISO code itself.
_COUNTRY_NAMES = {
    "中国": "CN",
    "中国大陆": "CN",
    "CHINA": "CN",
    "PRC": "CN",
    "中华人民共和国": "CN",
    "香港": "HK",
    "HONGKONG": "HK",
    "澳门": "MO",
    "MACAU": "MO",
    "MACAO": "MO",
    "台湾": "TW",
    "TAIWAN": "TW",
    "美国": "US",
    "USA": "US",
    "UNITEDSTATES": "US",
    "UNITEDSTATESOFAMERICA": "US",
    "英国": "GB",
    "UK": "GB",
    "UNITEDKINGDOM": "GB",
    "GREATBRITAIN": "GB",
    "德国": "DE",
    "GERMANY": "DE",
    "法国": "FR",
    "FRANCE": "FR",
    "日本": "JP",
    "JAPAN": "JP",
    "韩国": "KR",
    "KOREA": "KR",
    "SOUTHKOREA": "KR",
    "加拿大": "CA",
    "CANADA": "CA",
    "澳大利亚": "AU",
    "AUSTRALIA": "AU",
    "新加坡": "SG",
    "SINGAPORE": "SG",
    "马来西亚": "MY",
    "MALAYSIA": "MY",
}
_CN_POSTCODE = re.compile(r"\d{6}")
_POSTCODE = re.compile(r"[A-Z0-9][A-Z0-9 \-]{1,10}")


def country_code(text: str) -> str | None:
    """An ISO 3166 alpha-2 code from a code or a common Chinese or English name; None if unknown."""
    key = re.sub(r"[\s.\-_]", "", text or "").upper()
    if not key:
        return None
    if len(key) == 2 and key in phonenumbers.SUPPORTED_REGIONS:
        return key
    return _COUNTRY_NAMES.get(key) or _COUNTRY_NAMES.get(text.strip())


def phone_e164(phone: str, country: str) -> str | None:
    """The phone in E.164 (+8613812341234), read as a number of ``country`` unless it starts with +;
    None when it is not a valid number."""
    try:
        number = phonenumbers.parse(phone, country or "CN")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def clean(data: Mapping[str, Any], *, prefix: str = "") -> dict[str, str]:
    """The model fields of a checked ship-to, every problem reported at once (``field_errors`` keyed
    by ``prefix`` + short name). The phone is kept as typed, with its E.164 form beside it."""
    errors: dict[str, list[str]] = {}
    values: dict[str, str] = {}
    for key, (_field, max_length, label) in FIELDS.items():
        raw = data.get(key)
        text = "" if raw is None else " ".join(str(raw).split())
        if key in REQUIRED and not text:
            errors[prefix + key] = [_("%(label)s is required.") % {"label": label}]
        elif key != "country" and len(text) > max_length:
            errors[prefix + key] = [
                _("%(label)s is too long (at most %(max)d characters).") % {"label": label, "max": max_length}
            ]
        values[key] = text
    country = country_code(values["country"]) if values["country"] else "CN"
    if country is None:
        errors[prefix + "country"] = [
            _("“%(value)s” is not a country: give its two-letter code, such as CN or US.")
            % {"value": values["country"]}
        ]
        country = "CN"
    values["country"] = country
    e164 = ""
    if values["phone"] and prefix + "phone" not in errors:
        e164 = phone_e164(values["phone"], country) or ""
        if not e164:
            errors[prefix + "phone"] = [
                _("“%(value)s” is not a phone number in %(country)s; write a foreign number with its +country code.")
                % {"value": values["phone"], "country": country}
            ]
    postcode = values["postcode"].upper()
    if postcode and prefix + "postcode" not in errors:
        pattern = _CN_POSTCODE if country == "CN" else _POSTCODE
        if not pattern.fullmatch(postcode):
            errors[prefix + "postcode"] = [
                _("A postcode in China has 6 digits.")
                if country == "CN"
                else _("A postcode has 2 to 12 letters, digits, spaces or hyphens.")
            ]
    values["postcode"] = postcode
    if errors:
        first = next(iter(errors.values()))[0]
        raise InvalidInput(_("Check the ship-to: %(problem)s") % {"problem": first}, field_errors=errors)
    cleaned = {FIELDS[key][0]: value for key, value in values.items()}
    cleaned["ship_phone_e164"] = e164
    return cleaned


def values_of(obj: Any) -> dict[str, str]:
    """The short-named ship-to of an order or request (the shape ``clean`` reads)."""
    return {key: getattr(obj, field) for key, (field, _length, _label) in FIELDS.items()}


# --- masking ----------------------------------------------------------------------------------------
def mask_name(name: str) -> str:
    """王小明 → 王*明, 王明 → 王*, John Smith → J********h."""
    name = name.strip()
    if len(name) <= 1:
        return "*" if name else ""
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_phone(phone: str) -> str:
    """13812341234 → 138****1234 (the digits as typed; a country code stays in front)."""
    digits = re.sub(r"\D", "", phone)
    if len(digits) >= 11 and digits.startswith("86"):
        digits = digits[2:]
    if len(digits) >= 7:
        return digits[:3] + "****" + digits[-4:]
    if len(digits) > 2:
        return "*" * (len(digits) - 2) + digits[-2:]
    return "*" * len(digits)


def mask_street(street: str) -> str:
    """The first few characters, the rest cut: 张江路 123 弄 4 号 501 室 → 张江路1****."""
    compact = street.strip()
    if not compact:
        return ""
    return compact[: min(4, max(1, len(compact) // 3))] + "****"


def mask_postcode(postcode: str) -> str:
    return postcode[:3] + "*" * max(0, len(postcode) - 3) if postcode else ""


@dataclass(frozen=True)
class ShipToView:
    """A ship-to as one person may read it: in full, or masked."""

    name: str
    phone: str
    country: str
    province: str
    city: str
    district: str
    street: str
    postcode: str
    masked: bool

    @property
    def region(self) -> str:
        """Province, city and district (visible even when masked: the packer's overview)."""
        if self.country in ("CN", ""):
            return " ".join(part for part in (self.province, self.city, self.district) if part)
        return ", ".join(part for part in (self.city, self.province) if part)

    @property
    def address_lines(self) -> list[str]:
        """The address as a label prints it: mainland top-down, overseas street first."""
        if self.country in ("CN", ""):
            return [line for line in (self.region, " ".join(p for p in (self.street, self.postcode) if p)) if line]
        state_line = " ".join(part for part in (self.province, self.postcode) if part)
        city_line = ", ".join(part for part in (self.city, state_line) if part)
        return [line for line in (self.street, self.district, city_line, self.country) if line]

    @property
    def one_line(self) -> str:
        return " ".join(self.address_lines) if self.country in ("CN", "") else ", ".join(self.address_lines)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "phone": self.phone,
            "country": self.country,
            "province": self.province,
            "city": self.city,
            "district": self.district,
            "street": self.street,
            "postcode": self.postcode,
            "masked": self.masked,
        }


# The personal fields and how each is masked; the region (country, province, city, district) stays.
MASKS = {"name": mask_name, "phone": mask_phone, "street": mask_street, "postcode": mask_postcode}


def masked_value(key: str, value: str) -> str:
    """One field (short name) as a masked ship-to shows it."""
    mask = MASKS.get(key)
    return mask(value) if mask is not None else value


def view(obj: Any, *, full: bool) -> ShipToView:
    """The ship-to of an order or request, in full or masked (region and country stay readable)."""
    values = values_of(obj)
    if not full:
        values = {key: masked_value(key, value) for key, value in values.items()}
    return ShipToView(masked=not full, **values)
