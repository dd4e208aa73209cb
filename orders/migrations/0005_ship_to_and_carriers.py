"""Orders carry a structured ship-to (收货信息) instead of one address text; carriers become a table
seeded with the ones sellers here use; parcels point at a carrier and know whether they arrived; the
seller sets when the customer's survey goes out.

The old address text moves into the street field (a mainland address's city is read out of it);
free-text carriers are mapped to the table by code or name, unknown ones to "other" with the name
kept as written."""

import re

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Q

# code, Chinese name, English name, other names, pattern, pattern in Chinese, in English, tracking page
CARRIERS = [
    (
        "SF",
        "顺丰速运",
        "SF Express",
        ["顺丰", "顺丰快递", "SF", "SFExpress", "SF-Express"],
        r"SF\d{12,13}",
        "SF 加 12–13 位数字",
        "SF followed by 12–13 digits",
        "https://www.sf-express.com/chn/sc/waybill/waybill-detail/{number}",
    ),
    (
        "ZTO",
        "中通快递",
        "ZTO Express",
        ["中通", "ZTO", "ZTOExpress"],
        r"\d{12,15}",
        "12–15 位数字",
        "12–15 digits",
        "https://www.zto.com/express/expressCheck.html?txtBill={number}",
    ),
    (
        "YTO",
        "圆通速递",
        "YTO Express",
        ["圆通", "圆通快递", "YTO", "YTOExpress"],
        r"YT\d{13,17}",
        "YT 加 13–17 位数字",
        "YT followed by 13–17 digits",
        "https://www.yto.net.cn/gw/service/waybillQuery.html?waybillNo={number}",
    ),
    (
        "STO",
        "申通快递",
        "STO Express",
        ["申通", "STO", "STOExpress"],
        r"\d{12,15}",
        "12–15 位数字",
        "12–15 digits",
        "https://www.sto.cn/pc/service-page/waybill?billcode={number}",
    ),
    (
        "YUNDA",
        "韵达快递",
        "Yunda Express",
        ["韵达", "韵达速递", "Yunda", "YD"],
        r"\d{13,15}",
        "13–15 位数字",
        "13–15 digits",
        "https://www.yundaex.com/cn/track/waybill.html?no={number}",
    ),
    (
        "JTEXPRESS",
        "极兔速递",
        "J&T Express",
        ["极兔", "极兔快递", "J&T", "JT", "JTExpress", "J&T Express"],
        r"JT\d{13}",
        "JT 加 13 位数字",
        "JT followed by 13 digits",
        "https://www.jtexpress.com.cn/trajectoryQuery?waybillNo={number}",
    ),
    (
        "JD",
        "京东物流",
        "JD Logistics",
        ["京东", "京东快递", "JDL", "JD Logistics"],
        r"JD[A-Z0-9]{11,18}",
        "JD 加 11–18 位字母或数字",
        "JD followed by 11–18 letters or digits",
        "https://www.jdl.com/orderSearch/?waybillCodes={number}",
    ),
    (
        "EMS",
        "中国邮政 EMS",
        "China Post / EMS",
        ["中国邮政", "邮政", "EMS", "邮政EMS", "China Post", "ChinaPost"],
        r"[A-Z]{2}\d{9}CN|\d{13}",
        "两个字母 + 9 位数字 + CN，或 13 位数字",
        "two letters, 9 digits and CN, or 13 digits",
        "https://www.ems.com.cn/queryList?mailNum={number}",
    ),
    (
        "DEPPON",
        "德邦快递",
        "Deppon Express",
        ["德邦", "德邦物流", "Deppon", "DBL"],
        r"DPK\d{12}|\d{9,10}",
        "DPK 加 12 位数字，或 9–10 位数字",
        "DPK followed by 12 digits, or 9–10 digits",
        "https://www.deppon.com/newwebsite/track/ordertrack?orderNumList={number}",
    ),
    (
        "CAINIAO",
        "菜鸟",
        "Cainiao",
        ["菜鸟裹裹", "菜鸟速递", "Cainiao"],
        r"(LP|CN|CNG|CAINIAO)[A-Z0-9]{10,20}",
        "LP、CN 或 CNG 开头，加 10–20 位字母或数字",
        "LP, CN or CNG followed by 10–20 letters or digits",
        "https://global.cainiao.com/newDetail.htm?mailNoList={number}",
    ),
    (
        "DHL",
        "DHL",
        "DHL Express",
        ["DHL Express", "敦豪"],
        r"\d{10,11}|JJD\d{18}|JD\d{18}",
        "10–11 位数字，或 JD / JJD 加 18 位数字",
        "10–11 digits, or JD / JJD followed by 18 digits",
        "https://www.dhl.com/global-en/home/tracking/tracking-express.html?tracking-id={number}",
    ),
    (
        "FEDEX",
        "联邦快递 FedEx",
        "FedEx",
        ["联邦快递", "FedEx", "Federal Express"],
        r"\d{12}|\d{15}|\d{20}|\d{22}",
        "12、15、20 或 22 位数字",
        "12, 15, 20 or 22 digits",
        "https://www.fedex.com/fedextrack/?trknbr={number}",
    ),
    (
        "UPS",
        "UPS 快递",
        "UPS",
        ["联合包裹", "UPS"],
        r"1Z[A-Z0-9]{16}",
        "1Z 加 16 位字母或数字",
        "1Z followed by 16 letters or digits",
        "https://www.ups.com/track?tracknum={number}",
    ),
    (
        "USPS",
        "美国邮政 USPS",
        "USPS",
        ["美国邮政", "USPS"],
        r"9[2-5]\d{20}|9[2-5]\d{24}|[A-Z]{2}\d{9}US",
        "92–95 开头的 22 或 26 位数字，或两个字母 + 9 位数字 + US",
        "22 or 26 digits starting 92–95, or two letters, 9 digits and US",
        "https://tools.usps.com/go/TrackConfirmAction?tLabels={number}",
    ),
    (
        "4PX",
        "递四方 4PX",
        "4PX Express",
        ["递四方", "4PX"],
        r"4PX\d{10,16}[A-Z]{0,2}|[A-Z]{2}\d{9}[A-Z]{2}",
        "4PX 加 10–16 位数字，或国际邮件格式（如 LX123456789CN）",
        "4PX followed by 10–16 digits, or an international postal number (such as LX123456789CN)",
        "https://track.4px.com/#/result/0/{number}",
    ),
    (
        "YANWEN",
        "燕文物流",
        "Yanwen",
        ["燕文", "Yanwen"],
        r"Y[A-Z]\d{9}[A-Z]{2}|UG\d{9}YP|[A-Z]{2}\d{9}[A-Z]{2}|YT\d{16}",
        "Y 开头的国际邮件格式（如 YT123456789CN）、UG…YP 或 YT 加 16 位数字",
        "an international postal number (such as YT123456789CN), UG…YP, or YT followed by 16 digits",
        "https://track.yanwen.com/en/#/result?nums={number}",
    ),
    ("OTHER", "其他", "Other", [], "", "", "", ""),
]


def seed_carriers(apps, schema_editor):
    Carrier = apps.get_model("orders", "Carrier")
    for position, (code, zh, en, aliases, pattern, help_zh, help_en, url) in enumerate(CARRIERS, start=1):
        Carrier.objects.update_or_create(
            code=code,
            defaults={
                "name_zh": zh,
                "name_en": en,
                "aliases": aliases,
                "tracking_pattern": pattern,
                "pattern_help_zh": help_zh,
                "pattern_help_en": help_en,
                "tracking_url": url,
                "position": 999 if code == "OTHER" else position * 10,
            },
        )


_CN_CITY = re.compile(r"^\s*(?:\S{1,12}?(?:省|自治区))?\s*(\S{1,8}?市)")


def split_addresses(apps, schema_editor):
    """The one address text becomes the street; the city is read from a mainland address's start
    or an overseas one's next-to-last line, as the partner's to-ship list did."""
    import phonenumbers

    Order = apps.get_model("orders", "Order")
    batch = []
    for order in Order.objects.only("pk", "customer_name", "customer_phone", "shipping_address").iterator():
        text = order.shipping_address or ""
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        match = _CN_CITY.match(text)
        city, country = "", "CN"
        if match:
            city = match.group(1)
        elif len(lines) >= 2:
            city = (lines[-2] if len(lines) >= 3 else lines[-1]).split(",")[0].strip()
            country = ""
        order.ship_street = ", ".join(lines)[:255]
        order.ship_city = city[:60]
        order.ship_name = order.customer_name[:100]
        order.ship_phone = order.customer_phone[:40]
        e164 = ""
        try:
            number = phonenumbers.parse(order.customer_phone, "CN")
            if phonenumbers.is_valid_number(number):
                e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
                country = country or phonenumbers.region_code_for_number(number) or ""
        except phonenumbers.NumberParseException:
            pass
        order.ship_phone_e164 = e164
        order.ship_country = (country or "CN")[:2]
        batch.append(order)
        if len(batch) >= 500:
            Order.objects.bulk_update(batch, SPLIT_FIELDS)
            batch = []
    if batch:
        Order.objects.bulk_update(batch, SPLIT_FIELDS)


SPLIT_FIELDS = ["ship_street", "ship_city", "ship_name", "ship_phone", "ship_phone_e164", "ship_country"]


def _ship_to_field(name):
    return {
        "ship_name": models.CharField(blank=True, max_length=100, verbose_name="recipient"),
        "ship_phone": models.CharField(
            blank=True, help_text="As typed.", max_length=40, verbose_name="recipient phone"
        ),
        "ship_phone_e164": models.CharField(
            blank=True,
            editable=False,
            help_text="E.164, for search.",
            max_length=20,
            verbose_name="recipient phone (normalised)",
        ),
        "ship_country": models.CharField(
            default="CN", help_text="ISO 3166 code, e.g. CN, US.", max_length=2, verbose_name="country"
        ),
        "ship_province": models.CharField(blank=True, max_length=60, verbose_name="province / state"),
        "ship_city": models.CharField(blank=True, max_length=60, verbose_name="city"),
        "ship_district": models.CharField(blank=True, max_length=60, verbose_name="district"),
        "ship_street": models.CharField(blank=True, max_length=255, verbose_name="street address"),
        "ship_postcode": models.CharField(blank=True, max_length=12, verbose_name="postcode"),
    }[name]


SHIP_TO_FIELDS = [
    "ship_name",
    "ship_phone",
    "ship_phone_e164",
    "ship_country",
    "ship_province",
    "ship_city",
    "ship_district",
    "ship_street",
    "ship_postcode",
]


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0004_search_and_filter_indexes"),
        ("reship", "0006_notification_lease"),
    ]

    operations = [
        migrations.CreateModel(
            name="Carrier",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "code",
                    models.CharField(
                        help_text="Short code, e.g. SF, ZTO, UPS.", max_length=20, unique=True, verbose_name="code"
                    ),
                ),
                ("name_zh", models.CharField(max_length=60, verbose_name="Chinese name")),
                ("name_en", models.CharField(max_length=60, verbose_name="English name")),
                (
                    "aliases",
                    models.JSONField(
                        blank=True,
                        default=list,
                        help_text="Other names accepted in sheets and the API.",
                        verbose_name="other names",
                    ),
                ),
                (
                    "tracking_pattern",
                    models.CharField(
                        blank=True,
                        help_text="A regular expression the whole number must match (upper case); empty accepts any.",
                        max_length=200,
                        verbose_name="tracking-number pattern",
                    ),
                ),
                (
                    "pattern_help_zh",
                    models.CharField(blank=True, max_length=200, verbose_name="pattern, explained in Chinese"),
                ),
                (
                    "pattern_help_en",
                    models.CharField(blank=True, max_length=200, verbose_name="pattern, explained in English"),
                ),
                (
                    "tracking_url",
                    models.CharField(
                        blank=True,
                        help_text="Address of the carrier's tracking page with {number} where the number goes.",
                        max_length=300,
                        verbose_name="tracking page",
                    ),
                ),
                (
                    "is_active",
                    models.BooleanField(
                        default=True, help_text="Inactive carriers cannot be chosen.", verbose_name="active"
                    ),
                ),
                (
                    "position",
                    models.PositiveSmallIntegerField(
                        default=100, help_text="Lower comes first.", verbose_name="position"
                    ),
                ),
            ],
            options={"verbose_name": "carrier", "verbose_name_plural": "carriers", "ordering": ["position", "code"]},
        ),
        migrations.RunPython(seed_carriers, migrations.RunPython.noop),
        # --- the ship-to -------------------------------------------------------------------------
        *[migrations.AddField(model_name="order", name=name, field=_ship_to_field(name)) for name in SHIP_TO_FIELDS],
        migrations.RunPython(split_addresses, migrations.RunPython.noop),
        # --- the survey's timing ---------------------------------------------------------------------
        migrations.AddField(
            model_name="seller",
            name="survey_delay_days",
            field=models.PositiveSmallIntegerField(
                default=2,
                help_text="The survey goes out this many days after the replacement is delivered.",
                verbose_name="survey: days after delivery",
            ),
        ),
        migrations.AddField(
            model_name="seller",
            name="survey_fallback_days",
            field=models.PositiveSmallIntegerField(
                default=7,
                help_text="Without a delivery date, the survey goes out this many days after shipping.",
                verbose_name="survey: days after shipping when no delivery is known",
            ),
        ),
        # --- parcels: a carrier from the table, and where the parcel is -----------------------------
        migrations.AddField(
            model_name="shipment",
            name="carrier_label",
            field=models.CharField(
                blank=True,
                help_text='For a carrier not in the list ("other"): its name as it was given.',
                max_length=60,
                verbose_name="carrier as written",
            ),
        ),
        migrations.AddField(
            model_name="shipment",
            name="carrier_ref",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="orders.carrier"
            ),
        ),
    ]
