"""Bulk statements on the hot path, in the driver's own parameter style.

SQLAlchemy Core compiles parameters row by row for ``executemany``; for the
rebuild's hundreds of thousands of rows that costs more than the database
does, so the projections send plain positional rows through
``exec_driver_sql`` (psycopg pipelines them; sqlite3 loops in C).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table

Row = tuple[Any, ...]


def _marks(connection: Connection, count: int) -> str:
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    return ", ".join([mark] * count)


def insert_many(
    connection: Connection,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[Row],
    *,
    upsert_on: Sequence[str] = (),
) -> None:
    """INSERT rows (or, with ``upsert_on``, replace the other columns on conflict)."""
    if not rows:
        return
    statement = (
        f"INSERT INTO {table.name} ({', '.join(columns)}) "
        f"VALUES ({_marks(connection, len(columns))})"
    )
    if upsert_on:
        updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in upsert_on)
        statement += f" ON CONFLICT ({', '.join(upsert_on)}) DO UPDATE SET {updates}"
    connection.exec_driver_sql(statement, list(rows))


def delete_many(
    connection: Connection, table: Table, key_columns: Sequence[str], keys: Sequence[Row]
) -> None:
    """DELETE the rows matching each key tuple."""
    if not keys:
        return
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    where = " AND ".join(f"{c} = {mark}" for c in key_columns)
    connection.exec_driver_sql(f"DELETE FROM {table.name} WHERE {where}", list(keys))
