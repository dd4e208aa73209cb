"""Bulk loading into PostgreSQL: COPY from generated text, with the secondary indexes, unique and
foreign-key constraints of the loaded tables dropped first and re-created afterwards from their own
definitions (``pg_get_indexdef`` / ``pg_get_constraintdef``), so the schema ends exactly as the
migrations made it and every foreign key is checked once, in one pass per constraint.

Each table is written to a text file by the generator and copied by a worker thread as soon as the
file is complete, in a transaction that truncates it first, so ``COPY ... FREEZE`` can write the
rows already frozen and visible: no VACUUM needed before index-only scans work.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import psycopg2
from django.db import models

# COPY's text format: backslash, tab, newline and carriage return are escaped; \N is NULL.
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
NULL = "\\N"


def esc(text: str) -> str:
    return text.translate(_ESCAPES)


def ts(epoch: float | None) -> str:
    """An aware timestamp for COPY (UTC), or NULL."""
    if epoch is None:
        return NULL
    return datetime.fromtimestamp(epoch, UTC).isoformat()


def _literal(value) -> str:
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict | list):
        import json

        return esc(json.dumps(value))
    return esc(str(value))


class TableFile:
    """One table's COPY data: the columns the generator writes, in order, plus any other column of
    the model filled with its field default (so a field added later does not break the loader; a
    new NOT NULL column without a default does, naming itself)."""

    FLUSH_EVERY = 20_000

    def __init__(self, model: type[models.Model], columns: list[str], directory: Path) -> None:
        self.model = model
        self.table = model._meta.db_table
        known = {field.column: field for field in model._meta.concrete_fields}
        unknown = [column for column in columns if column not in known]
        if unknown:
            raise RuntimeError(f"{self.table} has no column(s) {unknown}: bench/generate.py is out of date")
        extra = []
        for column, model_field in known.items():
            if column in columns:
                continue
            if model_field.has_default():
                default = model_field.get_default()
            elif model_field.null:
                default = None
            elif getattr(model_field, "auto_now", False) or getattr(model_field, "auto_now_add", False):
                default = datetime.now(UTC)
            elif isinstance(model_field, models.CharField | models.TextField) and model_field.blank:
                default = ""
            else:
                raise RuntimeError(
                    f"{self.table}.{column} is NOT NULL without a default: teach bench/generate.py to fill it"
                )
            extra.append((column, default))
        self.columns = [*columns, *(column for column, _ in extra)]
        self.suffix = "".join("\t" + _literal(default) for _, default in extra)
        self.path = directory / f"{self.table}.tsv"
        self._file = self.path.open("w", encoding="utf-8", newline="\n")
        self._buffer: list[str] = []
        self.rows = 0
        self.closed = False

    def add(self, line: str) -> None:
        self._buffer.append(line)
        if len(self._buffer) >= self.FLUSH_EVERY:
            self._flush()

    def _flush(self) -> None:
        if self._buffer:
            suffix = self.suffix + "\n"
            self._file.write(suffix.join(self._buffer) + suffix)
            self.rows += len(self._buffer)
            self._buffer.clear()

    def close(self) -> None:
        self._flush()
        self._file.close()
        self.closed = True

    def copy_sql(self) -> str:
        columns = ", ".join(f'"{column}"' for column in self.columns)
        return f'COPY "{self.table}" ({columns}) FROM STDIN WITH (FREEZE)'


@dataclass
class CopyTiming:
    table: str
    rows: int
    seconds: float


@dataclass
class Copier:
    """Copies closed table files on a small pool of connections while generation goes on."""

    dsn: str
    workers: int = 2
    timings: list[CopyTiming] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="copy")
        self._futures: list[Future] = []

    def submit(self, table_file: TableFile) -> None:
        if not table_file.closed:
            table_file.close()
        self._futures.append(self._pool.submit(self._copy, table_file))

    def _copy(self, table_file: TableFile) -> None:
        started = time.perf_counter()
        connection = psycopg2.connect(self.dsn)
        try:
            with connection, connection.cursor() as cursor:
                cursor.execute("SET synchronous_commit = off")
                cursor.execute(f'TRUNCATE "{table_file.table}"')
                with table_file.path.open("rb") as source:
                    cursor.copy_expert(table_file.copy_sql(), source, size=1 << 20)
        finally:
            connection.close()
        table_file.path.unlink()
        with self._lock:
            self.timings.append(CopyTiming(table_file.table, table_file.rows, time.perf_counter() - started))

    def wait(self) -> None:
        for future in self._futures:
            future.result()
        self._pool.shutdown()


# --- the schema's secondary structures: snapshot, drop, re-create, compare -----------------------


@dataclass(frozen=True)
class Structure:
    kind: str  # "index", "unique", "foreign key"
    table: str
    name: str
    definition: str

    def drop_sql(self) -> str:
        if self.kind == "index":
            return f'DROP INDEX "{self.name}"'
        return f'ALTER TABLE "{self.table}" DROP CONSTRAINT "{self.name}"'

    def create_sql(self) -> str:
        if self.kind == "index":
            return self.definition
        return f'ALTER TABLE "{self.table}" ADD CONSTRAINT "{self.name}" {self.definition}'


def schema_snapshot(cursor) -> list[Structure]:
    """Every index and constraint of the public schema, as PostgreSQL itself would re-create it."""
    cursor.execute(
        """
        SELECT CASE contype WHEN 'f' THEN 'foreign key' WHEN 'u' THEN 'unique' WHEN 'p' THEN 'primary key'
                            ELSE 'check' END,
               conrelid::regclass::text, conname, pg_get_constraintdef(oid)
        FROM pg_constraint WHERE connamespace = 'public'::regnamespace AND conrelid <> 0
        UNION ALL
        SELECT 'index', tablename, indexname, indexdef FROM pg_indexes i
        WHERE schemaname = 'public' AND NOT EXISTS (
            SELECT 1 FROM pg_constraint c WHERE c.conindid = (quote_ident(i.indexname))::regclass
                                          AND c.contype IN ('p', 'u', 'x'))
        ORDER BY 2, 3
        """
    )
    return [Structure(*row) for row in cursor.fetchall()]


def droppable(snapshot: list[Structure], tables: set[str]) -> list[Structure]:
    """What to drop before loading ``tables``: their secondary indexes and unique constraints, and
    every foreign key that points from or to one of them. Primary keys and checks stay."""
    result = []
    for structure in snapshot:
        if structure.kind in ("index", "unique") and structure.table in tables:
            result.append(structure)
        elif structure.kind == "foreign key":
            target = structure.definition.split("REFERENCES ", 1)[1].split("(", 1)[0].strip().strip('"')
            if structure.table in tables or target in tables:
                result.append(structure)
    return result


def recreate(dsn: str, structures: list[Structure], *, workers: int = 2) -> dict[str, float]:
    """Indexes and unique constraints first (``workers`` at a time), then foreign keys (each
    validated in one pass). Returns seconds per phase."""
    timings = {}

    def run(statements: list[str], workers: int) -> None:
        def one(statement: str) -> None:
            connection = psycopg2.connect(dsn)
            connection.autocommit = True
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SET maintenance_work_mem = '512MB'")
                    cursor.execute("SET max_parallel_maintenance_workers = 2")
                    cursor.execute(statement)
            finally:
                connection.close()

        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ddl") as pool:
            for future in [pool.submit(one, statement) for statement in statements]:
                future.result()

    started = time.perf_counter()
    run([s.create_sql() for s in structures if s.kind in ("index", "unique")], workers)
    timings["indexes and unique constraints"] = time.perf_counter() - started
    started = time.perf_counter()
    # One at a time: each locks two tables, and two at once could deadlock on a shared one.
    run([s.create_sql() for s in structures if s.kind == "foreign key"], 1)
    timings["foreign keys (validated)"] = time.perf_counter() - started
    return timings
