"""API keys: an organisation's systems sign in with ``Authorization: Api-Key rsk_…``.

A key acts as its organisation's service user (a member like any other), so every permission rule
of the browser applies to it unchanged. Keys are created and revoked by the organisation's staff
(``api_key_create`` / ``api_key_revoke``, called by the "API keys" page and ``/api/v1/keys/``) and
stopped by platform admins (``api_keys_revoke_as_admin``); the secret is shown once, only its hash
is kept. ``api_key_authenticate`` is what the API's authentication asks for each request.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from orders.models import SellerMembership
from reship.accounts.models import User
from reship.accounts.roles import ORGANISATION_JOINS, organisation_for
from reship.core.errors import ActionNotPermitted, InvalidInput, RequestNotFound
from reship.models import ApiKey
from reship.models.api import api_key_generate, api_key_hash
from suppliers.models import PartnerMembership

LAST_USED_EVERY = timedelta(minutes=1)  # write last_used_at at most this often per key


def api_key_authenticate(*, raw: str, now: datetime | None = None) -> ApiKey | None:
    """The usable key of this secret with its service user loaded, its last use recorded (at most
    once per ``LAST_USED_EVERY``); ``None`` for a key unknown, revoked, expired or whose service user
    is inactive."""
    key = (
        ApiKey.objects.select_related("service_user", *(f"service_user__{join}" for join in ORGANISATION_JOINS))
        .filter(key_hash=api_key_hash(raw))
        .first()
    )
    now = now or timezone.now()
    if key is None or not key.is_usable(now) or not key.service_user.is_active:
        return None
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_EVERY:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return key


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


def api_keys_for(*, actor: User) -> QuerySet[ApiKey]:
    """The keys of the actor's organisation; none for a user of no seller or partner."""
    organisation = organisation_for(actor)
    if organisation.seller is not None:
        return ApiKey.objects.filter(seller=organisation.seller)
    if organisation.partner is not None:
        return ApiKey.objects.filter(partner=organisation.partner)
    return ApiKey.objects.none()


def api_key_revoke(*, actor: User, key_id: int) -> ApiKey:
    """Revoke one of the actor's organisation's keys (a second revoke keeps the first time); another
    organisation's key, or one that does not exist, is ``RequestNotFound``."""
    with transaction.atomic():
        key = api_keys_for(actor=actor).select_for_update().filter(pk=key_id).first()
        if key is None:
            raise RequestNotFound(_("API key not found."))
        if key.revoked_at is None:
            key.revoked_at = timezone.now()
            key.save(update_fields=["revoked_at"])
        return key


def api_keys_revoke_as_admin(*, key_ids: list[int], now: datetime | None = None) -> list[int]:
    """The platform admin's revoke, of any organisation's keys: those of the given keys not revoked
    yet are revoked now (the others keep their first time); returns the ids revoked now."""
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(
            ApiKey.objects.select_for_update()
            .filter(pk__in=key_ids, revoked_at__isnull=True)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        ApiKey.objects.filter(pk__in=ids).update(revoked_at=now)
    return ids
