"""Customer messages in the shop's words: a fixed set of placeholders per message, good default
wording in Chinese (full-width punctuation) and English, a shop's own templates checked before they
are saved, and filling a template with a request's facts.

A template is plain text with ``{placeholder}`` fields and ``{{`` / ``}}`` for literal braces. Only
the names listed for its message are allowed, bare: no attribute access, index, conversion or
format spec (``{order_number.__class__}``, ``{amount:>99999}`` are refused), so a template can
neither read an object nor blow up a message. Filling never calls ``str.format``.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reship.choices import CustomerEvent
from reship.core.errors import InvalidInput

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

E = CustomerEvent

# --- the placeholders ---------------------------------------------------------------------------
PLACEHOLDER_HELP: dict[str, StrPromise] = {
    "shop": gettext_lazy("The shop's display name"),
    "customer_name": gettext_lazy("The customer's name"),
    "order_number": gettext_lazy("The platform order number the customer knows"),
    "items": gettext_lazy("The items concerned, with quantities"),
    "follow_link": gettext_lazy("The link to the request's tracking page"),
    "carrier": gettext_lazy("The carrier of the replacement"),
    "tracking_number": gettext_lazy("The replacement's tracking number"),
    "tracking_link": gettext_lazy("The carrier's tracking page for the parcel"),
    "amount": gettext_lazy("The compensation, with its currency"),
    "method": gettext_lazy("How the customer is compensated (refund, voucher, cash)"),
    "survey_link": gettext_lazy("The link to the satisfaction survey"),
    "survey_days": gettext_lazy("How many days the survey link stays valid"),
    "reason": gettext_lazy("Why the shop declined the report"),
}
# What a shop's preview fills its templates with (the live preview of the template page), per language.
SAMPLE_VALUES: dict[str, dict[str, str]] = {
    "zh-hans": {
        "shop": "小鹿家居旗舰店",
        "customer_name": "王女士",
        "order_number": "3561298847201937",
        "items": "陶瓷马克杯（蓝）× 2",
        "follow_link": "https://example.com/t/abc123/",
        "carrier": "顺丰速运",
        "tracking_number": "SF1234567890123",
        "tracking_link": "https://www.sf-express.com/",
        "amount": "¥39.00",
        "method": "退款",
        "survey_link": "https://example.com/survey/abc123/",
        "survey_days": "14",
        "reason": "订单已超过售后期限",
    },
    "en": {
        "shop": "Little Deer Home",
        "customer_name": "Ms Wang",
        "order_number": "3561298847201937",
        "items": "Ceramic mug (blue) × 2",
        "follow_link": "https://example.com/t/abc123/",
        "carrier": "SF Express",
        "tracking_number": "SF1234567890123",
        "tracking_link": "https://www.sf-express.com/",
        "amount": "CNY 39.00",
        "method": "refund",
        "survey_link": "https://example.com/survey/abc123/",
        "survey_days": "14",
        "reason": "the order is past the return window",
    },
}
COMMON = ("shop", "customer_name", "order_number", "follow_link")
PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    E.REQUEST_RECEIVED: (*COMMON, "items"),
    E.LINES_SHIPPED: (*COMMON, "items", "carrier", "tracking_number", "tracking_link"),
    E.LINES_COMPENSATED: (*COMMON, "items", "amount", "method"),
    E.SURVEY_INVITATION: (*COMMON, "survey_link", "survey_days"),
    E.REPORT_DECLINED: (*COMMON, "items", "reason"),
}


@dataclass(frozen=True)
class Wording:
    """One message in one language: the email's subject and body, and the SMS."""

    subject: str
    body: str
    sms: str


# --- the defaults (what a shop sends until it writes its own) -----------------------------------
DEFAULTS: dict[tuple[str, str], Wording] = {
    (E.REQUEST_RECEIVED, "zh-hans"): Wording(
        "{shop}：已收到您的售后申请（订单 {order_number}）",
        "{customer_name}，您好！\n\n我们已收到您关于订单 {order_number} 的售后申请：{items}。"
        "我们会尽快处理，进度可随时在这里查看：\n{follow_link}\n\n{shop}",
        "【{shop}】已收到您订单{order_number}的售后申请，我们会尽快处理。进度查看：{follow_link}",
    ),
    (E.REQUEST_RECEIVED, "en"): Wording(
        "{shop}: we have received your request about order {order_number}",
        "Dear {customer_name},\n\nWe have received your request about order {order_number}: {items}. "
        "We will sort it out quickly; you can follow its progress here:\n{follow_link}\n\n{shop}",
        "{shop}: we received your request about order {order_number} and are on it. Follow it: {follow_link}",
    ),
    (E.LINES_SHIPPED, "zh-hans"): Wording(
        "{shop}：您的补发商品已发出（订单 {order_number}）",
        "{customer_name}，您好！\n\n您订单 {order_number} 的补发商品已经发出：{items}。\n"
        "快递公司：{carrier}\n运单号：{tracking_number}\n物流查询：{tracking_link}\n\n"
        "处理进度：{follow_link}\n\n给您带来不便，敬请谅解。\n{shop}",
        "【{shop}】您订单{order_number}的补发商品已由{carrier}发出，运单号{tracking_number}。进度：{follow_link}",
    ),
    (E.LINES_SHIPPED, "en"): Wording(
        "{shop}: your replacement for order {order_number} is on its way",
        "Dear {customer_name},\n\nWe have sent you a replacement for order {order_number}: {items}.\n"
        "Carrier: {carrier}\nTracking number: {tracking_number}\nFollow the parcel: {tracking_link}\n\n"
        "Your request: {follow_link}\n\nSorry for the trouble.\n{shop}",
        "{shop}: your replacement for order {order_number} left with {carrier}, tracking {tracking_number}. "
        "Follow it: {follow_link}",
    ),
    (E.LINES_COMPENSATED, "zh-hans"): Wording(
        "{shop}：您的补偿已办理（订单 {order_number}）",
        "{customer_name}，您好！\n\n关于订单 {order_number}（{items}），我们已为您办理补偿：{amount}（{method}）。\n\n"
        "处理进度：{follow_link}\n\n给您带来不便，敬请谅解。\n{shop}",
        "【{shop}】您订单{order_number}的补偿{amount}（{method}）已办理。详情：{follow_link}",
    ),
    (E.LINES_COMPENSATED, "en"): Wording(
        "{shop}: your compensation for order {order_number}",
        "Dear {customer_name},\n\nFor order {order_number} ({items}) we have compensated you: {amount} ({method}).\n\n"
        "Your request: {follow_link}\n\nSorry for the trouble.\n{shop}",
        "{shop}: your compensation of {amount} ({method}) for order {order_number} is done. Details: {follow_link}",
    ),
    (E.SURVEY_INVITATION, "zh-hans"): Wording(
        "{shop}：请为这次售后处理打个分",
        "{customer_name}，您好！\n\n订单 {order_number} 的问题已经处理完毕。您对处理结果满意吗？"
        "花一分钟告诉我们：\n{survey_link}\n\n链接 {survey_days} 天内有效。\n\n{shop}",
        "【{shop}】订单{order_number}的售后已处理完毕，请为我们打个分：{survey_link}",
    ),
    (E.SURVEY_INVITATION, "en"): Wording(
        "{shop}: how did we do?",
        "Dear {customer_name},\n\nWe recently sorted out a problem with your order {order_number}. "
        "How happy are you with the result? It takes a minute:\n{survey_link}\n\n"
        "The link stays valid for {survey_days} days.\n\n{shop}",
        "{shop}: how did we do with your order {order_number}? Tell us in a minute: {survey_link}",
    ),
    (E.REPORT_DECLINED, "zh-hans"): Wording(
        "{shop}：关于您订单 {order_number} 的售后申请",
        "{customer_name}，您好！\n\n很抱歉，我们无法受理您关于订单 {order_number} 的售后申请（{items}）。\n"
        "原因：{reason}\n\n如有疑问，请在购买平台上联系我们。\n{shop}",
        "【{shop}】很抱歉，您订单{order_number}的售后申请未能受理：{reason}",
    ),
    (E.REPORT_DECLINED, "en"): Wording(
        "{shop}: about your request for order {order_number}",
        "Dear {customer_name},\n\nWe are sorry: we cannot accept your request about order {order_number} "
        "({items}).\nReason: {reason}\n\nIf you have questions, contact us on the platform you bought from.\n{shop}",
        "{shop}: sorry, we cannot accept your request about order {order_number}: {reason}",
    ),
}
LANGUAGES = ("zh-hans", "en")


def language_of(code: str) -> str:
    """The template language for a customer's language code (Chinese unless it is English)."""
    return "en" if (code or "").startswith("en") else "zh-hans"


def default_wording(event: str, language: str) -> Wording:
    return DEFAULTS[(CustomerEvent(event), language_of(language))]


def wording_for(seller_id: int, event: str, language: str) -> Wording:
    """The shop's own wording of the message in this language, or the default."""
    from reship.models import CustomerMessageTemplate

    own = (
        CustomerMessageTemplate.objects.filter(seller_id=seller_id, event=event, language=language_of(language))
        .only("subject", "body", "sms")
        .first()
    )
    if own is None:
        return default_wording(event, language)
    return Wording(own.subject, own.body, own.sms)


# --- checking a shop's template -------------------------------------------------------------------
def _fields(text: str) -> list[tuple[str, str | None, str | None, str | None]]:
    return list(string.Formatter().parse(text))


def template_check(text: str, event: str, *, field: str = "body") -> str:
    """The text, if every ``{...}`` in it is one of the message's placeholders, bare, with balanced
    braces; else ``InvalidInput`` naming the problem and listing the valid placeholders."""
    allowed = PLACEHOLDERS[CustomerEvent(event)]
    valid = ", ".join("{" + name + "}" for name in allowed)
    try:
        parts = _fields(text)
    except ValueError:
        message = _(
            "The braces do not match: write each placeholder as {name}, and {{ or }} for a brace itself. "
            "Valid placeholders: %(valid)s."
        ) % {"valid": valid}
        raise InvalidInput(message, field_errors={field: [message]}) from None
    unknown: list[str] = []
    for _literal, name, spec, conversion in parts:
        if name is None:
            continue
        if name not in allowed or spec or conversion:
            shown = "{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
            if shown not in unknown:
                unknown.append(shown)
    if unknown:
        message = _("Unknown placeholder %(unknown)s. Valid placeholders: %(valid)s.") % {
            "unknown": ", ".join(unknown),
            "valid": valid,
        }
        raise InvalidInput(message, field_errors={field: [message]})
    return text


# --- filling a template -------------------------------------------------------------------------
def fill(text: str, values: dict[str, str]) -> str:
    """The text with each placeholder replaced by its value (missing values are empty). A line whose
    placeholders all came out empty is left out (no "Tracking link:" with nothing after it). The
    template must have passed ``template_check``."""
    out_lines: list[str] = []
    for line in text.split("\n"):
        pieces: list[str] = []
        had_field = False
        had_value = False
        for literal, name, _spec, _conversion in _fields(line):
            pieces.append(literal)
            if name is not None:
                had_field = True
                value = values.get(name, "")
                had_value = had_value or bool(value)
                pieces.append(value)
        if had_field and not had_value:
            continue
        out_lines.append("".join(pieces))
    return "\n".join(out_lines).strip()


def dedup_key(request_id: int, event: str, channel: str, about: str | int = "") -> str:
    """The identity of one customer message (``Notification.dedup_key``, unique): the same request,
    message, channel and subject (a parcel, a set of lines) is sent once, whoever asks again."""
    return f"customer:{request_id}:{event}:{channel}:{about}"
