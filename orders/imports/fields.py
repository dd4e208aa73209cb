"""Reship's fields an order import fills, and the first guess of which column holds which.

A mapping is ``{field key: header text}``; headers are matched by their text (not position), so a
preset saved from one export fits the next export of the same platform whatever the column order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from orders import ship_to

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise


@dataclass(frozen=True)
class ImportField:
    key: str
    label: StrPromise
    required: bool
    per_order: bool  # the same on every row of an order (taken once) rather than one per line
    guesses: tuple[str, ...]  # header texts, compared without case, spaces or punctuation


ORDER_NUMBER = "order_number"
PLACED_AT = "placed_at"
CUSTOMER_NAME = "customer_name"
CUSTOMER_PHONE = "customer_phone"
CUSTOMER_EMAIL = "customer_email"
SHIPPING_ADDRESS = "shipping_address"  # the whole address in one column, split on import
SHIP_NAME = "ship_name"
SHIP_PHONE = "ship_phone"
SHIP_COUNTRY = "ship_country"
SHIP_PROVINCE = "ship_province"
SHIP_CITY = "ship_city"
SHIP_DISTRICT = "ship_district"
SHIP_STREET = "ship_street"
SHIP_POSTCODE = "ship_postcode"
# The import's field of each ship-to part (``orders.ship_to``'s short names).
SHIP_TO_KEYS = {
    "name": SHIP_NAME,
    "phone": SHIP_PHONE,
    "country": SHIP_COUNTRY,
    "province": SHIP_PROVINCE,
    "city": SHIP_CITY,
    "district": SHIP_DISTRICT,
    "street": SHIP_STREET,
    "postcode": SHIP_POSTCODE,
}
SKU_CODE = "sku_code"
QUANTITY = "quantity"
UNIT_PRICE = "unit_price"
AMOUNT = "amount"
PARTNER = "partner"
PLATFORM = "platform"
CARRIER = "carrier"
TRACKING_NUMBER = "tracking_number"

ORDER_FIELDS: tuple[ImportField, ...] = (
    ImportField(
        ORDER_NUMBER,
        _("Order number"),
        True,
        True,
        ("订单号", "订单编号", "平台订单号", "主订单编号", "订单id", "ordernumber", "orderno", "orderid", "order"),
    ),
    ImportField(
        PLACED_AT,
        _("Placed at"),
        True,
        True,
        (
            "下单时间",
            "订单创建时间",
            "创建时间",
            "付款时间",
            "支付时间",
            "订单时间",
            "placedat",
            "orderdate",
            "ordertime",
        ),
    ),
    ImportField(
        CUSTOMER_NAME,
        _("Customer name"),
        False,  # the recipient's when the sheet has only that (see ``missing_columns``)
        True,
        ("买家姓名", "买家", "客户姓名", "客户", "顾客", "customername", "customer", "buyer", "buyername", "name"),
    ),
    ImportField(
        CUSTOMER_PHONE,
        _("Customer phone"),
        False,
        True,
        ("买家电话", "买家手机", "客户电话", "客户手机", "customerphone", "buyerphone", "customermobile"),
    ),
    ImportField(
        CUSTOMER_EMAIL, _("Email"), False, True, ("邮箱", "电子邮件", "email", "emailaddress", "customeremail")
    ),
    # The ship-to (收货信息): separate columns, or one address column split by ``orders.imports.addresses``.
    ImportField(
        SHIP_NAME,
        ship_to.FIELDS["name"][2],
        False,  # the customer's when the sheet has no recipient column
        True,
        ("收货人", "收件人", "收货人姓名", "收件人姓名", "recipient", "recipientname", "shiptoname", "consignee"),
    ),
    ImportField(
        SHIP_PHONE,
        ship_to.FIELDS["phone"][2],
        False,
        True,
        (
            "手机",
            "手机号",
            "手机号码",
            "电话",
            "联系电话",
            "联系手机",
            "收货人手机",
            "收货人电话",
            "收件人电话",
            "收件人手机",
            "phone",
            "mobile",
            "phonenumber",
            "tel",
            "telephone",
            "recipientphone",
            "shiptophone",
        ),
    ),
    ImportField(
        SHIP_COUNTRY, ship_to.FIELDS["country"][2], False, True, ("国家", "国家地区", "country", "shiptocountry")
    ),
    ImportField(
        SHIP_PROVINCE,
        ship_to.FIELDS["province"][2],
        False,
        True,
        ("省", "省份", "收货省份", "province", "state", "provincestate", "stateprovince", "region"),
    ),
    ImportField(SHIP_CITY, ship_to.FIELDS["city"][2], False, True, ("市", "城市", "收货城市", "city", "town")),
    ImportField(
        SHIP_DISTRICT, ship_to.FIELDS["district"][2], False, True, ("区", "区县", "县区", "district", "county")
    ),
    ImportField(
        SHIP_STREET,
        ship_to.FIELDS["street"][2],
        False,
        True,
        ("详细地址", "街道地址", "街道", "street", "streetaddress", "addressline", "addressline1", "address1"),
    ),
    ImportField(
        SHIP_POSTCODE,
        ship_to.FIELDS["postcode"][2],
        False,
        True,
        ("邮编", "邮政编码", "postcode", "postalcode", "zip", "zipcode"),
    ),
    ImportField(
        SHIPPING_ADDRESS,
        _("Shipping address"),
        False,  # or the street and city columns (see ``missing_columns``)
        True,
        ("收货地址", "收件地址", "地址", "shippingaddress", "address", "deliveryaddress"),
    ),
    ImportField(
        SKU_CODE,
        _("SKU code"),
        True,
        False,
        ("商品编码", "商家编码", "sku编码", "sku", "货号", "商品编号", "skucode", "productcode", "itemcode"),
    ),
    ImportField(QUANTITY, _("Quantity"), True, False, ("数量", "购买数量", "商品数量", "件数", "quantity", "qty")),
    ImportField(UNIT_PRICE, _("Unit price"), True, False, ("单价", "商品单价", "价格", "unitprice", "price")),
    ImportField(
        AMOUNT,
        _("Order amount"),
        False,
        True,
        ("订单金额", "实付金额", "应付金额", "总金额", "orderamount", "amount", "total", "ordertotal"),
    ),
    ImportField(
        PARTNER,
        _("Dropship partner"),
        False,
        True,
        ("代发方", "代发", "代发商", "发货方", "dropshippartner", "partner", "fulfiller"),
    ),
    ImportField(
        PLATFORM, _("Sales platform"), False, True, ("平台", "销售平台", "店铺平台", "platform", "salesplatform")
    ),
    ImportField(
        CARRIER,
        _("Carrier"),
        False,
        False,
        ("快递公司", "物流公司", "快递", "承运商", "carrier", "courier", "shippingcompany"),
    ),
    ImportField(
        TRACKING_NUMBER,
        _("Tracking number"),
        False,
        False,
        ("快递单号", "运单号", "物流单号", "快递单号码", "trackingnumber", "trackingno", "tracking", "waybill"),
    ),
)
FIELDS_BY_KEY = {field.key: field for field in ORDER_FIELDS}


def field_label(key: str) -> str:
    """The field's name in the active language."""
    return str(FIELDS_BY_KEY[key].label)


def field_problem(key: str | None, message: str) -> str:
    """A problem as the preview and the refused-rows file write it: the field's name, then what is
    wrong with it ("SKU code: …" / "SKU 编码：…"); a problem of no one field is the message alone."""
    if not key:
        return message
    return translation.gettext("%(field)s: %(problem)s") % {"field": field_label(key), "problem": message}


def problems_joined(problems: list[str]) -> str:
    """Several problems of one row in one cell, separated as the language writes a list of clauses."""
    return translation.gettext("; ").join(problems)


_NOT_A_LETTER = re.compile(r"[\s\W_]+")


def header_key(header: str) -> str:
    """A header as compared with the guesses: no case, spaces or punctuation ("Order No." → "orderno")."""
    return _NOT_A_LETTER.sub("", header.casefold())


def guess_mapping(headers: list[str]) -> dict[str, str]:
    """The column each field most likely is: an exact name first, then a header containing a name
    (the longest name wins, so "收货人手机" is the phone, not the customer); each header used once."""
    keys = {header: header_key(header) for header in headers}
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for field in ORDER_FIELDS:
        for guess in (*_own_labels(field), *field.guesses):
            header = next((h for h in headers if keys[h] == guess and h not in used), None)
            if header is not None:
                mapping[field.key] = header
                used.add(header)
                break
    candidates = []
    for field in ORDER_FIELDS:
        if field.key in mapping:
            continue
        for guess in field.guesses:
            for header in headers:
                if _may_be_contained(guess) and guess in keys[header]:
                    candidates.append((len(guess), field.key, header))
    for _length, key, header in sorted(candidates, key=lambda item: -item[0]):
        if key not in mapping and header not in used:
            mapping[key] = header
            used.add(header)
    return {field.key: mapping[field.key] for field in ORDER_FIELDS if field.key in mapping}


def _own_labels(field: ImportField) -> list[str]:
    """The field's label in every language, so a sheet exported by Reship (``orders.exports`` uses
    these labels as headers) maps by itself, whatever the language it was exported in."""
    labels = []
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            labels.append(header_key(str(field.label)))
    return labels


def _may_be_contained(guess: str) -> bool:
    """Chinese headers grow prefixes ("收货人手机号码"); short English words are too common to find inside."""
    return len(guess) >= 8 or (len(guess) >= 2 and not guess.isascii())


def missing_columns(mapping: dict[str, str]) -> dict[str, StrPromise]:
    """Columns a mapping needs besides the required fields: someone to ship to (the customer or the
    recipient) and an address (one address column, or at least the street)."""
    missing: dict[str, StrPromise] = {}
    if CUSTOMER_NAME not in mapping and SHIP_NAME not in mapping:
        missing[CUSTOMER_NAME] = _("Choose the customer's column or the recipient's.")
    if SHIPPING_ADDRESS not in mapping and SHIP_STREET not in mapping:
        missing[SHIPPING_ADDRESS] = _("Choose the shipping address column, or the street address column.")
    return missing


def mapping_for_headers(mapping: dict[str, str], headers: list[str]) -> dict[str, str]:
    """The part of a saved mapping (a preset) that fits this file: known fields, existing headers."""
    present = set(headers)
    return {key: header for key, header in mapping.items() if key in FIELDS_BY_KEY and header in present}
