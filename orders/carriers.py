"""Carriers as data (``orders.models.Carrier``): finding one by what a person or a sheet wrote (code,
Chinese or English name, other names), and checking a tracking number against its pattern. Every
front door that ships a parcel (page, API, tracking import) goes through here."""

from __future__ import annotations

import re

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from orders.models import Carrier
from reship.core.errors import InvalidInput

OTHER = "OTHER"  # the carrier for parcels sent with one not in the list; its name goes in carrier_label


def _key(text: str) -> str:
    return re.sub(r"[\s\-_.]", "", text or "").upper()


def carrier_choices() -> QuerySet[Carrier]:
    """The carriers a person may pick, in the admin's order ("other" last)."""
    return Carrier.objects.filter(is_active=True).order_by("position", "code")


def carrier_index() -> dict[str, Carrier]:
    """Every active carrier under each of its names' keys, for reading many rows of a sheet."""
    index: dict[str, Carrier] = {}
    for carrier in carrier_choices():
        for name in (carrier.code, carrier.name_zh, carrier.name_en, *(carrier.aliases or [])):
            index.setdefault(_key(str(name)), carrier)
    return index


def carrier_find(text: str, index: dict[str, Carrier] | None = None) -> Carrier | None:
    """The active carrier whose code or any name is ``text`` (case, spaces and dashes ignored)."""
    key = _key(text)
    if not key:
        return None
    return (index if index is not None else carrier_index()).get(key)


def carrier_resolve(text: str, *, field: str = "carrier", index: dict[str, Carrier] | None = None) -> Carrier:
    """``carrier_find`` or ``InvalidInput`` listing the codes that are accepted."""
    if not (text or "").strip():
        raise InvalidInput(_("Choose the carrier."), field_errors={field: [_("Required.")]})
    carrier = carrier_find(text, index)
    if carrier is None:
        codes = ", ".join(carrier_choices().values_list("code", flat=True))
        message = _("“%(value)s” is not a carrier Reship knows; use one of: %(codes)s.") % {
            "value": text.strip()[:60],
            "codes": codes,
        }
        raise InvalidInput(message, field_errors={field: [message]})
    return carrier


def tracking_number_clean(carrier: Carrier, number: str, *, field: str = "tracking_number") -> str:
    """The number as the carrier prints it (spaces dropped, upper case), or ``InvalidInput``
    explaining the carrier's pattern when it does not fit."""
    cleaned = re.sub(r"\s+", "", number or "").upper()
    if not cleaned:
        raise InvalidInput(_("Enter the tracking number."), field_errors={field: [_("Required.")]})
    if len(cleaned) > 64:
        raise InvalidInput(_("The tracking number is too long."), field_errors={field: [_("Too long.")]})
    if carrier.tracking_pattern and not re.fullmatch(carrier.tracking_pattern, cleaned):
        message = _("%(number)s is not a %(carrier)s tracking number: they are %(pattern)s.") % {
            "number": cleaned,
            "carrier": carrier.name,
            "pattern": carrier.pattern_help or carrier.tracking_pattern,
        }
        raise InvalidInput(message, field_errors={field: [message]})
    return cleaned


def carrier_label_clean(carrier: Carrier, label: str, *, field: str = "carrier_name") -> str:
    """The name written for "other" (required there, ignored for a listed carrier)."""
    if carrier.code != OTHER:
        return ""
    text = " ".join((label or "").split())
    if not text:
        message = _("Name the carrier when it is not in the list.")
        raise InvalidInput(message, field_errors={field: [message]})
    if len(text) > 60:
        message = _("The carrier's name is too long (at most 60 characters).")
        raise InvalidInput(message, field_errors={field: [message]})
    return text
