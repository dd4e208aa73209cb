"""Forms of the dropship partner's pages. They parse and render; ``reship.workflow`` and
``reship.services.partner_settings`` decide (and say why not, next to the field)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, TypedDict

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from reship.choices import CostBearer, Reason, Resolution, RestockStatus, SettlementPeriod
from reship.core.bounds import id_from_text, validate_ids
from reship.selectors.partner import partner_sellers
from reship.services.partner_settings import (
    NOTIFY_SWITCHES,
    PAYMENT_DAYS_MAX,
    PROMISED_DAYS_MAX,
    RULE_NAME_MAX,
    SLA_HOURS_MAX,
    SLA_HOURS_MIN,
    WEBHOOK_URL_MAX,
)
from reship.web.forms import form_field
from suppliers.choices import Channel
from suppliers.models import DropshipPartner

if TYPE_CHECKING:
    from django.db.models import QuerySet
    from django_stubs_ext import StrOrPromise

    from orders.models import Seller

BULK_APPROVE_MAX = 200  # more than a page (50) holds; a bound on what one POST may ask for


class MoneyBounds(TypedDict):
    max_digits: int
    decimal_places: int
    min_value: int


MONEY: MoneyBounds = {"max_digits": 12, "decimal_places": 2, "min_value": 0}
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _attributes(attrs: dict[str, Any]) -> str:
    """A widget's attributes as Django's ``attrs.html`` writes them (True: the bare name; False: left out)."""
    return "".join(
        format_html(" {}", name) if value is True else format_html(' {}="{}"', name, str(value))
        for name, value in attrs.items()
        if value is not False
    )


class QuickSelect(forms.Select):
    """A ``Select`` written in Python: the markup of Django's ``select.html`` and
    ``select_option.html`` character for character (their files' closing newlines too), without a
    template include per option. The queue's seller filter (52 sellers for the biggest partner)
    cost 5.8 ms of CPU per page through the templates."""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [format_html('<select name="{}"', widget["name"]), _attributes(widget["attrs"]), ">"]
        for group_name, group_choices, _index in widget["optgroups"]:
            if group_name:
                parts.append(format_html('\n  <optgroup label="{}">', group_name))
            for option in group_choices:
                parts.append(format_html('\n  <option value="{}"', str(option["value"])))
                parts.append(_attributes(option["attrs"]))
                parts.append(format_html(">{}</option>\n", option["label"]))
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>\n")
        return mark_safe("".join(parts))  # every part escaped by format_html above


def _blank(label: StrOrPromise) -> list[tuple[str, StrOrPromise]]:
    return [("", label)]


class ListedChoiceIterator(forms.models.ModelChoiceIterator):
    """The choices read with one plain SELECT: Django's ``iterator()`` here opens a server-side
    cursor on PostgreSQL, three round trips (DECLARE, FETCH, CLOSE) for a few dozen rows."""

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in list(self.queryset):
            yield self.choice(obj)


class ListedModelChoiceField(forms.ModelChoiceField):
    iterator = ListedChoiceIterator


class QueueFilterForm(forms.Form):
    """The review queue's filters (GET); an unknown value is reported and that filter ignored."""

    seller: forms.ModelChoiceField[Seller] = ListedModelChoiceField(
        label=_("Seller"), queryset=None, required=False, empty_label=_("All sellers"), widget=QuickSelect
    )
    reason = forms.ChoiceField(
        label=_("Reason"), choices=[*_blank(_("All reasons")), *Reason.choices], required=False, widget=QuickSelect
    )
    resolution = forms.ChoiceField(
        label=_("Resolution"),
        choices=[*_blank(_("All resolutions")), *Resolution.choices],
        required=False,
        widget=QuickSelect,
        help_text=_("Requests with at least one line resolved this way."),
    )

    def __init__(self, *args, partner: DropshipPartner, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The choices show names only; the rest of a seller is not read.
        form_field(self, "seller", forms.ModelChoiceField).queryset = partner_sellers(partner=partner).only(
            "pk", "name"
        )

    def filters(self) -> dict:
        """The valid filters, as keyword arguments of ``partner_review_queue``."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        seller = data.get("seller")
        return {
            "seller_id": seller.pk if seller else None,
            "reason": data.get("reason") or "",
            "resolution": data.get("resolution") or "",
        }


class RestockFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), choices=[*_blank(_("All statuses")), *RestockStatus.choices], required=False
    )


class RequestIdsField(forms.Field):
    """The ids of the ticked rows (checkboxes named ``requests``, drawn by the queue's template)."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "required": _("Select at least one request."),
        "invalid": _("The selection is not valid; reload the page and select again."),
        "too_many": _("Select at most %(max)d requests at once."),
    }

    def to_python(self, value) -> list[int]:
        if not value:
            return []
        try:
            ids = list(dict.fromkeys(int(each) for each in value))
        except (TypeError, ValueError):
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        validate_ids(ids, self.error_messages["invalid"])
        if len(ids) > BULK_APPROVE_MAX:
            raise ValidationError(self.error_messages["too_many"], code="too_many", params={"max": BULK_APPROVE_MAX})
        return ids


class BulkApproveForm(forms.Form):
    """The same terms for every selected request: the price (价格) and the promised date."""

    requests = RequestIdsField(label=_("Requests"))
    quote_goods = forms.DecimalField(label=_("Goods cost quote"), **MONEY)
    quote_shipping = forms.DecimalField(label=_("Shipping cost quote"), **MONEY)
    cost_bearer = forms.ChoiceField(
        label=_("Cost borne by"),
        choices=[*_blank("—"), *CostBearer.choices],
        widget=QuickSelect,
        error_messages={"required": _("Choose who bears the cost.")},
    )
    promised_date = forms.DateField(
        label=_("Promised date"),
        required=False,
        widget=DATE_INPUT,
        help_text=_("When the customer will have the goods or the compensation (optional)."),
    )

    def clean_promised_date(self):
        promised = self.cleaned_data.get("promised_date")
        if promised is not None and promised < timezone.localdate():
            raise ValidationError(_("The promised date cannot be in the past."), code="past")
        return promised


def _sla_message() -> str:
    return gettext("Give a whole number of hours from %(low)d to %(high)d.") % {
        "low": SLA_HOURS_MIN,
        "high": SLA_HOURS_MAX,
    }


SLA_MESSAGE = lazy(_sla_message, str)()  # translated when shown, in the reader's language


def _sla_field(label, help_text) -> forms.IntegerField:
    messages = dict.fromkeys(("invalid", "min_value", "max_value", "required"), SLA_MESSAGE)
    return forms.IntegerField(
        label=label,
        help_text=help_text,
        min_value=SLA_HOURS_MIN,
        max_value=SLA_HOURS_MAX,
        error_messages=messages,
    )


class PartnerSettingsForm(forms.Form):
    review_sla_hours = _sla_field(
        _("Review SLA (hours)"), _("Hours you have to review a submitted request (1–720); applies to new requests.")
    )
    fulfilment_sla_hours = _sla_field(
        _("Fulfilment SLA (hours)"), _("Hours from approval to every line resolved (1–720); applies to new approvals.")
    )
    webhook_url = forms.URLField(
        label=_("Webhook URL"),
        required=False,
        max_length=WEBHOOK_URL_MAX,
        assume_scheme="https",
        help_text=_("We POST every change of your requests here, signed with your secret. Leave empty for none."),
    )
    preferred_channel = forms.ChoiceField(
        label=_("Preferred channel"),
        choices=Channel.choices,
        help_text=_("How sellers and the platform should reach you first."),
    )
    # The seller's steps your staff hear of (inbox and email); webhook endpoints choose their own events.
    notify_quote_accepted = forms.BooleanField(label=_("The seller accepted the quote"), required=False)
    notify_quote_disputed = forms.BooleanField(label=_("The seller disputed the quote"), required=False)
    notify_info_updated = forms.BooleanField(label=_("The seller updated the order info"), required=False)
    notify_customer_contacted = forms.BooleanField(label=_("The customer was told"), required=False)
    notify_closed = forms.BooleanField(label=_("The seller closed and rated a request"), required=False)

    def notify_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in NOTIFY_SWITCHES]


class SettlementTermsForm(forms.Form):
    """One pair's settlement terms (对账结算条款); ``partner_settings.settlement_terms_save`` decides."""

    period = forms.ChoiceField(
        label=_("Statement period"),
        choices=SettlementPeriod.choices,
        help_text=_("How often a statement is drawn up for this pair."),
    )
    shared_seller_percent = forms.IntegerField(
        label=_("Seller's share of shared costs (%)"),
        min_value=0,
        max_value=100,
        help_text=_("When a cost is borne by both (shared), the seller bears this part and you the rest."),
    )
    auto_issue = forms.BooleanField(
        label=_("Issue automatically at period end"),
        required=False,
        help_text=_("Otherwise the statement waits as a draft for you to issue it."),
    )
    payment_days = forms.IntegerField(
        label=_("Payable within (days)"),
        min_value=0,
        max_value=PAYMENT_DAYS_MAX,
        help_text=_("Days after the statement is issued by which the balance is to be paid."),
    )


class SellerChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.name

    def clean(self, value: Any) -> QuerySet[Any]:
        # Text that is no id (past the database's integer range, which would overflow SQLite, or
        # digits int() cannot read) is no seller. Checked before the parent looks the ids up;
        # anything but a list is the parent's to refuse.
        for each in value if isinstance(value, list | tuple) else ():
            if id_from_text(str(each)) is None:
                raise ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": each}
                )
        return super().clean(value)


class AutoApprovalRuleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=RULE_NAME_MAX)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    reasons = forms.MultipleChoiceField(
        label=_("Reasons"),
        choices=Reason.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The rule applies when every line has one of these reasons. None ticked: any reason."),
    )
    max_line_value = forms.DecimalField(
        label=_("Maximum line value"),
        required=False,
        help_text=_("Applies only when each line's value (quantity × unit price) is at most this. Empty: any."),
        **MONEY,
    )
    sellers = SellerChoiceField(
        label=_("Sellers"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every seller."),
    )
    cost_bearer = forms.ChoiceField(label=_("Cost borne by"), choices=[*_blank("—"), *CostBearer.choices])
    quote_shipping = forms.DecimalField(label=_("Default shipping quote"), initial="0.00", **MONEY)
    promised_days = forms.IntegerField(
        label=_("Promised within (days)"),
        min_value=0,
        max_value=PROMISED_DAYS_MAX,
        initial=3,
        help_text=_("The promised date is this many days after the approval."),
    )

    def __init__(self, *args, partner: DropshipPartner, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        form_field(self, "sellers", SellerChoiceField).queryset = partner_sellers(partner=partner)


class TrackingImportForm(forms.Form):
    """The sheet of tracking numbers; what is in it is judged by ``reship.services.tracking_import``."""

    file = forms.FileField(
        label=_("Sheet (CSV or XLSX)"),
        help_text=_(
            "One row per line to ship: the request number (or the order number), the SKU code (or the line number), "
            "the carrier and the tracking number. Rows with the same request and tracking number are one parcel."
        ),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        ),
    )
