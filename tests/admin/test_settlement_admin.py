"""The settlement admin: statements read-only (list, filters, search, inlines; no add, change or
delete — a statement changes only through the writer), settlement terms editable. The generic
admin tests (tests/admin/test_admin.py) build these through ``issued_statement`` and ``terms``."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils.functional import Promise

from orders.models import Seller
from reship.admin.settlement import SettlementTermsAdmin, StatementAdmin
from reship.models import SettlementTerms, Statement
from reship.settlement import statements as writer
from suppliers.models import DropshipPartner
from tests.settlement_states import closed_request, pair

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def issued_statement(*, with_request: bool = False) -> Statement:
    """A new pair's statement for March 2026, issued on 2 April (empty unless ``with_request``)."""
    seller_user, partner_user = pair()
    if with_request:
        closed_request(
            seller_user=seller_user,
            partner_user=partner_user,
            goods="100",
            shipping="20",
            bearer="seller",
            closed_at=datetime(2026, 3, 10, 12, tzinfo=SHANGHAI),
        )
    draft = writer.statement_draft(
        actor=partner_user,
        partner_id=partner_user.partner_membership.partner_id,
        seller_id=seller_user.seller_membership.seller_id,
        period_start=date(2026, 3, 1),
        period_end=date(2026, 3, 31),
        now=datetime(2026, 4, 2, 10, tzinfo=SHANGHAI),
    )
    return writer.statement_issue(
        statement_id=draft.pk, actor=partner_user, now=datetime(2026, 4, 2, 10, tzinfo=SHANGHAI)
    )


def terms() -> SettlementTerms:
    seller_user, partner_user = pair()
    return SettlementTerms.objects.create(
        partner_id=partner_user.partner_membership.partner_id,
        seller_id=seller_user.seller_membership.seller_id,
        period="weekly",
        shared_seller_percent=30,
    )


def _changelist(admin_client, **params):
    return admin_client.get(reverse("admin:reship_statement_changelist"), params)


def test_the_list_shows_number_parties_period_status_and_balances(admin_client):
    statement = issued_statement(with_request=True)
    DropshipPartner.objects.filter(pk=statement.partner_id).update(name="Alpha Dropship")

    response = _changelist(admin_client)

    page = response.content.decode()
    assert response.status_code == 200
    assert statement.number in page
    assert "Alpha Dropship" in page
    assert statement.seller.name in page
    assert "2026-03-01 – 2026-03-31" in page
    # 100 goods + 20 shipping, borne by the seller: the seller owes 120.00.
    assert "¥120.00" in page


def test_the_list_is_searched_by_number_and_names_and_filtered(admin_client):
    first = issued_statement()
    second = issued_statement()
    Seller.objects.filter(pk=second.seller_id).update(name="Hangzhou Tea House")

    by_number = _changelist(admin_client, q=first.number)
    by_seller = _changelist(admin_client, q="tea house")
    by_status = _changelist(admin_client, status__exact="issued")
    by_other_status = _changelist(admin_client, status__exact="settled")
    by_kind = _changelist(admin_client, kind__exact="supplier")

    assert [row.pk for row in by_number.context["cl"].result_list] == [first.pk]
    assert [row.pk for row in by_seller.context["cl"].result_list] == [second.pk]
    assert sorted(row.pk for row in by_status.context["cl"].result_list) == sorted([first.pk, second.pk])
    assert list(by_other_status.context["cl"].result_list) == []
    assert list(by_kind.context["cl"].result_list) == []


def test_a_statement_is_read_only_with_its_lines_totals_and_timeline(admin_client):
    statement = issued_statement(with_request=True)
    url = reverse("admin:reship_statement_change", args=[statement.pk])

    page = admin_client.get(url)
    posted = admin_client.post(url, {"status": "settled"})

    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    inlines = {formset.opts.model._meta.model_name: formset for formset in page.context["inline_admin_formsets"]}
    assert set(inlines) == {"statementline", "statementtotal", "statementpayment", "statementevent"}
    assert len(inlines["statementline"].formset.queryset) == 2  # goods and shipping
    assert posted.status_code == 403
    assert Statement.objects.get(pk=statement.pk).status == "issued"
    assert admin_client.get(reverse("admin:reship_statement_add")).status_code == 403
    assert admin_client.post(reverse("admin:reship_statement_delete", args=[statement.pk])).status_code == 403


def test_terms_are_edited_and_refused_when_they_name_no_counterparty(admin_client):
    saved = terms()
    url = reverse("admin:reship_settlementterms_change", args=[saved.pk])
    data = {
        "partner": saved.partner_id,
        "seller": saved.seller_id,
        "supplier": "",
        "period": "semi_monthly",
        "shared_seller_percent": "40",
        "payment_days": "20",
    }

    changed = admin_client.post(url, data)
    refused = admin_client.post(url, {**data, "seller": ""})

    assert changed.status_code == 302
    saved.refresh_from_db()
    assert (saved.period, saved.shared_seller_percent, saved.auto_issue, saved.payment_days) == (
        "semi_monthly",
        40,
        False,
        20,
    )
    assert refused.status_code == 200
    assert SettlementTerms.objects.get(pk=saved.pk).seller_id is not None


def test_the_labels_are_marked_for_translation():
    """Chinese comes from the catalogue (locale/, merged by the lead); every label the admin adds
    itself is a lazy translation, the others are the models' translated verbose names."""
    added = [
        StatementAdmin.counterparty,
        StatementAdmin.period_shown,
        StatementAdmin.balances,
        SettlementTermsAdmin.counterparty,
    ]

    assert all(isinstance(method.short_description, Promise) for method in added)
    assert isinstance(Statement._meta.verbose_name, Promise)
    assert all(isinstance(title, Promise) for title, _fields in SettlementTermsAdmin.fieldsets if title)
