"""schemathesis against the live OpenAPI schema, once per role: all checks must pass.

The API runs under uvicorn on a loopback port and schemathesis's own CLI
drives it over HTTP, exactly as CI would run it by hand.  Example counts are
kept small so the suite stays quick: the coverage phase (some two thousand
boundary requests, the same for every role because validation comes before
access) runs with the adviser's token; every role runs the examples, fuzzing
and stateful phases.  One schemathesis worker: its parallel workers trip a
CPython 3.11 ``ast`` thread-safety bug inside schemathesis itself.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from api.bootstrap import build
from ledger.clock import SimulatedClock
from ledger.settings import Settings
from tests.api_support import ROLES, build_world, serving
from tests.conftest import START

# A schema-valid request may still break a rule JSON Schema cannot state (a date in
# the future, a date of birth after registration, a check letter, an Idempotency-Key
# reused with another body): those are 422 by design, so positive data may get 422.
CONFIG = """
[checks.positive_data_acceptance]
expected-statuses = ["2xx", "401", "403", "404", "409", "410", "422"]
"""
CLI = Path(sys.executable).parent / "schemathesis"
PHASES = {
    role: "examples,coverage,fuzzing,stateful" if role == "adviser" else "examples,fuzzing,stateful"
    for role in ROLES
}


@pytest.mark.slow
@pytest.mark.parametrize("role", ROLES)
def test_the_live_schema_holds_for_every_request_schemathesis_makes(
    role: str, tmp_path: Path
) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'ledger.db'}", key_file=tmp_path / "k")
    ledger = build(settings, SimulatedClock(START))
    world = build_world(ledger)
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG)
    try:
        with serving(world.client.app) as base:
            run = subprocess.run(
                [
                    str(CLI),
                    "--config-file",
                    str(config),
                    "--no-color",
                    "run",
                    f"{base}/api/v1/openapi.json",
                    "--checks",
                    "all",
                    "--header",
                    f"Authorization: Bearer {world.tokens[role]}",
                    "--max-examples",
                    "2",
                    "--seed",
                    "20250110",
                    "--workers",
                    "1",
                    "--phases",
                    PHASES[role],
                    "--request-timeout",
                    "30",
                ],
                capture_output=True,
                text=True,
                cwd=tmp_path,
                timeout=900,
            )
    finally:
        ledger.close()
    summary = run.stdout[-6000:]
    assert run.returncode == 0, summary
    assert " passed" in summary, summary
