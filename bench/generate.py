"""The benchmark's data: a year of a platform's life, generated row by row and written for COPY.

What makes it look like real life rather than a grid of identical tenants:

- Size is skewed (Zipf-like): sellers' order volumes and partners' shares fall off as 1/rank, so
  the biggest seller and the biggest partner each have tens of thousands of requests at full scale
  while most have a few hundred. The biggest seller works mostly with the biggest partner.
- Orders grow over 400 days (twice as many a day at the end as at the start); a request is filed
  when a problem shows (a lost parcel after its transit time, a bad one after delivery), within
  the last 365 days. Every request walks the workflow's own path (``reship.lifecycle.TRANSITIONS``)
  with the durations people take, and stops where "now" falls, so every stage has requests, the
  stage clocks (due, escalation, reminded, escalated) are what the SLA check would have left, and
  late steps carry the OVERDUE events the deadline check writes. Some requests stall (never
  answered) and sit overdue for months, as they do.
- Rows are in the order production would have inserted them: orders by time placed, events,
  messages and notifications by time across all requests (not clustered per request), so an index
  lookup costs what it costs on a live table.
- Texts, names, addresses, phone numbers (in the several formats platforms export), carriers and
  tracking-number formats come from ``reship.dev.demo``'s catalogue of real-world shapes.
- Notifications: every happening is fanned out as ``reship.notifications.outbox`` would (inbox
  per member, email for members who chose it, the customer's email and SMS, the source's email);
  the newest ``scale.notifications`` rows are kept (older ones as if archived), mostly sent, inbox
  rows mostly read after a while, a few failed or waiting for a retry.

No field is filled because a query needs it and no shape is chosen to make a page fast.
"""

from __future__ import annotations

import bisect
import json
import math
import random
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings

from bench.pgload import NULL, Copier, TableFile, esc, ts
from bench.scales import Scale
from orders.carriers import carrier_resolve
from orders.choices import TrackingStatus
from orders.models import Carrier, Order, OrderLine, Product, Seller, SellerMembership, Shipment
from reship import lifecycle
from reship.accounts.models import User
from reship.choices import (
    CompensationMethod,
    CostPayer,
    Counterpart,
    EventKind,
    LineStatus,
    QuoteStatus,
    Reason,
    RequestStatus,
    Resolution,
    RestockStatus,
)
from reship.dev.demo import tables as demo
from reship.models import (
    AutoApprovalRule,
    CommunicationRecord,
    Notification,
    RequestMessage,
    RequestNumberSequence,
    ReshipEvent,
    ReshipLine,
    ReshipRequest,
    RestockOrder,
    SurveyResponse,
)
from suppliers.choices import Channel, PartnerMode, Region, SupplierKind
from suppliers.models import DropshipPartner, PartnerContact, PartnerMembership, Supplier

S = RequestStatus
HOUR = 3600.0
DAY = 86400.0
ORDER_HISTORY_DAYS = 400
REQUEST_HISTORY_DAYS = 365
LOCAL = ZoneInfo(settings.TIME_ZONE)
BENCH_PASSWORD = "reship-bench"  # noqa: S105 - the bench database's own throwaway logins
BENCH_SELLER_USERNAME = "bench.seller"
BENCH_PARTNER_USERNAME = "bench.partner"
BENCH_ADMIN_USERNAME = "bench.admin"

# The stage clock and who owes each step come from the one state machine (reship.lifecycle).
# Who hears of what (reship.notifications.outbox.WHO_IS_TOLD), by audience code.
WHO_IS_TOLD = {
    "request_submitted": ("partner",),
    "info_requested": ("seller",),
    "info_answered": ("partner",),
    "request_approved": ("seller",),
    "request_rejected": ("seller",),
    "request_cancelled": ("partner",),
    "quote_disputed": ("partner",),
    "quote_revised": ("seller",),
    "restock_ordered": ("supplier",),
    "restock_confirmed": ("partner",),
    "lines_shipped": ("seller", "customer"),
    "lines_compensated": ("seller", "customer"),
    "customer_message": ("customer",),
    "survey_invitation": ("customer",),
    "stage_escalated": ("seller", "admin"),
}
OVERSEAS_PLATFORMS = ("shopify", "amazon", "own_site")
DOMESTIC_PLATFORMS = ("taobao", "tmall", "jd", "pinduoduo", "douyin")
PRODUCT_NOUNS = [
    "陶瓷马克杯", "青花碗", "玻璃密封罐", "竹制收纳盒", "竹纤维砧板", "藤编脏衣篮", "木质衣架", "实木托盘",
    "华夫格浴巾", "水洗棉四件套", "记忆棉枕", "亚麻桌布", "珊瑚绒毛毯", "抱枕套", "保温壶", "香薰蜡烛",
    "硅藻土地垫", "伸缩浴帘杆", "露营灯", "头灯", "充电宝", "太阳能充电板", "登山背包", "日行包",
    "速开帐篷", "冲锋衣", "羽绒睡袋", "自充气睡垫", "防水收纳袋", "速干T恤", "天幕", "折叠椅",
    "登山杖", "钛合金套锅", "卡式炉", "保温水杯", "净水器", "登山袜", "蓝牙耳机", "手机壳", "数据线",
    "机械键盘", "鼠标垫", "台灯", "加湿器", "电热水壶", "空气炸锅", "榨汁杯", "瑜伽垫", "跳绳",
]  # fmt: skip
PRODUCT_VARIANTS = ["雾白", "墨黑", "燕麦色", "雾霾蓝", "樱花粉", "大号", "小号", "两只装", "三件套", "礼盒装",
                    "S", "M", "L", "XL", "350ml", "500ml", "1.5L", "Pro", "Lite", "2024款"]  # fmt: skip
SUPPLIER_CITIES = ["义乌", "景德镇", "安吉", "南通", "宁波", "深圳", "东莞", "佛山", "温州", "泉州", "苏州",
                   "潮州", "临沂", "青岛", "厦门", "杭州", "广州", "中山"]  # fmt: skip
SUPPLIER_WORDS = ["晨光", "华瓷", "竹韵", "明辉", "远峰", "光亮", "恒信", "顺达", "鼎盛", "嘉和", "宏图", "新锐",
                  "万象", "金源", "瑞丰", "博雅", "天成", "汇通"]  # fmt: skip
PARTNER_WORDS = ["速达", "云仓", "海桥", "优仓", "捷运", "通达", "极兔", "安达", "众邦", "万邑", "星链", "快仓"]
SELLER_WORDS = ["青木", "山野", "小鹿", "木子", "初见", "拾光", "北屿", "南栀", "禾下", "清风", "元气", "一方",
                "森屿", "鹿角", "半亩", "简约"]  # fmt: skip
SELLER_KINDS = ["家居旗舰店", "户外专营店", "生活馆", "数码官方店", "日用百货", "母婴店", "运动旗舰店"]
FAIL_ERRORS = [
    "SMTPServerDisconnected: Connection unexpectedly closed",
    "SMTPRecipientsRefused: {'x': (550, b'5.1.1 mailbox unavailable')}",
    "MessagingError: provider answered 503",
]


# The ship-to's columns of orders and requests (orders.ship_to), in the order the rows write them.
SHIP_TO_COLUMNS = (
    "ship_name ship_phone ship_phone_e164 ship_country ship_province ship_city ship_district ship_street ship_postcode"
)
BENCH_COUNTRIES = {"United States": "US", "United Kingdom": "GB", "Canada": "CA"}


def _phone_e164(phone: str, country: str) -> str:
    """The E.164 form of the bench's phones (all valid by construction), without phonenumbers' parse
    per row: a mainland mobile is +86 and its 11 digits; the others are written with their +code."""
    digits = "".join(char for char in phone if char.isdigit())
    if (country == "CN" and not phone.startswith("+")) or (digits.startswith("86") and len(digits) == 13):
        return "+86" + digits[-11:]
    return "+" + digits


def _status(delivered_at: float | None) -> str:
    return TrackingStatus.DELIVERED if delivered_at is not None else TrackingStatus.SHIPPED


def _parcel(carrier: Carrier, tracking: str) -> dict[str, str]:
    """What the workflow's SHIPPED event and shipped message keep of a parcel (``shipment_facts``)."""
    return {
        "carrier": carrier.name_en,
        "carrier_code": carrier.code,
        "carrier_name_zh": carrier.name_zh,
        "carrier_name_en": carrier.name_en,
        "tracking_number": tracking,
        "tracking_url": carrier.tracking_link(tracking),
    }


def _cumulative(weights: list[float]) -> list[float]:
    total, result = 0.0, []
    for weight in weights:
        total += weight
        result.append(total)
    return result


def _zipf(count: int, exponent: float = 1.0) -> list[float]:
    return [1.0 / (rank + 1) ** exponent for rank in range(count)]


class _Tracking:
    """Unique tracking numbers in each carrier's own format: a per-carrier counter passed through
    an affine bijection of the number space, so numbers look random and never repeat."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.counters: dict[str, int] = defaultdict(int)
        self.rows: dict[str, Carrier] = {}
        self.domestic = demo.DOMESTIC_CARRIERS
        self.overseas = demo.OVERSEAS_CARRIERS
        self.domestic_weights = _cumulative([40, 20, 15, 10, 15])
        self.overseas_weights = _cumulative([25, 20, 25, 30])

    def pick(self, overseas: bool) -> tuple[Carrier, str, tuple[int, int]]:
        """A carrier row of the table, a new number that fits its pattern, its days in transit."""
        carriers, weights = (
            (self.overseas, self.overseas_weights) if overseas else (self.domestic, self.domestic_weights)
        )
        name, pattern, transit = carriers[bisect.bisect(weights, self.rng.random() * weights[-1])]
        serial = self.counters[name]
        self.counters[name] = serial + 1
        if name not in self.rows:
            self.rows[name] = carrier_resolve(name)  # the demo's names are the table's (one query each)
        return self.rows[name], self._number(pattern, serial), transit

    @staticmethod
    def _number(pattern: str, serial: int) -> str:
        digits = pattern.count("#")
        letters = pattern.count("?")
        space = 10**digits
        value = (serial * 7_654_321 + 1_234_567) % space
        text = str(value).zfill(digits)
        if letters:
            alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
            code, mixed = serial * 48_271 % 36**letters, []
            for _ in range(letters):
                code, digit = divmod(code, 36)
                mixed.append(alphabet[digit])
            letters_text = "".join(mixed)
        result, digit_index, letter_index = [], 0, 0
        for char in pattern:
            if char == "#":
                result.append(text[digit_index])
                digit_index += 1
            elif char == "?":
                result.append(letters_text[letter_index])
                letter_index += 1
            else:
                result.append(char)
        return "".join(result)


@dataclass
class _OrderInfo:
    """What a request needs of its order."""

    order_id: int
    seller: int  # index
    partner: int  # index
    platform: str
    number: str
    currency: str
    overseas: bool
    language: str
    customer_name: str
    customer_email: str
    customer_phone: str
    delivered: bool
    lines: list[tuple[int, int, int, int]]  # order line id, product index, quantity, unit price (cents)
    request_at: float
    ship_to: str  # the order's ship-to columns, tab-separated and escaped (``SHIP_TO_COLUMNS``); requests copy it


@dataclass
class _Line:
    id: int
    order_line: int
    product: int
    quantity: int
    unit_price: int
    reason: str
    resolution: str
    status: str = LineStatus.PENDING
    compensation_method: str = ""
    compensation_cents: int | None = None
    shipment: int | None = None
    quality_note: str = ""
    resolved_at: float | None = None


class _Stop(Exception):
    """The next step would happen after now: the request rests where it is."""


@dataclass
class BenchIdentities:
    """What the runner needs to find again: the biggest seller and partner and their logins."""

    seller_id: int
    partner_id: int
    seller_user_id: int
    partner_user_id: int
    counts: dict[str, int] = field(default_factory=dict)
    requests_of_biggest_seller: int = 0
    requests_of_biggest_partner: int = 0


class Generator:
    def __init__(self, scale: Scale, directory: Path, copier: Copier, *, seed: int = 2026) -> None:
        self.scale = scale
        self.directory = directory
        self.copier = copier
        self.rng = random.Random(seed)
        self.now = time.time()
        self.tracking = _Tracking(self.rng)
        self.timings: dict[str, float] = {}

    # --- helpers ----------------------------------------------------------------------------

    def _table(self, model, columns: str) -> TableFile:
        return TableFile(model, columns.split(), self.directory)

    def _done(self, *tables: TableFile) -> None:
        for table in tables:
            self.copier.submit(table)

    def _hours(self, low: float, high: float) -> float:
        """A duration between ``low`` and ``high`` hours, most of them near the short end: people
        usually act soon, and a long tail of them late."""
        return max(low + (high - low) * self.rng.random() ** 2, 1 / 60) * HOUR

    def _pick(self, cumulative: list[float]) -> int:
        return bisect.bisect(cumulative, self.rng.random() * cumulative[-1])

    @staticmethod
    def _money(cents: int | None) -> str:
        if cents is None:
            return NULL
        return f"{cents // 100}.{cents % 100:02d}"

    @staticmethod
    def _local_date(epoch: float) -> str:
        return datetime.fromtimestamp(epoch, LOCAL).date().isoformat()

    # --- organisations, people, catalogue ---------------------------------------------------

    def organisations(self) -> None:
        rng, scale, now = self.rng, self.scale, self.now
        created = ts(now - ORDER_HISTORY_DAYS * DAY - 30 * DAY)

        suppliers = self._table(
            Supplier,
            "id name kind region contact_name phone email im_handle restock_lead_days is_active notes "
            "created_at updated_at",
        )
        self.supplier_overseas: list[bool] = []
        self.supplier_lead_days: list[int] = []
        self.supplier_email: list[str] = []
        for index in range(scale.suppliers):
            overseas = rng.random() < 0.1
            kind = SupplierKind.MANUFACTURER if rng.random() < 0.45 else SupplierKind.SUPPLIER
            if overseas:
                trade = rng.choice(["Trading", "Supply", "Gear", "Goods"])
                name = f"{rng.choice(demo.EN_LAST_NAMES)} {trade} Co. #{index + 1}"
                contact = f"{rng.choice(demo.EN_FIRST_NAMES)} {rng.choice(demo.EN_LAST_NAMES)}"
                phone = f"+1 503 555 {rng.randint(100, 9999):04d}"
            else:
                city = rng.choice(SUPPLIER_CITIES)
                suffix = "厂" if kind == SupplierKind.MANUFACTURER else "商行"
                trade = rng.choice(["日用品", "家居", "户外用品", "电子", "纺织"])
                name = f"{city}市{rng.choice(SUPPLIER_WORDS)}{trade}{suffix} {index + 1:03d}"
                contact = rng.choice(demo.CN_SURNAMES)[0] + rng.choice(demo.CN_GIVEN_NAMES)[0]
                phone = f"+86 {rng.randint(510, 799)} {rng.randint(1000, 9999)} {rng.randint(1000, 9999)}"
            email = f"orders{index + 1}@source{index + 1}.example"
            lead = rng.choice([2, 3, 3, 4, 5, 5, 7, 10, 14])
            self.supplier_overseas.append(overseas)
            self.supplier_lead_days.append(lead)
            self.supplier_email.append(email)
            suppliers.add(
                f"{index + 1}\t{esc(name)}\t{kind}\t{'overseas' if overseas else 'domestic'}\t{contact}\t{phone}\t"
                f"{email}\twx:source{index + 1}\t{lead}\tt\t\t{created}\t{created}"
            )

        # Partners: size by rank; the biggest is a professional domestic warehouse.
        partners = self._table(
            DropshipPartner,
            "id name mode region phone email im_handle preferred_channel review_sla_hours fulfilment_sla_hours "
            "webhook_url webhook_secret is_active notes created_at updated_at",
        )
        partner_suppliers = self._table(DropshipPartner.suppliers.through, "id dropshippartner_id supplier_id")
        contacts = self._table(PartnerContact, "id partner_id name title phone email im_handle is_primary")
        self.partner_review_sla: list[int] = []
        self.partner_fulfil_sla: list[int] = []
        self.partner_suppliers: list[set[int]] = []
        self.partner_names: list[str] = []
        link_id = contact_id = 0
        supplier_weights = _cumulative(_zipf(scale.suppliers, 0.8))
        for index in range(scale.partners):
            mode = PartnerMode.PROFESSIONAL if index < 3 else rng.choice(list(PartnerMode))
            region = Region.OVERSEAS if mode == PartnerMode.OVERSEAS else Region.DOMESTIC
            word = PARTNER_WORDS[index % len(PARTNER_WORDS)]
            name = f"{word}{'海外仓' if mode == PartnerMode.OVERSEAS else '云仓'} {index + 1:02d}"
            review = rng.choice([12, 24, 24, 48]) if index else 24
            fulfil = rng.choice([48, 72, 72, 120]) if index else 72
            self.partner_review_sla.append(review)
            self.partner_fulfil_sla.append(fulfil)
            self.partner_names.append(name)
            partners.add(
                f"{index + 1}\t{esc(name)}\t{mode}\t{region}\t+86 571 {8600 + index} {rng.randint(1000, 9999)}\t"
                f"aftersales@partner{index + 1}.example\twx:partner{index + 1}\t"
                f"{rng.choice([Channel.EMAIL, Channel.IM, Channel.PHONE])}\t{review}\t{fulfil}\t\t\tt\t\t"
                f"{created}\t{created}"
            )
            bought: set[int] = set()
            for _ in range(rng.randint(15, 40) if scale.suppliers > 40 else rng.randint(3, 10)):
                bought.add(self._pick(supplier_weights))
            self.partner_suppliers.append(bought)
            for supplier in sorted(bought):
                link_id += 1
                partner_suppliers.add(f"{link_id}\t{index + 1}\t{supplier + 1}")
            for number in range(rng.randint(1, 3)):
                contact_id += 1
                person = rng.choice(demo.CN_SURNAMES)[0] + rng.choice(demo.CN_GIVEN_NAMES)[0]
                contacts.add(
                    f"{contact_id}\t{index + 1}\t{person}\t{rng.choice(['仓库主管', '售后客服', '运营'])}\t"
                    f"+86 139 {rng.randint(1000, 9999)} {rng.randint(1000, 9999)}\t"
                    f"contact{contact_id}@partner{index + 1}.example\t"
                    f"\t{'t' if number == 0 else 'f'}"
                )

        # Sellers: volume by rank; each works with a primary partner and a few others.
        sellers = self._table(
            Seller, "id name contact_email contact_phone is_active created_at updated_at logo report_key"
        )
        self.seller_weights = _cumulative(_zipf(scale.sellers, 1.0))
        partner_rank = _cumulative(_zipf(scale.partners, 1.1))
        self.seller_partners: list[tuple[list[int], list[float]]] = []
        self.seller_overseas_share: list[float] = []
        self.seller_names: list[str] = []
        for index in range(scale.sellers):
            name = f"{SELLER_WORDS[index % len(SELLER_WORDS)]}{SELLER_KINDS[index % len(SELLER_KINDS)]} {index + 1:03d}"
            self.seller_names.append(name)
            sellers.add(
                f"{index + 1}\t{name}\tservice@seller{index + 1}.example\t+86 571 8826 {index:04d}\tt\t"
                f"{created}\t{created}\t\tshop{index + 1:04d}{rng.getrandbits(40):010x}"
            )
            chosen: list[int] = [0] if index == 0 else []
            while len(chosen) < rng.randint(2, 4):
                candidate = self._pick(partner_rank)
                if candidate not in chosen:
                    chosen.append(candidate)
            self.seller_partners.append((chosen, _cumulative([0.7, 0.2, 0.07, 0.03][: len(chosen)])))
            self.seller_overseas_share.append(rng.choice([0.0, 0.0, 0.05, 0.1, 0.3, 0.8]) if index else 0.1)

        # People: a few staff per organisation (more in big ones), a platform admin, the bench logins.
        users = self._table(
            User,
            "id password last_login is_superuser username first_name last_name is_staff is_active date_joined "
            "email language time_zone email_notifications",
        )
        seller_members = self._table(SellerMembership, "id user_id seller_id role created_at")
        partner_members = self._table(PartnerMembership, "id user_id partner_id role created_at")
        from django.contrib.auth.hashers import make_password

        password = esc(make_password(BENCH_PASSWORD))  # one hash for all: PBKDF2 per user would take minutes
        self.user_email: dict[int, tuple[str, bool, str]] = {}  # id -> (email, email_notifications, language)
        self.seller_users: list[list[int]] = []
        self.partner_users: list[list[int]] = []
        user_id = 0

        def user(username: str, first: str, last: str, *, superuser: bool = False, language: str = "zh-hans") -> int:
            nonlocal user_id
            user_id += 1
            email = f"{username}@staff.example"
            notify = superuser or rng.random() < 0.4
            zone = "America/Los_Angeles" if language == "en" else "Asia/Shanghai"
            users.add(
                f"{user_id}\t{password}\t\\N\t{'t' if superuser else 'f'}\t{username}\t{first}\t{last}\t"
                f"{'t' if superuser else 'f'}\tt\t{created}\t{email}\t{language}\t{zone}\t{'t' if notify else 'f'}"
            )
            self.user_email[user_id] = (email, notify, language)
            return user_id

        self.admin_user = user(BENCH_ADMIN_USERNAME, "Bench", "Admin", superuser=True)
        membership_id = 0
        for index in range(scale.sellers):
            count = 1 + min(5, int(6 * (1 / (index + 1)) ** 0.5)) if index else 6
            members = []
            for number in range(count):
                username = (
                    BENCH_SELLER_USERNAME if (index == 0 and number == 0) else f"seller{index + 1}.staff{number + 1}"
                )
                members.append(
                    user(username, rng.choice(demo.CN_GIVEN_NAMES)[0], rng.choice(demo.CN_SURNAMES)[0],
                         language="en" if rng.random() < 0.15 else "zh-hans")
                )  # fmt: skip
                membership_id += 1
                role = "manager" if number == 0 else "staff"
                seller_members.add(f"{membership_id}\t{members[-1]}\t{index + 1}\t{role}\t{created}")
            self.seller_users.append(members)
        membership_id = 0
        for index in range(scale.partners):
            count = 1 + min(5, int(6 * (1 / (index + 1)) ** 0.5)) if index else 6
            members = []
            for number in range(count):
                username = (
                    BENCH_PARTNER_USERNAME if (index == 0 and number == 0) else f"partner{index + 1}.staff{number + 1}"
                )
                members.append(user(username, rng.choice(demo.CN_GIVEN_NAMES)[0], rng.choice(demo.CN_SURNAMES)[0]))
                membership_id += 1
                role = "manager" if number == 0 else "staff"
                partner_members.add(f"{membership_id}\t{members[-1]}\t{index + 1}\t{role}\t{created}")
            self.partner_users.append(members)

        # Auto-approval rules: a third of the partners approve small damage claims at once. The
        # biggest partner's rule covers only small missing items.
        rules = self._table(
            AutoApprovalRule,
            "id partner_id name is_active reasons max_line_value cost_bearer quote_shipping promised_days created_at",
        )
        self.partner_rule: dict[int, tuple[str, int]] = {}  # partner -> (reason, max line value in cents)
        rule_id = 0
        for index in range(scale.partners):
            if index == 0:
                reason, limit = Reason.MISSING_ITEM, 2000
            elif rng.random() < 0.33:
                reason, limit = Reason.DAMAGED, 5000
            else:
                continue
            rule_id += 1
            self.partner_rule[index] = (reason, limit)
            rules.add(
                f"{rule_id}\t{index + 1}\t小额{'少件' if reason == Reason.MISSING_ITEM else '破损'}自动通过\tt\t"
                f'["{reason}"]\t{self._money(limit)}\tpartner\t10.00\t3\t{created}'
            )

        # Products: each seller's catalogue, sized by its volume, sourced from its partners' suppliers.
        products = self._table(Product, "id seller_id sku_code name supplier_id unit_cost currency is_active")
        total = max(scale.orders // 50, scale.sellers * 8)
        share_total = self.seller_weights[-1]
        self.product_cost: list[int] = [0]  # index = product id; cents
        self.product_supplier: list[int | None] = [None]
        self.product_price: list[int] = [0]
        self.product_sku: list[str] = [""]
        self.seller_catalogue: list[tuple[int, int, list[float]]] = []  # first id, count, popularity
        product_id = 0
        for index in range(scale.sellers):
            weight = 1 / (index + 1)
            count = max(8, round(total * weight / share_total))
            first = product_id + 1
            sources = sorted(set().union(*(self.partner_suppliers[p] for p in self.seller_partners[index][0])))
            for number in range(count):
                product_id += 1
                cost = rng.choice([800, 1250, 1500, 2200, 3000, 3800, 4500, 7000, 9600, 12000, 18000, 23000])
                supplier = rng.choice(sources) if sources and rng.random() < 0.9 else None
                self.product_cost.append(cost)
                self.product_price.append(cost * rng.choice([3, 3, 3, 4]) + rng.choice([0, 0, 900]))
                self.product_supplier.append(supplier)
                sku = f"S{index + 1:03d}-{number + 1:05d}"
                self.product_sku.append(sku)
                products.add(
                    f"{product_id}\t{index + 1}\t{sku}\t{rng.choice(PRODUCT_NOUNS)} {rng.choice(PRODUCT_VARIANTS)}\t"
                    f"{supplier + 1 if supplier is not None else NULL}\t{self._money(cost)}\tCNY\tt"
                )
            self.seller_catalogue.append((first, count, _cumulative(_zipf(count, 0.9))))
        self._done(suppliers, partners, partner_suppliers, contacts, sellers, users, seller_members, partner_members)
        self._done(rules, products)

    # --- orders, lines, original shipments ------------------------------------------------

    def _customer(self, overseas: bool) -> tuple[str, str, str, tuple[str, ...], str]:
        """(name, phone, email, address, language), phones in the formats platforms export; the address
        as (country, province, city, district, street, postcode)."""
        rng = self.rng
        if overseas:
            first, last = rng.choice(demo.EN_FIRST_NAMES), rng.choice(demo.EN_LAST_NAMES)
            city, region, country, pattern = rng.choice(demo.OVERSEAS_PLACES)
            phone = "".join(str(rng.randrange(10)) if char == "#" else char for char in pattern)
            street = f"{rng.randint(12, 9800)} {rng.choice(demo.EN_STREETS)}"
            region = "".join(str(rng.randrange(10)) if char == "#" else char for char in region)
            email = f"{first.lower()}.{last.lower()}{rng.randint(1, 999)}@{rng.choice(demo.EMAIL_DOMAINS)}"
            state, _space, postcode = region.partition(" ")
            if not (len(state) == 2 and state.isalpha()):  # "SE1 7PB": a postcode alone
                state, postcode = "", region
            address = (BENCH_COUNTRIES.get(country, "US"), state, city, "", street, postcode)
            return f"{first} {last}", phone, email, address, "en"
        (surname, surname_py), (given, given_py) = rng.choice(demo.CN_SURNAMES), rng.choice(demo.CN_GIVEN_NAMES)
        province, city, districts, streets = rng.choice(demo.CN_PLACES)
        street = (
            f"{rng.choice(streets)}{rng.randint(1, 999)}号{rng.choice(demo.CN_ESTATES)}{rng.randint(1, 30)}栋"
            f"{rng.randint(1, 32)}{rng.randint(1, 4):02d}室"
        )
        address = ("CN", province, city or province, rng.choice(districts), street, "")
        prefix, middle, end = rng.choice(demo.CN_MOBILE_PREFIXES), rng.randrange(10000), rng.randrange(10000)
        style = rng.random()
        if style < 0.45:
            phone = f"{prefix}{middle:04d}{end:04d}"
        elif style < 0.70:
            phone = f"+86 {prefix} {middle:04d} {end:04d}"
        elif style < 0.85:
            phone = f"+86{prefix}{middle:04d}{end:04d}"
        elif style < 0.95:
            phone = f"{prefix}-{middle:04d}-{end:04d}"
        else:
            phone = f"+86 {prefix}{middle:04d}{end:04d}"
        email = (
            f"{given_py}.{surname_py}{rng.randint(1, 999)}@{rng.choice(demo.EMAIL_DOMAINS)}"
            if rng.random() < 0.6
            else ""
        )
        return surname + given, phone, email, address, "zh-hans"

    def _order_number(self, platform: str, seller: int, serial: int, placed: float) -> str:
        rng = self.rng
        if platform in ("taobao", "tmall"):
            return str(10**18 + (seller * 10**7 + serial) * 1000 + rng.randrange(1000))
        if platform == "jd":
            return str(2 * 10**11 + (seller * 10**6 + serial) * 10 + rng.randrange(10))
        if platform == "pinduoduo":
            day = datetime.fromtimestamp(placed, LOCAL)
            return f"{day:%y%m%d}-{seller:03d}{serial:08d}{rng.randrange(10000):04d}"
        if platform == "douyin":
            return f"69{seller:03d}{serial:09d}{rng.randrange(100000):05d}"
        if platform == "amazon":
            tail = f"{serial // 10000:03d}{rng.randrange(10000):04d}"
            return f"11{rng.randint(1, 4)}-{seller:03d}{serial % 10000:04d}-{tail}"
        if platform == "shopify":
            return f"#S{seller:03d}-{1000 + serial}"
        return f"W{seller:03d}{datetime.fromtimestamp(placed, LOCAL):%Y%m%d}{serial:07d}"

    def orders(self) -> None:
        rng, scale, now = self.rng, self.scale, self.now
        orders = self._table(
            Order,
            "id seller_id platform platform_order_number customer_name customer_phone customer_email "
            f"{SHIP_TO_COLUMNS} customer_language partner_id amount currency placed_at status created_at updated_at",
        )
        lines = self._table(OrderLine, "id order_id product_id quantity unit_price")
        shipments = self._table(
            Shipment,
            "id order_id carrier_id tracking_number tracking_status shipped_at delivered_at reship_request_id "
            "created_at",
        )
        # Placed times: a business that doubles over the period, oldest first (ids follow time).
        span, growth = ORDER_HISTORY_DAYS * DAY, math.log(2) / (ORDER_HISTORY_DAYS * DAY)
        scale_factor = math.exp(growth * span) - 1
        placed_times = sorted(
            now - span + math.log(1 + rng.random() * scale_factor) / growth for _ in range(scale.orders)
        )
        placed_times = [min(moment, now - 60) for moment in placed_times]
        line_weights = _cumulative([30, 28, 18, 13, 7, 4])
        quantity_values, quantity_weights = [1, 2, 3, 5], _cumulative([75, 15, 7, 3])
        request_window = now - REQUEST_HISTORY_DAYS * DAY
        # Orders that will get a request: drawn a little generously, trimmed to the exact number later.
        want = min(1.0, 1.08 * scale.requests / (scale.orders * 0.88))
        serials = [0] * scale.sellers
        recent_customers: list[list[tuple]] = [[] for _ in range(scale.sellers)]
        self.request_orders: list[_OrderInfo] = []
        line_id = shipment_id = 0
        platforms_domestic = _cumulative([22, 28, 18, 12, 20])
        platforms_overseas = _cumulative([45, 40, 15])
        for index, placed in enumerate(placed_times):
            order_id = index + 1
            seller = self._pick(self.seller_weights)
            serials[seller] += 1
            overseas = rng.random() < self.seller_overseas_share[seller]
            if overseas:
                platform = OVERSEAS_PLATFORMS[self._pick(platforms_overseas)]
            else:
                platform = DOMESTIC_PLATFORMS[self._pick(platforms_domestic)]
            partner_choices, partner_weights = self.seller_partners[seller]
            partner = partner_choices[self._pick(partner_weights)]
            pool = recent_customers[seller]
            if pool and rng.random() < 0.15 and pool[-1][4] == ("en" if overseas else "zh-hans"):
                customer = rng.choice(pool)  # a repeat customer
            else:
                customer = self._customer(overseas)
                pool.append(customer)
                if len(pool) > 300:
                    pool.pop(0)
            name, phone, email, address, language = customer
            ship_to = "\t".join(esc(part) for part in (name, phone, _phone_e164(phone, address[0]), *address))
            number = self._order_number(platform, seller + 1, serials[seller], placed)
            first, count, popularity = self.seller_catalogue[seller]
            wanted = min(1 + self._pick(line_weights), count)
            picked: list[int] = []
            while len(picked) < wanted:
                product = first + self._pick(popularity)
                if product not in picked:
                    picked.append(product)
            currency = "USD" if overseas else "CNY"
            order_lines = []
            amount = 0
            for product in picked:
                line_id += 1
                quantity = quantity_values[self._pick(quantity_weights)]
                price = self.product_price[product]
                if overseas:
                    price = int(price / 7.2) // 100 * 100 + 99
                elif rng.random() < 0.3:
                    price = price * 9 // 10
                amount += price * quantity
                order_lines.append((line_id, product, quantity, price))
                lines.add(f"{line_id}\t{order_id}\t{product}\t{quantity}\t{self._money(price)}")
            # Shipping: the partner ships within hours; a few orders are cancelled or not shipped yet.
            status, updated = "pending", placed + 120
            delivered_at = None
            request_at = None
            if rng.random() < 0.005:
                status = "cancelled"
            else:
                shipped_at = placed + self._hours(3, 40)
                if shipped_at < now - 60:
                    carrier, tracking, transit = self.tracking.pick(overseas)
                    arrives = shipped_at + rng.uniform(*transit) * DAY
                    lost = rng.random() < 0.06
                    if not lost and arrives < now:
                        delivered_at, status = arrives, "delivered"
                    else:
                        status = "shipped"
                    updated = delivered_at or shipped_at
                    shipment_id += 1
                    shipments.add(
                        f"{shipment_id}\t{order_id}\t{carrier.pk}\t{tracking}\t{_status(delivered_at)}\t{ts(shipped_at)}\t"
                        f"{ts(delivered_at)}\t\\N\t{ts(shipped_at)}"
                    )
                    # When the customer complains: after delivery, or once a lost parcel is overdue.
                    ready = delivered_at + self._hours(1, 72) if delivered_at else shipped_at + (transit[1] + 2) * DAY
                    request_at = ready + rng.expovariate(1 / (2 * DAY))
            orders.add(
                f"{order_id}\t{seller + 1}\t{platform}\t{number}\t{esc(name)}\t{phone}\t{email}\t{ship_to}\t"
                f"{language}\t{partner + 1}\t{self._money(amount)}\t{currency}\t{ts(placed)}\t{status}\t"
                f"{ts(placed + 60)}\t{ts(updated)}"
            )
            if request_at is not None and request_window <= request_at < now - 60 and rng.random() < want:
                self.request_orders.append(
                    _OrderInfo(
                        order_id, seller, partner, platform, number, currency, overseas, language, name, email,
                        phone, delivered_at is not None, order_lines, request_at, ship_to,
                    )
                )  # fmt: skip
        self.original_shipments = shipment_id
        self.shipments_table = shipments
        self._done(orders, lines)

    # --- reship requests and everything that happened to them --------------------------------

    def requests(self) -> BenchIdentities:
        rng, scale = self.rng, self.scale
        chosen = self.request_orders
        if len(chosen) > scale.requests:
            chosen = rng.sample(chosen, scale.requests)
        chosen.sort(key=lambda info: info.request_at)
        del self.request_orders

        self.requests_table = self._table(
            ReshipRequest,
            "id number order_id seller_id partner_id reason description status stage_due_at quote_goods "
            "quote_shipping quote_compensation currency cost_bearer quote_status promised_date decision_note "
            "stage_started_at stage_escalate_at stage_reminded_at stage_escalated_at submitted_at reviewed_at "
            "resolved_at rating_speed rating_quality rating_cooperation platform_dispute bad_review close_note "
            f"follow_up_of_id created_by_id created_at updated_at closed_at {SHIP_TO_COLUMNS}",
        )
        self.lines_table = self._table(
            ReshipLine,
            "id request_id order_line_id quantity reason resolution status compensation_method compensation_paid_by "
            "compensation_amount substitute_product_id shipment_id quality_check_note resolved_at",
        )
        self.events: list[tuple] = []
        self.messages: list[tuple] = []
        self.communications: list[tuple] = []
        self.restocks: list[tuple] = []
        self.surveys: list[tuple] = []
        self.happenings: list[tuple] = []  # (time, request id, template, audiences, supplier, payload extra)
        self.reship_shipments: list[str] = []
        self.line_id = 0
        self.restock_id = 0
        self.shipment_id = self.original_shipments
        self.request_meta: dict[int, tuple] = {}
        sequences: dict[int, int] = defaultdict(int)
        per_seller: dict[int, int] = defaultdict(int)
        per_partner: dict[int, int] = defaultdict(int)
        for index, info in enumerate(chosen):
            request_id = index + 1
            year = datetime.fromtimestamp(info.request_at, LOCAL).year
            sequences[year] += 1
            self._request(request_id, f"RS-{year}-{sequences[year]:06d}", info)
            per_seller[info.seller] += 1
            per_partner[info.partner] += 1
        self._done(self.requests_table, self.lines_table)

        sequence_table = self._table(RequestNumberSequence, "year last_value")
        for year, value in sorted(sequences.items()):
            sequence_table.add(f"{year}\t{value}")
        self._done(sequence_table)
        for line in self.reship_shipments:
            self.shipments_table.add(line)
        self._done(self.shipments_table)
        self._side_rows()
        self._notifications()
        return BenchIdentities(
            seller_id=1,
            partner_id=1,
            seller_user_id=self.seller_users[0][0],
            partner_user_id=self.partner_users[0][0],
            requests_of_biggest_seller=per_seller[0],
            requests_of_biggest_partner=per_partner[0],
        )

    def _request(self, request_id: int, number: str, info: _OrderInfo) -> None:
        """Walk one request along the workflow until it ends or reaches now; write its row and lines."""
        rng, now = self.rng, self.now
        seller_user = rng.choice(self.seller_users[info.seller])
        partner_user = rng.choice(self.partner_users[info.partner])
        lang = 1 if info.language == "en" else 0
        names, weights = demo.REASONS_FOR_DELIVERED if info.delivered else demo.REASONS_FOR_UNDELIVERED
        reason = rng.choices(names, weights=weights)[0]
        whole = reason in (Reason.LOST_IN_TRANSIT, Reason.REFUSED_BY_CUSTOMER)
        order_lines = (
            info.lines if whole else rng.sample(info.lines, k=rng.choice([1, 1, 1, 2]) if len(info.lines) > 1 else 1)
        )
        partner_sources = self.partner_suppliers[info.partner]
        lines: list[_Line] = []
        for position, (order_line, product, quantity, price) in enumerate(order_lines):
            self.line_id += 1
            line_reason = reason
            if position and not whole and rng.random() < 0.2:
                line_reason = rng.choice([Reason.DAMAGED, Reason.MISSING_ITEM, Reason.QUALITY_DEFECT])
            resolution_weights = list(demo.RESOLUTION_WEIGHTS[line_reason])
            if self.product_supplier[product] not in partner_sources:
                resolution_weights[1] = 0
            resolution = rng.choices(list(Resolution), weights=resolution_weights)[0]
            line = _Line(
                self.line_id, order_line, product, quantity if whole else rng.randint(1, quantity), price,
                line_reason, resolution,
            )  # fmt: skip
            if resolution == Resolution.COMPENSATION:
                method = rng.choices(list(CompensationMethod), weights=[50, 30, 20])[0]
                share = 1 if method == CompensationMethod.REFUND else rng.choice([0.2, 0.3, 0.5])
                line.compensation_method = method
                line.compensation_cents = int(price * line.quantity * share)
            lines.append(line)
        product_names = ", ".join(self.product_sku[line.product] for line in lines)
        description = demo.DESCRIPTIONS[reason][lang].format(
            days=rng.randint(4, 9), product=product_names, quantity=lines[0].quantity
        )
        review_sla = self.partner_review_sla[info.partner] * HOUR
        fulfil_sla = self.partner_fulfil_sla[info.partner] * HOUR
        seller_sla = settings.RESHIP_SELLER_STAGE_HOURS * HOUR

        row: dict = {
            "status": "",
            "quote_status": QuoteStatus.NONE,
            "decision_note": "",
            "close_note": "",
            "cost_bearer": "",
        }
        clock: list = [None, None, None, None, None]  # started, due, escalates, reminded, escalated
        state = {"t": info.request_at, "stage": None}

        def announce(template: str, at: float, audiences=None, supplier=None, **extra) -> None:
            self.happenings.append(
                (at, request_id, template, audiences or WHO_IS_TOLD[template], supplier, row["status"], extra)
            )

        def overdue_until(moment: float) -> None:
            """The deadline check's reminder and escalation for the current stage, up to ``moment``."""
            started, due, escalates, reminded, escalated = clock
            if due is None:
                return
            owner = lifecycle.stage_owner(row["status"]).value
            if reminded is None and due < moment:
                at = due + rng.uniform(1, 300)
                if at < moment:
                    clock[3] = at
                    event(EventKind.OVERDUE, None, at=at, data={"level": "reminder", "owner": owner, "due_at": ts(due)})
                    announce("stage_reminder", at, audiences=(owner,))
            if escalated is None and escalates < moment:
                at = escalates + rng.uniform(1, 300)
                if at < moment:
                    clock[4] = at
                    event(
                        EventKind.OVERDUE, None, at=at, data={"level": "escalation", "owner": owner, "due_at": ts(due)}
                    )
                    announce("stage_escalated", at)

        def event(kind, actor, *, at, to=None, message="", data=None, from_status=None) -> None:
            source = row["status"] if from_status is None else from_status
            target = source if to is None else to
            self.events.append(
                (at, request_id, kind, actor, source, target, message,
                 json.dumps(data or {}, ensure_ascii=False, separators=(",", ":")))
            )  # fmt: skip

        def at_time(at: float) -> float:
            """Move the walk's clock to a step at ``at``; stop the walk if that is in the future."""
            if at >= now:
                raise _Stop
            overdue_until(at)
            state["t"] = at
            return at

        def step(hours_low: float, hours_high: float) -> float:
            return at_time(state["t"] + self._hours(hours_low, hours_high))

        def move(kind, actor, to, at, message="", data=None) -> None:
            event(kind, actor, at=at, to=to, message=message, data=data)
            old_stage = lifecycle.STEP_OF_STATUS.get(row["status"])
            row["status"] = to
            new_stage = lifecycle.STEP_OF_STATUS.get(to)
            if new_stage is None:
                clock[:] = [None, None, None, None, None]
            elif new_stage != old_stage:
                hours_of = {"review": review_sla, "fulfilment": fulfil_sla, "seller": seller_sla}
                sla = hours_of[lifecycle.STEP_BY_KEY[new_stage].sla]
                clock[:] = [at, at + sla, at + 2 * sla, None, None]

        def text(key: str, **values) -> str:
            return rng.choice(demo.TEXTS[key][lang]).format(**values)

        def cancel_open_lines() -> None:
            for line in lines:
                if line.status not in (LineStatus.SHIPPED, LineStatus.COMPENSATED):
                    line.status = LineStatus.CANCELLED

        # Where this request is heading: most are closed; some rejected or cancelled; a few stall.
        roll = rng.random()
        target = "closed" if roll < 0.80 else "rejected" if roll < 0.88 else "cancelled" if roll < 0.98 else "stall"
        stall_at = rng.choice([S.SUBMITTED, S.NEEDS_INFO, S.APPROVED, S.FULFILLING, S.INFO_UPDATE, S.CONTACTED])
        t0 = info.request_at
        try:
            move(EventKind.SUBMITTED, seller_user, S.SUBMITTED, t0, description,
                 {"lines": [{"order_line": ln.order_line, "sku": self.product_sku[ln.product],
                             "quantity": ln.quantity, "resolution": ln.resolution} for ln in lines]})  # fmt: skip
            row["submitted_at"] = t0
            rule = self.partner_rule.get(info.partner)
            auto = (
                rule is not None
                and all(line.reason == rule[0] for line in lines)
                and max(line.unit_price * line.quantity for line in lines) <= rule[1]
            )
            if auto:
                self._approve(row, lines, info, t0, None, move, announce, rng, auto=True)
            else:
                announce("request_submitted", t0)
                rounds = rng.choices([0, 1, 2, 3, 5], weights=[70, 22, 5, 2, 1])[0]
                for round_number in range(rounds):
                    at = step(0.3, max(0.5, self.partner_review_sla[info.partner] * 0.8))
                    question = text("info_question" if info.delivered else "info_question_undelivered")
                    self.messages.append((at, request_id, partner_user, "partner", question))
                    move(EventKind.INFO_REQUESTED, partner_user, S.NEEDS_INFO, at, question)
                    announce("info_requested", at, question=question)
                    if target == "stall" and stall_at == S.NEEDS_INFO:
                        raise _Stop
                    if target in ("rejected", "cancelled") and round_number == rounds - 1 and rng.random() < 0.3:
                        break  # the answer never came; decided below
                    at = step(0.5, 30)
                    if rng.random() < 0.4:
                        channel = rng.choice([Channel.PHONE, Channel.IM])
                        self.communications.append(
                            (at - 1200, request_id, seller_user, Counterpart.PARTNER, channel,
                             text("partner_phone" if channel == Channel.PHONE else "partner_im"))
                        )  # fmt: skip
                    answer = text("info_answer")
                    self.messages.append((at, request_id, seller_user, "seller", answer))
                    move(EventKind.INFO_ANSWERED, seller_user, S.SUBMITTED, at, answer)
                    announce("info_answered", at, answer=answer)
                if target == "stall" and stall_at == S.SUBMITTED:
                    raise _Stop
                if target == "rejected":
                    at = step(0.3, self.partner_review_sla[info.partner] * 1.3)
                    reason_text = text("reject")
                    row["reviewed_at"], row["decision_note"] = at, reason_text
                    cancel_open_lines()
                    move(EventKind.REJECTED, partner_user, S.REJECTED, at, reason_text)
                    announce("request_rejected", at, reason=reason_text)
                    raise _Stop
                if target == "cancelled" and rng.random() < 0.5:
                    at = step(1, 40)
                    cancel_open_lines()
                    move(EventKind.CANCELLED, seller_user, S.CANCELLED, at, text("cancel"))
                    announce("request_cancelled", at)
                    raise _Stop
                at = step(0.3, self.partner_review_sla[info.partner] * 1.3)
                self._approve(row, lines, info, at, partner_user, move, announce, rng, auto=False)
            # The price: accepted, or disputed (and revised) first.
            disputes = rng.choices([0, 1, 2], weights=[85, 12, 3])[0]
            for _ in range(disputes):
                at = step(0.2, 10)
                message = text("dispute")
                self.messages.append((at, request_id, seller_user, "seller", message))
                row["quote_status"] = QuoteStatus.DISPUTED
                event(EventKind.QUOTE_DISPUTED, seller_user, at=at, message=message)
                announce("quote_disputed", at, message=message)
                if target == "cancelled":
                    break
                at = step(0.5, 24)
                row["quote_shipping"] = max(0, row["quote_shipping"] - rng.choice([200, 500, 800]))
                row["quote_status"] = QuoteStatus.PENDING
                event(EventKind.QUOTE_REVISED, partner_user, at=at,
                      data={"quote_shipping": self._money(row["quote_shipping"])})  # fmt: skip
                announce("quote_revised", at)
            if target == "cancelled":
                at = step(1, 40)
                cancel_open_lines()
                move(EventKind.CANCELLED, seller_user, S.CANCELLED, at, text("cancel"))
                announce("request_cancelled", at)
                raise _Stop
            if rng.random() < 0.6:  # many sellers never accept explicitly; closing settles it
                at = step(0.2, 10)
                row["quote_status"] = QuoteStatus.ACCEPTED
                event(EventKind.QUOTE_ACCEPTED, seller_user, at=at)
            if target == "stall" and stall_at == S.APPROVED:
                raise _Stop
            self._fulfil(request_id, row, lines, info, partner_user, move, event, announce, at_time, state, rng,
                         stall=target == "stall" and stall_at == S.FULFILLING)  # fmt: skip
            if target == "stall" and stall_at == S.INFO_UPDATE:
                raise _Stop
            at = step(0.5, 30)
            platform_name = demo.PLATFORM_NAMES.get(info.platform, ("", ""))[lang]
            move(
                EventKind.INFO_UPDATED,
                seller_user,
                S.CUSTOMER_CONTACT,
                at,
                text("info_updated", platform=platform_name),
            )
            at = step(0.5, 24)
            channel = (
                rng.choice([Channel.EMAIL, Channel.EMAIL, Channel.SITE_MESSAGE])
                if info.overseas
                else rng.choice([Channel.PHONE, Channel.IM, Channel.SMS, Channel.SITE_MESSAGE])
            )
            automatic = channel in (Channel.EMAIL, Channel.SMS) and rng.random() < 0.5
            message = "" if automatic else text("contact")
            self.communications.append(
                (at, request_id, seller_user, Counterpart.CUSTOMER, channel,
                 message or "Automatic update with carrier and tracking number.")
            )  # fmt: skip
            move(EventKind.CUSTOMER_CONTACTED, seller_user, S.CONTACTED, at, message,
                 {"channel": channel, "automatic": automatic})  # fmt: skip
            if automatic:
                announce("customer_message", at, audiences=("customer",), channel=channel)
            if target == "stall":
                raise _Stop
            at = step(2, 60)
            evaluation = {
                "rating_speed": rng.choices([5, 4, 3, 2, 1], weights=[40, 35, 15, 7, 3])[0],
                "rating_quality": rng.choices([5, 4, 3, 2, 1], weights=[45, 35, 12, 5, 3])[0],
                "rating_cooperation": rng.choices([5, 4, 3, 2, 1], weights=[50, 30, 12, 5, 3])[0],
                "platform_dispute": rng.random() < 0.08,
                "bad_review": rng.random() < 0.06,
            }
            note = text("close")
            if row["quote_status"] == QuoteStatus.PENDING:
                row["quote_status"] = QuoteStatus.ACCEPTED
            row.update(evaluation, close_note=note, closed_at=at)
            move(EventKind.CLOSED, seller_user, S.CLOSED, at, note, evaluation)
            announce("survey_invitation", at)
            if rng.random() < 0.3:  # about a third of customers answer the survey
                at = state["t"] + self._hours(2, 72)
                if at < now:
                    rating = rng.choices([5, 4, 3, 2, 1], weights=[45, 30, 12, 8, 5])[0]
                    comment = text("survey") if rng.random() < 0.7 else ""
                    self.surveys.append((request_id, rating, comment, at))
                    self.events.append((at, request_id, EventKind.NOTE, None, "", "", comment,
                                        json.dumps({"survey_rating": rating})))  # fmt: skip
                    state["t"] = at
        except _Stop:
            pass
        overdue_until(now)
        self._write_request(request_id, number, info, row, clock, lines, seller_user, state["t"], description, reason)

    def _approve(self, row, lines, info, at, actor, move, announce, rng, *, auto: bool) -> None:
        goods = sum(
            self.product_cost[line.product] * line.quantity
            for line in lines
            if line.resolution != Resolution.COMPENSATION
        )
        if info.currency == "USD":
            goods = int(goods / 7.2)
        shipping = 0
        if any(line.resolution != Resolution.COMPENSATION for line in lines):
            shipping = rng.randint(80, 160) * 100 if info.overseas else rng.randint(10, 25) * 100
            if info.currency == "USD":
                shipping = int(shipping / 7.2)
        bearers, weights = (
            demo.COST_BEARERS[lines[0].reason]
            if lines[0].reason in demo.COST_BEARERS
            else demo.COST_BEARERS[Reason.OTHER]
        )
        bearer = rng.choices(bearers, weights=weights)[0]
        restocking = any(line.resolution == Resolution.RESTOCK_RESEND for line in lines)
        lead = max((self.supplier_lead_days[self.product_supplier[line.product]] for line in lines
                    if self.product_supplier[line.product] is not None), default=0)  # fmt: skip
        promised = at + ((lead + 2 if restocking else 2) + (4 if info.overseas else 0)) * DAY
        row.update(
            reviewed_at=at, quote_goods=goods, quote_shipping=shipping, quote_compensation=0, cost_bearer=bearer,
            quote_status=QuoteStatus.PENDING, promised_date=self._local_date(promised),
        )  # fmt: skip
        data = {
            "quote_goods": self._money(goods),
            "quote_shipping": self._money(shipping),
            "cost_bearer": bearer,
            "promised_date": row["promised_date"],
        }
        if auto:
            data.update(rule=1, rule_name="小额自动通过")
        lang = 1 if info.language == "en" else 0
        note = "" if auto else rng.choice(demo.TEXTS["approve"][lang])
        move(EventKind.AUTO_APPROVED if auto else EventKind.APPROVED, actor, S.APPROVED, at, note, data)
        announce("request_approved", at, audiences=("seller", "partner") if auto else None, **data)

    def _fulfil(self, request_id, row, lines, info, partner_user, move, event, announce, at_time, state, rng, *, stall):
        """Each line's actions at its own pace; fulfilment ends when every line is resolved."""
        plan = []
        start = state["t"]
        for line in lines:
            at = start
            if line.resolution == Resolution.COMPENSATION:
                plan.append((at + self._hours(1, 20), "compensate", line))
                continue
            if line.resolution == Resolution.RESTOCK_RESEND:
                lead_hours = self.supplier_lead_days[self.product_supplier[line.product]] * 24
                at += self._hours(1, 10)
                plan.append((at, "restock", line))
                at += self._hours(lead_hours * 0.6, lead_hours * 1.3)
                plan.append((at, "confirm", line))
                at += rng.randint(0, 2) * DAY + self._hours(6, 30)
            else:
                at += self._hours(2, 36)
            plan.append((at, "ship", line))
        plan.sort(key=lambda item: item[0])
        if stall:
            plan = plan[: rng.randint(0, max(0, len(plan) - 1))]
        restock_of: dict[int, int] = {}
        for at, action, line in plan:
            at = at_time(max(at, state["t"] + 60))
            if action == "restock":
                self.restock_id += 1
                restock_of[line.id] = self.restock_id
                supplier = self.product_supplier[line.product]
                line.status = LineStatus.RESTOCKING
                self.restocks.append([self.restock_id, request_id, line.id, supplier, line.quantity, at, partner_user])
                move(
                    EventKind.RESTOCK_STARTED,
                    partner_user,
                    S.FULFILLING,
                    at,
                    data={"restock_orders": [self.restock_id]},
                )
                announce("restock_ordered", at, supplier=supplier)
            elif action == "confirm":
                line.status = LineStatus.RESTOCKED
                ship_date = self._local_date(at + rng.randint(0, 2) * DAY)
                restock = self.restocks[restock_of[line.id] - 1]
                restock.extend([at, ship_date])
                event(EventKind.RESTOCK_CONFIRMED, None, at=at,
                      data={"restock_order": restock_of[line.id], "ship_date": ship_date,
                            "by_source": True})  # fmt: skip
                announce("restock_confirmed", at, ship_date=ship_date)
            elif action == "compensate":
                line.status, line.resolved_at = LineStatus.COMPENSATED, at
                row["quote_compensation"] = row.get("quote_compensation", 0) + line.compensation_cents
                to = self._resolved(row, lines, at)
                move(EventKind.COMPENSATED, partner_user, to, at,
                     data={"method": line.compensation_method, "amount": self._money(line.compensation_cents),
                           "lines": [line.id], "changed_from_goods": []})  # fmt: skip
                announce("lines_compensated", at, method=line.compensation_method)
            else:
                carrier, tracking, transit = self.tracking.pick(info.overseas)
                self.shipment_id += 1
                line.status, line.resolved_at, line.shipment = LineStatus.SHIPPED, at, self.shipment_id
                if line.resolution == Resolution.RESTOCK_RESEND:
                    line.quality_note = (
                        "到货质检通过。" if info.language != "en" else "Passed the arrival quality check."
                    )
                arrives = at + rng.uniform(*transit) * DAY
                delivered = arrives if arrives < self.now else None
                self.reship_shipments.append(
                    f"{self.shipment_id}\t{info.order_id}\t{carrier.pk}\t{tracking}\t{_status(delivered)}\t"
                    f"{ts(at)}\t{ts(delivered)}\t{request_id}\t{ts(at)}"
                )
                to = self._resolved(row, lines, at)
                move(EventKind.SHIPPED, partner_user, to, at, line.quality_note,
                     {**_parcel(carrier, tracking), "shipment": self.shipment_id,
                      "lines": [{"sku": self.product_sku[line.product], "quantity": line.quantity}]})  # fmt: skip
                announce("lines_shipped", at, **_parcel(carrier, tracking))
        if any(line.status not in (LineStatus.SHIPPED, LineStatus.COMPENSATED) for line in lines):
            raise _Stop

    @staticmethod
    def _resolved(row, lines, at) -> str:
        if all(line.status in (LineStatus.SHIPPED, LineStatus.COMPENSATED) for line in lines):
            row["resolved_at"] = at
            return S.INFO_UPDATE
        return S.FULFILLING

    def _write_request(self, request_id, number, info, row, clock, lines, seller_user, last, description, reason):
        money = self._money
        status = row["status"]
        started, due, escalates, reminded, escalated = clock
        self.requests_table.add(
            "\t".join(
                (
                    str(request_id), number, str(info.order_id), str(info.seller + 1), str(info.partner + 1),
                    reason, esc(description), status, ts(due), money(row.get("quote_goods")),
                    money(row.get("quote_shipping")), money(row.get("quote_compensation")), info.currency,
                    row["cost_bearer"], row["quote_status"], row.get("promised_date") or NULL,
                    esc(row["decision_note"]), ts(started), ts(escalates), ts(reminded), ts(escalated),
                    ts(row.get("submitted_at")), ts(row.get("reviewed_at")), ts(row.get("resolved_at")),
                    str(row.get("rating_speed", NULL)), str(row.get("rating_quality", NULL)),
                    str(row.get("rating_cooperation", NULL)), "t" if row.get("platform_dispute") else "f",
                    "t" if row.get("bad_review") else "f", esc(row["close_note"]), NULL, str(seller_user),
                    ts(info.request_at), ts(max(last, clock[3] or 0, clock[4] or 0)), ts(row.get("closed_at")),
                    info.ship_to,
                )
            )
        )  # fmt: skip
        for line in lines:
            # The generated partner records every compensation (its COMPENSATED event's actor).
            paid_by = CostPayer.PARTNER.value if line.status == LineStatus.COMPENSATED else ""
            self.lines_table.add(
                f"{line.id}\t{request_id}\t{line.order_line}\t{line.quantity}\t{line.reason}\t{line.resolution}\t"
                f"{line.status}\t{line.compensation_method}\t{paid_by}\t"
                f"{money(line.compensation_cents)}\t\\N\t"
                f"{line.shipment if line.shipment else NULL}\t{esc(line.quality_note)}\t{ts(line.resolved_at)}"
            )
        self.request_meta[request_id] = (
            info.seller, info.partner, number, info.number, info.customer_email, info.customer_phone,
            info.language, info.customer_name,
        )  # fmt: skip

    # --- rows written in time order across requests ------------------------------------------

    def _side_rows(self) -> None:
        self.events.sort(key=lambda row: row[0])
        events = self._table(ReshipEvent, "id request_id actor_id kind from_status to_status message data created_at")
        for event_id, (at, request_id, kind, actor, source, target, message, data) in enumerate(self.events, 1):
            events.add(
                f"{event_id}\t{request_id}\t{actor if actor else NULL}\t{kind}\t{source}\t{target}\t{esc(message)}\t"
                f"{esc(data)}\t{ts(at)}"
            )
        self.event_count = len(self.events)
        del self.events
        self._done(events)

        messages = self._table(RequestMessage, "id request_id author_id author_role body attachment created_at")
        for message_id, (at, request_id, author, role, body) in enumerate(sorted(self.messages), 1):
            messages.add(f"{message_id}\t{request_id}\t{author}\t{role}\t{esc(body)}\t\t{ts(at)}")
        communications = self._table(
            CommunicationRecord,
            "id request_id counterpart channel direction summary recorded_by_id occurred_at created_at",
        )
        for record_id, (at, request_id, author, counterpart, channel, summary) in enumerate(
            sorted(self.communications), 1
        ):
            communications.add(
                f"{record_id}\t{request_id}\t{counterpart}\t{channel}\toutbound\t{esc(summary)}\t{author}\t"
                f"{ts(at)}\t{ts(at + 30)}"
            )
        restocks = self._table(
            RestockOrder,
            "id request_id line_id supplier_id quantity status note ship_date confirmed_at confirmed_by_id "
            "created_by_id created_at",
        )
        for restock in self.restocks:
            restock_id, request_id, line_id, supplier, quantity, at, actor = restock[:7]
            confirmed = restock[7] if len(restock) > 7 else None
            status = RestockStatus.CONFIRMED if confirmed else RestockStatus.ORDERED
            restocks.add(
                f"{restock_id}\t{request_id}\t{line_id}\t{supplier + 1}\t{quantity}\t{status}\t\t"
                f"{restock[8] if confirmed else NULL}\t{ts(confirmed)}\t\\N\t{actor}\t{ts(at)}"
            )
        surveys = self._table(SurveyResponse, "id request_id rating comment answered_at")
        for survey_id, (request_id, rating, comment, at) in enumerate(self.surveys, 1):
            surveys.add(f"{survey_id}\t{request_id}\t{rating}\t{esc(comment)}\t{ts(at)}")
        self.side_counts = {
            "messages": len(self.messages),
            "communications": len(self.communications),
            "restock orders": len(self.restocks),
            "surveys": len(self.surveys),
        }
        del self.messages, self.communications, self.restocks, self.surveys
        self._done(messages, communications, restocks, surveys)

    def _notifications(self) -> None:
        """Fan each happening out as the outbox does; keep the newest ``scale.notifications`` rows."""
        rng, now = self.rng, self.now
        self.happenings.sort(key=lambda item: item[0], reverse=True)
        rows: list[tuple] = []
        target = self.scale.notifications
        for at, request_id, template, audiences, supplier, status, extra in self.happenings:
            if len(rows) >= target:
                break
            seller, partner, number, order_number, email, phone, language, customer = self.request_meta[request_id]
            base = {
                "request_id": request_id,
                "request_number": number,
                "order_number": order_number,
                "seller": self.seller_names[seller],
                "partner": self.partner_names[partner],
                "status": status,
                **extra,
            }
            at = at + rng.uniform(0.001, 0.02)
            for audience in audiences:
                payload = json.dumps({**base, "audience": audience}, ensure_ascii=False, separators=(",", ":"))
                if audience in ("seller", "partner", "admin"):
                    members = (
                        self.seller_users[seller]
                        if audience == "seller"
                        else self.partner_users[partner]
                        if audience == "partner"
                        else [self.admin_user]
                    )
                    for member in members:
                        address, notify, member_language = self.user_email[member]
                        if audience != "admin":
                            rows.append((at, "inbox", template, member_language, member, "", request_id, payload))
                        if notify:
                            rows.append((at, "email", template, member_language, member, address, request_id, payload))
                elif audience == "customer":
                    if email:
                        rows.append((at, "email", template, language, None, email, request_id, payload))
                    if phone:
                        rows.append((at, "sms", template, language, None, phone, request_id, payload))
                elif audience == "supplier" and supplier is not None:
                    language = "en" if self.supplier_overseas[supplier] else "zh-hans"
                    rows.append(
                        (at, "email", template, language, None, self.supplier_email[supplier], request_id, payload)
                    )
        self.happening_count = len(self.happenings)
        del self.happenings
        rows = rows[:target]
        rows.reverse()  # oldest first: ids follow time, as the outbox wrote them
        table = self._table(
            Notification,
            "id channel template language recipient_user_id recipient_address request_id webhook_endpoint_id "
            "payload delivery_key status attempts last_error next_attempt_at sent_at read_at created_at",
        )
        for notification_id, (at, channel, template, language, user, address, request_id, payload) in enumerate(
            rows, 1
        ):
            roll = rng.random()
            sent_at = read_at = None
            attempts, error, next_attempt = 1, "", at
            if channel != "inbox" and roll < 0.003:
                status, attempts, error = "failed", 6, rng.choice(FAIL_ERRORS)
                next_attempt = at + 7 * HOUR
            elif channel != "inbox" and roll < 0.004 and at > now - 2 * HOUR:
                status, attempts, error = "pending", 2, rng.choice(FAIL_ERRORS)
                next_attempt = now + rng.uniform(60, 3600)
            else:
                status, sent_at = "sent", at + rng.uniform(0.05, 1.5)
            if channel == "inbox" and sent_at is not None:
                age = now - at
                if rng.random() < (0.9 if age > 3 * DAY else 0.4):
                    read_at = at + rng.uniform(60, min(age, 3 * DAY))
            table.add(
                f"{notification_id}\t{channel}\t{template}\t{language}\t{user if user else NULL}\t{esc(address)}\t"
                f"{request_id}\t\\N\t{esc(payload)}\t{uuid.UUID(int=rng.getrandbits(128), version=4)}\t{status}\t"
                f"{attempts}\t{esc(error)}\t{ts(next_attempt)}\t{ts(sent_at)}\t{ts(read_at)}\t{ts(at)}"
            )
        self.notification_count = len(rows)
        self.notifications_since = rows[0][0] if rows else now
        self._done(table)
