"""Whose requests a viewer's figures cover, and which of them a filter picks.

The viewer's scope is forced from their organisation (a seller's staff: that seller's requests;
a partner's staff: that partner's; platform admins: everyone's; anyone else: nothing), and every
other filter narrows it further — a partner asking for another partner's figures gets an empty
set, never theirs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from reship import lifecycle
from reship.accounts.roles import Role, organisation_for
from reship.choices import Reason
from reship.evaluation.sql import has_reason
from reship.models import ReshipLine, ReshipRequest

if TYPE_CHECKING:
    from reship.accounts.models import User

# The preset periods of the dashboard and the API (``period=7|30|90``), in days.
PERIOD_DAYS: tuple[int, ...] = (7, 30, 90)
DEFAULT_PERIOD_DAYS = 30


@dataclass(frozen=True)
class Scope:
    """The viewer's side: exactly one of ``seller_id`` / ``partner_id`` for staff, neither for an
    admin (everything) or a user with no organisation (nothing)."""

    role: Role
    seller_id: int | None = None
    partner_id: int | None = None

    @property
    def sees_nothing(self) -> bool:
        return self.role == Role.NONE

    def requests_filter(self) -> Q:
        if self.role == Role.SELLER:
            return Q(seller_id=self.seller_id)
        if self.role == Role.PARTNER:
            # A customer's report is the seller's until confirmed (lifecycle.BEFORE_PARTNER_STATUSES).
            return Q(partner_id=self.partner_id) & ~Q(status__in=lifecycle.BEFORE_PARTNER_STATUSES)
        if self.role == Role.ADMIN:
            return Q()
        return Q(pk__in=[])


ADMIN_SCOPE = Scope(role=Role.ADMIN)
NO_SCOPE = Scope(role=Role.NONE)


def evaluation_scope_for(user: User | None) -> Scope:
    """The scope a signed-in user's figures are forced to; ``NO_SCOPE`` (sees nothing) otherwise."""
    if user is None or not user.is_authenticated:
        return NO_SCOPE
    organisation = organisation_for(user)
    if organisation.seller is not None:  # role SELLER
        return Scope(role=Role.SELLER, seller_id=organisation.seller.pk)
    if organisation.partner is not None:  # role PARTNER
        return Scope(role=Role.PARTNER, partner_id=organisation.partner.pk)
    if organisation.role == Role.ADMIN:
        return ADMIN_SCOPE
    return NO_SCOPE


@dataclass(frozen=True, kw_only=True)
class EvaluationFilter:
    """Which requests the figures are about. The period is by ``submitted_at``, half-open
    ``[start, end)``; ``None`` leaves that side open. ``supplier_id`` keeps requests with a line of
    one of the supplier's products; ``reason`` keeps requests whose own reason or any line's reason
    it is."""

    scope: Scope
    start: datetime | None = None
    end: datetime | None = None
    partner_id: int | None = None
    supplier_id: int | None = None
    reason: str = ""

    def __post_init__(self) -> None:
        for bound in (self.start, self.end):
            if bound is not None and timezone.is_naive(bound):
                raise ValueError("The period's bounds must be aware datetimes.")
        if self.reason and self.reason not in Reason.values:
            raise ValueError(f"Unknown reason: {self.reason!r}")


def evaluation_period(
    *, now: datetime, days: int | None = None, first_day: date | None = None, last_day: date | None = None
) -> tuple[datetime, datetime]:
    """Whole local days (settings.TIME_ZONE): the last ``days`` days including today, or the custom
    range ``first_day``–``last_day`` inclusive. Returns aware ``[start, end)``."""
    tz = timezone.get_default_timezone()
    if days is not None:
        last_day = timezone.localdate(now, tz)
        first_day = last_day - timedelta(days=days - 1)
    if first_day is None or last_day is None or first_day > last_day:
        raise ValueError("Give days, or a first day on or before the last day.")
    start = datetime.combine(first_day, time.min, tzinfo=tz)
    end = datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=tz)
    return start, end


def supplier_lines(supplier_id: int) -> QuerySet[ReshipLine]:
    """The lines of a request (OuterRef) whose product comes from the supplier."""
    return ReshipLine.objects.filter(request=OuterRef("pk"), order_line__product__supplier_id=supplier_id)


def requests_for(evaluation_filter: EvaluationFilter, *, period: bool = True) -> QuerySet[ReshipRequest]:
    """The requests behind the figures, each once (the supplier and reason filters are EXISTS
    subqueries, not joins). ``period=False`` ignores the period (for "overdue now")."""
    f = evaluation_filter
    queryset = ReshipRequest.objects.filter(f.scope.requests_filter()).order_by()
    if period and f.start is not None:
        queryset = queryset.filter(submitted_at__gte=f.start)
    if period and f.end is not None:
        queryset = queryset.filter(submitted_at__lt=f.end)
    if f.partner_id is not None:
        queryset = queryset.filter(partner_id=f.partner_id)
    if f.supplier_id is not None:
        queryset = queryset.filter(Exists(supplier_lines(f.supplier_id)))
    if f.reason:
        queryset = queryset.filter(has_reason(f.reason))
    return queryset


def evaluation_filter_for(
    *,
    user: User | None,
    now: datetime,
    days: int | None = None,
    first_day: date | None = None,
    last_day: date | None = None,
    partner_id: int | None = None,
    supplier_id: int | None = None,
    reason: str = "",
) -> EvaluationFilter:
    """The filter for a signed-in user's dashboard or API call: their scope, and the last ``days``
    days (default ``DEFAULT_PERIOD_DAYS``) or the custom ``first_day``–``last_day`` range."""
    if first_day is not None or last_day is not None:
        start, end = evaluation_period(now=now, first_day=first_day, last_day=last_day)
    else:
        start, end = evaluation_period(now=now, days=days or DEFAULT_PERIOD_DAYS)
    return EvaluationFilter(
        scope=evaluation_scope_for(user),
        start=start,
        end=end,
        partner_id=partner_id,
        supplier_id=supplier_id,
        reason=reason,
    )
