"""Who may do what to a reship request: the one place that answers it.

A request is visible to its seller's staff and its partner's staff, and read by platform admins,
who take only the actions ``lifecycle.ACTORS`` gives ``Role.ADMIN`` (cancel, reassign the
partner, escalate), through the Django admin (``admin_may``). Which side takes each action is ``lifecycle.ACTORS``;
``can(action, ...)`` applies it to a user, and ``can_<verb>`` answers the questions that are not
workflow actions (writing in the thread, adding evidence, recording orders, partner settings).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from orders.choices import OrderStatus
from reship import lifecycle
from reship.accounts.roles import Role, organisation_for
from reship.choices import (
    Action,
    RequestStatus,
    StatementAction,
    StatementKind,
    StatementSide,
    StatementStatus,
)
from reship.models.requests import LINE_TO_SHIP, LINE_TO_SHIP_RESOLUTIONS, LINE_TO_SHIP_STATUSES
from suppliers.choices import MemberRole

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from orders.models import Order
    from reship.accounts.models import User
    from reship.models import ReshipLine, ReshipRequest, Statement
    from suppliers.models import DropshipPartner


def side_of(user: User | None, request: ReshipRequest) -> Role:
    """Which side of this request the user is on: SELLER, PARTNER or NONE (not theirs)."""
    if user is None or not user.is_authenticated:
        return Role.NONE
    organisation = organisation_for(user)
    if organisation.seller is not None and organisation.seller.pk == request.seller_id:
        return Role.SELLER
    if (
        organisation.partner is not None
        and organisation.partner.pk == request.partner_id
        and request.status not in lifecycle.BEFORE_PARTNER_STATUSES
    ):
        return Role.PARTNER
    return Role.NONE


def visible_requests_filter(user: User | None) -> Q:
    """The tenancy filter for any queryset of requests: the user's seller's or partner's only;
    platform admins (staff of no organisation) read all of them."""
    if user is None or not user.is_authenticated:
        return Q(pk__in=[])
    organisation = organisation_for(user)
    if organisation.seller is not None:
        return Q(seller_id=organisation.seller.pk)
    if organisation.partner is not None:
        # A customer's report is the seller's until confirmed (lifecycle.BEFORE_PARTNER_STATUSES).
        return Q(partner_id=organisation.partner.pk) & ~Q(status__in=lifecycle.BEFORE_PARTNER_STATUSES)
    if organisation.role == Role.ADMIN:
        return Q()  # platform staff read every request (to follow a dashboard figure); they act on none
    return Q(pk__in=[])


def visible_orders(user: User | None, queryset: QuerySet[Order]) -> QuerySet[Order]:
    """Orders a user may see: their seller's, or those their partner fulfils."""
    if user is None or not user.is_authenticated:
        return queryset.none()
    organisation = organisation_for(user)
    if organisation.seller is not None:
        return queryset.filter(seller_id=organisation.seller.pk)
    if organisation.partner is not None:
        return queryset.filter(partner_id=organisation.partner.pk)
    return queryset.none()


def can(action: Action, user: User | None, request: ReshipRequest) -> bool:
    """Whether the user's side may take this action on this request (status is the workflow's job)."""
    side = side_of(user, request)
    return side in (Role.SELLER, Role.PARTNER) and lifecycle.side_may(action, side)


def admin_may(action: Action, user: User | None) -> bool:
    """Whether a platform admin (staff of no organisation) takes this action: only those
    ``lifecycle.ACTORS`` gives ``Role.ADMIN``. Kept apart from ``can``, which the request pages ask:
    an admin acts from the Django admin, and the app's pages offer them nothing."""
    if user is None or not user.is_authenticated:
        return False
    return organisation_for(user).role == Role.ADMIN and lifecycle.side_may(action, Role.ADMIN)


def can_watch_platform_health(user: User | AnonymousUser | None) -> bool:
    """The admin's health page (``/admin/health/``): platform admins (staff of no organisation) who
    may read the notification outbox."""
    if user is None or not user.is_authenticated:
        return False
    return organisation_for(user).role == Role.ADMIN and user.has_perm("reship.view_notification")


def can_retry_notifications(user: User | AnonymousUser | None) -> bool:
    """Sending failed notifications again, from the health page: those platform admins who may also
    change the outbox's rows (as the outbox admin's retry action asks)."""
    return can_watch_platform_health(user) and user is not None and user.has_perm("reship.change_notification")


def can_submit_for(user: User | None, order: Order) -> bool:
    """Only the order's seller files reship requests for it."""
    if user is None or not user.is_authenticated:
        return False
    organisation = organisation_for(user)
    return organisation.seller is not None and organisation.seller.pk == order.seller_id


def can_record_orders(user: User | None) -> bool:
    """Orders are their seller's: its staff record and import them; partners and admins read."""
    if user is None or not user.is_authenticated:
        return False
    return organisation_for(user).seller is not None


def can_take_part(user: User | None, request: ReshipRequest) -> bool:
    """Write in the request's thread and log contacts: its two sides (admins only read)."""
    return side_of(user, request) in (Role.SELLER, Role.PARTNER)


def can_add_evidence(user: User | None, request: ReshipRequest) -> bool:
    """Evidence is the seller's proof of what went wrong."""
    return side_of(user, request) == Role.SELLER


def can_manage_partner_settings(user: User | None, partner: DropshipPartner) -> bool:
    """The partner's own members with the manager role change its settings; its staff only read
    them. No query after ``partner_required`` (the membership is already loaded on the user)."""
    if user is None or not user.is_authenticated:
        return False
    membership = getattr(user, "partner_membership", None)
    return membership is not None and membership.partner_id == partner.pk and membership.role == MemberRole.MANAGER


def can_manage_shop_settings(user: User | None, seller_id: int) -> bool:
    """The seller's own members with the manager role change its shop settings (the survey's delays);
    its staff only read them. No query (the membership is loaded with the user's organisation)."""
    if user is None or not user.is_authenticated:
        return False
    membership = getattr(user, "seller_membership", None)
    return membership is not None and membership.seller_id == seller_id and membership.role == MemberRole.MANAGER


# --- the ship-to (收货信息), PIPL: a partner sees it in full only while it has goods to send ---------
# A line is the partner's to ship from approval until it is shipped (or compensated, or cancelled).
SHIP_TO_OPEN_STATUSES = frozenset({RequestStatus.APPROVED, RequestStatus.FULFILLING})
# Which lines are still to ship is the model's (reship.models.requests, where its index needs it).


def is_line_to_ship(line: ReshipLine) -> bool:
    """``LINE_TO_SHIP`` for a line already read (the ship-to window from prefetched lines)."""
    return line.resolution in LINE_TO_SHIP_RESOLUTIONS and line.status in LINE_TO_SHIP_STATUSES


def has_line_to_ship(request: ReshipRequest) -> bool:
    """Whether a line of the request waits to be sent. Lists annotate ``has_line_to_ship`` (see
    ``ship_to_window_annotation``) so this costs no query per row."""
    annotated = getattr(request, "has_line_to_ship", None)
    if annotated is not None:
        return bool(annotated)
    prefetched = getattr(request, "_prefetched_objects_cache", {}).get("lines")
    if prefetched is not None:  # the lines are in memory already (a write's answer): no query
        return any(is_line_to_ship(line) for line in prefetched)
    return request.lines.filter(LINE_TO_SHIP).exists()


def can_see_ship_to(user: User | None, request: ReshipRequest) -> bool:
    """The seller sees its customers in full; the partner only while a line of the request is its
    to ship; anyone else (platform staff in the app included) sees it masked."""
    side = side_of(user, request)
    if side == Role.SELLER:
        return True
    if side == Role.PARTNER:
        return request.status in SHIP_TO_OPEN_STATUSES and has_line_to_ship(request)
    return False


def can_read_customer_messages(user: User | None, request: ReshipRequest) -> bool:
    """The words a shop sent its customer automatically (the customer's name, the shop's links to the
    customer's tracking page and survey) are the seller's: the partner reads that a message went out,
    on which channel and whether it arrived, not what it said."""
    return side_of(user, request) == Role.SELLER


def can_see_order_ship_to(user: User | None, order: Order) -> bool:
    """An order's ship-to: its seller always; its partner while the original parcel is still to be
    sent (the order awaits shipment). A request's own ship-to follows ``can_see_ship_to``."""
    if user is None or not user.is_authenticated:
        return False
    organisation = organisation_for(user)
    if organisation.seller is not None:
        return organisation.seller.pk == order.seller_id
    if organisation.partner is not None:
        return organisation.partner.pk == order.partner_id and order.status == OrderStatus.PENDING
    return False


# --- statements (对账单) ---------------------------------------------------------------------------
def statement_side(user: User | None, statement: Statement) -> StatementSide | None:
    """Which side of this statement the user is on: the partner's staff issue it; the seller's staff
    are the counterparty of a seller statement. A source has no account: it acts through a signed
    link (``reship.core.signing``), checked by its view. ``None``: not theirs."""
    if user is None or not user.is_authenticated:
        return None
    organisation = organisation_for(user)
    if organisation.partner is not None and organisation.partner.pk == statement.partner_id:
        return StatementSide.ISSUER
    if (
        organisation.seller is not None
        and statement.kind == StatementKind.SELLER
        and organisation.seller.pk == statement.seller_id
        and statement.status != StatementStatus.DRAFT
    ):
        return StatementSide.COUNTERPARTY
    return None


def visible_statements_filter(user: User | None) -> Q:
    """The tenancy filter for statements: the partner's all of its own (drafts too), a seller's issued
    ones with that partner, platform admins every one (read only); anything else answers 404."""
    if user is None or not user.is_authenticated:
        return Q(pk__in=[])
    organisation = organisation_for(user)
    if organisation.partner is not None:
        return Q(partner_id=organisation.partner.pk)
    if organisation.seller is not None:
        return Q(kind=StatementKind.SELLER, seller_id=organisation.seller.pk) & ~Q(status=StatementStatus.DRAFT)
    if organisation.role == Role.ADMIN:
        return Q()
    return Q(pk__in=[])


def can_statement(action: StatementAction, user: User | None, statement: Statement) -> bool:
    """Whether the user's side may take this action on this statement (its status is the writer's job)."""
    side = statement_side(user, statement)
    return side is not None and lifecycle.statement_side_may(action, side)


def can_manage_settlement_terms(user: User | None, partner: DropshipPartner) -> bool:
    """A pair's terms (period, shared split, automatic issue, payment days) are the partner's
    settings: its managers change them, like the rest."""
    return can_manage_partner_settings(user, partner)
