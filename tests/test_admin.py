"""The Django admin, the platform staff's tool: every registered model's pages, the read-only
audit log, the activation actions, order search and list query counts."""

from collections import defaultdict
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.admin.utils import flatten_fieldsets
from django.contrib.auth.models import Group
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from orders.models import Order, Product, Seller, Shipment
from reship.accounts.models import User
from reship.choices import RequestStatus
from reship.models import CommunicationRecord, ReshipEvent, ReshipRequest
from suppliers.models import DropshipPartner, Supplier
from tests.admin_factories import EvidenceFactory, GroupFactory
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


def _reship_request():
    request = ReshipLineFactory().request
    EvidenceFactory(request=request)
    CommunicationRecordFactory(request=request)
    ReshipEventFactory(request=request, message="Submitted by the seller.")
    return request


BUILDERS = {
    Supplier: SupplierFactory,
    DropshipPartner: _partner,
    Seller: _seller,
    Product: ProductFactory,
    Order: _order,
    Shipment: ShipmentFactory,
    ReshipRequest: _reship_request,
    ReshipEvent: ReshipEventFactory,
    User: lambda: SellerMembershipFactory().user,
    Group: GroupFactory,
}

# Creating these is a workflow step (or never allowed), so the admin has no add page for them.
ADD_REFUSED = {ReshipRequest, ReshipEvent}
# Nothing about these can be changed in the admin.
CHANGE_REFUSED = {ReshipEvent}

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


# --- activate / deactivate -----------------------------------------------------------------------------

ACTIVATABLE = [
    (Supplier, SupplierFactory),
    (DropshipPartner, PartnerFactory),
    (Seller, SellerFactory),
    (Product, ProductFactory),
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
    with CaptureQueriesContext(connection) as long_log:
        admin_client.get(url)

    assert len(long_log) == len(short_log), [query["sql"] for query in long_log.captured_queries]
