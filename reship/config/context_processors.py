"""What base.html needs on every page: the navigation of the user's role and the inbox badge.

Both are lazy (templates call them when they are first used, then get the same answer), so a
fragment or an admin page that never shows the navigation costs no query for it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, NamedTuple

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from reship.accounts.roles import Role, organisation_for
from reship.services.inbox import inbox_poll_seconds, inbox_unread_count

if TYPE_CHECKING:
    from django.http import HttpRequest
    from django.utils.functional import Promise

    from reship.accounts.models import User

logger = logging.getLogger(__name__)

INBOX = "account:inbox"
API_KEYS = "account:api-keys"  # the organisation's keys for its own systems
DASHBOARD = "dashboard:index"  # the evaluation dashboard, scoped to the user's side


@dataclass(frozen=True)
class NavLink:
    """One link of a role's navigation. It is the current one on its own URL and below it (or
    below ``section`` when given); where two match, the longer URL wins."""

    name: str
    label: Promise
    section: str = ""


NAVIGATION: dict[Role, tuple[NavLink, ...]] = {
    Role.SELLER: (
        NavLink("seller-home", _("Home")),
        NavLink("orders:list", _("Orders")),
        NavLink("requests:list", _("Requests")),
        NavLink("statements:list", _("Statements")),
        NavLink(DASHBOARD, _("Dashboard")),
        NavLink(INBOX, _("Inbox")),
        NavLink(API_KEYS, _("API keys")),
        NavLink("account:shop-settings", _("Shop settings")),
    ),
    Role.PARTNER: (
        NavLink("partner-home", _("Home")),
        NavLink("partner:queue", _("Review queue")),
        NavLink("requests:list", _("Requests")),
        NavLink("partner:fulfilment", _("Fulfilment")),
        NavLink("partner:to-ship", _("To ship")),
        NavLink("statements:list", _("Statements")),
        NavLink("partner:settings", _("Settings")),
        NavLink(DASHBOARD, _("Dashboard")),
        NavLink(INBOX, _("Inbox")),
        NavLink(API_KEYS, _("API keys")),
    ),
    Role.ADMIN: (NavLink("admin:index", _("Admin")), NavLink(DASHBOARD, _("Dashboard"))),
    Role.NONE: (),
}
# Everyone signed in: the profile (language, time zone) and, under the same section, the password.
ACCOUNT_NAVIGATION: tuple[NavLink, ...] = (NavLink("account:profile", _("Account"), section="/account/"),)


class NavEntry(NamedTuple):
    label: Promise | str
    url: str
    is_current: bool
    name: str


def navigation_entries(*, user: User, path: str) -> tuple[list[NavEntry], list[NavEntry]]:
    """``(role links, account links)`` for a signed-in user on ``path``.

    A link whose URL name does not resolve is left out (and logged at debug level): pages of other
    areas are built alongside the navigation and their URLs appear as they land. Once every page
    exists, tests/web/test_navigation.py asserts that each role's links all resolve and open.
    """
    if not user.is_authenticated:
        return [], []
    role_links = _resolved(NAVIGATION[organisation_for(user).role])
    account_links = _resolved(ACCOUNT_NAVIGATION)
    current = _current([*role_links, *account_links], path)

    def entries(resolved: list[tuple[NavLink, str]]) -> list[NavEntry]:
        return [NavEntry(link.label, url, link is current, link.name) for link, url in resolved]

    return entries(role_links), entries(account_links)


def _resolved(links: tuple[NavLink, ...]) -> list[tuple[NavLink, str]]:
    return [(link, url) for link in links if (url := _url(link.name)) is not None]


def _url(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        logger.debug("Navigation leaves out %s: the URL name does not resolve", name)
        return None


def _current(resolved: list[tuple[NavLink, str]], path: str) -> NavLink | None:
    matches = [(len(section), link) for link, url in resolved if path.startswith(section := link.section or url)]
    return max(matches, key=lambda match: match[0])[1] if matches else None


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Context processor: ``navigation`` and ``account_navigation`` (lists of ``NavEntry``: label,
    url, is_current, name), ``inbox_unread_count`` and ``inbox_poll_seconds``."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"navigation": (), "account_navigation": (), "inbox_unread_count": 0}

    @cache
    def entries() -> tuple[list[NavEntry], list[NavEntry]]:
        return navigation_entries(user=user, path=request.path)

    @cache
    def unread() -> int:
        return inbox_unread_count(user=user)

    return {
        "navigation": lambda: entries()[0],
        "account_navigation": lambda: entries()[1],
        "inbox_unread_count": unread,
        "inbox_poll_seconds": inbox_poll_seconds,
    }
