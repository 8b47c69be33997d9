"""Bulk statements on the hot path, in the driver's own parameter style.

SQLAlchemy Core compiles parameters row by row for ``executemany``; for the
rebuild's hundreds of thousands of rows that costs more than the database
does, so the projections send plain positional rows through
``exec_driver_sql`` (sqlite3 loops in C), and plain inserts on PostgreSQL
go through COPY on the same connection and transaction.
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
    if not upsert_on and connection.dialect.name == "postgresql":
        _copy(connection, table, columns, rows)
        return
    statement = (
        f"INSERT INTO {table.name} ({', '.join(columns)}) "
        f"VALUES ({_marks(connection, len(columns))})"
    )
    if upsert_on:
        updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in upsert_on)
        statement += f" ON CONFLICT ({', '.join(upsert_on)}) DO UPDATE SET {updates}"
    connection.exec_driver_sql(statement, list(rows))


def _copy(
    connection: Connection, table: Table, columns: Sequence[str], rows: Sequence[Row]
) -> None:
    # COPY is PostgreSQL's bulk path: one stream instead of a statement per row.
    driver = connection.connection.driver_connection
    assert driver is not None
    with (
        driver.cursor() as cursor,
        cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


def delete_many(
    connection: Connection, table: Table, key_columns: Sequence[str], keys: Sequence[Row]
) -> None:
    """DELETE the rows matching each key tuple."""
    if not keys:
        return
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    where = " AND ".join(f"{c} = {mark}" for c in key_columns)
    connection.exec_driver_sql(f"DELETE FROM {table.name} WHERE {where}", list(keys))


def empty(connection: Connection, *tables: Table) -> None:
    """Remove every row of these tables, inside the caller's transaction (a rebuild's reset).

    PostgreSQL: ``TRUNCATE``, which leaves no dead rows behind.  A ``DELETE``
    of a whole table left millions of them until a vacuum, and the planner
    then scanned them on every lookup during the rebuild (several seconds
    per million events).  It briefly locks the tables against readers, until
    the reset commits.  SQLite: ``DELETE`` (it frees the pages; secure_delete
    overwrites them).
    """
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"TRUNCATE {', '.join(t.name for t in tables)}")
        return
    for table in tables:
        connection.exec_driver_sql(f"DELETE FROM {table.name}")
