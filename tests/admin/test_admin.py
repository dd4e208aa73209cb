"""The Django admin, the platform staff's tool: every registered model's pages, the read-only
audit log and outbox, the notification retry, auto-approval rules, the activation actions, order
search and list query counts."""

import html
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.admin.utils import flatten_fieldsets
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from orders import carriers
from orders.models import Carrier, Order, Product, Seller, Shipment
from reship import workflow
from reship.accounts.models import User
from reship.choices import NotificationChannel, NotificationStatus, RequestStatus
from reship.core.errors import InvalidInput
from reship.models import (
    ApiKey,
    AutoApprovalRule,
    CommunicationRecord,
    CustomerMessageSetting,
    CustomerMessageTemplate,
    Notification,
    RequestMessage,
    RequestNumberSequence,
    ReshipEvent,
    ReshipRequest,
    RestockOrder,
    SettlementTerms,
    Statement,
    SurveyResponse,
)
from reship.notifications import tasks as notification_tasks
from reship.services.api_keys import api_key_create
from suppliers.models import DropshipPartner, Supplier
from tests.admin.test_settlement_admin import issued_statement
from tests.admin.test_settlement_admin import terms as settlement_terms
from tests.admin_factories import (
    AutoApprovalRuleFactory,
    EvidenceFactory,
    GroupFactory,
    NotificationFactory,
    RequestMessageFactory,
    RequestNumberSequenceFactory,
    RestockOrderFactory,
    SurveyResponseFactory,
)
from tests.factories import (
    CommunicationRecordFactory,
    OrderFactory,
    OrderLineFactory,
    PartnerContactFactory,
    PartnerFactory,
    PartnerMembershipFactory,
    ProductFactory,
    ReshipEventFactory,
    ReshipLineFactory,
    ReshipRequestFactory,
    SellerFactory,
    SellerMembershipFactory,
    ShipmentFactory,
    SupplierFactory,
    UserFactory,
)
from tests.workflow_states import approve, line, make_parties, submit

# --- building one object of each registered model, with the children its inlines show -------------


def _partner():
    partner = PartnerFactory()
    partner.suppliers.add(SupplierFactory())
    PartnerContactFactory(partner=partner, is_primary=True)
    PartnerMembershipFactory(partner=partner)
    return partner


def _seller():
    seller = SellerFactory()
    SellerMembershipFactory(seller=seller)
    return seller


def _order():
    order = OrderLineFactory().order
    ShipmentFactory(order=order)
    return order


def _failed_notification(**fields):
    """A row the delivery task gave up on, as it leaves it."""
    return NotificationFactory(
        **{
            "status": NotificationStatus.FAILED,
            "attempts": 5,
            "sent_at": None,
            "last_error": "SMTPServerDisconnected: Connection unexpectedly closed",
            **fields,
        }
    )


def _reship_request():
    request = ReshipLineFactory().request
    RestockOrderFactory(request=request)
    RequestMessageFactory(request=request)
    EvidenceFactory(request=request)
    CommunicationRecordFactory(request=request)
    ReshipEventFactory(request=request, message="Submitted by the seller.")
    _failed_notification(request=request)
    return request


def _inbox_notification():
    return _failed_notification(channel=NotificationChannel.INBOX, recipient_address="", recipient_user=UserFactory())


BUILDERS = {
    Supplier: SupplierFactory,
    DropshipPartner: _partner,
    Seller: _seller,
    Product: ProductFactory,
    Order: _order,
    Shipment: ShipmentFactory,
    Carrier: lambda: Carrier.objects.create(
        code=f"TEST{Carrier.objects.count()}",
        name_zh="测试快递",
        name_en="Test Express",
        aliases=["测试"],
        tracking_pattern=r"TE\d{10}",
        pattern_help_zh="TE 加 10 位数字",
        pattern_help_en="TE followed by 10 digits",
        tracking_url="https://track.example.com/{number}",
    ),
    ReshipRequest: _reship_request,
    ReshipEvent: ReshipEventFactory,
    RestockOrder: RestockOrderFactory,
    RequestMessage: RequestMessageFactory,
    SurveyResponse: SurveyResponseFactory,
    RequestNumberSequence: RequestNumberSequenceFactory,
    AutoApprovalRule: lambda: AutoApprovalRuleFactory(sellers=[SellerFactory()]),
    Notification: _inbox_notification,
    User: lambda: SellerMembershipFactory().user,
    Group: GroupFactory,
    ApiKey: lambda: api_key_create(actor=SellerMembershipFactory().user, name="ERP")[0],
    CustomerMessageSetting: lambda: CustomerMessageSetting.objects.create(
        seller=SellerFactory(), event="lines_shipped", channels="both"
    ),
    CustomerMessageTemplate: lambda: CustomerMessageTemplate.objects.create(
        seller=SellerFactory(), event="lines_shipped", language="zh-hans", subject="{shop}", body="{items}", sms="-"
    ),
    Statement: issued_statement,
    SettlementTerms: settlement_terms,
    AccessAttempt: lambda: AccessAttempt.objects.create(
        username=f"mei{AccessAttempt.objects.count()}",
        ip_address="203.0.113.7",
        user_agent="Mozilla/5.0",
        http_accept="text/html",
        path_info="/login/",
        get_data="",
        post_data="username=mei",
        failures_since_start=5,
    ),
}

# Written by the workflow or the delivery task (or counted by the numbering): shown, never edited.
VIEW_ONLY = [
    ReshipEvent,
    RestockOrder,
    RequestMessage,
    SurveyResponse,
    RequestNumberSequence,
    Notification,
    ApiKey,
    CustomerMessageSetting,  # the shop's managers write these (reship.services.shop_settings)
    CustomerMessageTemplate,
    Statement,  # reship.settlement.statements writes these
]
# Creating these is a workflow step (or never allowed), so the admin has no add page for them.
# Failed sign-ins are counted by django-axes: an admin only reads or deletes (unlocks) them.
ADD_REFUSED = {ReshipRequest, AccessAttempt, *VIEW_ONLY}
# Nothing about these can be changed in the admin.
CHANGE_REFUSED = {AccessAttempt, *VIEW_ONLY}
# Fields the admin shows through a display method rather than as they are stored.
SHOWN_AS = {
    Notification: {"payload": "payload_pretty", "template": "template_shown"},
    Seller: {"logo": "logo_shown"},
}

REGISTERED = sorted(admin.site._registry, key=lambda model: model._meta.label)


def _label(model) -> str:
    return model._meta.label


def _build(model):
    assert model in BUILDERS, f"{model._meta.label} is registered in the admin: add a builder to BUILDERS"
    return BUILDERS[model]()


def _url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path  # evidence files


# --- what a browser would submit from an admin change form --------------------------------------------


class _FormData(HTMLParser):
    """Collects the values of the controls inside the form with the given id, as a browser sends them."""

    def __init__(self, form_id: str) -> None:
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.in_form = False
        self.data: dict[str, list[str]] = defaultdict(list)
        self._select: dict | None = None
        self._textarea: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self.in_form = attributes.get("id") == self.form_id
            return
        name = attributes.get("name")
        if not self.in_form or "disabled" in attributes:
            return
        if tag == "input" and name:
            kind = attributes.get("type", "text")
            if kind in {"checkbox", "radio"} and "checked" not in attributes:
                return
            if kind in {"file", "button", "image", "reset"} or (kind == "submit" and name != "_save"):
                return
            default = "on" if kind == "checkbox" else ""
            self.data[name].append(attributes["value"] if "value" in attributes else default)
        elif tag == "select" and name:
            self._select = {"name": name, "multiple": "multiple" in attributes, "selected": [], "first": None}
        elif tag == "option" and self._select is not None:
            value = attributes.get("value") or ""
            if self._select["first"] is None:
                self._select["first"] = value
            if "selected" in attributes:
                self._select["selected"].append(value)
        elif tag == "textarea" and name:
            self._textarea = (name, [])

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1].append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = False
        elif tag == "select" and self._select is not None:
            select, self._select = self._select, None
            if select["selected"]:
                self.data[select["name"]].extend(select["selected"])
            elif not select["multiple"] and select["first"] is not None:
                self.data[select["name"]].append(select["first"])
        elif tag == "textarea" and self._textarea is not None:
            name, parts = self._textarea
            self._textarea = None
            # A browser drops the newline that directly follows <textarea>.
            self.data[name].append("".join(parts).removeprefix("\n"))


def _form_data(response, model) -> dict[str, list[str]]:
    parser = _FormData(f"{model._meta.model_name}_form")
    parser.feed(response.content.decode())
    assert parser.data, "the change form was not found on the page"
    return dict(parser.data)


def _form_errors(response) -> str:
    if response.context is None or "adminform" not in response.context:
        return f"status {response.status_code}"
    errors = [response.context["adminform"].form.errors]
    errors += [formset.errors for formset in response.context["inline_admin_formsets"]]
    return repr(errors)


# --- every registered model: changelist, add page, change page, change form round trip ---------------


@pytest.mark.parametrize("model", REGISTERED, ids=_label)
def test_the_changelist_renders_and_lists_the_object(admin_client, model):
    obj = _build(model)

    response = admin_client.get(_url(model, "changelist"))

    assert response.status_code == 200
    assert obj.pk in [row.pk for row in response.context["cl"].result_list]


@pytest.mark.parametrize("model", REGISTERED, ids=_label)
def test_the_add_page_renders_where_adding_is_allowed(admin_client, model):
    response = admin_client.get(_url(model, "add"))

    assert response.status_code == (403 if model in ADD_REFUSED else 200)


@pytest.mark.parametrize("model", REGISTERED, ids=_label)
def test_the_change_page_renders(admin_client, model):
    obj = _build(model)

    response = admin_client.get(_url(model, "change", obj.pk))

    assert response.status_code == 200
    assert (b'name="_save"' in response.content) is (model not in CHANGE_REFUSED)


@pytest.mark.parametrize("model", [model for model in REGISTERED if model not in CHANGE_REFUSED], ids=_label)
def test_the_change_form_saves_as_rendered(admin_client, model):
    """Submitting the page unchanged must work: no field the form needs is hidden or broken."""
    obj = _build(model)
    url = _url(model, "change", obj.pk)

    response = admin_client.post(url, _form_data(admin_client.get(url), model))

    assert response.status_code == 302, _form_errors(response)


@pytest.mark.parametrize("model", REGISTERED, ids=_label)
def test_every_editable_field_is_on_the_admin_form(admin_user, model):
    """A field added to a model but left out of the admin's fieldsets could not be set by anyone."""
    obj = _build(model)
    model_admin = admin.site._registry[model]
    request = RequestFactory().get("/")
    request.user = admin_user
    editable = {
        field.name
        for field in model._meta.get_fields()
        if getattr(field, "concrete", False) and field.editable and not field.primary_key and not field.auto_created
    }

    shown = set(flatten_fieldsets(model_admin.get_fieldsets(request, obj)))
    shown |= {field for field, display in SHOWN_AS.get(model, {}).items() if display in shown}

    assert editable - shown == set()


def test_the_admin_is_titled_for_reship(admin_client):
    response = admin_client.get(reverse("admin:index"), headers={"accept-language": "en"})

    assert response.status_code == 200
    assert "Reship administration" in response.content.decode()


# --- the event log is read-only ------------------------------------------------------------------------


def test_an_event_change_page_has_no_save_button_and_refuses_a_post(admin_client):
    event = ReshipEventFactory(message="Submitted by the seller.")
    url = _url(ReshipEvent, "change", event.pk)

    page = admin_client.get(url)
    response = admin_client.post(url, {"message": "rewritten", "kind": "closed", "_save": "Save"})

    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert b"Submitted by the seller." in page.content
    assert response.status_code == 403
    event.refresh_from_db()
    assert (event.message, event.kind) == ("Submitted by the seller.", "submitted")


def test_an_event_cannot_be_deleted_or_added_through_the_admin(admin_client):
    event = ReshipEventFactory()

    delete_page = admin_client.get(_url(ReshipEvent, "delete", event.pk))
    delete_post = admin_client.post(_url(ReshipEvent, "delete", event.pk), {"post": "yes"})
    bulk_delete = admin_client.post(
        _url(ReshipEvent, "changelist"), {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"}
    )
    add_post = admin_client.post(_url(ReshipEvent, "add"), {"request": event.request_id, "kind": "note"})

    assert delete_page.status_code == 403
    assert delete_post.status_code == 403
    assert add_post.status_code == 403
    # The changelist offers no delete action, so the bulk delete is not carried out.
    assert bulk_delete.status_code == 200
    assert ReshipEvent.objects.filter(pk=event.pk).exists()
    assert ReshipEvent.objects.count() == 1


def test_no_one_has_add_change_or_delete_rights_on_events_not_even_a_superuser(admin_user):
    model_admin = admin.site._registry[ReshipEvent]
    request = RequestFactory().get("/")
    request.user = admin_user
    event = ReshipEventFactory()

    assert model_admin.has_view_permission(request, event) is True
    assert model_admin.has_add_permission(request) is False
    assert model_admin.has_change_permission(request, event) is False
    assert model_admin.has_delete_permission(request, event) is False


def test_the_request_page_shows_its_lines_and_events_read_only(admin_client):
    request = ReshipLineFactory().request
    event = ReshipEventFactory(request=request, message="Submitted by the seller.")

    response = admin_client.get(_url(ReshipRequest, "change", request.pk))

    content = response.content.decode()
    assert response.status_code == 200
    assert "Submitted by the seller." in content
    for field in ["message", "kind", "from_status", "to_status", "actor", "data", "created_at", "DELETE"]:
        assert f'name="events-0-{field}"' not in content
    assert 'name="events-__prefix__-message"' not in content
    for field in ["order_line", "quantity", "resolution", "status", "DELETE"]:
        assert f'name="lines-0-{field}"' not in content
    assert event.pk in [form.instance.pk for form in response.context["inline_admin_formsets"][-1].formset]


def test_saving_the_request_page_changes_neither_its_events_nor_its_workflow_fields(admin_client):
    request = ReshipRequestFactory(description="Parcel lost near Hangzhou.")
    ReshipLineFactory(request=request, quantity=1)
    ReshipEventFactory(request=request, message="Submitted by the seller.")
    url = _url(ReshipRequest, "change", request.pk)
    data = _form_data(admin_client.get(url), ReshipRequest)
    data |= {
        "description": ["Parcel lost near Hangzhou, per the carrier."],
        "status": ["closed"],
        "number": ["RS-1999-000001"],
        "quote_goods": ["1.00"],
        "lines-0-quantity": ["99"],
        "lines-0-status": ["shipped"],
        "events-0-message": ["rewritten"],
        "events-0-kind": ["closed"],
    }

    response = admin_client.post(url, data)

    assert response.status_code == 302, _form_errors(response)
    request.refresh_from_db()
    assert request.description == "Parcel lost near Hangzhou, per the carrier."
    assert request.status == RequestStatus.SUBMITTED
    assert request.number != "RS-1999-000001"
    assert request.quote_goods is None
    assert list(request.lines.values_list("quantity", "status")) == [(1, "pending")]
    assert list(request.events.values_list("kind", "message")) == [("submitted", "Submitted by the seller.")]


def test_a_contact_logged_on_the_request_page_is_recorded_by_the_admin(admin_client, admin_user):
    request = ReshipRequestFactory()
    url = _url(ReshipRequest, "change", request.pk)
    data = _form_data(admin_client.get(url), ReshipRequest)
    data |= {
        "communications-TOTAL_FORMS": ["1"],
        "communications-0-occurred_at_0": ["2026-01-05"],
        "communications-0-occurred_at_1": ["10:30:00"],
        "communications-0-counterpart": ["customer"],
        "communications-0-channel": ["phone"],
        "communications-0-direction": ["outbound"],
        "communications-0-summary": ["Called the customer about the new parcel."],
    }

    response = admin_client.post(url, data)

    assert response.status_code == 302, _form_errors(response)
    record = CommunicationRecord.objects.get(request=request)
    assert record.recorded_by == admin_user
    assert record.summary == "Called the customer about the new parcel."


# --- what the workflow and the delivery task write is view-only ---------------------------------------


@pytest.mark.parametrize("model", [model for model in VIEW_ONLY if model is not ReshipEvent], ids=_label)
def test_a_view_only_row_cannot_be_added_changed_or_deleted(admin_client, model):
    obj = _build(model)
    before = model.objects.filter(pk=obj.pk).values().get()
    count = model.objects.count()
    rewrite = {"status": "sent", "attempts": "0", "rating": "1", "comment": "rewritten", "body": "rewritten"}

    change_post = admin_client.post(_url(model, "change", obj.pk), {**rewrite, "_save": "Save"})
    add_post = admin_client.post(_url(model, "add"), rewrite)
    delete_post = admin_client.post(_url(model, "delete", obj.pk), {"post": "yes"})
    bulk_delete = admin_client.post(
        _url(model, "changelist"), {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"}
    )

    assert (change_post.status_code, add_post.status_code, delete_post.status_code) == (403, 403, 403)
    # The changelist offers no delete action: it shows the list again (or, with other actions on
    # offer, says none was selected) and deletes nothing.
    assert bulk_delete.status_code in {200, 302}
    assert model.objects.filter(pk=obj.pk).values().get() == before
    assert model.objects.count() == count


def test_the_request_page_shows_the_workflow_s_restock_orders_and_thread_read_only(admin_client):
    parties = make_parties()
    request = submit(parties)
    workflow.reship_request_info(request_id=request.pk, actor=parties.partner, question="A photo of the box?")
    workflow.reship_answer_info(request_id=request.pk, actor=parties.seller, answer="Attached, the corner is crushed.")
    approve(parties, request)
    workflow.reship_start_restock(request_id=request.pk, actor=parties.partner, line_ids=[line(request, "B1").pk])
    failed = Notification.objects.filter(request=request).order_by("pk").first()
    Notification.objects.filter(pk=failed.pk).update(status=NotificationStatus.FAILED, attempts=5)
    total = Notification.objects.filter(request=request).count()

    response = admin_client.get(_url(ReshipRequest, "change", request.pk))

    content = response.content.decode()
    assert response.status_code == 200
    restocks = next(f for f in response.context["inline_admin_formsets"] if f.formset.model is RestockOrder)
    thread = next(f for f in response.context["inline_admin_formsets"] if f.formset.model is RequestMessage)
    assert [form.instance.line.order_line.product.sku_code for form in restocks.formset] == ["SKU-B1"]
    assert [form.instance.body for form in thread.formset] == [
        "A photo of the box?",
        "Attached, the corner is crushed.",
    ]
    assert "SKU-B1" in content
    assert "Attached, the corner is crushed." in content
    for field in ["quantity", "status", "ship_date", "note", "DELETE"]:
        assert f'name="restock_orders-0-{field}"' not in content
    for field in ["body", "author_role", "DELETE"]:
        assert f'name="messages-0-{field}"' not in content
    notifications = _url(Notification, "changelist")
    assert f'<a href="{notifications}?request__id__exact={request.pk}">{total} notifications</a>' in content
    failed_link = f"{notifications}?request__id__exact={request.pk}&amp;status__exact=failed"
    assert f'<a href="{failed_link}">1 failed</a>' in content


# --- the notification outbox ---------------------------------------------------------------------------


def _retry(client, *notifications, **kwargs):
    return client.post(
        _url(Notification, "changelist"),
        {"action": "retry_failed_notifications", "_selected_action": [row.pk for row in notifications]},
        **kwargs,
    )


def test_retry_makes_a_failed_notification_pending_again_and_leaves_a_sent_one_alone(
    admin_client, admin_user, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr(notification_tasks, "enqueue_delivery", lambda ids: queued.append(list(ids)))
    failed = _failed_notification(next_attempt_at=timezone.now() + timedelta(hours=1))
    sent_at = timezone.now() - timedelta(hours=3)
    sent = NotificationFactory(status=NotificationStatus.SENT, attempts=2, sent_at=sent_at)
    before = timezone.now()

    with django_capture_on_commit_callbacks(execute=True):
        response = _retry(admin_client, failed, sent, follow=True)
        assert queued == []  # delivery waits for the commit

    failed.refresh_from_db()
    sent.refresh_from_db()
    assert response.status_code == 200
    assert (failed.status, failed.attempts) == ("pending", 0)
    assert before <= failed.next_attempt_at <= timezone.now()
    assert (sent.status, sent.attempts, sent.sent_at) == ("sent", 2, sent_at)
    assert queued == [[failed.pk]]
    assert [str(message) for message in response.context["messages"]] == [
        "Queued 1 notification for delivery again.",
        "Skipped 1 notification that had not failed.",
    ]
    entry = LogEntry.objects.get(action_flag=CHANGE)
    assert (entry.object_id, entry.user_id) == (str(failed.pk), admin_user.pk)
    assert entry.get_change_message() == "Changed status, attempts and next attempt at."


def test_retrying_rows_that_did_not_fail_queues_nothing(admin_client, monkeypatch, django_capture_on_commit_callbacks):
    queued = []
    monkeypatch.setattr(notification_tasks, "enqueue_delivery", lambda ids: queued.append(list(ids)))
    pending = NotificationFactory(status=NotificationStatus.PENDING, attempts=2, sent_at=None)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = _retry(admin_client, pending, follow=True)

    pending.refresh_from_db()
    assert (pending.status, pending.attempts) == ("pending", 2)
    assert (callbacks, queued) == ([], [])
    assert [str(message) for message in response.context["messages"]] == [
        "Queued 0 notifications for delivery again.",
        "Skipped 1 notification that had not failed.",
    ]


def test_staff_who_may_only_view_notifications_are_not_offered_the_retry(
    db, client, django_capture_on_commit_callbacks
):
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_notification"))
    client.force_login(viewer)
    failed = _failed_notification()

    page = client.get(_url(Notification, "changelist"))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _retry(client, failed)

    assert page.status_code == 200
    assert page.context["action_form"] is None
    failed.refresh_from_db()
    assert (failed.status, failed.attempts, callbacks) == ("failed", 5, [])


def test_the_retry_action_is_offered_and_delete_is_not(admin_client):
    _failed_notification()

    response = admin_client.get(_url(Notification, "changelist"))

    choices = dict(response.context["action_form"].fields["action"].choices)
    assert choices == {"": "---------", "retry_failed_notifications": "Retry the selected failed notifications"}


def test_the_notification_list_is_newest_first_and_the_status_filter_finds_the_failed(admin_client):
    now = timezone.now()
    old_failure = _failed_notification(created_at=now - timedelta(days=3))
    sent = NotificationFactory(created_at=now - timedelta(days=2))
    new_failure = _failed_notification(created_at=now - timedelta(days=1))
    url = _url(Notification, "changelist")

    everything = admin_client.get(url)
    failed = admin_client.get(url, {"status__exact": "failed"})

    assert [row.pk for row in everything.context["cl"].result_list] == [new_failure.pk, sent.pk, old_failure.pk]
    assert [row.pk for row in failed.context["cl"].result_list] == [new_failure.pk, old_failure.pk]


@pytest.mark.parametrize(
    ("query", "wanted"), [("RS-1990-000042", "by_number"), ("ops@shop.example", "by_address"), ("anna", "by_user")]
)
def test_notifications_are_found_by_request_number_address_or_username(admin_client, query, wanted):
    rows = {
        "by_number": NotificationFactory(request=ReshipRequestFactory(number="RS-1990-000042")),
        "by_address": NotificationFactory(recipient_address="ops@shop.example"),
        "by_user": NotificationFactory(recipient_address="", recipient_user=UserFactory(username="anna")),
    }

    response = admin_client.get(_url(Notification, "changelist"), {"q": query})

    assert [row.pk for row in response.context["cl"].result_list] == [rows[wanted].pk]


def test_the_notification_list_shows_the_address_or_else_the_user(admin_client):
    NotificationFactory(recipient_address="ops@shop.example")
    NotificationFactory(
        channel=NotificationChannel.INBOX, recipient_address="", recipient_user=UserFactory(username="anna")
    )

    content = admin_client.get(_url(Notification, "changelist")).content.decode()

    assert '<td class="field-recipient">ops@shop.example</td>' in content
    assert '<td class="field-recipient">anna</td>' in content


def test_a_notification_page_shows_its_error_and_its_payload_indented_read_only(admin_client):
    notification = _failed_notification(
        payload={"request_number": "RS-2026-000007", "items": [{"sku": "SKU-A", "name": "保温杯"}]},
        last_error="HTTPError: 500 Server Error for https://partner.example/hooks",
    )

    response = admin_client.get(_url(Notification, "change", notification.pk))

    content = html.unescape(response.content.decode())
    assert response.status_code == 200
    assert 'name="_save"' not in content
    for field in ["payload", "status", "attempts", "last_error", "recipient_address"]:
        assert f'name="{field}"' not in content
    assert "HTTPError: 500 Server Error for https://partner.example/hooks" in content
    indented = """{
  "items": [
    {
      "name": "保温杯",
      "sku": "SKU-A"
    }
  ],
  "request_number": "RS-2026-000007"
}"""
    assert f">{indented}</pre>" in content


# --- auto-approval rules -------------------------------------------------------------------------------


def _rule_form(partner, **changes) -> dict:
    return {
        "partner": [partner.pk],
        "name": ["Lost parcels under 100"],
        "is_active": ["on"],
        "reasons": [],
        "max_line_value": ["100.00"],
        "sellers": [],
        "cost_bearer": ["carrier"],
        "quote_shipping": ["12.00"],
        "promised_days": ["3"],
        **changes,
    }


def test_a_rule_saves_the_ticked_reasons_as_a_list_of_codes(admin_client):
    partner, seller = PartnerFactory(), SellerFactory()

    response = admin_client.post(
        _url(AutoApprovalRule, "add"),
        _rule_form(partner, reasons=["wrong_item", "lost_in_transit"], sellers=[seller.pk]),
    )

    assert response.status_code == 302, _form_errors(response)
    rule = AutoApprovalRule.objects.get()
    assert rule.reasons == ["lost_in_transit", "wrong_item"]
    assert (rule.partner, list(rule.sellers.all())) == (partner, [seller])
    assert (rule.is_active, rule.cost_bearer, rule.max_line_value) == (True, "carrier", Decimal("100.00"))


def test_a_rule_with_no_reason_ticked_applies_to_any_reason(admin_client):
    response = admin_client.post(_url(AutoApprovalRule, "add"), _rule_form(PartnerFactory()))

    assert response.status_code == 302, _form_errors(response)
    assert AutoApprovalRule.objects.get().reasons == []


def test_a_rule_refuses_an_unknown_reason_code(admin_client):
    response = admin_client.post(
        _url(AutoApprovalRule, "add"), _rule_form(PartnerFactory(), reasons=["damaged", "stolen"])
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["reasons"] == [
        "Select a valid choice. stolen is not one of the available choices."
    ]
    assert not AutoApprovalRule.objects.exists()


def test_the_rule_page_ticks_the_saved_reasons_and_saving_it_keeps_them(admin_client):
    rule = AutoApprovalRuleFactory(reasons=["damaged", "lost_in_transit"])
    url = _url(AutoApprovalRule, "change", rule.pk)

    data = _form_data(admin_client.get(url), AutoApprovalRule)
    response = admin_client.post(url, data | {"reasons": [*data["reasons"], "missing_item"]})

    assert data["reasons"] == ["lost_in_transit", "damaged"]
    assert response.status_code == 302, _form_errors(response)
    rule.refresh_from_db()
    assert rule.reasons == ["lost_in_transit", "damaged", "missing_item"]


# --- activate / deactivate -----------------------------------------------------------------------------

ACTIVATABLE = [
    (Supplier, SupplierFactory),
    (DropshipPartner, PartnerFactory),
    (Seller, SellerFactory),
    (Product, ProductFactory),
    (AutoApprovalRule, AutoApprovalRuleFactory),
]


@pytest.mark.parametrize(("model", "factory"), ACTIVATABLE, ids=lambda value: getattr(value, "__name__", ""))
def test_deactivate_changes_the_selected_rows_only(admin_client, model, factory):
    first, second, third = factory(), factory(), factory()

    response = admin_client.post(
        _url(model, "changelist"),
        {"action": "deactivate_selected", "_selected_action": [first.pk, third.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert [model.objects.get(pk=row.pk).is_active for row in (first, second, third)] == [False, True, False]
    assert "2" in str(next(iter(response.context["messages"])))
    logged = LogEntry.objects.filter(action_flag=CHANGE).values_list("object_id", flat=True)
    assert sorted(logged) == sorted([str(first.pk), str(third.pk)])


@pytest.mark.parametrize(("model", "factory"), ACTIVATABLE, ids=lambda value: getattr(value, "__name__", ""))
def test_activate_changes_the_selected_rows_only(admin_client, model, factory):
    first, second, third = factory(is_active=False), factory(is_active=False), factory(is_active=True)

    response = admin_client.post(
        _url(model, "changelist"),
        {"action": "activate_selected", "_selected_action": [second.pk, third.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert [model.objects.get(pk=row.pk).is_active for row in (first, second, third)] == [False, True, True]
    # The third was active already: one row changed.
    assert "1" in str(next(iter(response.context["messages"])))


def test_deactivating_a_source_moves_its_updated_at(admin_client):
    supplier = SupplierFactory()
    Supplier.objects.filter(pk=supplier.pk).update(updated_at=timezone.now() - timedelta(days=30))

    admin_client.post(
        _url(Supplier, "changelist"), {"action": "deactivate_selected", "_selected_action": [supplier.pk]}
    )

    supplier.refresh_from_db()
    assert supplier.updated_at > timezone.now() - timedelta(minutes=1)


# --- search and filters --------------------------------------------------------------------------------


def test_searching_orders_by_a_tracking_number_finds_the_order(admin_client):
    wanted = ShipmentFactory(tracking_number="SF7700112233").order
    ShipmentFactory(tracking_number="YT5500000001")
    OrderFactory()

    response = admin_client.get(_url(Order, "changelist"), {"q": "SF7700112233"})

    assert [order.pk for order in response.context["cl"].result_list] == [wanted.pk]


def test_the_overdue_filter_shows_open_requests_past_their_due_time(admin_client):
    now = timezone.now()
    late = ReshipRequestFactory(stage_due_at=now - timedelta(hours=2))
    on_time = ReshipRequestFactory(stage_due_at=now + timedelta(hours=2))
    finished = ReshipRequestFactory(stage_due_at=now - timedelta(hours=2), status=RequestStatus.REJECTED)

    overdue = admin_client.get(_url(ReshipRequest, "changelist"), {"overdue": "yes"})
    not_overdue = admin_client.get(_url(ReshipRequest, "changelist"), {"overdue": "no"})

    assert [row.pk for row in overdue.context["cl"].result_list] == [late.pk]
    assert sorted(row.pk for row in not_overdue.context["cl"].result_list) == sorted([on_time.pk, finished.pk])


# --- query counts --------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", REGISTERED, ids=_label)
def test_the_changelist_query_count_does_not_grow_with_rows(admin_client, model):
    url = _url(model, "changelist")
    for _ in range(3):
        _build(model)
    admin_client.get(url)  # warm caches (session, content types) so both counts are alike

    with CaptureQueriesContext(connection) as three_rows:
        assert admin_client.get(url).status_code == 200
    for _ in range(27):
        _build(model)
    with CaptureQueriesContext(connection) as thirty_rows:
        response = admin_client.get(url)

    assert response.context["cl"].result_count >= 30
    assert len(thirty_rows) == len(three_rows), [query["sql"] for query in thirty_rows.captured_queries]


def test_the_request_page_query_count_does_not_grow_with_its_log(admin_client):
    request = _reship_request()
    url = _url(ReshipRequest, "change", request.pk)
    admin_client.get(url)

    with CaptureQueriesContext(connection) as short_log:
        assert admin_client.get(url).status_code == 200
    for _ in range(20):
        ReshipEventFactory(request=request, actor=UserFactory())
        CommunicationRecordFactory(request=request, recorded_by=UserFactory())
        EvidenceFactory(request=request, uploaded_by=UserFactory())
        RestockOrderFactory(request=request, created_by=UserFactory(), confirmed_by=UserFactory())
        RequestMessageFactory(request=request, author=UserFactory())
        _failed_notification(request=request, recipient_user=UserFactory())
    with CaptureQueriesContext(connection) as long_log:
        admin_client.get(url)

    assert len(long_log) == len(short_log), [query["sql"] for query in long_log.captured_queries]


@pytest.mark.parametrize(
    "url", ["https://127.0.0.1/hooks", "https://169.254.169.254/", "https://user@hooks.example.com/"]
)
def test_a_partners_webhook_url_typed_in_the_admin_is_held_to_the_public_address_rule(admin_client, settings, url):
    settings.RESHIP_WEBHOOK_ALLOW_PRIVATE = False
    partner = _build(DropshipPartner)
    change = _url(DropshipPartner, "change", partner.pk)
    data = _form_data(admin_client.get(change), DropshipPartner)

    response = admin_client.post(change, {**data, "webhook_url": [url]})

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["webhook_url"]
    partner.refresh_from_db()
    assert partner.webhook_url != url
    public = admin_client.post(
        change, {**data, "webhook_url": ["https://hooks.example.com/reship"], "webhook_secret": ["s" * 32]}
    )
    assert public.status_code == 302, public.context["adminform"].form.errors
    partner.refresh_from_db()
    assert partner.webhook_url == "https://hooks.example.com/reship"


# --- carriers -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("tracking_pattern", r"SF(\d{12", "This is not a regular expression Python reads"),
        ("tracking_url", "https://www.sf-express.com/waybill/", "Put {number} where the tracking number goes"),
        ("tracking_url", "http://www.sf-express.com/waybill/{number}", "must be an https:// address"),
        ("tracking_url", "javascript:alert(1)//{number}", "must be an https:// address"),
        ("code", "S F", "Use capital letters and digits only"),
    ],
)
def test_a_carrier_with_a_broken_pattern_or_tracking_page_is_refused_in_the_admin(admin_client, field, value, message):
    sf = Carrier.objects.get(code="SF")
    change = _url(Carrier, "change", sf.pk)
    data = _form_data(admin_client.get(change), Carrier)

    response = admin_client.post(change, {**data, field: [value]})

    assert response.status_code == 200
    assert message in " ".join(response.context["adminform"].form.errors[field])
    sf.refresh_from_db()
    assert (sf.code, sf.tracking_pattern, sf.tracking_url) == (
        "SF",
        r"SF\d{12,13}",
        "https://www.sf-express.com/chn/sc/waybill/waybill-detail/{number}",
    )


def test_a_carrier_added_in_the_admin_is_offered_and_checks_its_numbers(admin_client):
    data = {
        "code": ["best"],
        "name_zh": ["百世快递"],
        "name_en": ["Best Express"],
        "aliases": ['["百世", "汇通"]'],
        "tracking_pattern": [r"BE\d{10}"],
        "pattern_help_zh": ["BE 加 10 位数字"],
        "pattern_help_en": ["BE followed by 10 digits"],
        "tracking_url": ["https://www.800bestex.com/track?no={number}"],
        "is_active": ["on"],
        "position": ["500"],
    }

    response = admin_client.post(_url(Carrier, "add"), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    best = Carrier.objects.get(code="BEST")  # the code is stored in capitals
    assert carriers.carrier_find("汇通") == best
    assert best.tracking_link("BE0123456789") == "https://www.800bestex.com/track?no=BE0123456789"
    with pytest.raises(InvalidInput, match="BE followed by 10 digits"):
        carriers.tracking_number_clean(best, "SF123456789012")
