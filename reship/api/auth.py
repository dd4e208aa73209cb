"""The API's sign-in by key: ``Authorization: Api-Key rsk_…``, and who the caller of a view is.

Only the DRF side lives here: reading the header and answering 401. Which key a secret is, whether
it still signs in and its last use are ``reship.services.api_keys`` (with creating and revoking
keys); the request then acts as the key's organisation's service user. Wrong keys and calls with no
credentials are counted per address before they are refused (``reship.api.throttling``).
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions, permissions
from rest_framework.request import Request

from reship.accounts.models import User
from reship.api.throttling import AnonymousThrottle, BadApiKeyThrottle
from reship.services.api_keys import api_key_authenticate


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Api-Key"

    def authenticate(self, request):
        # Read as the text the server gave, not through DRF's get_authorization_header: that encodes it
        # as ISO-8859-1 first, and a character past U+00FF (a test client's or an ASGI server's) was a 500.
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if isinstance(header, bytes):
            header = header.decode(errors="replace")
        raw = ""
        if header[: len(self.keyword) + 1].lower() == f"{self.keyword.lower()} ":
            raw = header[len(self.keyword) + 1 :].strip()
        if not raw:
            return None
        throttle = BadApiKeyThrottle()
        throttle.check(request)
        try:
            # Reship's keys are printable ASCII: any other text is a wrong key (a lone surrogate could
            # not even be hashed), refused and counted like one.
            key = api_key_authenticate(raw=raw) if raw.isascii() and raw.isprintable() else None
            if key is None:
                throttle.record_failure(request)
                raise exceptions.AuthenticationFailed(_("The API key is unknown, revoked or expired."))
        finally:
            throttle.release()
        return key.service_user, key

    def authenticate_header(self, request) -> str:
        return self.keyword


class IsAuthenticatedThrottled(permissions.IsAuthenticated):
    """IsAuthenticated; a call it refuses for want of credentials is counted per address first, and
    past ``anonymous``'s rate answered 429 instead of 401."""

    def has_permission(self, request, view) -> bool:
        if super().has_permission(request, view):
            return True
        throttle = AnonymousThrottle()
        if not throttle.allow_request(request, view):
            raise exceptions.Throttled(wait=throttle.wait())
        return False


def caller(request: Request) -> User:
    """The signed-in user a view acts for: a person (session) or an API key's service user.

    Every API view is behind ``IsAuthenticated`` (the default permission class), so once a handler
    runs, ``request.user`` is never ``AnonymousUser``; this says so once, for the type checker and
    the services, as ``reship.web.http`` does for the pages. Should a view ever open to anonymous
    callers, it answers 401 here rather than act for nobody."""
    user = request.user
    if not isinstance(user, User):
        raise exceptions.NotAuthenticated()
    return user
