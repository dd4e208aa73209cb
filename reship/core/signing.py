"""Signed, expiring, single-purpose links for people without an account: the source confirming a
restock order, the customer answering the survey, following a request (its tracking page) and
reporting a problem with an order they found on the shop's after-sale page.

Each token is signed with a purpose-specific salt (a survey token cannot confirm a restock) and
an age limit. Single use is enforced by the state it changes: a confirmed restock order or an
answered survey refuses a second use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from reship.models import ReshipRequest, RestockOrder, Statement

RESTOCK_SALT = "reship.restock-confirm"
SURVEY_SALT = "reship.survey"
TRACK_SALT = "reship.customer-track"
REPORT_SALT = "reship.customer-report"
STATEMENT_SALT = "reship.source-statement"
# A source's statement link (对账单) stays usable through a dispute-and-adjust round.
STATEMENT_LINK_DAYS = 90
# A found order stays open for the customer's report this long after the lookup.
REPORT_LINK_HOURS = 2


class LinkError(Exception):
    """A link that cannot be used; the message says why, for the person holding it."""


class LinkExpired(LinkError):
    """A genuine link past its age limit (a page answers 410 Gone rather than 400)."""


def _dumps(value: dict[str, Any], salt: str) -> str:
    return signing.dumps(value, salt=salt, compress=True)


def _loads(token: str, salt: str, max_age_days: int) -> dict[str, Any]:
    try:
        data: dict[str, Any] = signing.loads(token, salt=salt, max_age=max_age_days * 24 * 3600)
    except signing.SignatureExpired:
        raise LinkExpired(_("This link has expired. Ask the sender for a new one.")) from None
    except signing.BadSignature:
        raise LinkError(_("This link is not valid. Check that it was copied whole.")) from None
    return data


def restock_token(restock: RestockOrder) -> str:
    return _dumps({"restock": restock.pk, "request": restock.request_id}, RESTOCK_SALT)


def restock_token_read(token: str) -> int:
    """The restock order id the token is for, or ``LinkError``."""
    data = _loads(token, RESTOCK_SALT, settings.RESHIP_RESTOCK_LINK_DAYS)
    return int(data["restock"])


def restock_confirm_path(restock: RestockOrder) -> str:
    return reverse("restock-confirm", kwargs={"token": restock_token(restock)})


def statement_token(statement: Statement) -> str:
    """A source's link to its statement with the partner: read it, confirm it, dispute a line."""
    return _dumps({"statement": statement.pk, "supplier": statement.supplier_id}, STATEMENT_SALT)


def statement_token_read(token: str) -> tuple[int, int]:
    """``(statement id, supplier id)`` the token is for, or ``LinkError``."""
    data = _loads(token, STATEMENT_SALT, STATEMENT_LINK_DAYS)
    return int(data["statement"]), int(data["supplier"])


def statement_source_path(statement: Statement) -> str:
    return reverse("source-statement", kwargs={"token": statement_token(statement)})


def survey_token(request: ReshipRequest) -> str:
    return _dumps({"survey": request.pk}, SURVEY_SALT)


def survey_token_read(token: str) -> int:
    data = _loads(token, SURVEY_SALT, settings.RESHIP_SURVEY_LINK_DAYS)
    return int(data["survey"])


def survey_path(request: ReshipRequest) -> str:
    return reverse("survey", kwargs={"token": survey_token(request)})


def track_token(request: ReshipRequest) -> str:
    """The customer's tracking page of a request. No age in the token: the page is open until
    ``RESHIP_FOLLOW_LINK_DAYS`` after the request ended (``reship.customers.links``)."""
    return _dumps({"track": request.pk}, TRACK_SALT)


def track_token_read(token: str) -> int:
    try:
        data: dict[str, Any] = signing.loads(token, salt=TRACK_SALT)
    except signing.BadSignature:
        raise LinkError(_("This link is not valid. Check that it was copied whole.")) from None
    return int(data["track"])


def track_path(request: ReshipRequest) -> str:
    return reverse("customer-track", kwargs={"token": track_token(request)})


def report_token(order_id: int, seller_id: int) -> str:
    """After a customer found their order on the shop's after-sale page: reporting on it, for a while."""
    return _dumps({"order": order_id, "seller": seller_id}, REPORT_SALT)


def report_token_read(token: str, seller_id: int) -> int:
    """The order id, or ``LinkError`` (also for another shop's token)."""
    try:
        data: dict[str, Any] = signing.loads(token, salt=REPORT_SALT, max_age=REPORT_LINK_HOURS * 3600)
    except signing.SignatureExpired:
        raise LinkExpired(_("This page has expired. Look up your order again.")) from None
    except signing.BadSignature:
        raise LinkError(_("This link is not valid. Look up your order again.")) from None
    if int(data.get("seller", 0)) != seller_id:
        raise LinkError(_("This link is not valid. Look up your order again."))
    return int(data["order"])
