"""Composition root: build the ledger's parts once, from settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Engine

from api.config import Settings
from api.store.access_log import SqlAccessLog
from api.store.database import (
    create_private_sqlite_file,
    create_tables,
    engine_for,
    read_side_engine,
)
from api.store.keys import load_keys, signer_for
from api.store.tokens import TokenStore
from ledger.domain.clock import Clock, SystemClock
from ledger.service.evidence import EvidenceService
from ledger.service.ledger_service import LedgerService
from ledger.storage.application import LedgerApplication
from projections.runner.pipeline import LogSource
from projections.views.readside import ReadModels, build_read_models


@dataclass
class Ledger:
    """Everything an entrypoint needs; close it when done."""

    settings: Settings
    app: LedgerApplication
    service: LedgerService
    clock: Clock
    engine: Engine  # the edge's own tables: users, tokens, access log
    tokens: TokenStore
    evidence: EvidenceService  # the global Merkle log, signed checkpoints and proofs
    projections: ReadModels  # benchmark, timeline and destination views (projections.views.queries)
    closers: list[Callable[[], None]] = field(default_factory=list)

    def close(self) -> None:
        for close in reversed(self.closers):
            close()
        self.app.close()
        self.engine.dispose()


# A process that is the ledger's only writer (the demo's bulk load) can trust the
# aggregate cache it updates on every save, instead of re-reading each stream's tail.
SOLE_WRITER_ENV = {"AGGREGATE_CACHE_FASTFORWARD": "n", "AGGREGATE_CACHE_MAXSIZE": "50000"}


def build(
    settings: Settings | None = None, clock: Clock | None = None, *, sole_writer: bool = False
) -> Ledger:
    settings = settings or Settings()
    clock = clock or SystemClock()
    keys = load_keys(settings)
    create_private_sqlite_file(settings.database_url)
    source = LogSource(
        settings.database_url,
        index_key=keys["index_key"],
        master_key=keys["master_key"],
        previous_master_keys=tuple(keys[k] for k in ("previous_master_key",) if k in keys),
    )
    app = LedgerApplication(
        source.database_url,
        index_key=source.index_key,
        master_key=source.master_key,
        previous_master_keys=source.previous_master_keys,
        extra_env=SOLE_WRITER_ENV if sole_writer else None,
    )
    engine = engine_for(settings.database_url)
    create_tables(engine)
    read_engine = read_side_engine(settings.database_url, engine)
    read_models = build_read_models(app, read_engine, clock, log_source=source)
    after_append = read_models.projector.after_append if settings.project_in_process else None
    service = LedgerService(
        app,
        clock,
        after_append=after_append,
        access_log=SqlAccessLog(engine),
        read_models=read_models,
    )
    closers = [read_engine.dispose] if read_engine is not engine else []
    return Ledger(
        settings=settings,
        app=app,
        service=service,
        clock=clock,
        engine=engine,
        tokens=TokenStore(engine),
        evidence=EvidenceService(app, signer_for(settings, keys), clock),
        projections=read_models,
        closers=closers,
    )
