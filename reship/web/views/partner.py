"""The dropship partner's pages: the review queue with bulk approval, restock orders, the lines to
ship, and the partner's settings.

Every page is ``partner_required`` (a 404 for anyone else) and reads through
``reship.selectors.partner``, scoped to ``request.partner``. Changes are POSTs that call one
workflow or settings function per object; their errors come back next to the field they name.
The queue answers htmx requests with its partial (the rows and the form), plain requests with
the whole page, so everything works without JavaScript.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import wraps
from typing import Any, ParamSpec, TypeVar
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.safestring import SafeString
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from orders.choices import Platform
from orders.ship_to import ShipToView
from reship import permissions, privacy
from reship.choices import Reason, Resolution, RevealChannel
from reship.core.errors import ActionNotPermitted, InvalidInput
from reship.models import AutoApprovalRule, ReshipLine, ReshipRequest
from reship.selectors import partner as selectors
from reship.selectors.settlement_terms import COUNTERPARTY_KINDS, partner_settlement_terms, partner_terms_row
from reship.services import partner_settings
from reship.web.decorators import form_add_workflow_error, partner_required
from reship.web.forms.partner import (
    AutoApprovalRuleForm,
    BulkApproveForm,
    PartnerSettingsForm,
    QueueFilterForm,
    RestockFilterForm,
    SettlementTermsForm,
)
from reship.web.http import PartnerRequest
from reship.workflow import bulk

PAGE_SIZE = 50
P = ParamSpec("P")
R = TypeVar("R")
QUEUE_FILTERS = ("seller", "reason", "resolution")


# --- small helpers shared by the pages ----------------------------------------------------------


@dataclass(frozen=True)
class Countdown:
    """An SLA countdown, rendered on the server: no JavaScript needed to read it."""

    overdue: bool
    text: str


def _duration(seconds: float) -> str:
    minutes = int(seconds // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return _("%(days)d d %(hours)d h") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}
    if minutes:
        return _("%(minutes)d min") % {"minutes": minutes}
    return _("less than a minute")


def sla_countdown(due_at: datetime | None, now: datetime) -> Countdown | None:
    """The countdown to the stage's due time: "3 h 20 min left" or "overdue by 1 d 2 h"."""
    if due_at is None:
        return None
    seconds = (due_at - now).total_seconds()
    if seconds < 0:
        return Countdown(overdue=True, text=_("overdue by %(duration)s") % {"duration": _duration(-seconds)})
    return Countdown(overdue=False, text=_("%(duration)s left") % {"duration": _duration(seconds)})


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _page(queryset, number) -> Page:
    return Paginator(queryset, PAGE_SIZE).get_page(number)


# --- the review queue and bulk approval (审核确认) -----------------------------------------------


class CountedPaginator(Paginator):
    """Pages ``object_list`` and asks ``counted`` for the count: the queue's rows join their order
    and seller, which its count need not (on the biggest partner's queue the joined count took
    4.3 ms in PostgreSQL, the plain one under 1 ms)."""

    def __init__(self, object_list: QuerySet[Any, Any], per_page: int, *, counted: QuerySet[Any, Any]) -> None:
        super().__init__(object_list, per_page)
        self.counted = counted

    @cached_property
    def count(self) -> int:
        return self.counted.count()


@dataclass(frozen=True)
class QueueRow:
    """One row of the queue, as shown: plain values, its lines already written out."""

    pk: int
    number: str
    url: str
    select_label: str  # the checkbox's hidden label
    countdown: Countdown | None
    due_at: str  # the due time, local, as the ``<time>`` element's datetime (ISO 8601)…
    due_title: str  # …and as its title (Y-m-d H:i)
    seller: str
    order: str
    reason: str
    lines: list[str]
    selected: bool = False


def _queue_rows(page: Page, *, now: datetime, ticked: set[str]) -> list[QueueRow]:
    """The page's rows from the selector's values and one query for their lines; labels of the
    choices looked up once per page, not once per row through a model instance."""
    values = list(page)
    lines = selectors.partner_queue_lines(request_ids=[each["pk"] for each in values])
    reasons, resolutions, platforms = dict(Reason.choices), dict(Resolution.choices), dict(Platform.choices)
    # Written here as the template's ``|date:'c'`` and ``|date:'Y-m-d H:i'`` would write them: the
    # filter costs 40 µs a call, a third of a row's rendering.
    due = {each["pk"]: timezone.localtime(each["stage_due_at"]) for each in values if each["stage_due_at"]}
    return [
        QueueRow(
            pk=each["pk"],
            number=each["number"],
            url=reverse("requests:detail", args=[each["pk"]]),
            select_label=_("Select %(number)s") % {"number": each["number"]},
            countdown=sla_countdown(each["stage_due_at"], now),
            due_at=due[each["pk"]].isoformat() if each["pk"] in due else "",
            due_title=due[each["pk"]].strftime("%Y-%m-%d %H:%M") if each["pk"] in due else "",
            seller=each["seller__name"],
            # As ``Order.__str__`` writes an order: its platform and its number there.
            order=f"{platforms.get(each['order__platform'], each['order__platform'])} "
            f"{each['order__platform_order_number']}",
            reason=str(reasons.get(each["reason"], each["reason"])),
            lines=[
                f"{sku_code} × {quantity} · {resolutions.get(resolution, resolution)}"
                for sku_code, quantity, resolution in lines.get(each["pk"], ())
            ],
            selected=str(each["pk"]) in ticked,
        )
        for each in values
    ]


_terms_kept: dict[str, SafeString] = {}


def _terms_fields(form: BulkApproveForm) -> SafeString | None:
    """The bulk terms' fields while nothing is typed in them, rendered once per process and
    language: they show nothing of the reader's, and their four field groups (label, widget, help
    of each, through Django's form templates) cost 1.3 ms a page. A bound form shows what was typed
    and its errors: None, and the template renders it."""
    if form.is_bound:
        return None
    language = get_language()
    html = _terms_kept.get(language)
    if html is None:
        html = _terms_kept[language] = render_to_string("partner/_queue_terms.html", {"bulk_form": form})
    return html


def _queue_context(
    request: PartnerRequest,
    data: QueryDict,
    *,
    bulk_form: BulkApproveForm | None = None,
    outcome: bulk.ApprovalOutcome | None = None,
) -> dict[str, Any]:
    """The queue's page, filtered by ``data`` (the GET, or the filters carried in the POST)."""
    filter_form = QueueFilterForm(data, partner=request.partner)
    filters = filter_form.filters()
    queue = selectors.partner_review_queue(partner=request.partner, **filters)
    page = CountedPaginator(selectors.partner_queue_rows(queue), PAGE_SIZE, counted=queue).get_page(data.get("page"))
    now = timezone.now()
    # A refused form keeps the ticks as well as the typed terms; after approval nothing stays ticked.
    # (the form is bound to ``data``)
    ticked = set(data.getlist("requests")) if bulk_form is not None and bulk_form.is_bound else set()
    rows = _queue_rows(page, now=now, ticked=ticked)
    kept = {name: data.get(name) for name in QUEUE_FILTERS if data.get(name) and filter_form.cleaned_data.get(name)}
    bulk_form = bulk_form or BulkApproveForm()
    return {
        "filter_form": filter_form,
        "bulk_form": bulk_form,
        "terms_fields": _terms_fields(bulk_form),
        "page": page,
        "rows": rows,
        "filters": kept,
        "filter_query": urlencode(kept),
        "outcome": outcome,
        "now": now,
    }


@require_GET
@partner_required
def queue(request: PartnerRequest) -> HttpResponse:
    context = _queue_context(request, request.GET)
    template = "partner/_queue.html" if _is_htmx(request) else "partner/queue.html"
    return render(request, template, context)


def _report(request: PartnerRequest, outcome: bulk.ApprovalOutcome) -> None:
    if outcome.approved:
        messages.success(
            request,
            ngettext(
                "Approved %(count)d request: %(numbers)s.",
                "Approved %(count)d requests: %(numbers)s.",
                len(outcome.approved),
            )
            % {"count": len(outcome.approved), "numbers": ", ".join(outcome.approved)},
        )
    for label, message in outcome.refused:
        messages.error(request, _("%(number)s was not approved: %(message)s") % {"number": label, "message": message})


@require_POST
@partner_required
def bulk_approve(request: PartnerRequest) -> HttpResponse:
    form = BulkApproveForm(request.POST)
    if not form.is_valid():
        context = _queue_context(request, request.POST, bulk_form=form)
        return render(request, "partner/_queue.html" if _is_htmx(request) else "partner/queue.html", context)
    terms = {key: form.cleaned_data[key] for key in ("quote_goods", "quote_shipping", "cost_bearer", "promised_date")}
    outcome = bulk.approve_each(
        actor=request.user, partner=request.partner, request_ids=form.cleaned_data["requests"], terms=terms
    )
    if _is_htmx(request):
        return render(request, "partner/_queue.html", _queue_context(request, request.POST, outcome=outcome))
    _report(request, outcome)
    query = {name: request.POST[name] for name in (*QUEUE_FILTERS, "page") if request.POST.get(name)}
    return redirect(reverse("partner:queue") + (f"?{urlencode(query)}" if query else ""))


# --- fulfilment: restock orders (补货) and lines to ship (补寄) -----------------------------------


@require_GET
@partner_required
def fulfilment(request: PartnerRequest) -> HttpResponse:
    filter_form = RestockFilterForm(request.GET)
    status = filter_form.cleaned_data.get("status", "") if filter_form.is_valid() else ""
    page = _page(selectors.partner_restock_orders(partner=request.partner, status=status), request.GET.get("page"))
    context = {
        "filter_form": filter_form,
        "page": page,
        "rows": list(page),
        "filter_query": urlencode({"status": status}) if status else "",
    }
    return render(request, "partner/fulfilment.html", context)


@dataclass
class ShipGroup:
    """One request's lines ready to ship, with what the packer needs to see first."""

    reship: ReshipRequest
    countdown: Countdown | None
    ship_to: ShipToView
    lines: list[ReshipLine]


@require_GET
@partner_required
def to_ship(request: PartnerRequest) -> HttpResponse:
    """The lines to ship by request, each with its ship-to (in full while there is something to send:
    each page's reveals are logged at once), ticked for printing slips and pick lists."""
    page = _page(selectors.partner_lines_to_ship(partner=request.partner), request.GET.get("page"))
    lines = list(page)
    requests = selectors.partner_requests_to_ship(
        partner=request.partner, request_ids=[line.request_id for line in lines]
    )
    ship_tos = privacy.ship_to_for_many(request.user, requests.values(), via=RevealChannel.LIST)
    now = timezone.now()
    groups: list[ShipGroup] = []
    for line in lines:
        if not groups or groups[-1].reship.pk != line.request_id:
            reship = requests[line.request_id]
            groups.append(
                ShipGroup(
                    reship=reship,
                    countdown=sla_countdown(reship.stage_due_at, now),
                    ship_to=ship_tos[reship.pk],
                    lines=[],
                )
            )
        line.request = groups[-1].reship
        groups[-1].lines.append(line)
    return render(request, "partner/to_ship.html", {"page": page, "groups": groups})


# --- settings: SLA hours, webhook, channel, auto-approval rules ----------------------------------


def settings_errors(view: Callable[P, R]) -> Callable[P, R]:
    """A settings function's refusals as HTTP: another partner's rule is a 404, a member who is
    no manager (or stopped being one since the check in the view) a 403."""

    @wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return view(*args, **kwargs)
        except partner_settings.RuleNotFound:
            raise Http404 from None
        except ActionNotPermitted as error:
            raise PermissionDenied(error.message) from None

    return wrapper


def _require_manager(request: PartnerRequest) -> None:
    """A partner's staff may read the settings but not change them: a 403, since the page they
    can see exists (a 404 would be a lie); users of other organisations get 404s earlier."""
    if not permissions.can_manage_partner_settings(request.user, request.partner):
        raise PermissionDenied(_("Only a manager of your organisation may change its settings."))


def _settings_initial(partner) -> dict:
    return {
        "review_sla_hours": partner.review_sla_hours,
        "fulfilment_sla_hours": partner.fulfilment_sla_hours,
        "webhook_url": partner.webhook_url,
        "preferred_channel": partner.preferred_channel,
        **{name: getattr(partner, name) for name in partner_settings.NOTIFY_SWITCHES},
    }


def _reason_labels(codes: list[str]) -> list[str]:
    labels = dict(Reason.choices)
    return [str(labels.get(code, code)) for code in codes]


def _settings_page(
    request: PartnerRequest, *, form: PartnerSettingsForm | None = None, new_secret: str = "", status: int = 200
) -> HttpResponse:
    partner = request.partner
    can_manage = permissions.can_manage_partner_settings(request.user, partner)
    context = {
        "partner": partner,
        "can_manage": can_manage,
        "form": form or (PartnerSettingsForm(initial=_settings_initial(partner)) if can_manage else None),
        "rules": [
            (rule, _reason_labels(rule.reasons)) for rule in selectors.partner_auto_approval_rules(partner=partner)
        ],
        "new_secret": new_secret,
        "notify_rows": [
            (PartnerSettingsForm.base_fields[name].label, getattr(partner, name))
            for name in partner_settings.NOTIFY_SWITCHES
        ],
        "terms_rows": partner_settlement_terms(partner=partner),
        "can_manage_terms": permissions.can_manage_settlement_terms(request.user, partner),
    }
    return render(request, "partner/settings.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
@partner_required
@settings_errors
def settings_page(request: PartnerRequest) -> HttpResponse:
    if request.method == "GET":
        return _settings_page(request)
    _require_manager(request)
    form = PartnerSettingsForm(request.POST)
    if form.is_valid():
        try:
            partner, new_secret = partner_settings.partner_settings_update(
                actor=request.user, partner_id=request.partner.pk, **form.cleaned_data
            )
        except InvalidInput as error:
            form_add_workflow_error(form, error)
        else:
            request.partner = partner
            if new_secret:  # shown once, in this response only: never put in a message or a session
                return _settings_page(request, new_secret=new_secret)
            messages.success(request, _("Settings saved."))
            return redirect("partner:settings")
    return _settings_page(request, form=form)


@never_cache
@require_POST
@partner_required
@settings_errors
def webhook_secret(request: PartnerRequest) -> HttpResponse:
    _require_manager(request)
    new_secret = partner_settings.webhook_secret_rotate(actor=request.user, partner_id=request.partner.pk)
    request.partner.webhook_secret = new_secret
    return _settings_page(request, new_secret=new_secret)


def _rule_or_404(request: PartnerRequest, rule_id: int) -> AutoApprovalRule:
    rule = selectors.partner_auto_approval_rule(partner=request.partner, rule_id=rule_id)
    if rule is None:
        raise Http404(_("Auto-approval rule not found."))
    return rule


def _rule_initial(rule: AutoApprovalRule) -> dict:
    return {
        "name": rule.name,
        "is_active": rule.is_active,
        "reasons": rule.reasons,
        "max_line_value": rule.max_line_value,
        "sellers": [seller.pk for seller in rule.sellers.all()],
        "cost_bearer": rule.cost_bearer,
        "quote_shipping": rule.quote_shipping,
        "promised_days": rule.promised_days,
    }


def _rule_form_view(request: PartnerRequest, rule: AutoApprovalRule | None) -> HttpResponse:
    _require_manager(request)
    if request.method == "GET":
        initial = _rule_initial(rule) if rule else None
        form = AutoApprovalRuleForm(initial=initial, partner=request.partner)
        return render(request, "partner/rule_form.html", {"form": form, "rule": rule})
    form = AutoApprovalRuleForm(request.POST, partner=request.partner)
    if form.is_valid():
        data = dict(form.cleaned_data)
        data["seller_ids"] = [seller.pk for seller in data.pop("sellers")]
        try:
            saved = partner_settings.auto_approval_rule_save(
                actor=request.user, partner_id=request.partner.pk, rule_id=rule.pk if rule else None, **data
            )
        except InvalidInput as error:
            form_add_workflow_error(form, error)
        else:
            messages.success(request, _("Rule “%(name)s” saved.") % {"name": saved.name})
            return redirect("partner:settings")
    return render(request, "partner/rule_form.html", {"form": form, "rule": rule})


@require_http_methods(["GET", "POST"])
@partner_required
@settings_errors
def rule_add(request: PartnerRequest) -> HttpResponse:
    return _rule_form_view(request, None)


@require_http_methods(["GET", "POST"])
@partner_required
@settings_errors
def rule_edit(request: PartnerRequest, rule_id: int) -> HttpResponse:
    return _rule_form_view(request, _rule_or_404(request, rule_id))


@require_http_methods(["GET", "POST"])
@partner_required
@settings_errors
def rule_delete(request: PartnerRequest, rule_id: int) -> HttpResponse:
    """GET asks for confirmation (no JavaScript needed); POST deletes."""
    rule = _rule_or_404(request, rule_id)
    _require_manager(request)
    if request.method == "GET":
        return render(request, "partner/rule_delete.html", {"rule": rule})
    name = partner_settings.auto_approval_rule_delete(
        actor=request.user, partner_id=request.partner.pk, rule_id=rule.pk
    )
    messages.success(request, _("Rule “%(name)s” deleted.") % {"name": name})
    return redirect("partner:settings")


@require_POST
@partner_required
@settings_errors
def rule_toggle(request: PartnerRequest, rule_id: int) -> HttpResponse:
    rule = _rule_or_404(request, rule_id)
    _require_manager(request)
    rule = partner_settings.auto_approval_rule_set_active(
        actor=request.user, partner_id=request.partner.pk, rule_id=rule.pk, is_active=not rule.is_active
    )
    if rule.is_active:
        messages.success(request, _("Rule “%(name)s” is active.") % {"name": rule.name})
    else:
        messages.success(request, _("Rule “%(name)s” is switched off.") % {"name": rule.name})
    return redirect("partner:settings")


# --- settlement terms (对账结算) per seller and per source -------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
@partner_required
@settings_errors
def terms_edit(request: PartnerRequest, kind: str, counterparty_id: int) -> HttpResponse:
    """One pair's terms: its managers change them (staff read them on the settings page); a seller or
    source the partner does not work with is a 404."""
    row = partner_terms_row(partner=request.partner, kind=kind, counterparty_id=counterparty_id)
    if kind not in COUNTERPARTY_KINDS or row is None:
        raise Http404(_("No such seller or source among those you work with."))
    if not permissions.can_manage_settlement_terms(request.user, request.partner):
        raise PermissionDenied(_("Only a manager of your organisation may change its settlement terms."))
    if request.method == "GET":
        terms = row.terms
        form = SettlementTermsForm(
            initial={
                "period": terms.period,
                "shared_seller_percent": terms.shared_seller_percent,
                "auto_issue": terms.auto_issue,
                "payment_days": terms.payment_days,
            }
        )
        return render(request, "partner/terms_form.html", {"form": form, "row": row})
    form = SettlementTermsForm(request.POST)
    if form.is_valid():
        try:
            partner_settings.settlement_terms_save(
                actor=request.user,
                partner_id=request.partner.pk,
                kind=kind,
                counterparty_id=counterparty_id,
                **form.cleaned_data,
            )
        except InvalidInput as error:
            form_add_workflow_error(form, error)
        else:
            messages.success(
                request,
                _("Settlement terms with %(name)s saved. They apply from the next period.") % {"name": row.name},
            )
            return redirect(reverse("partner:settings") + "#terms-heading")
    return render(request, "partner/terms_form.html", {"form": form, "row": row}, status=400)
