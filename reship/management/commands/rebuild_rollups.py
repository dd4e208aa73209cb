"""``manage.py rebuild_rollups``: write the evaluation's per-day rollups again from every request.

Run it once after data arrives other than through the workflow (a bulk load, a restore, a change
of a partner's SLA hours, which the figures read as they are today); beat and the figures keep
them up afterwards. PostgreSQL only (on SQLite the figures always read the requests).
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from reship.evaluation.rollup import rebuild_rollups


class Command(BaseCommand):
    help = "Rebuild the evaluation's per-day rollups from every request (PostgreSQL)."

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        rows = rebuild_rollups()
        self.stdout.write(f"{rows} rollup rows written in {time.monotonic() - started:.1f} s")
