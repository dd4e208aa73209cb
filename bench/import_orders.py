"""Order import benchmark (issue 8): ``python -m bench.import_orders [--rows 100000]``.

Generates a real-looking platform export — Chinese names and addresses, phone numbers in the
formats platforms write (+86 with spaces, bare, dashed, 0086, masked), orders of 1–5 lines,
two date formats, carriers with tracking numbers for most orders, and about 0.1 % bad rows (a
quantity of 0, 1.5 or "abc", an unknown SKU or partner, a day-first date) — then imports it the
way a seller does: ``order_import_upload`` (the whole-file check), the mapping, and the Celery
task ``orders.import_run`` run in a separate worker process, whose elapsed time and peak RSS
(``ru_maxrss``) are the figures. Then it imports the corrected file (bad rows fixed) again: the
good orders come out unchanged, the corrected ones created, nothing duplicated.

Database: ``DATABASE_URL`` (PostgreSQL; a database whose name lacks "bench" is refused, as it is
dropped and created again), else a fresh SQLite file in a temporary folder. Prints a table and the
JSON written to ``var/bench/import_orders-<database>.json``. Targets: ≤ 60 s, ≤ 300 MB.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO_ROOT = Path(__file__).resolve().parent.parent
STATE_DIR = REPO_ROOT / "var" / "bench"
TARGET_SECONDS = 60
TARGET_MB = 300
HEADER = [
    "订单编号",
    "下单时间",
    "收货人",
    "手机",
    "收货地址",
    "商品编码",
    "数量",
    "单价",
    "代发方",
    "快递公司",
    "快递单号",
]
PARTNERS = ["杭州云仓代发", "深圳优速代发", "广州一件代发", "义乌小商品代发", "Swift Dropship"]
SKUS = 400
SELLER_NAME = "Bench Import Shop"
USERNAME = "bench-import-seller"


def _out(text: str) -> None:
    print(text, flush=True)  # noqa: T201 - a command-line tool reports on stdout


# --- The file ---------------------------------------------------------------------------------


def generate(path: Path, *, rows: int, bad_rate: float, seed: int = 8) -> dict[str, int]:
    """Write the export (UTF-8 with BOM, as Excel saves "CSV UTF-8") and its corrected twin."""
    from reship.dev.demo import tables as demo

    rng = random.Random(seed)
    start = datetime(2026, 9, 1, 8, 0)  # noqa: DTZ001 - a platform export's local time, no zone
    written = bad = orders = 0
    corrected_path = path.with_name(path.stem + "-corrected.csv")
    with (
        path.open("w", encoding="utf-8-sig", newline="") as export,
        corrected_path.open("w", encoding="utf-8-sig", newline="") as corrected,
    ):
        out, fixed = csv.writer(export), csv.writer(corrected)
        out.writerow(HEADER)
        fixed.writerow(HEADER)
        while written < rows:
            orders += 1
            number = str(3_000_000_000_000_000_000 + orders * 7919)
            placed = start + timedelta(seconds=orders * 150 + rng.randint(0, 120))
            placed_text = placed.strftime(rng.choice(["%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M"]))
            (surname, _py), (given, _gpy) = rng.choice(demo.CN_SURNAMES), rng.choice(demo.CN_GIVEN_NAMES)
            province, city, districts, streets = rng.choice(demo.CN_PLACES)
            address = (
                " ".join(part for part in (province, city, rng.choice(districts), rng.choice(streets)) if part)
                + f" {rng.randint(1, 999)} 号 {rng.choice(demo.CN_ESTATES)} {rng.randint(1, 30)} 栋"
                f" {rng.randint(1, 32)}{rng.randint(1, 4):02d} 室"
            )
            phone = _phone(rng)
            partner = rng.choice(PARTNERS)
            carrier, pattern, _days = rng.choice(demo.DOMESTIC_CARRIERS)
            tracking = demo.fill(rng, pattern) if rng.random() < 0.7 else ""
            lines = min(rng.choice([1, 1, 2, 2, 3, 3, 4, 5]), rows - written)
            skus = rng.sample(range(SKUS), lines)
            for index, sku in enumerate(skus):
                row = [
                    number,
                    placed_text,
                    surname + given,
                    phone,
                    address,
                    f"SKU-{sku:04d}",
                    str(rng.choice([1, 1, 1, 2, 2, 3, 5])),
                    f"{rng.randint(990, 39900) / 100:.2f}",
                    partner,
                    carrier if tracking else "",
                    tracking,
                ]
                if index and rng.random() < 0.5:  # later rows of an order often leave the order's fields blank
                    row[1:5] = ["", "", "", ""]
                    row[8] = ""
                fixed.writerow(row)
                if rng.random() < bad_rate:
                    row = _spoilt(rng, row)
                    bad += 1
                out.writerow(row)
                written += 1
    return {"rows": written, "orders": orders, "bad_rows": bad}


def _phone(rng: random.Random) -> str:
    digits = f"{rng.choice(['138', '139', '186', '150', '177', '199'])}{rng.randint(0, 99_999_999):08d}"
    return rng.choice(
        [
            f"+86 {digits[:3]} {digits[3:7]} {digits[7:]}",
            digits,
            f"{digits[:3]}-{digits[3:7]}-{digits[7:]}",
            f"0086{digits}",
            f"+86{digits}",
            f"{digits[:3]}****{digits[7:]}",  # masked by the platform
        ]
    )


def _spoilt(rng: random.Random, row: list[str]) -> list[str]:
    row = list(row)
    kind = rng.choice(["quantity", "sku", "partner", "date"])
    if kind == "quantity":
        row[6] = rng.choice(["0", "1.5", "abc", "-1"])
    elif kind == "sku":
        row[5] = "SKU-UNKNOWN"
    elif kind == "partner":
        row[8] = "不存在的代发方"
    elif row[1]:
        row[1] = "20/11/2026 14:03"
    else:
        row[6] = "0"
    return row


# --- The database -------------------------------------------------------------------------------


def prepare_database(url: str | None, workdir: Path) -> dict[str, str]:
    """The environment the import's processes run with: a fresh database, media in ``workdir``."""
    env = {"MEDIA_ROOT": str(workdir / "media"), "CELERY_TASK_ALWAYS_EAGER": "true", "DEBUG": "false"}
    if url:
        parts = urlsplit(url)
        name = parts.path.lstrip("/")
        if "bench" not in name:
            raise SystemExit(f"{name!r}: the benchmark drops and re-creates its database; use a name with 'bench'")
        import psycopg2

        admin = psycopg2.connect(urlunsplit(parts._replace(path="/postgres")))
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
            cursor.execute(f'CREATE DATABASE "{name}"')
        admin.close()
        env["DATABASE_URL"] = url
    else:
        env["SQLITE_PATH"] = str(workdir / "bench-import.sqlite3")
    return env


def _django(env: dict[str, str]) -> None:
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reship.config.settings.base")
    sys.path.insert(0, str(REPO_ROOT))
    import django

    django.setup()


def setup_world() -> None:
    """Migrate, and make the seller, its user, the partners and the seller's SKUs."""
    from django.core.management import call_command

    from orders.models import Product, Seller, SellerMembership
    from reship.accounts.models import User
    from suppliers.models import DropshipPartner

    call_command("migrate", verbosity=0)
    seller = Seller.objects.create(name=SELLER_NAME)
    user = User.objects.create(username=USERNAME, language="zh-hans", time_zone="Asia/Shanghai")
    SellerMembership.objects.create(user=user, seller=seller)
    DropshipPartner.objects.bulk_create(
        DropshipPartner(name=name, email=f"partner{index}@example.com") for index, name in enumerate(PARTNERS)
    )
    Product.objects.bulk_create(
        Product(seller=seller, sku_code=f"SKU-{number:04d}", name=f"商品 {number}") for number in range(SKUS)
    )


def upload_and_map(path: Path) -> dict[str, float | int]:
    """What the upload page and the mapping page do; the job is left QUEUED for the worker."""
    from django.core.files import File
    from django.utils import translation

    from orders.imports import jobs
    from orders.models import ImportJob
    from reship.accounts.models import User

    user = User.objects.get(username=USERNAME)
    started = time.perf_counter()
    with path.open("rb") as handle, translation.override("zh-hans"):
        job = jobs.order_import_upload(actor=user, file=File(handle, name=path.name), platform="taobao")
    checked = time.perf_counter() - started
    jobs.order_import_configure(actor=user, job_id=job.pk, mapping=job.mapping, platform="taobao", partner_id=None)
    ImportJob.objects.filter(pk=job.pk).update(status="queued")  # what order_import_start does before queueing
    return {"job_id": job.pk, "upload_check_seconds": round(checked, 2)}


def worker(job_id: int) -> None:
    """The worker process: run the Celery task for the job; print elapsed time and peak RSS."""
    from orders.imports.tasks import order_import_run

    started = time.perf_counter()
    result = order_import_run.apply(args=[job_id]).get()
    elapsed = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    _out(json.dumps({"status": result, "seconds": round(elapsed, 2), "peak_rss_mb": round(peak_kb / 1024, 1)}))


def run_in_worker(env: dict[str, str], job_id: int) -> dict:
    completed = subprocess.run(
        [sys.executable, "-m", "bench.import_orders", "--worker", str(job_id)],
        cwd=REPO_ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise SystemExit(f"the worker failed:\n{completed.stderr}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def job_counts(job_id: int) -> dict[str, int]:
    from orders.models import ImportJob

    job = ImportJob.objects.get(pk=job_id)
    return {
        "rows": job.rows_total,
        "rows_done": job.rows_done,
        "rows_refused": job.rows_refused,
        "created": job.created_count,
        "updated": job.updated_count,
        "unchanged": job.unchanged_count,
        "refused": job.refused_count,
    }


def database_counts() -> dict[str, int]:
    from orders.models import Order, OrderLine, Shipment

    return {"orders": Order.objects.count(), "lines": OrderLine.objects.count(), "shipments": Shipment.objects.count()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.import_orders", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--bad-rate", type=float, default=0.001)
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        _django({})
        worker(args.worker)
        return 0

    url = os.environ.get("DATABASE_URL") or None
    with tempfile.TemporaryDirectory(prefix="reship-import-bench-") as folder:
        workdir = Path(folder)
        env = prepare_database(url, workdir)
        _django(env)
        setup_world()
        from django.db import connection

        export = workdir / "taobao-export.csv"
        started = time.perf_counter()
        made = generate(export, rows=args.rows, bad_rate=args.bad_rate)
        generated = round(time.perf_counter() - started, 2)
        runs = []
        for label, path in [
            ("first import", export),
            ("corrected re-import", export.with_name(export.stem + "-corrected.csv")),
        ]:
            job = upload_and_map(path)
            connection.close()  # the worker has its own connection; keep none open across the fork
            figures = run_in_worker(env, job["job_id"])
            runs.append(
                {
                    "run": label,
                    **figures,
                    "upload_check_seconds": job["upload_check_seconds"],
                    "rows_per_second": round(made["rows"] / figures["seconds"]),
                    **job_counts(job["job_id"]),
                }
            )
        report = {
            "database": connection.vendor + ("" if not url else f" {urlsplit(url).path.lstrip('/')}"),
            "file": {**made, "bytes": export.stat().st_size, "generated_seconds": generated},
            "runs": runs,
            "database_after": database_counts(),
            "targets": {"seconds": TARGET_SECONDS, "peak_rss_mb": TARGET_MB},
            "within_targets": all(run["seconds"] <= TARGET_SECONDS and run["peak_rss_mb"] <= TARGET_MB for run in runs),
        }
    _print_table(report)
    STATE_DIR.mkdir(parents=True, exist_ok=True)
    name = urlsplit(url).path.lstrip("/") if url else "sqlite"
    out = STATE_DIR / f"import_orders-{name}.json"
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    _out(json.dumps(report, ensure_ascii=False))
    _out(f"written to {out}")
    return 0 if report["within_targets"] else 1


def _print_table(report: dict) -> None:
    file = report["file"]
    _out(
        f"order import · {report['database']} · {file['rows']} rows, {file['orders']} orders, "
        f"{file['bad_rows']} bad rows, {file['bytes'] / 1e6:.1f} MB"
    )
    columns = [
        "run",
        "seconds",
        "rows_per_second",
        "peak_rss_mb",
        "upload_check_seconds",
        "created",
        "updated",
        "unchanged",
        "refused",
        "rows_refused",
    ]
    widths = [max(len(column), *(len(str(run[column])) for run in report["runs"])) for column in columns]
    _out("  ".join(column.ljust(width) for column, width in zip(columns, widths, strict=True)))
    for run in report["runs"]:
        _out("  ".join(str(run[column]).ljust(width) for column, width in zip(columns, widths, strict=True)))
    _out(
        f"after: {report['database_after']} · targets ≤ {TARGET_SECONDS} s and ≤ {TARGET_MB} MB: "
        f"{'met' if report['within_targets'] else 'NOT met'}"
    )


if __name__ == "__main__":
    sys.exit(main())
