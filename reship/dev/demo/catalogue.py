"""The demo sellers' products (SKUs), each bought from one of the demo sources, priced in CNY."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from orders.choices import Currency
from orders.models import Product
from reship.dev.demo.parties import SELLERS, Parties
from reship.dev.demo.rows import rows_insert

USD_PER_CNY = Decimal("7.20")  # a fixed demo rate: sources quote in CNY, overseas shops sell in USD
CENT = Decimal("0.01")

# By seller key: name, source key, unit cost (CNY), list price (CNY).
PRODUCTS: dict[str, list[tuple[str, str, str, str]]] = {
    "qingmu": [
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
    "lumen": [
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
}


@dataclass(frozen=True)
class CatalogueItem:
    product: Product
    list_price: Decimal  # CNY


def money(value: Decimal | int | str) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def in_currency(amount_cny: Decimal, currency: str) -> Decimal:
    return money(amount_cny / USD_PER_CNY) if currency == Currency.USD else money(amount_cny)


def products_create(parties: Parties) -> dict[int, list[CatalogueItem]]:
    """Every seller's products, SKU codes numbered per seller; returned by seller id."""
    rows, prices = [], []
    for spec in SELLERS:
        for index, (name, source_key, unit_cost, list_price) in enumerate(PRODUCTS[spec.key], start=1):
            rows.append(
                Product(
                    seller=parties.sellers[spec.key],
                    sku_code=f"{spec.sku_prefix}-{index:04d}",
                    name=name,
                    supplier=parties.sources[source_key],
                    unit_cost=Decimal(unit_cost),
                    currency=Currency.CNY,
                )
            )
            prices.append(Decimal(list_price))
    rows_insert(Product, rows)
    catalogue: dict[int, list[CatalogueItem]] = {}
    for product, price in zip(rows, prices, strict=True):
        catalogue.setdefault(product.seller_id, []).append(CatalogueItem(product, price))
    return catalogue
