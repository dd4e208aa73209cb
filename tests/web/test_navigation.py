"""The site navigation: each role's links, all resolving and opening for that role; the current
page marked; names that do not resolve left out (and logged); nothing for anonymous visitors."""

import logging

import pytest
from django.test import RequestFactory
from django.urls import reverse

from reship.config import context_processors
from reship.config.context_processors import NavLink, navigation, navigation_entries
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SELLER_LINKS = [
    ("Home", "/seller/"),
    ("Orders", "/orders/"),
    ("Requests", "/requests/"),
    ("Statements", "/statements/"),
    ("Dashboard", "/dashboard/"),
    ("Inbox", "/account/inbox/"),
    ("API keys", "/account/api-keys/"),
    ("Shop settings", "/account/shop/"),
]
PARTNER_LINKS = [
    ("Home", "/partner/"),
    ("Review queue", "/partner/queue/"),
    ("Requests", "/requests/"),
    ("Fulfilment", "/partner/fulfilment/"),
    ("To ship", "/partner/to-ship/"),
    ("Statements", "/statements/"),
    ("Settings", "/partner/settings/"),
    ("Dashboard", "/dashboard/"),
    ("Inbox", "/account/inbox/"),
    ("API keys", "/account/api-keys/"),
]
ACCOUNT_LINKS = [("Account", "/account/profile/")]


def _links(entries):
    return [(str(entry.label), entry.url) for entry in entries]


@pytest.fixture
def admin_user(db):
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.mark.parametrize(
    ("user_fixture", "expected"),
    [
        ("seller_user", SELLER_LINKS),
        ("partner_user", PARTNER_LINKS),
        ("admin_user", [("Admin", "/admin/"), ("Dashboard", "/dashboard/")]),
    ],
)
def test_each_role_gets_all_its_links(request, user_fixture, expected):
    user = request.getfixturevalue(user_fixture)

    links, account = navigation_entries(user=user, path="/")

    assert _links(links) == expected
    assert _links(account) == ACCOUNT_LINKS


@pytest.mark.parametrize("user_fixture", ["seller_user", "partner_user", "admin_user"])
def test_every_link_opens_for_its_role(client, request, user_fixture):
    user = request.getfixturevalue(user_fixture)
    client.force_login(user)
    links, account = navigation_entries(user=user, path="/")

    statuses = {entry.url: client.get(entry.url).status_code for entry in [*links, *account]}

    assert statuses == dict.fromkeys(statuses, 200)


def test_a_user_without_organisation_gets_only_the_account_link(db):
    links, account = navigation_entries(user=UserFactory(), path="/")

    assert links == []
    assert _links(account) == ACCOUNT_LINKS


@pytest.mark.parametrize(
    ("path", "current"),
    [
        ("/partner/", "Home"),
        ("/partner/queue/", "Review queue"),
        ("/partner/settings/rules/add/", "Settings"),
        ("/requests/12/", "Requests"),
        ("/account/inbox/", "Inbox"),
        ("/account/profile/", "Account"),
        ("/account/password/", "Account"),
    ],
)
def test_exactly_one_link_is_current(partner_user, path, current):
    links, account = navigation_entries(user=partner_user, path=path)

    assert [str(entry.label) for entry in [*links, *account] if entry.is_current] == [current]


def test_a_name_that_does_not_resolve_is_left_out_and_logged(partner_user, monkeypatch, caplog):
    monkeypatch.setitem(
        context_processors.NAVIGATION,
        context_processors.Role.PARTNER,
        (NavLink("partner-home", "Home"), NavLink("partner:not-built-yet", "Later")),
    )

    with caplog.at_level(logging.DEBUG, logger="reship.config.context_processors"):
        links, _account = navigation_entries(user=partner_user, path="/")

    assert _links(links) == [("Home", "/partner/")]
    assert "Navigation leaves out partner:not-built-yet" in caplog.text


def test_the_context_processor_is_lazy(seller_user, django_assert_num_queries):
    request = RequestFactory().get("/seller/")
    request.user = seller_user

    with django_assert_num_queries(0):
        context = navigation(request)
    with django_assert_num_queries(1):
        assert context["inbox_unread_count"]() == 0
        assert context["inbox_unread_count"]() == 0


def test_the_page_marks_the_current_link_for_assistive_technology(client, seller_user):
    client.force_login(seller_user)

    body = client.get(reverse("account:inbox")).content.decode()

    assert '<nav class="site-nav" aria-label="Main">' in body
    assert '<a href="/account/inbox/" aria-current="page">Inbox' in body
    assert '<a href="/seller/">Home</a>' in body
    assert '<summary>Menu<span id="menu-badge" class="badge-slot"></span></summary>' in body


def test_an_anonymous_visitor_gets_no_navigation_but_the_language_switcher(client):
    body = client.get(reverse("login")).content.decode()

    assert "site-nav" not in body
    assert 'id="language-switcher"' in body
