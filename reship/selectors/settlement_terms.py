"""Reads of a partner's settlement terms (对账结算条款): one row per seller whose orders it fulfils and
per source it buys from, with the pair's terms — its saved ``SettlementTerms`` row, or the defaults
(an unsaved row: monthly, shared costs half each, issued automatically, payable within 15 days)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet

from orders.models import Order, Product
from reship.models import SettlementTerms
from reship.selectors.partner import partner_sellers
from suppliers.models import DropshipPartner, Supplier

SELLER = "seller"
SOURCE = "source"
COUNTERPARTY_KINDS = (SELLER, SOURCE)


@dataclass(frozen=True)
class TermsRow:
    """One counterparty of the partner and the terms it settles on."""

    kind: str  # SELLER or SOURCE
    counterparty_id: int
    name: str
    terms: SettlementTerms
    is_default: bool  # no row saved: the defaults apply


def partner_sources(*, partner: DropshipPartner) -> QuerySet[Supplier]:
    """Sources of the products of the sellers whose orders the partner fulfils (EXISTS probes, as the
    dashboard's source choices: never a walk through order lines)."""
    sellers = Order.objects.filter(seller_id=OuterRef("seller_id"), partner=partner)
    products = Product.objects.filter(supplier=OuterRef("pk")).filter(Exists(sellers))
    return Supplier.objects.filter(Exists(products)).order_by("name", "pk")


def _default(partner: DropshipPartner, *, seller_id: int | None = None, supplier_id: int | None = None):
    return SettlementTerms(partner=partner, seller_id=seller_id, supplier_id=supplier_id)


def partner_settlement_terms(*, partner: DropshipPartner) -> list[TermsRow]:
    """Every seller, then every source, of the partner with its terms; three queries."""
    saved = list(SettlementTerms.objects.filter(partner=partner))
    by_seller = {terms.seller_id: terms for terms in saved if terms.seller_id is not None}
    by_supplier = {terms.supplier_id: terms for terms in saved if terms.supplier_id is not None}
    rows = [
        TermsRow(
            SELLER,
            seller.pk,
            seller.name,
            by_seller.get(seller.pk) or _default(partner, seller_id=seller.pk),
            seller.pk not in by_seller,
        )
        for seller in partner_sellers(partner=partner).only("pk", "name")
    ]
    rows += [
        TermsRow(
            SOURCE,
            source.pk,
            source.name,
            by_supplier.get(source.pk) or _default(partner, supplier_id=source.pk),
            source.pk not in by_supplier,
        )
        for source in partner_sources(partner=partner).only("pk", "name")
    ]
    return rows


def partner_terms_row(*, partner: DropshipPartner, kind: str, counterparty_id: int) -> TermsRow | None:
    """One counterparty's row, or ``None`` when it is not a seller (or source) of this partner."""
    if kind == SELLER:
        seller = partner_sellers(partner=partner).filter(pk=counterparty_id).only("pk", "name").first()
        if seller is None:
            return None
        terms = SettlementTerms.objects.filter(partner=partner, seller_id=seller.pk).first()
        return TermsRow(SELLER, seller.pk, seller.name, terms or _default(partner, seller_id=seller.pk), terms is None)
    if kind == SOURCE:
        source = partner_sources(partner=partner).filter(pk=counterparty_id).only("pk", "name").first()
        if source is None:
            return None
        terms = SettlementTerms.objects.filter(partner=partner, supplier_id=source.pk).first()
        return TermsRow(
            SOURCE, source.pk, source.name, terms or _default(partner, supplier_id=source.pk), terms is None
        )
    return None
