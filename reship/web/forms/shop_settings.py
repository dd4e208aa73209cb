"""The seller's shop settings forms: the survey's two delays, the shop's branding, its customer
messages' channels, its wording of a message, and the after-sale page's rules. The forms read what
was typed; the service (``reship.services.shop_settings``) checks the ranges and placeholders."""

from django import forms
from django.utils.translation import gettext_lazy as _

from reship.choices import CustomerChannels, CustomerEvent

# One line per choice, shown under each message's select.
CHANNEL_HELP = {
    CustomerChannels.OFF: _("Not sent by itself; the contact step offers it, prefilled."),
    CustomerChannels.EMAIL_OR_SMS: _("One message: by email, or by SMS when the order has no email address."),
    CustomerChannels.EMAIL: _("By email only; orders without an email address get nothing automatically."),
    CustomerChannels.SMS: _("By SMS only (held until 08:00 at night); orders without a phone get nothing."),
    CustomerChannels.BOTH: _("By email and by SMS, each the order can reach."),
}


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


class BrandingForm(forms.Form):
    display_name = forms.CharField(
        label=_("Display name"),
        required=False,
        max_length=100,
        help_text=_("The shop's name as customers know it, on their messages and pages. Empty: the shop's name."),
    )
    logo = forms.FileField(
        label=_("Logo"),
        required=False,
        help_text=_("A PNG, JPEG, GIF or WebP image, shown on customers' pages and the insert card."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/gif,image/webp"}),
    )
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)


class MessageChoicesForm(forms.Form):
    """One select per customer message: whether it goes out automatically, and where."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for event, label in CustomerEvent.choices:
            self.fields[event] = forms.ChoiceField(label=label, choices=CustomerChannels.choices)


class ReportRulesForm(forms.Form):
    return_window_days = forms.CharField(
        label=_("Return window (days)"),
        help_text=_("Customers may report a problem up to this many days after the order was placed (1–365)."),
        widget=forms.NumberInput(attrs={"min": 1, "max": 365}),
    )
    auto_confirm_lost_days = forms.CharField(
        label=_("Confirm a lost parcel automatically after (days)"),
        required=False,
        help_text=_(
            "A report of a parcel lost in transit is confirmed without you this many days after shipping "
            "(1–90). Empty: never."
        ),
        widget=forms.NumberInput(attrs={"min": 1, "max": 90}),
    )
    auto_confirm_max_value = forms.CharField(
        label=_("Confirm automatically up to this value"),
        required=False,
        help_text=_("A report whose lines are worth at most this amount is confirmed without you. Empty: never."),
        widget=forms.NumberInput(attrs={"min": 0, "step": "0.01"}),
    )


class MessageTemplateForm(forms.Form):
    """A shop's wording of one message in one language (the service checks the placeholders)."""

    subject = forms.CharField(label=_("Email subject"), max_length=200, strip=False)
    body = forms.CharField(
        label=_("Email text"), max_length=4000, strip=False, widget=forms.Textarea(attrs={"rows": 10})
    )
    sms = forms.CharField(label=_("SMS text"), max_length=500, strip=False, widget=forms.Textarea(attrs={"rows": 3}))
