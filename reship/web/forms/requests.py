"""Forms of the request page: one per workflow action, the thread message and the communication log.

Each action form parses what one workflow function takes; the rules (amounts not negative, lines in
the right state, dates not in the past) stay in the workflow, whose errors land next to these
fields because the field names are the workflow's own. Every action form carries the action as its
prefix, so several forms on one page never share an HTML id or a label.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from django import forms
from django.utils.translation import gettext_lazy as _

from reship import lifecycle, workflow
from reship.accounts.roles import Role
from reship.choices import (
    Action,
    CompensationMethod,
    CostBearer,
    Counterpart,
    Direction,
    EventKind,
    QuoteStatus,
    Reason,
    Resolution,
    RestockStatus,
)
from reship.core.inputs import MAX_TEXT
from reship.customers import policy
from reship.models import ReshipLine, ReshipRequest
from reship.services import pending_uploads
from reship.web.forms import form_field
from reship.web.forms.pending_files import KeepsFiles, PendingFilesField, empty_choice
from suppliers.choices import Channel

if TYPE_CHECKING:
    from django.utils.safestring import SafeString
    from django_stubs_ext import StrOrPromise, StrPromise

    from reship.accounts.models import User

RATING_CHOICES = [empty_choice(_("Choose a rating")), *((value, str(value)) for value in range(1, 6))]
CUSTOMER_CHANNELS = [
    (Channel.EMAIL, Channel.EMAIL.label),
    (Channel.SMS, Channel.SMS.label),
    (Channel.PHONE, Channel.PHONE.label),
    (Channel.IM, Channel.IM.label),
    (Channel.SITE_MESSAGE, Channel.SITE_MESSAGE.label),
]


def textarea(rows: int = 3) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _money_field(label: StrPromise) -> forms.DecimalField:
    # No bounds here: the workflow owns the rule and says it in words next to the field.
    return forms.DecimalField(label=label, widget=forms.NumberInput(attrs={"step": "0.01"}))


def line_label(line: ReshipLine) -> str:
    product = line.order_line.product
    return f"{product.sku_code} · {product.name} × {line.quantity}"


class OfferedChoiceField(forms.TypedChoiceField):
    """Shows the rows that can be used now, and accepts any row of this request: one that changed
    since the page loaded reaches the workflow, which says what happened to it."""

    def __init__(self, *, accepted: set[str] | None = None, **kwargs: Any) -> None:
        self.accepted = accepted or set()
        super().__init__(**kwargs)

    def valid_value(self, value: Any) -> bool:
        return str(value) in self.accepted or super().valid_value(value)


class OfferedMultipleChoiceField(forms.TypedMultipleChoiceField):
    __doc__ = OfferedChoiceField.__doc__

    def __init__(self, *, accepted: set[str] | None = None, **kwargs: Any) -> None:
        self.accepted = accepted or set()
        super().__init__(**kwargs)

    def valid_value(self, value: Any) -> bool:
        return str(value) in self.accepted or super().valid_value(value)


# --- one form per action ------------------------------------------------------------------------


class ActionForm(forms.Form):
    action: ClassVar[Action]
    submit_label: ClassVar[StrPromise]
    intro_text: ClassVar[StrOrPromise] = ""  # a fixed line above the form; ``intro`` may compute one
    danger: ClassVar[bool] = False
    # The fields' markup when the page has it already (reship.web.fragments.form_fields_render).
    fields_markup: SafeString | None = None

    def __init__(
        self,
        data=None,
        files=None,
        *,
        reship: ReshipRequest,
        side: Role = Role.NONE,
        user: User | None = None,
        **kwargs: Any,
    ) -> None:
        self.reship = reship
        self.side = side  # the user's side of the request: which lines some actions offer depends on it
        self.user = user  # whose files a form with photos keeps across its errors
        super().__init__(data, files, prefix=self.action.value, **kwargs)

    @property
    def title(self) -> StrOrPromise:
        return self.action.label

    @property
    def intro(self) -> StrOrPromise:
        return self.intro_text

    def is_available(self) -> bool:
        """Whether there is anything to do with it now (the status alone allows more)."""
        return True

    def hint(self) -> str:
        """Why an action the status allows is not offered, when that needs saying."""
        return ""

    @property
    def lines(self) -> list[ReshipLine]:
        return list(self.reship.lines.all())


class RequestInfoForm(ActionForm):
    action = Action.REQUEST_INFO
    submit_label = _("Ask the seller")
    question = forms.CharField(label=_("Question for the seller"), max_length=MAX_TEXT, widget=textarea())


class AnswerInfoForm(KeepsFiles, ActionForm):
    """The seller's answer to the partner's question, with photos when it asked for them (stored as
    the request's evidence, kept across the form's errors)."""

    action = Action.ANSWER_INFO
    submit_label = _("Send the answer")
    kept_purposes = {"photos": pending_uploads.ANSWER_PHOTOS}
    answer = forms.CharField(label=_("Your answer"), max_length=MAX_TEXT, widget=textarea(4))
    photos = PendingFilesField(
        label=_("Photos (optional)"), help_text=_("Added to the request's evidence, for the partner to see.")
    )

    @property
    def intro(self) -> StrOrPromise:
        """The partner's latest question, from the (prefetched) events."""
        asked = [event.message for event in self.reship.events.all() if event.kind == EventKind.INFO_REQUESTED]
        return _("The partner asks: %(question)s") % {"question": asked[-1]} if asked else ""


class _QuoteFields(ActionForm):
    quote_goods = _money_field(_("Goods quote"))
    quote_shipping = _money_field(_("Shipping quote"))
    cost_bearer = forms.ChoiceField(
        label=_("Cost borne by"), choices=[empty_choice(_("Choose who bears it")), *CostBearer.choices]
    )


class ApproveForm(_QuoteFields):
    action = Action.APPROVE
    submit_label = _("Approve with this quote")
    promised_date = forms.DateField(label=_("Promised date"), required=False, widget=_date_input())
    note = forms.CharField(label=_("Note to the seller"), required=False, max_length=MAX_TEXT, widget=textarea(2))


class RejectForm(ActionForm):
    action = Action.REJECT
    submit_label = _("Reject the request")
    danger = True
    reason = forms.CharField(label=_("Reason for rejecting"), max_length=MAX_TEXT, widget=textarea())


class CancelForm(ActionForm):
    action = Action.CANCEL
    submit_label = _("Cancel the request")
    danger = True
    reason = forms.CharField(label=_("Reason for cancelling"), max_length=MAX_TEXT, widget=textarea(2))


def quote_summary(reship: ReshipRequest) -> str:
    """The quote in one line, so the seller sees what they accept or dispute next to the button."""
    return _(
        "Goods %(goods)s + shipping %(shipping)s + compensation %(compensation)s = %(total)s %(currency)s, "
        "borne by: %(bearer)s."
    ) % {
        "goods": reship.quote_goods,
        "shipping": reship.quote_shipping,
        "compensation": reship.quote_compensation or "0.00",
        "total": reship.quote_total,
        "currency": reship.currency,
        "bearer": reship.get_cost_bearer_display() or "—",
    }


class AcceptQuoteForm(ActionForm):
    action = Action.ACCEPT_QUOTE
    submit_label = _("Accept the quote")

    @property
    def intro(self) -> StrOrPromise:
        return quote_summary(self.reship)


class DisputeQuoteForm(ActionForm):
    action = Action.DISPUTE_QUOTE
    submit_label = _("Dispute the quote")
    message = forms.CharField(label=_("What you disagree with"), max_length=MAX_TEXT, widget=textarea())
    # No intro: the quote's line is in "Accept the quote", offered whenever this is, just before it.


class ReviseQuoteForm(_QuoteFields):
    action = Action.REVISE_QUOTE
    submit_label = _("Send the new quote")
    message = forms.CharField(
        label=_("Message with the new quote"), required=False, max_length=MAX_TEXT, widget=textarea(2)
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("quote_goods", self.reship.quote_goods)
            self.initial.setdefault("quote_shipping", self.reship.quote_shipping)
            self.initial.setdefault("cost_bearer", self.reship.cost_bearer)


class LinesForm(ActionForm):
    """An action on some of the request's lines: offers those it applies to now."""

    line_field = "line_ids"
    line_label_text: ClassVar[StrPromise] = _("Lines")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.offered = [line for line in self.lines if self.offers(line)]
        self.fields[self.line_field] = OfferedMultipleChoiceField(
            label=self.line_label_text,
            choices=[(line.pk, line_label(line)) for line in self.offered],
            accepted={str(line.pk) for line in self.lines},
            coerce=int,
            widget=forms.CheckboxSelectMultiple,
        )
        # The lines come first, as a person reads the form.
        self.order_fields([self.line_field])

    def offers(self, line: ReshipLine) -> bool:
        """The workflow's one rule of which lines this action applies to now."""
        return lifecycle.line_offered(self.action, line, self.side)

    def is_available(self) -> bool:
        return bool(self.offered)


class StartRestockForm(LinesForm):
    action = Action.START_RESTOCK
    submit_label = _("Order the restock")
    line_label_text = _("Lines to restock from their source")
    note = forms.CharField(label=_("Note to the source"), required=False, max_length=MAX_TEXT, widget=textarea(2))


class ConfirmRestockForm(ActionForm):
    action = Action.CONFIRM_RESTOCK
    submit_label = _("Confirm for the source")
    intro_text = _("When the source confirmed by phone or chat instead of its link.")
    ship_date = forms.DateField(label=_("Source ship date"), widget=_date_input())
    note = forms.CharField(label=_("Restock note"), required=False, max_length=MAX_TEXT, widget=textarea(2))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        restocks = list(self.reship.restock_orders.all())
        self.offered = [restock for restock in restocks if restock.status == RestockStatus.ORDERED]
        self.fields["restock_order"] = OfferedChoiceField(
            label=_("Restock order"),
            choices=[
                (
                    restock.pk,
                    f"{restock.line.order_line.product.sku_code} × {restock.quantity} · {restock.supplier.name}",
                )
                for restock in self.offered
            ],
            accepted={str(restock.pk) for restock in restocks},
            coerce=int,
            widget=forms.RadioSelect,
        )
        self.order_fields(["restock_order"])

    def is_available(self) -> bool:
        return bool(self.offered)


class CompensateForm(LinesForm):
    action = Action.COMPENSATE
    submit_label = _("Record the compensation")
    line_label_text = _("Lines to compensate")
    method = forms.ChoiceField(
        label=_("Compensation method"), choices=[empty_choice(_("Choose a method")), *CompensationMethod.choices]
    )
    amount = _money_field(_("Compensation amount"))
    note = forms.CharField(label=_("Compensation note"), required=False, max_length=MAX_TEXT, widget=textarea(2))


class ConfirmInfoUpdateForm(ActionForm):
    action = Action.CONFIRM_INFO_UPDATE
    submit_label = _("Confirm the info update")
    platform_updated = forms.BooleanField(label=_("The sales platform shows the new tracking or the refund"))
    note = forms.CharField(label=_("Info update note"), required=False, max_length=MAX_TEXT, widget=textarea(2))


class ContactCustomerForm(ActionForm):
    """The contact step (客户沟通) when the shop's automatic message did not tell the customer: only
    the channels the order can reach, the first preselected, the message prefilled with the shop's
    outcome wording for that channel (the customer's language)."""

    action = Action.CONTACT_CUSTOMER
    submit_label = _("Contact the customer")
    channel = forms.ChoiceField(
        label=_("Send by"),
        choices=CUSTOMER_CHANNELS,
        help_text=_(
            "Email and SMS are sent under the shop's name; for a call, a chat or a site message, log what you said."
        ),
    )
    message = forms.CharField(
        label=_("Message to the customer"), required=False, max_length=MAX_TEXT, widget=textarea(8)
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offered = policy.contact_channels(self.reship.order)
        labels: dict[str, StrOrPromise] = {str(value): label for value, label in CUSTOMER_CHANNELS}
        channel_field = self.fields["channel"]
        assert isinstance(channel_field, forms.ChoiceField)
        channel_field.choices = [(each, labels.get(each, each)) for each in offered]
        if not self.is_bound:
            self.initial.setdefault("channel", offered[0])
            self.initial.setdefault("message", workflow.outcome_message(self.reship, self.initial["channel"]))
        language = dict(self.fields["message"].widget.attrs)
        language["lang"] = self.reship.order.customer_language
        self.fields["message"].widget.attrs = language
        self.fields["message"].help_text = _("Written in the customer's language (%(language)s).") % {
            "language": self.reship.order.get_customer_language_display()
        }


class CloseForm(ActionForm):
    action = Action.CLOSE
    submit_label = _("Close with this evaluation")
    rating_speed = forms.TypedChoiceField(label=_("Speed (1–5)"), choices=RATING_CHOICES, coerce=int)
    rating_quality = forms.TypedChoiceField(label=_("Quality (1–5)"), choices=RATING_CHOICES, coerce=int)
    rating_cooperation = forms.TypedChoiceField(label=_("Cooperation (1–5)"), choices=RATING_CHOICES, coerce=int)
    platform_dispute = forms.BooleanField(label=_("The customer opened a platform dispute"), required=False)
    bad_review = forms.BooleanField(label=_("The customer left a bad review"), required=False)
    note = forms.CharField(label=_("Closing note"), required=False, max_length=MAX_TEXT, widget=textarea(2))

    def is_available(self) -> bool:
        return self.reship.quote_status != QuoteStatus.DISPUTED

    def hint(self) -> str:
        return str(_("The quote is disputed: settle the price in the thread before closing."))


class FollowUpForm(ActionForm):
    action = Action.FOLLOW_UP
    submit_label = _("File a follow-up request")
    intro_text = _("The replacement failed too: ask again for some of this request's lines.")
    reason = forms.ChoiceField(
        label=_("Follow-up reason"), choices=[empty_choice(_("Choose a reason")), *Reason.choices]
    )
    description = forms.CharField(
        label=_("What went wrong with the replacement"), max_length=MAX_TEXT, widget=textarea()
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.line_rows = []
        for line in self.lines:
            sku = line.order_line.product.sku_code
            quantity, resolution = f"quantity_{line.pk}", f"resolution_{line.pk}"
            self.fields[quantity] = forms.IntegerField(
                label=_("Quantity of %(sku)s") % {"sku": sku},
                min_value=0,
                max_value=line.quantity,
                initial=0,
                required=False,
            )
            self.fields[resolution] = forms.ChoiceField(
                label=_("Resolution of %(sku)s") % {"sku": sku},
                choices=Resolution.choices,
                initial=line.resolution,
                required=False,  # a line not asked for again needs none; one that is keeps its own
            )
            self.line_rows.append((line, quantity, resolution))

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if not self.errors and not self.line_requests():
            raise forms.ValidationError(_("Give a quantity for at least one line."))
        return cleaned

    def line_requests(self) -> list[workflow.LineRequest]:
        return [
            workflow.LineRequest(
                line.order_line_id, self.cleaned_data[quantity], self.cleaned_data[resolution] or line.resolution
            )
            for line, quantity, resolution in self.line_rows
            if self.cleaned_data.get(quantity)
        ]


# --- the thread and the communication log --------------------------------------------------------


class MessageForm(KeepsFiles):
    """A message in the thread; its attachment is kept across the form's errors."""

    kept_purposes = {"attachment": pending_uploads.MESSAGE_ATTACHMENT}
    body = forms.CharField(label=_("Message"), max_length=MAX_TEXT, widget=textarea(3))
    attachment = PendingFilesField(label=_("Attachment (optional)"), images_only=False, max_count=1)

    def __init__(self, *args: Any, user: User | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "message")
        self.user = user
        super().__init__(*args, **kwargs)


class CommunicationForm(forms.Form):
    counterpart = forms.ChoiceField(label=_("Talked with"))
    channel = forms.ChoiceField(label=_("Contact channel"), choices=Channel.choices)
    direction = forms.ChoiceField(label=_("Who reached out"), choices=Direction.choices, initial=Direction.OUTBOUND)
    occurred_at = forms.DateTimeField(
        label=_("When"),
        required=False,
        help_text=_("Leave empty for now."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    summary = forms.CharField(label=_("Summary"), max_length=MAX_TEXT, widget=textarea(3))

    def __init__(self, *args: Any, side: Role, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "communication")
        super().__init__(*args, **kwargs)
        form_field(self, "counterpart", forms.ChoiceField).choices = [
            (value, label) for value, label in Counterpart.choices if value != side.value
        ]
