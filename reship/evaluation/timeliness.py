"""Timeliness (时效性): how long review and resolution take (median and 90th percentile, nearest
rank — see ``reship.evaluation.sql``), the SLA hit rate per partner stage, and what is overdue.

- time to review: submitted → reviewed (approved or rejected), over the reviewed requests;
- time to resolution: submitted → every line resolved, over the resolved requests;
- review SLA hit: reviewed within the partner's review SLA of submission;
- fulfilment SLA hit: every line resolved within the partner's fulfilment SLA of review;
- overdue now / escalated now: open requests past their stage's due / escalation time at
  ``now``, whenever they were submitted (the period does not apply: it is about today);
- were overdue / were escalated: requests of the period that were sent an overdue reminder or
  escalation at some point (the OVERDUE events the deadline sweeper wrote).

The seller's own stages (answering, info update, customer contact, closing) keep no milestone on
the row, so they have no hit rate here; their overdue moments do count in "overdue".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Exists, Q

from reship.evaluation import sql
from reship.evaluation.links import Link, base_link, narrowed
from reship.evaluation.numbers import hours, rate
from reship.evaluation.rolled import Rolled
from reship.evaluation.scope import EvaluationFilter, requests_for
from reship.lifecycle import OPEN_STATUSES


@dataclass(frozen=True)
class DurationStats:
    count: int  # requests that reached the milestone
    median_hours: float | None
    p90_hours: float | None
    link: Link


@dataclass(frozen=True)
class SlaRate:
    reached: int  # requests that reached the milestone
    hit: int  # ... within the SLA
    rate: float | None  # hit / reached
    link_hit: Link
    link_missed: Link


@dataclass(frozen=True)
class Timeliness:
    review: DurationStats
    resolution: DurationStats
    review_sla: SlaRate
    fulfilment_sla: SlaRate
    overdue_now: int
    escalated_now: int
    were_overdue: int
    were_escalated: int
    links: dict[str, Link]  # overdue_now, escalated_now, were_overdue, were_escalated


def timeliness_figures(
    evaluation_filter: EvaluationFilter, *, now: datetime, rolled: Rolled | None = None
) -> Timeliness:
    requests = requests_for(evaluation_filter)
    link = base_link(evaluation_filter)
    counts = (
        rolled.timeliness
        if rolled is not None
        else requests.aggregate(
            reviewed=Count("pk", filter=sql.REVIEWED),
            review_hits=Count("pk", filter=sql.review_sla_hit()),
            resolved=Count("pk", filter=sql.RESOLVED),
            fulfilment_hits=Count("pk", filter=sql.fulfilment_sla_hit()),
            were_overdue=Count("pk", filter=Q(Exists(sql.overdue_events()))),
            were_escalated=Count("pk", filter=Q(Exists(sql.overdue_events("escalation")))),
        )
    )
    # One read of the reviewed requests for both (resolution is NULL until resolved, and so not
    # counted): two index scans of the period were a quarter of the rolled-up dashboard's time.
    durations = sql.percentiles_of(
        requests.filter(sql.REVIEWED),
        values={"review": sql.review_seconds(), "resolution": sql.resolution_seconds()},
    )
    review, resolution = durations["review"], durations["resolution"]
    # Only open requests past a time can count: the WHERE lets the (seller|partner, status,
    # stage_due_at) index find them instead of reading every request of the scope (0.3 s for the
    # biggest seller).
    now_counts = (
        requests_for(evaluation_filter, period=False)
        .filter(Q(stage_due_at__lt=now) | Q(stage_escalate_at__lt=now), status__in=OPEN_STATUSES)
        .aggregate(
            overdue=Count("pk", filter=Q(stage_due_at__lt=now)),
            escalated=Count("pk", filter=Q(stage_escalate_at__lt=now)),
        )
    )
    today = base_link(evaluation_filter, period=False)
    return Timeliness(
        review=DurationStats(
            counts["reviewed"], hours(review.get(50)), hours(review.get(90)), narrowed(link, reviewed=1)
        ),
        resolution=DurationStats(
            counts["resolved"], hours(resolution.get(50)), hours(resolution.get(90)), narrowed(link, resolved=1)
        ),
        review_sla=SlaRate(
            reached=counts["reviewed"],
            hit=counts["review_hits"],
            rate=rate(counts["review_hits"], counts["reviewed"]),
            link_hit=narrowed(link, review_sla="hit"),
            link_missed=narrowed(link, review_sla="missed"),
        ),
        fulfilment_sla=SlaRate(
            reached=counts["resolved"],
            hit=counts["fulfilment_hits"],
            rate=rate(counts["fulfilment_hits"], counts["resolved"]),
            link_hit=narrowed(link, fulfilment_sla="hit"),
            link_missed=narrowed(link, fulfilment_sla="missed"),
        ),
        overdue_now=now_counts["overdue"],
        escalated_now=now_counts["escalated"],
        were_overdue=counts["were_overdue"],
        were_escalated=counts["were_escalated"],
        links={
            "overdue_now": narrowed(today, overdue=1),
            "escalated_now": narrowed(today, escalated=1),
            "were_overdue": narrowed(link, overdue_event="any"),
            "were_escalated": narrowed(link, overdue_event="escalation"),
        },
    )
