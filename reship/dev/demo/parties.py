"""The demo's organisations and people: eight sources, two dropship partners with their contacts,
two sellers, one staff user for each organisation and the platform admin (the README's demo logins).

Written directly: none of these is a workflow row. A user that exists already is kept with its
password (``DemoLogin.kept``), unless it works for another organisation (``DemoDataConflict``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.hashers import make_password

from orders.choices import Platform
from orders.models import Seller, SellerMembership
from reship.accounts.models import User
from reship.choices import CustomerChannels, CustomerEvent
from reship.models import CustomerMessageSetting
from suppliers.choices import Channel, MemberRole, PartnerMode, Region, SupplierKind
from suppliers.models import DropshipPartner, PartnerContact, PartnerMembership, Supplier

ADMIN_USERNAME = "admin"
ADMIN_PASSWORD = "reship-admin"
STAFF_PASSWORD = "reship-demo"

SOURCES: list[tuple[str, str, str, str, str, str, str, int]] = [
    # key, name, kind, region, contact, phone, email, lead days
    ("yiwu", "义乌市晨光日用品有限公司", SupplierKind.SUPPLIER, Region.DOMESTIC, "周海燕", "+86 579 8551 2360",
     "sales@chenguang-daily.example", 3),
    ("jingdezhen", "景德镇华瓷陶瓷厂", SupplierKind.MANUFACTURER, Region.DOMESTIC, "程国华", "+86 798 822 6615",
     "sales@huaci-ceramics.example", 7),
    ("anji", "安吉竹韵家居制品厂", SupplierKind.MANUFACTURER, Region.DOMESTIC, "潘立新", "+86 572 512 3088",
     "service@zhuyun-bamboo.example", 5),
    ("nantong", "南通叠石桥明辉家纺商行", SupplierKind.SUPPLIER, Region.DOMESTIC, "陆明辉", "+86 513 8661 0427",
     "minghui@nt-textile.example", 2),
    ("ningbo", "宁波海曙远峰户外用品有限公司", SupplierKind.MANUFACTURER, Region.DOMESTIC, "袁峰",
     "+86 574 8730 9152", "intl@yuanfeng-outdoor.example", 6),
    ("shenzhen", "深圳光亮照明科技有限公司", SupplierKind.MANUFACTURER, Region.DOMESTIC, "邹志强",
     "+86 755 2661 4470", "oem@guangliang-light.example", 4),
    ("pacific", "Pacific Trail Supply Co.", SupplierKind.SUPPLIER, Region.OVERSEAS, "Rachel Moore",
     "+1 503 555 0142", "trade@pacifictrail.example", 5),
    ("nordic", "Nordic Gear Manufacturing AB", SupplierKind.MANUFACTURER, Region.OVERSEAS, "Erik Lindqvist",
     "+46 31 555 0188", "b2b@nordicgear.example", 12),
]  # fmt: skip


@dataclass(frozen=True)
class StaffUser:
    username: str
    first_name: str
    last_name: str
    email: str
    language: str
    time_zone: str


@dataclass(frozen=True)
class PartnerSpec:
    key: str
    name: str
    mode: str
    region: str
    phone: str
    email: str
    im_handle: str
    preferred_channel: str
    review_sla_hours: int
    fulfilment_sla_hours: int
    sources: tuple[str, ...]  # the sources it buys from (restocks), by key
    contacts: tuple[tuple[str, str, str, str, str, bool], ...]  # name, title, phone, email, IM, primary
    user: StaffUser


@dataclass(frozen=True)
class SellerSpec:
    key: str
    name: str
    email: str
    phone: str
    sku_prefix: str
    share: int  # its weight among the orders
    platforms: dict[str, int]  # where it sells, by weight; its products are in ``catalogue.PRODUCTS``
    user: StaffUser


PARTNERS = [
    PartnerSpec(
        key="domestic",
        name="速达云仓 SwiftCloud Fulfilment",
        mode=PartnerMode.PROFESSIONAL,
        region=Region.DOMESTIC,
        phone="+86 571 8690 2200",
        email="aftersales@swiftcloud.example",
        im_handle="wx:swiftcloud_cs",
        preferred_channel=Channel.IM,
        review_sla_hours=12,
        fulfilment_sla_hours=48,
        sources=("yiwu", "jingdezhen", "anji", "nantong", "ningbo", "shenzhen"),
        contacts=(
            ("王建国", "仓库主管", "+86 139 5712 0031", "wang.jianguo@swiftcloud.example", "wx:wjg_swift", True),
            ("李婷", "售后客服", "+86 158 6803 1177", "li.ting@swiftcloud.example", "wx:liting_cs", False),
        ),
        user=StaffUser("partner1", "陈磊", "", "partner1@swiftcloud.example", "zh-hans", "Asia/Shanghai"),
    ),
    PartnerSpec(
        key="overseas",
        name="SeaBridge 海桥海外仓（Los Angeles）",
        mode=PartnerMode.OVERSEAS,
        region=Region.OVERSEAS,
        phone="+1 323 555 0190",
        email="claims@seabridge-3pl.example",
        im_handle="slack:seabridge-claims",
        preferred_channel=Channel.EMAIL,
        review_sla_hours=24,
        fulfilment_sla_hours=120,
        sources=("yiwu", "ningbo", "shenzhen", "pacific", "nordic"),
        contacts=(
            ("Emily Chen", "Operations Lead", "+1 323 555 0147", "emily.chen@seabridge-3pl.example", "", True),
            ("Carlos Ruiz", "Customer Service", "+1 323 555 0163", "carlos.ruiz@seabridge-3pl.example", "", False),
        ),
        user=StaffUser("partner2", "Daniel", "Park", "partner2@seabridge-3pl.example", "en", "America/Los_Angeles"),
    ),
]
SELLERS = [
    SellerSpec(
        key="qingmu",
        name="青木家居旗舰店",
        email="service@qingmu-home.example",
        phone="+86 571 8826 3300",
        sku_prefix="QM",
        share=55,
        platforms={
            Platform.TMALL: 28,
            Platform.TAOBAO: 22,
            Platform.JD: 18,
            Platform.PINDUODUO: 12,
            Platform.DOUYIN: 10,
            Platform.SHOPIFY: 10,
        },
        user=StaffUser("seller1", "林晓", "", "seller1@qingmu-home.example", "zh-hans", "Asia/Shanghai"),
    ),
    SellerSpec(
        key="lumen",
        name="Lumen Outdoor",
        email="hello@lumen-outdoor.example",
        phone="+86 755 8610 7720",
        sku_prefix="LO",
        share=45,
        platforms={
            Platform.TMALL: 20,
            Platform.JD: 15,
            Platform.DOUYIN: 15,
            Platform.SHOPIFY: 25,
            Platform.AMAZON: 20,
            Platform.OWN_SITE: 5,
        },
        user=StaffUser("seller2", "Jason", "Zhou", "seller2@lumen-outdoor.example", "en", "Asia/Shanghai"),
    ),
]
SELLER_NAMES = [seller.name for seller in SELLERS]
PARTNER_NAMES = [partner.name for partner in PARTNERS]
SOURCE_NAMES = [source[1] for source in SOURCES]


class DemoDataConflict(Exception):
    """A demo username already belongs to another organisation, so the demo cannot be loaded."""


@dataclass(frozen=True)
class DemoLogin:
    role: str
    username: str
    password: str
    url: str
    organisation: str = ""
    kept: bool = False  # the user existed before: its password was left alone


def demo_logins(*, kept: set[str] | frozenset[str] = frozenset()) -> list[DemoLogin]:
    # The served address (`make run` passes SITE_URL=http://HOST:PORT), so `make run PORT=8123` prints :8123.
    site_url = settings.SITE_URL.rstrip("/") + "/"
    admin_url = site_url + "admin/"
    logins = [DemoLogin("platform admin", ADMIN_USERNAME, ADMIN_PASSWORD, admin_url, kept=ADMIN_USERNAME in kept)]
    for seller in SELLERS:
        username = seller.user.username
        logins.append(DemoLogin("seller staff", username, STAFF_PASSWORD, site_url, seller.name, username in kept))
    for partner in PARTNERS:
        username = partner.user.username
        logins.append(DemoLogin("partner staff", username, STAFF_PASSWORD, site_url, partner.name, username in kept))
    return logins


@dataclass
class Parties:
    """What was created, by spec key; staff users by their organisation's id (as orders name it)."""

    sources: dict[str, Supplier] = field(default_factory=dict)
    partners: dict[str, DropshipPartner] = field(default_factory=dict)
    sellers: dict[str, Seller] = field(default_factory=dict)
    partner_users: dict[int, User] = field(default_factory=dict)
    seller_users: dict[int, User] = field(default_factory=dict)
    kept: set[str] = field(default_factory=set)  # usernames that existed before the load

    def partner_source_ids(self) -> dict[int, set[int]]:
        """The sources each partner buys from (by partner id): only these can restock its lines."""
        return {self.partners[spec.key].pk: {self.sources[key].pk for key in spec.sources} for spec in PARTNERS}


def parties_create() -> Parties:
    """Everyone, in the caller's transaction."""
    parties = Parties()
    _user_ensure(
        parties.kept,
        username=ADMIN_USERNAME,
        password_hash=make_password(ADMIN_PASSWORD),
        email="admin@reship.example",
        first_name="Admin",
        is_staff=True,
        is_superuser=True,
    )
    # Hashing is slow on purpose; the four staff users share one password, so it is hashed once.
    staff_password_hash = make_password(STAFF_PASSWORD)
    for key, name, kind, region, contact, phone, email, lead_days in SOURCES:
        parties.sources[key] = Supplier.objects.create(
            name=name,
            kind=kind,
            region=region,
            contact_name=contact,
            phone=phone,
            email=email,
            restock_lead_days=lead_days,
        )
    for partner_spec in PARTNERS:
        partner = _partner_create(partner_spec, parties.sources)
        user = _staff_user(parties.kept, partner_spec.user, staff_password_hash)
        PartnerMembership.objects.create(user=user, partner=partner, role=MemberRole.MANAGER)
        parties.partners[partner_spec.key] = partner
        parties.partner_users[partner.pk] = user
    for seller_spec in SELLERS:
        seller = Seller.objects.create(
            name=seller_spec.name, contact_email=seller_spec.email, contact_phone=seller_spec.phone
        )
        # The demo's shops tell customers of outcomes in the contact step (客户沟通), by hand, so
        # requests wait in every stage; the other customer messages go out as by default.
        CustomerMessageSetting.objects.bulk_create(
            CustomerMessageSetting(seller=seller, event=event, channels=CustomerChannels.OFF)
            for event in (CustomerEvent.LINES_SHIPPED, CustomerEvent.LINES_COMPENSATED)
        )
        user = _staff_user(parties.kept, seller_spec.user, staff_password_hash)
        SellerMembership.objects.create(user=user, seller=seller, role=MemberRole.MANAGER)
        parties.sellers[seller_spec.key] = seller
        parties.seller_users[seller.pk] = user
    return parties


def _partner_create(spec: PartnerSpec, sources: dict[str, Supplier]) -> DropshipPartner:
    partner = DropshipPartner.objects.create(
        name=spec.name,
        mode=spec.mode,
        region=spec.region,
        phone=spec.phone,
        email=spec.email,
        im_handle=spec.im_handle,
        preferred_channel=spec.preferred_channel,
        review_sla_hours=spec.review_sla_hours,
        fulfilment_sla_hours=spec.fulfilment_sla_hours,
    )
    partner.suppliers.set([sources[key] for key in spec.sources])
    PartnerContact.objects.bulk_create(
        PartnerContact(
            partner=partner, name=name, title=title, phone=phone, email=email, im_handle=im, is_primary=primary
        )
        for name, title, phone, email, im, primary in spec.contacts
    )
    return partner


def _user_ensure(kept: set[str], *, username: str, password_hash: str, **fields: object) -> User:
    """Create the demo user, or keep a same-named one as it is (its password is not ours to reset)."""
    user = User.objects.filter(username=username).first()
    if user is not None:
        kept.add(username)
        return user
    user = User(username=username, **fields)
    user.password = password_hash
    user.save()
    return user


def _staff_user(kept: set[str], spec: StaffUser, password_hash: str) -> User:
    user = _user_ensure(
        kept,
        username=spec.username,
        password_hash=password_hash,
        first_name=spec.first_name,
        last_name=spec.last_name,
        email=spec.email,
        language=spec.language,
        time_zone=spec.time_zone,
    )
    if spec.username in kept and (
        SellerMembership.objects.filter(user=user).exists() or PartnerMembership.objects.filter(user=user).exists()
    ):
        raise DemoDataConflict(
            f"User {spec.username!r} already works for another organisation; rename or delete it, then load again."
        )
    return user
