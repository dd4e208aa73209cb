"""``manage.py load_demo_data`` (``reship.dev.demo``): what the first run creates, that the data hangs
together the way the stages say, that the demo logins work, and that a second run changes nothing."""

import io
import re
from collections import defaultdict

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import F
from django.test import override_settings
from django.utils import timezone

from orders import ship_to
from orders.models import Order, OrderLine, Product, Seller, SellerMembership, Shipment
from reship import workflow
from reship.accounts.models import User
from reship.choices import EventKind, LineStatus, QuoteStatus, RequestStatus
from reship.models import CommunicationRecord, Notification, ReshipEvent, ReshipLine, ReshipRequest
from reship.notifications.rendering import render
from suppliers.choices import PartnerMode, Region, SupplierKind
from suppliers.models import DropshipPartner, PartnerContact, PartnerMembership, Supplier

LOGINS = [("admin", "reship-admin"), ("seller1", "reship-demo"), ("seller2", "reship-demo"),
          ("partner1", "reship-demo"), ("partner2", "reship-demo")]  # fmt: skip
# Three of them customers' own reports in seller1's shop (reship.dev.demo.reports): one waiting, one
# declined, one a shop rule confirmed (submitted).
REQUESTS_PER_STATUS = {
    "reported": 1,
    "declined": 1,
    "submitted": 17,
    "needs_info": 7,
    "approved": 10,
    "fulfilling": 18,
    "info_update": 8,
    "customer_contact": 7,
    "contacted": 12,
    "closed": 54,
    "rejected": 8,
    "cancelled": 10,
}
RESOLVED = {LineStatus.SHIPPED, LineStatus.COMPENSATED}
FINAL = {"closed", "rejected", "cancelled", "declined"}


FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # The loader hashes two passwords; the production hasher is slow on purpose.
    settings.PASSWORD_HASHERS = FAST_HASHERS


def load_demo_data() -> str:
    out = io.StringIO()
    call_command("load_demo_data", stdout=out)
    return out.getvalue()


@pytest.fixture(scope="class")
def first_output(django_db_setup, django_db_blocker):
    """One load shared by a class of read-only checks (a load takes a second or two), rolled back after them.

    Each test still runs in its own savepoint inside this transaction (``db``), so nothing leaks out.
    """
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS), transaction.atomic():
        yield load_demo_data()
        transaction.set_rollback(True)


def table_counts() -> dict[str, int]:
    models = [User, Seller, DropshipPartner, PartnerContact, Supplier, Product, Order, OrderLine, Shipment,
              ReshipRequest, ReshipLine, ReshipEvent, CommunicationRecord]  # fmt: skip
    return {model.__name__: model.objects.count() for model in models}


@pytest.mark.django_db
class TestTheFirstRun:
    """Read-only checks of one first run."""

    def test_first_run_creates_the_chosen_counts_and_says_so(self, first_output):
        counts = table_counts()

        assert {name: counts[name] for name in ("User", "Seller", "DropshipPartner", "PartnerContact", "Supplier")} == {
            "User": 5,
            "Seller": 2,
            "DropshipPartner": 2,
            "PartnerContact": 4,
            "Supplier": 8,
        }
        assert (counts["Product"], counts["Order"], counts["ReshipRequest"]) == (40, 300, 153)
        assert counts["ReshipLine"] >= 150
        assert counts["ReshipEvent"] > 3 * 150
        assert "Demo data loaded" in first_output
        assert re.search(r"orders 订单\s+300\b", first_output)
        assert re.search(r"reship requests 补单\s+153\b", first_output)

    def test_requests_are_spread_over_every_status(self, first_output):
        counts = {status: ReshipRequest.objects.filter(status=status).count() for status in RequestStatus.values}

        assert counts == REQUESTS_PER_STATUS

    def test_sources_partners_and_sellers_cover_the_kinds_the_demo_shows(self, first_output):
        assert set(Supplier.objects.values_list("kind", flat=True)) == {
            SupplierKind.SUPPLIER,
            SupplierKind.MANUFACTURER,
        }
        assert set(Supplier.objects.values_list("region", flat=True)) == {Region.DOMESTIC, Region.OVERSEAS}
        partners = list(DropshipPartner.objects.order_by("review_sla_hours"))
        assert [partner.mode for partner in partners] == [PartnerMode.PROFESSIONAL, PartnerMode.OVERSEAS]
        assert partners[0].review_sla_hours != partners[1].review_sla_hours
        assert all(partner.suppliers.exists() for partner in partners)
        assert all(partner.contacts.filter(is_primary=True).count() == 1 for partner in partners)
        assert set(Seller.objects.values_list("name", flat=True)) == {"青木家居旗舰店", "Lumen Outdoor"}
        for seller in Seller.objects.all():
            assert seller.products.count() == 20
            assert not seller.products.filter(supplier__isnull=True).exists()

    def test_orders_span_half_a_year_on_several_platforms_each_with_its_original_shipment(self, first_output):
        now = timezone.now()
        orders = Order.objects.prefetch_related("lines", "shipments")

        assert Order.objects.values("platform").distinct().count() >= 5
        for order in orders:
            assert now - timezone.timedelta(days=180) <= order.placed_at <= now
            assert 1 <= len(order.lines.all()) <= 3
            original = [shipment for shipment in order.shipments.all() if shipment.reship_request_id is None]
            assert len(original) == 1
            assert original[0].shipped_at > order.placed_at
            assert order.customer_name
            assert order.customer_phone
            # A structured ship-to that passes the same check as one typed in (phone normalised).
            cleaned = ship_to.clean(ship_to.values_of(order))
            assert cleaned["ship_phone_e164"] == order.ship_phone_e164
            assert order.ship_phone_e164.startswith("+")
        assert Order.objects.exclude(customer_email="").count() > 200
        assert set(Order.objects.values_list("ship_country", flat=True)) >= {"CN", "US", "GB", "CA"}
        assert Order.objects.filter(ship_country="CN").exclude(ship_district="").exists()
        assert Order.objects.filter(ship_country="US").exclude(ship_province="").exclude(ship_postcode="").exists()
        assert Order.objects.exclude(ship_name=F("customer_name")).exists()  # some are gifts

    def test_a_request_ships_where_its_order_ships(self, first_output):
        requests = ReshipRequest.objects.select_related("order").filter(follow_up_of__isnull=True)
        unchanged = requests.exclude(events__kind=EventKind.SHIP_TO_CHANGED)
        assert unchanged.exists()
        for request in unchanged:
            assert ship_to.values_of(request) == ship_to.values_of(request.order)

    def test_every_request_matches_its_order_and_claims_no_more_than_was_ordered(self, first_output):
        requests = ReshipRequest.objects.select_related("order").prefetch_related("lines__order_line")

        for request in requests:
            assert (request.seller_id, request.partner_id) == (request.order.seller_id, request.order.partner_id)
            assert re.fullmatch(r"RS-\d{4}-\d{6}", request.number)
            lines = request.lines.all()
            assert lines
            for line in lines:
                assert line.order_line.order_id == request.order_id
                assert 0 < line.quantity <= line.order_line.quantity

    def test_each_request_has_a_coherent_event_chain_ending_in_its_status(self, first_output):
        now = timezone.now()
        organisation_of = {
            membership.user_id: ("seller", membership.seller_id) for membership in SellerMembership.objects.all()
        }
        organisation_of |= {
            membership.user_id: ("partner", membership.partner_id) for membership in PartnerMembership.objects.all()
        }
        chains = defaultdict(list)
        for event in ReshipEvent.objects.order_by("request", "created_at", "id"):
            chains[event.request_id].append(event)

        for request in ReshipRequest.objects.select_related("seller", "partner"):
            chain = chains[request.pk]
            # Notes (the customer's survey answer) carry no status, as the workflow writes them.
            moves = [event for event in chain if event.to_status]
            notes = [event for event in chain if not event.to_status]
            first = chain[0]
            assert first.created_at == request.created_at
            if request.source == "customer":  # the customer's report, no actor; a shop rule confirms at once
                assert (first.kind, first.from_status, first.to_status, first.actor_id) == (
                    EventKind.REPORTED,
                    "",
                    "reported",
                    None,
                )
            else:
                assert (first.kind, first.from_status, first.to_status) == (EventKind.SUBMITTED, "", "submitted")
                assert organisation_of[first.actor_id] == ("seller", request.seller_id)
            for earlier, later in zip(chain, chain[1:], strict=False):
                assert earlier.created_at < later.created_at or (later.kind, later.actor_id) == (
                    EventKind.REPORT_CONFIRMED,
                    None,
                )
            for earlier, later in zip(moves, moves[1:], strict=False):
                assert later.from_status == earlier.to_status
            assert moves[-1].to_status == request.status
            assert chain[-1].created_at <= now
            assert all(note.kind == EventKind.NOTE and request.status == "closed" for note in notes)
            for event in chain[1:]:
                if event.actor_id is not None:  # None: the source confirmed a restock through its link
                    assert organisation_of[event.actor_id] in {
                        ("seller", request.seller_id),
                        ("partner", request.partner_id),
                    }

    def test_line_statuses_follow_the_request_status(self, first_output):
        for request in ReshipRequest.objects.prefetch_related("lines"):
            statuses = {line.status for line in request.lines.all()}
            if request.status in {"reported", "submitted", "needs_info", "approved"}:
                assert statuses == {LineStatus.PENDING}
            elif request.status in {"rejected", "cancelled", "declined"}:
                assert statuses == {LineStatus.CANCELLED}
            elif request.status == "fulfilling":
                assert not statuses <= RESOLVED  # something is still to do
                assert statuses != {LineStatus.PENDING}  # and something was done
            else:
                assert statuses <= RESOLVED

    def test_compensation_lines_say_how_much_and_shipped_lines_have_their_reship_parcel(self, first_output):
        lines = ReshipLine.objects.select_related("shipment")

        for line in lines:
            if line.resolution == "compensation":
                assert line.compensation_method
                assert line.compensation_amount > 0
            else:
                assert (line.compensation_method, line.compensation_amount) == ("", None)
            if line.status == LineStatus.SHIPPED:
                assert line.shipment.reship_request_id == line.request_id
        reship_parcels = Shipment.objects.filter(reship_request__isnull=False).count()
        assert reship_parcels == ReshipLine.objects.filter(status=LineStatus.SHIPPED).count()

    def test_quotes_deadlines_and_closing_follow_the_stage(self, first_output):
        now = timezone.now()
        approved_ids = set(ReshipEvent.objects.filter(kind=EventKind.APPROVED).values_list("request_id", flat=True))
        overdue = 0

        for request in ReshipRequest.objects.all():
            if request.pk in approved_ids:
                assert request.cost_bearer
                assert request.quote_total is not None
                assert request.reviewed_at is not None
            else:
                assert (request.cost_bearer, request.quote_total) == ("", None)
            assert (request.closed_at is not None) == (request.status == "closed")
            if request.status in FINAL:
                assert request.stage_due_at is None
            else:
                assert request.stage_due_at is not None
                overdue += request.stage_due_at < now
        open_requests = sum(count for status, count in REQUESTS_PER_STATUS.items() if status not in FINAL)
        assert 0 < overdue < open_requests

    def test_every_customer_contact_is_logged_and_a_few_partner_calls(self, first_output):
        told = ReshipRequest.objects.filter(status__in=["contacted", "closed"])

        assert set(told.values_list("pk", flat=True)) == set(
            # The contact step's own records; automatic messages (request received, …) log themselves too.
            CommunicationRecord.objects.filter(counterpart="customer", automatic=False).values_list(
                "request_id", flat=True
            )
        )
        assert CommunicationRecord.objects.filter(counterpart="partner").exists()

    def test_no_request_closed_with_its_quote_in_dispute(self, first_output):
        assert not ReshipRequest.objects.filter(status="closed", quote_status=QuoteStatus.DISPUTED).exists()
        assert ReshipRequest.objects.filter(quote_status=QuoteStatus.DISPUTED).exists()

    def test_the_workflow_carries_demo_requests_on(self, first_output):
        submitted = ReshipRequest.objects.filter(status="submitted").select_related("partner").first()
        restocked = ReshipLine.objects.filter(request__status="fulfilling", status=LineStatus.RESTOCKED).first()
        contacted = ReshipRequest.objects.filter(status="contacted", quote_status=QuoteStatus.ACCEPTED).first()

        workflow.reship_approve(
            request_id=submitted.pk,
            actor=User.objects.get(partner_membership__partner=submitted.partner_id),
            quote_goods="10.00",
            quote_shipping="5.00",
            cost_bearer="partner",
        )
        workflow.reship_ship(
            request_id=restocked.request_id,
            actor=User.objects.get(partner_membership__partner=restocked.request.partner_id),
            items=[workflow.ShipItem(line_id=restocked.pk)],
            carrier="顺丰速运",
            tracking_number="SF0000000000001",
        )
        workflow.reship_close(
            request_id=contacted.pk,
            actor=User.objects.get(seller_membership__seller=contacted.seller_id),
            rating_speed=5,
            rating_quality=4,
            rating_cooperation=5,
        )

        submitted.refresh_from_db()
        restocked.refresh_from_db()
        contacted.refresh_from_db()
        assert (submitted.status, restocked.status, contacted.status) == ("approved", LineStatus.SHIPPED, "closed")

    def test_the_demo_logins_work(self, first_output, client):
        assert client.login(username="admin", password="reship-admin")
        assert User.objects.get(username="admin").is_superuser
        assert client.login(username="seller1", password="reship-demo")
        assert User.objects.get(username="seller1").seller_membership.seller.name == "青木家居旗舰店"
        assert client.login(username="partner1", password="reship-demo")
        assert User.objects.get(username="partner1").partner_membership.partner.mode == PartnerMode.PROFESSIONAL


def test_a_second_run_creates_nothing_and_says_so(db):
    first_output = load_demo_data()
    before = table_counts()

    second_output = load_demo_data()

    assert table_counts() == before
    assert "Demo data loaded" in first_output
    assert "Demo data already present (2 sellers, 300 orders, 153 reship requests); nothing created." in second_output
    assert "Demo data loaded" not in second_output


def test_both_runs_print_the_demo_logins(db):
    first_output = load_demo_data()

    second_output = load_demo_data()

    for output in (first_output, second_output):
        assert "http://127.0.0.1:8000/admin/" in output
        for username, password in LOGINS:
            assert re.search(rf"\b{username}\s+{password}\s+http://127\.0\.0\.1:8000/", output)


def test_the_logins_and_the_emails_use_the_served_address(db, settings):
    # `make run PORT=8123` passes SITE_URL=http://127.0.0.1:8123 to every command it runs.
    settings.SITE_URL = "http://127.0.0.1:8123"

    output = load_demo_data()

    assert "http://127.0.0.1:8123/admin/" in output
    for username, password in LOGINS[1:]:
        assert re.search(rf"\b{username}\s+{password}\s+http://127\.0\.0\.1:8123/\s", output)
    assert ":8000" not in output
    email = Notification.objects.filter(channel="email", request__isnull=False, recipient_user__isnull=False).first()
    subject, text, html = render(email)
    assert f"http://127.0.0.1:8123/requests/{email.request_id}/" in text
    assert f'href="http://127.0.0.1:8123/requests/{email.request_id}/"' in html


def test_an_existing_admin_user_is_kept_with_its_password(db):
    User.objects.create_superuser(username="admin", password="my-own-password")

    output = load_demo_data()

    assert User.objects.get(username="admin").check_password("my-own-password")
    assert "(existing user: password unchanged)" in output
    assert Seller.objects.count() == 2
