"""When and where a shop's customer hears from it: the shop's choice per message (automatic or
not, on which channels), the channels an order can reach at all, and SMS quiet hours.

One message per event: by default each message goes by email, or by SMS when the order has no
email address; the seller may choose email only, SMS only, both, or not automatically. SMS are not
sent between 22:00 and 08:00 in the customer's time zone: they are held until 08:00 there.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from django.conf import settings
from phonenumbers import timezone as phone_time_zones

from reship.choices import CustomerChannels, CustomerEvent
from suppliers.choices import Channel

if TYPE_CHECKING:
    from orders.models import Order

C = CustomerChannels
E = CustomerEvent

DEFAULT_CHANNELS: dict[str, str] = {
    E.REQUEST_RECEIVED: C.EMAIL_OR_SMS,
    E.LINES_SHIPPED: C.EMAIL_OR_SMS,
    E.LINES_COMPENSATED: C.EMAIL_OR_SMS,
    E.SURVEY_INVITATION: C.EMAIL_OR_SMS,
    E.REPORT_DECLINED: C.EMAIL_OR_SMS,
}
QUIET_FROM = time(22, 0)
QUIET_UNTIL = time(8, 0)


def shop_choices(seller_id: int) -> dict[str, str]:
    """Every customer message's channel choice for the shop (``CustomerChannels`` values)."""
    from reship.models import CustomerMessageSetting

    chosen = dict(CustomerMessageSetting.objects.filter(seller_id=seller_id).values_list("event", "channels"))
    return {event: chosen.get(event, DEFAULT_CHANNELS[event]) for event in CustomerEvent.values}


def shop_choice(seller_id: int, event: str) -> str:
    from reship.models import CustomerMessageSetting

    chosen = CustomerMessageSetting.objects.filter(seller_id=seller_id, event=event).values_list("channels", flat=True)
    return chosen.first() or DEFAULT_CHANNELS[CustomerEvent(event)]


def channels_for(order: Order, choice: str) -> list[str]:
    """The channels (``NotificationChannel`` values "email"/"sms") one message goes out on for this
    order under the shop's choice: only those the order can reach; empty when none or off."""
    email = bool(order.customer_email)
    phone = bool(order.customer_phone)
    if choice == C.EMAIL_OR_SMS:
        return ["email"] if email else (["sms"] if phone else [])
    if choice == C.EMAIL:
        return ["email"] if email else []
    if choice == C.SMS:
        return ["sms"] if phone else []
    if choice == C.BOTH:
        return [each for each, reachable in (("email", email), ("sms", phone)) if reachable]
    return []


def automatic_channels(order: Order, event: str) -> list[str]:
    """Where this message goes for this order automatically: the shop's choice, reachable only."""
    return channels_for(order, shop_choice(order.seller_id, event))


def contact_channels(order: Order) -> list[str]:
    """The channels the seller's contact step (客户沟通) offers for this order (``suppliers.choices.Channel``
    values), the one to preselect first: email when the order has an address, else SMS, else a logged
    phone call; a chat on the sales platform (IM) or a site message can always be logged."""
    offered: list[str] = []
    if order.customer_email:
        offered.append(Channel.EMAIL)
    if order.customer_phone:
        offered += [Channel.SMS, Channel.PHONE]
    return offered + [Channel.IM, Channel.SITE_MESSAGE]


# --- SMS quiet hours --------------------------------------------------------------------------------
def _zone(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


def customer_time_zone(order: Order) -> ZoneInfo:
    """The customer's time zone: the order's own, else the phone number's (one zone only: a country
    with several zones gives no answer), else the shop's (``TIME_ZONE``)."""
    own = _zone(order.customer_time_zone)
    if own is not None:
        return own
    number = order.ship_phone_e164 or order.customer_phone
    if number:
        try:
            parsed = phonenumbers.parse(number, order.ship_country or "CN")
        except phonenumbers.NumberParseException:
            parsed = None
        if parsed is not None:
            zones = [each for each in phone_time_zones.time_zones_for_number(parsed) if each != "Etc/Unknown"]
            if len(zones) == 1 and (zone := _zone(zones[0])) is not None:
                return zone
    return ZoneInfo(settings.TIME_ZONE)


def sms_send_at(order: Order, now: datetime) -> datetime:
    """When an SMS written now may go: now, or 08:00 the next morning in the customer's time zone when
    it is between 22:00 and 08:00 there."""
    zone = customer_time_zone(order)
    local = now.astimezone(zone)
    if QUIET_UNTIL <= local.time() < QUIET_FROM:
        return now
    morning = local.date() if local.time() < QUIET_UNTIL else local.date() + timedelta(days=1)
    return datetime.combine(morning, QUIET_UNTIL, tzinfo=zone)
