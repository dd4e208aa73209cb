"""A dropship partner's own settings: SLA hours, auto-approval rules, the outgoing webhook, the
preferred channel and each pair's settlement terms. Every change is one keyword-only function here,
in one transaction, that checks ``permissions.can_manage_partner_settings`` (for the terms
``can_manage_settlement_terms``) first: the partner's managers change settings, its staff only read
them. Views, the API and tests call these; nothing else saves these fields.

A rule or partner of another organisation does not exist for the caller (``RuleNotFound``), as
everywhere else in Reship.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from reship import permissions
from reship.choices import CostBearer, Reason, SettlementPeriod
from reship.core import inputs
from reship.core.errors import ActionNotPermitted, InvalidInput, WorkflowError
from reship.core.webhook_targets import webhook_url_clean
from reship.models import AutoApprovalRule, SettlementTerms
from reship.notifications import outbox
from reship.selectors.partner import partner_sellers
from reship.selectors.settlement_terms import partner_terms_row
from suppliers.choices import Channel
from suppliers.models import DropshipPartner

if TYPE_CHECKING:
    from reship.accounts.models import User

SLA_HOURS_MIN = 1
SLA_HOURS_MAX = 720  # 30 days: beyond that a deadline no longer says anything
PROMISED_DAYS_MAX = 365
RULE_NAME_MAX = 100
WEBHOOK_URL_MAX = 200  # DropshipPartner.webhook_url is a URLField (max_length 200)
PAYMENT_DAYS_MAX = 365  # SettlementTerms.payment_days
# The partner's switches for being told of the seller's steps (``outbox.PARTNER_SWITCHES``).
NOTIFY_SWITCHES: tuple[str, ...] = tuple(outbox.PARTNER_SWITCHES.values())


class RuleNotFound(WorkflowError):
    code = "not_found"
    http_status = 404


def _lock_partner(actor: User, partner_id: int) -> DropshipPartner:
    partner = DropshipPartner.objects.select_for_update().filter(pk=partner_id).first()
    membership = getattr(actor, "partner_membership", None)
    if partner is None or membership is None or membership.partner_id != partner.pk:
        raise RuleNotFound(_("Dropship partner not found."))
    if not permissions.can_manage_partner_settings(actor, partner):
        raise ActionNotPermitted(
            _("Only a manager of %(partner)s may change its settings.") % {"partner": partner.name}
        )
    return partner


# --- input checks ------------------------------------------------------------------------------


def _sla_hours(value: Any, field: str) -> int:
    message = _("Give a whole number of hours from %(low)d to %(high)d.") % {
        "low": SLA_HOURS_MIN,
        "high": SLA_HOURS_MAX,
    }
    return inputs.whole_number(value, field, low=SLA_HOURS_MIN, high=SLA_HOURS_MAX, message=message)


def _webhook_url(value: Any) -> str:
    url = (value or "").strip()
    if not url:
        return ""
    return webhook_url_clean(url, field="webhook_url", max_length=WEBHOOK_URL_MAX)


def _new_secret() -> str:
    return secrets.token_urlsafe(32)


# --- services ----------------------------------------------------------------------------------


def partner_settings_update(
    *,
    actor: User,
    partner_id: int,
    review_sla_hours: Any,
    fulfilment_sla_hours: Any,
    webhook_url: Any,
    preferred_channel: Any,
    **switches: Any,
) -> tuple[DropshipPartner, str]:
    """Change the SLA hours (they apply to stages entered from now on; running clocks keep their
    due time), the webhook address, the preferred channel and, when given, the switches of
    ``NOTIFY_SWITCHES`` (being told of the seller's steps; one not given keeps its value).

    A webhook needs a secret to be signed with: setting an address while none is set generates
    one, returned (else "") so the page shows it once; it is never shown again."""
    with transaction.atomic():
        partner = _lock_partner(actor, partner_id)
        partner.review_sla_hours = _sla_hours(review_sla_hours, "review_sla_hours")
        partner.fulfilment_sla_hours = _sla_hours(fulfilment_sla_hours, "fulfilment_sla_hours")
        partner.webhook_url = _webhook_url(webhook_url)
        partner.preferred_channel = inputs.choice(preferred_channel, Channel, "preferred_channel")
        fields = ["review_sla_hours", "fulfilment_sla_hours", "webhook_url", "preferred_channel", "updated_at"]
        unknown = sorted(set(switches) - set(NOTIFY_SWITCHES))
        if unknown:
            raise TypeError(f"Unknown settings: {', '.join(unknown)}")
        for name, value in switches.items():
            setattr(partner, name, bool(value))
            fields.append(name)
        new_secret = ""
        if partner.webhook_url and not partner.webhook_secret:
            new_secret = partner.webhook_secret = _new_secret()
            fields.append("webhook_secret")
        partner.save(update_fields=fields)
        return partner, new_secret


def webhook_secret_rotate(*, actor: User, partner_id: int) -> str:
    """Replace the webhook signing secret and return the new one: the only time anyone sees it.
    Webhooks signed from now on use it; the receiver must switch at once."""
    with transaction.atomic():
        partner = _lock_partner(actor, partner_id)
        partner.webhook_secret = _new_secret()
        partner.save(update_fields=["webhook_secret", "updated_at"])
        return partner.webhook_secret


def _reasons(values: Iterable[Any] | None) -> list[str]:
    chosen = set()
    for value in values or ():
        chosen.add(inputs.choice(value, Reason, "reasons"))
    return [code for code in Reason.values if code in chosen]  # stable order: the choices' order


def _sellers(partner: DropshipPartner, seller_ids: Iterable[Any] | None) -> list:
    message = _("Choose sellers whose orders you fulfil.")
    try:
        wanted = {int(pk) for pk in seller_ids or ()}
    except (TypeError, ValueError):
        raise InvalidInput(message, field_errors={"sellers": [message]}) from None
    sellers = list(partner_sellers(partner=partner).filter(pk__in=wanted)) if wanted else []
    if len(sellers) != len(wanted):
        raise InvalidInput(message, field_errors={"sellers": [message]})
    return sellers


def auto_approval_rule_save(
    *,
    actor: User,
    partner_id: int,
    rule_id: int | None = None,
    name: Any,
    is_active: bool = True,
    reasons: Iterable[Any] | None = None,
    max_line_value: Any = None,
    seller_ids: Iterable[int] | None = None,
    cost_bearer: Any,
    quote_shipping: Any = "0",
    promised_days: Any = 3,
) -> AutoApprovalRule:
    """Create (``rule_id=None``) or change one of the partner's auto-approval rules. Reasons are
    stored as a list of reason codes (empty: any reason); sellers must be among those whose orders
    the partner fulfils (none: every seller)."""
    with transaction.atomic():
        partner = _lock_partner(actor, partner_id)
        rule = (
            AutoApprovalRule(partner=partner)
            if rule_id is None
            else AutoApprovalRule.objects.filter(partner=partner, pk=rule_id).first()
        )
        if rule is None:
            raise RuleNotFound(_("Auto-approval rule not found."))
        rule.name = (name or "").strip()
        if not rule.name:
            raise InvalidInput(_("Give the rule a name."), field_errors={"name": [_("Required.")]})
        if len(rule.name) > RULE_NAME_MAX:
            message = _("The name is too long (at most %(max)d characters).") % {"max": RULE_NAME_MAX}
            raise InvalidInput(message, field_errors={"name": [message]})
        rule.is_active = bool(is_active)
        rule.reasons = _reasons(reasons)
        rule.max_line_value = inputs.optional_money(max_line_value, "max_line_value")
        rule.cost_bearer = inputs.choice(cost_bearer, CostBearer, "cost_bearer")
        rule.quote_shipping = inputs.money(quote_shipping, "quote_shipping")
        message = _("Give a whole number of days from 0 to %(max)d.") % {"max": PROMISED_DAYS_MAX}
        rule.promised_days = inputs.whole_number(
            promised_days, "promised_days", low=0, high=PROMISED_DAYS_MAX, message=message
        )
        sellers = _sellers(partner, seller_ids)
        rule.save()
        rule.sellers.set(sellers)
        return rule


def auto_approval_rule_set_active(*, actor: User, partner_id: int, rule_id: int, is_active: bool) -> AutoApprovalRule:
    """Switch a rule on or off without touching its terms."""
    with transaction.atomic():
        partner = _lock_partner(actor, partner_id)
        rule = AutoApprovalRule.objects.filter(partner=partner, pk=rule_id).first()
        if rule is None:
            raise RuleNotFound(_("Auto-approval rule not found."))
        rule.is_active = bool(is_active)
        rule.save(update_fields=["is_active"])
        return rule


def auto_approval_rule_delete(*, actor: User, partner_id: int, rule_id: int) -> str:
    """Delete one of the partner's rules; returns its name for the confirmation message. Requests
    it approved keep their approval (the event records the rule's name)."""
    with transaction.atomic():
        partner = _lock_partner(actor, partner_id)
        rule = AutoApprovalRule.objects.filter(partner=partner, pk=rule_id).first()
        if rule is None:
            raise RuleNotFound(_("Auto-approval rule not found."))
        name = rule.name
        rule.delete()
        return name


# --- settlement terms (对账结算) -----------------------------------------------------------------


def settlement_terms_save(
    *,
    actor: User,
    partner_id: int,
    kind: str,
    counterparty_id: int,
    period: Any,
    shared_seller_percent: Any,
    auto_issue: bool,
    payment_days: Any,
) -> SettlementTerms:
    """Set how the partner settles with one seller (``kind="seller"``) or source (``"source"``):
    the statement period, the seller's share of shared costs (0–100 %), whether statements are issued
    automatically at period end, and the days to pay. The partner's managers only
    (``permissions.can_manage_settlement_terms``); a seller or source the partner does not work with
    is not there (``RuleNotFound``, 404). Statements already drawn up keep their figures; the new
    terms apply from the pair's next period (``periods.following`` starts it the day after the last
    statement, so a new period kind never leaves a gap or an overlap)."""
    with transaction.atomic():
        partner = DropshipPartner.objects.select_for_update().filter(pk=partner_id).first()
        membership = getattr(actor, "partner_membership", None)
        if partner is None or membership is None or membership.partner_id != partner.pk:
            raise RuleNotFound(_("Dropship partner not found."))
        if not permissions.can_manage_settlement_terms(actor, partner):
            raise ActionNotPermitted(
                _("Only a manager of %(partner)s may change its settlement terms.") % {"partner": partner.name}
            )
        row = partner_terms_row(partner=partner, kind=kind, counterparty_id=counterparty_id)
        if row is None:
            raise RuleNotFound(_("No such seller or source among those you work with."))
        terms = row.terms
        terms.period = inputs.choice(period, SettlementPeriod, "period")
        percent_message = _("Give a whole percentage from 0 to 100.")
        terms.shared_seller_percent = inputs.whole_number(
            shared_seller_percent, "shared_seller_percent", low=0, high=100, message=percent_message
        )
        terms.auto_issue = bool(auto_issue)
        days_message = _("Give a whole number of days from 0 to %(max)d.") % {"max": PAYMENT_DAYS_MAX}
        terms.payment_days = inputs.whole_number(
            payment_days, "payment_days", low=0, high=PAYMENT_DAYS_MAX, message=days_message
        )
        terms.save()
        return terms
