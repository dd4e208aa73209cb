"""The demo's statements (对账单): each demo pair (a seller and the partner fulfilling its orders) gets
last month's statement, drawn up and issued by the partner's staff through the writer
(``reship.settlement.statements``) at the start of this month, so ``make run`` opens on a statement to
check; on the first pair's the seller disputes one line (with a reason), so the partner has one to
answer. The lines are the writer's: the pair's requests closed before the cut-off.

As with the requests (``requests`` module docstring), the notification rows these calls write are
marked delivered at their moments and the inbox entries taken out again, so nothing is sent.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone

from orders.models import Order
from reship.choices import NotificationChannel, NotificationStatus
from reship.dev.demo.parties import Parties
from reship.models import Notification, Statement
from reship.settlement import periods
from reship.settlement.statements import statement_dispute_line, statement_draft, statement_issue

DISPUTE_REASON = "这单的运费比报价多了，请按审核时的报价核对。"


def statements_create(*, now: datetime, parties: Parties) -> list[Statement]:
    """Last month's statement for every demo pair, issued on the 1st at 09:00 (or just before now)."""
    seller_ids = [seller.pk for seller in parties.sellers.values()]
    pairs = (
        Order.objects.filter(seller_id__in=seller_ids)
        .values_list("seller_id", "partner_id")
        .distinct()
        .order_by("seller_id", "partner_id")
    )
    last_before = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    start, end = periods.last_finished("monthly", now)
    issued_at = min(timezone.make_aware(datetime.combine(end + timedelta(days=1), time(9))), now)
    statements: list[tuple[int, Statement]] = []
    for seller_id, partner_id in pairs:
        partner_user = parties.partner_users[partner_id]
        draft = statement_draft(
            actor=partner_user,
            partner_id=partner_id,
            seller_id=seller_id,
            period_start=start,
            period_end=end,
            now=issued_at,
        )
        statements.append((seller_id, statement_issue(statement_id=draft.pk, actor=partner_user, now=issued_at)))
    disputed = next(((seller_id, each) for seller_id, each in statements if each.line_count), None)
    if disputed is not None:
        seller_id, statement = disputed
        line = statement.lines.order_by("-amount", "pk").first()
        if line is not None:
            statement_dispute_line(
                statement_id=statement.pk,
                line_id=line.pk,
                actor=parties.seller_users[seller_id],
                reason=DISPUTE_REASON,
                now=min(issued_at + timedelta(hours=5), now),
            )
    _notifications_delivered(after=last_before, moment=issued_at)
    return [statement for _seller_id, statement in statements]


def _notifications_delivered(*, after: int, moment: datetime) -> None:
    """The rows these calls wrote (statements' and the dispute's thread message's) as delivered;
    inbox entries out again (the ``requests`` module says why)."""
    rows = Notification.objects.filter(pk__gt=after)
    rows.filter(channel=NotificationChannel.INBOX).delete()
    rows.filter(status=NotificationStatus.PENDING).update(
        status=NotificationStatus.SENT, attempts=1, created_at=moment, next_attempt_at=moment, sent_at=moment
    )
