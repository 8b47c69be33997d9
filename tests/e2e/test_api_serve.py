"""``careers-ledger serve``: one process on SQLite, answering on the port it was given."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from api.cli.main import app as cli


def test_serve_refuses_several_workers_on_sqlite(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["serve", "--workers", "2", "--database-url", f"sqlite:///{tmp_path / 'l.db'}"]
    )
    assert result.exit_code == 2
    assert "PostgreSQL" in result.output


@pytest.mark.slow
def test_serve_answers_health_and_refuses_a_request_without_a_token(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "CAREERS_LEDGER_DATABASE_URL": f"sqlite:///{tmp_path / 'ledger.db'}",
        "CAREERS_LEDGER_KEY_FILE": str(tmp_path / "keys"),
    }
    command = [str(Path(sys.executable).parent / "careers-ledger"), "serve", "--port", str(port)]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}/api/v1"
    try:
        deadline = time.monotonic() + 300
        while True:
            assert server.poll() is None, server.stderr.read() if server.stderr else b""
            try:
                health = httpx.get(f"{base}/health", timeout=2)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "serve did not start"
                time.sleep(0.2)
        assert health.json()["status"] == "ok"
        assert httpx.get(f"{base}/projections/status").status_code == 401
    finally:
        server.terminate()
        server.wait(timeout=60)
