"""Signed, expiring, single-purpose links for people without an account: the source confirming a
restock order, and the customer answering the survey.

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
    from reship.models import ReshipRequest, RestockOrder

RESTOCK_SALT = "reship.restock-confirm"
SURVEY_SALT = "reship.survey"


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


def survey_token(request: ReshipRequest) -> str:
    return _dumps({"survey": request.pk}, SURVEY_SALT)


def survey_token_read(token: str) -> int:
    data = _loads(token, SURVEY_SALT, settings.RESHIP_SURVEY_LINK_DAYS)
    return int(data["survey"])


def survey_path(request: ReshipRequest) -> str:
    return reverse("survey", kwargs={"token": survey_token(request)})
