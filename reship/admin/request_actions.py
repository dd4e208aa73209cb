"""The admin's actions on requests: cancel, reassign the partner, escalate. Each asks for its note
(and the new partner) on an intermediate page, then calls the workflow once per request, each in
its own transaction: a request the workflow refuses is listed with the workflow's own words and
nothing is written for it; the others go through. Never a half-done request."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from reship import workflow
from reship.core.errors import WorkflowError
from reship.models import ReshipRequest
from suppliers.models import DropshipPartner


class CancelForm(forms.Form):
    note = forms.CharField(
        label=_("Reason (the partner reads it)"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class EscalateForm(forms.Form):
    note = forms.CharField(label=_("Note (both sides read it)"), widget=forms.Textarea(attrs={"rows": 3}))


class ReassignForm(forms.Form):
    partner = forms.ModelChoiceField(
        label=_("New dropship partner"), queryset=DropshipPartner.objects.filter(is_active=True).order_by("name")
    )
    note = forms.CharField(label=_("Note (both partners read it)"), widget=forms.Textarea(attrs={"rows": 3}))


Call = Callable[[ReshipRequest, Any, dict[str, Any]], object]


def _run(
    modeladmin: admin.ModelAdmin[Any],
    request: HttpRequest,
    queryset: QuerySet[ReshipRequest],
    *,
    action: str,
    title: str,
    form_class: type[forms.Form],
    call: Call,
) -> TemplateResponse | None:
    """The intermediate page until its form is valid; then the workflow, request by request."""
    form = form_class(request.POST if "apply" in request.POST else None)
    if not form.is_valid():
        context = {
            **modeladmin.admin_site.each_context(request),
            "title": title,
            "opts": modeladmin.opts,
            "form": form,
            "requests": list(queryset.order_by("pk")),
            "action": action,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/reship/reshiprequest/workflow_action.html", context)
    done: list[str] = []
    for reship_request in queryset.order_by("pk"):
        try:
            call(reship_request, request.user, form.cleaned_data)
        except WorkflowError as refusal:
            modeladmin.message_user(
                request,
                gettext("%(number)s: not done. %(reason)s")
                % {"number": reship_request.number, "reason": refusal.message},
                messages.ERROR,
            )
        else:
            done.append(reship_request.number)
    if done:
        modeladmin.message_user(request, gettext("Done: %(numbers)s.") % {"numbers": ", ".join(done)}, messages.SUCCESS)
    return None


@admin.action(permissions=["change"], description=_("Cancel the selected requests"))
def cancel_requests(modeladmin: Any, request: HttpRequest, queryset: QuerySet[ReshipRequest]) -> Any:
    return _run(
        modeladmin,
        request,
        queryset,
        action="cancel_requests",
        title=gettext("Cancel reship requests"),
        form_class=CancelForm,
        call=lambda each, user, data: workflow.reship_cancel(request_id=each.pk, actor=user, reason=data["note"]),
    )


@admin.action(permissions=["change"], description=_("Hand the selected requests to another partner"))
def reassign_requests(modeladmin: Any, request: HttpRequest, queryset: QuerySet[ReshipRequest]) -> Any:
    return _run(
        modeladmin,
        request,
        queryset,
        action="reassign_requests",
        title=gettext("Hand reship requests to another partner"),
        form_class=ReassignForm,
        call=lambda each, user, data: workflow.reship_reassign_partner(
            request_id=each.pk, actor=user, partner_id=data["partner"].pk, note=data["note"]
        ),
    )


@admin.action(permissions=["change"], description=_("Escalate the selected requests"))
def escalate_requests(modeladmin: Any, request: HttpRequest, queryset: QuerySet[ReshipRequest]) -> Any:
    return _run(
        modeladmin,
        request,
        queryset,
        action="escalate_requests",
        title=gettext("Escalate reship requests"),
        form_class=EscalateForm,
        call=lambda each, user, data: workflow.reship_escalate(request_id=each.pk, actor=user, note=data["note"]),
    )


WORKFLOW_ACTIONS = [cancel_requests, reassign_requests, escalate_requests]
