"""The ledger's own tables beside the library's events table, declared once.

* ``ledger_chain``: one link per event (student, sequence, recorded time,
  commitment, link);
* ``ledger_identifiers``: keyed digests of UPN/ULN -> student, unique;
* ``ledger_keys``: each student's wrapped data key, then its tombstone (see
  ``keys``).

Each column has a portable kind; ``sqlite_statements`` and
``postgres_statements`` spell the tables in each dialect (SQLite's are
``WITHOUT ROWID``: every table is reached by its primary key), and
``POSTGRES_CASTS`` gives the type each column's parameters are cast to when
PostgreSQL rows are sent as binary values.
"""

from __future__ import annotations

from dataclasses import dataclass

from psycopg.sql import SQL, Composed, Identifier


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    """``id`` (a stream id), ``int``, ``text`` or ``bytes``."""
    nullable: bool = False


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    indexes: tuple[tuple[str, str], ...] = ()
    """(index name, column) of each secondary index."""

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)


CHAIN = Table(
    "ledger_chain",
    (
        Column("originator_id", "id"),
        Column("originator_version", "int"),
        Column("recorded_at", "text"),
        Column("commitment", "bytes"),
        Column("link", "bytes"),
    ),
    primary_key=("originator_id", "originator_version"),
)
IDENTIFIERS = Table(
    "ledger_identifiers",
    (Column("kind", "text"), Column("digest", "bytes"), Column("originator_id", "id")),
    primary_key=("kind", "digest"),
    indexes=(("ledger_identifiers_student", "originator_id"),),
)
KEYS = Table(
    "ledger_keys",
    (
        Column("originator_id", "id"),
        Column("key_id", "bytes"),
        Column("wrapped_dek", "bytes", nullable=True),
        Column("kek_id", "text", nullable=True),
        Column("created_at", "text"),
        Column("shredded_at", "text", nullable=True),
    ),
    primary_key=("originator_id", "key_id"),
)
TABLES = (CHAIN, IDENTIFIERS, KEYS)

SQLITE_TYPES = {"id": "TEXT", "int": "INTEGER", "text": "TEXT", "bytes": "BLOB"}
POSTGRES_TYPES = {"id": "uuid", "int": "int8", "text": "text", "bytes": "bytea"}

POSTGRES_CASTS = {
    column.name: POSTGRES_TYPES[column.kind] for table in TABLES for column in table.columns
}
"""Each column name's PostgreSQL type (a name means the same kind in every table)."""


def _definition(table: Table, types: dict[str, str]) -> str:
    columns = [
        f"{column.name} {types[column.kind]}{'' if column.nullable else ' NOT NULL'}"
        for column in table.columns
    ]
    return f"{', '.join(columns)}, PRIMARY KEY ({', '.join(table.primary_key)})"


def sqlite_statements() -> list[str]:
    statements = []
    for table in TABLES:
        statements.append(
            f"CREATE TABLE IF NOT EXISTS {table.name} "
            f"({_definition(table, SQLITE_TYPES)}) WITHOUT ROWID"
        )
        statements += [
            f"CREATE INDEX IF NOT EXISTS {index} ON {table.name} ({column})"
            for index, column in table.indexes
        ]
    return statements


def postgres_statements(schema: str) -> list[Composed]:
    statements = []
    for table in TABLES:
        names = {"schema": Identifier(schema), "table": Identifier(table.name)}
        statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {schema}.{table} "
                f"({_definition(table, POSTGRES_TYPES)})"
            ).format(**names)
        )
        statements += [
            SQL(f"CREATE INDEX IF NOT EXISTS {{index}} ON {{schema}}.{{table}} ({column})").format(
                index=Identifier(index), **names
            )
            for index, column in table.indexes
        ]
    return statements


def quoted_schema(schema: str) -> str:
    """A PostgreSQL schema name as a quoted identifier, to prefix table names."""
    return '"' + schema.replace('"', '""') + '"'
