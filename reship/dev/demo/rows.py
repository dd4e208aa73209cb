"""Bulk inserts for the rows the demo writes itself (products, orders, their lines and parcels)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from django.db import connection, models

M = TypeVar("M", bound=models.Model)


def rows_insert(model: type[M], rows: Sequence[M]) -> Sequence[M]:
    """bulk_create, or row by row where the database cannot return the new ids (SQLite < 3.35)."""
    if connection.features.can_return_rows_from_bulk_insert:
        return model._default_manager.bulk_create(rows, batch_size=500)
    for row in rows:
        row.save(force_insert=True)
    return rows
