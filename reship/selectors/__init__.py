"""Reads, always scoped to one organisation, with related rows fetched once. One module per area."""

from reship.selectors.requests import (
    request_list_for_partner,
    request_list_for_seller,
    request_review_queue_for_partner,
    request_stage_counts,
)

__all__ = [
    "request_list_for_partner",
    "request_list_for_seller",
    "request_review_queue_for_partner",
    "request_stage_counts",
]
