"""The seller's shop settings form: the survey's two delays (the service checks the 0–30 range)."""

from django import forms
from django.utils.translation import gettext_lazy as _


class ShopSettingsForm(forms.Form):
    survey_delay_days = forms.IntegerField(
        label=_("Days after delivery"),
        help_text=_("The customer's survey goes out this many days after the last parcel is delivered (0–30)."),
        widget=forms.NumberInput(attrs={"min": 0, "max": 30}),
    )
    survey_fallback_days = forms.IntegerField(
        label=_("Days after shipping without a delivery"),
        help_text=_("When no delivery is known, the survey goes out this many days after shipping (0–30)."),
        widget=forms.NumberInput(attrs={"min": 0, "max": 30}),
    )
