"""Brand image (品牌形象): how closed requests ended for the shop's reputation — a platform dispute
or a bad review, recorded by the seller at close — and repeat reships: closed requests whose
replacement failed too, so a follow-up request was filed for them."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q

from reship.choices import RequestStatus
from reship.evaluation import sql
from reship.evaluation.links import CLOSED, Link, base_link, narrowed
from reship.evaluation.numbers import rate
from reship.evaluation.rolled import Rolled
from reship.evaluation.scope import EvaluationFilter, requests_for


@dataclass(frozen=True)
class Brand:
    closed: int
    disputes: int  # closed with a platform dispute
    dispute_rate: float | None
    bad_reviews: int  # closed with a bad review
    bad_review_rate: float | None
    disputed_or_bad_review: int  # closed with either (or both): the requests that hurt the shop
    disputed_or_bad_review_rate: float | None  # the headline figure
    followed_up: int  # closed requests that needed a follow-up (a repeat reship)
    follow_up_rate: float | None  # followed_up / closed
    requests: int  # every request of the period
    follow_up_requests: int  # ... that are themselves follow-ups
    links: dict[str, Link]  # closed, disputes, bad_reviews, disputed_or_bad_review, followed_up, follow_up_requests


def brand_figures(evaluation_filter: EvaluationFilter, rolled: Rolled | None = None) -> Brand:
    closed = Q(status=RequestStatus.CLOSED)
    counts = (
        rolled.brand
        if rolled is not None
        else requests_for(evaluation_filter).aggregate(
            requests=Count("pk"),
            follow_up_requests=Count("pk", filter=Q(follow_up_of__isnull=False)),
            closed=Count("pk", filter=closed),
            disputes=Count("pk", filter=closed & Q(platform_dispute=True)),
            bad_reviews=Count("pk", filter=closed & Q(bad_review=True)),
            disputed_or_bad_review=Count("pk", filter=closed & (Q(platform_dispute=True) | Q(bad_review=True))),
            followed_up=Count("pk", filter=closed & sql.FOLLOWED_UP),
        )
    )
    link = base_link(evaluation_filter)
    closed_link = narrowed(link, status=CLOSED)
    return Brand(
        closed=counts["closed"],
        disputes=counts["disputes"],
        dispute_rate=rate(counts["disputes"], counts["closed"]),
        bad_reviews=counts["bad_reviews"],
        bad_review_rate=rate(counts["bad_reviews"], counts["closed"]),
        disputed_or_bad_review=counts["disputed_or_bad_review"],
        disputed_or_bad_review_rate=rate(counts["disputed_or_bad_review"], counts["closed"]),
        followed_up=counts["followed_up"],
        follow_up_rate=rate(counts["followed_up"], counts["closed"]),
        requests=counts["requests"],
        follow_up_requests=counts["follow_up_requests"],
        links={
            "closed": closed_link,
            "disputes": narrowed(closed_link, disputed=1),
            "bad_reviews": narrowed(closed_link, bad_review=1),
            "disputed_or_bad_review": narrowed(closed_link, dispute_or_bad_review=1),
            "followed_up": narrowed(closed_link, followed_up=1),
            "follow_up_requests": narrowed(link, follow_up=1),
        },
    )
