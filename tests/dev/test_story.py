"""``manage.py run_reship_story``: four requests from submission to closed, every party told once.

Runs in this process with Celery eager (as embedded), so each row is delivered as its change
commits. The same command under a real worker is in ``test_celery_worker.py``. Expected rows are
derived by hand from ``WHO_IS_TOLD`` and the story's cast: one seller user and one partner user
(inbox and email each, no webhook), the source's email, and a customer with email and phone, told
once per event on the shop's default choice (email, the order having an address): the request
received, each outcome, the survey; the outcome messages complete the contact step, so the seller
sends nothing more.
"""

from collections import Counter
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command

from orders.models import Order, Seller
from reship.choices import NotificationStatus, RequestStatus, RestockStatus
from reship.models import Notification, ReshipRequest, RestockOrder
from suppliers.models import DropshipPartner, Supplier

pytestmark = pytest.mark.django_db(transaction=True)  # on_commit runs: delivery happens as in production

SELLER = "story-seller"
SELLER_EMAIL = "story-seller@story.example"
PARTNER = "story-partner"
PARTNER_EMAIL = "story-partner@story.example"
SOURCE_EMAIL = "source@story.example"
CUSTOMER_EMAIL = "li.lei@story.example"
CUSTOMER_PHONE = "+86 138 0013 8000"

SUBMITTED = [
    ("request_submitted", "inbox", "partner", PARTNER),
    ("request_submitted", "email", "partner", PARTNER_EMAIL),
    ("request_received", "email", "customer", CUSTOMER_EMAIL),
]
APPROVED = [
    ("request_approved", "inbox", "seller", SELLER),
    ("request_approved", "email", "seller", SELLER_EMAIL),
]
RESTOCK = [
    ("restock_ordered", "email", "supplier", SOURCE_EMAIL),
    ("restock_confirmed", "inbox", "partner", PARTNER),
    ("restock_confirmed", "email", "partner", PARTNER_EMAIL),
]
SHIPPED = [
    ("lines_shipped", "inbox", "seller", SELLER),
    ("lines_shipped", "email", "seller", SELLER_EMAIL),
    ("lines_shipped", "email", "customer", CUSTOMER_EMAIL),
]
COMPENSATED = [
    ("lines_compensated", "inbox", "seller", SELLER),
    ("lines_compensated", "email", "seller", SELLER_EMAIL),
    ("lines_compensated", "email", "customer", CUSTOMER_EMAIL),
]
# The outcome messages did the contact step; the partner hears of the seller's steps (its switches
# are on): the accepted quote, the info update, the customer contacted (automatically), the close.
CONTACT_AND_CLOSE = [
    ("quote_accepted", "inbox", "partner", PARTNER),
    ("quote_accepted", "email", "partner", PARTNER_EMAIL),
    ("info_updated", "inbox", "partner", PARTNER),
    ("info_updated", "email", "partner", PARTNER_EMAIL),
    ("customer_contacted", "inbox", "partner", PARTNER),
    ("customer_contacted", "email", "partner", PARTNER_EMAIL),
    ("request_closed", "inbox", "partner", PARTNER),
    ("request_closed", "email", "partner", PARTNER_EMAIL),
]
DELIVERED = [
    ("parcel_delivered", "inbox", "seller", SELLER),
    ("parcel_delivered", "email", "seller", SELLER_EMAIL),
    ("parcel_delivered", "inbox", "partner", PARTNER),
    ("parcel_delivered", "email", "partner", PARTNER_EMAIL),
]
SURVEY = [  # after the goods arrived (the story's shop waits 0 days), not at close
    ("survey_invitation", "email", "customer", CUSTOMER_EMAIL),
]
EXPECTED_ROWS = {
    "resend": SUBMITTED + APPROVED + SHIPPED + CONTACT_AND_CLOSE + DELIVERED + SURVEY,  # 21
    "restock then resend": SUBMITTED + APPROVED + RESTOCK + SHIPPED + CONTACT_AND_CLOSE + DELIVERED + SURVEY,  # 24
    "compensation": SUBMITTED + APPROVED + COMPENSATED + CONTACT_AND_CLOSE + SURVEY,  # 17
    "mix": SUBMITTED + APPROVED + RESTOCK + SHIPPED + COMPENSATED + CONTACT_AND_CLOSE + DELIVERED + SURVEY,  # 27
}
# Customer contact is passed in the same step as the info update: the outcome messages told the customer.
EXPECTED_STAGES = {
    "resend": ["submitted", "approved", "info_update", "contacted", "closed"],
    "restock then resend": [
        "submitted",
        "approved",
        "fulfilling",
        "info_update",
        "contacted",
        "closed",
    ],
    "compensation": ["submitted", "approved", "info_update", "contacted", "closed"],
    "mix": ["submitted", "approved", "fulfilling", "info_update", "contacted", "closed"],
}
STORY_ORDER = ["resend", "restock then resend", "compensation", "mix"]  # the requests in pk order


@pytest.fixture(autouse=True)
def story_settings(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def run_story(*args: str) -> str:
    out = StringIO()
    call_command("run_reship_story", *args, stdout=out)
    return out.getvalue()


def rows_of(request: ReshipRequest) -> Counter:
    return Counter(
        (row.template, row.channel, row.payload["audience"], row.recipient_address or row.recipient_user.username)
        for row in Notification.objects.filter(request=request).select_related("recipient_user")
    )


def test_four_requests_go_from_submission_to_closed_and_every_party_is_told_once():
    output = run_story()

    requests = list(ReshipRequest.objects.order_by("pk"))
    assert len(requests) == 4
    assert [request.status for request in requests] == [RequestStatus.CLOSED] * 4
    for story, request in zip(STORY_ORDER, requests, strict=True):
        assert rows_of(request) == Counter(EXPECTED_ROWS[story]), story
        assert f"{request.number}" in output
    assert Notification.objects.count() == 89
    assert set(Notification.objects.values_list("status", "attempts")) == {(NotificationStatus.SENT, 1)}
    # 12 + 14 + 10 + 16 emails went out, once each; no SMS (the customer has an email address).
    assert len(mail.outbox) == 52
    assert len({message.extra_headers["Message-ID"] for message in mail.outbox}) == 52


def test_the_output_shows_each_request_s_stages_and_notifications_and_the_delivery_counts():
    output = run_story()

    for number, story in enumerate(STORY_ORDER, start=1):
        assert f"{number}. {story} — RS-" in output
        assert f"   stages: {' → '.join(EXPECTED_STAGES[story])}\n" in output
    assert "     restock_ordered      email   supplier  1\n" in output
    assert "     survey_invitation    email   customer  1\n" in output
    assert "Delivery: embedded (Celery eager), each row was sent as its change committed.\n" in output
    assert "4 of 4 requests closed; 89 notifications: sent 89, pending 0, failed 0\n" in output
    assert output.endswith("Every party was notified through the outbox.\n")


def test_the_source_confirms_through_its_signed_link_not_as_a_user():
    run_story()

    restocks = RestockOrder.objects.order_by("pk")
    assert [(restock.status, restock.confirmed_by_id) for restock in restocks] == [
        (RestockStatus.CONFIRMED, None),
        (RestockStatus.CONFIRMED, None),
    ]
    assert [restock.line.order_line.product.sku_code for restock in restocks] == ["STORY-B1", "STORY-B2"]


def test_a_second_run_reuses_the_cast_with_a_new_order_and_fresh_makes_a_new_cast():
    run_story()
    run_story()

    assert (Seller.objects.count(), DropshipPartner.objects.count(), Supplier.objects.count()) == (1, 1, 1)
    assert Order.objects.count() == 2
    assert ReshipRequest.objects.filter(status=RequestStatus.CLOSED).count() == 8

    output = run_story("--fresh")

    assert (Seller.objects.count(), DropshipPartner.objects.count(), Supplier.objects.count()) == (2, 2, 2)
    assert ReshipRequest.objects.filter(status=RequestStatus.CLOSED).count() == 12
    assert "4 of 4 requests closed; 89 notifications: sent 89, pending 0, failed 0\n" in output
