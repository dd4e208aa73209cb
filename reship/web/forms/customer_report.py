"""The forms of a shop's after-sale page (售后自助), for a customer on a phone with no account: find
the order (platform order number + the last 4 digits of the phone on it), then report what went wrong.
They parse and render; ``reship_report`` and the evidence service decide."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from orders.models import Order, OrderLine
from reship.choices import Reason, Resolution
from reship.core.inputs import MAX_TEXT
from reship.services.evidence import FIELD as PHOTOS_FIELD
from reship.web.forms.orders import MultipleFileInput, MultipleImageField, WorkflowErrorsForm

# A customer reports what happened to them; "refused by the customer" is the seller's word for it.
CUSTOMER_REASONS = [(value, label) for value, label in Reason.choices if value != Reason.REFUSED_BY_CUSTOMER]
CUSTOMER_RESOLUTIONS = [
    (Resolution.RESEND.value, _("Send it again")),
    (Resolution.COMPENSATION.value, _("Compensate me instead")),
]


class OrderLookupForm(forms.Form):
    order_number = forms.CharField(
        label=_("Order number"),
        max_length=64,
        help_text=_("As shown in your order on the shopping platform."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
        error_messages={"required": _("Enter your order number.")},
    )
    phone_last4 = forms.RegexField(
        label=_("Last 4 digits of your phone number"),
        regex=r"^\s*\d{4}\s*$",
        max_length=12,
        help_text=_("The phone number given with the order."),
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "pattern": "[0-9]{4}", "maxlength": "4"}
        ),
        error_messages={
            "required": _("Enter the last 4 digits of your phone number."),
            "invalid": _("Enter 4 digits."),
        },
    )

    def clean_order_number(self) -> str:
        return "".join(str(self.cleaned_data["order_number"]).split())

    def clean_phone_last4(self) -> str:
        return str(self.cleaned_data["phone_last4"]).strip()


@dataclass(frozen=True)
class ReportLine:
    """One order line as the report page shows it: what was ordered, what is left, its field."""

    line: OrderLine
    left: int
    quantity: forms.BoundField | None


_LINE_ERROR_KEY = re.compile(r"^lines\.(\d+)(?:\.\w+)?$")


class CustomerReportForm(WorkflowErrorsForm):
    """One quantity per order line that has something left to claim (0: not affected), then the
    reason, what happened, the resolution the customer prefers and the photos."""

    reason = forms.ChoiceField(
        label=_("What went wrong?"),
        choices=CUSTOMER_REASONS,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what went wrong.")},
    )
    description = forms.CharField(
        label=_("Tell us more (optional)"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    preferred_resolution = forms.ChoiceField(
        label=_("What would you like?"),
        choices=CUSTOMER_RESOLUTIONS,
        initial=Resolution.RESEND.value,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what you would like.")},
    )
    evidence = MultipleImageField(
        label=_("Photos (optional)"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": "image/*", "data-photo-downsize": ""}),
    )

    def __init__(self, *args: Any, order: Order, remaining: dict[int, int], max_photos: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.order_lines = list(order.lines.all())
        self.remaining = remaining
        self._reported: list[OrderLine] = []
        self.fields[PHOTOS_FIELD].help_text = _(
            "Up to %(count)d photos of the damage, the wrong item or the parcel label."
        ) % {"count": max_photos}
        self.fields[PHOTOS_FIELD].widget.attrs["data-max-photos"] = str(max_photos)
        self.fields[PHOTOS_FIELD].widget.attrs["data-working-text"] = gettext("Preparing your photos…")
        for line in self.claimable_lines:
            left = remaining[line.pk]
            self.fields[self._name(line)] = forms.IntegerField(
                label=_("How many are affected?"),
                min_value=0,
                max_value=left,
                initial=0,
                help_text=_("0 if this item is fine; at most %(left)d.") % {"left": left},
                widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0, "max": left}),
                error_messages={
                    "required": _("Enter a number (0 if this item is fine)."),
                    "max_value": _("At most %(limit_value)s."),
                    "min_value": _("Enter 0 or more."),
                },
            )

    @staticmethod
    def _name(line: OrderLine) -> str:
        return f"line_{line.pk}_quantity"

    @property
    def claimable_lines(self) -> list[OrderLine]:
        return [line for line in self.order_lines if self.remaining.get(line.pk, 0) > 0]

    def report_lines(self) -> list[ReportLine]:
        return [
            ReportLine(
                line=line,
                left=max(self.remaining.get(line.pk, 0), 0),
                quantity=self[self._name(line)] if self._name(line) in self.fields else None,
            )
            for line in self.order_lines
        ]

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        self._reported = [line for line in self.claimable_lines if cleaned.get(self._name(line))]
        quantities_ok = all(self._name(line) not in self.errors for line in self.claimable_lines)
        if quantities_ok and not self._reported:
            raise forms.ValidationError(_("Enter how many of at least one item are affected."), code="no_lines")
        return cleaned

    def line_quantities(self) -> list[tuple[int, int]]:
        """(order line id, quantity) of the affected lines in page order; ``lines.i`` in a workflow
        error is the i-th of these."""
        return [(line.pk, int(self.cleaned_data[self._name(line)])) for line in self._reported]

    def _field_for(self, key: str) -> str | None:
        match = _LINE_ERROR_KEY.match(key)
        if match is None or int(match.group(1)) >= len(self._reported):
            return super()._field_for(key)
        return self._name(self._reported[int(match.group(1))])
