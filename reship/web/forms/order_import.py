"""Forms of the order import pages: the upload, and the column mapping with its whole-file choices.

They parse and render; ``orders.imports.jobs`` decides what is allowed (a required column left
out, a column used twice) and its messages are put next to the field they name.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from orders.choices import Platform
from orders.imports.fields import ORDER_FIELDS
from orders.models import ImportPreset, Seller
from reship.core.errors import WorkflowError
from reship.web.decorators import form_add_workflow_error
from reship.web.forms import form_field
from suppliers.models import DropshipPartner

COLUMN_PREFIX = "column_"


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Export file"),
        help_text=_("CSV (UTF-8 or GBK/GB18030, as Excel and Chinese platforms save it) or XLSX with one sheet."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )
    platform = forms.ChoiceField(
        label=_("Sales platform"),
        choices=Platform.choices,
        help_text=_("For the whole file; a platform column, if you map one, wins for its rows."),
    )
    preset = forms.ModelChoiceField(
        label=_("Column mapping"),
        required=False,
        queryset=ImportPreset.objects.none(),
        empty_label=_("Guess from the column names"),
    )

    def __init__(self, *args: Any, seller: Seller, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        form_field(self, "preset", forms.ModelChoiceField).queryset = ImportPreset.objects.filter(
            seller=seller
        ).order_by("name")

    def add_workflow_error(self, error: WorkflowError) -> None:
        form_add_workflow_error(self, error)


class ImportMappingForm(forms.Form):
    """One select per Reship field listing the file's columns, then the whole-file choices."""

    platform = forms.ChoiceField(label=_("Sales platform"), choices=Platform.choices)
    default_partner = forms.ModelChoiceField(
        label=_("Dropship partner for rows that name none"),
        required=False,
        queryset=DropshipPartner.objects.filter(is_active=True).order_by("name"),
        empty_label=_("None: every row names its partner"),
    )
    preset_name = forms.CharField(
        label=_("Save this mapping as a preset named"),
        required=False,
        max_length=100,
        help_text=_("Optional. A preset of the same name is replaced."),
    )

    def __init__(self, *args: Any, headers: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("— not in this file —")), *((header, header) for header in headers)]
        columns = {}
        for field in ORDER_FIELDS:
            columns[COLUMN_PREFIX + field.key] = forms.ChoiceField(
                label=field.label,
                required=False,
                choices=choices,
                help_text=_("Required") if field.required else "",
            )
        self.fields = {**columns, **self.fields}

    def column_fields(self) -> list[forms.BoundField]:
        return [self[COLUMN_PREFIX + field.key] for field in ORDER_FIELDS]

    def mapping(self) -> dict[str, str]:
        return {
            field.key: self.cleaned_data.get(COLUMN_PREFIX + field.key) or ""
            for field in ORDER_FIELDS
            if self.cleaned_data.get(COLUMN_PREFIX + field.key)
        }

    def add_workflow_error(self, error: WorkflowError) -> None:
        """The service names a column's field "columns.<key>"; the form's is prefixed instead."""
        for key, messages in error.field_errors.items():
            name = COLUMN_PREFIX + key.removeprefix("columns.") if key.startswith("columns.") else key
            for message in messages:
                self.add_error(name if name in self.fields else None, message)
        self.add_error(None, error.message)

    @staticmethod
    def initial_for(mapping: dict[str, str], options: dict[str, Any]) -> dict[str, Any]:
        return {
            **{COLUMN_PREFIX + key: header for key, header in mapping.items()},
            "platform": options.get("platform"),
            "default_partner": options.get("partner_id"),
        }
