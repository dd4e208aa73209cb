"""What every page needs: the organisation of the signed-in user, and workflow errors shown on forms.

Pages of one side use ``seller_required`` / ``partner_required``: anyone else gets a 404, never a
hint that the page exists. Workflow errors become form errors next to the field they name.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Concatenate, ParamSpec, TypeVar, cast

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase

from reship.accounts.roles import organisation_for
from reship.core.errors import WorkflowError
from reship.web.http import PartnerRequest, SellerRequest

P = ParamSpec("P")
R = TypeVar("R", bound=HttpResponseBase)


def seller_required(view: Callable[Concatenate[SellerRequest, P], R]) -> Callable[Concatenate[HttpRequest, P], R]:
    """The view gets ``request.seller``; a user of no seller gets a 404."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> R:
        seller = organisation_for(request.user).seller
        if seller is None:
            raise Http404
        seller_request = cast(SellerRequest, request)  # signed in (login_required); its seller is set here
        seller_request.seller = seller
        return view(seller_request, *args, **kwargs)

    return wrapper


def partner_required(view: Callable[Concatenate[PartnerRequest, P], R]) -> Callable[Concatenate[HttpRequest, P], R]:
    """The view gets ``request.partner``; a user of no partner gets a 404."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> R:
        partner = organisation_for(request.user).partner
        if partner is None:
            raise Http404
        partner_request = cast(PartnerRequest, request)  # signed in (login_required); its partner is set here
        partner_request.partner = partner
        return view(partner_request, *args, **kwargs)

    return wrapper


def form_add_workflow_error(form: forms.Form, error: WorkflowError) -> None:
    """Put the workflow's message next to the field it names, or above the form.

    With one field named, the whole message goes beside it (it says what is wrong, e.g. which file);
    with several, each field gets its short note and the message goes above the form.
    """
    fields = {field.split("[")[0].split(".")[0] for field in error.field_errors} & set(form.fields)
    if len(fields) == 1:
        form.add_error(fields.pop(), error.message)
        return
    for field, messages in error.field_errors.items():
        name = field.split("[")[0].split(".")[0]
        if name in form.fields:
            for message in messages:
                form.add_error(name, message)
    form.add_error(None, error.message)
