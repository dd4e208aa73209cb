"""What waits for the user's organisation ("waiting for me", 等待你处理): the landing pages, the
request list's ``?waiting_for=`` tabs and the API's filter read these.

Who is waited for is ``lifecycle.waiting_for`` (the step's owner, and the price side); a request's
lateness is its step owner's alone: a seller's own late requests are told apart from the partner's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import Count, F, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from reship import lifecycle, permissions
from reship.accounts.roles import Role, organisation_for
from reship.choices import Action
from reship.models import ReshipRequest

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

    from reship.accounts.models import User

ME = "me"
OTHER = "other"
WHOM_CHOICES = ((ME, _("Waiting for my organisation")), (OTHER, _("Waiting for the other side")))


@dataclass(frozen=True)
class WaitKind:
    """One kind of thing owed on a request, in the words the owner reads ("Accept or dispute the
    quote"): a step of the lifecycle, or the price side's answer."""

    key: str
    label: StrPromise
    owner: Role
    statuses: tuple[str, ...]
    quote_status: str = ""  # set for the price side: the quote must be in this state too

    def matches(self, status: str, quote_status: str) -> bool:
        return status in self.statuses and (not self.quote_status or quote_status == self.quote_status)

    @property
    def query(self) -> Q:
        if self.quote_status:
            return Q(status__in=self.statuses, quote_status=self.quote_status)
        return Q(status__in=self.statuses)


def _step_statuses(key: str) -> tuple[str, ...]:
    return tuple(status for status, step in lifecycle.STEP_OF_STATUS.items() if step == key)


_STEP_LABELS: dict[str, StrPromise] = {
    "confirm_report": _("Confirm the customer's report"),
    "review": _("Review the request"),
    "seller_answer": _("Answer the partner's question"),
    "fulfilment": _("Restock, resend or compensate"),
    "info_update": _("Confirm the info update"),
    "customer_contact": _("Contact the customer"),
    "close": _("Close and rate"),
}
_QUOTE_STATUSES = tuple(sorted(lifecycle.TRANSITIONS[Action.ACCEPT_QUOTE]))
_QUOTE_OWED_BY = {owner: quote for quote, owner in lifecycle.QUOTE_WAITS_FOR.items()}

# In the order a day's work goes: the steps of the track, the price side after its stage.
WAIT_KINDS: tuple[WaitKind, ...] = (
    *(WaitKind(step.key, _STEP_LABELS[step.key], step.owner, _step_statuses(step.key)) for step in lifecycle.STEPS[:4]),
    WaitKind(
        "accept_quote", _("Accept or dispute the quote"), Role.SELLER, _QUOTE_STATUSES, _QUOTE_OWED_BY[Role.SELLER]
    ),
    WaitKind(
        "revise_quote", _("Revise the disputed quote"), Role.PARTNER, _QUOTE_STATUSES, _QUOTE_OWED_BY[Role.PARTNER]
    ),
    *(WaitKind(step.key, _STEP_LABELS[step.key], step.owner, _step_statuses(step.key)) for step in lifecycle.STEPS[4:]),
)
WAIT_KIND_BY_KEY: dict[str, WaitKind] = {kind.key: kind for kind in WAIT_KINDS}


def side_of_user(user: User) -> Role:
    """The side the user works for (seller or partner); platform admins and others wait for nothing."""
    role = organisation_for(user).role
    return role if role in (Role.SELLER, Role.PARTNER) else Role.NONE


def other_side(side: Role) -> Role:
    return {Role.SELLER: Role.PARTNER, Role.PARTNER: Role.SELLER}.get(side, Role.NONE)


def late_filter(side: Role, *, now: datetime) -> Q:
    """Requests past their stage's due time whose step is this side's (late for it)."""
    owned = [status for status in lifecycle.OPEN_STATUSES if lifecycle.stage_owner(status) == side]
    return Q(status__in=owned, stage_due_at__lt=now)


def owed_by(*, status: str, quote_status: str, side: Role) -> list[WaitKind]:
    """What this side owes on a request in this status (none when it waits for the other side)."""
    return [kind for kind in WAIT_KINDS if kind.owner == side and kind.matches(status, quote_status)]


def whom_side(user: User, whom: str) -> Role:
    """``me`` / ``other`` as a side, for this user."""
    side = side_of_user(user)
    return side if whom == ME else other_side(side)


def waiting_filter(*, user: User, whom: str, now: datetime, step: str = "", late: bool = False) -> Q:
    """The requests waiting for the user's side (``me``) or the other side (``other``), optionally
    one kind of step of it and only the late ones (late for that side). Narrows within the tenancy
    filter, which the caller applies."""
    side = whom_side(user, whom)
    query = lifecycle.waiting_for_filter(side)
    kind = WAIT_KIND_BY_KEY.get(step)
    if kind is not None:
        query &= kind.query
    if late:
        query &= late_filter(side, now=now)
    return query


@dataclass(frozen=True)
class KindCount:
    kind: WaitKind
    count: int
    late: int


@dataclass(frozen=True)
class WaitingCounts:
    """What waits for the user's side, by kind, and what waits for the other side (counts only)."""

    side: Role
    kinds: list[KindCount]
    total: int
    late: int
    other_side: Role
    other_total: int
    other_late: int


def waiting_counts_for_user(*, user: User, now: datetime) -> WaitingCounts:
    """Every figure of the landing page in ONE aggregate query over the user's visible requests."""
    side = side_of_user(user)
    other = other_side(side)
    mine, theirs = lifecycle.waiting_for_filter(side), lifecycle.waiting_for_filter(other)
    late_mine, late_theirs = late_filter(side, now=now), late_filter(other, now=now)
    kinds = [kind for kind in WAIT_KINDS if kind.owner == side]
    aggregates = {
        "total": Count("pk", filter=mine),
        "late": Count("pk", filter=mine & late_mine),
        "other_total": Count("pk", filter=theirs),
        "other_late": Count("pk", filter=theirs & late_theirs),
    }
    for kind in kinds:
        aggregates[f"kind_{kind.key}"] = Count("pk", filter=kind.query)
        aggregates[f"late_{kind.key}"] = Count("pk", filter=kind.query & late_mine)
    figures = ReshipRequest.objects.filter(permissions.visible_requests_filter(user)).aggregate(**aggregates)
    return WaitingCounts(
        side=side,
        kinds=[KindCount(kind, figures[f"kind_{kind.key}"], figures[f"late_{kind.key}"]) for kind in kinds],
        total=figures["total"],
        late=figures["late"],
        other_side=other,
        other_total=figures["other_total"],
        other_late=figures["other_late"],
    )


def waiting_list_for_user(*, user: User) -> QuerySet[ReshipRequest]:
    """The requests waiting for the user's side, the earliest due first (so the longest overdue on
    top), those with no due time last, then by id."""
    side = side_of_user(user)
    return (
        ReshipRequest.objects.filter(permissions.visible_requests_filter(user))
        .filter(lifecycle.waiting_for_filter(side))
        .select_related("order", "seller", "partner")
        .order_by(F("stage_due_at").asc(nulls_last=True), "id")
    )
