"""The API's sign-in by key: ``Authorization: Api-Key rsk_…``.

Only the DRF side lives here: reading the header and answering 401. Which key a secret is, whether
it still signs in and its last use are ``reship.services.api_keys`` (with creating and revoking
keys); the request then acts as the key's organisation's service user.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from reship.services.api_keys import api_key_authenticate


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Api-Key"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode(errors="replace")
        raw = ""
        if header[: len(self.keyword) + 1].lower() == f"{self.keyword.lower()} ":
            raw = header[len(self.keyword) + 1 :].strip()
        if not raw:
            return None
        key = api_key_authenticate(raw=raw)
        if key is None:
            raise exceptions.AuthenticationFailed(_("The API key is unknown, revoked or expired."))
        return key.service_user, key

    def authenticate_header(self, request) -> str:
        return self.keyword
