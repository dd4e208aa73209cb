"""The reship story: four reship requests from submission to closed, one per resolution, driven
through the workflow as the people would (``manage.py run_reship_story`` prints it).

A seller, a dropship partner and a source (reused on every run, or new ones with ``fresh``) and a
new order with four lines. Then four requests go the whole way through the workflow functions:
resend (补寄), restock then resend (补货 → 补寄, the source confirming through the signed link it
was emailed), compensation (补偿), and a mix of the three. For each request the run keeps the
stages passed and the steps taken; ``notifications_written`` counts the rows per (template,
channel, audience).

Delivery: embedded (Celery eager) rows are sent in this process as each change commits; with a
real broker ``delivery_wait`` waits for the worker to send every row.
"""

from __future__ import annotations

import secrets
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from celery import current_app as celery_app
from django.db import transaction
from django.urls import resolve
from django.utils import timezone

from orders.choices import Platform
from orders.models import Order, OrderLine, Product, Seller, SellerMembership
from orders.ship_to import clean as ship_to_clean
from reship import workflow
from reship.accounts.models import User
from reship.choices import NotificationChannel, NotificationStatus, RequestStatus, Resolution
from reship.core import signing
from reship.models import Notification, ReshipRequest
from suppliers.choices import MemberRole, PartnerMode
from suppliers.models import DropshipPartner, PartnerMembership, Supplier

# SKU → (name, unit price, unit cost); each line of the order is quantity 2.
CATALOGUE = {
    "STORY-A": ("Ceramic mug 陶瓷杯", Decimal("30.00"), Decimal("12.00")),
    "STORY-B1": ("Desk lamp 台灯", Decimal("40.00"), Decimal("18.00")),
    "STORY-B2": ("Tea set 茶具", Decimal("50.00"), Decimal("22.00")),
    "STORY-C": ("Silk scarf 丝巾", Decimal("60.00"), Decimal("25.00")),
}
# The four requests: (story, [(sku, resolution)]), one unit each. A and C are claimed twice, so
# the order's lines are fully used by the end; B1 and B2 once.
STORIES: list[tuple[str, list[tuple[str, str]]]] = [
    ("resend", [("STORY-A", Resolution.RESEND)]),
    ("restock then resend", [("STORY-B1", Resolution.RESTOCK_RESEND)]),
    ("compensation", [("STORY-C", Resolution.COMPENSATION)]),
    (
        "mix",
        [
            ("STORY-A", Resolution.RESEND),
            ("STORY-B2", Resolution.RESTOCK_RESEND),
            ("STORY-C", Resolution.COMPENSATION),
        ],
    ),
]
COMPENSATION_AMOUNT = Decimal("25.00")
SHIPPING_QUOTE = Decimal("12.00")


class StoryCastConflict(Exception):
    """A story username belongs to someone else: the story cannot reuse its cast."""


@dataclass
class Cast:
    seller_user: User
    partner_user: User
    source: Supplier
    order: Order


@dataclass
class StoryRun:
    story: str
    request: ReshipRequest
    stages: list[str] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)

    @property
    def closed(self) -> bool:
        return self.request.status == RequestStatus.CLOSED


@dataclass
class DeliveryCounts:
    sent: int
    pending: int
    failed: int

    @property
    def total(self) -> int:
        return self.sent + self.pending + self.failed

    def short_of_delivered(self, *, waited: bool) -> bool:
        """Whether any row failed, or is still pending after the delivery was waited for."""
        return bool(self.failed or (self.pending and waited))


# --- the cast: reused by name, or new for this run ----------------------------------------------


def story_tag() -> str:
    """This run's name: when it ran, and a few random characters (two runs in one second differ)."""
    return f"{timezone.localtime():%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"


def cast_ensure(*, tag: str, fresh: bool) -> Cast:
    """The story's seller, partner and source (found by name, created once) and a new order."""
    suffix = f" {tag}" if fresh else ""
    handle = f"-{tag}" if fresh else ""
    with transaction.atomic():
        # The story's shop sends its survey as soon as the goods arrive (survey delay 0 days).
        seller, _ = Seller.objects.update_or_create(
            name=f"Story Shop 故事小店{suffix}",
            defaults={"survey_delay_days": 0},
            create_defaults={"contact_email": f"shop{handle}@story.example", "survey_delay_days": 0},
        )
        partner, _ = DropshipPartner.objects.get_or_create(
            name=f"Story Dropship 故事代发{suffix}",
            defaults={
                "mode": PartnerMode.PROFESSIONAL,
                "email": f"dropship{handle}@story.example",
                "review_sla_hours": 24,
                "fulfilment_sla_hours": 72,
            },
        )
        source, _ = Supplier.objects.get_or_create(
            name=f"Story Source 故事货源{suffix}", defaults={"email": f"source{handle}@story.example"}
        )
        seller_user = _member_ensure(f"story-seller{handle}", language="en", seller=seller)
        partner_user = _member_ensure(f"story-partner{handle}", language="zh-hans", partner=partner)
        order = Order.objects.create(
            seller=seller,
            partner=partner,
            platform=Platform.TAOBAO,
            platform_order_number=f"STORY-{tag}",
            customer_name="李雷",
            customer_email="li.lei@story.example",
            customer_phone="+86 138 0013 8000",
            **ship_to_clean(
                {
                    "name": "李雷",
                    "phone": "+86 138 0013 8000",
                    "province": "上海市",
                    "city": "上海市",
                    "district": "浦东新区",
                    "street": "世纪大道 100 号",
                }
            ),
            amount=sum((price * 2 for _name, price, _cost in CATALOGUE.values()), Decimal("0.00")),
            placed_at=timezone.now() - timedelta(days=6),
        )
        for sku, (name, price, cost) in CATALOGUE.items():
            product, _ = Product.objects.get_or_create(
                seller=seller, sku_code=sku, defaults={"name": name, "supplier": source, "unit_cost": cost}
            )
            OrderLine.objects.create(order=order, product=product, quantity=2, unit_price=price)
    return Cast(seller_user=seller_user, partner_user=partner_user, source=source, order=order)


def _member_ensure(
    username: str, *, language: str, seller: Seller | None = None, partner: DropshipPartner | None = None
) -> User:
    user, created = User.objects.get_or_create(
        username=username, defaults={"email": f"{username}@story.example", "language": language}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    if seller is not None:
        seller_membership, _ = SellerMembership.objects.get_or_create(
            user=user, defaults={"seller": seller, "role": MemberRole.MANAGER}
        )
        belongs = seller_membership.seller_id == seller.pk
    else:
        assert partner is not None  # one of the two organisations is given
        partner_membership, _ = PartnerMembership.objects.get_or_create(
            user=user, defaults={"partner": partner, "role": MemberRole.MANAGER}
        )
        belongs = partner_membership.partner_id == partner.pk
    if not belongs or not user.is_active:
        raise StoryCastConflict(f"The user {username} exists but is not the story's; run with --fresh.")
    return user


# --- one request, from submission to closed -----------------------------------------------------


def stories_drive(cast: Cast) -> list[StoryRun]:
    """Every story of ``STORIES``, in order, on the cast's order."""
    return [story_drive(cast, story, lines) for story, lines in STORIES]


def story_drive(cast: Cast, story: str, wanted: list[tuple[str, str]]) -> StoryRun:
    seller, partner = cast.seller_user, cast.partner_user
    order_lines = {line.product.sku_code: line for line in cast.order.lines.select_related("product")}
    request = workflow.reship_submit(
        actor=seller,
        order_id=cast.order.pk,
        reason="damaged",
        description=f"Story: {story}. The parcel arrived damaged.",
        lines=[workflow.LineRequest(order_lines[sku].pk, 1, resolution) for sku, resolution in wanted],
    )
    run = StoryRun(story=story, request=request, stages=[request.status], steps=["seller submitted"])

    def step(label: str) -> None:
        run.request = ReshipRequest.objects.select_related("order").get(pk=request.pk)
        if run.request.status != run.stages[-1]:
            run.stages.append(run.request.status)
        run.steps.append(label)

    goods = [(sku, resolution) for sku, resolution in wanted if resolution != Resolution.COMPENSATION]
    workflow.reship_approve(
        request_id=request.pk,
        actor=partner,
        quote_goods=sum((CATALOGUE[sku][2] for sku, _resolution in goods), Decimal("0.00")),
        quote_shipping=SHIPPING_QUOTE if goods else Decimal("0.00"),
        cost_bearer="partner",
        promised_date=timezone.localdate() + timedelta(days=3),
    )
    step("partner approved with a quote")
    workflow.reship_accept_quote(request_id=request.pk, actor=seller)
    step("seller accepted the quote")

    lines = {line.order_line.product.sku_code: line for line in request.lines.select_related("order_line__product")}
    to_restock = [lines[sku].pk for sku, resolution in wanted if resolution == Resolution.RESTOCK_RESEND]
    if to_restock:
        workflow.reship_start_restock(request_id=request.pk, actor=partner, line_ids=to_restock)
        step(f"partner ordered a restock of {len(to_restock)} line(s) from the source")
        for restock_id in restock_links_followed(request):
            workflow.reship_confirm_restock(
                restock_order_id=restock_id, actor=None, ship_date=timezone.localdate(), note="Ships today."
            )
        step("source confirmed through its signed link")
    if goods:
        workflow.reship_ship(
            request_id=request.pk,
            actor=partner,
            items=[workflow.ShipItem(lines[sku].pk) for sku, _resolution in goods],
            carrier="SF Express",
            tracking_number=f"SF{700000000000 + request.pk}",
            quality_check_note="Checked before packing.",
        )
        step(f"partner shipped {len(goods)} line(s)")
    to_compensate = [lines[sku].pk for sku, resolution in wanted if resolution == Resolution.COMPENSATION]
    if to_compensate:
        workflow.reship_compensate(
            request_id=request.pk,
            actor=partner,
            line_ids=to_compensate,
            method="voucher",
            amount=COMPENSATION_AMOUNT,
        )
        step(f"partner compensated {len(to_compensate)} line(s)")
    workflow.reship_confirm_info_update(request_id=request.pk, actor=seller, note="Tracking added on Taobao.")
    step("seller updated the platform")
    if ReshipRequest.objects.get(pk=request.pk).status == RequestStatus.CUSTOMER_CONTACT:
        workflow.reship_contact_customer(request_id=request.pk, actor=seller, channel="email")
        step("seller emailed the customer")
    else:
        step("the shipped or compensated message had told the customer: contact step done")
    workflow.reship_close(request_id=request.pk, actor=seller, rating_speed=5, rating_quality=4, rating_cooperation=5)
    step("seller closed with an evaluation")
    for parcel in request.shipments.all():
        workflow.reship_mark_delivered(shipment_id=parcel.pk, actor=partner)
        step("partner marked the parcel delivered")
    # The beat's survey sender, as it runs once the survey falls due (here at once: delay 0).
    workflow.surveys_send_due(request_ids=[request.pk])
    step("the customer was sent the survey")
    return run


def restock_links_followed(request: ReshipRequest) -> list[int]:
    """What the source does: open each confirm link in the restock emails it was sent, which names
    its restock order only through the signed token."""
    emails = Notification.objects.filter(
        request=request, template="restock_ordered", channel=NotificationChannel.EMAIL
    ).order_by("pk")
    restock_ids = []
    for email in emails:
        for item in email.payload["items"]:
            token = resolve(item["confirm_path"]).kwargs["token"]
            restock_ids.append(signing.restock_token_read(token))
    return restock_ids


# --- what was written and what was delivered ----------------------------------------------------


def delivery_is_eager() -> bool:
    """Embedded: Celery runs each delivery in this process as its change commits (no worker)."""
    return bool(celery_app.conf.task_always_eager)


def notifications_written(request: ReshipRequest) -> Counter[tuple[str, str, str]]:
    """Rows per (template, channel, audience), in the order they were first written."""
    rows = Notification.objects.filter(request=request).order_by("pk").values_list("template", "channel", "payload")
    return Counter((template, channel, payload.get("audience", "")) for template, channel, payload in rows)


def delivery_counts(requests: list[ReshipRequest]) -> DeliveryCounts:
    by_status = Counter(Notification.objects.filter(request__in=requests).values_list("status", flat=True).order_by())
    return DeliveryCounts(
        sent=by_status[NotificationStatus.SENT],
        pending=by_status[NotificationStatus.PENDING],
        failed=by_status[NotificationStatus.FAILED],
    )


def delivery_wait(requests: list[ReshipRequest], *, timeout: float) -> DeliveryCounts:
    """The rows' statuses once none is pending, or when ``timeout`` seconds have passed."""
    deadline = time.monotonic() + timeout
    while True:
        counts = delivery_counts(requests)
        if not counts.pending or time.monotonic() >= deadline:
            return counts
        time.sleep(0.25)
