"""The seller's shop settings page: the survey's two delays, changed by the shop's managers only."""

from datetime import UTC, datetime

import pytest

from orders.models import Seller
from reship import workflow
from suppliers.choices import MemberRole
from tests.factories import PartnerMembershipFactory, SellerMembershipFactory
from tests.workflow.test_delivery import _request, _ship
from tests.workflow_states import make_parties

pytestmark = pytest.mark.django_db

URL = "/account/shop/"


@pytest.fixture
def manager():
    return SellerMembershipFactory(role=MemberRole.MANAGER, user__language="en").user


def test_a_manager_changes_the_survey_delays_from_the_seller_navigation(client, manager):
    client.force_login(manager)
    page = client.get("/seller/").content.decode()
    assert f'href="{URL}"' in page
    assert ">Shop settings<" in page

    response = client.post(URL, {"survey_delay_days": "5", "survey_fallback_days": "10"})

    assert response.status_code == 302
    seller = Seller.objects.get(pk=manager.seller_membership.seller_id)
    assert (seller.survey_delay_days, seller.survey_fallback_days) == (5, 10)
    assert "Shop settings saved. Surveys already scheduled keep their date." in client.get(URL).content.decode()


@pytest.mark.parametrize(
    ("delay", "fallback", "field", "message"),
    [
        ("31", "7", "survey_delay_days", "Days after delivery must be a whole number of days from 0 to 30."),
        ("2", "-1", "survey_fallback_days", "must be a whole number of days from 0 to 30."),
        ("", "7", "survey_delay_days", "This field is required."),
        ("two", "7", "survey_delay_days", "Enter a whole number."),
    ],
)
def test_a_delay_outside_zero_to_thirty_days_is_refused_with_a_message(
    client, manager, delay, fallback, field, message
):
    client.force_login(manager)

    response = client.post(URL, {"survey_delay_days": delay, "survey_fallback_days": fallback})

    assert response.status_code == 400
    assert message in response.content.decode()
    assert response.context["form"].errors[field]
    seller = Seller.objects.get(pk=manager.seller_membership.seller_id)
    assert (seller.survey_delay_days, seller.survey_fallback_days) == (2, 7)


def test_staff_read_the_settings_and_may_not_change_them(client):
    staff = SellerMembershipFactory(role=MemberRole.STAFF, user__language="en").user
    client.force_login(staff)

    page = client.get(URL)
    assert page.status_code == 200
    assert "Only a manager of your shop may change these settings." in page.content.decode()
    assert client.post(URL, {"survey_delay_days": "0", "survey_fallback_days": "0"}).status_code == 403
    assert Seller.objects.get(pk=staff.seller_membership.seller_id).survey_delay_days == 2


def test_a_partner_finds_no_shop_settings(client):
    client.force_login(PartnerMembershipFactory().user)

    assert client.get(URL).status_code == 404


def test_a_change_keeps_the_date_of_a_survey_already_scheduled_and_applies_to_the_next(client):
    parties = make_parties()
    membership = parties.seller.seller_membership
    membership.role = MemberRole.MANAGER
    membership.save()
    first = _request(parties, [("A", "resend")])
    _ship(parties, first, "A", "SF100000000601")  # shipped 3 Nov 08:00 UTC: due 10 Nov

    client.force_login(parties.seller)
    client.post(URL, {"survey_delay_days": "1", "survey_fallback_days": "3"})

    first.refresh_from_db()
    assert first.survey_due_at == datetime(2026, 11, 10, 8, 0, tzinfo=UTC)
    second = _request(parties, [("B1", "resend")])
    _ship(parties, second, "B1", "SF100000000602")
    second.refresh_from_db()
    assert second.survey_due_at == datetime(2026, 11, 6, 8, 0, tzinfo=UTC)  # shipped + 3 days
    workflow.surveys_send_due(now=datetime(2026, 11, 6, 8, 0, tzinfo=UTC))
    first.refresh_from_db()
    assert first.survey_sent_at is None
