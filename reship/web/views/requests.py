"""The request pages, one set for both sides: the detail page with the forms for what this
user may do now, the thread, the communication log, and the files (evidence, attachments).

Views are thin: they load through ``reship.selectors.requests`` (another organisation's request is a
404), parse one form, call one workflow or thread function and map its errors to statuses:
``InvalidInput`` 400 (the page again, the message next to the field, what was typed kept),
``InvalidTransition`` 409 (the page again, saying what state the request is in now),
``ActionNotPermitted`` 403, ``RequestNotFound`` 404. GET never changes anything.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from orders.ship_to import mask_name
from reship import lifecycle, permissions, privacy, workflow
from reship.accounts.roles import Role
from reship.choices import Action, EventKind, RequestSource, RequestStatus, RevealChannel
from reship.core.errors import ActionNotPermitted, InvalidInput, InvalidTransition, RequestNotFound
from reship.core.files import file_response, file_response_by_name
from reship.lifecycle import OPEN_STATUSES, STEP_OF_STATUS, stage_owner
from reship.models import ReshipRequest
from reship.selectors import requests as selectors
from reship.services import thread
from reship.services.evidence import evidence_add
from reship.services.pending_uploads import pending_upload_files, pending_uploads_discard
from reship.web.decorators import form_add_workflow_error
from reship.web.delivery_panel import delivery_panel
from reship.web.forms.action_forms import ACTION_FORMS, action_cards, action_forms
from reship.web.forms.parcels import ShipForm
from reship.web.forms.report import EditReportForm
from reship.web.forms.requests import ActionForm, AnswerInfoForm, CommunicationForm, FollowUpForm, MessageForm
from reship.web.fragments import form_fields_render, fragment_render
from reship.web.http import AuthenticatedRequest
from reship.workflow import actions

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

    from reship.accounts.models import User

# --- the detail page ----------------------------------------------------------------------------


def _stage_bar(reship: ReshipRequest) -> SafeString:
    """Each stage with its state: done, current, ended (rejected, cancelled or declined there) or
    upcoming. The customer's report is a stage only of the requests a customer filed."""
    ended = ""
    if reship.status == RequestStatus.DECLINED:
        at_stage = "reported"
        ended = "declined"
    elif reship.status == RequestStatus.REJECTED:
        at_stage = "review"
        ended = "rejected"
    elif reship.status == RequestStatus.CANCELLED:
        cancelled = [event for event in reship.events.all() if event.kind == EventKind.CANCELLED]
        from_status = cancelled[-1].from_status if cancelled else RequestStatus.SUBMITTED
        at_stage = lifecycle.STAGE_OF_STATUS.get(from_status, "review")
        ended = "cancelled"
    else:
        at_stage = lifecycle.STAGE_OF_STATUS.get(reship.status, "review")
    bar, reached = [], True
    for stage in lifecycle.STAGES:
        if stage.key == "reported" and reship.source != RequestSource.CUSTOMER:
            continue
        if stage.key == at_stage:
            state = ended or ("done" if reship.status == RequestStatus.CLOSED else "current")
            reached = False
        else:
            state = "done" if reached else "upcoming"
        bar.append((stage.key, state))
    return _stage_bar_render(tuple(bar), get_language())


@lru_cache(maxsize=512)
def _stage_bar_render(states: tuple[tuple[str, str], ...], language: str | None) -> SafeString:
    """The bar's markup, rendered once per process for each state of the bar and language (it
    shows nothing else): rendering it was a tenth of the page's template time."""
    stages = [{"key": key, "label": lifecycle.STAGE_BY_KEY[key].label, "state": state} for key, state in states]
    return mark_safe(render_to_string("requests/_stage_bar.html", {"stage_bar": stages}))  # noqa: S308 - rendered


def _timeline(reship: ReshipRequest) -> SafeString:
    """The timeline, from the cache when these events were shown before in this language and time
    zone: the key holds every field of an event the template shows, its actor's name included."""
    events = list(reship.events.all())
    shows = tuple(
        (
            event.pk,
            event.kind,
            event.from_status,
            event.to_status,
            event.message,
            event.data,
            event.created_at,
            (event.actor.first_name, event.actor.last_name, event.actor.username) if event.actor else None,
        )
        for event in events
    )
    return fragment_render("requests/_timeline.html", {"events": events}, shows=shows)


def _page_context(
    request: AuthenticatedRequest,
    reship: ReshipRequest,
    *,
    bound: ActionForm | None = None,
    message_form: MessageForm | None = None,
    communication_form: CommunicationForm | None = None,
    problem: str = "",
) -> dict[str, Any]:
    user = request.user
    side = permissions.side_of(user, reship)
    actions = workflow.actions_for(user, reship)
    forms = action_forms(actions, reship, side=side, bound=bound)
    cards = action_cards([form for form in forms if form is bound or form.is_available()], reship, side)
    for form in cards:
        if isinstance(form, FollowUpForm) and not form.is_bound:
            form.fields_markup = form_fields_render(form, shows=(side, _follow_up_lines(form)))
    now = timezone.now()
    owner = stage_owner(reship.status)
    waits = lifecycle.waiting_for(reship.status, reship.quote_status)
    takes_part = permissions.can_take_part(user, reship)
    contact_form = communication_form or CommunicationForm(side=side)
    new_message = message_form or MessageForm()
    return {
        "reship": reship,
        "side": side,
        "is_partner": side == Role.PARTNER,
        "stage_bar": _stage_bar(reship),
        "timeline": _timeline(reship),
        "now": now,
        "is_open": reship.status in OPEN_STATUSES,
        "is_overdue": reship.status in OPEN_STATUSES and reship.stage_due_at is not None and reship.stage_due_at < now,
        "owner": owner,
        # Both sides a request waits for (the step's owner and the price side): an approved request
        # with a pending quote waits for the partner's work and the seller's answer alike.
        "waits_for_me": side in waits,
        "waits_for_seller": Role.SELLER in waits,
        "waits_for_partner": Role.PARTNER in waits,
        "action_cards": cards,
        "action_forms": list(cards),  # in reading order
        # The partner judging a request (or the seller a customer's report) reads its lines and
        # photos before the decision forms: first on the page, on a phone most of all.
        "judging": STEP_OF_STATUS.get(reship.status) in ("review", "confirm_report") and owner == side,
        "action_hints": [
            form.hint() for form in forms if form is not bound and not form.is_available() and form.hint()
        ],
        # Admins read a request (following a dashboard figure) but write nothing on it.
        "message_form": new_message if takes_part else None,
        "message_fields": _new_message_fields(new_message) if takes_part else None,
        "messages_html": _messages(reship),
        "communication_form": contact_form if takes_part else None,
        # A new entry's fields depend on the side alone (whom one may have talked with).
        "communication_fields": form_fields_render(contact_form, shows=side)
        if takes_part and not contact_form.is_bound
        else None,
        "problem": problem,
        **_ship_to_context(user, reship, side),
        "delivery": delivery_panel(user, reship, side=side, actions=actions),
        "communications": [
            (record, privacy.communication_summary(user, reship, record)) for record in reship.communications.all()
        ],
    }


def _messages(reship: ReshipRequest) -> SafeString:
    """The thread's messages, from the cache when the same were shown before in this language and
    time zone: the key holds every field of a message the template shows, its author's name too."""
    shows = (
        reship.pk,
        tuple(
            (
                message.pk,
                message.author_role,
                message.body,
                message.attachment.name,
                message.created_at,
                (message.author.first_name, message.author.last_name, message.author.username)
                if message.author
                else None,
            )
            for message in reship.messages.all()
        ),
    )
    return fragment_render("requests/_messages.html", {"reship": reship}, shows=shows)


def _new_message_fields(form: MessageForm) -> SafeString | None:
    """An empty message form's fields, kept: they depend on the upload limits (the settings), which
    the key reads from the fields themselves; with what was typed or kept, rendered each time."""
    if form.is_bound:
        return None
    limits = tuple(
        (name, str(field.help_text), tuple(sorted((key, str(value)) for key, value in field.widget.attrs.items())))
        for name, field in form.fields.items()
    )
    return form_fields_render(form, shows=limits)


def _follow_up_lines(form: FollowUpForm) -> tuple[tuple[int, str, int, str], ...]:
    """What a follow-up form's fields show of each line: its SKU, quantity and resolution."""
    return tuple((line.pk, line.order_line.product.sku_code, line.quantity, line.resolution) for line in form.lines)


def _ship_to_context(user: User, reship: ReshipRequest, side: Role) -> dict[str, Any]:
    """The ship-to block: full or masked by ``reship.privacy``'s rule (a partner's full view is
    logged), the customer's name likewise, and for the seller the reveal log (latest, and how many)."""
    shown = privacy.ship_to_for(user, reship, via=RevealChannel.PAGE)
    customer = reship.order.customer_name
    return {
        "ship_to": shown,
        "customer_name": mask_name(customer) if shown.masked else customer,
        # The summary (how often, the last view) rides on the request's row; the log has its page.
        "ship_to_last_via": _channel_label(getattr(reship, "last_reveal_via", "")),
    }


def _channel_label(via: str | None) -> str:
    return str(RevealChannel(via).label) if via else ""


@login_required
@require_GET
def ship_to_reveals(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Every time the partner's users saw the request's ship-to in full (PIPL), for its seller;
    anyone else reads a 404, as for a request that is not theirs."""
    reship = selectors.request_for_user(user=request.user, request_id=pk)
    if reship is None or permissions.side_of(request.user, reship) != Role.SELLER:
        raise Http404
    page = Paginator(selectors.request_reveals_for_seller(request=reship), selectors.REVEALS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "requests/ship_to_reveals.html", {"reship": reship, "page": page})


def _load(request: AuthenticatedRequest, pk: int) -> ReshipRequest:
    reship = selectors.request_page_for_user(user=request.user, request_id=pk)
    if reship is None:
        raise Http404
    return reship


def _detail(request: AuthenticatedRequest, reship: ReshipRequest, *, status: int = 200, **kwargs: Any) -> HttpResponse:
    return render(request, "requests/detail.html", _page_context(request, reship, **kwargs), status=status)


@login_required
@require_GET
def request_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _detail(request, _load(request, pk))


# --- actions: one URL each, one form each, one workflow function each ---------------------------

SUCCESS: dict[Action, StrPromise] = {
    Action.CONFIRM_REPORT: gettext_lazy("The report was confirmed and sent to the partner."),
    Action.EDIT_REPORT: gettext_lazy("The report was changed."),
    Action.DECLINE_REPORT: gettext_lazy("The report was declined; the customer is told why."),
    Action.REQUEST_INFO: gettext_lazy("Your question was sent to the seller."),
    Action.ANSWER_INFO: gettext_lazy("Your answer was sent; the request is back in review."),
    Action.APPROVE: gettext_lazy("Approved with your quote; the seller is told."),
    Action.REJECT: gettext_lazy("The request was rejected; the seller is told why."),
    Action.CANCEL: gettext_lazy("The request was cancelled."),
    Action.ACCEPT_QUOTE: gettext_lazy("You accepted the quote."),
    Action.DISPUTE_QUOTE: gettext_lazy("You disputed the quote; the partner is told."),
    Action.REVISE_QUOTE: gettext_lazy("The new quote was sent to the seller."),
    Action.START_RESTOCK: gettext_lazy("The restock was ordered; the source is asked to confirm."),
    Action.CONFIRM_RESTOCK: gettext_lazy("The restock was confirmed."),
    Action.SHIP: gettext_lazy("The parcel was recorded with its tracking number."),
    Action.COMPENSATE: gettext_lazy("The compensation was recorded."),
    Action.CONFIRM_INFO_UPDATE: gettext_lazy("The info update was confirmed; next, tell the customer."),
    Action.CONTACT_CUSTOMER: gettext_lazy("The contact with the customer was recorded."),
    Action.CLOSE: gettext_lazy("The request was closed with your evaluation."),
    Action.FOLLOW_UP: gettext_lazy("A follow-up request was filed."),
    Action.MARK_DELIVERED: gettext_lazy("The parcel was marked delivered; the customer's survey is scheduled."),
    Action.CHANGE_SHIP_TO: gettext_lazy("The ship-to was changed."),
}


def _perform(action: Action, form: ActionForm, reship: ReshipRequest, actor: User) -> ReshipRequest | None:
    """Call the action's one workflow function; returns the request to show next if not this one."""
    data = dict(form.cleaned_data)
    if isinstance(form, ShipForm):  # the form of Action.SHIP
        data["items"] = form.ship_items()
    if isinstance(form, (FollowUpForm, EditReportForm)):  # follow-up, a report's edit
        data["lines"] = form.line_requests()
    photos = form.kept_uploads("photos") if isinstance(form, AnswerInfoForm) else []
    # One transaction: a refused photo takes the answer back with it (the kept files stay for the retry).
    with transaction.atomic():
        shown = actions.action_perform(action=action, request_id=reship.pk, actor=actor, data=data)
        if photos:
            evidence_add(request=reship, actor=actor, files=pending_upload_files(photos))
            pending_uploads_discard(photos)
    return shown


def _stale(request: AuthenticatedRequest, pk: int, action: Action, detail: str = "") -> HttpResponse:
    """409: someone else moved the request first. Show it as it is now, and say so."""
    reship = _load(request, pk)
    now_at = _("Request %(number)s is now “%(status)s”, so “%(action)s” was not done.") % {
        "number": reship.number,
        "status": reship.get_status_display(),
        "action": action.label,
    }
    problem = " ".join(
        part for part in (_("It changed since the page loaded."), detail, now_at, _("Nothing was changed.")) if part
    )
    return _detail(request, reship, status=409, problem=problem)


@login_required
@require_POST
def request_action(request: AuthenticatedRequest, pk: int, action: str) -> HttpResponse:
    try:
        chosen = Action(action)
    except ValueError:
        raise Http404 from None
    if chosen not in ACTION_FORMS:
        raise Http404
    reship = _load(request, pk)
    try:
        workflow.action_check(reship, request.user, chosen)
    except ActionNotPermitted as error:
        return _detail(request, reship, status=403, problem=error.message)
    except InvalidTransition:
        return _stale(request, pk, chosen)
    form = ACTION_FORMS[chosen](
        request.POST, request.FILES, reship=reship, side=permissions.side_of(request.user, reship), user=request.user
    )
    if not form.is_valid():
        return _detail(request, reship, bound=form, status=400)
    try:
        shown = _perform(chosen, form, reship, request.user)
    except RequestNotFound:
        raise Http404 from None
    except ActionNotPermitted as error:
        return _detail(request, _load(request, pk), status=403, problem=error.message)
    except InvalidTransition as error:
        return _stale(request, pk, chosen, error.message)
    except InvalidInput as error:
        form_add_workflow_error(form, error)
        return _detail(request, reship, bound=form, status=400)
    messages.success(request, _success_message(chosen, reship.pk))
    return redirect("requests:detail", pk=(shown or reship).pk)


def _success_message(action: Action, pk: int) -> StrPromise:
    """What the seller reads after a step. The info update completes the contact step too when the
    shop's automatic messages told the customer every outcome: then there is nothing left to tell."""
    if action == Action.CONFIRM_INFO_UPDATE:
        status = ReshipRequest.objects.filter(pk=pk).values_list("status", flat=True).first()
        if status == RequestStatus.CONTACTED:
            return gettext_lazy(
                "The info update was confirmed. The shop's automatic messages already told the customer, "
                "so the contact step is done; next, close the request."
            )
    return SUCCESS[action]


# --- the thread and the communication log -------------------------------------------------------


def _thread(request: AuthenticatedRequest, pk: int, form: MessageForm, *, status: int = 200) -> HttpResponse:
    reship = selectors.request_thread_for_user(user=request.user, request_id=pk)
    if reship is None:
        raise Http404
    return render(request, "requests/_thread.html", {"reship": reship, "message_form": form}, status=status)


@login_required
@require_POST
def message_create(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Post to the thread. With htmx the thread is swapped in place; without, the page reloads."""
    in_place = request.headers.get("HX-Request") == "true"
    if not selectors.request_is_visible(user=request.user, request_id=pk):
        raise Http404
    form = MessageForm(request.POST, request.FILES, user=request.user)
    if form.is_valid():
        kept = form.kept_uploads("attachment")
        try:
            with transaction.atomic():
                thread.message_post(
                    request_id=pk,
                    actor=request.user,
                    body=form.cleaned_data["body"],
                    attachment=next(iter(pending_upload_files(kept)), None),
                )
                pending_uploads_discard(kept)
        except RequestNotFound:
            raise Http404 from None
        except ActionNotPermitted as error:
            raise PermissionDenied(error.message) from None
        except InvalidInput as error:
            form_add_workflow_error(form, error)
        else:
            if in_place:
                return _thread(request, pk, MessageForm())
            messages.success(request, _("Your message was posted."))
            return redirect(reverse("requests:detail", kwargs={"pk": pk}) + "#thread")
    if in_place:
        return _thread(request, pk, form, status=400)
    return _detail(request, _load(request, pk), message_form=form, status=400)


@login_required
@require_POST
def communication_create(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    reship = _load(request, pk)
    if not permissions.can_take_part(request.user, reship):
        raise PermissionDenied
    form = CommunicationForm(request.POST, side=permissions.side_of(request.user, reship))
    if form.is_valid():
        try:
            thread.communication_record_add(
                request_id=pk,
                actor=request.user,
                counterpart=form.cleaned_data["counterpart"],
                channel=form.cleaned_data["channel"],
                direction=form.cleaned_data["direction"],
                summary=form.cleaned_data["summary"],
                occurred_at=form.cleaned_data["occurred_at"],
            )
        except RequestNotFound:
            raise Http404 from None
        except InvalidInput as error:
            form_add_workflow_error(form, error)
        else:
            messages.success(request, _("The contact was logged."))
            return redirect(reverse("requests:detail", kwargs={"pk": pk}) + "#communications")
    return _detail(request, reship, communication_form=form, status=400)


# --- files: served only to the request's two sides (sent as reship.core.files decides) ----------


@login_required
@require_GET
def evidence_download(request: AuthenticatedRequest, pk: int, evidence_pk: int) -> FileResponse:
    evidence = selectors.request_evidence_for_user(user=request.user, request_id=pk, evidence_id=evidence_pk)
    if evidence is None:
        raise Http404
    return file_response(evidence.file, content_type=evidence.content_type, filename=evidence.original_name)


@login_required
@require_GET
def message_attachment(request: AuthenticatedRequest, pk: int, message_pk: int) -> FileResponse:
    message = selectors.request_message_for_user(user=request.user, request_id=pk, message_id=message_pk)
    if message is None or not message.attachment.name:  # a FieldFile without a name is no file
        raise Http404
    return file_response_by_name(message.attachment)
