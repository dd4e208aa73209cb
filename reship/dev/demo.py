"""Demo data for ``make run``: two sellers, two dropship partners, their sources, orders, and reship
requests in every stage, with the users of the README's demo logins table.

Deterministic (one ``random.Random(SEED)``), dated relative to now, and loaded once: the demo
sellers are the natural key, so a second run finds them and creates nothing. The management
command ``load_demo_data`` is a thin wrapper that prints what this module returns.

Request states are built in one place, ``demo_requests_create``. It writes the rows the
``reship.workflow`` functions would write, directly (its docstring says why and how to switch).
"""

from __future__ import annotations

import bisect
import random
import string
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from orders.choices import Currency, OrderStatus, Platform
from orders.models import Order, OrderLine, Product, Seller, SellerMembership, Shipment
from reship.accounts.models import User
from reship.choices import (
    RESOLVED_LINE_STATUSES,
    AuthorRole,
    CompensationMethod,
    CostBearer,
    Counterpart,
    Direction,
    EventKind,
    LineStatus,
    QuoteStatus,
    Reason,
    RequestStatus,
    Resolution,
    RestockStatus,
)
from reship.lifecycle import FINAL_STATUSES
from reship.lifecycle import STEP_OF_STATUS as STAGE_OF_STATUS
from reship.models import (
    CommunicationRecord,
    RequestMessage,
    ReshipEvent,
    ReshipLine,
    ReshipRequest,
    RestockOrder,
    SurveyResponse,
)
from reship.workflow.numbering import request_number_next
from suppliers.choices import Channel, MemberRole, PartnerMode, Region, SupplierKind
from suppliers.models import DropshipPartner, PartnerContact, PartnerMembership, Supplier

SEED = 2026
ORDER_COUNT = 300
ORDER_HISTORY_DAYS = 180
# How many requests end in each status; every status appears, most requests are done.
REQUEST_STATUS_PLAN: dict[str, int] = {
    RequestStatus.SUBMITTED: 16,
    RequestStatus.NEEDS_INFO: 7,
    RequestStatus.APPROVED: 10,
    RequestStatus.FULFILLING: 18,
    RequestStatus.INFO_UPDATE: 8,
    RequestStatus.CUSTOMER_CONTACT: 7,
    RequestStatus.CONTACTED: 12,
    RequestStatus.CLOSED: 54,
    RequestStatus.REJECTED: 8,
    RequestStatus.CANCELLED: 10,
}

ADMIN_USERNAME = "admin"
ADMIN_PASSWORD = "reship-admin"
STAFF_PASSWORD = "reship-demo"
# The address `make run` serves on (Makefile HOST/PORT defaults).
SITE_URL = "http://127.0.0.1:8000/"
ADMIN_URL = SITE_URL + "admin/"

OPEN_STATUSES = [status for status in REQUEST_STATUS_PLAN if status not in FINAL_STATUSES]

USD_PER_CNY = Decimal("7.20")  # a fixed demo rate: sources quote in CNY, overseas shops sell in USD
CENT = Decimal("0.01")
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


# --- Catalogue -------------------------------------------------------------------------------

SOURCES = [
    # key, name, kind, region, contact, phone, email, lead days
    ("yiwu", "义乌市晨光日用品有限公司", SupplierKind.SUPPLIER, Region.DOMESTIC, "周海燕", "+86 579 8551 2360",
     "sales@chenguang-daily.example", 3),
    ("jingdezhen", "景德镇华瓷陶瓷厂", SupplierKind.MANUFACTURER, Region.DOMESTIC, "程国华", "+86 798 822 6615",
     "order@huaci-ceramics.example", 7),
    ("anji", "安吉竹韵家居制品厂", SupplierKind.MANUFACTURER, Region.DOMESTIC, "潘立新", "+86 572 512 3088",
     "service@zhuyun-bamboo.example", 5),
    ("nantong", "南通叠石桥明辉家纺商行", SupplierKind.SUPPLIER, Region.DOMESTIC, "陆明辉", "+86 513 8661 0427",
     "minghui@nt-textile.example", 2),
    ("ningbo", "宁波海曙远峰户外用品有限公司", SupplierKind.MANUFACTURER, Region.DOMESTIC, "袁峰",
     "+86 574 8730 9152", "export@yuanfeng-outdoor.example", 6),
    ("shenzhen", "深圳光亮照明科技有限公司", SupplierKind.MANUFACTURER, Region.DOMESTIC, "邹志强",
     "+86 755 2661 4470", "oem@guangliang-light.example", 4),
    ("pacific", "Pacific Trail Supply Co.", SupplierKind.SUPPLIER, Region.OVERSEAS, "Rachel Moore",
     "+1 503 555 0142", "orders@pacifictrail.example", 5),
    ("nordic", "Nordic Gear Manufacturing AB", SupplierKind.MANUFACTURER, Region.OVERSEAS, "Erik Lindqvist",
     "+46 31 555 0188", "b2b@nordicgear.example", 12),
]  # fmt: skip

PARTNERS = [
    {
        "key": "domestic",
        "name": "速达云仓 SwiftCloud Fulfilment",
        "mode": PartnerMode.PROFESSIONAL,
        "region": Region.DOMESTIC,
        "phone": "+86 571 8690 2200",
        "email": "aftersales@swiftcloud.example",
        "im_handle": "wx:swiftcloud_cs",
        "preferred_channel": Channel.IM,
        "review_sla_hours": 12,
        "fulfilment_sla_hours": 48,
        "sources": ["yiwu", "jingdezhen", "anji", "nantong", "ningbo", "shenzhen"],
        "contacts": [
            ("王建国", "仓库主管", "+86 139 5712 0031", "wang.jianguo@swiftcloud.example", "wx:wjg_swift", True),
            ("李婷", "售后客服", "+86 158 6803 1177", "li.ting@swiftcloud.example", "wx:liting_cs", False),
        ],
        "user": ("partner1", "陈磊", "", "partner1@swiftcloud.example", "zh-hans", "Asia/Shanghai"),
    },
    {
        "key": "overseas",
        "name": "SeaBridge 海桥海外仓 (Los Angeles)",
        "mode": PartnerMode.OVERSEAS,
        "region": Region.OVERSEAS,
        "phone": "+1 323 555 0190",
        "email": "claims@seabridge-3pl.example",
        "im_handle": "slack:seabridge-claims",
        "preferred_channel": Channel.EMAIL,
        "review_sla_hours": 24,
        "fulfilment_sla_hours": 120,
        "sources": ["yiwu", "ningbo", "shenzhen", "pacific", "nordic"],
        "contacts": [
            ("Emily Chen", "Operations Lead", "+1 323 555 0147", "emily.chen@seabridge-3pl.example", "", True),
            ("Carlos Ruiz", "Customer Service", "+1 323 555 0163", "carlos.ruiz@seabridge-3pl.example", "", False),
        ],
        "user": ("partner2", "Daniel", "Park", "partner2@seabridge-3pl.example", "en", "America/Los_Angeles"),
    },
]

OVERSEAS_PLATFORMS = frozenset({Platform.SHOPIFY, Platform.AMAZON, Platform.OWN_SITE})

SELLERS = [
    {
        "key": "qingmu",
        "name": "青木家居旗舰店",
        "email": "service@qingmu-home.example",
        "phone": "+86 571 8826 3300",
        "sku_prefix": "QM",
        "share": 55,
        "platforms": {
            Platform.TMALL: 28,
            Platform.TAOBAO: 22,
            Platform.JD: 18,
            Platform.PINDUODUO: 12,
            Platform.DOUYIN: 10,
            Platform.SHOPIFY: 10,
        },
        "user": ("seller1", "林晓", "", "seller1@qingmu-home.example", "zh-hans", "Asia/Shanghai"),
        # name, source key, unit cost (CNY), list price (CNY)
        "products": [
            ("北欧陶瓷马克杯 350ml 雾白", "jingdezhen", "12.50", "39"),
            ("景德镇手绘青花碗 4 只装", "jingdezhen", "38.00", "129"),
            ("陶瓷餐盘 8 寸 4 只装", "jingdezhen", "30.00", "99"),
            ("玻璃密封罐 1.2L 两只装", "yiwu", "16.00", "49"),
            ("日式竹制收纳盒 三件套", "anji", "22.00", "69"),
            ("竹纤维砧板 大号", "anji", "18.00", "59"),
            ("藤编脏衣篮", "anji", "35.00", "109"),
            ("木质衣架 20 只装", "anji", "19.00", "59"),
            ("竹制蒸笼 两层 26cm", "anji", "26.00", "79"),
            ("实木托盘 胡桃色", "anji", "21.00", "69"),
            ("纯棉华夫格浴巾 70×140", "nantong", "24.00", "79"),
            ("水洗棉四件套 1.8m 床", "nantong", "96.00", "299"),
            ("记忆棉慢回弹枕", "nantong", "45.00", "139"),
            ("亚麻桌布 北欧格纹", "nantong", "28.00", "89"),
            ("珊瑚绒毛毯 150×200", "nantong", "32.00", "99"),
            ("棉麻抱枕套 45×45 两只装", "nantong", "14.00", "45"),
            ("不锈钢真空保温壶 1.5L", "yiwu", "42.00", "129"),
            ("香薰蜡烛礼盒 雪松", "yiwu", "20.00", "79"),
            ("硅藻土浴室地垫", "yiwu", "15.00", "45"),
            ("免打孔伸缩浴帘杆", "yiwu", "13.00", "39"),
        ],
    },
    {
        "key": "lumen",
        "name": "Lumen Outdoor",
        "email": "hello@lumen-outdoor.example",
        "phone": "+86 755 8610 7720",
        "sku_prefix": "LO",
        "share": 45,
        "platforms": {
            Platform.TMALL: 20,
            Platform.JD: 15,
            Platform.DOUYIN: 15,
            Platform.SHOPIFY: 25,
            Platform.AMAZON: 20,
            Platform.OWN_SITE: 5,
        },
        "user": ("seller2", "Jason", "Zhou", "seller2@lumen-outdoor.example", "en", "Asia/Shanghai"),
        "products": [
            ("Lumen 超轻露营灯 Camp Lantern 400lm", "shenzhen", "38.00", "129"),
            ("Lumen 头灯 Headlamp 300lm USB-C", "shenzhen", "22.00", "89"),
            ("户外电源 Power Bank 20000mAh", "shenzhen", "70.00", "229"),
            ("太阳能充电板 Solar Panel 21W", "shenzhen", "120.00", "399"),
            ("Trail 40L 登山背包 Hiking Backpack", "ningbo", "110.00", "399"),
            ("Trail 20L 轻量日行包 Daypack", "ningbo", "58.00", "199"),
            ("双人速开帐篷 2P Instant Tent", "ningbo", "180.00", "599"),
            ("防水冲锋衣 Rain Shell Jacket", "ningbo", "145.00", "499"),
            ("羽绒睡袋 Down Sleeping Bag 0°C", "ningbo", "230.00", "799"),
            ("自充气睡垫 Self-inflating Pad", "ningbo", "85.00", "279"),
            ("防水收纳袋 Dry Bag 10L", "ningbo", "15.00", "59"),
            ("速干T恤 Quick-dry Tee", "ningbo", "25.00", "99"),
            ("天幕 Tarp 3×3m", "ningbo", "88.00", "289"),
            ("铝合金折叠椅 Folding Camp Chair", "pacific", "65.00", "219"),
            ("碳纤维登山杖 Trekking Poles (pair)", "pacific", "72.00", "259"),
            ("钛合金套锅 Titanium Cook Set", "pacific", "95.00", "329"),
            ("卡式炉 Camping Stove", "pacific", "55.00", "189"),
            ("保温水杯 Insulated Bottle 750ml", "pacific", "28.00", "99"),
            ("便携净水器 Water Filter", "nordic", "48.00", "169"),
            ("美利奴登山袜 Merino Hiking Socks (3 pairs)", "nordic", "30.00", "109"),
        ],
    },
]

# name, tracking number pattern (# a digit, ? a letter or digit), days in transit
DOMESTIC_CARRIERS = [
    ("顺丰速运 SF Express", "SF#############", (1, 3)),
    ("中通快递 ZTO Express", "73############", (2, 4)),
    ("圆通速递 YTO Express", "YT#############", (2, 4)),
    ("韵达快递 Yunda Express", "43###########", (2, 5)),
    ("京东物流 JD Logistics", "JDVA###########", (1, 3)),
]
OVERSEAS_CARRIERS = [
    ("DHL Express", "##########", (3, 7)),
    ("FedEx", "############", (3, 8)),
    ("UPS", "1Z??????03########", (3, 8)),
    ("USPS", "9400##################", (4, 10)),
]

CN_SURNAMES = [
    ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"), ("黄", "huang"),
    ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"), ("徐", "xu"), ("孙", "sun"), ("马", "ma"), ("朱", "zhu"),
    ("胡", "hu"), ("郭", "guo"), ("何", "he"), ("林", "lin"), ("罗", "luo"), ("高", "gao"), ("郑", "zheng"),
    ("梁", "liang"), ("谢", "xie"), ("宋", "song"), ("唐", "tang"), ("许", "xu"), ("韩", "han"), ("邓", "deng"),
]  # fmt: skip
CN_GIVEN_NAMES = [
    ("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("秀英", "xiuying"), ("敏", "min"), ("静", "jing"), ("强", "qiang"),
    ("磊", "lei"), ("洋", "yang"), ("艳", "yan"), ("杰", "jie"), ("涛", "tao"), ("明", "ming"), ("超", "chao"),
    ("晓燕", "xiaoyan"), ("子涵", "zihan"), ("欣怡", "xinyi"), ("浩然", "haoran"), ("梓萱", "zixuan"),
    ("宇轩", "yuxuan"), ("思雨", "siyu"), ("一鸣", "yiming"), ("佳怡", "jiayi"), ("俊杰", "junjie"),
    ("雨桐", "yutong"), ("文博", "wenbo"), ("婷婷", "tingting"), ("志远", "zhiyuan"),
]  # fmt: skip
EN_FIRST_NAMES = [
    "Emma", "Olivia", "Liam", "Noah", "Ava", "Sophia", "James", "Lucas", "Mia", "Amelia", "Ethan", "Harper",
    "Benjamin", "Charlotte", "Henry", "Grace", "Jack", "Chloe", "Daniel", "Ella", "Oliver", "Lily", "Samuel", "Zoe",
]  # fmt: skip
EN_LAST_NAMES = [
    "Smith", "Johnson", "Brown", "Taylor", "Miller", "Wilson", "Moore", "Anderson", "Thomas", "Jackson", "White",
    "Harris", "Martin", "Thompson", "Garcia", "Martinez", "Robinson", "Clark", "Lewis", "Walker", "Young", "Allen",
    "King", "Wright", "Scott", "Green", "Baker", "Adams", "Nelson", "Hill",
]  # fmt: skip
CN_MOBILE_PREFIXES = ["130", "133", "135", "136", "138", "139", "150", "152", "158", "159", "166", "176",
                      "177", "180", "181", "186", "187", "188", "189", "199"]  # fmt: skip
EMAIL_DOMAINS = ["example.com", "example.net", "example.org"]  # reserved: demo mail can never reach anyone

CN_PLACES = [
    (
        "上海市",
        "",
        ["浦东新区", "徐汇区", "静安区", "杨浦区"],
        ["世纪大道", "张杨路", "漕溪北路", "南京西路", "四平路"],
    ),
    ("北京市", "", ["朝阳区", "海淀区", "东城区", "丰台区"], ["建国路", "中关村大街", "东直门内大街", "丰台北路"]),
    ("广东省", "广州市", ["天河区", "越秀区", "海珠区"], ["天河路", "中山五路", "江南大道中"]),
    ("广东省", "深圳市", ["南山区", "福田区", "龙岗区"], ["科技园南路", "深南大道", "龙岗大道"]),
    ("浙江省", "杭州市", ["西湖区", "滨江区", "余杭区"], ["文三路", "江南大道", "文一西路"]),
    ("江苏省", "南京市", ["鼓楼区", "玄武区", "建邺区"], ["中山北路", "北京东路", "江东中路"]),
    ("四川省", "成都市", ["武侯区", "锦江区", "高新区"], ["人民南路", "春熙路", "天府大道"]),
    ("湖北省", "武汉市", ["武昌区", "洪山区", "江汉区"], ["中南路", "珞喻路", "解放大道"]),
    ("陕西省", "西安市", ["雁塔区", "碑林区"], ["小寨东路", "南大街"]),
    ("福建省", "厦门市", ["思明区", "湖里区"], ["鹭江道", "嘉禾路"]),
]
CN_ESTATES = ["阳光花园", "锦绣家园", "华府公寓", "翠苑小区", "滨江花城", "万科城", "金地名京", "绿城桂花园"]
# city, region line, country, phone pattern (# a digit)
OVERSEAS_PLACES = [
    ("Seattle", "WA 981##", "United States", "+1 206 555 01##"),
    ("Austin", "TX 787##", "United States", "+1 512 555 01##"),
    ("San Jose", "CA 951##", "United States", "+1 408 555 01##"),
    ("Brooklyn", "NY 112##", "United States", "+1 718 555 01##"),
    ("Denver", "CO 802##", "United States", "+1 303 555 01##"),
    ("Portland", "OR 972##", "United States", "+1 503 555 01##"),
    ("London", "SE1 7PB", "United Kingdom", "+44 7700 900###"),
    ("Manchester", "M1 4BT", "United Kingdom", "+44 7700 900###"),
    ("Vancouver", "BC V5K 0A1", "Canada", "+1 604 555 01##"),
    ("Toronto", "ON M5V 2T6", "Canada", "+1 416 555 01##"),
]
EN_STREETS = ["Maple Avenue", "Oak Street", "Sunset Boulevard", "Pine Street", "Lakeview Drive", "Cedar Lane",
              "Harbor Road", "Elm Street", "Park Avenue", "Riverside Drive"]  # fmt: skip

PLATFORM_NAMES = {
    Platform.TAOBAO: ("淘宝", "Taobao"),
    Platform.TMALL: ("天猫", "Tmall"),
    Platform.JD: ("京东", "JD.com"),
    Platform.PINDUODUO: ("拼多多", "Pinduoduo"),
    Platform.DOUYIN: ("抖音", "Douyin"),
    Platform.SHOPIFY: ("Shopify", "Shopify"),
    Platform.AMAZON: ("亚马逊", "Amazon"),
    Platform.OWN_SITE: ("官网", "our web shop"),
}

# --- Texts the demo parties write, by language ("zh" / "en") -------------------------------

DESCRIPTIONS = {
    Reason.LOST_IN_TRANSIT: (
        "物流轨迹 {days} 天没有更新，客户一直未收到包裹，快递网点也查不到。",
        "Tracking has not moved for {days} days and the customer never received the parcel.",
    ),
    Reason.REFUSED_BY_CUSTOMER: (
        "客户因外包装破损当场拒收，包裹已退回仓库，客户要求重新发货。",
        "The customer refused the parcel because the box was crushed; it went back to the warehouse.",
    ),
    Reason.DAMAGED: (
        "客户收货时外箱破损，{product} 有裂痕/变形，已提供开箱照片。",
        "The box arrived crushed and the {product} is damaged; the customer sent unboxing photos.",
    ),
    Reason.WRONG_ITEM: (
        "发错货：客户下单 {product}，收到的是其他款式。",
        "Wrong item: the customer ordered {product} and received a different model.",
    ),
    Reason.MISSING_ITEM: (
        "包裹内少件：{product} 少了 {quantity} 件，面单重量与实物不符。",
        "Missing from the parcel: {quantity} × {product}; the label weight does not match.",
    ),
    Reason.QUALITY_DEFECT: (
        "{product} 使用几天后出现质量问题（开线/掉漆），客户要求更换。",
        "The {product} developed a defect within days (seams / coating); the customer wants a replacement.",
    ),
    Reason.OTHER: (
        "客户地址填写错误，包裹被退回，客户已提供新地址。",
        "The customer gave a wrong address, the parcel came back; the customer sent the correct one.",
    ),
}
TEXTS = {
    "info_question": (
        ["请补充开箱照片和快递面单照片。", "请提供破损处的细节照片，我们需要向快递索赔。",
         "请补充商品问题部位的照片或视频。"],
        ["Please add unboxing photos and a photo of the label.",
         "Please send close-up photos of the damage; we need them for the carrier claim.",
         "Please add a photo or video of the problem."],
    ),
    "info_question_undelivered": (
        ["请确认客户的收货地址和电话是否有变更。", "请让客户先到驿站/快递柜查一下，并提供快递网点的回复。"],
        ["Has the customer's address or phone number changed?",
         "Please ask the customer to check with neighbours and the local depot, and share the carrier's reply."],
    ),
    "info_answer": (
        ["照片已上传，客户确认地址无误。", "已补充面单和开箱视频截图。", "客户地址不变，照片见附件。"],
        ["Photos uploaded; the customer confirmed the address.", "Added the label and screenshots of the unboxing.",
         "Same address; photos attached."],
    ),
    "approve": (
        ["已核实，同意补单。", "同意补发，今天安排出库。", "情况属实，按报价处理。"],
        ["Checked and approved.", "Approved; it leaves the warehouse today.", "Confirmed; we go ahead as quoted."],
    ),
    "reject": (
        ["物流显示已签收且有签收照片，无法按丢件处理。", "已超过售后期限（签收后 30 天）。",
         "照片显示为使用不当造成的损坏，不在补发范围内。"],
        ["The carrier shows a signed delivery with a photo; we cannot treat it as lost.",
         "Past the 30-day after-sales window.", "The photos show damage from misuse, which we do not reship."],
    ),
    "cancel": (
        ["客户在快递柜找到包裹了，撤销补单。", "客户改为在平台申请退款，已处理。", "报价偏高，改为直接给客户退款。"],
        ["The customer found the parcel at a neighbour's; withdrawing.", "The customer took a refund on the platform.",
         "The quote is too high; we refund the customer ourselves instead."],
    ),
    "dispute": (
        ["运费报价偏高，按合同首重应更低，请核对。", "货品成本应按协议价计算。"],
        ["The shipping quote is above our contract rate; please check.",
         "Goods should be charged at the agreed price."],
    ),
    "info_updated": (
        ["已在{platform}后台更新补发物流单号。", "{platform}订单备注已更新，补发单号已同步。"],
        ["Updated the new tracking number on {platform}.", "Order note and tracking updated on {platform}."],
    ),
    "contact": (
        ["已告知客户补发单号及预计到达时间，客户表示理解。", "已联系客户说明处理结果，客户满意。"],
        ["Told the customer the new tracking number and the expected delivery date.",
         "Explained the outcome to the customer, who is happy with it."],
    ),
    "partner_phone": (
        ["与代发方电话沟通补充材料的要求。", "电话确认代发方需要哪些照片。"],
        ["Called the partner about what evidence they need.", "Phoned the partner to clarify the photos."],
    ),
    "partner_im": (
        ["微信确认需要补充的照片。", "在微信群里和代发方客服对齐了材料要求。"],
        ["Clarified the requested photos with the partner over chat.", "Agreed on the evidence in the chat group."],
    ),
    "close": (
        ["处理及时，客户已确认收货。", "补发顺利，客户好评。", "时效偏慢，客户有抱怨，下次注意。"],
        ["Handled quickly; the customer confirmed receipt.", "Smooth reship, good review.",
         "A bit slow; the customer complained."],
    ),
    "survey": (
        ["补发很快，谢谢！", "客服态度很好。", "等了比较久。", "东西收到了，没问题。"],
        ["Quick replacement, thanks!", "Friendly service.", "Took quite a while.", "Got it, all good."],
    ),
}  # fmt: skip

REASONS_FOR_UNDELIVERED = ([Reason.LOST_IN_TRANSIT, Reason.REFUSED_BY_CUSTOMER], [85, 15])
REASONS_FOR_DELIVERED = (
    [Reason.DAMAGED, Reason.WRONG_ITEM, Reason.MISSING_ITEM, Reason.QUALITY_DEFECT, Reason.OTHER],
    [35, 20, 20, 20, 5],
)
RESOLUTION_WEIGHTS = {  # resend, restock then resend, compensation
    Reason.LOST_IN_TRANSIT: (60, 20, 20),
    Reason.REFUSED_BY_CUSTOMER: (70, 0, 30),
    Reason.DAMAGED: (50, 25, 25),
    Reason.WRONG_ITEM: (70, 20, 10),
    Reason.MISSING_ITEM: (80, 0, 20),
    Reason.QUALITY_DEFECT: (20, 50, 30),
    Reason.OTHER: (40, 0, 60),
}
COST_BEARERS = {
    Reason.LOST_IN_TRANSIT: ([CostBearer.CARRIER, CostBearer.PARTNER, CostBearer.SHARED], [70, 20, 10]),
    Reason.REFUSED_BY_CUSTOMER: ([CostBearer.SELLER, CostBearer.CARRIER], [60, 40]),
    Reason.DAMAGED: ([CostBearer.CARRIER, CostBearer.PARTNER, CostBearer.SHARED], [50, 30, 20]),
    Reason.WRONG_ITEM: ([CostBearer.PARTNER], [1]),
    Reason.MISSING_ITEM: ([CostBearer.PARTNER, CostBearer.SUPPLIER], [70, 30]),
    Reason.QUALITY_DEFECT: ([CostBearer.SUPPLIER, CostBearer.SHARED], [80, 20]),
    Reason.OTHER: ([CostBearer.SELLER, CostBearer.SHARED], [70, 30]),
}


# --- Results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoLogin:
    role: str
    username: str
    password: str
    url: str
    organisation: str = ""
    kept: bool = False  # the user existed before: its password was left alone


@dataclass
class DemoResult:
    created: bool
    counts: dict[str, int]
    status_counts: dict[str, int]
    logins: list[DemoLogin]
    seconds: float = 0.0


class DemoDataConflict(Exception):
    """A demo username already belongs to another organisation, so the demo cannot be loaded."""


# --- Entry point -----------------------------------------------------------------------------


def demo_data_load(*, now: datetime | None = None) -> DemoResult:
    """Load everything once, in one transaction; when the demo sellers exist, change nothing."""
    started = time.monotonic()
    now = now or timezone.now()
    with transaction.atomic():
        if Seller.objects.filter(name__in=[seller["name"] for seller in SELLERS]).exists():
            return DemoResult(
                created=False, counts=demo_data_counts(), status_counts=_status_counts(), logins=demo_logins()
            )
        if (
            DropshipPartner.objects.filter(name__in=[partner["name"] for partner in PARTNERS]).exists()
            or Supplier.objects.filter(name__in=[source[1] for source in SOURCES]).exists()
        ):
            raise DemoDataConflict(
                "Demo partners or sources exist but the demo sellers do not (a partly deleted demo?); "
                "delete them in the admin, then load again."
            )
        rng = random.Random(SEED)
        kept_users: set[str] = set()
        _admin_create(kept_users)
        # Hashing is slow on purpose; the four staff users share one password, so it is hashed once.
        staff_password_hash = make_password(STAFF_PASSWORD)
        sources = _sources_create()
        partners, partner_users = _partners_create(sources, kept_users, staff_password_hash)
        sellers, seller_users = _sellers_create(kept_users, staff_password_hash)
        products = _products_create(sellers, sources)
        tracking = _TrackingNumbers(rng)
        orders = _orders_create(rng, now=now, sellers=sellers, partners=partners, products=products, tracking=tracking)
        demo_requests_create(
            rng,
            now=now,
            orders=orders,
            seller_users=seller_users,
            partner_users=partner_users,
            partner_source_ids={
                partner.pk: {sources[key].pk for key in spec["sources"]}
                for partner, spec in zip(partners.values(), PARTNERS, strict=True)
            },
            tracking=tracking,
        )
    return DemoResult(
        created=True,
        counts=demo_data_counts(),
        status_counts=_status_counts(),
        logins=demo_logins(kept=kept_users),
        seconds=time.monotonic() - started,
    )


def demo_data_counts() -> dict[str, int]:
    """What the demo sellers own and the demo partners and sources, in one small query each."""
    seller_names = [seller["name"] for seller in SELLERS]
    requests = ReshipRequest.objects.filter(seller__name__in=seller_names)
    return {
        "sellers": Seller.objects.filter(name__in=seller_names).count(),
        "partners": DropshipPartner.objects.filter(name__in=[partner["name"] for partner in PARTNERS]).count(),
        "partner_contacts": PartnerContact.objects.filter(
            partner__name__in=[partner["name"] for partner in PARTNERS]
        ).count(),
        "sources": Supplier.objects.filter(name__in=[source[1] for source in SOURCES]).count(),
        "products": Product.objects.filter(seller__name__in=seller_names).count(),
        "orders": Order.objects.filter(seller__name__in=seller_names).count(),
        "order_lines": OrderLine.objects.filter(order__seller__name__in=seller_names).count(),
        "original_shipments": Shipment.objects.filter(
            order__seller__name__in=seller_names, reship_request__isnull=True
        ).count(),
        "reship_requests": requests.count(),
        "reship_lines": ReshipLine.objects.filter(request__in=requests).count(),
        "reship_shipments": Shipment.objects.filter(reship_request__in=requests).count(),
        "restock_orders": RestockOrder.objects.filter(request__in=requests).count(),
        "events": ReshipEvent.objects.filter(request__in=requests).count(),
        "thread_messages": RequestMessage.objects.filter(request__in=requests).count(),
        "communication_records": CommunicationRecord.objects.filter(request__in=requests).count(),
        "survey_responses": SurveyResponse.objects.filter(request__in=requests).count(),
    }


def _status_counts() -> dict[str, int]:
    seller_names = [seller["name"] for seller in SELLERS]
    counts = Counter(
        ReshipRequest.objects.filter(seller__name__in=seller_names).values_list("status", flat=True).order_by()
    )
    return {status.value: counts.get(status.value, 0) for status in RequestStatus}


def demo_logins(*, kept: set[str] | frozenset[str] = frozenset()) -> list[DemoLogin]:
    logins = [DemoLogin("platform admin", ADMIN_USERNAME, ADMIN_PASSWORD, ADMIN_URL, kept=ADMIN_USERNAME in kept)]
    for seller in SELLERS:
        username = seller["user"][0]
        logins.append(DemoLogin("seller staff", username, STAFF_PASSWORD, SITE_URL, seller["name"], username in kept))
    for partner in PARTNERS:
        username = partner["user"][0]
        logins.append(DemoLogin("partner staff", username, STAFF_PASSWORD, SITE_URL, partner["name"], username in kept))
    return logins


# --- Organisations, users, catalogue ---------------------------------------------------------


def _insert(model, rows: list) -> list:
    """bulk_create, or row by row where the database cannot return the new ids (SQLite < 3.35)."""
    if connection.features.can_return_rows_from_bulk_insert:
        return model.objects.bulk_create(rows, batch_size=500)
    for row in rows:
        row.save(force_insert=True)
    return rows


def _user_ensure(kept: set[str], *, username: str, password_hash: str, **fields) -> User:
    """Create the demo user, or keep a same-named one as it is (its password is not ours to reset)."""
    user = User.objects.filter(username=username).first()
    if user is not None:
        kept.add(username)
        return user
    user = User(username=username, **fields)
    user.password = password_hash
    user.save()
    return user


def _admin_create(kept: set[str]) -> User:
    return _user_ensure(
        kept,
        username=ADMIN_USERNAME,
        password_hash=make_password(ADMIN_PASSWORD),
        email="admin@reship.example",
        first_name="Admin",
        is_staff=True,
        is_superuser=True,
    )


def _staff_user(kept: set[str], spec: tuple, password_hash: str) -> User:
    username, first_name, last_name, email, language, time_zone = spec
    user = _user_ensure(
        kept,
        username=username,
        password_hash=password_hash,
        first_name=first_name,
        last_name=last_name,
        email=email,
        language=language,
        time_zone=time_zone,
    )
    if username in kept and (
        SellerMembership.objects.filter(user=user).exists() or PartnerMembership.objects.filter(user=user).exists()
    ):
        raise DemoDataConflict(
            f"User {username!r} already works for another organisation; rename or delete it, then load again."
        )
    return user


def _sources_create() -> dict[str, Supplier]:
    sources = {}
    for key, name, kind, region, contact, phone, email, lead_days in SOURCES:
        sources[key] = Supplier.objects.create(
            name=name,
            kind=kind,
            region=region,
            contact_name=contact,
            phone=phone,
            email=email,
            restock_lead_days=lead_days,
        )
    return sources


def _partners_create(
    sources: dict[str, Supplier], kept: set[str], password_hash: str
) -> tuple[dict[str, DropshipPartner], dict[int, User]]:
    partners: dict[str, DropshipPartner] = {}
    users: dict[int, User] = {}
    for spec in PARTNERS:
        partner = DropshipPartner.objects.create(
            name=spec["name"],
            mode=spec["mode"],
            region=spec["region"],
            phone=spec["phone"],
            email=spec["email"],
            im_handle=spec["im_handle"],
            preferred_channel=spec["preferred_channel"],
            review_sla_hours=spec["review_sla_hours"],
            fulfilment_sla_hours=spec["fulfilment_sla_hours"],
        )
        partner.suppliers.set([sources[key] for key in spec["sources"]])
        PartnerContact.objects.bulk_create(
            PartnerContact(
                partner=partner, name=name, title=title, phone=phone, email=email, im_handle=im, is_primary=primary
            )
            for name, title, phone, email, im, primary in spec["contacts"]
        )
        user = _staff_user(kept, spec["user"], password_hash)
        PartnerMembership.objects.create(user=user, partner=partner, role=MemberRole.MANAGER)
        partners[spec["key"]] = partner
        users[partner.pk] = user
    return partners, users


def _sellers_create(kept: set[str], password_hash: str) -> tuple[dict[str, Seller], dict[int, User]]:
    sellers: dict[str, Seller] = {}
    users: dict[int, User] = {}
    for spec in SELLERS:
        seller = Seller.objects.create(name=spec["name"], contact_email=spec["email"], contact_phone=spec["phone"])
        user = _staff_user(kept, spec["user"], password_hash)
        SellerMembership.objects.create(user=user, seller=seller, role=MemberRole.MANAGER)
        sellers[spec["key"]] = seller
        users[seller.pk] = user
    return sellers, users


@dataclass
class _Catalogue:
    product: Product
    list_price: Decimal  # CNY


def _products_create(sellers: dict[str, Seller], sources: dict[str, Supplier]) -> dict[int, list[_Catalogue]]:
    rows, prices = [], []
    for spec in SELLERS:
        for index, (name, source_key, unit_cost, list_price) in enumerate(spec["products"], start=1):
            rows.append(
                Product(
                    seller=sellers[spec["key"]],
                    sku_code=f"{spec['sku_prefix']}-{index:04d}",
                    name=name,
                    supplier=sources[source_key],
                    unit_cost=Decimal(unit_cost),
                    currency=Currency.CNY,
                )
            )
            prices.append(Decimal(list_price))
    _insert(Product, rows)
    catalogue: dict[int, list[_Catalogue]] = {}
    for product, price in zip(rows, prices, strict=True):
        catalogue.setdefault(product.seller_id, []).append(_Catalogue(product, price))
    return catalogue


# --- Orders ----------------------------------------------------------------------------------


def _money(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def _in_currency(amount_cny: Decimal, currency: str) -> Decimal:
    return _money(amount_cny / USD_PER_CNY) if currency == Currency.USD else _money(amount_cny)


def _fill(rng: random.Random, pattern: str) -> str:
    """#: a digit, ?: an upper-case letter or digit; anything else is kept."""
    alphabet = string.ascii_uppercase + string.digits
    return "".join(
        rng.choice(string.digits) if char == "#" else rng.choice(alphabet) if char == "?" else char for char in pattern
    )


class _TrackingNumbers:
    """Carrier tracking numbers, unique across everything the demo creates."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[tuple[str, str]] = set()

    def pick(self, *, overseas: bool) -> tuple[str, str, tuple[int, int]]:
        carrier, pattern, transit_days = self.rng.choice(OVERSEAS_CARRIERS if overseas else DOMESTIC_CARRIERS)
        while True:
            number = _fill(self.rng, pattern)
            if (carrier, number) not in self.used:
                self.used.add((carrier, number))
                return carrier, number, transit_days


@dataclass
class _DemoOrder:
    """An order as the request builder needs it: its rows, and when a complaint becomes plausible."""

    order: Order
    lines: list[OrderLine]
    catalogue: list[_Catalogue]
    shipment: Shipment
    overseas: bool
    ready_at: datetime  # earliest moment a customer would report a problem

    @property
    def delivered(self) -> bool:
        return self.shipment.delivered_at is not None

    @property
    def language(self) -> int:  # index into the (zh, en) text pairs
        return 1 if self.overseas else 0


def _customer(rng: random.Random, *, overseas: bool) -> dict[str, str]:
    if overseas:
        if rng.random() < 0.2:  # Chinese diaspora customers, name in pinyin
            surname, given = rng.choice(CN_SURNAMES)[1], rng.choice(CN_GIVEN_NAMES)[1]
            first, last = given.capitalize(), surname.capitalize()
        else:
            first, last = rng.choice(EN_FIRST_NAMES), rng.choice(EN_LAST_NAMES)
        city, region, country, phone_pattern = rng.choice(OVERSEAS_PLACES)
        street = f"{rng.randint(12, 9800)} {rng.choice(EN_STREETS)}"
        if rng.random() < 0.4:
            street += f", Apt {rng.randint(1, 30)}{rng.choice('ABCDEF')}"
        return {
            "customer_name": f"{first} {last}",
            "customer_phone": _fill(rng, phone_pattern),
            "customer_email": f"{first.lower()}.{last.lower()}{rng.randint(1, 99)}@{rng.choice(EMAIL_DOMAINS)}",
            "shipping_address": f"{street}\n{city}, {_fill(rng, region)}\n{country}",
            "customer_language": "en",
        }
    (surname, surname_py), (given, given_py) = rng.choice(CN_SURNAMES), rng.choice(CN_GIVEN_NAMES)
    province, city, districts, streets = rng.choice(CN_PLACES)
    place = " ".join(part for part in (province, city, rng.choice(districts), rng.choice(streets)) if part)
    address = (
        f"{place} {rng.randint(1, 999)} 号 {rng.choice(CN_ESTATES)} "
        f"{rng.randint(1, 30)} 栋 {rng.randint(1, 32)}{rng.randint(1, 4):02d} 室"
    )
    phone = f"+86 {rng.choice(CN_MOBILE_PREFIXES)} {rng.randint(0, 9999):04d} {rng.randint(0, 9999):04d}"
    email = ""
    if rng.random() < 0.7:  # platforms often hide the buyer's email
        email = f"{given_py}.{surname_py}{rng.randint(1, 999)}@{rng.choice(EMAIL_DOMAINS)}"
    return {
        "customer_name": surname + given,
        "customer_phone": phone,
        "customer_email": email,
        "shipping_address": address,
        "customer_language": "zh-hans",
    }


def _platform_order_number(rng: random.Random, platform: str, placed_at: datetime, prefix: str, serial: int) -> str:
    local = timezone.localtime(placed_at)
    if platform in (Platform.TAOBAO, Platform.TMALL):
        return str(rng.randrange(10**18, 4 * 10**18))
    if platform == Platform.JD:
        return str(rng.randrange(2 * 10**11, 4 * 10**11))
    if platform == Platform.PINDUODUO:
        return f"{local:%y%m%d}-{rng.randrange(10**14, 10**15)}"
    if platform == Platform.DOUYIN:
        return f"69{rng.randrange(10**16, 10**17)}"
    if platform == Platform.AMAZON:
        return f"11{rng.randint(1, 4)}-{rng.randrange(10**6, 10**7)}-{rng.randrange(10**6, 10**7)}"
    if platform == Platform.SHOPIFY:
        return f"{prefix}-{1000 + serial}"
    return f"{prefix}{local:%Y%m%d}{serial:04d}"


def _unit_price(rng: random.Random, list_price: Decimal, currency: str) -> Decimal:
    if currency == Currency.USD:
        return Decimal(int(list_price / USD_PER_CNY) + 1) - CENT  # 129 CNY → 17.99 USD
    return _money(list_price * Decimal(rng.choice(["1", "1", "0.95", "0.9", "0.85"])))


def _orders_create(
    rng: random.Random,
    *,
    now: datetime,
    sellers: dict[str, Seller],
    partners: dict[str, DropshipPartner],
    products: dict[int, list[_Catalogue]],
    tracking: _TrackingNumbers,
) -> list[_DemoOrder]:
    """ORDER_COUNT orders over the last ORDER_HISTORY_DAYS days, more of them recent (a growing shop)."""
    drafts = []
    for _ in range(ORDER_COUNT):
        spec = rng.choices(SELLERS, weights=[seller["share"] for seller in SELLERS])[0]
        platform = rng.choices(list(spec["platforms"]), weights=list(spec["platforms"].values()))[0]
        days_ago = 0.5 + (ORDER_HISTORY_DAYS - 0.5) * rng.random() ** 2
        drafts.append((now - timedelta(days=days_ago), spec, platform))
    drafts.sort(key=lambda draft: draft[0])

    serials: Counter[str] = Counter()
    demo_orders, order_rows, line_rows = [], [], []
    for placed_at, spec, platform in drafts:
        seller = sellers[spec["key"]]
        overseas = platform in OVERSEAS_PLATFORMS
        currency = Currency.USD if overseas else Currency.CNY
        serials[spec["key"]] += 1
        catalogue = rng.sample(products[seller.pk], k=rng.choices([1, 2, 3], weights=[60, 30, 10])[0])
        lines = [
            OrderLine(
                product=item.product,
                quantity=rng.choices([1, 2, 3], weights=[70, 20, 10])[0],
                unit_price=_unit_price(rng, item.list_price, currency),
            )
            for item in catalogue
        ]
        order = Order(
            seller=seller,
            platform=platform,
            platform_order_number=_platform_order_number(
                rng, platform, placed_at, spec["sku_prefix"], serials[spec["key"]]
            ),
            partner=partners["overseas" if overseas else "domestic"],
            amount=sum((line.unit_price * line.quantity for line in lines), Decimal("0.00")),
            currency=currency,
            placed_at=placed_at,
            **_customer(rng, overseas=overseas),
        )
        carrier, number, transit_days = tracking.pick(overseas=overseas)
        age_hours = (now - placed_at) / HOUR
        shipped_at = placed_at + timedelta(hours=rng.uniform(3, min(40, age_hours - 1)))
        delivered_at = shipped_at + timedelta(days=rng.uniform(*transit_days))
        if rng.random() < 0.15 or delivered_at > now - 10 * MINUTE:  # lost or refused, or still on its way
            delivered_at = None
        order.status = OrderStatus.DELIVERED if delivered_at else OrderStatus.SHIPPED
        shipment = Shipment(carrier=carrier, tracking_number=number, shipped_at=shipped_at, delivered_at=delivered_at)
        # A missing parcel is reported after the usual transit time; a bad one once it arrived.
        ready_at = delivered_at + HOUR if delivered_at else shipped_at + timedelta(days=transit_days[1] + 1)
        order_rows.append(order)
        demo_orders.append(_DemoOrder(order, lines, catalogue, shipment, overseas, ready_at))

    _insert(Order, order_rows)
    for demo in demo_orders:
        for line in demo.lines:
            line.order = demo.order
            line_rows.append(line)
        demo.shipment.order = demo.order
    _insert(OrderLine, line_rows)
    _insert(Shipment, [demo.shipment for demo in demo_orders])
    return demo_orders


# --- Reship requests: the one place that builds request states --------------------------------


@dataclass
class _LinePlan:
    order_line: OrderLine
    product: Product
    supplier: Supplier | None
    quantity: int
    reason: str
    resolution: str
    compensation_method: str = ""
    compensation_amount: Decimal | None = None
    status: str = LineStatus.PENDING
    resolved_after: timedelta | None = None
    quality_check_note: str = ""
    restock_after: timedelta | None = None  # restock ordered
    restock_confirmed_after: timedelta | None = None
    restock_ship_days: int = 0
    shipment: tuple[timedelta, str, str, tuple[int, int]] | None = None  # shipped after, carrier, number, transit
    row: ReshipLine | None = None
    restock_row: RestockOrder | None = None


@dataclass
class _Step:
    """One event, as the workflow writes it: from ≠ to for a transition, from = to for an action
    within a stage, both blank for a note (the survey answer)."""

    kind: str
    actor: User | None
    from_status: str
    to_status: str
    after: timedelta  # since the request was created
    message: str = ""
    data: dict = field(default_factory=dict)
    # Data that names rows or dates known only when the request is written: (created_at) -> dict.
    late_data: Callable[[datetime], dict] | None = None


@dataclass
class _Note:
    """A thread message or a logged contact, written with the step that caused it."""

    after: timedelta
    author: User
    body: str
    author_role: str = ""  # thread message when set
    counterpart: str = ""  # communication record when set
    channel: str = ""
    direction: str = Direction.OUTBOUND


class _History:
    """The path of one request through the stages, with the times and effects of every step.

    Each public method stands for the ``reship.workflow`` function of the same name and leaves the
    same fields, event data and side rows; times are offsets from the request's creation until the
    request is placed in time.
    """

    def __init__(
        self,
        rng: random.Random,
        *,
        demo: _DemoOrder,
        lines: list[_LinePlan],
        reason: str,
        seller_user: User,
        partner_user: User,
        tracking: _TrackingNumbers,
    ) -> None:
        self.rng, self.demo, self.lines, self.reason = rng, demo, lines, reason
        self.seller_user, self.partner_user = seller_user, partner_user
        self.partner = demo.order.partner
        self.tracking = tracking
        self.lang = demo.language
        self.status = ""
        self.clock = timedelta(0)
        self.steps: list[_Step] = []
        self.notes: list[_Note] = []
        self.fields: dict[str, object] = {"quote_status": QuoteStatus.NONE}
        self.times: dict[str, timedelta] = {}  # submitted_at, reviewed_at, resolved_at, closed_at
        self.stage: tuple[timedelta, timedelta, timedelta] | None = None  # started, due, escalates
        self.promised_after: timedelta | None = None
        self.survey: tuple[timedelta, int, str] | None = None
        names = PLATFORM_NAMES.get(demo.order.platform, ("", ""))
        self.platform_name = names[self.lang]
        self.description = DESCRIPTIONS[reason][self.lang].format(
            days=rng.randint(4, 9),
            product=", ".join(line.product.name for line in lines),
            quantity=lines[0].quantity,
        )

    # Helpers ---------------------------------------------------------------------------------
    def _hours(self, low: float, high: float) -> timedelta:
        return max(timedelta(hours=self.rng.uniform(low, high)), MINUTE)

    def _wait(self, low_hours: float, high_hours: float) -> None:
        self.clock += self._hours(low_hours, high_hours)

    def _text(self, key: str, **values) -> str:
        return self.rng.choice(TEXTS[key][self.lang]).format(**values)

    def stage_sla_hours(self, status: str) -> int:
        stage = STAGE_OF_STATUS.get(status)
        if stage == "review":
            return self.partner.review_sla_hours
        if stage == "fulfilment":
            return self.partner.fulfilment_sla_hours
        return settings.RESHIP_SELLER_STAGE_HOURS

    def _step(
        self,
        kind: str,
        actor: User | None,
        to_status: str | None = None,
        message: str = "",
        late_data: Callable[[datetime], dict] | None = None,
        **data,
    ) -> None:
        """Record one event; a new stage restarts the clock (``reship.workflow.timeliness.stage_clock``)."""
        from_status, to_status = self.status, to_status or self.status
        self.steps.append(_Step(kind, actor, from_status, to_status, self.clock, message, data, late_data))
        if to_status == from_status:
            return
        self.status = to_status
        stage = STAGE_OF_STATUS.get(to_status)
        if stage is None:
            self.stage = None
        elif STAGE_OF_STATUS.get(from_status) != stage:
            sla = timedelta(hours=self.stage_sla_hours(to_status))
            self.stage = (self.clock, self.clock + sla, self.clock + 2 * sla)

    # Transitions and actions -----------------------------------------------------------------
    def submit(self) -> None:
        lines = [
            {
                "order_line": line.order_line.pk,
                "sku": line.product.sku_code,
                "quantity": line.quantity,
                "resolution": line.resolution,
            }
            for line in self.lines
        ]
        self.times["submitted_at"] = self.clock
        self._step(EventKind.SUBMITTED, self.seller_user, RequestStatus.SUBMITTED, self.description, lines=lines)

    def request_info(self) -> None:
        self._wait(0.3, self.partner.review_sla_hours * 0.8)
        question = self._text("info_question" if self.demo.delivered else "info_question_undelivered")
        self.notes.append(_Note(self.clock, self.partner_user, question, author_role=AuthorRole.PARTNER))
        self._step(EventKind.INFO_REQUESTED, self.partner_user, RequestStatus.NEEDS_INFO, question)

    def answer_info(self) -> None:
        self._wait(0.5, 30)
        if self.rng.random() < 0.4:  # some sellers call or chat first, then answer in the thread
            channel = self.rng.choice([Channel.PHONE, Channel.IM])
            summary = self._text("partner_phone" if channel == Channel.PHONE else "partner_im")
            self.notes.append(
                _Note(
                    self.clock - 20 * MINUTE,
                    self.seller_user,
                    summary,
                    counterpart=Counterpart.PARTNER,
                    channel=channel,
                )
            )
        answer = self._text("info_answer")
        self.notes.append(_Note(self.clock, self.seller_user, answer, author_role=AuthorRole.SELLER))
        self._step(EventKind.INFO_ANSWERED, self.seller_user, RequestStatus.SUBMITTED, answer)

    def _cancel_open_lines(self) -> None:
        for line in self.lines:
            if line.status not in RESOLVED_LINE_STATUSES:
                line.status = LineStatus.CANCELLED

    def reject(self) -> None:
        self._wait(0.3, self.partner.review_sla_hours * 1.3)
        reason = self._text("reject")
        self.times.setdefault("reviewed_at", self.clock)
        self.fields["decision_note"] = reason
        self._cancel_open_lines()
        self._step(EventKind.REJECTED, self.partner_user, RequestStatus.REJECTED, reason)

    def cancel(self) -> None:
        self._wait(1, 40)
        self._cancel_open_lines()
        self._step(EventKind.CANCELLED, self.seller_user, RequestStatus.CANCELLED, self._text("cancel"))

    def approve(self) -> None:
        self._wait(0.3, self.partner.review_sla_hours * 1.3)  # some reviews are late
        currency = self.demo.order.currency
        goods = [line for line in self.lines if line.resolution != Resolution.COMPENSATION]
        quote_goods = _in_currency(
            sum((line.product.unit_cost * line.quantity for line in goods), Decimal(0)), currency
        )
        shipping_cny = (self.rng.randint(80, 160) if self.demo.overseas else self.rng.randint(10, 25)) if goods else 0
        quote_shipping = _in_currency(Decimal(shipping_cny), currency)
        bearers, weights = COST_BEARERS[self.reason]
        cost_bearer = self.rng.choices(bearers, weights=weights)[0]
        restocking = any(line.resolution == Resolution.RESTOCK_RESEND for line in self.lines)
        lead_days = max((line.supplier.restock_lead_days for line in self.lines if line.supplier), default=0)
        promised_after = self.clock + timedelta(
            days=(lead_days + 2 if restocking else 2) + (4 if self.demo.overseas else 0)
        )
        self.times["reviewed_at"] = self.clock
        self.promised_after = promised_after
        self.fields.update(
            quote_goods=quote_goods,
            quote_shipping=quote_shipping,
            quote_compensation=Decimal("0.00"),  # compensations add to it as they are paid
            cost_bearer=cost_bearer,
            quote_status=QuoteStatus.PENDING,
        )
        self._step(
            EventKind.APPROVED,
            self.partner_user,
            RequestStatus.APPROVED,
            self._text("approve"),
            late_data=lambda created_at: {"promised_date": _local_date(created_at + promised_after).isoformat()},
            quote_goods=str(quote_goods),
            quote_shipping=str(quote_shipping),
            cost_bearer=cost_bearer,
        )

    def accept_quote(self) -> None:
        self._wait(0.2, 10)
        self.fields["quote_status"] = QuoteStatus.ACCEPTED
        self._step(EventKind.QUOTE_ACCEPTED, self.seller_user)

    def dispute_quote(self) -> None:
        self._wait(0.2, 10)
        reason = self._text("dispute")
        self.fields["quote_status"] = QuoteStatus.DISPUTED
        self.notes.append(_Note(self.clock, self.seller_user, reason, author_role=AuthorRole.SELLER))
        self._step(EventKind.QUOTE_DISPUTED, self.seller_user, message=reason)

    def fulfilment_plan(self) -> list[tuple[timedelta, _LinePlan]]:
        """Every line's actions with their times: lines progress side by side, each at its own pace."""
        plan = []
        for line in self.lines:
            at = self.clock
            if line.resolution == Resolution.COMPENSATION:
                plan.append((at + self._hours(1, 20), line))
                continue
            if line.resolution == Resolution.RESTOCK_RESEND:
                lead_hours = line.supplier.restock_lead_days * 24
                at += self._hours(1, 10)
                plan.append((at, line))  # restock ordered
                at += self._hours(lead_hours * 0.6, lead_hours * 1.3)
                plan.append((at, line))  # the source confirms and names its ship date
                line.restock_ship_days = self.rng.randint(0, 2)
                at += timedelta(days=line.restock_ship_days) + self._hours(6, 30)  # arrived and checked
            else:
                at += self._hours(2, 36)
            plan.append((at, line))  # shipped
        plan.sort(key=lambda action: action[0])
        return plan

    def fulfil(self, at: timedelta, line: _LinePlan) -> None:
        """The line's next action at ``at``: start_restock, confirm_restock, ship or compensate."""
        self.clock = max(at, self.clock + MINUTE)
        if line.resolution == Resolution.COMPENSATION:
            self._compensate(line)
        elif line.status == LineStatus.PENDING and line.resolution == Resolution.RESTOCK_RESEND:
            line.status, line.restock_after = LineStatus.RESTOCKING, self.clock
            self._step(
                EventKind.RESTOCK_STARTED,
                self.partner_user,
                RequestStatus.FULFILLING,
                late_data=lambda _created_at: {"restock_orders": [line.restock_row.pk]},
            )
        elif line.status == LineStatus.RESTOCKING:
            line.status, line.restock_confirmed_after = LineStatus.RESTOCKED, self.clock
            confirmed_after, ship_days = self.clock, line.restock_ship_days
            # The source confirms through its signed link: no user acted.
            self._step(
                EventKind.RESTOCK_CONFIRMED,
                None,
                late_data=lambda created_at: {
                    "restock_order": line.restock_row.pk,
                    "ship_date": (_local_date(created_at + confirmed_after) + timedelta(days=ship_days)).isoformat(),
                    "by_source": True,
                },
            )
        else:
            self._ship(line)

    def _resolved(self, line: _LinePlan) -> str:
        line.resolved_after = self.clock
        if all(item.status in RESOLVED_LINE_STATUSES for item in self.lines):
            self.times["resolved_at"] = self.clock
            return RequestStatus.INFO_UPDATE
        return RequestStatus.FULFILLING

    def _ship(self, line: _LinePlan) -> None:
        if line.resolution == Resolution.RESTOCK_RESEND:
            line.quality_check_note = "到货质检通过。" if self.lang == 0 else "Passed the arrival quality check."
        carrier, number, transit_days = self.tracking.pick(overseas=self.demo.overseas)
        line.status, line.shipment = LineStatus.SHIPPED, (self.clock, carrier, number, transit_days)
        shipped = {
            "sku": line.product.sku_code,
            "name": line.product.name,
            "quantity": line.quantity,
            "substitute_sku": None,
            "substitute_name": None,
        }
        self._step(
            EventKind.SHIPPED,
            self.partner_user,
            self._resolved(line),
            line.quality_check_note,
            late_data=lambda _created_at: {"shipment": line.row.shipment.pk},
            carrier=carrier,
            tracking_number=number,
            lines=[shipped],
        )

    def _compensate(self, line: _LinePlan) -> None:
        line.status = LineStatus.COMPENSATED
        self.fields["quote_compensation"] += line.compensation_amount
        self._step(
            EventKind.COMPENSATED,
            self.partner_user,
            self._resolved(line),
            late_data=lambda _created_at: {"lines": [line.row.pk]},
            method=line.compensation_method,
            amount=str(line.compensation_amount),
            changed_from_goods=[],
        )

    def confirm_info_update(self) -> None:
        self._wait(0.5, 30)
        note = self._text("info_updated", platform=self.platform_name)
        self._step(EventKind.INFO_UPDATED, self.seller_user, RequestStatus.CUSTOMER_CONTACT, note)

    def contact_customer(self) -> None:
        self._wait(0.5, 24)
        if self.demo.overseas:
            channel = self.rng.choice([Channel.EMAIL, Channel.EMAIL, Channel.SITE_MESSAGE])
        else:
            channel = self.rng.choice([Channel.PHONE, Channel.IM, Channel.SMS, Channel.SITE_MESSAGE])
        # Email and SMS may send the system's own message (carrier and tracking); others say what was said.
        automatic = channel in (Channel.EMAIL, Channel.SMS) and self.rng.random() < 0.5
        message = "" if automatic else self._text("contact")
        summary = message or "Automatic update with carrier and tracking number."
        self.notes.append(
            _Note(self.clock, self.seller_user, summary, counterpart=Counterpart.CUSTOMER, channel=channel)
        )
        self._step(
            EventKind.CUSTOMER_CONTACTED,
            self.seller_user,
            RequestStatus.CONTACTED,
            message,
            channel=channel,
            automatic=automatic,
        )

    def close(self) -> None:
        self._wait(12, 120)
        evaluation = {
            "rating_speed": self.rng.choices([5, 4, 3, 2, 1], weights=[40, 35, 15, 7, 3])[0],
            "rating_quality": self.rng.choices([5, 4, 3, 2, 1], weights=[45, 35, 12, 5, 3])[0],
            "rating_cooperation": self.rng.choices([5, 4, 3, 2, 1], weights=[50, 30, 12, 5, 3])[0],
            "platform_dispute": self.rng.random() < 0.08,
            "bad_review": self.rng.random() < 0.06,
        }
        note = self._text("close")
        self.times["closed_at"] = self.clock
        self.fields.update(evaluation, close_note=note)
        self._step(EventKind.CLOSED, self.seller_user, RequestStatus.CLOSED, note, **evaluation)

    def survey_answer(self) -> None:
        """The customer's answer through the survey link: a note with no status (as the workflow writes it)."""
        self._wait(2, 72)
        rating = self.rng.choices([5, 4, 3, 2, 1], weights=[45, 30, 12, 8, 5])[0]
        comment = self._text("survey") if self.rng.random() < 0.7 else ""
        self.survey = (self.clock, rating, comment)
        self.steps.append(_Step(EventKind.NOTE, None, "", "", self.clock, comment, {"survey_rating": rating}))

    @property
    def stage_hours(self) -> float:
        return self.stage_sla_hours(self.status)


def _local_date(moment: datetime) -> date:
    return timezone.localtime(moment).date()


def _request_lines(
    rng: random.Random, demo: _DemoOrder, reason: str, restockable_source_ids: set[int]
) -> list[_LinePlan]:
    """Which order lines the request covers, how many of each, and how each is to be resolved."""
    whole = reason in (Reason.LOST_IN_TRANSIT, Reason.REFUSED_BY_CUSTOMER)
    pairs = list(zip(demo.lines, demo.catalogue, strict=True))
    if whole:
        chosen = pairs  # the whole parcel
    else:
        chosen = rng.sample(pairs, k=rng.choices(range(1, len(pairs) + 1), weights=[6, 3, 1][: len(pairs)])[0])
    plans = []
    for index, (order_line, item) in enumerate(chosen):
        quantity = order_line.quantity if whole else rng.randint(1, order_line.quantity)
        line_reason = reason
        if index > 0 and not whole and rng.random() < 0.2:
            line_reason = rng.choice([Reason.DAMAGED, Reason.MISSING_ITEM, Reason.QUALITY_DEFECT])
        weights = list(RESOLUTION_WEIGHTS[line_reason])
        if item.product.supplier_id not in restockable_source_ids:
            weights[1] = 0  # restock only from a source the partner buys from
        resolution = rng.choices(
            [Resolution.RESEND, Resolution.RESTOCK_RESEND, Resolution.COMPENSATION], weights=weights
        )[0]
        plan = _LinePlan(
            order_line=order_line,
            product=item.product,
            supplier=item.product.supplier,
            quantity=quantity,
            reason=line_reason,
            resolution=resolution,
        )
        if resolution == Resolution.COMPENSATION:
            method = rng.choices(
                [CompensationMethod.REFUND, CompensationMethod.VOUCHER, CompensationMethod.CASH], weights=[50, 30, 20]
            )[0]
            share = Decimal(1) if method == CompensationMethod.REFUND else Decimal(rng.choice(["0.2", "0.3", "0.5"]))
            plan.compensation_method = method
            plan.compensation_amount = _money(order_line.unit_price * quantity * share)
        plans.append(plan)
    return plans


def _request_history(
    rng: random.Random,
    *,
    target: str,
    demo: _DemoOrder,
    seller_user: User,
    partner_user: User,
    restockable_source_ids: set[int],
    tracking: _TrackingNumbers,
) -> _History | None:
    """Walk one request from submission to ``target``, along the moves ``reship.lifecycle.TRANSITIONS``
    allows; None when this order cannot take that path."""
    names, weights = REASONS_FOR_DELIVERED if demo.delivered else REASONS_FOR_UNDELIVERED
    reason = rng.choices(names, weights=weights)[0]
    lines = _request_lines(rng, demo, reason, restockable_source_ids)
    history = _History(
        rng,
        demo=demo,
        lines=lines,
        reason=reason,
        seller_user=seller_user,
        partner_user=partner_user,
        tracking=tracking,
    )
    history.submit()
    if target == RequestStatus.NEEDS_INFO:
        history.request_info()
        return history
    if rng.random() < 0.25:  # the partner asks a question first
        history.request_info()
        if target == RequestStatus.CANCELLED and rng.random() < 0.3:
            history.cancel()
            return history
        if target == RequestStatus.REJECTED and rng.random() < 0.3:
            history.reject()  # the answer never came
            return history
        history.answer_info()
    if target == RequestStatus.SUBMITTED:
        return history
    if target == RequestStatus.REJECTED:
        history.reject()
        return history
    if target == RequestStatus.CANCELLED and rng.random() < 0.5:
        history.cancel()
        return history
    history.approve()
    roll = rng.random()
    if target == RequestStatus.CANCELLED:
        if roll < 0.6:
            history.dispute_quote()  # the price was not acceptable
        history.cancel()
        return history
    if roll < 0.15:
        history.dispute_quote()
        # Settled in the thread before closing (close refuses a disputed quote); sometimes still open.
        if target == RequestStatus.CLOSED or rng.random() < 0.5:
            history.accept_quote()
    elif target != RequestStatus.APPROVED or roll < 0.7:  # an approved one may still wait for the seller
        history.accept_quote()
    if target == RequestStatus.APPROVED:
        return history
    plan = history.fulfilment_plan()
    if target == RequestStatus.FULFILLING:
        if len(plan) < 2:
            return None  # one action resolves it all: it would never rest in fulfilment
        plan = plan[: rng.randint(1, len(plan) - 1)]
    for at, line in plan:
        history.fulfil(at, line)
    if target in (RequestStatus.FULFILLING, RequestStatus.INFO_UPDATE):
        return history
    history.confirm_info_update()
    if target == RequestStatus.CUSTOMER_CONTACT:
        return history
    history.contact_customer()
    if target == RequestStatus.CONTACTED:
        return history
    history.close()
    if rng.random() < 0.65:
        history.survey_answer()
    return history


@dataclass
class _PlacedRequest:
    demo: _DemoOrder
    history: _History
    created_at: datetime


def demo_requests_create(
    rng: random.Random,
    *,
    now: datetime,
    orders: list[_DemoOrder],
    seller_users: dict[int, User],
    partner_users: dict[int, User],
    partner_source_ids: dict[int, set[int]],
    tracking: _TrackingNumbers,
) -> list[ReshipRequest]:
    """Create REQUEST_STATUS_PLAN[status] reship requests in each status, with their lines, events,
    quotes, restock orders, reship shipments, thread messages, contacts and survey answers.

    This is the only code here that decides request states. It writes rows directly: a demo of
    half a year must not send a thousand notifications, and ``reship.workflow.events.event_create`` stamps
    the current time whatever ``now`` a workflow function is given. Every ``_History`` method is
    named after the ``reship.workflow`` function it stands for and writes what that function
    writes, so switching over means replaying ``history.steps`` through those functions.
    """
    # 1. Plan: open requests take the most recent orders, finished ones are spread over the past.
    targets = [status for status, count in REQUEST_STATUS_PLAN.items() for _ in range(count)]
    open_targets = [status for status in targets if status in OPEN_STATUSES]
    final_targets = [status for status in targets if status not in OPEN_STATUSES]
    rng.shuffle(open_targets)
    by_readiness = sorted(orders, key=lambda demo: demo.ready_at)
    readiness = [demo.ready_at for demo in by_readiness]
    used: set[int] = set()
    placed: list[_PlacedRequest] = []

    def history_for(target: str, demo: _DemoOrder) -> _History | None:
        return _request_history(
            rng,
            target=target,
            demo=demo,
            seller_user=seller_users[demo.order.seller_id],
            partner_user=partner_users[demo.order.partner_id],
            restockable_source_ids=partner_source_ids[demo.order.partner_id],
            tracking=tracking,
        )

    for target in open_targets:
        for demo in reversed(by_readiness):
            if demo.order.pk in used or demo.ready_at > now - HOUR or rng.random() < 0.3:
                continue
            history = history_for(target, demo)
            if history is None:
                continue
            # The current stage falls due somewhere between well overdue and not yet due.
            due_from_now = timedelta(hours=history.stage_hours * rng.uniform(-0.7, 1.0))
            created_at = min(now + due_from_now - history.stage[1], now - history.clock - 5 * MINUTE)
            if created_at < demo.ready_at:
                continue
            used.add(demo.order.pk)
            placed.append(_PlacedRequest(demo, history, created_at))
            break
        else:
            raise RuntimeError(f"No demo order fits an open request in status {target}; widen the order history.")

    candidates_end = bisect.bisect_left(readiness, now - 2 * DAY)
    for target in final_targets:
        for _attempt in range(200):
            demo = by_readiness[rng.randrange(candidates_end)]
            if demo.order.pk in used:
                continue
            history = history_for(target, demo)
            if history is None:
                continue
            latest = now - history.clock - 5 * MINUTE
            created_at = min(demo.ready_at + timedelta(hours=rng.uniform(1, 7 * 24)), latest)
            if created_at < demo.ready_at:
                continue
            used.add(demo.order.pk)
            placed.append(_PlacedRequest(demo, history, created_at))
            break
        else:
            raise RuntimeError(f"No demo order fits a finished request in status {target}.")

    # 2. Write, numbering requests in the order they were created.
    placed.sort(key=lambda item: item.created_at)
    requests = []
    for item in placed:
        history, order, at = item.history, item.demo.order, item.created_at
        started, due, escalates = (at + offset for offset in history.stage) if history.stage else (None,) * 3
        requests.append(
            ReshipRequest(
                number=request_number_next(year=timezone.localtime(at).year),
                order=order,
                seller_id=order.seller_id,
                partner_id=order.partner_id,
                reason=history.reason,
                description=history.description,
                status=history.status,
                currency=order.currency,
                promised_date=_local_date(at + history.promised_after) if history.promised_after else None,
                stage_started_at=started,
                stage_due_at=due,
                stage_escalate_at=escalates,
                created_by=history.seller_user,
                created_at=at,
                **history.fields,
                **{name: at + offset for name, offset in history.times.items()},
            )
        )
    _insert(ReshipRequest, requests)

    shipments, lines = [], []
    for item, request in zip(placed, requests, strict=True):
        for plan in item.history.lines:
            plan.row = ReshipLine(
                request=request,
                order_line=plan.order_line,
                quantity=plan.quantity,
                reason=plan.reason,
                resolution=plan.resolution,
                status=plan.status,
                compensation_method=plan.compensation_method,
                compensation_amount=plan.compensation_amount,
                quality_check_note=plan.quality_check_note,
                resolved_at=item.created_at + plan.resolved_after if plan.resolved_after is not None else None,
            )
            if plan.shipment is not None:
                shipped_after, carrier, number, transit_days = plan.shipment
                shipped_at = item.created_at + shipped_after
                delivered_at = shipped_at + timedelta(days=rng.uniform(*transit_days))
                plan.row.shipment = Shipment(
                    order=request.order,
                    reship_request=request,
                    carrier=carrier,
                    tracking_number=number,
                    shipped_at=shipped_at,
                    delivered_at=delivered_at if delivered_at < now else None,
                )
                shipments.append(plan.row.shipment)
            lines.append(plan.row)
    _insert(Shipment, shipments)
    _insert(ReshipLine, lines)

    restocks = []
    for item, request in zip(placed, requests, strict=True):
        for plan in item.history.lines:
            if plan.restock_after is None:
                continue
            confirmed_at = None
            if plan.restock_confirmed_after is not None:
                confirmed_at = item.created_at + plan.restock_confirmed_after
            plan.restock_row = RestockOrder(
                request=request,
                line=plan.row,
                supplier=plan.supplier,
                quantity=plan.quantity,
                status=RestockStatus.CONFIRMED if confirmed_at else RestockStatus.ORDERED,
                ship_date=_local_date(confirmed_at) + timedelta(days=plan.restock_ship_days) if confirmed_at else None,
                confirmed_at=confirmed_at,
                created_by=item.history.partner_user,
                created_at=item.created_at + plan.restock_after,
            )
            restocks.append(plan.restock_row)
    _insert(RestockOrder, restocks)

    events, messages, contacts, surveys = [], [], [], []
    for item, request in zip(placed, requests, strict=True):
        history, at = item.history, item.created_at
        for step in history.steps:
            data = step.data | step.late_data(at) if step.late_data else step.data
            events.append(
                ReshipEvent(
                    request=request,
                    actor=step.actor,
                    kind=step.kind,
                    from_status=step.from_status,
                    to_status=step.to_status,
                    message=step.message,
                    data=data,
                    created_at=at + step.after,
                )
            )
        for note in history.notes:
            if note.author_role:
                messages.append(
                    RequestMessage(request=request, author=note.author, author_role=note.author_role, body=note.body,
                                   created_at=at + note.after)
                )  # fmt: skip
            else:
                contacts.append(
                    CommunicationRecord(
                        request=request,
                        counterpart=note.counterpart,
                        channel=note.channel,
                        direction=note.direction,
                        summary=note.body,
                        recorded_by=note.author,
                        occurred_at=at + note.after,
                    )
                )
        if history.survey is not None:
            answered_after, rating, comment = history.survey
            surveys.append(
                SurveyResponse(request=request, rating=rating, comment=comment, answered_at=at + answered_after)
            )
    _insert(ReshipEvent, events)
    _insert(RequestMessage, messages)
    _insert(CommunicationRecord, contacts)
    _insert(SurveyResponse, surveys)
    return requests
