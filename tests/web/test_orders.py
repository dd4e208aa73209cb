"""The seller's order pages: list, search and filters, detail, new reship request, find by tracking
number, confirmation. Tenancy is a 404; a refused submission leaves nothing behind."""

import re
from datetime import date, datetime, timedelta
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from orders.choices import Platform
from orders.models import Order, Shipment
from reship import workflow
from reship.models import Evidence, Notification, ReshipEvent, ReshipLine, ReshipRequest
from tests.factories import (
    OrderFactory,
    OrderLineFactory,
    PartnerFactory,
    PartnerMembershipFactory,
    SellerMembershipFactory,
    ShipmentFactory,
)
from tests.services.test_evidence import EXE, JPEG, png_bytes

pytestmark = pytest.mark.django_db


def _at(year: int, month: int, day: int, hour: int = 12) -> datetime:
    return datetime(year, month, day, hour, tzinfo=timezone.get_current_timezone())


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def shop():
    user = SellerMembershipFactory(user__language="en").user
    seller = user.seller_membership.seller
    partner = PartnerFactory(name="Swift Dropship")
    order = OrderFactory(
        seller=seller,
        partner=partner,
        platform=Platform.TAOBAO,
        platform_order_number="TB2026050001",
        customer_name="王小明",
        customer_phone="13800138000",
        placed_at=_at(2026, 5, 3),
    )
    line_a = OrderLineFactory(order=order, product__sku_code="SKU-A", product__name="Tea cup", quantity=2)
    line_b = OrderLineFactory(order=order, product__sku_code="SKU-B", product__name="Teapot", quantity=3)
    ShipmentFactory(order=order, carrier="SF Express", tracking_number="SF123456789012", shipped_at=_at(2026, 5, 4))
    return SimpleNamespace(user=user, seller=seller, partner=partner, order=order, line_a=line_a, line_b=line_b)


@pytest.fixture
def seller_client(client, shop):
    client.force_login(shop.user)
    return client


def _listed(response) -> list[str]:
    return [order.platform_order_number for order in response.context["orders"]]


def _fieldset_of(html: str, sku: str) -> str:
    """The HTML of one line's group on the new-request page."""
    start = html.index(f"<legend>{sku} ")
    return html[start : html.index("</fieldset>", start)]


def _submit_data(shop, **extra) -> dict:
    data = {
        "reason": "damaged",
        "description": "The box arrived crushed.",
        f"line_{shop.line_a.pk}_include": "on",
        f"line_{shop.line_a.pk}_quantity": "2",
        f"line_{shop.line_a.pk}_reason": "",
        f"line_{shop.line_a.pk}_resolution": "resend",
        f"line_{shop.line_b.pk}_quantity": "1",
        f"line_{shop.line_b.pk}_reason": "",
        f"line_{shop.line_b.pk}_resolution": "resend",
    }
    data.update(extra)
    return data


def _earlier_request(shop, *, sku_b_quantity: int) -> ReshipRequest:
    return workflow.reship_submit(
        actor=shop.user,
        order_id=shop.order.pk,
        reason="lost_in_transit",
        lines=[workflow.LineRequest(order_line_id=shop.line_b.pk, quantity=sku_b_quantity, resolution="resend")],
    )


def _row_counts() -> dict[str, int]:
    models = (Order, Shipment, ReshipRequest, ReshipLine, ReshipEvent, Evidence, Notification)
    return {model.__name__: model.objects.count() for model in models}


# --- the list: search, filters, pages, queries -------------------------------------------------


def test_the_list_shows_the_sellers_orders_only(seller_client, shop):
    OrderFactory(platform_order_number="TB-OTHER-SHOP")

    response = seller_client.get(reverse("orders:list"))

    assert response.status_code == 200
    assert _listed(response) == ["TB2026050001"]
    assert "1 order found" in response.content.decode()


def test_search_by_the_start_of_the_platform_order_number(seller_client, shop):
    OrderFactory(seller=shop.seller, platform_order_number="JD88001", customer_name="李雷")

    assert _listed(seller_client.get(reverse("orders:list"), {"q": "TB20260500"})) == ["TB2026050001"]
    assert _listed(seller_client.get(reverse("orders:list"), {"q": "JD88001"})) == ["JD88001"]


def test_a_phone_number_from_outside_mainland_china_is_found_as_typed_or_without_spaces(seller_client, shop):
    OrderFactory(seller=shop.seller, platform_order_number="SH-CA-1", customer_phone="+1 604 555 0133")
    OrderFactory(seller=shop.seller, platform_order_number="SH-UK-1", customer_phone="+442079460958")

    assert _listed(seller_client.get(reverse("orders:list"), {"q": "+1 604 555 0133"})) == ["SH-CA-1"]
    assert _listed(seller_client.get(reverse("orders:list"), {"q": "+1 604 555"})) == ["SH-CA-1"]
    assert _listed(seller_client.get(reverse("orders:list"), {"q": "+44 20 7946 0958"})) == ["SH-UK-1"]


def test_search_by_the_customer_name_only_when_the_search_has_no_digit(seller_client, shop):
    OrderFactory(seller=shop.seller, platform_order_number="TB-NAME-1", customer_name="欧阳娜娜")

    assert _listed(seller_client.get(reverse("orders:list"), {"q": "阳娜"})) == ["TB-NAME-1"]
    assert _listed(seller_client.get(reverse("orders:list"), {"q": "阳娜1"})) == []


def test_search_by_phone_typed_with_country_code_and_spaces(seller_client, shop):
    OrderFactory(
        seller=shop.seller,
        platform_order_number="TB2026050002",
        customer_phone="+86 138 0013 8000",
        placed_at=_at(2026, 5, 2),
    )
    OrderFactory(seller=shop.seller, platform_order_number="TB2026050003", customer_phone="13900139000")

    response = seller_client.get(reverse("orders:list"), {"q": "+86 138 0013 8000"})

    assert _listed(response) == ["TB2026050001", "TB2026050002"]
    assert _listed(seller_client.get(reverse("orders:list"), {"q": "138-0013-8000"})) == [
        "TB2026050001",
        "TB2026050002",
    ]


def test_search_by_tracking_number_as_pasted(seller_client, shop):
    OrderFactory(seller=shop.seller, platform_order_number="TB2026050009")

    response = seller_client.get(reverse("orders:list"), {"q": " sf1234567890 "})

    assert _listed(response) == ["TB2026050001"]


def test_search_by_part_of_the_customer_name(seller_client, shop):
    OrderFactory(seller=shop.seller, platform_order_number="TB2026050010", customer_name="李雷")

    assert _listed(seller_client.get(reverse("orders:list"), {"q": "小明"})) == ["TB2026050001"]


def test_filters_by_platform_partner_and_date_range(seller_client, shop):
    other_partner = PartnerFactory(name="Far Dropship")
    OrderFactory(seller=shop.seller, platform_order_number="JD1", platform=Platform.JD, placed_at=_at(2026, 5, 10))
    OrderFactory(seller=shop.seller, platform_order_number="TB3", partner=other_partner, placed_at=_at(2026, 4, 20))
    url = reverse("orders:list")

    assert _listed(seller_client.get(url, {"platform": "jd"})) == ["JD1"]
    assert _listed(seller_client.get(url, {"partner": other_partner.pk})) == ["TB3"]
    assert _listed(seller_client.get(url, {"placed_from": "2026-05-01", "placed_to": "2026-05-03"})) == ["TB2026050001"]
    # The end day counts whole, in the seller's time zone: an order at 23:30 on 3 May is in.
    OrderFactory(
        seller=shop.seller, platform_order_number="TB-LATE", placed_at=_at(2026, 5, 3, 23) + timedelta(minutes=30)
    )
    assert _listed(seller_client.get(url, {"placed_to": "2026-05-03", "placed_from": "2026-05-03"})) == [
        "TB-LATE",
        "TB2026050001",
    ]


def test_the_partner_filter_offers_only_the_sellers_partners(seller_client, shop):
    stranger = PartnerFactory(name="Somebody Else's Partner")

    response = seller_client.get(reverse("orders:list"), {"partner": stranger.pk})
    body = response.content.decode()

    assert "Swift Dropship" in body
    assert "Somebody Else&#x27;s Partner" not in body
    assert response.context["form"].errors["partner"] == [
        "Select a valid choice. That choice is not one of the available choices."
    ]
    assert _listed(response) == ["TB2026050001"]  # the refused filter is not applied


def test_an_end_date_before_the_start_is_shown_next_to_the_field(seller_client, shop):
    response = seller_client.get(reverse("orders:list"), {"placed_from": "2026-05-05", "placed_to": "2026-05-01"})

    assert response.context["form"].errors == {"placed_to": ["The end date is before the start date."]}
    assert 'value="2026-05-01"' in response.content.decode()  # what was typed is kept


def test_the_list_shows_50_orders_a_page(seller_client, shop):
    for day in range(50):
        OrderFactory(
            seller=shop.seller, platform_order_number=f"OLD{day:03d}", placed_at=_at(2026, 1, 1) + timedelta(days=day)
        )

    first = seller_client.get(reverse("orders:list"))
    second = seller_client.get(reverse("orders:list"), {"page": 2})

    assert len(first.context["orders"]) == 50
    assert _listed(first)[0] == "TB2026050001"
    assert _listed(second) == ["OLD000"]
    assert "51 orders found" in first.content.decode()
    assert 'href="?page=2"' in first.content.decode()
    assert "51 orders found" in second.content.decode()
    assert "Page 2 of 2" in second.content.decode()
    only = seller_client.get(reverse("orders:list"), {"q": "OLD000"})
    assert "1 order found" in only.content.decode()
    assert "Page 1 of" not in only.content.decode()  # one page: no page links


def _list_queries(client, params: dict) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("orders:list"), params)
    assert response.status_code == 200
    return [query["sql"] for query in queries.captured_queries]


@pytest.mark.parametrize("params", [{}, {"q": "TB", "platform": "taobao", "placed_from": "2026-01-01"}])
def test_the_list_runs_the_same_queries_for_1_and_50_orders(seller_client, shop, params):
    one = _list_queries(seller_client, params)
    for number in range(49):
        order = OrderFactory(seller=shop.seller, partner=shop.partner, platform_order_number=f"TB{number:05d}")
        ShipmentFactory(order=order)
    fifty = _list_queries(seller_client, params)

    assert len(_listed(seller_client.get(reverse("orders:list"), params))) == 50
    assert len(fifty) == len(one)
    # A first page holding every match needs no COUNT: 51 orders are asked for and 50 come.
    assert sum("COUNT(" in sql and 'FROM "orders_order"' in sql for sql in fifty) == 0
    OrderFactory(seller=shop.seller, partner=shop.partner, platform_order_number="TB99999")
    more = _list_queries(seller_client, params)
    # One more than a page: the paginator counts them, once.
    assert sum("COUNT(" in sql and 'FROM "orders_order"' in sql for sql in more) == 1
    assert len(more) == len(one) + 1


# --- the order's detail --------------------------------------------------------------------------


def test_the_detail_shows_lines_with_what_is_left_shipments_and_earlier_requests(seller_client, shop):
    earlier = _earlier_request(shop, sku_b_quantity=2)
    partner_user = PartnerMembershipFactory(partner=shop.partner).user
    workflow.reship_approve(
        request_id=earlier.pk, actor=partner_user, quote_goods="0", quote_shipping="12", cost_bearer="partner"
    )
    workflow.reship_ship(
        request_id=earlier.pk,
        actor=partner_user,
        items=[workflow.ShipItem(earlier.lines.get().pk)],
        carrier="YTO",
        tracking_number="YT5550001234567",
    )

    response = seller_client.get(reverse("orders:detail", args=[shop.order.pk]))
    body = response.content.decode()

    assert response.status_code == 200
    assert [(row["line"].product.sku_code, row["claimed"], row["left"]) for row in response.context["lines"]] == [
        ("SKU-A", 0, 2),
        ("SKU-B", 2, 1),
    ]
    assert "SF123456789012" in body
    assert "Original" in body
    assert "YT5550001234567" in body
    assert f"Reship for {earlier.number}" in body
    assert f'<a class="number" href="/requests/{earlier.pk}/">{earlier.number}</a>' in body
    assert "SKU-B × 2 · Resend · Shipped" in body
    assert reverse("orders:new-request", args=[shop.order.pk]) in body
    # The parcels link to the carrier's tracking page.
    sf_page = "https://www.sf-express.com/chn/sc/waybill/waybill-detail/SF123456789012"
    assert f'<a href="{sf_page}" rel="noopener noreferrer" target="_blank">SF123456789012</a>' in body


def test_the_detail_shows_the_ship_to_in_full_to_its_seller(seller_client, shop):
    Order.objects.filter(pk=shop.order.pk).update(
        status="shipped",
        ship_name="王小明",
        ship_phone="138 1234 1234",
        ship_province="上海市",
        ship_city="上海市",
        ship_district="浦东新区",
        ship_street="张江路 123 号 5 楼",
        ship_postcode="201203",
    )

    response = seller_client.get(reverse("orders:detail", args=[shop.order.pk]))
    body = response.content.decode()

    assert response.status_code == 200
    assert "王小明" in body
    assert "138 1234 1234" in body
    assert "上海市 上海市 浦东新区<br>张江路 123 号 5 楼 201203" in body
    assert "Masked" not in body


def test_the_detail_says_when_nothing_is_left_to_claim(seller_client, shop):
    workflow.reship_submit(
        actor=shop.user,
        order_id=shop.order.pk,
        reason="lost_in_transit",
        lines=[
            workflow.LineRequest(order_line_id=shop.line_a.pk, quantity=2, resolution="resend"),
            workflow.LineRequest(order_line_id=shop.line_b.pk, quantity=3, resolution="resend"),
        ],
    )

    body = seller_client.get(reverse("orders:detail", args=[shop.order.pk])).content.decode()

    assert "there is nothing left to claim" in body
    assert reverse("orders:new-request", args=[shop.order.pk]) not in body
    new_request = seller_client.get(reverse("orders:new-request", args=[shop.order.pk])).content.decode()
    assert "there is nothing left to claim" in new_request
    assert "Submit the reship request" not in new_request


# --- tenancy: another organisation's pages are a 404 --------------------------------------------


def test_another_sellers_order_and_request_are_404(seller_client, shop):
    other = SellerMembershipFactory().user
    order = OrderFactory(seller=other.seller_membership.seller)
    line = OrderLineFactory(order=order)
    theirs = workflow.reship_submit(
        actor=other,
        order_id=order.pk,
        reason="damaged",
        lines=[workflow.LineRequest(order_line_id=line.pk, quantity=1, resolution="resend")],
    )
    before = _row_counts()

    assert seller_client.get(reverse("orders:detail", args=[order.pk])).status_code == 404
    assert seller_client.get(reverse("orders:new-request", args=[order.pk])).status_code == 404
    posted = seller_client.post(
        reverse("orders:new-request", args=[order.pk]),
        {"reason": "damaged", f"line_{line.pk}_include": "on", f"line_{line.pk}_quantity": "1"},
    )
    assert posted.status_code == 404
    assert seller_client.get(reverse("orders:request-submitted", args=[theirs.pk])).status_code == 404
    assert seller_client.get(reverse("orders:detail", args=[999999])).status_code == 404
    assert _row_counts() == before


@pytest.mark.parametrize(
    "url",
    [
        lambda shop: reverse("orders:list"),
        lambda shop: reverse("orders:detail", args=[shop.order.pk]),
        lambda shop: reverse("orders:new-request", args=[shop.order.pk]),
        lambda shop: reverse("orders:find-by-tracking") + "?tracking=SF123456789012",
    ],
)
def test_a_partner_user_gets_404_even_for_an_order_it_fulfils(client, shop, url):
    client.force_login(PartnerMembershipFactory(partner=shop.partner).user)

    assert client.get(url(shop)).status_code == 404


def test_signed_out_visitors_are_sent_to_log_in(client, shop):
    response = client.get(reverse("orders:detail", args=[shop.order.pk]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- a new reship request ----------------------------------------------------------------------


def test_the_new_request_page_offers_each_line_with_what_is_left(seller_client, shop):
    shop.line_a.product.supplier = None
    shop.line_a.product.save(update_fields=["supplier"])
    _earlier_request(shop, sku_b_quantity=2)

    body = seller_client.get(reverse("orders:new-request", args=[shop.order.pk])).content.decode()

    line_b = _fieldset_of(body, "SKU-B")
    assert "Ordered 3 · claimed by earlier requests 2 · left to claim 1" in line_b
    quantity_input = re.search(r'<input type="number" name="line_\d+_quantity"[^>]*>', line_b).group()
    assert 'value="1"' in quantity_input
    assert 'min="1"' in quantity_input
    assert 'max="1"' in quantity_input
    assert "restock_resend" in line_b
    assert "restock_resend" not in _fieldset_of(body, "SKU-A")  # no source to restock from
    assert 'enctype="multipart/form-data"' in body
    assert 'name="csrfmiddlewaretoken"' in body


def test_submit_with_two_lines_and_two_photos(seller_client, shop):
    data = _submit_data(
        shop,
        **{
            f"line_{shop.line_b.pk}_include": "on",
            f"line_{shop.line_b.pk}_quantity": "1",
            f"line_{shop.line_b.pk}_reason": "wrong_item",
            f"line_{shop.line_b.pk}_resolution": "compensation",
        },
    )
    data["evidence"] = [SimpleUploadedFile("crushed.png", png_bytes()), SimpleUploadedFile("label.jpg", JPEG)]

    response = seller_client.post(reverse("orders:new-request", args=[shop.order.pk]), data)

    reship = ReshipRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("orders:request-submitted", args=[reship.pk])
    assert reship.number == f"RS-{timezone.localdate().year}-000001"
    assert (reship.reason, reship.description, reship.status, reship.created_by) == (
        "damaged",
        "The box arrived crushed.",
        "submitted",
        shop.user,
    )
    assert list(
        reship.lines.order_by("order_line__product__sku_code").values_list(
            "order_line__product__sku_code", "quantity", "reason", "resolution"
        )
    ) == [("SKU-A", 2, "damaged", "resend"), ("SKU-B", 1, "wrong_item", "compensation")]
    assert list(reship.evidence.order_by("id").values_list("original_name", "content_type", "uploaded_by")) == [
        ("crushed.png", "image/png", shop.user.pk),
        ("label.jpg", "image/jpeg", shop.user.pk),
    ]

    confirmation = seller_client.get(response["Location"])
    body = confirmation.content.decode()
    assert f"Request number: <strong>{reship.number}</strong>" in body
    assert f'href="/requests/{reship.pk}/"' in body
    assert "2 evidence photos attached." in body
    assert "Tea cup" in body
    assert "Teapot" in body
    assert "Compensation" in body


def test_a_quantity_above_what_is_left_is_shown_next_to_that_line_and_nothing_is_created(seller_client, shop):
    _earlier_request(shop, sku_b_quantity=2)
    before = _row_counts()
    data = _submit_data(
        shop,
        description="Two teapots broken.",
        **{f"line_{shop.line_b.pk}_include": "on", f"line_{shop.line_b.pk}_quantity": "3"},
    )

    response = seller_client.post(reverse("orders:new-request", args=[shop.order.pk]), data)
    body = response.content.decode()

    assert response.status_code == 400
    assert response.context["form"].errors == {
        f"line_{shop.line_b.pk}_quantity": ["SKU SKU-B has 1 left to claim; you asked for 3."]
    }
    assert "SKU SKU-B has 1 left to claim; you asked for 3." in _fieldset_of(body, "SKU-B")
    assert "left to claim; you asked" not in _fieldset_of(body, "SKU-A")
    # What was typed is kept.
    assert f'name="line_{shop.line_b.pk}_quantity" value="3"' in body
    assert f'name="line_{shop.line_a.pk}_quantity" value="2"' in body
    assert "Two teapots broken.</textarea>" in body
    assert '<option value="damaged" selected>' in body
    assert _row_counts() == before


def test_the_limit_message_is_in_the_users_language(seller_client, shop):
    _earlier_request(shop, sku_b_quantity=2)
    data = _submit_data(shop, **{f"line_{shop.line_b.pk}_include": "on", f"line_{shop.line_b.pk}_quantity": "3"})

    response = seller_client.post(
        reverse("orders:new-request", args=[shop.order.pk]), data, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )

    assert response.context["form"].errors[f"line_{shop.line_b.pk}_quantity"] == [
        "SKU SKU-B 剩余可申请数量为 1，您申请了 3。"
    ]


def test_a_program_renamed_jpg_is_refused_and_nothing_is_created(
    seller_client, shop, django_capture_on_commit_callbacks
):
    data = _submit_data(shop)
    data["evidence"] = [
        SimpleUploadedFile("fine.png", png_bytes()),
        SimpleUploadedFile("photo.jpg", EXE, content_type="image/jpeg"),
    ]
    before = _row_counts()

    with django_capture_on_commit_callbacks() as callbacks:
        response = seller_client.post(reverse("orders:new-request", args=[shop.order.pk]), data)

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "evidence": ["photo.jpg is not one of the accepted files: JPEG, PNG, GIF or WebP photos."]
    }
    # The good photo is kept for the corrected form, listed by name.
    assert [upload.name for upload in response.context["form"].kept_uploads("evidence")] == ["fine.png"]
    assert '<span class="kept-name">fine.png</span>' in response.content.decode()
    assert _row_counts() == before  # no request, line, event, evidence or notification
    assert callbacks == []  # and nothing queued for delivery


def test_an_oversized_or_empty_photo_is_refused_with_a_message(seller_client, shop, settings):
    settings.RESHIP_UPLOAD_MAX_BYTES = 1024
    url = reverse("orders:new-request", args=[shop.order.pk])

    big = seller_client.post(
        url, {**_submit_data(shop), "evidence": [SimpleUploadedFile("big.png", png_bytes() + b"\0" * 2048)]}
    )
    empty = seller_client.post(url, {**_submit_data(shop), "evidence": [SimpleUploadedFile("empty.png", b"")]})

    assert big.context["form"].errors == {"evidence": ["The file big.png is 2.1\xa0KB; the limit is 1.0\xa0KB."]}
    assert empty.context["form"].errors == {"evidence": ["The file empty.png is empty."]}
    assert ReshipRequest.objects.count() == 0


def test_no_line_chosen_is_refused_with_a_message(seller_client, shop):
    data = _submit_data(shop)
    del data[f"line_{shop.line_a.pk}_include"]

    response = seller_client.post(reverse("orders:new-request", args=[shop.order.pk]), data)

    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == [
        "Choose at least one line: tick “Include this line” and give a quantity."
    ]
    assert ReshipRequest.objects.count() == 0


def test_a_missing_reason_and_quantity_are_shown_next_to_their_fields(seller_client, shop):
    data = _submit_data(shop, reason="", **{f"line_{shop.line_a.pk}_quantity": ""})

    response = seller_client.post(reverse("orders:new-request", args=[shop.order.pk]), data)

    assert response.context["form"].errors == {
        "reason": ["This field is required."],
        f"line_{shop.line_a.pk}_quantity": ["Give a quantity for this line."],
    }


def test_a_post_without_the_csrf_token_is_refused(shop):
    client = Client(enforce_csrf_checks=True)
    client.force_login(shop.user)

    response = client.post(reverse("orders:new-request", args=[shop.order.pk]), _submit_data(shop))

    assert response.status_code == 403
    assert ReshipRequest.objects.count() == 0


# --- starting from a tracking number -------------------------------------------------------------


def test_find_by_tracking_opens_the_orders_new_request(seller_client, shop):
    response = seller_client.get(reverse("orders:find-by-tracking"), {"tracking": " sf123456789012 "})

    assert response.status_code == 302
    assert response["Location"] == reverse("orders:new-request", args=[shop.order.pk])


def test_find_by_tracking_says_when_nothing_matches_and_keeps_the_form(seller_client, shop):
    ShipmentFactory(tracking_number="ZT0000000001")  # another seller's parcel

    response = seller_client.get(reverse("orders:find-by-tracking"), {"tracking": "ZT0000000001"})
    body = response.content.decode()

    assert response.status_code == 200
    assert "None of your orders has a parcel with tracking number ZT0000000001." in body
    assert 'name="tracking" value="ZT0000000001"' in body


def test_find_by_tracking_without_a_number_shows_the_form(seller_client, shop):
    body = seller_client.get(reverse("orders:find-by-tracking")).content.decode()

    assert '<label for="id_tracking">Tracking number</label>' in body
    assert "None of your orders" not in body


# --- reading never writes --------------------------------------------------------------------


def test_get_requests_change_nothing(seller_client, shop):
    earlier = _earlier_request(shop, sku_b_quantity=1)
    before = _row_counts()

    for url in (
        reverse("orders:list") + "?q=TB",
        reverse("orders:detail", args=[shop.order.pk]),
        reverse("orders:new-request", args=[shop.order.pk]) + f"?reason=damaged&line_{shop.line_a.pk}_include=on",
        reverse("orders:find-by-tracking") + "?tracking=SF123456789012",
        reverse("orders:request-submitted", args=[earlier.pk]),
    ):
        assert seller_client.get(url).status_code in (200, 302)

    assert _row_counts() == before


def test_list_and_detail_refuse_post(seller_client, shop):
    assert seller_client.post(reverse("orders:list")).status_code == 405
    assert seller_client.post(reverse("orders:detail", args=[shop.order.pk])).status_code == 405


def test_dates_in_the_filter_are_calendar_days_in_the_active_time_zone(shop):
    from orders.selectors import order_list_for_seller

    assert list(order_list_for_seller(seller=shop.seller, placed_from=date(2026, 5, 4))) == []
    assert list(order_list_for_seller(seller=shop.seller, placed_from=date(2026, 5, 3))) == [shop.order]
