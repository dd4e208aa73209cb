"""Every workflow step over HTTP × every caller: the right side succeeds, the other side gets 403,
another organisation 404, no key 401 — each at a status where the step is allowed, so what is
tested is who, not when (the status table is tested on the workflow the API calls)."""

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from reship.choices import RequestStatus as S
from reship.models import RestockOrder
from reship.services.api_keys import api_key_create
from tests.workflow_states import line, make_parties, request_in

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def _body(name, request):
    """A valid body for each step, for a request built by tests.workflow_states."""
    return {
        "confirm-report": lambda: {},
        "edit-report": lambda: {
            "lines": [{"order_line": line(request, "A").order_line_id, "quantity": 2, "resolution": "resend"}]
        },
        "decline-report": lambda: {"reason": "Signed for by the customer."},
        "request-info": lambda: {"question": "Which side was crushed?"},
        "answer-info": lambda: {"answer": "The left side."},
        "approve": lambda: {"quote_goods": "40", "quote_shipping": "12", "cost_bearer": "carrier"},
        "reject": lambda: {"reason": "Signed for by the customer."},
        "cancel": lambda: {"reason": "Found by the neighbour."},
        "accept-quote": lambda: {},
        "dispute-quote": lambda: {"message": "Shipping should be 8."},
        "revise-quote": lambda: {"quote_goods": "40", "quote_shipping": "8", "cost_bearer": "shared"},
        "start-restock": lambda: {"line_ids": [line(request, "B2").pk]},
        "confirm-restock": lambda: {
            "restock_order": RestockOrder.objects.get(request=request, status="ordered").pk,
            "ship_date": TODAY().isoformat(),
        },
        "ship": lambda: {
            "items": [{"line": line(request, "A").pk}],
            "carrier": "ZTO",
            "tracking_number": "75000000000001",
        },
        "compensate": lambda: {"line_ids": [line(request, "C").pk], "method": "refund", "amount": "60"},
        "confirm-info-update": lambda: {},
        "contact-customer": lambda: {"channel": "email"},
        "close": lambda: {"rating_speed": 3, "rating_quality": 4, "rating_cooperation": 5},
        "follow-up": lambda: {
            "reason": "lost_in_transit",
            "description": "Lost again.",
            "lines": [{"order_line": line(request, "A").order_line_id, "quantity": 1, "resolution": "resend"}],
        },
        "mark-delivered": lambda: {"shipment": request.shipments.get().pk},
    }[name]()


# (step, a status where it is allowed, the side whose step it is), written out by hand.
STEPS = [
    ("confirm-report", S.REPORTED, {"seller"}),
    ("edit-report", S.REPORTED, {"seller"}),
    ("decline-report", S.REPORTED, {"seller"}),
    ("request-info", S.SUBMITTED, {"partner"}),
    ("answer-info", S.NEEDS_INFO, {"seller"}),
    ("approve", S.SUBMITTED, {"partner"}),
    ("reject", S.SUBMITTED, {"partner"}),
    ("cancel", S.APPROVED, {"seller"}),
    ("accept-quote", S.APPROVED, {"seller"}),
    ("dispute-quote", S.FULFILLING, {"seller"}),
    ("revise-quote", S.APPROVED, {"partner"}),
    ("start-restock", S.FULFILLING, {"partner"}),
    ("confirm-restock", S.FULFILLING, {"partner"}),
    ("ship", S.FULFILLING, {"partner"}),
    ("compensate", S.FULFILLING, {"seller", "partner"}),
    ("confirm-info-update", S.INFO_UPDATE, {"seller"}),
    ("contact-customer", S.CUSTOMER_CONTACT, {"seller"}),
    ("close", S.CONTACTED, {"seller"}),
    ("follow-up", S.CLOSED, {"seller"}),
    ("mark-delivered", S.INFO_UPDATE, {"seller", "partner"}),
]
CALLERS = ["seller", "partner", "other_seller", "other_partner", "anonymous"]
CASES = [(step, status, sides, caller) for step, status, sides in STEPS for caller in CALLERS]


def _client(user):
    client = APIClient()
    if user is not None:
        _key, raw = api_key_create(actor=user, name="erp")
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client


def _expected(sides, caller, step):
    if caller == "anonymous":
        return 401, "not_authenticated"
    if caller not in ("seller", "partner"):
        return 404, "not_found"
    if caller == "partner" and step.endswith("-report"):
        return 404, "not_found"  # a customer's report is the seller's alone until confirmed
    if caller not in sides:
        return 403, "permission_denied"
    return (201 if step == "follow-up" else 200), None


@pytest.mark.parametrize(("step", "status", "sides", "caller"), CASES, ids=[f"{c[0]}-{c[3]}" for c in CASES])
def test_each_step_over_http_for_each_caller(step, status, sides, caller):
    parties = make_parties()
    request = request_in(status, parties)
    body = _body(step, request)
    user = None if caller == "anonymous" else getattr(parties, caller)
    client = _client(user)

    response = client.post(f"/api/v1/requests/{request.pk}/{step}/", body, format="json")

    expected_status, expected_code = _expected(sides, caller, step)
    assert response.status_code == expected_status, response.content
    if expected_code is not None:
        assert response.json()["code"] == expected_code
        request.refresh_from_db()
        assert request.status == status  # refused: nothing moved
