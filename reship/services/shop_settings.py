"""A seller's own settings (店铺设置): for now, when the customer's satisfaction survey goes out — the
days after the last delivery, and the days after shipping when no delivery is known. The seller's
managers change them (``permissions.can_manage_shop_settings``); staff read them. A change applies to
surveys scheduled from then on: a survey already scheduled or sent keeps its date."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from orders.models import Seller
from reship import permissions
from reship.core.bounds import int_from_text
from reship.core.errors import ActionNotPermitted, InvalidInput

if TYPE_CHECKING:
    from reship.accounts.models import User

SURVEY_DAYS_MIN = 0
SURVEY_DAYS_MAX = 30


def _days(value: Any, field: str, label: str) -> int:
    if isinstance(value, str):
        value = int_from_text(value)
    if isinstance(value, bool) or not isinstance(value, int) or not SURVEY_DAYS_MIN <= value <= SURVEY_DAYS_MAX:
        message = _("%(label)s must be a whole number of days from %(min)d to %(max)d.") % {
            "label": label,
            "min": SURVEY_DAYS_MIN,
            "max": SURVEY_DAYS_MAX,
        }
        raise InvalidInput(message, field_errors={field: [message]})
    return value


def shop_survey_delays_update(
    *, actor: User, seller_id: int, survey_delay_days: Any, survey_fallback_days: Any
) -> Seller:
    """Set the survey's two delays (0–30 days each)."""
    with transaction.atomic():
        if not permissions.can_manage_shop_settings(actor, seller_id):
            raise ActionNotPermitted(_("Only a manager of your shop may change its settings."))
        seller = Seller.objects.select_for_update().get(pk=seller_id)
        seller.survey_delay_days = _days(survey_delay_days, "survey_delay_days", _("Days after delivery"))
        seller.survey_fallback_days = _days(
            survey_fallback_days, "survey_fallback_days", _("Days after shipping without a delivery")
        )
        seller.save(update_fields=["survey_delay_days", "survey_fallback_days", "updated_at"])
        return seller
