"""The partner's switches for being told of the seller's steps, on its settings page: a manager
turns them on and off; a staff member reads them."""

import pytest
from django.urls import reverse

from suppliers.choices import MemberRole
from tests.factories import PartnerMembershipFactory
from tests.workflow_states import make_parties

pytestmark = pytest.mark.django_db

SETTINGS = {"review_sla_hours": "12", "fulfilment_sla_hours": "48", "webhook_url": "", "preferred_channel": "im"}
SWITCHES = [
    "notify_quote_accepted",
    "notify_quote_disputed",
    "notify_info_updated",
    "notify_customer_contacted",
    "notify_closed",
]


@pytest.fixture
def partner():
    return make_parties().partner.partner_membership.partner


def test_the_manager_sees_every_switch_on_by_default(client, partner):
    client.force_login(PartnerMembershipFactory(partner=partner, role=MemberRole.MANAGER).user)

    page = client.get(reverse("partner:settings")).content.decode()

    assert "Tell our staff (inbox and email) when" in page
    for name in SWITCHES:
        assert f'<input type="checkbox" name="{name}" id="id_{name}" checked>' in page, name


def test_a_manager_turns_two_switches_off_and_keeps_the_others(client, partner):
    client.force_login(PartnerMembershipFactory(partner=partner, role=MemberRole.MANAGER).user)

    client.post(
        reverse("partner:settings"),
        {**SETTINGS, "notify_quote_disputed": "on", "notify_info_updated": "on", "notify_customer_contacted": "on"},
    )

    partner.refresh_from_db()
    assert [getattr(partner, name) for name in SWITCHES] == [False, True, True, True, False]


def test_a_staff_member_reads_the_switches(client, partner):
    partner.notify_closed = False
    partner.save(update_fields=["notify_closed"])
    client.force_login(PartnerMembershipFactory(partner=partner, role=MemberRole.STAFF).user)

    page = client.get(reverse("partner:settings")).content.decode()

    assert 'name="notify_closed"' not in page
    assert 'The seller closed and rated a request <span class="muted">off</span>' in page
    assert 'The seller accepted the quote <span class="muted">on</span>' in page
