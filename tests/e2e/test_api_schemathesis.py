"""schemathesis against the live OpenAPI schema, once per role: all checks must pass.

The API runs under uvicorn on a loopback port and schemathesis's own CLI drives
it over HTTP, with every check enabled.  It runs once per CI pass: on SQLite in
the SQLite pass, on PostgreSQL when ``CAREERS_LEDGER_TEST_POSTGRES_URL`` is set.
Example counts are small so the suite stays quick: the coverage phase (some two
thousand boundary requests, alike for every role because validation comes
before access) runs with the adviser's token, and every role runs the examples,
fuzzing and stateful phases.  One schemathesis worker: its parallel workers trip
a CPython 3.11 ``ast`` thread-safety bug inside schemathesis itself.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from api.bootstrap import build
from api.config import Settings
from ledger.domain.clock import SimulatedClock
from tests.api_support import ROLES, build_world, serving
from tests.backends import POSTGRES_URL, START, postgres_schema

# A schema-valid request may still break a rule JSON Schema cannot state (a date in
# the future, a date of birth after registration, a check letter, an Idempotency-Key
# reused with another body): those are 422 by design, so positive data may get 422.
CONFIG = """
[checks.positive_data_acceptance]
expected-statuses = ["2xx", "401", "403", "404", "409", "410", "422"]
"""
CLI = Path(sys.executable).parent / "schemathesis"
ALL_PHASES = "examples,coverage,fuzzing,stateful"
PHASES = {role: ALL_PHASES if role == "adviser" else "examples,fuzzing,stateful" for role in ROLES}


@pytest.fixture
def database(tmp_path: Path) -> Iterator[str]:
    if not POSTGRES_URL:
        yield f"sqlite:///{tmp_path / 'ledger.db'}"
        return
    with postgres_schema("st") as url:
        yield url


@pytest.mark.slow
@pytest.mark.postgres  # also part of CI's PostgreSQL pass (`-m postgres`), on PostgreSQL there
@pytest.mark.parametrize("role", ROLES)
def test_the_live_schema_holds_for_every_request_schemathesis_makes(
    role: str, database: str, tmp_path: Path
) -> None:
    ledger = build(Settings(database_url=database, key_file=tmp_path / "k"), SimulatedClock(START))
    world = build_world(ledger)
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG)
    command = [
        str(CLI),
        "--config-file",
        str(config),
        "--no-color",
        "run",
        "--checks",
        "all",
        "--header",
        f"Authorization: Bearer {world.tokens[role]}",
        "--phases",
        PHASES[role],
        "--max-examples",
        "2",
        "--seed",
        "20250110",
        "--workers",
        "1",
        "--request-timeout",
        "30",
    ]
    try:
        with serving(world.client.app) as base:
            run = subprocess.run(
                [*command, f"{base}/api/v1/openapi.json"],
                capture_output=True,
                text=True,
                cwd=tmp_path,
                timeout=1200,
            )
    finally:
        ledger.close()
    summary = run.stdout[-8000:]
    assert run.returncode == 0, summary
    assert " passed" in summary, summary
