"""The written-out material the demo draws from: carriers and their tracking-number shapes, the
customers' names, phones and addresses, the sales platforms' names, and what the demo parties
write, by language (``(zh, en)`` pairs), with how often each reason, resolution and cost bearer
comes up. Plain data and one helper, no database: the benchmark's generator (``bench/``) draws
from the same tables.
"""

from __future__ import annotations

import random
import string

from orders.choices import Platform
from reship.choices import CostBearer, Reason


def fill(rng: random.Random, pattern: str) -> str:
    """#: a digit, ?: an upper-case letter or digit; anything else is kept."""
    alphabet = string.ascii_uppercase + string.digits
    return "".join(
        rng.choice(string.digits) if char == "#" else rng.choice(alphabet) if char == "?" else char for char in pattern
    )


# name (as the carrier table knows it: orders.carriers.carrier_find), tracking number pattern (# a digit,
# ? a letter or digit; each fits its carrier's tracking_pattern), days in transit
DOMESTIC_CARRIERS = [
    ("顺丰速运", "SF#############", (1, 3)),
    ("中通快递", "73############", (2, 4)),
    ("圆通速递", "YT#############", (2, 4)),
    ("韵达快递", "43###########", (2, 5)),
    ("京东物流", "JDVA###########", (1, 3)),
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
    ("London", "SE1 7PB", "United Kingdom", "+44 7911 123###"),
    ("Manchester", "M1 4BT", "United Kingdom", "+44 7911 123###"),
    ("Vancouver", "BC V5K 0A1", "Canada", "+1 604 555 01##"),
    ("Toronto", "ON M5V 2T6", "Canada", "+1 416 555 01##"),
]
EN_STREETS = ["Maple Avenue", "Oak Street", "Sunset Boulevard", "Pine Street", "Lakeview Drive", "Cedar Lane",
              "Harbor Road", "Elm Street", "Park Avenue", "Riverside Drive"]  # fmt: skip

PLATFORM_NAMES: dict[str, tuple[str, str]] = {
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

DESCRIPTIONS: dict[str, tuple[str, str]] = {
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
TEXTS: dict[str, tuple[list[str], list[str]]] = {
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
    "revise": (
        ["已按合同首重价调整运费，请确认。", "已按协议价重新核算货品成本。"],
        ["Shipping re-quoted at the contract rate; please confirm.", "Goods re-priced at the agreed rate."],
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

REASONS_FOR_UNDELIVERED: tuple[list[str], list[int]] = ([Reason.LOST_IN_TRANSIT, Reason.REFUSED_BY_CUSTOMER], [85, 15])
REASONS_FOR_DELIVERED: tuple[list[str], list[int]] = (
    [Reason.DAMAGED, Reason.WRONG_ITEM, Reason.MISSING_ITEM, Reason.QUALITY_DEFECT, Reason.OTHER],
    [35, 20, 20, 20, 5],
)
RESOLUTION_WEIGHTS: dict[str, tuple[int, int, int]] = {  # resend, restock then resend, compensation
    Reason.LOST_IN_TRANSIT: (60, 20, 20),
    Reason.REFUSED_BY_CUSTOMER: (70, 0, 30),
    Reason.DAMAGED: (50, 25, 25),
    Reason.WRONG_ITEM: (70, 20, 10),
    Reason.MISSING_ITEM: (80, 0, 20),
    Reason.QUALITY_DEFECT: (20, 50, 30),
    Reason.OTHER: (40, 0, 60),
}
COST_BEARERS: dict[str, tuple[list[str], list[int]]] = {
    Reason.LOST_IN_TRANSIT: ([CostBearer.CARRIER, CostBearer.PARTNER, CostBearer.SHARED], [70, 20, 10]),
    Reason.REFUSED_BY_CUSTOMER: ([CostBearer.SELLER, CostBearer.CARRIER], [60, 40]),
    Reason.DAMAGED: ([CostBearer.CARRIER, CostBearer.PARTNER, CostBearer.SHARED], [50, 30, 20]),
    Reason.WRONG_ITEM: ([CostBearer.PARTNER], [1]),
    Reason.MISSING_ITEM: ([CostBearer.PARTNER, CostBearer.SUPPLIER], [70, 30]),
    Reason.QUALITY_DEFECT: ([CostBearer.SUPPLIER, CostBearer.SHARED], [80, 20]),
    Reason.OTHER: ([CostBearer.SELLER, CostBearer.SHARED], [70, 30]),
}
