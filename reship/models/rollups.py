"""Per-day rollups of the requests for the evaluation figures (issue 19): what a quarter's dashboard
sums instead of re-aggregating tens of thousands of requests.

One row per seller × partner × source × reason × local day of submission × currency × cost
bearer, holding counts and sums that add up across rows (averages are sums and counts). A request
counts once in the row of every (source, reason) pair it belongs to, where source 0 and reason ''
stand for "every source" and "every reason": so the row (0, '') counts every request once, the
rows (0, r) the requests with reason r on the request or a line (``has_reason``), the rows (s, '')
the requests with a line from source s (the supplier filter and "per source" figures), and (s, r)
both filters together. Rows are written only by ``reship.evaluation.rollup`` (rebuilt per
seller-day from the requests); nothing else reads or writes them.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

# The measures, in the order the rebuild's SELECT writes them (reship.evaluation.rollup).
COUNTS: tuple[str, ...] = (
    "requests",
    "follow_up_requests",
    "closed",
    "disputes",
    "bad_reviews",
    "disputed_or_bad_review",
    "followed_up",
    "answered",
    "comments",
    "rating_sum",
    "rating_1",
    "rating_2",
    "rating_3",
    "rating_4",
    "rating_5",
    "reviewed",
    "rejected",
    "review_hits",
    "resolved",
    "fulfilment_hits",
    "were_overdue",
    "were_escalated",
    "rated",
    "rating_speed_sum",
    "rating_speed_count",
    "rating_quality_sum",
    "rating_quality_count",
    "rating_cooperation_sum",
    "rating_cooperation_count",
    "costed",
    "lines",
    "quality_defect_lines",
)
SUMS: tuple[str, ...] = ("goods", "shipping", "compensation", "cost")


class RequestRollup(models.Model):
    # No foreign key constraints nor single-column indexes: rows are rebuilt wholesale, and the
    # composite indexes below answer every read.
    seller = models.ForeignKey(
        "orders.Seller", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, db_index=False
    )
    partner = models.ForeignKey(
        "suppliers.DropshipPartner", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, db_index=False
    )
    # Internal tables, never shown to anyone (no admin, no form): no translated names.
    supplier_id = models.IntegerField(default=0)
    reason = models.CharField(max_length=30, blank=True)
    day = models.DateField()  # local day (settings.TIME_ZONE) of submitted_at
    currency = models.CharField(max_length=3)
    cost_bearer = models.CharField(max_length=20, blank=True)

    requests = models.IntegerField(default=0)
    follow_up_requests = models.IntegerField(default=0)
    closed = models.IntegerField(default=0)
    disputes = models.IntegerField(default=0)
    bad_reviews = models.IntegerField(default=0)
    disputed_or_bad_review = models.IntegerField(default=0)
    followed_up = models.IntegerField(default=0)
    answered = models.IntegerField(default=0)
    comments = models.IntegerField(default=0)
    rating_sum = models.IntegerField(default=0)
    rating_1 = models.IntegerField(default=0)
    rating_2 = models.IntegerField(default=0)
    rating_3 = models.IntegerField(default=0)
    rating_4 = models.IntegerField(default=0)
    rating_5 = models.IntegerField(default=0)
    reviewed = models.IntegerField(default=0)
    rejected = models.IntegerField(default=0)
    review_hits = models.IntegerField(default=0)
    resolved = models.IntegerField(default=0)
    fulfilment_hits = models.IntegerField(default=0)
    were_overdue = models.IntegerField(default=0)
    were_escalated = models.IntegerField(default=0)
    rated = models.IntegerField(default=0)
    rating_speed_sum = models.IntegerField(default=0)
    rating_speed_count = models.IntegerField(default=0)
    rating_quality_sum = models.IntegerField(default=0)
    rating_quality_count = models.IntegerField(default=0)
    rating_cooperation_sum = models.IntegerField(default=0)
    rating_cooperation_count = models.IntegerField(default=0)
    costed = models.IntegerField(default=0)  # approved or later (sql.COSTED_STATUSES)
    lines = models.IntegerField(default=0)  # lines of the row's source (0 on source-0 rows)
    quality_defect_lines = models.IntegerField(default=0)
    # of the costed requests
    goods = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    shipping = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    compensation = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    # goods + shipping + compensation, of the costed requests
    cost = models.DecimalField(max_digits=14, decimal_places=2, default=0)

    class Meta:
        # Internal, written and read only by reship.evaluation.rollup: no admin, so no permissions
        # for anyone to be given (they showed untranslated in the admin's permission pickers).
        default_permissions = ()
        indexes = [
            # A seller's (a partner's) rows of one source-and-reason slice over the period: the
            # figures read the (0, '') slice, the reasons of one source, the sources of one reason.
            models.Index(fields=["seller", "supplier_id", "reason", "day"], name="rollup_seller_slice"),
            models.Index(fields=["partner", "supplier_id", "reason", "day"], name="rollup_partner_slice"),
            models.Index(fields=["day"], name="rollup_day"),
        ]

    def __str__(self) -> str:
        return f"{self.seller_id}/{self.partner_id}/{self.supplier_id}/{self.reason or '*'} {self.day}"


class RollupState(models.Model):
    """How far the rollups are built: one row (pk 1). The next catch-up rebuilds the seller-days of
    the requests changed since ``built_at`` (less a margin for transactions that committed late)
    or created after ``last_request_id``, and of the surveys and overdue events after theirs."""

    built_at = models.DateTimeField(default=timezone.now)
    last_request_id = models.BigIntegerField(default=0)
    last_survey_id = models.BigIntegerField(default=0)
    last_event_id = models.BigIntegerField(default=0)

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return f"built at {self.built_at:%Y-%m-%d %H:%M:%S}"
