"""The admin's order form: the ship-to an admin edits passes the same check as one typed anywhere
else (``orders.ship_to.clean``), and its phone's E.164 form follows the phone."""

from __future__ import annotations

from typing import Any

from django import forms

from orders import ship_to
from orders.models import Order
from reship.core.errors import InvalidInput


class OrderAdminForm(forms.ModelForm):
    class Meta:
        model = Order
        fields = [field for field, _length, _label in ship_to.FIELDS.values()]  # the admin adds its fieldsets'

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if any(f"ship_{key}" not in self.fields for key in ship_to.FIELDS):
            return cleaned
        try:
            values = ship_to.clean({key: cleaned.get(field, "") for key, (field, _l, _b) in ship_to.FIELDS.items()})
        except InvalidInput as error:
            for key, messages in error.field_errors.items():
                for message in messages:
                    self.add_error(ship_to.FIELDS[key][0], message)
            return cleaned
        cleaned.update(values)
        self.instance.ship_phone_e164 = values["ship_phone_e164"]
        return cleaned
