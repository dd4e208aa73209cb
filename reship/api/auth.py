"""API keys: an organisation's systems sign in with ``Authorization: Api-Key rsk_…``.

A key acts as its organisation's service user (a member like any other), so every permission rule
of the browser applies to it unchanged. Keys are created and revoked by the organisation's staff
(``api_key_create`` / ``api_key_revoke``) and by admins; the key itself is shown once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from orders.models import SellerMembership
from reship.accounts.models import User
from reship.accounts.roles import ORGANISATION_JOINS, organisation_for
from reship.core.errors import ActionNotPermitted, InvalidInput, RequestNotFound
from reship.models import ApiKey
from reship.models.api import api_key_generate, api_key_hash
from suppliers.models import PartnerMembership

LAST_USED_EVERY = timedelta(minutes=1)  # write last_used_at at most this often per key


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Api-Key"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode(errors="replace")
        raw = ""
        if header[: len(self.keyword) + 1].lower() == f"{self.keyword.lower()} ":
            raw = header[len(self.keyword) + 1 :].strip()
        if not raw:
            return None
        key = (
            ApiKey.objects.select_related("service_user", *(f"service_user__{join}" for join in ORGANISATION_JOINS))
            .filter(key_hash=api_key_hash(raw))
            .first()
        )
        now = timezone.now()
        if key is None or not key.is_usable(now) or not key.service_user.is_active:
            raise exceptions.AuthenticationFailed(_("The API key is unknown, revoked or expired."))
        if key.last_used_at is None or now - key.last_used_at > LAST_USED_EVERY:
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        return key.service_user, key

    def authenticate_header(self, request) -> str:
        return self.keyword


def _service_user(*, seller=None, partner=None) -> User:
    """The organisation's one service user, made on its first key."""
    name = f"api.seller.{seller.pk}" if seller is not None else f"api.partner.{partner.pk}"
    user, created = User.objects.get_or_create(
        username=name, defaults={"first_name": "API", "last_name": (seller or partner).name[:150]}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
        if seller is not None:
            SellerMembership.objects.create(user=user, seller=seller)
        else:
            PartnerMembership.objects.create(user=user, partner=partner)
    return user


def api_key_create(*, actor: User, name: str, expires_at: datetime | None = None) -> tuple[ApiKey, str]:
    """A new key for the actor's organisation; returns the key row and the secret, shown once."""
    organisation = organisation_for(actor)
    if organisation.seller is None and organisation.partner is None:
        raise ActionNotPermitted(_("Only a seller's or a partner's staff create API keys."))
    if actor.username.startswith("api."):
        raise ActionNotPermitted(_("An API key cannot create other keys."))
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise InvalidInput(_("Give the key a name of at most 100 characters."), field_errors={"name": [_("Required.")]})
    if expires_at is not None and expires_at <= timezone.now():
        raise InvalidInput(_("The expiry must be in the future."), field_errors={"expires_at": [_("In the past.")]})
    raw, prefix = api_key_generate()
    with transaction.atomic():
        user = _service_user(seller=organisation.seller, partner=organisation.partner)
        key = ApiKey.objects.create(
            seller=organisation.seller,
            partner=organisation.partner,
            service_user=user,
            name=name,
            prefix=prefix,
            key_hash=api_key_hash(raw),
            created_by=actor,
            expires_at=expires_at,
        )
    return key, raw


def api_keys_for(actor: User):
    organisation = organisation_for(actor)
    if organisation.seller is not None:
        return ApiKey.objects.filter(seller=organisation.seller)
    if organisation.partner is not None:
        return ApiKey.objects.filter(partner=organisation.partner)
    return ApiKey.objects.none()


def api_key_revoke(*, actor: User, key_id: int) -> ApiKey:
    with transaction.atomic():
        key = api_keys_for(actor).select_for_update().filter(pk=key_id).first()
        if key is None:
            raise RequestNotFound(_("API key not found."))
        if key.revoked_at is None:
            key.revoked_at = timezone.now()
            key.save(update_fields=["revoked_at"])
        return key
