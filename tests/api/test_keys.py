"""API keys: stored hashed, shown once, usable until revoked or expired (then a 401 with the error
body), last use recorded, throttled per key; managed through ``/api/v1/keys/``, the browser's
"API keys" page and the admin's revoke action. Another organisation's key is a 404 everywhere."""

import hashlib
import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import include, path, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from reship.api.throttling import ApiKeyRateThrottle
from reship.config.urls import urlpatterns as site_urlpatterns
from reship.models import ApiKey, IdempotencyRecord
from reship.services.api_keys import api_key_create, api_key_revoke, api_keys_revoke_as_admin
from reship.web.urls import account as account_urls
from reship.web.views import api_keys as api_keys_views
from tests.factories import PartnerMembershipFactory, SellerMembershipFactory, UserFactory


def _account_with_api_keys():
    """Until ``reship/urls/account.py`` routes the "API keys" page, these tests add it there."""
    names = {getattr(pattern, "name", None) for pattern in account_urls.urlpatterns}
    if "api-keys" in names:
        return None
    return path(
        "account/",
        include(
            (
                [
                    *account_urls.urlpatterns,
                    path("api-keys/", api_keys_views.api_keys, name="api-keys"),
                    path("api-keys/<int:key_id>/revoke/", api_keys_views.api_key_revoke_view, name="api-key-revoke"),
                ],
                "account",
            )
        ),
    )


_account = _account_with_api_keys()
urlpatterns = [
    (_account if _account is not None and getattr(pattern, "namespace", None) == "account" else pattern)
    for pattern in site_urlpatterns
]
pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

ME = "/api/v1/me/"
KEYS = "/api/v1/keys/"
KEY_FIELDS = {
    "id",
    "name",
    "prefix",
    "created_at",
    "created_by",
    "last_used_at",
    "expires_at",
    "revoked_at",
    "is_active",
}


def api_client_for(user, name: str = "erp") -> tuple[APIClient, ApiKey, str]:
    """A client signed in with a new key of the user's organisation."""
    key, raw = api_key_create(actor=user, name=name)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client, key, raw


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    cache.clear()
    yield
    cache.clear()


# --- authentication -------------------------------------------------------------------------------


def test_a_key_is_stored_as_its_sha256_only(seller_user):
    key, raw = api_key_create(actor=seller_user, name="erp")

    assert raw.startswith("rsk_")
    row = ApiKey.objects.get(pk=key.pk)
    assert row.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert row.prefix == raw[4:12]
    stored = [str(value) for value in ApiKey.objects.values_list(*[f.attname for f in ApiKey._meta.concrete_fields])[0]]
    assert not any(raw in value for value in stored)


def test_a_key_signs_in_as_its_organisations_service_user_and_records_its_use(seller_user):
    client, key, _raw = api_client_for(seller_user)
    assert key.last_used_at is None

    response = client.get(ME)

    assert response.status_code == 200
    seller = seller_user.seller_membership.seller
    assert response.json()["organisation"] == {"id": seller.pk, "name": seller.name, "kind": "seller"}
    assert response.json()["user"]["username"] == f"api.seller.{seller.pk}"
    assert response.json()["is_api_key"] is True
    key.refresh_from_db()
    assert key.last_used_at is not None
    assert timezone.now() - key.last_used_at < timedelta(minutes=1)


def test_anonymous_callers_get_401_with_the_error_body():
    response = APIClient().get(ME)

    assert response.status_code == 401
    assert response.json() == {
        "code": "not_authenticated",
        "message": "Authentication credentials were not provided.",
        "field_errors": {},
    }
    assert response["WWW-Authenticate"] == "Api-Key"


@pytest.mark.parametrize("credentials", ["Api-Key rsk_not-a-key", "Api-Key "])
def test_an_unknown_key_gets_401(credentials):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=credentials)

    assert client.get(ME).status_code == 401


def test_a_revoked_key_gets_401_with_the_error_body(seller_user):
    client, key, _raw = api_client_for(seller_user)
    api_key_revoke(actor=seller_user, key_id=key.pk)

    response = client.get(ME)

    assert response.status_code == 401
    assert response.json() == {
        "code": "authentication_failed",
        "message": "The API key is unknown, revoked or expired.",
        "field_errors": {},
    }


def test_an_expired_key_gets_401_with_the_error_body(seller_user):
    key, raw = api_key_create(actor=seller_user, name="erp", expires_at=timezone.now() + timedelta(minutes=5))
    ApiKey.objects.filter(pk=key.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")

    response = client.get(ME)

    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
    assert response.json()["message"] == "The API key is unknown, revoked or expired."


def test_the_fourth_request_in_a_minute_is_throttled_with_the_error_body(seller_user, monkeypatch):
    monkeypatch.setattr(ApiKeyRateThrottle, "rate", "3/min", raising=False)
    client, _key, _raw = api_client_for(seller_user)

    statuses = [client.get(ME).status_code for _ in range(3)]
    fourth = client.get(ME)

    assert statuses == [200, 200, 200]
    assert fourth.status_code == 429
    assert fourth.json()["code"] == "throttled"
    assert fourth.json()["field_errors"] == {}
    assert int(fourth["Retry-After"]) <= 60


def test_throttling_counts_each_key_on_its_own(seller_user, monkeypatch):
    monkeypatch.setattr(ApiKeyRateThrottle, "rate", "3/min", raising=False)
    first, _key, _raw = api_client_for(seller_user, name="one")
    second, _key, _raw = api_client_for(seller_user, name="two")
    for _ in range(3):
        first.get(ME)

    assert first.get(ME).status_code == 429
    assert second.get(ME).status_code == 200


# --- the API: list, create, revoke -------------------------------------------------------------------


def test_the_list_shows_the_organisations_keys_without_secrets(seller_user):
    client, own, raw = api_client_for(seller_user)
    _other_raw = api_key_create(actor=seller_user, name="warehouse")[1]
    api_key_create(actor=SellerMembershipFactory().user, name="someone else's")

    response = client.get(KEYS)

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["name"] for row in rows] == ["warehouse", "erp"]
    assert {frozenset(row) for row in rows} == {frozenset(KEY_FIELDS)}
    assert raw not in response.content.decode()
    assert _other_raw not in response.content.decode()
    assert rows[1]["prefix"] == raw[4:12]
    assert rows[1]["is_active"] is True


def test_a_person_creates_a_key_through_the_api_and_sees_its_secret_once(seller_user):
    client = APIClient()
    client.force_login(seller_user)

    response = client.post(KEYS, {"name": "ERP"}, format="json", HTTP_IDEMPOTENCY_KEY="create-erp")
    replay = client.post(KEYS, {"name": "ERP"}, format="json", HTTP_IDEMPOTENCY_KEY="create-erp")

    assert response.status_code == 201
    secret = response.json()["key"]
    assert secret.startswith("rsk_")
    assert ApiKey.objects.filter(name="ERP").count() == 1
    assert ApiKey.objects.get(name="ERP").key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert replay.status_code == 201
    assert replay["Idempotent-Replayed"] == "true"
    assert replay.json()["key"] is None
    assert replay.json()["id"] == response.json()["id"]
    # The replay record holds the answer without the secret.
    assert secret not in str(IdempotencyRecord.objects.get(key="create-erp").response_body)
    user_client = APIClient()
    user_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    assert user_client.get(ME).status_code == 200


def test_creating_a_key_refuses_a_blank_name_and_a_past_expiry(seller_user):
    client = APIClient()
    client.force_login(seller_user)

    blank = client.post(KEYS, {"name": ""}, format="json")
    past = client.post(KEYS, {"name": "ERP", "expires_at": "2020-01-01T00:00:00Z"}, format="json")

    assert blank.status_code == 400
    assert blank.json()["code"] == "invalid"
    assert list(blank.json()["field_errors"]) == ["name"]
    assert past.status_code == 422  # well-formed, refused by the rule: no schema states it
    assert past.json() == {
        "code": "invalid",
        "message": "The expiry must be in the future.",
        "field_errors": {"expires_at": ["In the past."]},
    }
    assert not ApiKey.objects.exists()


def test_a_key_cannot_create_keys(seller_user):
    client, _key, _raw = api_client_for(seller_user)

    response = client.post(KEYS, {"name": "another"}, format="json")

    assert response.status_code == 403
    assert response.json()["message"] == "An API key cannot create other keys."
    assert ApiKey.objects.count() == 1


def test_revoking_a_key_stops_it_at_once(seller_user):
    client, _own, _raw = api_client_for(seller_user)
    other, raw = api_key_create(actor=seller_user, name="warehouse")

    response = client.post(f"{KEYS}{other.pk}/revoke/")

    assert response.status_code == 200
    assert response.json()["is_active"] is False
    assert response.json()["revoked_at"] is not None
    revoked = APIClient()
    revoked.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    assert revoked.get(ME).status_code == 401


def test_another_organisations_key_is_not_found(seller_user):
    client, _own, _raw = api_client_for(seller_user)
    foreign, foreign_raw = api_key_create(actor=PartnerMembershipFactory().user, name="theirs")

    response = client.post(f"{KEYS}{foreign.pk}/revoke/")

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "API key not found.", "field_errors": {}}
    foreign.refresh_from_db()
    assert foreign.revoked_at is None


# --- the browser page -------------------------------------------------------------------------------


def _csrf_token(page: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


def test_the_page_creates_a_key_and_shows_it_once():
    user = PartnerMembershipFactory().user
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    page = client.get(reverse("account:api-keys"))
    assert page.status_code == 200

    created = client.post(
        reverse("account:api-keys"),
        {"name": "Warehouse", "expires_on": "", "csrfmiddlewaretoken": _csrf_token(page.content.decode())},
    )

    assert created.status_code == 200
    key = ApiKey.objects.get(name="Warehouse")
    secret = re.search(r'<code id="new-key">(rsk_[^<]+)</code>', created.content.decode()).group(1)
    assert key.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert key.partner == user.partner_membership.partner
    again = client.get(reverse("account:api-keys")).content.decode()
    assert secret not in again
    assert f"rsk_{key.prefix}…" in again
    assert "Warehouse" in again


def test_the_page_sets_the_expiry_to_the_end_of_the_chosen_day(seller_user, settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    client = Client()
    client.force_login(seller_user)
    day = timezone.localdate() + timedelta(days=10)

    client.post(reverse("account:api-keys"), {"name": "ERP", "expires_on": day.isoformat()})

    expires = timezone.localtime(ApiKey.objects.get(name="ERP").expires_at)
    assert (expires.date(), expires.hour, expires.minute) == (day + timedelta(days=1), 0, 0)


def test_the_page_refuses_a_past_expiry_and_a_missing_name(seller_user):
    client = Client()
    client.force_login(seller_user)

    response = client.post(reverse("account:api-keys"), {"name": "", "expires_on": "2020-01-01"})

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "name": ["This field is required."],
        "expires_on": ["The expiry cannot be in the past."],
    }
    assert not ApiKey.objects.exists()


def test_the_revoke_button_posts_with_csrf_and_revokes(seller_user):
    key, _raw = api_key_create(actor=seller_user, name="ERP")
    client = Client(enforce_csrf_checks=True)
    client.force_login(seller_user)
    page = client.get(reverse("account:api-keys")).content.decode()
    url = reverse("account:api-key-revoke", args=[key.pk])
    assert f'action="{url}"' in page

    without_token = client.post(url)
    response = client.post(url, {"csrfmiddlewaretoken": _csrf_token(page)})

    assert without_token.status_code == 403
    assert response.status_code == 302
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert "Revoked" in client.get(reverse("account:api-keys")).content.decode()


def test_the_page_lists_only_the_organisations_keys_and_404s_for_another_ones(seller_user):
    foreign, _raw = api_key_create(actor=SellerMembershipFactory().user, name="Their ERP")
    client = Client()
    client.force_login(seller_user)

    page = client.get(reverse("account:api-keys")).content.decode()
    response = client.post(reverse("account:api-key-revoke", args=[foreign.pk]))
    get_revoke = client.get(reverse("account:api-key-revoke", args=[foreign.pk]))

    assert "Their ERP" not in page
    assert response.status_code == 404
    assert get_revoke.status_code == 405
    foreign.refresh_from_db()
    assert foreign.revoked_at is None


def test_the_page_is_for_seller_and_partner_staff_only():
    client = Client()
    assert client.get(reverse("account:api-keys")).status_code == 302  # to the login page
    client.force_login(UserFactory(is_staff=True))
    assert client.get(reverse("account:api-keys")).status_code == 404


# --- the admin ----------------------------------------------------------------------------------------


@pytest.fixture
def admin_api():
    """``reship.admin.api_keys`` registers ApiKey with the admin site on import. Until ``reship/admin.py``
    imports it, the admin's URLs (built earlier in the session) have no route for it, so the
    registration is undone after the test lest other tests' admin pages link to a missing page."""
    from django.contrib import admin

    registered_before = admin.site.is_registered(ApiKey)
    from reship.admin import api_keys as admin_api

    yield admin_api
    if not registered_before and admin.site.is_registered(ApiKey):
        admin.site.unregister(ApiKey)


def test_the_admin_revokes_keys_once_and_changes_nothing_else(seller_user, admin_api):
    first, _raw = api_key_create(actor=seller_user, name="one")
    second, _raw = api_key_create(actor=seller_user, name="two")
    api_key_revoke(actor=seller_user, key_id=second.pk)
    second.refresh_from_db()
    earlier = second.revoked_at

    revoked = api_keys_revoke_as_admin(key_ids=[first.pk, second.pk])

    assert revoked == [first.pk]
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.revoked_at is not None
    assert second.revoked_at == earlier


def test_the_admin_shows_keys_read_only_with_the_revoke_action(rf, admin_api):
    from django.contrib import admin

    model_admin = admin_api.ApiKeyAdmin(ApiKey, admin.site)
    request = rf.get("/")
    request.user = UserFactory(is_staff=True, is_superuser=True)

    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
    assert model_admin.has_revoke_permission(request)
    assert "key_hash" not in model_admin.get_fields(request)
    assert "revoke_api_keys" in model_admin.get_actions(request)
