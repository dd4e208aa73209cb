"""Statements' pages (对账单) for the partner and the seller: the list, drawing one up, a statement's
page with its lines grouped by request, its totals, its timeline and payments, and the forms of the
steps this user may take now.

Thin, like the request pages: reads through ``reship.selectors.statements`` (another organisation's
statement is a 404), one form per step, one call to the writer (``reship.settlement.statements``),
its errors mapped to statuses: ``InvalidInput`` 422 (the page again, the message next to the field,
nothing written), ``InvalidTransition`` 409 (the page again, saying its status now),
``ActionNotPermitted`` 403 (the wrong side), ``StatementNotFound`` 404. GET never changes anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from reship import lifecycle, permissions
from reship.accounts.roles import Role, organisation_for
from reship.choices import (
    CostBearer,
    Resolution,
    StatementAction,
    StatementKind,
    StatementLineStatus,
    StatementSide,
    StatementStatus,
)
from reship.core.errors import ActionNotPermitted, InvalidInput, InvalidTransition, StatementNotFound
from reship.models import StatementLine
from reship.selectors import statements as selectors
from reship.settlement import statements as writer
from reship.web import statement_timeline as timeline
from reship.web.decorators import form_add_workflow_error, partner_required
from reship.web.forms.statements import (
    AddAdjustmentForm,
    AdjustLineForm,
    DisputeLineForm,
    RecordPaymentForm,
    StatementListFilterForm,
    StatementNewForm,
    StatementReasonForm,
)
from reship.web.http import AuthenticatedRequest, PartnerRequest

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from reship.models import Statement, StatementTotal

PAGE_SIZE = 25
LINES_PER_PAGE = 50
# The answer to a dispute that adds a line rather than editing one: the page's own step.
ADD_ADJUSTMENT = "add_adjustment"


def _member(request: AuthenticatedRequest) -> Role:
    """Seller or partner staff, and platform admins reading; anyone else finds no such page."""
    role = organisation_for(request.user).role
    if role not in (Role.SELLER, Role.PARTNER, Role.ADMIN):
        raise Http404
    return role


def _money(amount: Decimal, currency: str) -> str:
    return f"{abs(amount):,.2f} {currency}"


def who_pays(*, balance: Decimal, currency: str, side: StatementSide | None, kind: str, settled: bool) -> str:
    """Who pays whom, in words, from the reader's side (signs: positive, the counterparty pays)."""
    amount = {"amount": _money(balance, currency)}
    source = kind == StatementKind.SUPPLIER
    if balance == 0:
        return _("Settled") if settled else _("Nothing to pay")
    if side == StatementSide.ISSUER:
        if balance > 0:
            return (_("The source pays you %(amount)s") if source else _("The seller pays you %(amount)s")) % amount
        return (_("You pay the source %(amount)s") if source else _("You pay the seller %(amount)s")) % amount
    if side == StatementSide.COUNTERPARTY:
        if balance > 0:
            return _("You pay %(amount)s") % amount
        return _("The partner pays you %(amount)s") % amount
    if balance > 0:
        return (
            _("The source pays the partner %(amount)s") if source else _("The seller pays the partner %(amount)s")
        ) % amount
    return (
        _("The partner pays the source %(amount)s") if source else _("The partner pays the seller %(amount)s")
    ) % amount


@dataclass(frozen=True)
class TotalRow:
    total: StatementTotal
    balance: Decimal
    words: str


def _totals(statement: Statement, side: StatementSide | None) -> list[TotalRow]:
    settled = statement.status in lifecycle.STATEMENT_FINAL_STATUSES or statement.status in (
        StatementStatus.CONFIRMED,
        StatementStatus.PARTLY_PAID,
    )
    rows = []
    for total in statement.totals.all():
        balance = total.net - total.paid
        rows.append(
            TotalRow(
                total,
                balance,
                who_pays(
                    balance=balance,
                    currency=total.currency,
                    side=side,
                    kind=statement.kind,
                    settled=settled and total.net != 0,
                ),
            )
        )
    return rows


def _counterparty_name(statement: Statement, role: Role) -> str:
    if role == Role.SELLER:
        return statement.partner.name
    if statement.kind == StatementKind.SUPPLIER and statement.supplier is not None:
        return statement.supplier.name
    return statement.seller.name if statement.seller is not None else ""


# --- the list -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatementRow:
    statement: Statement
    counterparty: str
    waiting_for_you: bool
    totals: list[TotalRow]


def _list_filter(form: StatementListFilterForm, role: Role) -> selectors.StatementFilter:
    data = form.cleaned_data if form.is_valid() else {}
    chosen = data.get("counterparty") or ""
    prefix, _dash, number = chosen.partition("-")
    pk = int(number) if number.isdigit() else None
    return selectors.StatementFilter(
        status=data.get("status") or "",
        open_only=bool(data.get("open")),
        seller_id=pk if prefix == "seller" else None,
        supplier_id=pk if prefix == "source" else None,
        partner_id=pk if prefix == "partner" else None,
    )


@login_required
@require_GET
def statement_list(request: AuthenticatedRequest) -> HttpResponse:
    role = _member(request)
    user = request.user
    form = StatementListFilterForm(
        request.GET or None,
        counterparties=selectors.statement_counterparty_choices(user),
        counterparty_label=gettext_lazy("Dropship partner") if role == Role.SELLER else gettext_lazy("Counterparty"),
    )
    page = Paginator(selectors.statement_list(user=user, filters=_list_filter(form, role)), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = []
    for statement in page.object_list:
        side = permissions.statement_side(user, statement)
        totals = list(statement.totals.all())
        rows.append(
            StatementRow(
                statement=statement,
                counterparty=_counterparty_name(statement, role),
                waiting_for_you=side is not None and side in selectors.waiting_for(statement, totals),
                totals=_totals(statement, side),
            )
        )
    context = {
        "role": role,
        "page": page,
        "rows": rows,
        "form": form,
        "filtered": form.is_bound and form.is_valid() and any(form.cleaned_data.values()),
        "can_draw_up": role == Role.PARTNER,
    }
    return render(request, "statements/list.html", context)


# --- drawing one up (the partner) ---------------------------------------------------------------


@partner_required
@require_http_methods(["GET", "POST"])
def statement_new(request: PartnerRequest) -> HttpResponse:
    counterparties = selectors.statement_draftable_counterparties(partner_id=request.partner.pk)
    if request.method != "POST":
        initial = {"counterparty": request.GET.get("counterparty", "")}
        form = StatementNewForm(initial=initial, counterparties=counterparties)
        return render(request, "statements/new.html", {"form": form, "has_counterparties": bool(counterparties)})
    form = StatementNewForm(request.POST, counterparties=counterparties)
    context = {"form": form, "has_counterparties": bool(counterparties)}
    if form.is_valid():
        prefix, _dash, number = form.cleaned_data["counterparty"].partition("-")
        try:
            statement = writer.statement_draft(
                actor=request.user,
                partner_id=request.partner.pk,
                seller_id=int(number) if prefix == "seller" else None,
                supplier_id=int(number) if prefix == "source" else None,
                period_start=form.cleaned_data["period_start"],
                period_end=form.cleaned_data["period_end"],
            )
        except (InvalidInput, InvalidTransition) as error:
            form_add_workflow_error(form, error)
        except ActionNotPermitted as error:
            form.add_error(None, error.message)
            return render(request, "statements/new.html", context, status=403)
        else:
            messages.success(request, _("Statement %(number)s was drawn up as a draft.") % {"number": statement.number})
            return redirect("statements:detail", pk=statement.pk)
    return render(request, "statements/new.html", context, status=422)


# --- a statement's page -------------------------------------------------------------------------


@dataclass
class LineRow:
    line: StatementLine
    state: str = ""
    state_css: str = ""
    answers: list[str] = field(default_factory=list)
    dispute_form: DisputeLineForm | None = None
    dispute_blank: bool = False
    adjust_form: AdjustLineForm | None = None


@dataclass
class RequestGroup:
    """Consecutive lines of one request (an adjustment of no request is a group of its own)."""

    request_id: int | None
    request_number: str
    order_number: str
    closed_at: Any
    linked: bool
    rows: list[LineRow] = field(default_factory=list)


@dataclass(frozen=True)
class Bound:
    """A form the user sent back with errors, and the line it was for."""

    action: str
    form: forms.Form
    line_id: int | None = None


def _line_filter(request: AuthenticatedRequest) -> tuple[selectors.LineFilter, dict[str, str]]:
    resolution = request.GET.get("resolution", "")
    bearer = request.GET.get("bearer", "")
    chosen = {
        "disputed": "1" if request.GET.get("disputed") == "1" else "",
        "resolution": resolution if resolution in Resolution.values else "",
        "bearer": bearer if bearer in CostBearer.values else "",
    }
    return (
        selectors.LineFilter(
            disputed=bool(chosen["disputed"]), resolution=chosen["resolution"], bearer=chosen["bearer"]
        ),
        chosen,
    )


def _allowed(statement: Statement, user: Any, side: StatementSide | None) -> set[str]:
    """The steps this user may take now: the lifecycle's for the status, the user's side's, and what
    the moment allows (a side that has confirmed does not confirm again)."""
    allowed = {str(action) for action in writer.actions_for(statement, side)}
    if StatementAction.ADJUST_LINE in allowed:
        allowed.add(ADD_ADJUSTMENT)
    return allowed


def _open_balances(totals: list[TotalRow]) -> list[TotalRow]:
    return [row for row in totals if row.balance != 0]


def _page_context(
    request: AuthenticatedRequest,
    statement: Statement,
    *,
    bound: Bound | None = None,
    problem: str = "",
) -> dict[str, Any]:
    user = request.user
    role = _member(request)
    side = permissions.statement_side(user, statement)
    line_filter, chosen = _line_filter(request)
    page = Paginator(selectors.statement_lines(statement=statement, filters=line_filter), LINES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    lines = list(page.object_list)
    allowed = _allowed(statement, user, side)
    visible = selectors.statement_visible_request_ids(user=user, request_ids=(line.request_id or 0 for line in lines))
    answers = selectors.line_answers(statement=statement)
    groups: list[RequestGroup] = []
    for line in lines:
        if not groups or line.request_id is None or groups[-1].request_id != line.request_id:
            groups.append(
                RequestGroup(
                    request_id=line.request_id,
                    request_number=line.request_number,
                    order_number=line.order_number,
                    closed_at=line.closed_at,
                    linked=line.request_id in visible,
                )
            )
        row = LineRow(
            line,
            state=selectors.line_state_label(statement, line.status),
            state_css=selectors.line_state_css(statement, line.status),
            answers=answers.get(line.pk, []),
        )
        if StatementAction.DISPUTE_LINE in allowed and line.status == StatementLineStatus.OPEN:
            if bound and bound.action == StatementAction.DISPUTE_LINE and bound.line_id == line.pk:
                assert isinstance(bound.form, DisputeLineForm)
                row.dispute_form = bound.form
            else:
                # The same fields written straight by the template (``dispute_blank``): a Django form
                # rendered per line of a 100-line page cost most of the page's time (bench.run).
                row.dispute_blank = True
        if StatementAction.ADJUST_LINE in allowed and line.status == StatementLineStatus.DISPUTED:
            if bound and bound.action == StatementAction.ADJUST_LINE and bound.line_id == line.pk:
                assert isinstance(bound.form, AdjustLineForm)
                row.adjust_form = bound.form
            else:
                row.adjust_form = AdjustLineForm(
                    # The share is left empty: a new bearer then decides it (a typed share wins).
                    initial={"line": line.pk},
                    auto_id=f"id_adjust_{line.pk}_%s",
                )
        groups[-1].rows.append(row)
    totals = _totals(statement, side)
    currencies = [row.total.currency for row in totals]

    def statement_form(action: str, build: Any) -> forms.Form | None:
        if action not in allowed:
            return None
        if bound is not None and bound.action == action:
            return bound.form
        built: forms.Form = build()
        return built

    open_balances = _open_balances(totals)
    payment_form = statement_form(
        StatementAction.RECORD_PAYMENT,
        lambda: RecordPaymentForm(
            currencies=[row.total.currency for row in open_balances] or currencies,
            initial={
                "amount": abs(open_balances[0].balance) if open_balances else None,
                "currency": open_balances[0].total.currency if open_balances else "",
            },
            auto_id="id_payment_%s",
        ),
    )
    adjustment_form = statement_form(
        ADD_ADJUSTMENT,
        lambda: AddAdjustmentForm(
            currencies=currencies, disputed_lines=_disputed_choices(statement), auto_id="id_adjustment_%s"
        ),
    )
    waiting = selectors.waiting_for(statement, [row.total for row in totals])
    return {
        "statement": statement,
        "role": role,
        "side": side,
        "counterparty": _counterparty_name(statement, Role.PARTNER),
        "totals": totals,
        "groups": groups,
        "page": page,
        "line_count": page.paginator.count,
        "chosen": chosen,
        "filtered": any(chosen.values()),
        "resolutions": Resolution.choices,
        "bearers": CostBearer.choices,
        "allowed": allowed,
        "payment_form": payment_form,
        "adjustment_form": adjustment_form,
        "bound": bound,
        "events": [
            timeline.EventRow(event, timeline.event_changes(event), timeline.event_facts(event))
            for event in selectors.statement_events(statement=statement)
        ],
        "payments": list(selectors.statement_payments(statement=statement)),
        "waiting_for_you": side is not None and side in waiting,
        "waiting_for": sorted(waiting),
        "problem": problem,
        # The blank dispute form's words, once for every line (``LineRow.dispute_blank``).
        "dispute_reason": DisputeLineForm.base_fields["reason"],
    }


def _disputed_choices(statement: Statement) -> list[tuple[int, str]]:
    """The disputed lines an adjustment may answer (few: the issuer answers them one by one), each
    named by its number on the statement, as the dispute's message in the request's thread names it."""
    lines = selectors.statement_lines(statement=statement, filters=selectors.LineFilter(disputed=True)).filter(
        status=StatementLineStatus.DISPUTED
    )
    return [(line.pk, _line_choice(line)) for line in lines]


def _line_choice(line: StatementLine) -> str:
    parts = (_("No. %(position)s") % {"position": line.position}, line.request_number, line.get_item_display())
    return " · ".join((*(str(part) for part in parts), f"{line.due} {line.currency}"))


def _load(request: AuthenticatedRequest, pk: int) -> Statement:
    try:
        return selectors.statement_get(user=request.user, statement_id=pk)
    except StatementNotFound:
        raise Http404 from None


def _detail(request: AuthenticatedRequest, statement: Statement, *, status: int = 200, **kwargs: Any) -> HttpResponse:
    return render(request, "statements/detail.html", _page_context(request, statement, **kwargs), status=status)


@login_required
@require_GET
def statement_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    _member(request)
    return _detail(request, _load(request, pk))


# --- the steps: one slug each, one form each, one writer call each ------------------------------

SUCCESS: dict[str, StrOrPromise] = {
    StatementAction.REFRESH: gettext_lazy("The draft was recalculated."),
    StatementAction.ISSUE: gettext_lazy("The statement was issued; the other side is told."),
    StatementAction.CONFIRM: gettext_lazy("You confirmed the statement."),
    StatementAction.DISPUTE_LINE: gettext_lazy(
        "The line is disputed; the partner is told and your reason is in the request's thread."
    ),
    StatementAction.ADJUST_LINE: gettext_lazy("The disputed line was answered."),
    ADD_ADJUSTMENT: gettext_lazy("The adjustment line was added."),
    StatementAction.RECORD_PAYMENT: gettext_lazy("The payment was recorded."),
}


def _form_for(action: str, request: AuthenticatedRequest, statement: Statement) -> forms.Form:
    data = request.POST
    if action == StatementAction.DISPUTE_LINE:
        return DisputeLineForm(data, auto_id=f"id_dispute_{data.get('line', '')}_%s")
    if action == StatementAction.ADJUST_LINE:
        return AdjustLineForm(data, auto_id=f"id_adjust_{data.get('line', '')}_%s")
    currencies = [total.currency for total in statement.totals.all()]
    if action == ADD_ADJUSTMENT:
        return AddAdjustmentForm(
            data, currencies=currencies, disputed_lines=_disputed_choices(statement), auto_id="id_adjustment_%s"
        )
    if action == StatementAction.RECORD_PAYMENT:
        return RecordPaymentForm(data, currencies=currencies, auto_id="id_payment_%s")
    return StatementReasonForm(data)


def _perform(action: str, form: forms.Form, statement: Statement, user: Any) -> None:
    data = form.cleaned_data
    pk = statement.pk
    if action == StatementAction.REFRESH:
        writer.statement_refresh(statement_id=pk, actor=user)
    elif action == StatementAction.ISSUE:
        writer.statement_issue(statement_id=pk, actor=user)
    elif action == StatementAction.CONFIRM:
        writer.statement_confirm(statement_id=pk, actor=user)
    elif action == StatementAction.DISPUTE_LINE:
        writer.statement_dispute_line(statement_id=pk, line_id=data["line"], actor=user, reason=data["reason"])
    elif action == StatementAction.ADJUST_LINE:
        writer.statement_adjust_line(
            statement_id=pk,
            line_id=data["line"],
            actor=user,
            message=data["message"],
            bearer=data["bearer"] or None,
            counterparty_share=data["counterparty_share"],
        )
    elif action == ADD_ADJUSTMENT:
        writer.statement_add_adjustment(
            statement_id=pk,
            actor=user,
            due=data["due"],
            currency=data["currency"],
            reason=data["reason"],
            adjusts_line_id=data["line"],
        )
    else:
        writer.statement_record_payment(
            statement_id=pk,
            actor=user,
            amount=data["amount"],
            currency=data["currency"],
            paid_on=data["paid_on"],
            method=data["method"],
            reference=data["reference"],
        )


def _stale(request: AuthenticatedRequest, pk: int, detail: str = "") -> HttpResponse:
    """409: the statement moved since the page loaded. Show it as it is now, and say so."""
    statement = _load(request, pk)
    now_at = _("Statement %(number)s is now “%(status)s”.") % {
        "number": statement.number,
        "status": statement.get_status_display(),
    }
    problem = " ".join(part for part in (detail, now_at, _("Nothing was changed.")) if part)
    return _detail(request, statement, status=409, problem=problem)


@login_required
@require_POST
def statement_action(request: AuthenticatedRequest, pk: int, action: str) -> HttpResponse:
    if action not in SUCCESS:
        raise Http404
    _member(request)
    statement = _load(request, pk)
    checked = StatementAction.ADJUST_LINE if action == ADD_ADJUSTMENT else StatementAction(action)
    if not permissions.can_statement(checked, request.user, statement):
        return _detail(
            request, statement, status=403, problem=_("Your side of this statement does not take this step.")
        )
    form = _form_for(action, request, statement)
    line_id = _line_id(form)
    if not form.is_valid():
        return _detail(request, statement, status=422, bound=Bound(action, form, line_id))
    try:
        _perform(action, form, statement, request.user)
    except StatementNotFound:
        raise Http404 from None
    except ActionNotPermitted as error:
        return _detail(request, _load(request, pk), status=403, problem=error.message)
    except InvalidTransition as error:
        return _stale(request, pk, error.message)
    except InvalidInput as error:
        form_add_workflow_error(form, error)
        return _detail(request, _load(request, pk), status=422, bound=Bound(action, form, line_id))
    messages.success(request, SUCCESS[action])
    return redirect("statements:detail", pk=pk)


def _line_id(form: forms.Form) -> int | None:
    raw = form.data.get("line", "") if form.is_bound else ""
    return int(raw) if isinstance(raw, str) and raw.isdigit() else None
