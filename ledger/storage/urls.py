"""Turn the one storage setting (a SQLAlchemy-style URL) into library settings."""

from __future__ import annotations

from urllib.parse import parse_qs, unquote, urlsplit

from ledger.domain.errors import FieldProblem, ValidationFailed


def _refuse(reason: str) -> ValidationFailed:
    return ValidationFailed(
        f"CAREERS_LEDGER_DATABASE_URL: {reason}",
        (FieldProblem("CAREERS_LEDGER_DATABASE_URL", reason),),
    )


def sqlite_path(url: str) -> str:
    """``sqlite:///rel.db`` -> ``rel.db``; ``sqlite:////abs/x.db`` -> ``/abs/x.db``."""
    path = url.split("://", 1)[1]
    if not path.startswith("/") or path == "/":
        raise _refuse("a SQLite URL needs a file path, e.g. sqlite:///careers-ledger.db")
    path = path[1:]
    if path in {"", ":memory:"}:
        raise _refuse("the ledger needs a SQLite file, not an in-memory database")
    return path


def environment_for(url: str) -> dict[str, str]:
    """eventsourcing environment keys for a database URL."""
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme.startswith("sqlite"):
        return {
            "PERSISTENCE_MODULE": "ledger.storage.factories:LedgerSQLiteFactory",
            "SQLITE_DBNAME": sqlite_path(url),
            "SQLITE_LOCK_TIMEOUT": "30",
        }
    if scheme.startswith(("postgresql", "postgres")):
        parts = urlsplit(url)
        dbname = parts.path.lstrip("/")
        if not dbname:
            raise _refuse("a PostgreSQL URL needs a database name")
        query = parse_qs(parts.query)
        env = {
            "PERSISTENCE_MODULE": "ledger.storage.factories:LedgerPostgresFactory",
            "POSTGRES_DBNAME": unquote(dbname),
            "POSTGRES_HOST": parts.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(parts.port or 5432),
            "POSTGRES_USER": unquote(parts.username or "postgres"),
            "POSTGRES_PASSWORD": unquote(parts.password or ""),
            "POSTGRES_LOCK_TIMEOUT": "30",
            "POSTGRES_POOL_SIZE": "5",
        }
        if "schema" in query:
            env["POSTGRES_SCHEMA"] = query["schema"][0]
        return env
    raise _refuse("must start with sqlite:/// or postgresql+psycopg://")


def sqlalchemy_url(url: str) -> str:
    """The same database as a SQLAlchemy URL (for the read side)."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url
