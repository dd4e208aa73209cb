"""Customer satisfaction (客户满意度): the survey sent at close — average rating, distribution,
response rate, comments; per partner and per reason.

The survey goes out when a request closes, so the response rate is answers / closed requests.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Avg, Count, Q

from reship.choices import Reason, RequestStatus
from reship.evaluation.links import CLOSED, Link, base_link, narrowed
from reship.evaluation.numbers import average, rate
from reship.evaluation.rolled import Rolled
from reship.evaluation.scope import EvaluationFilter, requests_for
from reship.evaluation.sql import has_reason

RATINGS = (1, 2, 3, 4, 5)
COMMENTS_SHOWN = 20
ANSWERED = Q(survey_response__isnull=False)


@dataclass(frozen=True)
class RatingCount:
    rating: int
    count: int
    link: Link


@dataclass(frozen=True)
class SatisfactionRow:
    """One partner's or one reason's closed requests and their survey answers."""

    key: str  # the partner id, or the reason code
    label: str
    closed: int
    answered: int
    response_rate: float | None
    average_rating: float | None
    link: Link  # its closed requests


@dataclass(frozen=True)
class SurveyComment:
    request_id: int
    number: str
    rating: int
    comment: str
    answered_at: datetime


@dataclass(frozen=True)
class Satisfaction:
    closed: int
    answered: int
    response_rate: float | None  # answered / closed
    average_rating: float | None  # 1–5, over the answers
    distribution: list[RatingCount]  # ratings 1–5, zeros included
    comments: int  # answers with a comment
    latest_comments: list[SurveyComment]  # the newest COMMENTS_SHOWN
    by_partner: list[SatisfactionRow]
    by_reason: list[SatisfactionRow]  # a request counts under its own and its lines' reasons
    links: dict[str, Link]  # closed, answered, unanswered


def satisfaction_figures(evaluation_filter: EvaluationFilter, rolled: Rolled | None = None) -> Satisfaction:
    closed = requests_for(evaluation_filter).filter(status=RequestStatus.CLOSED)
    link = narrowed(base_link(evaluation_filter), status=CLOSED)
    with_comment = ANSWERED & ~Q(survey_response__comment="")

    totals = (
        rolled.satisfaction
        if rolled is not None
        else closed.aggregate(
            closed=Count("pk"),
            answered=Count("pk", filter=ANSWERED),
            comments=Count("pk", filter=with_comment),
            average=Avg("survey_response__rating"),
            **{f"rating_{rating}": Count("pk", filter=Q(survey_response__rating=rating)) for rating in RATINGS},
        )
    )
    latest = closed.filter(with_comment).order_by("-survey_response__answered_at", "-pk")[:COMMENTS_SHOWN]
    by_partner = (
        rolled.satisfaction_by_partner
        if rolled is not None
        else closed.values("partner_id", "partner__name")
        .annotate(closed=Count("pk"), answered=Count("pk", filter=ANSWERED), average=Avg("survey_response__rating"))
        .order_by("partner__name", "partner_id")
    )
    return Satisfaction(
        closed=totals["closed"],
        answered=totals["answered"],
        response_rate=rate(totals["answered"], totals["closed"]),
        average_rating=average(totals["average"]),
        distribution=[
            RatingCount(rating, totals[f"rating_{rating}"], narrowed(link, rating=rating)) for rating in RATINGS
        ],
        comments=totals["comments"],
        latest_comments=[
            SurveyComment(request_id, number, rating, comment, answered_at)
            for request_id, number, rating, comment, answered_at in latest.values_list(
                "pk", "number", "survey_response__rating", "survey_response__comment", "survey_response__answered_at"
            )
        ],
        by_partner=[
            SatisfactionRow(
                key=str(row["partner_id"]),
                label=row["partner__name"],
                closed=row["closed"],
                answered=row["answered"],
                response_rate=rate(row["answered"], row["closed"]),
                average_rating=average(row["average"]),
                link=narrowed(link, partner=row["partner_id"]),
            )
            for row in by_partner
        ],
        by_reason=_by_reason(closed, evaluation_filter, link, rolled),
        links={
            "closed": link,
            "answered": narrowed(link, surveyed=1),
            "unanswered": narrowed(link, surveyed=0),
        },
    )


def _by_reason(closed, evaluation_filter: EvaluationFilter, link: Link, rolled: Rolled | None) -> list[SatisfactionRow]:
    """One aggregate with a conditional count per reason (a fixed set), so a request whose lines
    carry several reasons counts under each — as the reason filter and its link would find it."""
    reasons = [reason for reason in Reason if not evaluation_filter.reason or reason == evaluation_filter.reason]
    figures = (
        rolled.satisfaction_by_reason
        if rolled is not None
        else closed.aggregate(
            **{
                name: aggregate
                for reason in reasons
                for name, aggregate in (
                    (f"{reason}__closed", Count("pk", filter=has_reason(reason))),
                    (f"{reason}__answered", Count("pk", filter=has_reason(reason) & ANSWERED)),
                    (f"{reason}__average", Avg("survey_response__rating", filter=has_reason(reason))),
                )
            }
        )
    )
    return [
        SatisfactionRow(
            key=reason.value,
            label=str(reason.label),
            closed=figures[f"{reason}__closed"],
            answered=figures[f"{reason}__answered"],
            response_rate=rate(figures[f"{reason}__answered"], figures[f"{reason}__closed"]),
            average_rating=average(figures[f"{reason}__average"]),
            link=narrowed(link, reason=reason.value),
        )
        for reason in reasons
        if figures[f"{reason}__closed"]
    ]
