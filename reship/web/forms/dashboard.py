"""The dashboard's filter form: period (or custom dates), partner, supplier and, for admins, seller."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django import forms
from django.db.models import Exists, OuterRef
from django.http import QueryDict
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from orders.models import Order, Product, Seller
from reship.accounts.roles import Role
from reship.choices import Reason
from reship.core.bounds import DATE_VALIDATORS
from reship.evaluation import (
    PERIOD_DAYS,
    EvaluationFilter,
    Scope,
    evaluation_filter_for,
)
from reship.web.forms import form_field
from suppliers.models import DropshipPartner, Supplier

if TYPE_CHECKING:
    from reship.accounts.models import User

CUSTOM = "custom"
MAX_CUSTOM_DAYS = 731  # two years: a wider range is a query nobody reads as one chart


# --- the filter form ----------------------------------------------------------------------------

# Translated when shown, not when the module loads (a lazy string's % would fix the language).
_last_days = lazy(lambda days: _("Last %(days)s days") % {"days": days}, str)


class DashboardFilterForm(forms.Form):
    """Period (7 / 30 / 90 days or custom dates), and for whom: partner, source, reason; an admin
    also picks a seller. Choices offer only what the viewer's own requests involve."""

    period = forms.ChoiceField(
        label=gettext_lazy("Period"),
        choices=[
            *((str(days), _last_days(days)) for days in PERIOD_DAYS),
            (CUSTOM, gettext_lazy("Custom dates")),
        ],
    )
    start = forms.DateField(
        label=gettext_lazy("From"),
        required=False,
        validators=DATE_VALIDATORS,
        help_text=gettext_lazy("For custom dates"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    end = forms.DateField(
        label=gettext_lazy("To"),
        required=False,
        validators=DATE_VALIDATORS,
        help_text=gettext_lazy("For custom dates"),
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    seller = forms.ModelChoiceField(
        label=gettext_lazy("Seller"),
        queryset=Seller.objects.none(),
        required=False,
        empty_label=gettext_lazy("All sellers"),
    )
    partner = forms.ModelChoiceField(
        label=gettext_lazy("Dropship partner"),
        queryset=DropshipPartner.objects.none(),
        required=False,
        empty_label=gettext_lazy("All partners"),
    )
    supplier = forms.ModelChoiceField(
        label=gettext_lazy("Source"),
        queryset=Supplier.objects.none(),
        required=False,
        empty_label=gettext_lazy("All sources"),
    )
    reason = forms.ChoiceField(
        label=gettext_lazy("Reason"),
        choices=[("", gettext_lazy("All reasons")), *Reason.choices],
        required=False,
    )

    def __init__(self, data: QueryDict, *, scope: Scope, today: date) -> None:
        super().__init__(data)
        self.scope = scope
        self.today = today
        if scope.role == Role.ADMIN:
            form_field(self, "seller", forms.ModelChoiceField).queryset = Seller.objects.order_by("name")
            form_field(self, "partner", forms.ModelChoiceField).queryset = DropshipPartner.objects.order_by("name")
            form_field(self, "supplier", forms.ModelChoiceField).queryset = Supplier.objects.order_by("name")
        # The choices are the partners of the seller's orders and the sources of the products of the
        # sellers in scope: EXISTS probes on the (seller, partner) index of orders and on products,
        # never a walk through order lines (9 s for a big seller at a million orders).
        elif scope.seller_id is not None:  # a seller's staff: only their scope names a seller
            del self.fields["seller"]
            form_field(self, "partner", forms.ModelChoiceField).queryset = DropshipPartner.objects.filter(
                Exists(Order.objects.filter(seller_id=scope.seller_id, partner=OuterRef("pk")))
            ).order_by("name")
            form_field(self, "supplier", forms.ModelChoiceField).queryset = Supplier.objects.filter(
                Exists(Product.objects.filter(seller_id=scope.seller_id, supplier=OuterRef("pk")))
            ).order_by("name")
        else:  # a partner's staff: their own figures, so no partner or seller to pick
            del self.fields["seller"]
            del self.fields["partner"]
            sellers = Order.objects.filter(seller_id=OuterRef("seller_id"), partner_id=scope.partner_id)
            products = Product.objects.filter(supplier=OuterRef("pk")).filter(Exists(sellers))
            form_field(self, "supplier", forms.ModelChoiceField).queryset = Supplier.objects.filter(
                Exists(products)
            ).order_by("name")

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("period") != CUSTOM:
            return data
        start, end = data.get("start"), data.get("end")
        if start is None and "start" not in self.errors:
            self.add_error("start", _("Give the first day of the period."))
        if end is None and "end" not in self.errors:
            self.add_error("end", _("Give the last day of the period."))
        if start is None or end is None:
            return data
        if start > end:
            self.add_error("end", _("The last day must be on or after the first day."))
        elif end > self.today:
            self.add_error("end", _("The last day cannot be in the future."))
        elif (end - start).days + 1 > MAX_CUSTOM_DAYS:
            self.add_error(None, _("Pick a period of at most %(days)s days.") % {"days": MAX_CUSTOM_DAYS})
        return data

    def evaluation_filter(self, *, user: User, now: datetime) -> EvaluationFilter:
        data = self.cleaned_data
        custom = data["period"] == CUSTOM
        partner, supplier, seller = data.get("partner"), data.get("supplier"), data.get("seller")
        evaluation_filter = evaluation_filter_for(
            user=user,
            now=now,
            days=None if custom else int(data["period"]),
            first_day=data["start"] if custom else None,
            last_day=data["end"] if custom else None,
            partner_id=partner.pk if partner is not None else None,
            supplier_id=supplier.pk if supplier is not None else None,
            reason=data.get("reason") or "",
        )
        if seller is not None:
            # An admin looking at one seller sees what that seller's staff see.
            evaluation_filter = replace(evaluation_filter, scope=Scope(role=Role.SELLER, seller_id=seller.pk))
        return evaluation_filter
