"""Writes that talk about a request without moving it: the thread between seller and partner, and
the communication log (calls, IM chats, emails, site messages with anyone involved).

Neither is a status change, so neither lives in ``reship.workflow`` nor writes an audit event; each
is still one function that loads the request through the tenancy filter (another organisation's
request is ``RequestNotFound``, never a leak), validates, and writes one row.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from reship import permissions
from reship.accounts.roles import Role
from reship.choices import AuthorRole, Counterpart, Direction
from reship.core import inputs
from reship.core.bounds import moment_in_range
from reship.core.errors import ActionNotPermitted, InvalidInput, RequestNotFound
from reship.core.uploads import upload_kind, upload_name
from reship.models import CommunicationRecord, RequestMessage, ReshipRequest
from suppliers.choices import Channel

if TYPE_CHECKING:
    from reship.accounts.models import User

AUTHOR_ROLE_OF_SIDE = {Role.SELLER: AuthorRole.SELLER, Role.PARTNER: AuthorRole.PARTNER}
# A contact logged a little ahead of the server's clock is a clock difference, not the future.
FUTURE_TOLERANCE = timedelta(minutes=5)


def _lock_visible(request_id: int, actor: User) -> ReshipRequest:
    """Lock the request (posts queue behind its transitions); another organisation's is not found."""
    request = (
        ReshipRequest.objects.select_for_update(of=("self",))
        .filter(permissions.visible_requests_filter(actor))
        .filter(pk=request_id)
        .first()
    )
    if request is None:
        raise RequestNotFound(_("Reship request not found."))
    return request


def _check_taking_part(actor: User, request: ReshipRequest) -> None:
    if not permissions.can_take_part(actor, request):
        raise ActionNotPermitted(_("Only the seller and the dropship partner of this request write here."))


def _text(value: str | None, field: str, *, required: bool) -> str:
    text = inputs.optional_text(value, field)
    if required and not text:
        raise InvalidInput(_("Write something first."), field_errors={field: [_("Required.")]})
    return text


def message_post(
    *, request_id: int, actor: User, body: str, attachment: UploadedFile | None = None, now: datetime | None = None
) -> RequestMessage:
    """The seller's or the partner's message in the request's thread, with an optional photo or PDF.

    Announces nothing: the other side reads it on the request page (a notification for it would need
    an outbox template of its own)."""
    body = _text(body, "body", required=True)
    kind = upload_kind(attachment, images_only=False, field="attachment") if attachment else None
    with transaction.atomic():
        request = _lock_visible(request_id, actor)
        now = now or timezone.now()  # read once the lock is held: the thread stays in time order
        _check_taking_part(actor, request)
        role = AUTHOR_ROLE_OF_SIDE[permissions.side_of(actor, request)]
        message = RequestMessage(request=request, author=actor, author_role=role, body=body, created_at=now)
        if attachment is not None and kind is not None:
            # Stored before the row; should the transaction roll back, an orphan file is all it leaves.
            message.attachment.save(upload_name(attachment, kind, default="attachment"), attachment, save=False)
        message.save()
        return message


def communication_record_add(
    *,
    request_id: int,
    actor: User,
    counterpart: str,
    channel: str,
    summary: str,
    direction: str = Direction.OUTBOUND,
    occurred_at: datetime | None = None,
    now: datetime | None = None,
) -> CommunicationRecord:
    """Log a contact about the request that happened outside Reship (a call, an IM chat, an email)."""
    now = now or timezone.now()
    if counterpart not in Counterpart.values:
        raise InvalidInput(_("Choose who you talked to."), field_errors={"counterpart": [_("Not a valid choice.")]})
    if channel not in Channel.values:
        raise InvalidInput(_("Choose how you talked."), field_errors={"channel": [_("Not a valid choice.")]})
    if direction not in Direction.values:
        raise InvalidInput(_("Choose who reached out."), field_errors={"direction": [_("Not a valid choice.")]})
    summary = _text(summary, "summary", required=True)
    occurred_at = occurred_at or now
    if timezone.is_naive(occurred_at):
        raise InvalidInput(_("Give the time with its time zone."), field_errors={"occurred_at": [_("Not a time.")]})
    if not moment_in_range(occurred_at):
        raise InvalidInput(_("Give a time from 2000 on."), field_errors={"occurred_at": [_("Out of range.")]})
    if occurred_at > now + FUTURE_TOLERANCE:
        raise InvalidInput(
            _("A contact that was made cannot be in the future."), field_errors={"occurred_at": [_("In the future.")]}
        )
    with transaction.atomic():
        request = _lock_visible(request_id, actor)
        _check_taking_part(actor, request)
        side = permissions.side_of(actor, request)
        if counterpart == side.value:
            raise InvalidInput(
                _("Log contacts with the other parties; talks inside your own team are not logged here."),
                field_errors={"counterpart": [_("That is your own side.")]},
            )
        return CommunicationRecord.objects.create(
            request=request,
            counterpart=counterpart,
            channel=channel,
            direction=direction,
            summary=summary,
            recorded_by=actor,
            occurred_at=occurred_at,
        )
