"""The account pages: profile (language and time zone), the language switcher saving the choice,
times in the user's time zone, password change and password reset by email."""

import re
from datetime import UTC, datetime

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from reship.choices import NotificationChannel
from reship.models import Notification
from tests import workflow_states as states
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

PROFILE = reverse("account:profile")
LANGUAGE = reverse("account:language")
NEW_PASSWORD = "plum-kettle-harbour-42"


@pytest.fixture(autouse=True)
def _mail_in_memory(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = "https://reship.example.com"


# --- language ----------------------------------------------------------------------------------
def test_switching_language_saves_it_on_the_user(client, seller_user):
    seller_user.language = "zh-hans"
    seller_user.save(update_fields=["language"])
    client.force_login(seller_user)

    response = client.post(LANGUAGE, {"language": "en", "next": "/seller/"})

    assert response.status_code == 302
    assert response["Location"] == "/seller/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    seller_user.refresh_from_db()
    assert seller_user.language == "en"
    assert 'lang="en"' in client.get("/seller/").content.decode()


def test_switching_to_chinese_shows_chinese_pages(client, seller_user):
    client.force_login(seller_user)

    client.post(LANGUAGE, {"language": "zh-hans", "next": PROFILE})

    seller_user.refresh_from_db()
    assert seller_user.language == "zh-hans"
    body = client.get(PROFILE).content.decode()
    assert 'lang="zh-hans"' in body
    assert "退出" in body  # "Log out", from Django's own catalogue


def test_an_anonymous_visitor_switches_language_with_a_cookie_only(client):
    response = client.post(LANGUAGE, {"language": "en", "next": "/login/"})

    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


def test_an_unknown_language_changes_nothing(client, seller_user):
    seller_user.language = "en"
    seller_user.save(update_fields=["language"])
    client.force_login(seller_user)

    client.post(LANGUAGE, {"language": "fr", "next": "/"})

    seller_user.refresh_from_db()
    assert seller_user.language == "en"


def test_the_language_switch_is_post_only(client, seller_user):
    client.force_login(seller_user)

    assert client.get(LANGUAGE, {"language": "en"}).status_code == 405


def test_every_page_offers_the_switcher_posting_to_the_saving_view(client):
    body = client.get(reverse("login")).content.decode()

    assert f'action="{LANGUAGE}"' in body
    assert '<option value="zh-hans" lang="zh-hans">简体中文</option>' in body


# --- profile -----------------------------------------------------------------------------------
def test_the_profile_saves_language_and_a_listed_time_zone(client, seller_user):
    client.force_login(seller_user)

    response = client.post(PROFILE, {"language": "en", "time_zone": "Asia/Tokyo", "other_time_zone": ""})

    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    seller_user.refresh_from_db()
    assert (seller_user.language, seller_user.time_zone) == ("en", "Asia/Tokyo")
    assert "Your settings were saved." in client.get(PROFILE).content.decode()


def test_a_typed_time_zone_wins_and_is_spelled_canonically(client, seller_user):
    client.force_login(seller_user)

    client.post(PROFILE, {"language": "en", "time_zone": "UTC", "other_time_zone": " europe/paris "})

    seller_user.refresh_from_db()
    assert seller_user.time_zone == "Europe/Paris"
    body = client.get(PROFILE).content.decode()
    assert '<option value="Europe/Paris" selected>Europe/Paris</option>' in body


def test_an_unknown_time_zone_is_refused_and_nothing_is_saved(client, seller_user):
    seller_user.time_zone = "Asia/Shanghai"
    seller_user.save(update_fields=["time_zone"])
    client.force_login(seller_user)

    response = client.post(PROFILE, {"language": "en", "time_zone": "UTC", "other_time_zone": "Mars/Olympus"})

    assert response.status_code == 200
    assert "“Mars/Olympus” is not a time zone name." in response.content.decode()
    seller_user.refresh_from_db()
    assert seller_user.time_zone == "Asia/Shanghai"


def test_the_profile_lists_the_common_time_zones(client, seller_user):
    client.force_login(seller_user)

    form = client.get(PROFILE).context["form"]

    assert [value for value, _label in form.fields["time_zone"].choices] == [
        "Asia/Shanghai",
        "Asia/Hong_Kong",
        "Asia/Tokyo",
        "Asia/Singapore",
        "Europe/London",
        "Europe/Berlin",
        "America/New_York",
        "America/Los_Angeles",
        "UTC",
    ]


def test_the_profile_needs_a_login(client):
    response = client.get(PROFILE)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={PROFILE}"


# --- time zone ---------------------------------------------------------------------------------
NEW_YEAR_UTC = datetime(2026, 1, 1, 0, 0, tzinfo=UTC)


@pytest.fixture
def seller_with_an_entry(django_capture_on_commit_callbacks):
    """A seller with one delivered inbox entry, written at 2026-01-01 00:00 UTC."""
    parties = states.make_parties()
    with django_capture_on_commit_callbacks(execute=True):
        request = states.submit(parties)
        states.approve(parties, request)
    Notification.objects.filter(recipient_user=parties.seller, channel=NotificationChannel.INBOX).update(
        created_at=NEW_YEAR_UTC
    )
    return parties.seller


@pytest.mark.parametrize(
    ("time_zone", "shown"),
    [
        ("Asia/Shanghai", "2026-01-01 08:00"),
        ("America/New_York", "2025-12-31 19:00"),
        ("UTC", "2026-01-01 00:00"),
        ("Mars/Olympus", "2026-01-01 08:00"),  # not a zone: settings.TIME_ZONE (Asia/Shanghai)
    ],
)
def test_times_are_shown_in_the_users_time_zone(client, seller_with_an_entry, settings, time_zone, shown):
    settings.TIME_ZONE = "Asia/Shanghai"
    seller_with_an_entry.time_zone = time_zone
    seller_with_an_entry.save(update_fields=["time_zone"])
    client.force_login(seller_with_an_entry)

    body = client.get(reverse("account:inbox")).content.decode()

    assert f">{shown}</time>" in body


def test_the_profile_shows_the_last_login_in_the_users_time_zone(client, seller_user):
    seller_user.time_zone = "America/New_York"
    seller_user.save(update_fields=["time_zone"])
    client.force_login(seller_user)
    type(seller_user).objects.filter(pk=seller_user.pk).update(last_login=NEW_YEAR_UTC)

    body = client.get(PROFILE).content.decode()

    assert '<time datetime="2025-12-31T19:00:00-05:00">2025-12-31 19:00</time>' in body
    assert "(America/New_York)" in body


# --- log in, log out -----------------------------------------------------------------------------
def test_the_login_page_links_to_the_password_reset(client):
    body = client.get(reverse("login")).content.decode()

    assert f'<a href="{reverse("account:password-reset")}">Forgot your password?</a>' in body


def test_log_out_ends_the_session(client, seller_user):
    client.force_login(seller_user)

    response = client.post(reverse("logout"))

    assert response["Location"] == reverse("login")
    assert client.get(PROFILE).status_code == 302


# --- password change -----------------------------------------------------------------------------
def test_changing_the_password_keeps_the_user_signed_in_and_the_new_one_works(client, seller_user):
    client.force_login(seller_user)

    response = client.post(
        reverse("account:password-change"),
        {"old_password": DEFAULT_PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response["Location"] == reverse("account:password-change-done")
    assert client.get(response["Location"]).status_code == 200
    assert client.get(PROFILE).status_code == 200
    client.logout()
    assert client.login(username=seller_user.username, password=NEW_PASSWORD)
    assert not client.login(username=seller_user.username, password=DEFAULT_PASSWORD)


def test_a_wrong_old_password_is_refused(client, seller_user):
    client.force_login(seller_user)

    response = client.post(
        reverse("account:password-change"),
        {"old_password": "not-it", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    seller_user.refresh_from_db()
    assert seller_user.check_password(DEFAULT_PASSWORD)


def test_the_password_change_form_labels_its_fields(client, seller_user):
    client.force_login(seller_user)

    body = client.get(reverse("account:password-change")).content.decode()

    for field, label in (("old_password", "Old password"), ("new_password1", "New password")):
        assert f'<label for="id_{field}">{label}</label>' in body


# --- password reset ------------------------------------------------------------------------------
def _reset_link(message) -> str:
    match = re.search(r"https://reship\.example\.com(/account/password-reset/[^/\s]+/[^/\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def test_a_password_reset_email_lets_the_user_set_a_new_password(client):
    user = UserFactory(username="mei", email="mei@shop.example", language="en")

    response = client.post(reverse("account:password-reset"), {"email": "MEI@shop.example"})

    assert response["Location"] == reverse("account:password-reset-done")
    [message] = mail.outbox
    assert message.to == ["mei@shop.example"]
    assert message.subject == "Reset your Reship password"
    assert "Your username is mei." in message.body

    form_page = client.get(_reset_link(message), follow=True)
    assert form_page.context["validlink"]
    set_password_url = form_page.redirect_chain[-1][0]
    done = client.post(set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert done["Location"] == reverse("account:password-reset-complete")
    assert client.login(username="mei", password=NEW_PASSWORD)
    assert not client.login(username="mei", password=DEFAULT_PASSWORD)
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_a_reset_link_works_once(client):
    UserFactory(username="mei", email="mei@shop.example", language="en")
    client.post(reverse("account:password-reset"), {"email": "mei@shop.example"})
    link = _reset_link(mail.outbox[0])
    set_password_url = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    again = client.get(link, follow=True)

    assert not again.context["validlink"]
    assert "This link does not work any more" in again.content.decode()


def test_an_unknown_address_gets_the_same_answer_and_no_email(client):
    response = client.post(reverse("account:password-reset"), {"email": "nobody@example.com"})

    assert response["Location"] == reverse("account:password-reset-done")
    assert mail.outbox == []


def test_the_reset_email_is_in_the_accounts_language(client):
    """The page is English; the account reads Chinese, so the email does (its footer is the one
    every Reship email ends with, already in the Chinese catalogue)."""
    UserFactory(username="wang", email="wang@dropship.example", language="zh-hans")

    client.post(reverse("account:password-reset"), {"email": "wang@dropship.example"})

    [message] = mail.outbox
    assert "此邮件由 Reship 自动发送，请勿直接回复。" in message.body
    assert "An automatic message from Reship" not in message.body


def test_signing_in_switches_to_the_accounts_language(client):
    from tests.factories import DEFAULT_PASSWORD, SellerMembershipFactory

    seller = SellerMembershipFactory(user__language="zh-hans").user

    response = client.post(reverse("login"), {"username": seller.username, "password": DEFAULT_PASSWORD}, follow=True)

    assert '<html lang="zh-hans">' in response.content.decode()


def test_a_user_turns_notification_emails_off_on_the_profile(client, seller_user):
    client.force_login(seller_user)

    client.post(reverse("account:profile"), {"language": "en", "time_zone": "Asia/Shanghai", "other_time_zone": ""})

    seller_user.refresh_from_db()
    assert seller_user.email_notifications is False
