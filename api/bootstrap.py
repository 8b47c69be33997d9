"""Composition root: build the ledger's parts once, from settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ledger.clock import Clock, SystemClock
from ledger.service import LedgerService
from ledger.settings import Settings, load_keys
from ledger.storage.application import LedgerApplication


@dataclass
class Ledger:
    """Everything an entrypoint needs; close it when done."""

    settings: Settings
    app: LedgerApplication
    service: LedgerService
    clock: Clock
    closers: list[Callable[[], None]] = field(default_factory=list)

    def close(self) -> None:
        for close in reversed(self.closers):
            close()
        self.app.close()


def build(settings: Settings | None = None, clock: Clock | None = None) -> Ledger:
    settings = settings or Settings()
    clock = clock or SystemClock()
    keys = load_keys(settings)
    app = LedgerApplication(settings.database_url, index_key=keys["index_key"])
    service = LedgerService(app, clock)
    return Ledger(settings=settings, app=app, service=service, clock=clock)
