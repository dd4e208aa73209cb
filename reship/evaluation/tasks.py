"""The evaluation's periodic job: catch the per-day rollups up (``reship.evaluation.rollup``)."""

from __future__ import annotations

from celery import shared_task

from reship.evaluation.rollup import LATE_COMMIT_MARGIN, catch_up_rollups


@shared_task(name="reship.refresh_evaluation_rollups")
def refresh_evaluation_rollups() -> int | None:
    """Rebuild the seller-days changed since the last catch-up, looking back ``LATE_COMMIT_MARGIN``
    further for changes that committed after it began; ``None`` while the rollups are not built."""
    return catch_up_rollups(margin=LATE_COMMIT_MARGIN)
