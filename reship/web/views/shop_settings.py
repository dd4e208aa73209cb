"""The seller's shop settings page (店铺设置): when the customer's survey goes out. Every member of
the seller reads it; its managers change it (``reship.services.shop_settings``); anyone else gets a
404 (``seller_required``)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from reship import permissions
from reship.core.errors import ActionNotPermitted, InvalidInput
from reship.services.shop_settings import shop_survey_delays_update
from reship.web.decorators import form_add_workflow_error, seller_required
from reship.web.forms.shop_settings import ShopSettingsForm
from reship.web.http import SellerRequest


@never_cache
@require_http_methods(["GET", "POST"])
@seller_required
def shop_settings(request: SellerRequest) -> HttpResponse:
    seller = request.seller
    can_manage = permissions.can_manage_shop_settings(request.user, seller.pk)
    initial = {"survey_delay_days": seller.survey_delay_days, "survey_fallback_days": seller.survey_fallback_days}
    form = ShopSettingsForm(initial=initial)
    status = 200
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied(_("Only a manager of your shop may change its settings."))
        form = ShopSettingsForm(request.POST)
        if form.is_valid():
            try:
                shop_survey_delays_update(actor=request.user, seller_id=seller.pk, **form.cleaned_data)
            except ActionNotPermitted as error:
                raise PermissionDenied(error.message) from None
            except InvalidInput as error:
                form_add_workflow_error(form, error)
            else:
                messages.success(request, _("Shop settings saved. Surveys already scheduled keep their date."))
                return redirect("account:shop-settings")
        status = 400
    context = {"seller": seller, "form": form, "can_manage": can_manage}
    return render(request, "account/shop_settings.html", context, status=status)
