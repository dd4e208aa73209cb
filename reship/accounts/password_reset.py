"""How many password-reset e-mails one address may ask for, and one e-mail address may receive.

Without a limit the reset page sends as many e-mails as it is asked to: a nuisance for the account
holder and a way to use the site to flood an inbox. Within ``RESHIP_PASSWORD_RESET_WINDOW_MINUTES``
at most ``RESHIP_PASSWORD_RESET_PER_ADDRESS`` from one client address and
``RESHIP_PASSWORD_RESET_PER_ACCOUNT`` to one e-mail address. Counted in the database (no Redis);
only requests that were let through count, so a flood stops costing the account holder once the
window has passed. Whether an account exists plays no part: the answer must not tell.

An e-mail address is counted as Django's reset form matches it to an account: compared after
Unicode compatibility normalisation and case folding, so ``ſeller@x.com`` (a long s), ``SELLER@X.COM``
and ``seller@x.com`` are one mailbox and share its limit.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction

from reship.accounts.models import PasswordResetRequest


def password_reset_allow(*, ip_address: str | None, email: str, now: datetime) -> bool:
    """True if a reset e-mail may go to ``email`` for a request from ``ip_address`` now; the request
    is then counted. False (and nothing counted) once either limit is reached."""
    email = unicodedata.normalize("NFKC", email.strip()).casefold()
    since = now - timedelta(minutes=settings.RESHIP_PASSWORD_RESET_WINDOW_MINUTES)
    with transaction.atomic():
        PasswordResetRequest.objects.filter(requested_at__lt=since).delete()
        recent = PasswordResetRequest.objects.filter(requested_at__gte=since)
        if recent.filter(email=email).count() >= settings.RESHIP_PASSWORD_RESET_PER_ACCOUNT:
            return False
        if ip_address and recent.filter(ip_address=ip_address).count() >= settings.RESHIP_PASSWORD_RESET_PER_ADDRESS:
            return False
        PasswordResetRequest.objects.create(requested_at=now, ip_address=ip_address or None, email=email)
    return True
