"""The biggest pair's statements at the benchmark's scale (issue 17): ``python -m bench.statements
--scale full`` on a database ``bench.load`` built.

1. Through the writer (``reship.settlement.statements``), as the bench partner: the biggest seller ×
   partner pair's first statement — a catch-up of every request closed before last month, since a
   pair's first statement takes everything not yet on one — then last month's, each drawn up and
   issued, timed.
2. In-process, signed in as the bench partner: the statement page of last month's statement (the
   first page of lines, and a filtered one) rendered N times — SQL statements per render and the
   time's median and p95 — the same for the catch-up statement, to show the count does not grow with
   the lines.
3. The XLSX and CSV exports of both statements consumed to the end while ``tracemalloc`` records the
   Python heap's peak: constant memory means the peak does not grow with the lines.

The statement ids are added to ``var/bench/<database>.json`` (``statements``) so ``bench.run``'s
``statement_page`` scenario serves last month's page under load. Results print as a table and go
to ``bench/results/<time>-statements-<scale>.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path

from bench.scales import SCALES, credentials_path, database_url

RESULTS = Path(__file__).resolve().parent / "results"


def _say(message: str = "") -> None:
    print(message, flush=True)  # noqa: T201 - a command-line tool


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def _issue(partner_user, seller_id: int, period_start, period_end, now) -> tuple[int, float, int]:
    from reship.settlement.statements import statement_draft, statement_issue

    started = time.perf_counter()
    draft = statement_draft(
        actor=partner_user,
        partner_id=partner_user.partner_membership.partner_id,
        seller_id=seller_id,
        period_start=period_start,
        period_end=period_end,
        now=now,
    )
    issued = statement_issue(statement_id=draft.pk, actor=partner_user, now=now)
    return issued.pk, time.perf_counter() - started, issued.line_count


def _page_figures(client, path: str, renders: int) -> dict[str, float]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times, queries = [], set()
    for _ in range(renders):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(path)
            elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise SystemExit(f"GET {path} answered {response.status_code}")
        times.append(elapsed)
        queries.add(len(captured))
    return {
        "renders": renders,
        "queries": sorted(queries),
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(_percentile(times, 0.95), 1),
    }


def _export_figures(client, path: str) -> dict[str, float]:
    tracemalloc.start()
    tracemalloc.reset_peak()
    started = time.perf_counter()
    response = client.get(path)
    size = 0
    for chunk in response.streaming_content:
        size += len(chunk)
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    if response.status_code != 200:
        raise SystemExit(f"GET {path} answered {response.status_code}")
    return {"bytes": size, "seconds": round(seconds, 2), "peak_python_mb": round(peak / 2**20, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="full")
    parser.add_argument("--renders", type=int, default=40)
    args = parser.parse_args(argv)
    scale = SCALES[args.scale]
    url = database_url(scale)
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "reship.config.settings.base"
    state_path = credentials_path(url)
    state = json.loads(state_path.read_text())

    import django

    django.setup()
    from django.conf import settings
    from django.test import Client
    from django.utils import timezone

    from reship.accounts.models import User
    from reship.models import Statement
    from reship.settlement import periods

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    partner_user = User.objects.select_related("partner_membership").get(username=state["partner"]["username"])
    seller_id = state["seller"]["id"]
    now = timezone.now()
    month_start, month_end = periods.last_finished("monthly", now)
    existing = {
        row.period_start: row.pk
        for row in Statement.objects.filter(partner_id=partner_user.partner_membership.partner_id, seller_id=seller_id)
    }
    figures: dict[str, dict] = {}
    if month_start in existing:
        _say("Statements already drawn up on this database: measuring them (load again for fresh figures).")
        catch_up_id = min(pk for start, pk in existing.items() if start != month_start)
        month_id = existing[month_start]
    else:
        catch_up_id, seconds, lines = _issue(
            partner_user, seller_id, month_start - timedelta(days=365), month_start - timedelta(days=1), now
        )
        figures["issue catch-up"] = {"seconds": round(seconds, 1), "lines": lines}
        _say(f"catch-up statement (every request closed before {month_start}): {lines:,} lines in {seconds:.1f} s")
        month_id, seconds, lines = _issue(partner_user, seller_id, month_start, month_end, now)
        figures["issue month"] = {"seconds": round(seconds, 1), "lines": lines}
        _say(f"last month's statement ({month_start} – {month_end}): {lines:,} lines in {seconds:.1f} s")

    client = Client()
    client.force_login(partner_user)
    for name, pk in (("month", month_id), ("catch-up", catch_up_id)):
        statement = Statement.objects.get(pk=pk)
        figures[f"{name}: statement"] = {"number": statement.number, "lines": statement.line_count}
        for label, suffix in (("page", ""), ("page, borne by seller", "?bearer=seller"), ("page 5", "?page=5")):
            figures[f"{name}: {label}"] = _page_figures(client, f"/statements/{pk}/{suffix}", args.renders)
        for kind in ("xlsx", "csv"):
            figures[f"{name}: export {kind}"] = _export_figures(client, f"/statements/{pk}/export.{kind}")
    state["statements"] = {"month": month_id, "catch_up": catch_up_id}
    state_path.write_text(json.dumps(state, indent=2))

    _say("")
    for name, values in figures.items():
        _say(f"{name:<34} " + ", ".join(f"{key} {value}" for key, value in values.items()))
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"{time.strftime('%Y%m%d-%H%M%S')}-statements-{scale.name}.json"
    out.write_text(json.dumps({"scale": scale.name, "database_url": url, "figures": figures}, indent=2))
    _say(f"\nWrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
