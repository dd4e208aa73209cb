"""Build the benchmark database: ``python -m bench.load --scale full|small``.

Drops and re-creates the database named by DATABASE_URL (default: ``reship_bench`` or
``reship_bench_small`` on the local server; a name without "bench" in it is refused unless
``--force``), runs the migrations, generates the data (``bench.generate``) and COPYs it in with the
secondary indexes and constraints of the loaded tables dropped, re-creates those from their own
definitions (checking the schema ends identical to the migrations'), sets the id sequences,
ANALYZEs, and creates the API keys the runner uses with the app's own ``api_key_create``. Prints
the time of each phase and writes ``var/bench/<database>.json`` for ``bench.run``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import psycopg2
from psycopg2 import sql

from bench.scales import SCALES, credentials_path, database_name, database_url

API_KEYS_PER_ORGANISATION = 64  # the runner rotates them: each stays under the per-key throttle


def _say(message: str) -> None:
    print(message, flush=True)  # noqa: T201 - a command-line tool reports on stdout


def _maintenance_dsn(url: str) -> str:
    import dj_database_url

    config = dj_database_url.parse(url)
    parts = {
        "dbname": "postgres",
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
        "host": config.get("HOST") or None,
        "port": config.get("PORT") or None,
    }
    return " ".join(f"{key}={value}" for key, value in parts.items() if value)


def _dsn(url: str) -> str:
    import dj_database_url

    config = dj_database_url.parse(url)
    parts = {
        "dbname": config["NAME"],
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
        "host": config.get("HOST") or None,
        "port": config.get("PORT") or None,
    }
    return " ".join(f"{key}={value}" for key, value in parts.items() if value)


def database_recreate(url: str) -> None:
    name = database_name(url)
    connection = psycopg2.connect(_maintenance_dsn(url))
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    finally:
        connection.close()


class Phases:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.started = time.perf_counter()

    def run(self, name: str, function, *args, **kwargs):
        _say(f"  {name} …")
        started = time.perf_counter()
        result = function(*args, **kwargs)
        self.seconds[name] = time.perf_counter() - started
        _say(f"  {name}: {self.seconds[name]:.1f} s")
        return result

    @property
    def total(self) -> float:
        return time.perf_counter() - self.started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="small")
    parser.add_argument("--force", action="store_true", help="load into a database whose name lacks 'bench'")
    args = parser.parse_args(argv)
    scale = SCALES[args.scale]
    url = database_url(scale)
    name = database_name(url)
    if not url.startswith(("postgres://", "postgresql://")):
        parser.error(f"DATABASE_URL must point at PostgreSQL, not {url.split(':', 1)[0]}")
    if "bench" not in name and not args.force:
        parser.error(f"refusing to drop and re-create database {name!r}: its name lacks 'bench' (use --force)")

    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "reship.config.settings.base")
    os.environ["DJANGO_SETTINGS_MODULE"] = "reship.config.settings.base"
    _say(f"Loading the {scale.name} scale into {name} ({scale.orders:,} orders, {scale.requests:,} requests)")
    phases = Phases()
    phases.run("create database", database_recreate, url)

    import django

    django.setup()
    from django.core.management import call_command

    phases.run("migrate", call_command, "migrate", verbosity=0)

    from bench import pgload
    from bench.generate import BENCH_PASSWORD, Generator

    dsn = _dsn(url)
    connection = psycopg2.connect(dsn)
    connection.autocommit = True
    cursor = connection.cursor()
    before = pgload.schema_snapshot(cursor)

    with tempfile.TemporaryDirectory(prefix="reship-bench-") as directory:
        copier = pgload.Copier(dsn)
        generator = Generator(scale, Path(directory), copier)
        # Dropped per table as the generator declares it, before anything is copied into it.
        loaded_tables = {model._meta.db_table for model in _generated_models()}
        dropped = pgload.droppable(before, loaded_tables)
        for structure in sorted(dropped, key=lambda s: s.kind == "foreign key", reverse=True):
            cursor.execute(structure.drop_sql())
        _say(f"  dropped {len(dropped)} secondary indexes and constraints of {len(loaded_tables)} tables")

        def generate():
            generator.organisations()
            generator.orders()
            return generator.requests()

        identities = phases.run("generate and COPY (overlapped)", generate)
        phases.run("COPY: finish", copier.wait)
    index_timings = phases.run("re-create indexes and constraints", pgload.recreate, dsn, dropped)
    after = pgload.schema_snapshot(cursor)
    if after != before:
        missing = sorted(set(before) - set(after), key=str)
        extra = sorted(set(after) - set(before), key=str)
        raise SystemExit(f"schema differs from the migrations' after loading: missing {missing}, extra {extra}")

    def sequences():
        from django.db import models

        for model in _generated_models():
            pk = model._meta.pk
            if not isinstance(pk, models.AutoField | models.BigAutoField | models.SmallAutoField):
                continue
            table = model._meta.db_table
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, pk.column])
            sequence = cursor.fetchone()[0]
            cursor.execute(
                sql.SQL("SELECT setval(%s, GREATEST((SELECT max({}) FROM {}), 1))").format(
                    sql.Identifier(pk.column), sql.Identifier(table)
                ),
                [sequence],
            )

    phases.run("set id sequences", sequences)
    phases.run("ANALYZE", cursor.execute, "ANALYZE")

    from reship.evaluation.rollup import rebuild_rollups

    # The dashboard's per-day rollups of the loaded requests: one INSERT … SELECT … GROUP BY.
    phases.run("evaluation rollups (reship.evaluation.rollup.rebuild_rollups)", rebuild_rollups)
    phases.run("ANALYZE the rollups", cursor.execute, "ANALYZE reship_requestrollup")

    keys = phases.run("API keys (reship.services.api_keys.api_key_create)", _api_keys, identities)
    counts = _counts(cursor, identities)
    connection.close()

    total = phases.total
    _say("")
    _say(f"{'table (COPY, overlapped with generation)':<44} {'rows':>12} {'seconds':>9} {'rows/s':>10}")
    for timing in sorted(copier.timings, key=lambda t: -t.rows):
        rate = timing.rows / timing.seconds if timing.seconds else 0
        _say(f"{timing.table:<44} {timing.rows:>12,} {timing.seconds:>9.1f} {rate:>10,.0f}")
    _say("")
    for phase, seconds in {**phases.seconds, **{f"  of which {k}": v for k, v in index_timings.items()}}.items():
        _say(f"{phase:<44} {seconds:>9.1f} s")
    _say(f"{'TOTAL load time':<44} {total:>9.1f} s")
    _say("")
    for label, value in counts.items():
        _say(f"{label:<44} {value:>12,}")

    state = {
        "database_url": url,
        "scale": scale.name,
        "loaded_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "load_seconds": round(total, 1),
        "load_phases": {k: round(v, 1) for k, v in {**phases.seconds, **index_timings}.items()},
        "copy_tables": {t.table: {"rows": t.rows, "seconds": round(t.seconds, 1)} for t in copier.timings},
        "counts": counts,
        "password": BENCH_PASSWORD,
        "seller": {"id": identities.seller_id, "username": "bench.seller", "api_keys": keys["seller"]},
        "partner": {"id": identities.partner_id, "username": "bench.partner", "api_keys": keys["partner"]},
    }
    path = credentials_path(url)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(state, indent=2, ensure_ascii=False))
    path.chmod(0o600)
    _say(f"\nWrote {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")
    return 0


def _generated_models():
    from orders.models import Order, OrderLine, Product, Seller, SellerMembership, Shipment
    from reship.accounts.models import User
    from reship.models import (
        AutoApprovalRule,
        CommunicationRecord,
        Notification,
        RequestMessage,
        RequestNumberSequence,
        ReshipEvent,
        ReshipLine,
        ReshipRequest,
        RestockOrder,
        SurveyResponse,
    )
    from suppliers.models import DropshipPartner, PartnerContact, PartnerMembership, Supplier

    return [
        Supplier, DropshipPartner, DropshipPartner.suppliers.through, PartnerContact, Seller, User,
        SellerMembership, PartnerMembership, AutoApprovalRule, Product, Order, OrderLine, Shipment,
        ReshipRequest, ReshipLine, RequestNumberSequence, ReshipEvent, RequestMessage, CommunicationRecord,
        RestockOrder, SurveyResponse, Notification,
    ]  # fmt: skip


def _api_keys(identities) -> dict[str, list[str]]:
    from reship.accounts.models import User
    from reship.services.api_keys import api_key_create

    result = {}
    for side, user_id in (("seller", identities.seller_user_id), ("partner", identities.partner_user_id)):
        actor = User.objects.get(pk=user_id)
        result[side] = [
            api_key_create(actor=actor, name=f"bench {number + 1}")[1] for number in range(API_KEYS_PER_ORGANISATION)
        ]
    return result


def _counts(cursor, identities) -> dict[str, int]:
    tables = {
        "sellers": "orders_seller",
        "partners": "suppliers_dropshippartner",
        "suppliers": "suppliers_supplier",
        "users": "accounts_user",
        "products": "orders_product",
        "orders": "orders_order",
        "order lines": "orders_orderline",
        "shipments": "orders_shipment",
        "reship requests": "reship_reshiprequest",
        "reship lines": "reship_reshipline",
        "events": "reship_reshipevent",
        "notifications": "reship_notification",
        "thread messages": "reship_requestmessage",
        "restock orders": "reship_restockorder",
    }
    counts = {}
    for label, table in tables.items():
        cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
        counts[label] = cursor.fetchone()[0]
    cursor.execute(
        "SELECT status, count(*) FROM reship_reshiprequest GROUP BY status ORDER BY count(*) DESC",
    )
    for status, count in cursor.fetchall():
        counts[f"  requests {status}"] = count
    cursor.execute("SELECT count(*) FROM reship_reshiprequest WHERE seller_id = %s", [identities.seller_id])
    counts["requests of the biggest seller"] = cursor.fetchone()[0]
    cursor.execute("SELECT count(*) FROM reship_reshiprequest WHERE partner_id = %s", [identities.partner_id])
    counts["requests of the biggest partner"] = cursor.fetchone()[0]
    cursor.execute(
        "SELECT max(c) FROM (SELECT count(*) c FROM reship_reshiprequest WHERE seller_id <> %s GROUP BY seller_id) s",
        [identities.seller_id],
    )
    counts["requests of the next biggest seller"] = cursor.fetchone()[0] or 0
    cursor.execute(
        "SELECT count(*) FROM reship_reshiprequest r WHERE seller_id = %s AND "
        "(SELECT count(*) FROM reship_reshipevent e WHERE e.request_id = r.id) = 20",
        [identities.seller_id],
    )
    counts["biggest seller's requests with 20 events"] = cursor.fetchone()[0]
    return counts


if __name__ == "__main__":
    sys.exit(main())
