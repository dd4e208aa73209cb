"""Forms of the seller's order pages. They parse and render; the workflow decides what is allowed.

What a line has left to claim is the workflow's rule: the form puts it on the quantity input
(``max``) as a hint and shows the workflow's message next to the line when it is exceeded.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django import forms
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext_lazy as _

from orders.choices import Platform
from orders.models import Order, OrderLine, Seller
from orders.selectors import order_partners_for_seller
from reship.choices import Reason, Resolution
from reship.core.bounds import DATE_VALIDATORS
from reship.core.errors import WorkflowError
from reship.core.inputs import MAX_TEXT
from reship.services import pending_uploads
from reship.web.forms import form_field
from reship.web.forms.pending_files import KeepsFiles, PendingFilesField, empty_choice
from reship.workflow import LineRequest
from suppliers.models import DropshipPartner

if TYPE_CHECKING:
    from reship.accounts.models import User

DATE_INPUT = {"type": "date"}


class _FetchedChoiceIterator(ModelChoiceIterator):
    """The choices read with one plain query. Django's iterator reads them through ``iterator()``, a
    server-side cursor on PostgreSQL: DECLARE, then FETCH, a round trip more for the handful of
    partners a seller has, on every order list and search."""

    def __iter__(self) -> Iterator[Any]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:
            yield self.choice(obj)


class FetchedModelChoiceField(forms.ModelChoiceField):
    iterator = _FetchedChoiceIterator


class OrderFilterForm(forms.Form):
    """Search and filters of the order list; every field optional, invalid ones are just not applied."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        help_text=_("Platform order number, customer name or phone, or tracking number."),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    platform = forms.ChoiceField(
        label=_("Sales platform"), required=False, choices=[("", _("All platforms")), *Platform.choices]
    )
    partner = FetchedModelChoiceField(
        label=_("Dropship partner"),
        required=False,
        queryset=DropshipPartner.objects.none(),
        empty_label=_("All partners"),
    )
    placed_from = forms.DateField(
        label=_("Placed from"),
        required=False,
        validators=DATE_VALIDATORS,
        widget=forms.DateInput(attrs=DATE_INPUT, format="%Y-%m-%d"),
    )
    placed_to = forms.DateField(
        label=_("Placed until"),
        required=False,
        validators=DATE_VALIDATORS,
        widget=forms.DateInput(attrs=DATE_INPUT, format="%Y-%m-%d"),
    )

    def __init__(self, *args: Any, seller: Seller, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        form_field(self, "partner", forms.ModelChoiceField).queryset = order_partners_for_seller(seller=seller)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        start, end = cleaned.get("placed_from"), cleaned.get("placed_to")
        if start and end and end < start:
            self.add_error("placed_to", _("The end date is before the start date."))
        return cleaned

    def filters(self) -> dict[str, Any]:
        """The selector's keyword arguments from the fields that are valid (call after is_valid)."""
        cleaned = getattr(self, "cleaned_data", {})
        return {
            "search": cleaned.get("q") or "",
            "platform": cleaned.get("platform") or "",
            "partner": cleaned.get("partner"),
            "placed_from": cleaned.get("placed_from"),
            "placed_to": cleaned.get("placed_to") if "placed_to" not in self.errors else None,
        }


class TrackingForm(forms.Form):
    tracking = forms.CharField(
        label=_("Tracking number"),
        max_length=64,
        help_text=_("The tracking number of the original parcel or of a reship."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Several files in one input. The bytes are judged by ``reship.services.evidence``, not here."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/gif,image/webp"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list:
        clean_one = super().clean
        if isinstance(data, list | tuple):
            return [clean_one(item, initial) for item in data]
        return [clean_one(data, initial)] if data else []


@dataclass(frozen=True)
class LineRow:
    """One order line as the new-request page shows it: the line, what is left, and its fields."""

    line: OrderLine
    claimed: int
    left: int
    include: forms.BoundField | None = None
    quantity: forms.BoundField | None = None
    reason: forms.BoundField | None = None
    resolution: forms.BoundField | None = None


LINE_PARTS = ("include", "quantity", "reason", "resolution")
_LINE_ERROR_KEY = re.compile(r"^lines\.(\d+)(?:\.(\w+))?$")


class WorkflowErrorsForm(forms.Form):
    """A form that shows a workflow error next to the fields its keys name (``_field_for``: a
    request form maps ``lines.1.quantity`` to its own field), or above the form."""

    def _field_for(self, key: str) -> str | None:
        return key if key in self.fields else None

    def add_workflow_error(self, error: WorkflowError) -> None:
        fields = {name for name in map(self._field_for, error.field_errors) if name is not None}
        for name in sorted(fields):
            self.add_error(name, error.message)
        if not fields:
            self.add_error(None, error.message)


class ReshipRequestForm(KeepsFiles, WorkflowErrorsForm):
    """A new request: the request's reason and description, evidence, and one group of fields per
    order line that has something left to claim (include, quantity, reason, resolution). The photos
    chosen are kept across the form's errors (``KeepsFiles``)."""

    kept_purposes = {"evidence": pending_uploads.EVIDENCE}

    reason = forms.ChoiceField(
        label=_("Reason for the request"), choices=[empty_choice(_("Choose a reason")), *Reason.choices]
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=MAX_TEXT,
        help_text=_("What went wrong, in the customer's words if you have them."),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    evidence = PendingFilesField(
        label=_("Evidence photos"),
        help_text=_("Photos of the damage, the wrong item or the parcel label."),
    )

    def __init__(
        self, *args: Any, order: Order, remaining: dict[int, int], user: User | None = None, **kwargs: Any
    ) -> None:
        self.user = user
        super().__init__(*args, **kwargs)
        self.order = order
        self.order_lines = list(order.lines.all())
        self.remaining = remaining
        self._included: list[OrderLine] = []
        for line in self.claimable_lines:
            left = remaining[line.pk]
            self.fields[self._name(line, "include")] = forms.BooleanField(label=_("Include this line"), required=False)
            self.fields[self._name(line, "quantity")] = forms.IntegerField(
                label=_("Quantity"),
                required=False,
                min_value=1,
                initial=left,
                help_text=_("At most %(left)d left to claim.") % {"left": left},
                widget=forms.NumberInput(attrs={"max": left, "inputmode": "numeric"}),
            )
            self.fields[self._name(line, "reason")] = forms.ChoiceField(
                label=_("Reason for this line"),
                required=False,
                choices=[("", _("Same as the request")), *Reason.choices],
            )
            resolutions = [
                (value, label)
                for value, label in Resolution.choices
                # Restocking needs a source to restock from.
                if value != Resolution.RESTOCK_RESEND or line.product.supplier_id is not None
            ]
            self.fields[self._name(line, "resolution")] = forms.ChoiceField(
                label=_("Resolution"), required=False, choices=resolutions, initial=Resolution.RESEND
            )

    def error_summary(self) -> list[tuple[str, str, str]]:
        """Each field error as (the field's id, what it is, the message), in page order, for the
        summary at the top of the page that links to the fields; a line's fields name their SKU."""
        lines = {self._name(line, part): line for line in self.claimable_lines for part in LINE_PARTS}
        order = [name for line in self.claimable_lines for name in (self._name(line, p) for p in LINE_PARTS)]
        order += ["reason", "description", "evidence"]
        summary: list[tuple[str, str, str]] = []
        for name in order:
            if name not in self.errors:
                continue
            bound = self[name]
            label = str(bound.label)
            if name in lines:
                label = f"{lines[name].product.sku_code} · {label}"
            summary.extend((bound.id_for_label, label, str(message)) for message in self.errors[name])
        return summary

    @staticmethod
    def _name(line: OrderLine, part: str) -> str:
        return f"line_{line.pk}_{part}"

    @property
    def claimable_lines(self) -> list[OrderLine]:
        return [line for line in self.order_lines if self.remaining.get(line.pk, 0) > 0]

    def line_rows(self) -> list[LineRow]:
        rows = []
        for line in self.order_lines:
            left = max(self.remaining.get(line.pk, 0), 0)
            claimed = line.quantity - self.remaining.get(line.pk, 0)
            if left == 0:
                rows.append(LineRow(line=line, claimed=claimed, left=0))
                continue
            rows.append(
                LineRow(
                    line=line,
                    claimed=claimed,
                    left=left,
                    include=self[self._name(line, "include")],
                    quantity=self[self._name(line, "quantity")],
                    reason=self[self._name(line, "reason")],
                    resolution=self[self._name(line, "resolution")],
                )
            )
        return rows

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        self._included = [line for line in self.claimable_lines if cleaned.get(self._name(line, "include"))]
        if not self._included:
            raise forms.ValidationError(
                _("Choose at least one line: tick “Include this line” and give a quantity."), code="no_lines"
            )
        for line in self._included:
            quantity_field = self._name(line, "quantity")
            if quantity_field in cleaned and cleaned[quantity_field] is None:
                self.add_error(quantity_field, _("Give a quantity for this line."))
            if not cleaned.get(self._name(line, "resolution")):
                self.add_error(self._name(line, "resolution"), _("Choose how this line is resolved."))
        return cleaned

    def line_requests(self) -> list[LineRequest]:
        """The included lines, in page order; ``lines.i`` in a workflow error is the i-th of these."""
        return [
            LineRequest(
                order_line_id=line.pk,
                quantity=self.cleaned_data[self._name(line, "quantity")],
                resolution=self.cleaned_data[self._name(line, "resolution")],
                reason=self.cleaned_data[self._name(line, "reason")] or None,
            )
            for line in self._included
        ]

    def _field_for(self, key: str) -> str | None:
        """The form field a workflow error key names: ``lines.1.quantity`` is the second included
        line's quantity; ``lines.1`` alone is that line's include box."""
        if key in self.fields:
            return key
        match = _LINE_ERROR_KEY.match(key)
        if match is None:
            return None
        index, part = int(match.group(1)), match.group(2) or "include"
        if index >= len(self._included):
            return None
        name = self._name(self._included[index], part)
        return name if name in self.fields else None
