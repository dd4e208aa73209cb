"""One shipping-address cell (收货地址) split into the ship-to's parts, best effort.

Sheets from Chinese platforms write the whole address in one cell, province first:
"上海市浦东新区张江路123号" → province 上海市, city 上海市, district 浦东新区, street 张江路123号.
Overseas addresses come as lines or comma-separated parts, street first and country last:
"1 Main St, Seattle, WA 98101, USA" → street, city, state + postcode, country.

What cannot be recognised stays in the street, so nothing typed is lost; the parts are then checked
by ``orders.ship_to.clean`` like any other ship-to (a missing city is reported on the row).
"""

from __future__ import annotations

import re

from orders import ship_to

# Municipalities (直辖市): the province and the city are the same name.
_MUNICIPALITIES = ("北京", "上海", "天津", "重庆")
# Provinces and regions as written without their suffix ("广东广州市…").
_PROVINCES = {
    "河北": "河北省",
    "山西": "山西省",
    "辽宁": "辽宁省",
    "吉林": "吉林省",
    "黑龙江": "黑龙江省",
    "江苏": "江苏省",
    "浙江": "浙江省",
    "安徽": "安徽省",
    "福建": "福建省",
    "江西": "江西省",
    "山东": "山东省",
    "河南": "河南省",
    "湖北": "湖北省",
    "湖南": "湖南省",
    "广东": "广东省",
    "海南": "海南省",
    "四川": "四川省",
    "贵州": "贵州省",
    "云南": "云南省",
    "陕西": "陕西省",
    "甘肃": "甘肃省",
    "青海": "青海省",
    "内蒙古": "内蒙古自治区",
    "广西": "广西壮族自治区",
    "西藏": "西藏自治区",
    "宁夏": "宁夏回族自治区",
    "新疆": "新疆维吾尔自治区",
}
_SPECIAL_REGIONS = {"香港": "HK", "澳门": "MO", "台湾": "TW"}
_CJK = re.compile(r"[\u3400-\u9fff]")
_COUNTRY_PREFIX = re.compile(r"^(中华人民共和国|中国大陆|中国)\s*")
_PROVINCE = re.compile(r"^([\u3400-\u9fff]{2,10}?(?:省|自治区))")
_CITY = re.compile(r"^([\u3400-\u9fff]{1,10}?(?:市|自治州|地区|盟))")
# A district has no digits (the street's "123号小区" must not be read as one).
_DISTRICT = re.compile(r"^([\u3400-\u9fff]{1,8}?(?:新区|区|县|旗|市))")
_POSTCODE_CN = re.compile(r"\s*[(（]?(\d{6})[)）]?\s*$")
_STATE_POSTCODE = re.compile(r"^(?P<state>[^\d]+?)\s+(?P<postcode>[A-Za-z0-9][A-Za-z0-9 \-]{1,10})$")
_POSTCODE_CITY = re.compile(r"^(?P<postcode>\d{4,6})\s+(?P<city>\D.*)$")  # "10115 Berlin", "75001 Paris"
_POSTCODE_ALONE = re.compile(r"^(?=.*\d)[A-Za-z0-9][A-Za-z0-9 \-]{1,10}$")


def address_split(text: str) -> dict[str, str]:
    """The parts of one address cell, as ``orders.ship_to.clean``'s short keys (country, province,
    city, district, street, postcode); a part not found is left out."""
    text = (text or "").strip()
    if not text:
        return {}
    if _CJK.search(text):
        return _chinese(text)
    return _overseas(text)


def _chinese(text: str) -> dict[str, str]:
    rest = _COUNTRY_PREFIX.sub("", " ".join(text.split()))
    parts: dict[str, str] = {}
    postcode = _POSTCODE_CN.search(rest)
    if postcode:
        parts["postcode"] = postcode.group(1)
        rest = rest[: postcode.start()]
    for name, country in _SPECIAL_REGIONS.items():
        if rest.startswith(name):
            rest = re.sub(r"^(特别行政区|地区|省)", "", rest[len(name) :]).lstrip()
            parts.update(country=country, city=name)
            return {**parts, **_district_and_street(rest)}
    rest = _take_province(rest, parts)
    city = _CITY.match(rest.lstrip())
    if city:
        rest = rest.lstrip()[city.end() :]
        if city.group(1) != parts.get("city"):  # "上海市上海市…": the municipality written twice
            parts["city"] = city.group(1)
    if rest.lstrip().startswith("市辖区"):
        rest = rest.lstrip()[3:]
    return {**parts, **_district_and_street(rest)}


def _take_province(rest: str, parts: dict[str, str]) -> str:
    for name in _MUNICIPALITIES:
        if rest.startswith(name):
            rest = rest[len(name) :]
            rest = rest[1:] if rest.startswith("市") else rest
            parts["province"] = parts["city"] = name + "市"
            return rest
    province = _PROVINCE.match(rest)
    if province:
        parts["province"] = province.group(1)
        return rest[province.end() :]
    for short, name in _PROVINCES.items():
        if rest.startswith(short):
            parts["province"] = name
            return rest[len(short) :]
    return rest


def _district_and_street(rest: str) -> dict[str, str]:
    rest = rest.strip()
    parts: dict[str, str] = {}
    district = _DISTRICT.match(rest)
    if district and district.end() < len(rest):  # something must be left for the street
        parts["district"] = district.group(1)
        rest = rest[district.end() :].strip()
    if rest:
        parts["street"] = rest
    return parts


def _overseas(text: str) -> dict[str, str]:
    pieces = [piece.strip() for piece in re.split(r"[\n\r,;]+", text) if piece.strip()]
    parts: dict[str, str] = {}
    if len(pieces) > 1:
        country = ship_to.country_code(pieces[-1])
        if country:
            parts["country"] = country
            pieces.pop()
    if len(pieces) > 1:
        last = pieces[-1]
        state_postcode = _STATE_POSTCODE.match(last)
        if _POSTCODE_ALONE.match(last) and not state_postcode:
            parts["postcode"] = last.upper()
            pieces.pop()
        elif state_postcode and any(char.isdigit() for char in state_postcode.group("postcode")):
            parts["postcode"] = state_postcode.group("postcode").upper()
            parts["province"] = state_postcode.group("state").strip()
            pieces.pop()
    if len(pieces) > 1:
        city = pieces.pop()
        postcode_city = _POSTCODE_CITY.match(city)
        if postcode_city and "postcode" not in parts:
            parts["postcode"], city = postcode_city.group("postcode"), postcode_city.group("city")
        parts["city"] = city
    elif "province" in parts and "city" not in parts:
        parts["city"] = parts.pop("province")  # "London SW1A 2AA": the town before the postcode
    if pieces:
        parts["street"] = ", ".join(pieces)
    return parts
