"""The request page's parcel forms: ship lines in a parcel with a carrier from the table, change
where the replacement goes (改地址), and mark a parcel delivered. Like every action form they parse
what one workflow function takes; the carrier's, the ship-to's and the delivery's rules are the
workflow's and ``orders``'."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from orders import carriers
from orders import ship_to as ship_to_fields
from orders.models import Product, Shipment
from reship import lifecycle, workflow
from reship.choices import Action
from reship.core.inputs import MAX_TEXT
from reship.models import ReshipLine, ReshipRequest
from reship.web.forms.requests import ActionForm, LinesForm, OfferedChoiceField, textarea


class CarrierField(forms.ChoiceField):
    """The active carriers, "other" last; any value reaches the workflow, which names the codes it
    knows when it does not know this one (a carrier deactivated since the page loaded)."""

    def valid_value(self, value: Any) -> bool:
        return True


def carrier_options() -> list[tuple[str, str]]:
    """Each active carrier in the reader's language, with the shape of its numbers."""
    options = [("", "—")]
    for carrier in carriers.carrier_choices():
        shape = carrier.pattern_help
        options.append((carrier.code, f"{carrier.name} · {shape}" if shape else carrier.name))
    return options


class ShipForm(LinesForm):
    action = Action.SHIP
    submit_label = _("Ship these lines")
    line_field = "items"
    line_label_text = _("Lines in this parcel")
    carrier = CarrierField(
        label=_("Carrier"), help_text=_("Each carrier's numbers have their own shape, shown next to its name.")
    )
    carrier_name = forms.CharField(
        label=_("Carrier name"),
        required=False,
        max_length=60,
        help_text=_("Only for a carrier not in the list (“Other”)."),
    )
    tracking_number = forms.CharField(label=_("Tracking number"), max_length=64)
    quality_check_note = forms.CharField(
        label=_("Quality-check note"), required=False, max_length=MAX_TEXT, widget=textarea(2)
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        carrier = self.fields["carrier"]
        assert isinstance(carrier, CarrierField)
        carrier.choices = carrier_options()
        products = Product.objects.filter(seller_id=self.reship.seller_id, is_active=True).order_by("sku_code")
        choices = [("", _("— the ordered SKU —")), *((p.pk, f"{p.sku_code} · {p.name}") for p in products)]
        self.substitute_fields = []
        for line in self.offered:
            name = f"substitute_{line.pk}"
            self.fields[name] = forms.TypedChoiceField(
                label=_("Substitute for %(sku)s") % {"sku": line.order_line.product.sku_code},
                choices=choices,
                coerce=int,
                empty_value=None,
                required=False,
                help_text=_("Only when the ordered SKU is out of stock."),
            )
            self.substitute_fields.append(name)
        self.order_fields([self.line_field, *self.substitute_fields])

    def offers(self, line: ReshipLine) -> bool:
        return lifecycle.line_ready_to_ship(line.resolution, line.status)

    def ship_items(self) -> list[workflow.ShipItem]:
        return [
            workflow.ShipItem(line_id, self.cleaned_data.get(f"substitute_{line_id}"))
            for line_id in self.cleaned_data["items"]
        ]


def _ship_to_field(key: str, **kwargs: Any) -> forms.CharField:
    """A ship-to field with the label and length ``orders.ship_to`` gives it (the checks are its own)."""
    _field, max_length, label = ship_to_fields.FIELDS[key]
    return forms.CharField(
        label=label, max_length=max_length, required=key in ship_to_fields.REQUIRED, strip=True, **kwargs
    )


class ChangeShipToForm(ActionForm):
    """改地址: where the replacement goes, prefilled with the request's current ship-to."""

    action = Action.CHANGE_SHIP_TO
    submit_label = _("Change the ship-to")
    intro_text = _(
        "Where the replacement goes (the order keeps its own). Once the partner is packing, it is told to ship "
        "to the new address."
    )
    name = _ship_to_field("name")
    phone = _ship_to_field("phone", help_text=_("Any format; a foreign number with its +country code."))
    country = forms.CharField(
        label=ship_to_fields.FIELDS["country"][2],
        max_length=40,
        required=False,
        help_text=_("A two-letter code such as CN or US; empty for China."),
    )
    province = _ship_to_field("province")
    city = _ship_to_field("city")
    district = _ship_to_field("district")
    street = _ship_to_field("street")
    postcode = _ship_to_field("postcode")
    note = forms.CharField(label=_("Note on the change"), required=False, max_length=MAX_TEXT, widget=textarea(2))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            for key, value in ship_to_fields.values_of(self.reship).items():
                self.initial.setdefault(key, value)

    def is_available(self) -> bool:
        return not any(line.shipment_id for line in self.lines)

    def hint(self) -> str:
        return str(
            _("A parcel of this request has left: the ship-to can no longer change; ask the carrier to redirect it.")
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        cleaned["ship_to"] = {key: cleaned.get(key) or "" for key in ship_to_fields.FIELDS}
        return cleaned


def request_parcels(reship: ReshipRequest) -> list[Shipment]:
    """The request's reship parcels, from its lines (which the request page prefetches)."""
    parcels = {line.shipment.pk: line.shipment for line in reship.lines.all() if line.shipment is not None}
    return sorted(parcels.values(), key=lambda parcel: (parcel.shipped_at, parcel.pk))


class MarkDeliveredForm(ActionForm):
    """Rendered once per parcel by ``requests/_delivery.html`` (the parcel is a hidden field there);
    the list of actions shows it only with its errors."""

    action = Action.MARK_DELIVERED
    submit_label = _("Mark delivered")
    delivered_at = forms.DateTimeField(
        label=_("Delivered at"),
        required=False,
        help_text=_("Leave empty for now."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        parcels = request_parcels(self.reship)
        self.offered = [parcel for parcel in parcels if parcel.delivered_at is None]
        self.fields["shipment"] = OfferedChoiceField(
            label=_("Parcel"),
            choices=[(parcel.pk, f"{parcel.carrier_name} {parcel.tracking_number}") for parcel in self.offered],
            accepted={str(parcel.pk) for parcel in parcels},
            coerce=int,
            widget=forms.RadioSelect,
        )
        self.order_fields(["shipment"])

    def is_available(self) -> bool:
        return False  # each parcel has its own button in the parcels section

    def hint(self) -> str:
        return str(_("Mark a parcel delivered in the Parcels section below.")) if self.offered else ""
