"""A dropship partner's settings: the page, and the functions in ``reship.services.partner_settings``.

Managers change settings; staff members read them and get a 403 when they try to change them
(they can see the page, so a 404 would pretend it does not exist); users of other organisations
get a 404, as for everything of another organisation.
"""

from decimal import Decimal

import pytest
from django.urls import reverse

from reship import permissions, workflow
from reship.choices import RequestStatus
from reship.core.errors import ActionNotPermitted, InvalidInput
from reship.models import AutoApprovalRule
from reship.services import partner_settings
from suppliers.choices import MemberRole
from tests.factories import OrderFactory, OrderLineFactory, PartnerMembershipFactory, SellerMembershipFactory
from tests.workflow_states import make_parties

pytestmark = pytest.mark.django_db

SETTINGS = {
    "review_sla_hours": "12",
    "fulfilment_sla_hours": "48",
    "webhook_url": "",
    "preferred_channel": "im",
}


@pytest.fixture
def parties():
    return make_parties()


@pytest.fixture
def partner(parties):
    return parties.partner.partner_membership.partner


@pytest.fixture
def manager(partner):
    return PartnerMembershipFactory(partner=partner, role=MemberRole.MANAGER).user


@pytest.fixture
def staff(parties):
    return parties.partner  # the factory's default role


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


def _rule(manager, partner, **fields):
    values = {"name": "Small damages", "cost_bearer": "partner", "reasons": ["damaged"], **fields}
    return partner_settings.auto_approval_rule_save(actor=manager, partner_id=partner.pk, **values)


# --- who may do what --------------------------------------------------------------------------


def test_only_the_partners_managers_may_manage_its_settings(parties, partner, manager, staff):
    other_manager = PartnerMembershipFactory(role=MemberRole.MANAGER).user

    assert permissions.can_manage_partner_settings(manager, partner) is True
    assert permissions.can_manage_partner_settings(staff, partner) is False
    assert permissions.can_manage_partner_settings(other_manager, partner) is False
    assert permissions.can_manage_partner_settings(parties.seller, partner) is False
    assert permissions.can_manage_partner_settings(None, partner) is False


def test_a_staff_member_sees_the_settings_read_only(client, staff, partner):
    client.force_login(staff)

    response = client.get(reverse("partner:settings"))

    assert response.status_code == 200
    body = response.content.decode()
    assert "Only your organisation's managers can change these settings." in body
    assert "Save settings" not in body
    assert "Generate a new secret" not in body
    assert "Add a rule" not in body
    assert response.context["form"] is None


@pytest.mark.parametrize(
    ("name", "args", "data"),
    [
        ("partner:settings", [], SETTINGS),
        ("partner:webhook-secret", [], {}),
        ("partner:rule-add", [], {"name": "Any", "cost_bearer": "seller", "quote_shipping": "0", "promised_days": "3"}),
    ],
)
def test_a_staff_member_cannot_change_settings(client, staff, partner, name, args, data):
    client.force_login(staff)

    response = client.post(reverse(name, args=args), data)

    assert response.status_code == 403
    partner.refresh_from_db()
    assert (partner.review_sla_hours, partner.fulfilment_sla_hours, partner.preferred_channel) == (24, 72, "email")
    assert partner.webhook_secret == ""
    assert not AutoApprovalRule.objects.exists()


def test_a_staff_member_cannot_edit_toggle_or_delete_a_rule(client, staff, manager, partner):
    rule = _rule(manager, partner)
    client.force_login(staff)

    assert client.get(reverse("partner:rule-edit", args=[rule.pk])).status_code == 403
    assert client.post(reverse("partner:rule-toggle", args=[rule.pk])).status_code == 403
    assert client.post(reverse("partner:rule-delete", args=[rule.pk])).status_code == 403
    rule.refresh_from_db()
    assert rule.is_active is True


def test_the_service_refuses_a_staff_member_too(staff, partner):
    with pytest.raises(ActionNotPermitted):
        partner_settings.partner_settings_update(
            actor=staff,
            partner_id=partner.pk,
            review_sla_hours=12,
            fulfilment_sla_hours=48,
            webhook_url="",
            preferred_channel="im",
        )


def test_another_partners_manager_finds_no_rule_of_ours(client, manager, partner):
    rule = _rule(manager, partner)
    client.force_login(PartnerMembershipFactory(role=MemberRole.MANAGER).user)

    assert client.get(reverse("partner:rule-edit", args=[rule.pk])).status_code == 404
    assert client.post(reverse("partner:rule-toggle", args=[rule.pk])).status_code == 404
    assert client.post(reverse("partner:rule-delete", args=[rule.pk])).status_code == 404
    assert AutoApprovalRule.objects.filter(pk=rule.pk, is_active=True).exists()


def test_a_manager_of_another_partner_cannot_change_ours_through_the_service(partner):
    stranger = PartnerMembershipFactory(role=MemberRole.MANAGER).user

    with pytest.raises(partner_settings.RuleNotFound):
        partner_settings.webhook_secret_rotate(actor=stranger, partner_id=partner.pk)


# --- SLA hours, webhook, channel ----------------------------------------------------------------


def test_a_manager_changes_the_sla_hours_and_channel(manager_client, partner):
    response = manager_client.post(reverse("partner:settings"), SETTINGS, follow=True)

    assert response.redirect_chain[-1][0] == reverse("partner:settings")
    assert "Settings saved." in response.content.decode()
    partner.refresh_from_db()
    assert (partner.review_sla_hours, partner.fulfilment_sla_hours, partner.preferred_channel) == (12, 48, "im")


def test_new_sla_hours_set_the_next_requests_due_time(manager_client, parties, partner):
    manager_client.post(reverse("partner:settings"), {**SETTINGS, "review_sla_hours": "6"})
    order_line = parties.order.lines.order_by("pk").first()

    request = workflow.reship_submit(
        actor=parties.seller,
        order_id=parties.order.pk,
        reason="damaged",
        lines=[workflow.LineRequest(order_line.pk, 1, "resend")],
    )

    assert (request.stage_due_at - request.stage_started_at).total_seconds() == 6 * 3600


@pytest.mark.parametrize(("field", "value"), [("review_sla_hours", "0"), ("fulfilment_sla_hours", "721")])
def test_sla_hours_outside_one_to_720_are_refused_next_to_the_field(manager_client, partner, field, value):
    response = manager_client.post(reverse("partner:settings"), {**SETTINGS, field: value})

    assert response.status_code == 200
    assert response.context["form"].errors == {field: ["Give a whole number of hours from 1 to 720."]}
    body = response.content.decode()
    assert f'name="{field}" value="{value}"' in body
    assert 'value="im" selected' in body  # the other typed values are kept too
    partner.refresh_from_db()
    assert (partner.review_sla_hours, partner.fulfilment_sla_hours) == (24, 72)


@pytest.mark.parametrize("hours", [0, 721, "many", None])
def test_the_service_refuses_sla_hours_outside_the_range(manager, partner, hours):
    with pytest.raises(InvalidInput) as refused:
        partner_settings.partner_settings_update(
            actor=manager,
            partner_id=partner.pk,
            review_sla_hours=hours,
            fulfilment_sla_hours=48,
            webhook_url="",
            preferred_channel="email",
        )

    assert refused.value.field_errors == {"review_sla_hours": ["Give a whole number of hours from 1 to 720."]}


def test_an_http_webhook_url_is_refused_when_debug_is_off(manager_client, partner, settings):
    settings.DEBUG = False

    response = manager_client.post(
        reverse("partner:settings"), {**SETTINGS, "webhook_url": "http://hooks.example.com/reship"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "webhook_url": ["The webhook address must start with https:// so what we send cannot be read on the way."]
    }
    assert 'value="http://hooks.example.com/reship"' in response.content.decode()
    partner.refresh_from_db()
    assert (partner.webhook_url, partner.review_sla_hours) == ("", 24)


def test_an_http_webhook_url_is_allowed_in_development(manager, partner, settings):
    settings.DEBUG = True
    settings.RESHIP_WEBHOOK_ALLOW_PRIVATE = True  # a receiver on the developer's own machine

    saved, _secret = partner_settings.partner_settings_update(
        actor=manager,
        partner_id=partner.pk,
        review_sla_hours=24,
        fulfilment_sla_hours=72,
        webhook_url="http://localhost:9000/hooks",
        preferred_channel="email",
    )

    assert saved.webhook_url == "http://localhost:9000/hooks"


def test_setting_a_webhook_url_without_a_secret_generates_one_shown_once(manager_client, partner, settings):
    settings.DEBUG = False

    response = manager_client.post(
        reverse("partner:settings"), {**SETTINGS, "webhook_url": "https://hooks.example.com/reship"}
    )

    partner.refresh_from_db()
    assert partner.webhook_url == "https://hooks.example.com/reship"
    assert len(partner.webhook_secret) >= 40
    assert response.status_code == 200
    assert partner.webhook_secret in response.content.decode()
    assert partner.webhook_secret not in manager_client.get(reverse("partner:settings")).content.decode()


def test_generating_a_new_webhook_secret_shows_it_once_and_stores_it(manager_client, manager, partner):
    partner_settings.webhook_secret_rotate(actor=manager, partner_id=partner.pk)
    partner.refresh_from_db()
    old_secret = partner.webhook_secret

    response = manager_client.post(reverse("partner:webhook-secret"))

    partner.refresh_from_db()
    assert partner.webhook_secret != old_secret
    body = response.content.decode()
    assert response.status_code == 200
    assert f'<code id="new-secret">{partner.webhook_secret}</code>' in body
    assert body.count(partner.webhook_secret) == 1
    assert "no-store" in response["Cache-Control"]
    later = manager_client.get(reverse("partner:settings")).content.decode()
    assert partner.webhook_secret not in later
    assert "A secret is set." in later


def test_the_webhook_secret_is_post_only(manager_client):
    assert manager_client.get(reverse("partner:webhook-secret")).status_code == 405


# --- auto-approval rules ----------------------------------------------------------------------


def test_a_manager_adds_a_rule_with_reasons_stored_as_codes(manager_client, parties, partner):
    seller = parties.seller.seller_membership.seller

    response = manager_client.post(
        reverse("partner:rule-add"),
        {
            "name": "Cheap losses",
            "is_active": "on",
            "reasons": ["damaged", "lost_in_transit"],
            "max_line_value": "50.00",
            "sellers": [seller.pk],
            "cost_bearer": "carrier",
            "quote_shipping": "8.00",
            "promised_days": "2",
        },
        follow=True,
    )

    assert response.redirect_chain[-1][0] == reverse("partner:settings")
    rule = AutoApprovalRule.objects.get(partner=partner)
    assert rule.name == "Cheap losses"
    assert rule.is_active is True
    assert rule.reasons == ["lost_in_transit", "damaged"]
    assert rule.max_line_value == Decimal("50.00")
    assert list(rule.sellers.all()) == [seller]
    assert (rule.cost_bearer, rule.quote_shipping, rule.promised_days) == ("carrier", Decimal("8.00"), 2)
    body = response.content.decode()
    assert "Rule “Cheap losses” saved." in body
    assert "Lost in transit, Damaged" in body


def test_a_rule_added_on_the_page_approves_the_next_matching_request(manager_client, parties, partner):
    manager_client.post(
        reverse("partner:rule-add"),
        {"name": "All damage", "is_active": "on", "reasons": ["damaged"], "cost_bearer": "partner",
         "quote_shipping": "6", "promised_days": "3"},
    )  # fmt: skip
    order_line = parties.order.lines.order_by("pk").first()

    request = workflow.reship_submit(
        actor=parties.seller,
        order_id=parties.order.pk,
        reason="damaged",
        lines=[workflow.LineRequest(order_line.pk, 1, "resend")],
    )

    assert request.status == RequestStatus.APPROVED
    assert request.quote_shipping == Decimal("6.00")


def test_a_rule_may_name_only_sellers_the_partner_works_for(manager_client, partner):
    stranger = SellerMembershipFactory().user.seller_membership.seller
    OrderLineFactory(order=OrderFactory(seller=stranger))  # orders for another partner

    response = manager_client.post(
        reverse("partner:rule-add"),
        {"name": "Strangers", "sellers": [stranger.pk], "cost_bearer": "seller", "quote_shipping": "0",
         "promised_days": "3"},
    )  # fmt: skip

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["sellers"]
    assert 'value="Strangers"' in response.content.decode()
    assert not AutoApprovalRule.objects.exists()


def test_the_service_refuses_a_seller_the_partner_does_not_serve(manager, partner):
    stranger = SellerMembershipFactory().user.seller_membership.seller

    with pytest.raises(InvalidInput) as refused:
        _rule(manager, partner, seller_ids=[stranger.pk])

    assert refused.value.field_errors == {"sellers": ["Choose sellers whose orders you fulfil."]}


def test_the_service_refuses_an_unknown_reason(manager, partner):
    with pytest.raises(InvalidInput) as refused:
        _rule(manager, partner, reasons=["damaged", "bored"])

    assert refused.value.field_errors == {"reasons": ["Not a valid choice."]}


def test_a_rule_form_shows_errors_next_to_the_fields_and_keeps_the_values(manager_client):
    response = manager_client.post(
        reverse("partner:rule-add"),
        {"name": "", "reasons": ["wrong_item"], "cost_bearer": "partner", "quote_shipping": "-1",
         "promised_days": "400"},
    )  # fmt: skip

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "name": ["This field is required."],
        "quote_shipping": ["Ensure this value is greater than or equal to 0."],
        "promised_days": ["Ensure this value is less than or equal to 365."],
    }
    body = response.content.decode()
    assert 'value="wrong_item" id="id_reasons_2" checked' in body
    assert 'value="-1"' in body
    assert 'value="400"' in body


def test_a_manager_edits_a_rule(manager_client, manager, partner):
    rule = _rule(manager, partner)

    page = manager_client.get(reverse("partner:rule-edit", args=[rule.pk]))
    assert 'value="Small damages"' in page.content.decode()
    manager_client.post(
        reverse("partner:rule-edit", args=[rule.pk]),
        {"name": "Wrong items", "reasons": ["wrong_item", "other"], "cost_bearer": "seller", "quote_shipping": "3",
         "promised_days": "5"},
    )  # fmt: skip

    rule.refresh_from_db()
    assert (rule.name, rule.reasons, rule.is_active) == ("Wrong items", ["wrong_item", "other"], False)
    assert (rule.cost_bearer, rule.quote_shipping, rule.promised_days) == ("seller", Decimal("3.00"), 5)


def test_a_manager_switches_a_rule_off_and_on(manager_client, manager, partner):
    rule = _rule(manager, partner)

    manager_client.post(reverse("partner:rule-toggle", args=[rule.pk]))
    rule.refresh_from_db()
    assert rule.is_active is False
    response = manager_client.post(reverse("partner:rule-toggle", args=[rule.pk]), follow=True)
    rule.refresh_from_db()
    assert rule.is_active is True
    assert "Rule “Small damages” is active." in response.content.decode()


def test_a_manager_deletes_a_rule_after_confirming(manager_client, manager, partner):
    rule = _rule(manager, partner)

    confirm = manager_client.get(reverse("partner:rule-delete", args=[rule.pk]))
    assert "Delete the rule “Small damages”?" in confirm.content.decode()
    assert AutoApprovalRule.objects.filter(pk=rule.pk).exists()
    response = manager_client.post(reverse("partner:rule-delete", args=[rule.pk]), follow=True)

    assert not AutoApprovalRule.objects.filter(pk=rule.pk).exists()
    assert "Rule “Small damages” deleted." in response.content.decode()


def test_the_settings_page_lists_the_rules_with_their_terms(manager_client, manager, parties, partner):
    _rule(manager, partner, name="Any loss", reasons=[], max_line_value="99.50")

    body = manager_client.get(reverse("partner:settings")).content.decode()

    assert "Any loss" in body
    assert "Any reason" in body
    assert "99.50" in body
    assert "Every seller" in body


@pytest.mark.parametrize(
    "url",
    ["https://169.254.169.254/latest/meta-data/", "https://10.0.0.5:6379/", "https://localhost/hook", "https://[::1]/"],
)
def test_a_webhook_into_the_platforms_own_network_is_refused(manager, partner, url):
    with pytest.raises(InvalidInput, match="must be on the public internet"):
        partner_settings.partner_settings_update(
            actor=manager,
            partner_id=partner.pk,
            review_sla_hours=24,
            fulfilment_sla_hours=72,
            webhook_url=url,
            preferred_channel="email",
        )
    partner.refresh_from_db()
    assert partner.webhook_url == ""
