"""How one outbox row reaches its recipient: one class per channel, each with ``send(notification)``.

A channel raises (``DeliveryError`` or whatever its transport raises) when the message did not get
through; ``delivery`` turns that into a retry. Channels never write to the database: marking the
row sent is the caller's job, in the transaction that holds its lock.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import smtplib
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from email.utils import formataddr, parseaddr
from typing import TYPE_CHECKING, Protocol

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.utils.module_loading import import_string

from reship.choices import NotificationChannel
from reship.core.request_context import HEADER
from reship.core.webhook_targets import PrivateTarget, WebhookUnanswered, webhook_post
from reship.notifications.rendering import is_customer_message, render, short_text

if TYPE_CHECKING:
    from reship.models import Notification

logger = logging.getLogger(__name__)


class DeliveryError(Exception):
    """The message did not get through; the text says why, for the admin's list of failures."""


class Channel(Protocol):
    def send(self, notification: Notification) -> None: ...


class EmailChannel:
    def send(self, notification: Notification) -> None:
        if not notification.recipient_address:
            raise DeliveryError("The notification has no email address.")
        subject, text, html = render(notification)
        message = EmailMultiAlternatives(
            subject=subject,
            body=text,
            from_email=_sender(notification),
            to=[notification.recipient_address],
            headers={
                "Message-ID": message_id(notification),
                # RFC 3834: tells mail servers not to send out-of-office replies to it.
                "Auto-Submitted": "auto-generated",
            },
        )
        message.attach_alternative(html, "text/html")
        _send_within(message, settings.EMAIL_TIMEOUT)


def _sender(notification: Notification) -> str:
    """A customer hears from the shop: its display name on the project's sending address."""
    if not is_customer_message(notification):
        return settings.DEFAULT_FROM_EMAIL
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    shop = str((notification.payload or {}).get("shop", ""))
    return formataddr((shop, address)) if shop and address else settings.DEFAULT_FROM_EMAIL


# --- One deadline for the whole SMTP exchange -------------------------------------------------------
# EMAIL_TIMEOUT is, for Django and smtplib, the limit of each socket operation: a mail server that
# trickles a byte now and then (the greeting, a reply) never reaches it and holds the worker until
# the task's time limit. The sockets the send opens are shut down at the deadline instead, which
# wakes any blocked read or write at once (as for webhooks, reship.core.webhook_targets).

_open_sockets = threading.local()


def _track(smtp: smtplib.SMTP, raw: socket.socket) -> socket.socket:
    """Note a connection the current send opens: its SMTP object (whose ``sock`` STARTTLS replaces)
    and the socket it starts with (``sock`` is set once the connection is made)."""
    tracked: list[tuple[smtplib.SMTP, socket.socket]] | None = getattr(_open_sockets, "list", None)
    if tracked is not None:
        tracked.append((smtp, raw))
    return raw


class _TrackedSMTP(smtplib.SMTP):
    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        return _track(self, socket.create_connection((host, port), timeout, self.source_address))


class _TrackedSMTPSSL(smtplib.SMTP_SSL):
    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        raw = socket.create_connection((host, port), timeout, self.source_address)
        return _track(self, self.context.wrap_socket(raw, server_hostname=host))


class _DeadlineSmtpBackend(SmtpBackend):
    """Django's SMTP backend whose connections ``_send_within`` can cut."""

    @property
    def connection_class(self) -> type[smtplib.SMTP]:
        return _TrackedSMTPSSL if self.use_ssl else _TrackedSMTP


_shared = threading.local()


@contextmanager
def email_session() -> Iterator[None]:
    """Emails sent inside (one worker's batch) share one connection to the mail server: the first
    opens it, the last closes it; after a failed send the next one opens a fresh one. Each message
    keeps its own deadline."""
    _shared.active, _shared.backend = True, None
    try:
        yield
    finally:
        backend: SmtpBackend | None = _shared.backend
        _shared.active, _shared.backend = False, None
        if backend is not None:
            _close_quietly(backend)


def _close_quietly(backend: SmtpBackend) -> None:
    try:
        backend.close()
    except Exception:  # the connection is going anyway; the sends were recorded
        logger.debug("Closing the mail server connection failed", exc_info=True)


def _send_within(message: EmailMultiAlternatives, seconds: float | None) -> None:
    """Send ``message`` through the configured backend, all of it within ``seconds`` when that
    backend is Django's SMTP one; ``DeliveryError`` when the server did not finish in time. Inside
    ``email_session`` the connection is the session's, left open for the next message."""
    if not seconds or import_string(settings.EMAIL_BACKEND) is not SmtpBackend:
        message.send(fail_silently=False)
        return
    shared = bool(getattr(_shared, "active", False))
    reused: SmtpBackend | None = _shared.backend if shared else None
    connection = reused if reused is not None else _DeadlineSmtpBackend(fail_silently=False)
    message.connection = connection
    tracked: list[tuple[smtplib.SMTP, socket.socket]] = []
    cut = threading.Event()

    def cut_at_deadline() -> None:
        cut.set()
        sockets = [getattr(smtp, "sock", None) or raw for smtp, raw in list(tracked)]
        current_smtp = connection.connection  # a session's connection, opened by an earlier message
        if current_smtp is not None and getattr(current_smtp, "sock", None) is not None:
            sockets.append(current_smtp.sock)
        for each in sockets:
            try:
                each.shutdown(socket.SHUT_RDWR)  # wakes any blocked read or write at once
            except OSError:
                pass

    _open_sockets.list = tracked
    timer = threading.Timer(seconds, cut_at_deadline)
    timer.daemon = True
    timer.start()
    try:
        if shared:
            connection.open()  # ours: Django's send closes only a connection it opened itself
        message.send(fail_silently=False)
    except Exception as error:
        if shared:
            _shared.backend = None
            _close_quietly(connection)
        # The deadline, or one socket operation as long (smtplib reports that as a disconnection):
        # whichever fired first, the admin reads the same reason.
        timed_out = isinstance(error, TimeoutError) or (
            isinstance(error, smtplib.SMTPServerDisconnected) and str(error).endswith("timed out")
        )
        if cut.is_set() or timed_out:
            raise DeliveryError(f"The mail server did not finish within {seconds:g} s") from error
        raise
    else:
        if shared:
            _shared.backend = connection
    finally:
        timer.cancel()
        _open_sockets.list = None
        if not shared:
            connection.close()


def message_id(notification: Notification) -> str:
    """The same Message-ID for every attempt at one row, so a mail client shows a resend once."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "reship.localhost"
    return f"<{notification.delivery_key}@{domain}>"


class InboxChannel:
    """The row is the inbox entry: delivering it is marking it sent."""

    def send(self, notification: Notification) -> None:
        return None


def webhook_signature(secret: str, timestamp: str, body: str) -> str:
    """``sha256=`` and the hex HMAC-SHA256 of ``"<timestamp>.<body>"`` under the endpoint's secret
    (the partner's legacy secret for its ``webhook_url``)."""
    digest = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def _webhook_secret(notification: Notification) -> str:
    """The secret a row is signed with: its endpoint's, or for a row without one (a partner's legacy
    ``webhook_url``) the partner's. A deactivated or deleted endpoint gets nothing more."""
    endpoint = notification.webhook_endpoint  # None without a query when the id is None
    if endpoint is not None:
        if not endpoint.is_active:
            raise DeliveryError("The webhook endpoint was deactivated; nothing more is sent to it.")
        if not endpoint.secret:
            raise DeliveryError("The webhook endpoint has no secret; webhooks are never sent unsigned.")
        return endpoint.secret
    owner = notification.request if notification.request is not None else notification.statement
    partner = owner.partner if owner is not None else None
    # A row whose endpoint was deleted loses the link (SET_NULL): it is not the partner's own URL.
    if partner is None or partner.webhook_url != notification.recipient_address:
        raise DeliveryError("The webhook endpoint was deleted or the address changed; nothing is sent to it now.")
    if not partner.webhook_secret:
        raise DeliveryError("The partner has no webhook secret; webhooks are never sent unsigned.")
    return partner.webhook_secret


class WebhookChannel:
    """POSTs the event as signed JSON to the endpoint's URL (or the partner's legacy webhook URL),
    at the address checked when the name was resolved (``reship.core.webhook_targets``), within
    ``RESHIP_WEBHOOK_TIMEOUT_SECONDS`` in all. The receiver checks the signature over the timestamp
    and the raw body, and drops repeats by ``X-Reship-Delivery`` (the body's ``id``). ``X-Request-ID``
    names the request that made the change, when one did (not for beat's and commands' rows)."""

    def send(self, notification: Notification) -> None:
        url = notification.recipient_address
        if not url.lower().startswith(("https://", "http://")):
            raise DeliveryError(f"The webhook URL {url!r} is not an http(s) address.")
        secret = _webhook_secret(notification)
        body = webhook_body(notification)
        timestamp = str(int(time.time()))
        delivery_id = str(notification.delivery_key)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Reship-Webhook/1",
            "X-Reship-Event": notification.template,
            "X-Reship-Delivery": delivery_id,
            "Webhook-Id": delivery_id,
            "X-Reship-Timestamp": timestamp,
            "X-Reship-Signature": webhook_signature(secret, timestamp, body),
        }
        if notification.origin_request_id:
            # The request whose change this announces, kept on the row when it was written: the receiver can
            # quote it to us, and it finds that request's log lines.
            headers[HEADER] = notification.origin_request_id
        timeout = settings.RESHIP_WEBHOOK_TIMEOUT_SECONDS
        try:
            answer = webhook_post(url, body=body.encode(), headers=headers, timeout=timeout)
        except PrivateTarget as error:
            raise DeliveryError(f"Refused: the webhook address is not a public one ({error}).") from error
        except WebhookUnanswered as error:
            raise DeliveryError(f"The webhook did not answer: {error}.") from error
        if 300 <= answer.status < 400:
            raise DeliveryError(f"The webhook answered HTTP {answer.status}: redirects are not followed.")
        if not 200 <= answer.status < 300:
            raise DeliveryError(f"The webhook answered HTTP {answer.status}: {answer.body_start}")


# What the outbox keeps in a row's payload for its own rendering, not for the receiver.
INTERNAL_PAYLOAD_FIELDS = frozenset({"audience"})


def webhook_body(notification: Notification) -> str:
    """The JSON a webhook carries: the same for every attempt at one row. ``data`` is what the
    outbox kept for the receiver (``payload["data"]``: the request as the API shows it and the
    event's own fields); a row without it (``webhook_test``) sends its payload, less the outbox's
    own bookkeeping."""
    payload = notification.payload
    data = (
        payload["data"]
        if "data" in payload
        else {key: value for key, value in payload.items() if key not in INTERNAL_PAYLOAD_FIELDS}
    )
    return json.dumps(
        {
            "id": str(notification.delivery_key),
            "type": notification.template,
            "created": notification.created_at.isoformat(),
            "data": data,
        },
        separators=(",", ":"),
    )


class LoggingMessagingBackend:
    """The default SMS/IM backend: logs the message and sends nothing. Set
    ``RESHIP_MESSAGING_BACKEND`` to a class with the same ``send`` to reach real phones."""

    def send(self, *, channel: str, to: str, text: str) -> None:
        logger.info("%s message to %s (not sent: logging backend): %s", channel, to, text)


class MessagingChannel:
    """SMS and IM through the backend named in ``RESHIP_MESSAGING_BACKEND``; short text only."""

    def send(self, notification: Notification) -> None:
        if not notification.recipient_address:
            raise DeliveryError("The notification has no phone number or IM address.")
        _subject, text, _html = render(notification)
        # A customer's SMS is the shop's short wording, sent whole (a link is never cut).
        text = text.strip() if is_customer_message(notification) else short_text(text)
        backend = import_string(settings.RESHIP_MESSAGING_BACKEND)()
        backend.send(channel=notification.channel, to=notification.recipient_address, text=text)


CHANNELS: dict[str, type[Channel]] = {
    NotificationChannel.EMAIL: EmailChannel,
    NotificationChannel.INBOX: InboxChannel,
    NotificationChannel.WEBHOOK: WebhookChannel,
    NotificationChannel.SMS: MessagingChannel,
    NotificationChannel.IM: MessagingChannel,
}


def channel_for(channel: str) -> Channel:
    try:
        return CHANNELS[channel]()
    except KeyError:
        raise DeliveryError(f"No channel called {channel!r}.") from None
