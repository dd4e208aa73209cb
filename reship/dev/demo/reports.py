"""Customers' own reports (售后自助) in seller1's shop, so the seller sees the three outcomes after
``make run``: one waiting for the seller, one a shop rule confirmed at once (it went to the partner),
one the seller declined with a reason the customer was told.

Each is filed through the workflow on a recent order nobody has claimed yet, at a moment in the
shop's return window; the rule is the shop's own (reports worth at most a small amount).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Exists, OuterRef

from orders.models import Order
from reship.accounts.models import User
from reship.dev.demo.parties import Parties
from reship.models import ReshipLine
from reship.workflow import LineRequest, reship_decline_report, reship_report

REPORTS = (
    # (what happens, reason, the customer's words)
    ("waiting", "damaged", "杯子收到时外盒压扁，杯口有裂纹，照片已拍。"),
    ("declined", "quality_defect", "用了两周后保温效果变差。"),
    ("auto_confirmed", "missing_item", "包裹里少了一个杯盖。"),  # last: the shop's rule is set for it
)
DECLINE_REASON = "保温杯的保温效果随使用会略有下降，属于正常范围，不在售后范围内。如有其他问题欢迎再联系我们。"


def customer_reports_create(*, now: datetime, parties: Parties) -> None:
    shop = parties.sellers["qingmu"]
    seller_user: User = parties.seller_users[shop.pk]
    unclaimed = (
        Order.objects.filter(seller=shop, placed_at__gte=now - timedelta(days=shop.return_window_days - 2))
        .filter(placed_at__lte=now - timedelta(days=2))
        .exclude(Exists(ReshipLine.objects.filter(order_line__order=OuterRef("pk"))))
        .order_by("-placed_at", "pk")
    )
    orders = list(unclaimed.prefetch_related("lines")[: len(REPORTS)])
    for index, ((outcome, reason, words), order) in enumerate(zip(REPORTS, orders, strict=False)):
        first = min(order.lines.all(), key=lambda line: (line.unit_price, line.pk))
        moment = now - timedelta(hours=30 - 8 * index)
        if outcome == "auto_confirmed":
            # The shop confirms small reports at once: this one is worth exactly the limit.
            shop.auto_confirm_max_value = Decimal(first.unit_price).quantize(Decimal("0.01"))
            shop.save(update_fields=["auto_confirm_max_value"])
        report = reship_report(
            order_id=order.pk,
            seller_id=shop.pk,
            reason=reason,
            description=words,
            lines=[LineRequest(first.pk, 1, "resend")],
            now=moment,
        )
        if outcome == "declined":
            reship_decline_report(
                request_id=report.pk, actor=seller_user, reason=DECLINE_REASON, now=moment + timedelta(hours=3)
            )
