"""Password guessing and reset floods: sign-in locks per account and per address after the configured
number of wrong passwords, with a page in both languages saying when to try again; the admin
unlocks; password-reset e-mails are limited per address and per account without telling whether
an account exists."""

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("login")
RESET = reverse("account:password-reset")
RESET_SENT = reverse("account:password-reset-done")
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.RESHIP_LOGIN_FAILURES_PER_ACCOUNT = 5
    settings.AXES_FAILURE_LIMIT = 5
    settings.RESHIP_LOGIN_FAILURES_PER_ADDRESS = 8
    settings.RESHIP_LOGIN_COOLOFF_MINUTES = 15
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)
    settings.TIME_ZONE = "Asia/Shanghai"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.RESHIP_PASSWORD_RESET_PER_ACCOUNT = 3
    settings.RESHIP_PASSWORD_RESET_PER_ADDRESS = 5
    settings.RESHIP_PASSWORD_RESET_WINDOW_MINUTES = 60


def _sign_in(client, username, password="wrong-password", address="203.0.113.7"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def _without_nonces(content):
    """The page as a reader sees it: each answer carries its own CSP nonce and masked CSRF token."""
    content = re.sub(rb'nonce="[^"]*"', b"", content)
    content = re.sub(rb'"X-CSRFToken": "[^"]*"', b"", content)
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b"", content)


def _shown(moment):
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


# --- per account --------------------------------------------------------------------------------
def test_thirty_wrong_passwords_for_one_account_lock_it_after_the_fifth(client):
    user = UserFactory(username="mei")

    answers = []
    before_fifth = None
    for attempt in range(1, 31):
        if attempt == 5:
            before_fifth = timezone.now()
        answers.append(_sign_in(client, "mei"))
        if attempt == 5:
            after_fifth = timezone.now()

    assert [response.status_code for response in answers[:4]] == [200, 200, 200, 200]
    assert "Please try again." in answers[0].content.decode()
    assert {response.status_code for response in answers[4:]} == {429}
    locked = answers[-1]
    body = locked.content.decode()
    assert "Sign-in is locked for now" in body
    assert "in about 15 minutes" in body
    # The release is 15 minutes after the fifth failure: tries while locked do not push it further.
    assert _shown(before_fifth + timedelta(minutes=15)) in body or _shown(after_fifth + timedelta(minutes=15)) in body
    assert "(Asia/Shanghai)" in body
    assert 0 < int(locked["Retry-After"]) <= 15 * 60
    # Only the five before the lock were counted.
    assert AccessAttempt.objects.get(username="mei").failures_since_start == 5
    # Now the right password is refused too, and no session is made.
    right = _sign_in(client, "mei", DEFAULT_PASSWORD)
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session
    assert user.pk  # the account itself is untouched


def test_the_lockout_page_is_in_chinese_for_a_chinese_reader(client):
    UserFactory(username="mei")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"

    for _attempt in range(5):
        response = _sign_in(client, "mei")

    assert response.status_code == 429
    body = response.content.decode()
    assert "登录暂时被锁定" in body
    assert "约 15 分钟后" in body
    assert "Sign-in is locked" not in body


def test_a_locked_account_stays_locked_from_another_address(client):
    UserFactory(username="mei")
    for _attempt in range(5):
        _sign_in(client, "mei", address="203.0.113.7")

    response = _sign_in(client, "mei", DEFAULT_PASSWORD, address="198.51.100.20")

    assert response.status_code == 429


def test_other_accounts_still_sign_in_while_one_is_locked(client):
    UserFactory(username="mei")
    UserFactory(username="li")
    for _attempt in range(5):
        _sign_in(client, "mei", address="203.0.113.7")

    response = _sign_in(client, "li", DEFAULT_PASSWORD, address="198.51.100.20")

    assert response.status_code == 302


def test_sign_in_opens_again_after_the_cool_off(client):
    UserFactory(username="mei")
    for _attempt in range(5):
        _sign_in(client, "mei")
    assert _sign_in(client, "mei", DEFAULT_PASSWORD).status_code == 429

    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))

    assert _sign_in(client, "mei", DEFAULT_PASSWORD).status_code == 302


def test_four_wrong_passwords_then_the_right_one_signs_in(client):
    UserFactory(username="mei")
    for _attempt in range(4):
        _sign_in(client, "mei")

    assert _sign_in(client, "mei", DEFAULT_PASSWORD).status_code == 302


# --- per address --------------------------------------------------------------------------------
def test_wrong_passwords_for_many_accounts_from_one_address_lock_the_address(client):
    UserFactory(username="fresh")
    names = [f"guess{n}" for n in range(8)]

    answers = [_sign_in(client, name, address="203.0.113.50") for name in names]

    # One wrong password per account (never an account's limit), eight from one address.
    assert [response.status_code for response in answers] == [200] * 7 + [429]
    assert _sign_in(client, "fresh", DEFAULT_PASSWORD, address="203.0.113.50").status_code == 429
    # Another address is not affected.
    assert _sign_in(client, "fresh", DEFAULT_PASSWORD, address="198.51.100.20").status_code == 302


def test_wrong_passwords_from_fresh_ipv6_addresses_of_one_network_lock_that_network(client):
    """An IPv6 client has a whole /64 to take a new address from for every try; it is one address."""
    UserFactory(username="fresh")

    answers = [_sign_in(client, f"guess{n}", address=f"2001:db8:7:1::{n + 1:x}") for n in range(8)]

    assert [response.status_code for response in answers] == [200] * 7 + [429]
    assert _sign_in(client, "fresh", DEFAULT_PASSWORD, address="2001:db8:7:1:abcd::9").status_code == 429
    # The next /64 is someone else.
    assert _sign_in(client, "fresh", DEFAULT_PASSWORD, address="2001:db8:7:2::1").status_code == 302


def test_reset_requests_from_fresh_ipv6_addresses_of_one_network_send_at_most_five_emails(client):
    for n in range(20):
        UserFactory(username=f"user{n}", email=f"user{n}@example.com")

    for n in range(20):
        client.post(RESET, {"email": f"user{n}@example.com"}, REMOTE_ADDR=f"2001:db8:7:1::{n + 1:x}")

    assert len(mail.outbox) == 5


def test_the_address_is_the_client_behind_our_proxy(client, settings):
    settings.RESHIP_TRUSTED_PROXY_COUNT = 1
    UserFactory(username="fresh")
    for n in range(8):
        client.post(
            LOGIN,
            {"username": f"guess{n}", "password": "x"},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR="203.0.113.50",
        )

    # Another client behind the same proxy still signs in; the guesser's address is locked.
    other = client.post(
        LOGIN,
        {"username": "fresh", "password": DEFAULT_PASSWORD},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.20",
    )
    assert other.status_code == 302
    client.logout()
    guesser = client.post(
        LOGIN,
        {"username": "fresh", "password": DEFAULT_PASSWORD},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.50",
    )
    assert guesser.status_code == 429


# --- unlocking in the admin ---------------------------------------------------------------------
def test_an_admin_unlocks_an_account_from_the_admin(client):
    UserFactory(username="mei")
    for _attempt in range(5):
        _sign_in(client, "mei")
    admin = UserFactory(username="boss", is_staff=True, is_superuser=True)
    client.force_login(admin)
    changelist = reverse("admin:axes_accessattempt_changelist")

    page = client.get(changelist)
    assert page.status_code == 200
    assert "mei" in page.content.decode()
    attempt = AccessAttempt.objects.get(username="mei")
    done = client.post(changelist, {"action": "unlock", "_selected_action": [attempt.pk]}, follow=True)
    assert "Sign-in unlocked: 1 failed attempt forgotten." in done.content.decode()
    client.logout()

    assert _sign_in(client, "mei", DEFAULT_PASSWORD).status_code == 302


def test_the_attempts_admin_speaks_chinese(client):
    admin = UserFactory(username="boss", is_staff=True, is_superuser=True, language="zh-hans")
    client.force_login(admin)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"

    body = client.get(reverse("admin:axes_accessattempt_changelist")).content.decode()

    assert "登录尝试" in body
    assert "Access attempts" not in body


# --- password reset -----------------------------------------------------------------------------
def test_twenty_reset_requests_for_one_account_send_three_emails(client):
    UserFactory(username="mei", email="mei@example.com")

    answers = [client.post(RESET, {"email": "mei@example.com"}, REMOTE_ADDR=f"198.51.100.{n}") for n in range(1, 21)]

    assert {response.status_code for response in answers} == {302}
    assert {response["Location"] for response in answers} == {RESET_SENT}
    assert len(mail.outbox) == 3
    assert {message.to[0] for message in mail.outbox} == {"mei@example.com"}


def test_reset_requests_from_one_address_send_at_most_five_emails(client):
    for n in range(20):
        UserFactory(username=f"user{n}", email=f"user{n}@example.com")

    for n in range(20):
        response = client.post(RESET, {"email": f"user{n}@example.com"}, REMOTE_ADDR="203.0.113.9")
        assert response.status_code == 302
        assert response["Location"] == RESET_SENT

    assert len(mail.outbox) == 5


def test_an_unknown_address_answers_as_a_known_one_past_the_limit(client):
    UserFactory(username="mei", email="mei@example.com")
    for _n in range(3):
        client.post(RESET, {"email": "mei@example.com"})

    known = client.post(RESET, {"email": "mei@example.com"}, follow=True)
    unknown = client.post(RESET, {"email": "nobody@example.com"}, follow=True)

    assert known.redirect_chain == unknown.redirect_chain == [(RESET_SENT, 302)]
    assert _without_nonces(known.content) == _without_nonces(unknown.content)
    assert len(mail.outbox) == 3


def test_reset_emails_flow_again_after_the_window(client):
    from reship.accounts.models import PasswordResetRequest

    UserFactory(username="mei", email="mei@example.com")
    for _n in range(4):
        client.post(RESET, {"email": "Mei@Example.com"})
    assert len(mail.outbox) == 3

    PasswordResetRequest.objects.update(requested_at=timezone.now() - timedelta(minutes=61))
    client.post(RESET, {"email": "mei@example.com"})

    assert len(mail.outbox) == 4


# Spellings Django's reset form matches to the one account (Unicode compatibility forms and case
# folding; on PostgreSQL the long s ſ upper-cases to S), each of which had a limit of its own.
MEI_SPELLINGS = ["mei.sun@example.com", "MEI.SUN@EXAMPLE.COM", "mei.ſun@example.com", "ｍｅｉ.sun@example.com"]


def test_every_spelling_of_one_e_mail_address_shares_its_reset_limit():
    from reship.accounts.password_reset import password_reset_allow

    now = timezone.now()
    allowed = [
        password_reset_allow(ip_address=f"198.51.100.{n}", email=spelling, now=now)
        for n, spelling in enumerate(MEI_SPELLINGS * 2, start=1)
    ]

    assert allowed == [True, True, True, False, False, False, False, False]


@pytest.mark.postgres
def test_reset_requests_in_other_spellings_of_the_address_send_no_more_than_three_emails(client):
    UserFactory(username="mei", email="mei.sun@example.com")

    # The form's e-mail field refuses the full-width letters; the other spellings reach the limit.
    for n, spelling in enumerate(MEI_SPELLINGS[:3] * 3, start=1):
        response = client.post(RESET, {"email": spelling}, REMOTE_ADDR=f"198.51.100.{n}")
        assert response["Location"] == RESET_SENT

    assert len(mail.outbox) == 3
    assert {message.to[0] for message in mail.outbox} == {"mei.sun@example.com"}
