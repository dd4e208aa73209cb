"""One small creator for the request's audit log; the workflow is its only writer."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from reship.models import ReshipEvent

if TYPE_CHECKING:
    from reship.accounts.models import User
    from reship.models import ReshipRequest


def event_create(
    *,
    request: ReshipRequest,
    actor: User | None,
    kind: str,
    from_status: str = "",
    to_status: str = "",
    message: str = "",
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> ReshipEvent:
    """``at`` is the transition's own time, so the log and the row's timestamps agree."""
    return ReshipEvent.objects.create(
        request=request,
        actor=actor,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        message=message,
        data=data or {},
        created_at=at or timezone.now(),
    )
