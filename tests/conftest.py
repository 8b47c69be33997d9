"""What every tier shares: its marker, the PostgreSQL switch, and the storage fixtures.

The tests come in three tiers, one folder each: ``unit`` (no database at all),
``integration`` (every storage contract on each backend) and ``e2e`` (real HTTP, the
browser, schemathesis, the CLI).  Each test is marked with its tier, so
``-m "not e2e"`` works beside ``pytest tests/unit``.

Every storage contract runs on SQLite and, given ``CAREERS_LEDGER_TEST_POSTGRES_URL``
(CI sets it), on PostgreSQL, each test in a schema of its own.  Without the URL the
PostgreSQL cases are left out at collection (one line in the summary says how many),
rather than reported one by one as skipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from api.bootstrap import Ledger, build
from api.config import Settings
from ledger.domain.clock import SimulatedClock
from tests.backends import POSTGRES_URL, START, postgres_schema

TIERS = ("unit", "integration", "e2e")
TESTS = Path(__file__).parent
LEFT_OUT = pytest.StashKey[int]()
HOW_TO_RUN = (
    "CAREERS_LEDGER_TEST_POSTGRES_URL=postgresql+psycopg://USER@HOST:5432/DB "
    "python -m pytest -m postgres"
)


def is_postgres_case(item: pytest.Item) -> bool:
    """The PostgreSQL half of a test parametrised over the ``database_url`` backends."""
    callspec = getattr(item, "callspec", None)
    return callspec is not None and callspec.params.get("database_url") == "postgres"


@pytest.hookimpl(tryfirst=True)  # before -m selects, so -m unit/integration/e2e works
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        tier = item.path.relative_to(TESTS).parts[0] if item.path.is_relative_to(TESTS) else ""
        if tier in TIERS:
            item.add_marker(tier)
    if POSTGRES_URL:
        return
    left_out = [item for item in items if is_postgres_case(item)]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if not is_postgres_case(item)]
    config.stash[LEFT_OUT] = len(left_out)
    workeroutput = getattr(config, "workeroutput", None)  # a pytest-xdist worker
    if workeroutput is not None:
        workeroutput["postgres_left_out"] = len(left_out)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: object, error: object) -> None:
    """pytest-xdist: the controller learns from its workers how many cases they left out."""
    counted = getattr(node, "workeroutput", {}).get("postgres_left_out")
    if counted is not None:
        config: pytest.Config = node.config  # type: ignore[attr-defined]
        config.stash[LEFT_OUT] = max(counted, config.stash.get(LEFT_OUT, 0))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    left_out = terminalreporter.config.stash.get(LEFT_OUT, 0)
    if left_out:
        terminalreporter.write_line(
            f"{left_out} PostgreSQL cases left out: CAREERS_LEDGER_TEST_POSTGRES_URL is not set;"
            f" to run them: {HOW_TO_RUN}"
        )


# -- storage fixtures (integration and e2e; the unit tier refuses any database) ----


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty ledger database on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ledger.db'}"
        return
    if not POSTGRES_URL:  # only when asked for by node id: collection leaves these out
        pytest.skip("CAREERS_LEDGER_TEST_POSTGRES_URL is not set")
    with postgres_schema("t") as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'ledger.db'}"


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(START)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=database_url, key_file=tmp_path / "test.keys")


@pytest.fixture
def ledger(settings: Settings, clock: SimulatedClock) -> Iterator[Ledger]:
    built = build(settings, clock)
    yield built
    built.close()


@pytest.fixture
def quiet_ledger(settings: Settings, clock: SimulatedClock) -> Iterator[Ledger]:
    """A ledger whose appends are not projected in-process (a worker's job)."""
    built = build(settings.model_copy(update={"project_in_process": False}), clock)
    yield built
    built.close()
