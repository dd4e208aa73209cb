"""``/api/v1/statements/``: a statement's whole life through the API with two organisations' keys,
who gets 404, 403, 409, 400 and 422, Idempotency-Key on every POST, the lines' pages and filters,
and a list whose query count does not grow with its length.

Every figure is written by hand from the requests' costs, in CNY:
  RS-A  goods 100.00, shipping 20.00, borne by the seller      → the seller owes 100.00 + 20.00
  RS-B  goods 100.00, no shipping, shared (50 % the seller's)  → the seller owes 50.00
  this period: 170.00; after the partner moves RS-B to the carrier: 120.00 (70.00 + 50.00 paid).
"""

from __future__ import annotations

import calendar
from datetime import date, datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from reship.models import IdempotencyRecord, Statement, StatementEvent, StatementLine, StatementPayment
from reship.settlement import statements as writer
from tests.api.test_keys import api_client_for
from tests.factories import SupplierFactory
from tests.settlement_states import closed_request, pair

pytestmark = pytest.mark.django_db

LIST = "/api/v1/statements/"
OCTOBER = {"period_start": "2026-10-01", "period_end": "2026-10-31"}


def url(statement_id: int, tail: str = "") -> str:
    return f"{LIST}{statement_id}/{tail}"


def in_october(day: int) -> datetime:
    return datetime(2026, 10, day, 15, 0, tzinfo=timezone.get_current_timezone())


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def october():
    """A pair with two closed requests in October 2026, their API clients, and both requests."""
    seller_user, partner_user = pair()
    request_a = closed_request(
        seller_user=seller_user,
        partner_user=partner_user,
        goods="100.00",
        shipping="20.00",
        bearer="seller",
        closed_at=in_october(10),
    )
    request_b = closed_request(
        seller_user=seller_user, partner_user=partner_user, goods="100.00", bearer="shared", closed_at=in_october(20)
    )
    seller_api = api_client_for(seller_user, name="seller erp")[0]
    partner_api = api_client_for(partner_user, name="partner erp")[0]
    return {
        "seller_user": seller_user,
        "partner_user": partner_user,
        "seller": seller_api,
        "partner": partner_api,
        "seller_id": seller_user.seller_membership.seller.pk,
        "a": request_a,
        "b": request_b,
    }


def draw_up(pair_: dict, **headers) -> dict:
    response = pair_["partner"].post(LIST, {"seller_id": pair_["seller_id"], **OCTOBER}, format="json", **headers)
    assert response.status_code == 201, response.json()
    return response.json()


def issued(pair_: dict) -> dict:
    statement = draw_up(pair_)
    response = pair_["partner"].post(url(statement["id"], "issue/"), {}, format="json")
    assert response.status_code == 200, response.json()
    return response.json()


def line_of(pair_: dict, statement_id: int, request, item: str = "goods") -> dict:
    response = pair_["partner"].get(url(statement_id, "lines/"), {"request": request.pk, "item": item})
    (line,) = response.json()["results"]
    return line


def cny(body: dict) -> dict:
    (total,) = body["totals"]
    assert total["currency"] == "CNY"
    return total


# --- the whole life ---------------------------------------------------------------------------------


def test_issued_disputed_adjusted_confirmed_and_paid_in_two_parts_until_settled(october):
    partner, seller = october["partner"], october["seller"]

    drawn = draw_up(october)
    assert drawn["status"] == "draft"
    assert drawn["kind"] == "seller"
    assert (drawn["period_start"], drawn["period_end"]) == ("2026-10-01", "2026-10-31")
    assert drawn["line_count"] == 3
    assert drawn["your_side"] == "issuer"
    assert drawn["counterparty"] == {"type": "seller", "id": october["seller_id"], "name": drawn["seller"]["name"]}
    assert cny(drawn)["lines_total"] == "170.00"
    assert seller.get(url(drawn["id"])).status_code == 404  # a draft is the partner's alone

    statement = partner.post(url(drawn["id"], "issue/"), {}, format="json").json()
    assert statement["status"] == "issued"
    assert statement["waiting_for"] == ["counterparty"]
    assert cny(statement) == {
        "currency": "CNY",
        "lines_total": "170.00",
        "previous_balance": "0.00",
        "net": "170.00",
        "paid": "0.00",
        "balance": "170.00",
    }
    seen_by_seller = seller.get(url(statement["id"])).json()
    assert seen_by_seller["your_side"] == "counterparty"
    assert "dispute_line" in seen_by_seller["allowed_actions"]
    assert seen_by_seller["lines_url"].endswith(url(statement["id"], "lines/"))

    b_goods = line_of(october, statement["id"], october["b"])
    assert (b_goods["amount"], b_goods["bearer"], b_goods["due"]) == ("100.00", "shared", "50.00")
    disputed = seller.post(
        url(statement["id"], f"lines/{b_goods['id']}/dispute/"),
        {"reason": "We agreed the carrier bears this one."},
        format="json",
    )
    assert disputed.status_code == 200, disputed.json()
    assert disputed.json()["status"] == "disputed"
    assert disputed.json()["dispute_reason"] == "We agreed the carrier bears this one."
    assert seller.get(url(statement["id"])).json()["status"] == "disputed"

    adjusted = partner.post(
        url(statement["id"], f"lines/{b_goods['id']}/adjust/"),
        {"message": "Agreed: we claim it from the carrier.", "bearer": "carrier"},
        format="json",
    )
    assert adjusted.status_code == 200, adjusted.json()
    assert (adjusted.json()["bearer"], adjusted.json()["due"]) == ("carrier", "0.00")
    after = seller.get(url(statement["id"])).json()
    assert after["status"] == "adjusted"
    assert cny(after)["net"] == "120.00"
    assert after["waiting_for"] == ["counterparty", "issuer"]

    assert partner.post(url(statement["id"], "confirm/"), {}, format="json").status_code == 200
    confirmed = seller.post(url(statement["id"], "confirm/"), {}, format="json").json()
    assert confirmed["status"] == "confirmed"
    assert confirmed["waiting_for"] == ["counterparty"]  # the seller owes the balance

    first = seller.post(
        url(statement["id"], "payments/"),
        {"amount": "70.00", "currency": "CNY", "paid_on": "2026-11-05", "method": "bank_transfer", "reference": "T1"},
        format="json",
    )
    assert first.status_code == 201, first.json()
    assert (first.json()["amount"], first.json()["payer"]) == ("70.00", "counterparty")
    middle = partner.get(url(statement["id"])).json()
    assert middle["status"] == "partly_paid"
    assert (cny(middle)["paid"], cny(middle)["balance"]) == ("70.00", "50.00")

    second = seller.post(
        url(statement["id"], "payments/"),
        {"amount": "50.00", "currency": "CNY", "paid_on": "2026-11-20", "method": "alipay", "reference": "T2"},
        format="json",
    )
    assert second.status_code == 201, second.json()
    settled = partner.get(url(statement["id"])).json()
    assert settled["status"] == "settled"
    assert (cny(settled)["paid"], cny(settled)["balance"]) == ("120.00", "0.00")
    assert [(p["amount"], p["method"]) for p in settled["payments"]] == [
        ("70.00", "bank_transfer"),
        ("50.00", "alipay"),
    ]
    kinds = [event["kind"] for event in settled["events"]]
    assert kinds[:2] == ["drafted", "issued"]
    assert {"line_disputed", "line_adjusted", "confirmed", "payment_recorded", "settled"} <= set(kinds)
    assert settled["waiting_for"] == []


def test_a_source_s_statement_is_drawn_up_with_supplier_id_and_the_seller_never_sees_it(october):
    source = SupplierFactory()
    borne = closed_request(
        seller_user=october["seller_user"],
        partner_user=october["partner_user"],
        goods="40.00",
        shipping="8.00",
        bearer="supplier",
        closed_at=in_october(12),
        supplier=source,
    )

    answer = october["partner"].post(LIST, {"supplier_id": source.pk, **OCTOBER}, format="json")

    assert answer.status_code == 201, answer.json()
    statement = answer.json()
    assert (statement["kind"], statement["seller"], statement["counterparty"]["id"]) == ("supplier", None, source.pk)
    # The source bears RS-C whole: it pays the partner 40.00 + 8.00.
    assert cny(statement)["lines_total"] == "48.00"
    lines = october["partner"].get(url(statement["id"], "lines/")).json()["results"]
    assert {line["request_number"] for line in lines} == {borne.number}
    october["partner"].post(url(statement["id"], "issue/"), {}, format="json")
    assert october["seller"].get(url(statement["id"])).status_code == 404
    assert october["seller"].get(LIST, {"kind": "supplier"}).json()["results"] == []


# --- who gets what ------------------------------------------------------------------------------------


def test_another_organisation_s_statement_and_a_seller_s_draft_are_404(october):
    statement = draw_up(october)
    other_seller_user, other_partner_user = pair()
    other_seller = api_client_for(other_seller_user)[0]
    other_partner = api_client_for(other_partner_user)[0]

    for client in (october["seller"], other_seller, other_partner):
        assert client.get(url(statement["id"])).status_code == 404
        assert client.get(url(statement["id"], "lines/")).status_code == 404
        assert client.post(url(statement["id"], "issue/"), {}, format="json").status_code == 404
    assert Statement.objects.get(pk=statement["id"]).status == "draft"
    assert october["seller"].get(url(999_999)).json()["code"] == "not_found"
    assert october["seller"].get(url("abc")).status_code == 404


def test_the_other_side_s_statement_of_another_pair_is_404(october):
    statement = issued(october)
    # The same partner, another seller: that seller sees nothing of this pair's statement.
    other_seller_user = pair()[0]
    closed_request(
        seller_user=other_seller_user, partner_user=october["partner_user"], goods="5", closed_at=in_october(3)
    )
    other_seller = api_client_for(other_seller_user)[0]

    assert other_seller.get(url(statement["id"])).status_code == 404
    line = line_of(october, statement["id"], october["a"])
    answer = other_seller.post(url(statement["id"], f"lines/{line['id']}/dispute/"), {"reason": "no"}, format="json")
    assert answer.status_code == 404
    assert other_seller.get(LIST).json()["results"] == []


def test_the_wrong_side_is_403_and_the_wrong_status_409_and_nothing_is_written(october):
    statement = issued(october)
    line = line_of(october, statement["id"], october["a"])
    events = StatementEvent.objects.filter(statement_id=statement["id"]).count()

    by_partner = october["partner"].post(
        url(statement["id"], f"lines/{line['id']}/dispute/"), {"reason": "Not ours."}, format="json"
    )
    again = october["partner"].post(url(statement["id"], "issue/"), {}, format="json")
    early_payment = october["seller"].post(
        url(statement["id"], "payments/"),
        {"amount": "10.00", "currency": "CNY", "paid_on": "2026-11-05", "method": "cash"},
        format="json",
    )
    seller_draws = october["seller"].post(LIST, {"seller_id": october["seller_id"], **OCTOBER}, format="json")

    assert by_partner.status_code == 403
    assert by_partner.json()["code"] == "permission_denied"
    assert again.status_code == 409
    assert again.json()["code"] == "invalid_transition"
    assert early_payment.status_code == 409
    assert seller_draws.status_code == 403
    assert StatementEvent.objects.filter(statement_id=statement["id"]).count() == events
    assert not StatementPayment.objects.exists()


def test_bad_bodies_are_400_naming_the_fields_in_the_caller_s_language(october):
    statement = issued(october)
    line = line_of(october, statement["id"], october["a"])

    no_reason = october["seller"].post(
        url(statement["id"], f"lines/{line['id']}/dispute/"), {}, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    both = october["partner"].post(LIST, {"seller_id": 1, "supplier_id": 2}, format="json")
    negative = october["seller"].post(
        url(statement["id"], "payments/"),
        {"amount": "-5.00", "currency": "CNY", "paid_on": "2026-11-05", "method": "cash"},
        format="json",
    )

    assert no_reason.status_code == 400
    assert no_reason.json()["field_errors"] == {"reason": ["该字段是必填项。"]}
    assert both.status_code == 422  # the writer's rule: one seller or one source
    assert both.json()["code"] == "invalid"
    assert negative.status_code == 400
    assert "amount" in negative.json()["field_errors"]
    assert not StatementLine.objects.filter(status="disputed").exists()


def test_refused_rules_are_422_a_payment_above_the_balance_and_an_overlapping_period(october):
    statement = issued(october)
    october["partner"].post(url(statement["id"], "confirm/"), {}, format="json")
    october["seller"].post(url(statement["id"], "confirm/"), {}, format="json")

    too_much = october["seller"].post(
        url(statement["id"], "payments/"),
        {"amount": "170.01", "currency": "CNY", "paid_on": "2026-11-05", "method": "bank_transfer"},
        format="json",
    )
    overlapping = october["partner"].post(
        LIST,
        {"seller_id": october["seller_id"], "period_start": "2026-10-15", "period_end": "2026-11-14"},
        format="json",
    )

    assert too_much.status_code == 422
    assert too_much.json()["code"] == "invalid"
    assert overlapping.status_code == 422
    assert not StatementPayment.objects.exists()
    assert Statement.objects.count() == 1


# --- Idempotency-Key on every POST --------------------------------------------------------------------


def replayed(client, path: str, body: dict, key: str, count) -> dict:
    """POST twice with one key: the same answer, replayed, and nothing more written."""
    first = client.post(path, body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    before = count()
    second = client.post(path, body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert first.status_code < 300, first.json()
    assert second.status_code == first.status_code
    assert second["Idempotent-Replayed"] == "true"
    assert second.json() == first.json()
    assert count() == before
    return first.json()


def events_of(statement_id: int):
    return lambda: StatementEvent.objects.filter(statement_id=statement_id).count()


def test_every_post_with_the_same_key_twice_writes_once(october):
    partner, seller = october["partner"], october["seller"]
    drawn = replayed(partner, LIST, {"seller_id": october["seller_id"], **OCTOBER}, "draw", Statement.objects.count)
    assert Statement.objects.count() == 1
    sid = drawn["id"]
    replayed(partner, url(sid, "refresh/"), {}, "refresh", events_of(sid))
    replayed(partner, url(sid, "issue/"), {}, "issue", events_of(sid))
    b_goods = line_of(october, sid, october["b"])
    a_goods = line_of(october, sid, october["a"])
    replayed(seller, url(sid, f"lines/{b_goods['id']}/dispute/"), {"reason": "Carrier's."}, "dispute", events_of(sid))
    replayed(seller, url(sid, f"lines/{a_goods['id']}/dispute/"), {"reason": "Too dear."}, "dispute-a", events_of(sid))
    replayed(
        partner,
        url(sid, "adjustments/"),
        {"due": "-10.00", "currency": "CNY", "reason": "Goodwill on the goods.", "adjusts_line_id": a_goods["id"]},
        "credit",
        StatementLine.objects.count,
    )
    replayed(
        partner,
        url(sid, f"lines/{b_goods['id']}/adjust/"),
        {"message": "The carrier's.", "bearer": "carrier"},
        "adjust",
        events_of(sid),
    )
    assert StatementLine.objects.filter(statement_id=sid, item="adjustment").count() == 1
    replayed(partner, url(sid, "confirm/"), {}, "confirm-p", events_of(sid))
    replayed(seller, url(sid, "confirm/"), {}, "confirm-s", events_of(sid))
    # 170.00 − 50.00 (RS-B to the carrier) − 10.00 (goodwill) = 110.00
    assert cny(seller.get(url(sid)).json())["balance"] == "110.00"
    payment = {"amount": "60.00", "currency": "CNY", "paid_on": "2026-11-05", "method": "wechat_pay"}
    replayed(seller, url(sid, "payments/"), payment, "pay-1", StatementPayment.objects.count)

    assert StatementPayment.objects.count() == 1
    assert cny(seller.get(url(sid)).json())["balance"] == "50.00"
    other_body = seller.post(
        url(sid, "payments/"), {**payment, "amount": "1.00"}, format="json", HTTP_IDEMPOTENCY_KEY="pay-1"
    )
    assert other_body.status_code == 422
    assert other_body.json()["code"] == "idempotency_key_reused"
    assert StatementPayment.objects.count() == 1
    assert IdempotencyRecord.objects.filter(key="pay-1").count() == 1


# --- lines: pages and filters ---------------------------------------------------------------------------


def test_lines_come_a_page_at_a_time_grouped_by_request_and_filtered(october):
    statement = issued(october)
    partner = october["partner"]

    first = partner.get(url(statement["id"], "lines/"), {"page_size": 2}).json()
    rest = partner.get(first["next"]).json()

    rows = first["results"] + rest["results"]
    assert [(row["request_number"], row["item"], row["due"]) for row in rows] == [
        (october["a"].number, "goods", "100.00"),
        (october["a"].number, "shipping", "20.00"),
        (october["b"].number, "goods", "50.00"),
    ]
    assert rest["next"] is None
    shared = partner.get(url(statement["id"], "lines/"), {"bearer": "shared"}).json()["results"]
    assert [row["request_number"] for row in shared] == [october["b"].number]
    shipping = partner.get(url(statement["id"], "lines/"), {"item": "shipping"}).json()["results"]
    assert [row["amount"] for row in shipping] == ["20.00"]
    assert partner.get(url(statement["id"], "lines/"), {"resolution": "resend", "bearer": ""}).json()["results"]
    assert partner.get(url(statement["id"], "lines/"), {"disputed": "true"}).json()["results"] == []
    october["seller"].post(url(statement["id"], f"lines/{shared[0]['id']}/dispute/"), {"reason": "No."}, format="json")
    disputed = partner.get(url(statement["id"], "lines/"), {"disputed": "true"}).json()["results"]
    assert [row["id"] for row in disputed] == [shared[0]["id"]]
    assert partner.get(url(statement["id"], "lines/"), {"bearer": "nobody"}).status_code == 400


# --- the list -------------------------------------------------------------------------------------------


def empty_statements(partner_user, seller_user, months: int) -> None:
    """Issued statements with no lines, one per month of 2025 (an empty statement is allowed)."""
    seller_id = seller_user.seller_membership.seller.pk
    partner_id = partner_user.partner_membership.partner.pk
    for month in range(1, months + 1):
        start = date(2025, month, 1)
        end = date(2025, month, calendar.monthrange(2025, month)[1])
        statement = writer.statement_draft(
            actor=partner_user, partner_id=partner_id, seller_id=seller_id, period_start=start, period_end=end
        )
        writer.statement_issue(statement_id=statement.pk, actor=partner_user)


def list_queries(client, **params) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST, params)
    assert response.status_code == 200
    return len(queries), response.json()


def test_the_list_costs_the_same_queries_for_2_or_12_statements_and_filters():
    small_seller, small_partner = pair()
    seller_user, partner_user = pair()
    empty_statements(small_partner, small_seller, 2)
    empty_statements(partner_user, seller_user, 12)
    seller = api_client_for(seller_user)[0]

    few, small_list = list_queries(api_client_for(small_partner)[0])
    many, body = list_queries(api_client_for(partner_user)[0])

    assert len(small_list["results"]) == 2
    assert [row["period_start"] for row in small_list["results"]] == ["2025-02-01", "2025-01-01"]
    assert len(body["results"]) == 12
    assert many == few
    assert list_queries(seller, status="issued")[1]["results"][0]["status"] == "issued"
    assert list_queries(seller, status="settled")[1]["results"] == []
    assert len(list_queries(seller, open="true")[1]["results"]) == 12
    assert len(list_queries(seller, kind="seller", seller=seller_user.seller_membership.seller.pk)[1]["results"]) == 12
    assert list_queries(seller, kind="supplier")[1]["results"] == []
    assert seller.get(LIST, {"seller": "0"}).status_code == 400


def test_a_confirmed_open_balance_is_carried_into_the_next_issued_statement(october):
    partner, seller = october["partner"], october["seller"]
    october_statement = issued(october)
    seller.post(url(october_statement["id"], "confirm/"), {}, format="json")  # the partner confirmed by issuing
    assert partner.get(url(october_statement["id"])).json()["status"] == "confirmed"
    closed_request(
        seller_user=october["seller_user"],
        partner_user=october["partner_user"],
        goods="30.00",
        bearer="seller",
        closed_at=datetime(2026, 11, 10, 15, 0, tzinfo=timezone.get_current_timezone()),
    )

    november = partner.post(
        LIST,
        {"seller_id": october["seller_id"], "period_start": "2026-11-01", "period_end": "2026-11-30"},
        format="json",
    ).json()
    november = partner.post(url(november["id"], "issue/"), {}, format="json").json()

    # 30.00 this period (RS-D, the seller's) + 170.00 brought forward from October = 200.00
    assert cny(november) == {
        "currency": "CNY",
        "lines_total": "30.00",
        "previous_balance": "170.00",
        "net": "200.00",
        "paid": "0.00",
        "balance": "200.00",
    }
    carried = seller.get(url(october_statement["id"])).json()
    assert (carried["status"], carried["carried_to"]) == ("carried_forward", november["id"])
    assert [row["id"] for row in seller.get(LIST, {"open": "true"}).json()["results"]] == [november["id"]]


def test_drawing_up_for_an_unknown_or_strange_seller_is_refused_not_a_crash():
    _seller_user, partner_user = pair()
    stranger_seller, _other_partner = pair()
    partner = api_client_for(partner_user)[0]
    for seller_id in (987654, stranger_seller.seller_membership.seller.pk):
        response = partner.post(LIST, {"seller_id": seller_id}, format="json")
        assert response.status_code == 422, response.content
        assert response.json()["field_errors"] == {"seller_id": ["Not a seller or source you work with."]}
    assert not Statement.objects.exists()
