"""A source's statement (货源方对账单) through its signed link: read it, confirm it, dispute a line.

The source has no account: the signed token (``core.signing.statement_token``) is the credential, as
on the restock confirm page (``views.public``): a tampered link is a 400, an expired one a 410, a
link to a statement that is not this source's (or no longer exists, or is still a draft) a 404.
The page speaks the source's language (overseas → English, otherwise Chinese, like its emails).
GET reads; each POST parses one small form and calls the writer (``reship.settlement.statements``)
with ``actor=None, as_source=True``, which re-checks the status under lock. POSTs keep CSRF and are
rate-limited per address and per statement (429 with Retry-After).
"""

from __future__ import annotations

import math
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from reship.choices import StatementAction, StatementKind, StatementLineStatus, StatementSide, StatementStatus
from reship.core import signing
from reship.core.client_ip import client_ip
from reship.core.errors import ActionNotPermitted, InvalidInput, InvalidTransition, StatementNotFound
from reship.core.inputs import MAX_TEXT
from reship.core.rate_limits import Limit, rate_limit_try
from reship.models import Statement
from reship.notifications.outbox import supplier_language
from reship.settlement import statements as writer
from reship.web.views.public import link_problem_page, problem_page
from reship.web.views.statement_files import statement_sheet

POSTS_PER_ADDRESS = 30
POSTS_PER_STATEMENT = 20
POST_WINDOW_SECONDS = 600


class DisputeForm(forms.Form):
    line = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    reason = forms.CharField(
        label=gettext_lazy("Why is this line wrong?"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": gettext_lazy("Say why you dispute this line.")},
    )


def _statement_for_page(statement_id: int, supplier_id: int) -> Statement | None:
    """The source's issued statement the link is for, with its parties and totals."""
    return (
        Statement.objects.select_related("partner", "supplier")
        .prefetch_related("totals")
        .filter(pk=statement_id, supplier_id=supplier_id, kind=StatementKind.SUPPLIER)
        .exclude(status=StatementStatus.DRAFT)
        .first()
    )


def _may(statement: Statement, action: StatementAction) -> bool:
    return action in writer.actions_for(statement, StatementSide.COUNTERPARTY)


def _page(
    request: HttpRequest,
    statement: Statement,
    *,
    dispute_form: DisputeForm | None = None,
    error: str = "",
    notice: str = "",
    status: int = 200,
) -> HttpResponse:
    confirmed = statement.counterparty_confirmed_at is not None
    context: dict[str, Any] = statement_sheet(statement) | {
        "can_confirm": _may(statement, StatementAction.CONFIRM) and not confirmed,
        "can_dispute": _may(statement, StatementAction.DISPUTE_LINE),
        "confirmed": confirmed,
        "dispute_form": dispute_form,
        "dispute_line": dispute_form["line"].value() if dispute_form is not None else None,
        "open_line": StatementLineStatus.OPEN,
        "error": error,
        "notice": notice,
    }
    return render(request, "statements/source.html", context, status=status)


def _limits(request: HttpRequest, statement_id: int) -> list[Limit]:
    return [
        Limit(f"source-statement-address:{client_ip(request) or 'unknown'}", POSTS_PER_ADDRESS, POST_WINDOW_SECONDS),
        Limit(f"source-statement:{statement_id}", POSTS_PER_STATEMENT, POST_WINDOW_SECONDS),
    ]


def _too_many(request: HttpRequest, seconds: int) -> HttpResponse:
    minutes = max(1, math.ceil(seconds / 60))
    response = problem_page(
        request,
        heading=_("Too many tries"),
        message=_("Please wait %(minutes)s minutes and try again. Nothing was changed.") % {"minutes": minutes},
        status=429,
    )
    response["Retry-After"] = str(seconds)
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def source_statement(request: HttpRequest, token: str) -> HttpResponse:
    try:
        statement_id, supplier_id = signing.statement_token_read(token)
    except signing.LinkError as error:
        return link_problem_page(request, error)
    statement = _statement_for_page(statement_id, supplier_id)
    if statement is None or statement.supplier is None:
        return problem_page(
            request, heading=_("Nothing to do here"), message=_("This statement does not exist any more."), status=404
        )
    with translation.override(supplier_language(statement.supplier)):
        if request.method == "GET":
            return _page(request, statement)
        wait = rate_limit_try(_limits(request, statement.pk))
        if wait:
            return _too_many(request, wait)
        if request.POST.get("action") == "confirm":
            return _confirm(request, statement)
        return _dispute(request, statement)


def _reloaded(statement: Statement) -> Statement:
    fresh = _statement_for_page(statement.pk, statement.supplier_id or 0)
    return fresh if fresh is not None else statement


def _confirm(request: HttpRequest, statement: Statement) -> HttpResponse:
    if statement.counterparty_confirmed_at is not None:
        return render(request, "statements/source_already_confirmed.html", {"statement": statement}, status=409)
    try:
        writer.statement_confirm(statement_id=statement.pk, actor=None, as_source=True)
    except (InvalidTransition, ActionNotPermitted, InvalidInput) as error:
        statement = _reloaded(statement)
        if statement.counterparty_confirmed_at is not None:
            return render(request, "statements/source_already_confirmed.html", {"statement": statement}, status=409)
        return _page(request, statement, error=error.message, status=409)
    except StatementNotFound:
        return problem_page(
            request, heading=_("Nothing to do here"), message=_("This statement does not exist any more."), status=404
        )
    return render(request, "statements/source_thanks.html", {"statement": _reloaded(statement)})


def _dispute(request: HttpRequest, statement: Statement) -> HttpResponse:
    form = DisputeForm(request.POST)
    if not form.is_valid():
        return _page(request, statement, dispute_form=form, status=400)
    try:
        writer.statement_dispute_line(
            statement_id=statement.pk,
            line_id=form.cleaned_data["line"],
            actor=None,
            reason=form.cleaned_data["reason"],
            as_source=True,
        )
    except InvalidInput as error:
        if "reason" in error.field_errors:
            form.add_error("reason", error.message)
            return _page(request, statement, dispute_form=form, status=422)
        return _page(request, statement, error=error.message, status=422)
    except (InvalidTransition, ActionNotPermitted) as error:
        return _page(request, _reloaded(statement), error=error.message, status=409)
    except StatementNotFound:
        return problem_page(
            request, heading=_("Nothing to do here"), message=_("This line is not on this statement."), status=404
        )
    notice = _("Your dispute is recorded; the dropship partner has been told and will answer.")
    return _page(request, _reloaded(statement), notice=notice)
