"""Building the per-day rollups the figures read (``reship.models.RequestRollup``, issue 19).

A rollup row sums the requests of one seller-day (local day of ``submitted_at``) per partner,
source, reason, currency and cost bearer (see the model's docstring). It is rebuilt, never
adjusted: ``rebuild_rollups()`` writes every row again in one ``INSERT … SELECT … GROUP BY``
(the benchmark's loader and the demo data call it after their bulk load; ``manage.py
rebuild_rollups``), and ``catch_up_rollups()`` rebuilds only the seller-days of what changed since
it last ran, found from a watermark: requests whose ``updated_at`` is later (every workflow move
saves it) or whose id is new, surveys answered and overdue events written since (they change a
figure without touching the request row), and the request a new follow-up points at.

Why a watermark and not an update in each transition's transaction: a seller-day row would be
locked by every submission and move of that seller that day (the contention issue 19 removes from
request numbers), and every transition would pay one or more extra writes, where the submit and
approve targets ask for fewer. The catch-up runs from beat every minute
(``reship.refresh_evaluation_rollups``) and, so a figure is never behind what its reader just did,
before the figures are read: with nothing changed it is one query. Seller-days are rebuilt whole,
so running it twice, or concurrently (an advisory lock orders the writers), gives the same rows.

PostgreSQL only: on SQLite (the embedded default) the figures are computed from the requests.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from reship import lifecycle
from reship.choices import EventKind, Reason, RequestStatus
from reship.evaluation.sql import COSTED_STATUSES
from reship.models import RollupState
from reship.models.rollups import COUNTS, SUMS

# Transactions commit a moment after they stamp updated_at: a change stamped this long before the
# last catch-up began is looked at again (rebuilding a seller-day twice is harmless).
LATE_COMMIT_MARGIN = timedelta(minutes=2)
# pg_advisory_xact_lock key: one writer of the rollups at a time.
LOCK_KEY = 7_190_019

COLUMNS = ("seller_id", "partner_id", "supplier_id", "reason", "day", "currency", "cost_bearer", *COUNTS, *SUMS)


def rollups_supported() -> bool:
    return connection.vendor == "postgresql" and settings.RESHIP_EVALUATION_ROLLUPS


def _quoted(values) -> str:
    return ", ".join("'" + str(value).replace("'", "''") + "'" for value in values)


def _insert_sql(selection: str) -> str:
    """INSERT … SELECT … GROUP BY for the requests ``selection`` (a FROM-clause fragment joined
    to ``r``, empty for all). Each request is expanded into its (source, reason) pairs."""
    closed = f"f.status = '{RequestStatus.CLOSED}'"
    costed = f"f.status IN ({_quoted(COSTED_STATUSES)})"
    answered = f"({closed} AND f.survey_id IS NOT NULL)"
    reviewed = "f.reviewed_at IS NOT NULL"
    resolved = "(f.reviewed_at IS NOT NULL AND f.resolved_at IS NOT NULL)"
    review_s = "CAST(EXTRACT(EPOCH FROM (f.reviewed_at - f.submitted_at)) AS double precision)"
    fulfil_s = "CAST(EXTRACT(EPOCH FROM (f.resolved_at - f.reviewed_at)) AS double precision)"
    cost = "(COALESCE(f.quote_goods, 0) + COALESCE(f.quote_shipping, 0) + COALESCE(f.quote_compensation, 0))"

    def count(condition: str) -> str:
        return f"COUNT(*) FILTER (WHERE {condition})"

    def total(value: str, condition: str) -> str:
        return f"COALESCE(SUM({value}) FILTER (WHERE {condition}), 0)"

    measures = {
        "requests": "COUNT(*)",
        "follow_up_requests": count("f.follow_up_of_id IS NOT NULL"),
        "closed": count(closed),
        "disputes": count(f"{closed} AND f.platform_dispute"),
        "bad_reviews": count(f"{closed} AND f.bad_review"),
        "disputed_or_bad_review": count(f"{closed} AND (f.platform_dispute OR f.bad_review)"),
        "followed_up": count(f"{closed} AND f.has_follow_up"),
        "answered": count(answered),
        "comments": count(f"{answered} AND f.survey_comment <> ''"),
        "rating_sum": total("f.survey_rating", answered),
        **{f"rating_{n}": count(f"{closed} AND f.survey_rating = {n}") for n in range(1, 6)},
        "reviewed": count(reviewed),
        "rejected": count(f"{reviewed} AND f.status = '{RequestStatus.REJECTED}'"),
        "review_hits": count(f"{reviewed} AND {review_s} <= f.review_sla_hours * 3600"),
        "resolved": count(resolved),
        "fulfilment_hits": count(f"{resolved} AND {fulfil_s} <= f.fulfilment_sla_hours * 3600"),
        "were_overdue": count("f.was_overdue"),
        "were_escalated": count("f.was_escalated"),
        "rated": count(f"{closed} AND f.rating_speed IS NOT NULL"),
        **{
            f"rating_{name}_{kind}": (total if kind == "sum" else lambda value, condition: count(condition))(
                f"f.rating_{name}", f"{closed} AND f.rating_{name} IS NOT NULL"
            )
            for name in ("speed", "quality", "cooperation")
            for kind in ("sum", "count")
        },
        "costed": count(costed),
        "lines": "COALESCE(SUM(s.lines), 0)",
        "quality_defect_lines": "COALESCE(SUM(s.quality_defects), 0)",
        "goods": total("f.quote_goods", costed),
        "shipping": total("f.quote_shipping", costed),
        "compensation": total("f.quote_compensation", costed),
        "cost": total(cost, costed),
    }
    assert tuple(measures) == (*COUNTS, *SUMS), "the measures must follow the model's order"
    before_partner = _quoted(lifecycle.BEFORE_PARTNER_STATUSES)
    reasons = _quoted(Reason.values)
    return f"""
WITH req AS (
    SELECT r.id, r.seller_id, r.partner_id, r.status, r.reason, r.currency, r.cost_bearer, r.follow_up_of_id,
           r.platform_dispute, r.bad_review, r.submitted_at, r.reviewed_at, r.resolved_at,
           r.rating_speed, r.rating_quality, r.rating_cooperation,
           r.quote_goods, r.quote_shipping, r.quote_compensation,
           (r.submitted_at AT TIME ZONE %(tz)s)::date AS day
    FROM reship_reshiprequest r {selection}
    WHERE r.submitted_at IS NOT NULL AND r.status NOT IN ({before_partner})
),
f AS (
    SELECT req.*, p.review_sla_hours, p.fulfilment_sla_hours,
           sr.id AS survey_id, sr.rating AS survey_rating, sr.comment AS survey_comment,
           EXISTS (SELECT 1 FROM reship_reshiprequest c WHERE c.follow_up_of_id = req.id) AS has_follow_up,
           EXISTS (SELECT 1 FROM reship_reshipevent e WHERE e.request_id = req.id AND e.kind = '{EventKind.OVERDUE}')
               AS was_overdue,
           EXISTS (SELECT 1 FROM reship_reshipevent e WHERE e.request_id = req.id AND e.kind = '{EventKind.OVERDUE}'
                   AND e.data -> 'level' = '"escalation"'::jsonb) AS was_escalated
    FROM req
    JOIN suppliers_dropshippartner p ON p.id = req.partner_id
    LEFT JOIN reship_surveyresponse sr ON sr.request_id = req.id
),
s AS (
    SELECT req.id AS request_id, 0 AS supplier_id, 0 AS lines, 0 AS quality_defects FROM req
    UNION ALL
    SELECT l.request_id, pr.supplier_id, COUNT(*), COUNT(*) FILTER (WHERE l.reason = '{Reason.QUALITY_DEFECT}')
    FROM req
    JOIN reship_reshipline l ON l.request_id = req.id
    JOIN orders_orderline ol ON ol.id = l.order_line_id
    JOIN orders_product pr ON pr.id = ol.product_id
    WHERE pr.supplier_id IS NOT NULL
    GROUP BY l.request_id, pr.supplier_id
),
rs AS (
    SELECT req.id AS request_id, '' AS reason FROM req
    UNION ALL
    SELECT request_id, reason FROM (
        SELECT req.id AS request_id, req.reason FROM req WHERE req.reason IN ({reasons})
        UNION
        SELECT l.request_id, l.reason FROM req JOIN reship_reshipline l ON l.request_id = req.id
        WHERE l.reason IN ({reasons})
    ) own_and_lines
)
INSERT INTO reship_requestrollup ({", ".join(COLUMNS)})
SELECT f.seller_id, f.partner_id, s.supplier_id, rs.reason, f.day, f.currency, f.cost_bearer,
       {", ".join(measures.values())}
FROM f
JOIN s ON s.request_id = f.id
JOIN rs ON rs.request_id = f.id
GROUP BY f.seller_id, f.partner_id, s.supplier_id, rs.reason, f.day, f.currency, f.cost_bearer
"""


def _tz() -> str:
    return settings.TIME_ZONE


def _lock(cursor) -> None:
    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])


def _high_water(cursor) -> tuple[int, int, int]:
    cursor.execute(
        "SELECT (SELECT COALESCE(MAX(id), 0) FROM reship_reshiprequest),"
        " (SELECT COALESCE(MAX(id), 0) FROM reship_surveyresponse),"
        " (SELECT COALESCE(MAX(id), 0) FROM reship_reshipevent)"
    )
    return cursor.fetchone()


def _save_state(*, started: datetime, high: tuple[int, int, int]) -> None:
    RollupState.objects.update_or_create(
        pk=1,
        defaults={
            "built_at": started,
            "last_request_id": high[0],
            "last_survey_id": high[1],
            "last_event_id": high[2],
        },
    )


def rebuild_rollups() -> int:
    """Every rollup row again, from every request; returns the number of rows written."""
    if connection.vendor != "postgresql":
        return 0
    started = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        _lock(cursor)
        high = _high_water(cursor)
        cursor.execute("DELETE FROM reship_requestrollup")
        cursor.execute(_insert_sql(""), {"tz": _tz()})
        written = cursor.rowcount
        _save_state(started=started, high=high)
    return written


def _dirty_seller_days(cursor, state: RollupState, *, margin: timedelta) -> list[tuple[int, date]]:
    """The seller-days whose requests changed since the state's watermark (less ``margin``), in one
    query. The watermark is passed as constants, so each table's question is an index range
    (requests by updated_at or id, surveys by answered_at or id, overdue events by time or id)."""
    cursor.execute(
        f"""
WITH changed AS (
    SELECT id FROM reship_reshiprequest WHERE updated_at >= %(since)s OR id > %(request_id)s
    UNION
    SELECT request_id FROM reship_surveyresponse WHERE answered_at >= %(since)s OR id > %(survey_id)s
    UNION
    SELECT request_id FROM reship_reshipevent
    WHERE kind = '{EventKind.OVERDUE}' AND (created_at >= %(since)s OR id > %(event_id)s)
),
touched AS (
    SELECT r.seller_id, r.submitted_at, r.follow_up_of_id FROM reship_reshiprequest r JOIN changed ON changed.id = r.id
)
SELECT seller_id, (submitted_at AT TIME ZONE %(tz)s)::date FROM touched WHERE submitted_at IS NOT NULL
UNION
SELECT p.seller_id, (p.submitted_at AT TIME ZONE %(tz)s)::date
FROM touched JOIN reship_reshiprequest p ON p.id = touched.follow_up_of_id WHERE p.submitted_at IS NOT NULL
""",
        {
            "since": state.built_at - margin,
            "request_id": state.last_request_id,
            "survey_id": state.last_survey_id,
            "event_id": state.last_event_id,
            "tz": _tz(),
        },
    )
    return cursor.fetchall()


def catch_up_rollups(*, margin: timedelta = timedelta(0)) -> int | None:
    """Rebuild the seller-days changed since the last catch-up or rebuild; returns how many, or
    ``None`` when the rollups were never built (``rebuild_rollups`` first; the figures are computed
    from the requests meanwhile). With nothing changed it is two small queries and writes nothing.

    The figures call it with no margin before they read; beat with ``LATE_COMMIT_MARGIN``, which
    also finds a change stamped just before an earlier catch-up began but committed after it."""
    if connection.vendor != "postgresql":
        return None
    state = RollupState.objects.filter(pk=1).first()
    if state is None:
        return None
    with connection.cursor() as cursor:
        days = _dirty_seller_days(cursor, state, margin=margin)
    if not days and margin == timedelta(0):
        return 0
    started = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        _lock(cursor)
        high = _high_water(cursor)
        state = RollupState.objects.get(pk=1)  # as the writer before us (if any) left it
        days = _dirty_seller_days(cursor, state, margin=margin)
        if days:
            params: dict[str, Any] = {
                "sellers": [seller for seller, _ in days],
                "days": [day for _, day in days],
                "tz": _tz(),
            }
            cursor.execute(
                "DELETE FROM reship_requestrollup t"
                " USING unnest(%(sellers)s::bigint[], %(days)s::date[]) AS d(seller_id, day)"
                " WHERE t.seller_id = d.seller_id AND t.day = d.day",
                params,
            )
            selection = (
                "JOIN unnest(%(sellers)s::bigint[], %(days)s::date[]) AS d(seller_id, day)"
                " ON r.seller_id = d.seller_id"
                " AND r.submitted_at >= (d.day::timestamp AT TIME ZONE %(tz)s)"
                " AND r.submitted_at < ((d.day + 1)::timestamp AT TIME ZONE %(tz)s)"
            )
            cursor.execute(_insert_sql(selection), params)
        _save_state(started=started, high=high)
    return len(days)
