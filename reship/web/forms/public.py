"""Forms of the pages reached through signed links. They parse and render; the workflow decides."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from reship.core.errors import InvalidInput
from reship.core.inputs import MAX_TEXT


class PublicForm(forms.Form):
    def add_workflow_error(self, error: InvalidInput) -> None:
        """Show the workflow's message next to the fields it names, or above the form."""
        fields = [field for field in error.field_errors if field in self.fields]
        for field in fields:
            self.add_error(field, error.message)
        if not fields:
            self.add_error(None, error.message)


class RestockConfirmForm(PublicForm):
    ship_date = forms.DateField(
        label=_("Ship date"),
        help_text=_("The day you send the goods to the dropship partner."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    note = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


RATING_CHOICES = [
    (1, _("1 – very dissatisfied")),
    (2, _("2 – dissatisfied")),
    (3, _("3 – neutral")),
    (4, _("4 – satisfied")),
    (5, _("5 – very satisfied")),
]


class SurveyForm(PublicForm):
    rating = forms.TypedChoiceField(
        label=_("How satisfied are you with how your order was put right?"),
        choices=RATING_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose a rating from 1 to 5."),
            "invalid_choice": _("Ratings go from 1 to 5."),
        },
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
